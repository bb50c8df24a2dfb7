// Extended care (延長保育) and its monthly report (延長保育月報).
//
// A child certified for standard hours (保育標準時間, up to 11 h) is cared for within the
// facility's standard-time band (e.g. 07:00-18:00), a child certified for short hours
// (保育短時間, up to 8 h) within the short-time band (e.g. 08:30-16:30). Time before the band's
// start or after its end is extended care. Per attended day and per side (morning, evening):
//   - the side's minutes = band start - check-in (morning) or check-out - band end (evening),
//     from the check-in and check-out in force (the newest correction), to the minute as shown
//     on the board (seconds dropped);
//   - a side of at most `grace_minutes` counts nothing; a longer side counts whole;
//   - a counted side is rounded up to `rounding_unit` minutes: units = ceil(minutes / unit);
//   - the child's month costs units × fee_per_unit yen, at most `monthly_cap` when set.
// A day without a check-out (or without a check-in) is a flagged line: the known side still
// counts, the other is unknown until staff correct the record. A child without certified hours
// on that day is flagged too and counts nothing.
//
// A month goes: live draft (computed from attendance) → reviewed (stored as revision N by the
// facility admin) → finalised (revision N frozen). A change after finalising (a corrected
// check-out, other settings) shows as the draft of revision N + 1 with what changed; reviewing
// and finalising it stores it beside revision N, which is never overwritten.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common.h"

namespace sukusuku::messaging::extcare {

struct Settings {
  std::string standard_start = "07:00";
  std::string standard_end = "18:00";
  std::string short_start = "08:30";
  std::string short_end = "16:30";
  int64_t rounding_unit = 30;          // minutes, 1..120
  int64_t grace_minutes = 5;           // 0..60, below rounding_unit
  int64_t fee_per_unit = 0;            // yen, 0..100000
  std::optional<int64_t> monthly_cap;  // yen, 1..1000000; none when absent

  nlohmann::json toJson() const;
  static Settings fromJson(const nlohmann::json& j);
  bool operator==(const Settings&) const = default;
};

// Throws Error 422 "messaging.extcare.invalid_setting" with {"field", ...} on the first value
// out of range.
void validate(const Settings& s);
std::optional<Settings> loadSettings(db::Connection& conn, int64_t facility_id);

// One child's attended day.
struct DayLine {
  int64_t child_id = 0;
  std::string child_name;
  std::string class_name;
  std::string certified;  // standard, short, "" (none)
  std::string date;       // YYYY-MM-DD
  std::string check_in;   // HH:MM, "" when none in force
  std::string check_out;
  int64_t minutes_before = 0;  // counted minutes (0 within grace)
  int64_t minutes_after = 0;
  int64_t units = 0;
  std::string flag;  // "", no_check_out, no_check_in, no_certification

  bool sameFigures(const DayLine& o) const;
};

// The arithmetic of one day (rules above). IN and OUT are minutes after the date's midnight in
// Tokyo, absent when there is no record in force. Fills minutes_*, units and flag of LINE.
void computeDay(const Settings& s, std::optional<int64_t> in, std::optional<int64_t> out,
                DayLine& line);

struct ChildTotal {
  int64_t child_id = 0;
  std::string child_name;
  std::string class_name;
  std::string certified;
  int64_t days = 0;           // attended days (lines)
  int64_t extended_days = 0;  // days with units > 0
  int64_t minutes = 0;
  int64_t units = 0;
  int64_t fee = 0;  // after the cap
  bool capped = false;
  int64_t flagged = 0;
};

struct Report {
  int64_t facility_id = 0;
  std::string facility_name;
  std::string month;  // YYYY-MM
  Settings settings;
  std::vector<DayLine> lines;        // by child, then date
  std::vector<ChildTotal> children;  // by class, then name
  int64_t total_minutes = 0, total_units = 0, total_fee = 0, flagged = 0;
};

// Throws Error 422 "messaging.extcare.invalid_month" unless MONTH is 'YYYY-MM' (2000..2100).
void requireMonth(const std::string& month);

// The live report from attendance (the rows in force) and enrolments (certified hours).
Report liveReport(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                  const std::string& month, const Settings& s);
// Per-child totals and report totals from LINES (report.lines and settings set).
void summarise(Report& report);

// A stored revision's header.
struct Revision {
  int64_t id = 0;
  int64_t revision = 0;
  std::string status;  // reviewed, finalised
  nlohmann::json settings;
  nlohmann::json changes;  // null for the first revision
  int64_t total_minutes = 0, total_units = 0, total_fee = 0;
  std::string reviewed_by, reviewed_at, finalised_by, finalised_at;
};
std::vector<Revision> revisions(db::Connection& conn, int64_t facility_id,
                                const std::string& month);  // oldest first
Report storedReport(db::Connection& conn, const Revision& rev, int64_t facility_id,
                    const std::string& facility_name, const std::string& month);
// Stores REPORT as a reviewed revision: a new row REVISION, or replacing the lines of the open
// (reviewed, not finalised) row ID when ID != 0. Returns the row id.
int64_t storeReviewed(db::Tx& tx, int64_t municipality_id, const Report& report, int64_t revision,
                      int64_t replace_id, const nlohmann::json& changes, int64_t user_id,
                      const std::string& now);

// What differs from OLD to NEW: {"settings_changed", "lines": [{child_id, child_name, date,
// before: {...}|null, after: {...}|null}], "fee_delta", "children": [{child_id, child_name,
// fee_before, fee_after}]}. Empty "lines" and no settings change: the same report.
nlohmann::json diff(const Report& old_report, const Report& new_report);
bool sameReport(const Report& a, const Report& b);

// Exports. LABELS holds the translated column headers (keys as in the i18n "extcare.col").
std::string toCsv(const Report& r, const nlohmann::json& labels);
// UTF-8 to Shift_JIS (CP932, as Excel on Windows reads it); characters it lacks become '?'.
std::string toShiftJis(const std::string& utf8);
std::string toXlsx(const Report& r, const nlohmann::json& labels);

}  // namespace sukusuku::messaging::extcare

namespace sukusuku::messaging {
// Routes, pages, permissions, navigation and the demo settings; in extended_care_routes.cc.
void addExtendedCare(Env& env);
}  // namespace sukusuku::messaging
