// Small pure helpers of the push core: text validation, language choice, quiet hours.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sukusuku::push {

// Number of Unicode code points in UTF-8 TEXT (invalid bytes count as one each).
size_t utf8Length(const std::string& text);
// TEXT cut to at most MAX_BYTES without splitting a UTF-8 sequence, with "…" when cut.
std::string utf8Truncate(const std::string& text, size_t max_bytes);
bool validUtf8(const std::string& text);

// TEXTS[language] when present and non-empty, else TEXTS["ja"] (always present once validated).
std::string textIn(const std::map<std::string, std::string>& texts, const std::string& language);
std::string textIn(const nlohmann::json& texts, const std::string& language);

// "22:00" -> 1320; nullopt for anything else.
std::optional<int> parseMinuteOfDay(const std::string& hhmm);
std::string formatMinuteOfDay(int minutes);

// When NOW_MS (epoch ms) falls in the quiet hours [START_MIN, END_MIN) (Asia/Tokyo minutes of
// the day; START > END spans midnight; START == END means none), the epoch ms at which they end;
// otherwise 0.
int64_t quietHoursEndMs(int64_t now_ms, int start_min, int end_min);

}  // namespace sukusuku::push
