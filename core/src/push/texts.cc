#include "texts.h"

#include <cstdio>

namespace sukusuku::push {

namespace {

// Length of the UTF-8 sequence that starts with LEAD, 0 when LEAD cannot start one.
size_t sequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return lead >= 0xC2 ? 2 : 0;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return lead <= 0xF4 ? 4 : 0;
  return 0;
}

}  // namespace

bool validUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t n = sequenceLength(static_cast<unsigned char>(text[i]));
    if (n == 0 || i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

size_t utf8Length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string utf8Truncate(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  static const std::string kEllipsis = "\xE2\x80\xA6";  // …
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + kEllipsis;
}

std::string textIn(const std::map<std::string, std::string>& texts, const std::string& language) {
  auto it = texts.find(language);
  if (it != texts.end() && !it->second.empty()) return it->second;
  it = texts.find("ja");
  return it == texts.end() ? std::string() : it->second;
}

std::string textIn(const nlohmann::json& texts, const std::string& language) {
  if (!texts.is_object()) return "";
  if (texts.contains(language) && texts[language].is_string() &&
      !texts[language].get<std::string>().empty()) {
    return texts[language].get<std::string>();
  }
  return texts.contains("ja") && texts["ja"].is_string() ? texts["ja"].get<std::string>() : "";
}

std::optional<int> parseMinuteOfDay(const std::string& hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4}) {
    if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
  }
  int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
  int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string formatMinuteOfDay(int minutes) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minutes / 60) % 24, minutes % 60);
  return buf;
}

int64_t quietHoursEndMs(int64_t now_ms, int start_min, int end_min) {
  if (start_min == end_min) return 0;
  constexpr int64_t kJstOffsetMs = 9 * 3600 * 1000LL;
  constexpr int64_t kDayMs = 86400 * 1000LL;
  constexpr int64_t kMinuteMs = 60 * 1000LL;
  int64_t local = now_ms + kJstOffsetMs;
  int64_t day_start = local - ((local % kDayMs) + kDayMs) % kDayMs;
  int64_t minute = (local - day_start) / kMinuteMs;
  bool quiet = start_min < end_min ? (minute >= start_min && minute < end_min)
                                   : (minute >= start_min || minute < end_min);
  if (!quiet) return 0;
  int64_t end_local = day_start + end_min * kMinuteMs;
  if (end_local <= local) end_local += kDayMs;
  return end_local - kJstOffsetMs;
}

}  // namespace sukusuku::push
