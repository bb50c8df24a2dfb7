// The rostering model (勤務表モデル): who may work which shift on which day, and what a good
// roster looks like.
//
// A Problem is a horizon of whole days, a set of shift types, a set of employees with contracts,
// and a set of cover requirements. A Roster gives every (employee, day) cell either one shift type
// or kOff. Every rule of the model is either hard (must hold; counted as a hard violation) or soft
// (its weight times the amount of the violation is added to the objective); see RuleWeight.
//
// Cover is generic: a CoverPoint is anything a shift can count towards on a day. A nursery makes
// one point per time slot (7:00-7:30, 7:30-8:00, ...) and lets each shift type list the slots it
// spans; the Curtois-Qu benchmark makes one point per shift type. A CoverRequirement asks for a
// number of employees at one point on one day, optionally only counting employees holding one
// qualification (e.g. 保育士 certificate), so "2 people, at least 1 qualified" is two requirements
// on the same point. The engine never special-cases either use.
//
// Pinned cells are fixed before solving and never change. A previous roster, when given, makes
// every changed cell cost Rule::kChangeFromPrevious: re-solving after a sick call then moves as
// few cells as possible.
//
// All types here are plain values: copy them freely; they are not synchronised.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sukusuku::shifts {

// The value of a roster cell when the employee does not work that day.
inline constexpr int kOff = -1;
// A request's shift meaning "any shift" (on request: wants to work; off request: wants the day
// off).
inline constexpr int kAnyShift = -2;
// A requirement's qualification meaning "every employee counts".
inline constexpr int kAnyQualification = -1;
// Shift types are kept in a 64-bit mask per cell.
inline constexpr int kMaxShiftTypes = 63;

// Every rule the engine knows. The report names each violation by one of these.
enum class Rule : int {
  kDayOff = 0,             // works on a fixed day off (公休/有給)
  kShiftOnRequest,         // a requested shift (or any shift) not given
  kShiftOffRequest,        // a shift (or any shift) given against an off request
  kMaxShiftsOfType,        // more shifts of one type than the contract allows
  kMaxTotalMinutes,        // more minutes over the horizon than the contract allows
  kMinTotalMinutes,        // fewer minutes over the horizon than the contract requires
  kMaxConsecutiveShifts,   // a working block longer than allowed
  kMinConsecutiveShifts,   // a working block shorter than required (not at the horizon's edges)
  kMinConsecutiveDaysOff,  // a free block shorter than required (not at the horizon's edges)
  kMaxWeekends,            // more weekends worked than allowed
  kForbiddenSuccession,    // shift A followed by shift B on the next day (e.g. 遅番 then 早番)
  kCoverUnder,             // fewer employees than required at a cover point
  kCoverOver,              // more employees than required at a cover point
  kChangeFromPrevious,     // a cell differs from the previous roster
  kFairness,               // an employee's count of a duty (early/late shifts, weekends) is
                           // outside their fair share (Problem::fairness)
  kCount
};
inline constexpr int kRuleCount = static_cast<int>(Rule::kCount);

// Stable snake_case name, e.g. "max_consecutive_shifts".
const char* ruleName(Rule rule);

// How a rule counts. Soft: penalty = weight x amount (requests and cover rows carry their own
// weights, multiplied by this one). Hard: each violation is counted, never priced into the
// objective.
struct RuleWeight {
  bool hard = false;
  int weight = 1;
};

struct ShiftType {
  std::string id;
  int startMinute = 0;  // minutes after midnight; end may exceed 1440 for night shifts
  int endMinute = 0;
  int breakMinutes = 0;
  int paidMinutes = 0;           // what counts towards the contract's total minutes
  std::vector<int> coverPoints;  // indexes into Problem::coverPoints counted on the shift's day
};

// Contract limits over the whole horizon. Defaults mean "no limit".
struct Contract {
  std::vector<int> maxShiftsOfType;  // per shift type; empty means unlimited
  int minTotalMinutes = 0;
  int maxTotalMinutes = INT_MAX;
  int minConsecutiveShifts = 0;
  int maxConsecutiveShifts = INT_MAX;
  int minConsecutiveDaysOff = 0;
  int maxWeekends = INT_MAX;
};

struct Employee {
  std::string id;
  Contract contract;
  std::vector<int> qualifications;  // indexes into Problem::qualifications
  std::vector<int> daysOff;         // Rule::kDayOff
};

struct ShiftRequest {
  int employee = 0;
  int day = 0;
  int shift = kAnyShift;  // a shift type index or kAnyShift
  bool on = true;         // true: wants to work it; false: wants not to work it
  int weight = 1;
};

// Fairness (公平性): spreads a duty across staff. FairnessTarget counts, per employee, the days
// worked on one of `shifts` (or, with `weekends`, the weekends worked); an employee whose count
// lies outside target ± tolerance is a Rule::kFairness violation of amount = the distance
// beyond the band. Targets are each employee's fair share, worked out by the caller (the
// nursery model shares the expected early, late and weekend duties in proportion to contract
// hours). Per employee, so it prices with the row like every contract rule.
struct FairnessTarget {
  std::string id;           // "early", "late", "weekends"
  std::vector<int> shifts;  // shift types counted (ignored when weekends)
  bool weekends = false;
  std::vector<int> target;  // per employee; -1: the employee is not counted
  int tolerance = 1;
};

struct CoverPoint {
  std::string id;  // e.g. "07:00" or a shift type's id
};

struct CoverRequirement {
  int day = 0;
  int point = 0;
  int qualification = kAnyQualification;
  int minimum = 0;
  int weightUnder = 1;  // per missing employee
  int weightOver = 0;   // per employee above minimum
};

struct Assignment {
  int employee = 0;
  int day = 0;
  int shift = kOff;  // a shift type index or kOff
};

// One cell per (employee, day), row-major by employee.
class Roster {
 public:
  Roster() = default;
  Roster(int employees, int days)
      : employees_(employees), days_(days), cells_(employees * days, kOff) {}

  int employees() const { return employees_; }
  int days() const { return days_; }
  int at(int employee, int day) const { return cells_[employee * days_ + day]; }
  void set(int employee, int day, int shift) { cells_[employee * days_ + day] = shift; }
  const int* row(int employee) const { return cells_.data() + employee * days_; }
  bool operator==(const Roster& other) const = default;

 private:
  int employees_ = 0;
  int days_ = 0;
  std::vector<int> cells_;
};

struct Problem {
  int horizonDays = 0;
  int firstWeekday = 0;  // weekday of day 0, 0 = Monday; days 5 and 6 of a week are the weekend
  std::vector<ShiftType> shiftTypes;
  std::vector<std::pair<int, int>> forbiddenSuccessions;  // (earlier day's shift, next day's)
  std::vector<std::string> qualifications;
  std::vector<CoverPoint> coverPoints;
  std::vector<Employee> employees;
  std::vector<ShiftRequest> requests;
  std::vector<CoverRequirement> cover;
  std::vector<FairnessTarget> fairness;
  std::vector<Assignment> pinned;
  std::optional<Roster> previous;
  std::array<RuleWeight, kRuleCount> rules{};

  RuleWeight& rule(Rule r) { return rules[static_cast<int>(r)]; }
  const RuleWeight& rule(Rule r) const { return rules[static_cast<int>(r)]; }
};

// A domain error with a stable code ("shifts.invalid_model", "shifts.parse_error", ...), a
// message for people, and the 1-based line of the input when it came from a file (0 otherwise).
class RosterError : public std::runtime_error {
 public:
  RosterError(std::string code, const std::string& message, int line = 0)
      : std::runtime_error(message), code_(std::move(code)), line_(line) {}
  const std::string& code() const { return code_; }
  int line() const { return line_; }

 private:
  std::string code_;
  int line_;
};

// Throws RosterError("shifts.invalid_model") naming the first inconsistency (index out of range,
// too many shift types, previous roster of the wrong shape, ...).
void validate(const Problem& problem);

}  // namespace sukusuku::shifts
