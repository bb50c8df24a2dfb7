#include "benchmark_checker.h"

namespace sukusuku::shifts {

namespace {

struct Checker {
  const BenchmarkInstance& inst;
  const Roster& roster;
  CheckResult result;

  void hard(const std::string& what) {
    result.hardViolations += 1;
    result.findings.push_back("HARD " + what);
  }
  void soft(int64_t penalty, const std::string& what) {
    if (penalty == 0) return;
    result.objective += penalty;
    result.findings.push_back("SOFT " + std::to_string(penalty) + " " + what);
  }
  bool works(int e, int d) const { return roster.at(e, d) >= 0; }

  void checkStaff(int e) {
    const BenchmarkInstance::Staff& s = inst.staff[e];
    const int n = inst.horizon;
    const std::string who = "employee " + s.id;

    for (int d : s.daysOff)
      if (works(e, d)) hard(who + " works on day off " + std::to_string(d));

    for (size_t t = 0; t < inst.shifts.size(); ++t) {
      int count = 0;
      for (int d = 0; d < n; ++d)
        if (roster.at(e, d) == static_cast<int>(t)) count++;
      if (count > s.maxShifts[t]) hard(who + " has too many " + inst.shifts[t].id + " shifts");
    }

    int minutes = 0;
    for (int d = 0; d < n; ++d)
      if (works(e, d)) minutes += inst.shifts[roster.at(e, d)].minutes;
    if (minutes > s.maxTotalMinutes) hard(who + " works too many minutes");
    if (minutes < s.minTotalMinutes) hard(who + " works too few minutes");

    // Maximal blocks of equal working status.
    int d = 0;
    while (d < n) {
      const bool working = works(e, d);
      int end = d;
      while (end + 1 < n && works(e, end + 1) == working) end++;
      const int length = end - d + 1;
      const bool touchesEdge = d == 0 || end == n - 1;
      const std::string block = " block starting day " + std::to_string(d);
      if (working && length > s.maxConsecutiveShifts) hard(who + " too long working" + block);
      if (working && !touchesEdge && length < s.minConsecutiveShifts)
        hard(who + " too short working" + block);
      if (!working && !touchesEdge && length < s.minConsecutiveDaysOff)
        hard(who + " too short rest" + block);
      d = end + 1;
    }

    int weekends = 0;
    for (int w = 0; w * 7 < n; ++w) {
      const int saturday = w * 7 + 5;
      const int sunday = w * 7 + 6;
      const bool worked = (saturday < n && works(e, saturday)) || (sunday < n && works(e, sunday));
      if (worked) weekends++;
    }
    if (weekends > s.maxWeekends) hard(who + " works too many weekends");

    for (int day = 0; day + 1 < n; ++day) {
      if (!works(e, day) || !works(e, day + 1)) continue;
      const BenchmarkInstance::Shift& first = inst.shifts[roster.at(e, day)];
      for (int banned : first.cannotFollow)
        if (banned == roster.at(e, day + 1))
          hard(who + " forbidden " + first.id + " then " + inst.shifts[banned].id + " on day " +
               std::to_string(day));
    }
  }

  void checkRequestsAndCover() {
    for (const auto& r : inst.onRequests)
      if (roster.at(r.employee, r.day) != r.shift)
        soft(r.weight, "on request unmet: " + inst.staff[r.employee].id + " day " +
                           std::to_string(r.day) + " " + inst.shifts[r.shift].id);
    for (const auto& r : inst.offRequests)
      if (roster.at(r.employee, r.day) == r.shift)
        soft(r.weight, "off request violated: " + inst.staff[r.employee].id + " day " +
                           std::to_string(r.day) + " " + inst.shifts[r.shift].id);
    for (const auto& c : inst.cover) {
      int working = 0;
      for (size_t e = 0; e < inst.staff.size(); ++e)
        if (roster.at(static_cast<int>(e), c.day) == c.shift) working++;
      const std::string where = "day " + std::to_string(c.day) + " " + inst.shifts[c.shift].id;
      if (working < c.requirement)
        soft(static_cast<int64_t>(c.weightUnder) * (c.requirement - working),
             "cover short by " + std::to_string(c.requirement - working) + " on " + where);
      if (working > c.requirement)
        soft(static_cast<int64_t>(c.weightOver) * (working - c.requirement),
             "cover over by " + std::to_string(working - c.requirement) + " on " + where);
    }
  }
};

}  // namespace

CheckResult checkBenchmarkRoster(const BenchmarkInstance& instance, const Roster& roster) {
  if (roster.employees() != static_cast<int>(instance.staff.size()) ||
      roster.days() != instance.horizon)
    throw RosterError("shifts.invalid_roster", "roster shape does not match the instance");
  Checker checker{instance, roster, {}};
  for (size_t e = 0; e < instance.staff.size(); ++e) checker.checkStaff(static_cast<int>(e));
  checker.checkRequestsAndCover();
  return checker.result;
}

}  // namespace sukusuku::shifts
