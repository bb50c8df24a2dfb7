// Planned attendance (登降園予定): when each child is expected to arrive and leave, per day.
// Owned by the messaging plugin; consumed by the shifts plugin, which turns the number and ages
// of children present per time slot into the staff it must roster (配置基準).
//
// Guardians give a weekly pattern (e.g. Mon–Fri 08:30–17:30) plus exceptions for single dates
// (another time, or not coming). The plan for a date is the exception when one exists, else the
// weekday's pattern, for children enrolled at the facility on that date. A child with no pattern
// for the weekday and no exception is not expected. Times are Asia/Tokyo wall-clock 'HH:MM'.
//
// Find it in start():
//   auto planned = ctx.services().find<services::PlannedAttendance>("messaging.planned_attendance");
// It is null when the messaging plugin is not enabled; cope by planning without it.
//
// Thread-safety: the methods may be called from any thread; each opens its own connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sukusuku::services {

// One child's plan for one date.
struct PlannedChild {
  int64_t child_id = 0;
  int64_t class_id = 0;     // 0 when the enrolment names no class
  int age_years = 0;        // age on April 1 of the date's fiscal year (the nursery's age group)
  std::string arrive_at;    // 'HH:MM'
  std::string leave_at;     // 'HH:MM', later than arrive_at
};

// How many children are expected in one time slot, by age (0..5, older counted as 5).
struct SlotDemand {
  std::string starts_at;          // 'HH:MM', inclusive
  std::string ends_at;            // 'HH:MM', exclusive
  int children_by_age[6] = {0, 0, 0, 0, 0, 0};
  int total() const {
    int n = 0;
    for (int c : children_by_age) n += c;
    return n;
  }
};

class PlannedAttendance {
 public:
  virtual ~PlannedAttendance() = default;

  // Every child expected at FACILITY_ID on DATE ('YYYY-MM-DD'), ordered by child id.
  // MUNICIPALITY_ID scopes the query: a facility of another municipality yields nothing.
  virtual std::vector<PlannedChild> expectedChildren(int64_t municipality_id,
                                                     int64_t facility_id,
                                                     const std::string& date) = 0;

  // The day cut into SLOT_MINUTES slots (divides 1440; e.g. 30) from the facility's opening to
  // its closing time; a child counts in every slot its [arrive_at, leave_at) overlaps.
  // Throws sukusuku::Error 422 "messaging.invalid_slot" for a slot length that does not divide
  // a day.
  virtual std::vector<SlotDemand> demandBySlot(int64_t municipality_id, int64_t facility_id,
                                               const std::string& date, int slot_minutes) = 0;
};

// Staff clock-in/out (出退勤) recorded on the class tablet, for comparing with the roster.
// Service "messaging.staff_attendance"; null when the messaging plugin is not enabled.
struct StaffClock {
  int64_t staff_id = 0;
  std::string clock_in;   // 'HH:MM' Tokyo, "" when not clocked in
  std::string clock_out;  // 'HH:MM' Tokyo, "" when not (yet) clocked out
};

class StaffAttendance {
 public:
  virtual ~StaffAttendance() = default;
  // Everyone who clocked in or out at FACILITY_ID on DATE, ordered by staff id.
  virtual std::vector<StaffClock> clockTimes(int64_t municipality_id, int64_t facility_id,
                                             const std::string& date) = 0;
};

}  // namespace sukusuku::services
