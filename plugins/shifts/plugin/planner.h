// The shift plugin's domain layer: a facility's rota months in the database, turned into the
// nursery model (sukusuku/shifts/nursery.h), solved, and written back.
//
// Scope: every function takes the municipality id and filters by it; handlers check the
// facility against the principal with tenancy::requireFacility before calling in.
//
// Solving runs on SolveWorker's own thread (never the HTTP thread): queue() marks the roster
// `queued`, the worker marks it `running`, solves with the configured time limit, then writes
// the unpinned cells, the objective and the rule report in one transaction and marks it `done`
// (or `failed` with a message). Pinned cells are passed to the engine as pins and never change;
// the cells as they were are passed as the previous roster, so a re-solve moves as few as it can.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"
#include "sukusuku/services/planned_attendance.h"
#include "sukusuku/shifts/nursery.h"
#include "sukusuku/shifts/solver.h"

namespace sukusuku::shifts::plugin {

struct FacilitySettings {
  int slotMinutes = 30;
  std::string opensAt = "07:00";
  std::string closesAt = "19:00";
  bool openSaturday = true;
  // Licensed nurseries close on national holidays and 12/29–1/3; a facility with 休日保育 opens.
  bool openHolidays = false;
  int requestDeadlineDay = 20;
  int maxConsecutiveDays = 6;
  int minRestMinutes = 660;
};

// A rule a head may set per facility: hard (must hold) or soft with a weight (0 = ignored).
// The weight multiplies the model's own unit weights (a 希望休 not granted is worth
// NurseryRules::requestWeight, a caregiver short underWeight). Day off and patterns for the
// wrong contract stay hard and are not listed.
struct RuleSetting {
  Rule rule = Rule::kFairness;
  bool hard = false;
  int weight = 1;
  bool stored = false;  // false: the default
};
// The editable rules in display order with their defaults (those of nursery::buildProblem).
std::vector<RuleSetting> defaultRuleSettings();
// The facility's settings: stored rows over the defaults.
std::vector<RuleSetting> loadRuleSettings(db::Connection& conn, int64_t municipality,
                                          int64_t facility);
// Validates every entry first (422 "shifts.unknown_rule" for a rule not in the editable list,
// "shifts.invalid_weight" for a weight outside 0..1000000, "shifts.hard_required" for a rule
// the law makes hard: max_total_minutes), then upserts them; changes nothing on error.
struct RuleUpdate {
  std::string rule;
  bool hard = false;
  int64_t weight = 1;
};
void saveRuleSettings(db::Tx& tx, int64_t municipality, int64_t facility,
                      const std::vector<RuleUpdate>& updates, const std::string& now);
// The engine rule for an editable rule name; nullopt otherwise.
std::optional<Rule> editableRule(const std::string& name);

struct PatternRow {
  int64_t id = 0;
  nursery::ShiftPattern pattern;
};

struct StaffRow {
  int64_t id = 0;
  std::string name;
  nursery::NurseryStaff staff;
  // 希望シフト: (day index, pattern id); turned into staff.requestedShifts by pattern position.
  std::vector<std::pair<int, int64_t>> requestedPatterns;
};

struct RosterRow {
  int64_t id = 0;
  int64_t municipalityId = 0;
  int64_t facilityId = 0;
  std::string month;  // YYYY-MM
  std::string state;
  std::string solveState;
  std::string solveMessage;
  std::optional<int64_t> objective;
  std::optional<int64_t> hardViolations;
  nlohmann::json report;  // {"violations":[{rule,hard,staff,date,pattern,slot,amount}]}
  std::string publishedAt;
};

struct Cell {
  int64_t staffId = 0;
  std::string date;
  int64_t patternId = 0;  // 0 = off
  bool pinned = false;
};

// Everything about a month the pages need, loaded in one go.
struct MonthView {
  RosterRow roster;
  FacilitySettings settings;
  std::vector<std::string> dates;  // YYYY-MM-DD, the whole month
  std::vector<bool> open;          // per date
  std::vector<std::string> closure;  // per date: why it is closed (holidays.<key>), or ""
  std::vector<PatternRow> patterns;
  std::vector<StaffRow> staff;
  std::vector<Cell> cells;                             // worked or pinned cells
  std::vector<std::vector<nursery::SlotRequirement>> need;  // per date (empty when closed)
  nursery::SlotGrid grid;
  std::vector<RuleSetting> rules;  // the facility's rule settings
};

// Calendar helpers. Throw Error 422 "shifts.invalid_month" / "shifts.invalid_date".
std::vector<std::string> datesOfMonth(const std::string& month);
int weekdayOf(const std::string& date);  // 0 = Monday
int parseClock(const std::string& hhmm);  // "07:30" -> 450; Error 422 "shifts.invalid_time"
std::string formatClock(int minutes);
std::string nextMonth(const std::string& date);  // "2026-11-25" -> "2026-12"
// The last date requests for MONTH may be entered: DEADLINE_DAY of the month before.
std::string requestDeadline(const std::string& month, int deadlineDay);

FacilitySettings loadSettings(db::Connection& conn, int64_t municipality, int64_t facility);
// The facility's patterns; the default four are stored on first use.
std::vector<PatternRow> loadPatterns(db::Connection& conn, int64_t municipality, int64_t facility);
std::vector<nursery::RatioSetting> loadRatios(db::Connection& conn, int64_t municipality);
// Caregiving staff assigned to the facility during the month (cooks and dietitians left out).
std::vector<StaffRow> loadStaff(db::Connection& conn, int64_t municipality, int64_t facility,
                                const std::string& month);

std::optional<RosterRow> findRoster(db::Connection& conn, int64_t municipality, int64_t roster);
std::optional<RosterRow> findRosterByMonth(db::Connection& conn, int64_t municipality,
                                           int64_t facility, const std::string& month);
// Expected children per open day: the messaging plugin's planned attendance (登園予定) when
// PLANNED is given and plans someone that day, else the facility's typed-in counts for the
// weekday when it has any, else every enrolled child in its certified band (保育標準時間 / 短時間).
MonthView loadMonth(db::Connection& conn, const RosterRow& roster,
                    services::PlannedAttendance* planned = nullptr);

class Planner {
 public:
  struct Options {
    double solveSeconds = 3.0;
    int threads = 2;
  };
  Planner(db::Database& db, const Clock& clock, Options options);
  ~Planner();

  db::Database& database() { return db_; }

  void start();  // the worker thread
  void stop();   // cancels a running solve and joins

  // Creates the month's draft (conflict "shifts.roster_exists" when one exists) and returns
  // its id. Does not solve.
  int64_t createRoster(db::Tx& tx, int64_t municipality, int64_t facility,
                       const std::string& month);
  // Marks the roster queued and hands it to the worker. Conflict "shifts.already_solving" while
  // queued or running. A published rota may be re-solved (a sick call) and published again.
  void queue(int64_t municipality, int64_t roster);
  // Solves now on the calling thread (tests, the CLI, the demo seeder).
  void solveNow(int64_t roster);

  // The planned-attendance service, when the messaging plugin provides it (set in start()).
  void setPlannedAttendance(std::shared_ptr<services::PlannedAttendance> planned) {
    planned_ = std::move(planned);
  }
  services::PlannedAttendance* plannedAttendance() const { return planned_.get(); }

  // Called after a solve finished (from the worker thread), e.g. by tests waiting for it.
  std::function<void(int64_t roster)> onSolved;

 private:
  void run();
  void solveOne(int64_t roster);

  db::Database& db_;
  const Clock& clock_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int64_t> queue_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::shared_ptr<services::PlannedAttendance> planned_;
};

// Applies a head's edit: the cell gets PATTERN (0 = off) and is pinned (or unpinned). Rejects
// an unknown staff member, date or pattern with 422 and changes nothing.
void setCell(db::Tx& tx, const MonthView& view, int64_t staffId, const std::string& date,
             int64_t patternId, bool pinned);

// Per-slot planned caregivers (all / 保育士) for one date of the view.
struct SlotCount {
  int all = 0;
  int qualified = 0;
};
std::vector<SlotCount> plannedPerSlot(const MonthView& view, const std::string& date);

}  // namespace sukusuku::shifts::plugin
