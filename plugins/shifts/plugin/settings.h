// What a head and the city set up before a rota can be generated, and how it is checked:
//   勤務パターン   a facility's shift patterns (早番・中番・遅番・パート: start, end, break);
//   配置基準       the municipality's children per caregiver by age, with effective dates, the
//                  rounding rule, the minimum while open and the share of 保育士;
//   見込み児童数   a facility's typed-in expected children per weekday (used instead of planned
//                  attendance and certified hours for a weekday that has any).
//
// Each save validates every entry before it writes anything and throws sukusuku::Error 422
// (409 for a pattern still on a rota) with a stable code and details {"row": n (1-based),
// "field": name} so a form can point at the entry; called inside the caller's transaction, so
// a refused save changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "planner.h"
#include "sukusuku/db/database.h"

namespace sukusuku::shifts::plugin {

struct PatternInput {
  int64_t id = 0;        // 0: a new pattern
  std::string code;      // empty for a new pattern: one is made up ("p5")
  std::string name;      // 早番
  std::string startsAt;  // HH:MM
  std::string endsAt;
  int64_t breakMinutes = 0;
  bool partTime = false;
  bool remove = false;
};
// Replaces the facility's patterns with INPUTS (in display order). Codes: "shifts.invalid_pattern"
// (empty name, a time that is not HH:MM, end not after start, a break too short for the Labour
// Standards Act or longer than the shift), "shifts.duplicate_pattern" (a code twice),
// "shifts.unknown_pattern" (an id of another facility), "shifts.no_patterns" (none left),
// 409 "shifts.pattern_in_use" (removing a pattern a rota still uses), 409
// "shifts.pattern_in_published_rota" (changing the times, break or part-time flag of a pattern a
// published rota uses: it would rewrite what staff were given; its name may change).
void savePatterns(db::Tx& tx, int64_t municipality, int64_t facility,
                  const std::vector<PatternInput>& inputs);

struct RatioInput {
  std::string effectiveFrom;  // YYYY-MM-DD
  std::array<int64_t, 6> childrenPerCaregiver{};
  std::string rounding;  // funding_tenths | ceil_per_group | ceil_total
  int64_t minimumWhileOpen = 2;
  int64_t qualifiedPercent = 100;
};
// The legal maximum of children per caregiver by age on DATE (児童福祉施設の設備及び運営に関する
// 基準 第33条: 3, 6, 6, 15, 25, 25 from 2024-04-01; 20 and 30 for ages 3 and 4-5 before).
std::array<int64_t, 6> legalRatioOn(const std::string& date);
// Replaces the municipality's ratio settings. Codes: "shifts.invalid_date",
// "shifts.duplicate_date", "shifts.invalid_ratio" (below 1), "shifts.ratio_too_loose" (more
// children per caregiver than the law allows; details age, max), "shifts.invalid_rounding",
// "shifts.invalid_minimum" (below 2: never fewer than two while open), "shifts.invalid_percent"
// (outside 0..100), "shifts.no_ratio_setting" (none left).
void saveRatios(db::Tx& tx, int64_t municipality, const std::vector<RatioInput>& inputs);

struct ExpectedInput {
  int64_t weekday = 0;   // 0 = Monday … 6 = Sunday
  int64_t age = 0;       // 0..5
  std::string arriveAt;  // HH:MM
  std::string leaveAt;
  int64_t children = 0;
};
// Replaces the facility's typed-in rows for WEEKDAYS with those of INPUTS for them (rows of
// other weekdays in INPUTS are refused). Codes: "shifts.invalid_weekday",
// "shifts.unknown_age_group" (an age outside 0..5), "shifts.invalid_time", "shifts.invalid_band"
// (leaving before arriving), "shifts.invalid_count" (negative, or over 500).
void saveExpected(db::Tx& tx, int64_t municipality, int64_t facility,
                  const std::set<int64_t>& weekdays, const std::vector<ExpectedInput>& inputs);

// 開所時間・休園日 and the rota's limits for one facility (planner.h FacilitySettings; the
// facility's row is created on first save). Codes, details {"field": name}: "shifts.invalid_time"
// (not HH:MM), "shifts.invalid_slot_minutes" (15 or 30), "shifts.invalid_opening" (closing not
// after opening, or off the slot grid), "shifts.invalid_deadline_day" (1–28),
// "shifts.invalid_max_consecutive" (1–12), "shifts.invalid_min_rest" (0–1440 minutes).
void saveFacilitySettings(db::Tx& tx, int64_t municipality, int64_t facility,
                          const FacilitySettings& s, const std::string& now);

}  // namespace sukusuku::shifts::plugin
