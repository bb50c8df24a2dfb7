#include "sukusuku/shifts/report.h"

#include <sstream>

#include "cost_model.h"

namespace sukusuku::shifts {

namespace {

void add(Report& report, const Problem& p, Violation v, int64_t unitWeight) {
  const RuleWeight& rw = p.rules[static_cast<int>(v.rule)];
  v.hard = rw.hard;
  v.penalty = rw.hard ? 0 : unitWeight * rw.weight * v.amount;
  if (rw.hard) {
    ++report.hardViolations;
  } else {
    report.objective += v.penalty;
  }
  report.violations.push_back(v);
}

void addCellViolations(Report& report, const Problem& p, const Roster& roster, int e) {
  for (int d : p.employees[e].daysOff)
    if (roster.at(e, d) != kOff)
      add(report, p, {Rule::kDayOff, false, e, d, roster.at(e, d), -1, 1, 0}, 1);
  for (const ShiftRequest& r : p.requests) {
    if (r.employee != e) continue;
    const int v = roster.at(e, r.day);
    const bool matches = r.shift == kAnyShift ? v != kOff : v == r.shift;
    if (r.on && !matches)
      add(report, p, {Rule::kShiftOnRequest, false, e, r.day, r.shift, -1, 1, 0}, r.weight);
    if (!r.on && matches)
      add(report, p, {Rule::kShiftOffRequest, false, e, r.day, v, -1, 1, 0}, r.weight);
  }
  if (p.previous) {
    for (int d = 0; d < p.horizonDays; ++d)
      if (roster.at(e, d) != p.previous->at(e, d))
        add(report, p, {Rule::kChangeFromPrevious, false, e, d, roster.at(e, d), -1, 1, 0}, 1);
  }
}

}  // namespace

Report evaluate(const Problem& problem, const Roster& roster) {
  detail::CostModel model(problem);
  if (roster.employees() != model.employees() || roster.days() != model.days())
    throw RosterError("shifts.invalid_roster", "roster shape does not match the problem");
  for (int e = 0; e < model.employees(); ++e)
    for (int d = 0; d < model.days(); ++d)
      if (roster.at(e, d) < kOff || roster.at(e, d) >= model.shiftTypes())
        throw RosterError("shifts.invalid_roster", "roster cell holds an unknown shift");
  Report report;
  std::vector<int> count(problem.cover.size(), 0);
  for (int e = 0; e < model.employees(); ++e) {
    addCellViolations(report, problem, roster, e);
    model.scanSequence(e, roster.row(e), [&](Rule r, int day, int shift, int amount) {
      if (r == Rule::kFairness) {
        Violation v{r, false, e, -1, -1, -1, amount, 0};
        v.fairness = day;
        add(report, problem, v, 1);
      } else {
        add(report, problem, {r, false, e, day, shift, -1, amount, 0}, 1);
      }
    });
    for (int d = 0; d < model.days(); ++d)
      if (roster.at(e, d) != kOff)
        for (int r : model.contributions(e, roster.at(e, d), d)) ++count[r];
  }
  for (size_t r = 0; r < problem.cover.size(); ++r) {
    const CoverRequirement& req = problem.cover[r];
    if (count[r] < req.minimum)
      add(report, problem,
          {Rule::kCoverUnder, false, -1, req.day, -1, req.point, req.minimum - count[r], 0},
          req.weightUnder);
    if (count[r] > req.minimum && (req.weightOver > 0 || problem.rule(Rule::kCoverOver).hard))
      add(report, problem,
          {Rule::kCoverOver, false, -1, req.day, -1, req.point, count[r] - req.minimum, 0},
          req.weightOver);
  }
  return report;
}

std::string describe(const Problem& p, const Violation& v) {
  std::ostringstream out;
  out << ruleName(v.rule);
  if (v.employee >= 0) out << " employee=" << p.employees[v.employee].id;
  if (v.day >= 0) out << " day=" << v.day;
  if (v.shift >= 0) out << " shift=" << p.shiftTypes[v.shift].id;
  if (v.point >= 0) out << " point=" << p.coverPoints[v.point].id;
  if (v.fairness >= 0) out << " duty=" << p.fairness[v.fairness].id;
  out << " amount=" << v.amount;
  if (v.hard) {
    out << " hard";
  } else {
    out << " penalty=" << v.penalty;
  }
  return out.str();
}

}  // namespace sukusuku::shifts
