#include "sukusuku/shifts/model.h"

#include <string>

namespace sukusuku::shifts {

const char* ruleName(Rule rule) {
  switch (rule) {
    case Rule::kDayOff:
      return "day_off";
    case Rule::kShiftOnRequest:
      return "shift_on_request";
    case Rule::kShiftOffRequest:
      return "shift_off_request";
    case Rule::kMaxShiftsOfType:
      return "max_shifts_of_type";
    case Rule::kMaxTotalMinutes:
      return "max_total_minutes";
    case Rule::kMinTotalMinutes:
      return "min_total_minutes";
    case Rule::kMaxConsecutiveShifts:
      return "max_consecutive_shifts";
    case Rule::kMinConsecutiveShifts:
      return "min_consecutive_shifts";
    case Rule::kMinConsecutiveDaysOff:
      return "min_consecutive_days_off";
    case Rule::kMaxWeekends:
      return "max_weekends";
    case Rule::kForbiddenSuccession:
      return "forbidden_succession";
    case Rule::kCoverUnder:
      return "cover_under";
    case Rule::kCoverOver:
      return "cover_over";
    case Rule::kChangeFromPrevious:
      return "change_from_previous";
    case Rule::kFairness:
      return "fairness";
    case Rule::kCount:
      break;
  }
  return "unknown";
}

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw RosterError("shifts.invalid_model", "invalid roster model: " + what);
}

bool inRange(int value, size_t size) { return value >= 0 && static_cast<size_t>(value) < size; }

}  // namespace

void validate(const Problem& p) {
  check(p.horizonDays > 0, "horizon must be at least one day");
  check(p.firstWeekday >= 0 && p.firstWeekday < 7, "firstWeekday must be 0..6");
  check(!p.shiftTypes.empty(), "no shift types");
  check(static_cast<int>(p.shiftTypes.size()) <= kMaxShiftTypes, "too many shift types");
  const size_t shifts = p.shiftTypes.size();
  const size_t days = p.horizonDays;
  for (const ShiftType& s : p.shiftTypes) {
    check(s.paidMinutes >= 0, "shift " + s.id + " has negative minutes");
    for (int point : s.coverPoints)
      check(inRange(point, p.coverPoints.size()), "shift " + s.id + " covers an unknown point");
  }
  for (auto [a, b] : p.forbiddenSuccessions)
    check(inRange(a, shifts) && inRange(b, shifts), "forbidden succession of unknown shift");
  for (const Employee& e : p.employees) {
    const Contract& c = e.contract;
    check(c.maxShiftsOfType.empty() || c.maxShiftsOfType.size() == shifts,
          "employee " + e.id + ": maxShiftsOfType needs one entry per shift type");
    for (int q : e.qualifications)
      check(inRange(q, p.qualifications.size()), "employee " + e.id + ": unknown qualification");
    for (int d : e.daysOff) check(inRange(d, days), "employee " + e.id + ": day off out of range");
  }
  for (const ShiftRequest& r : p.requests) {
    check(inRange(r.employee, p.employees.size()), "request for unknown employee");
    check(inRange(r.day, days), "request day out of range");
    check(r.shift == kAnyShift || inRange(r.shift, shifts), "request for unknown shift");
  }
  for (const CoverRequirement& r : p.cover) {
    check(inRange(r.day, days), "cover day out of range");
    check(inRange(r.point, p.coverPoints.size()), "cover for unknown point");
    check(r.qualification == kAnyQualification || inRange(r.qualification, p.qualifications.size()),
          "cover for unknown qualification");
    check(r.minimum >= 0, "cover minimum must not be negative");
  }
  for (const FairnessTarget& f : p.fairness) {
    check(f.target.size() == p.employees.size(),
          "fairness " + f.id + ": needs one target per employee");
    for (int s : f.shifts) check(inRange(s, shifts), "fairness " + f.id + ": unknown shift");
    check(f.tolerance >= 0, "fairness " + f.id + ": tolerance must not be negative");
  }
  for (const Assignment& a : p.pinned) {
    check(inRange(a.employee, p.employees.size()) && inRange(a.day, days),
          "pinned cell out of range");
    check(a.shift == kOff || inRange(a.shift, shifts), "pinned cell with unknown shift");
  }
  if (p.previous) {
    const Roster& r = *p.previous;
    check(r.employees() == static_cast<int>(p.employees.size()) && r.days() == p.horizonDays,
          "previous roster has the wrong shape");
    for (int e = 0; e < r.employees(); ++e)
      for (int d = 0; d < r.days(); ++d)
        check(r.at(e, d) == kOff || inRange(r.at(e, d), shifts),
              "previous roster has unknown shift");
  }
}

}  // namespace sukusuku::shifts
