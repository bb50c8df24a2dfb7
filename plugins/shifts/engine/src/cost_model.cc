#include "cost_model.h"

#include <algorithm>

namespace sukusuku::shifts::detail {

namespace {

// Hard units steer the search towards feasibility. Minute rules count started hours, so one
// missing shift is not worth a whole week; a weekend too many counts three, because undoing it
// takes several coordinated moves and the search must not settle for it.
constexpr int kMinuteUnit = 60;
constexpr int kWeekendUnits = 3;

int64_t hardUnitsOf(Rule r, int amount) {
  if (r == Rule::kMaxTotalMinutes || r == Rule::kMinTotalMinutes)
    return (amount + kMinuteUnit - 1) / kMinuteUnit;
  if (r == Rule::kMaxWeekends) return amount * kWeekendUnits;
  return amount;
}

}  // namespace

CostModel::CostModel(const Problem& problem)
    : problem_(problem),
      employees_(static_cast<int>(problem.employees.size())),
      days_(problem.horizonDays),
      shifts_(static_cast<int>(problem.shiftTypes.size())),
      values_(shifts_ + 1) {
  validate(problem);
  const size_t cells = static_cast<size_t>(employees_) * days_;
  cellSoft_.assign(cells * values_, 0);
  cellHard_.assign(cells * values_, 0);
  auto charge = [&](int e, int d, int value, Rule r, int64_t weight) {
    const RuleWeight& rw = rule(r);
    if (rw.hard) {
      cellHard_[cell(e, d, value)] += 1;
    } else {
      cellSoft_[cell(e, d, value)] += weight * rw.weight;
    }
  };
  for (int e = 0; e < employees_; ++e) {
    for (int d : problem.employees[e].daysOff)
      for (int s = 0; s < shifts_; ++s) charge(e, d, s, Rule::kDayOff, 1);
  }
  for (const ShiftRequest& r : problem.requests) {
    for (int v = kOff; v < shifts_; ++v) {
      const bool matches = r.shift == kAnyShift ? v != kOff : v == r.shift;
      if (r.on && !matches) charge(r.employee, r.day, v, Rule::kShiftOnRequest, r.weight);
      if (!r.on && matches) charge(r.employee, r.day, v, Rule::kShiftOffRequest, r.weight);
    }
  }
  if (problem.previous) {
    for (int e = 0; e < employees_; ++e)
      for (int d = 0; d < days_; ++d)
        for (int v = kOff; v < shifts_; ++v)
          if (v != problem.previous->at(e, d)) charge(e, d, v, Rule::kChangeFromPrevious, 1);
  }

  for (const ShiftType& s : problem.shiftTypes) paidMinutes_.push_back(s.paidMinutes);
  forbidden_.assign(shifts_ * shifts_, 0);
  for (auto [a, b] : problem.forbiddenSuccessions) forbidden_[a * shifts_ + b] = 1;
  weekendOf_.assign(days_, -1);
  for (int d = 0; d < days_; ++d) {
    const int weekday = (problem.firstWeekday + d) % 7;
    if (weekday >= 5) weekendOf_[d] = (problem.firstWeekday + d) / 7;
  }
  maxOfType_.assign(static_cast<size_t>(employees_) * shifts_, INT_MAX);
  for (int e = 0; e < employees_; ++e) {
    const Contract& c = problem.employees[e].contract;
    for (int s = 0; s < shifts_ && !c.maxShiftsOfType.empty(); ++s)
      maxOfType_[e * shifts_ + s] = c.maxShiftsOfType[s];
  }

  // Which requirements each (employee, shift, day) counts towards.
  std::vector<std::vector<int>> byDayPoint(static_cast<size_t>(days_) * problem.coverPoints.size());
  for (int r = 0; r < static_cast<int>(problem.cover.size()); ++r) {
    const CoverRequirement& req = problem.cover[r];
    byDayPoint[static_cast<size_t>(req.day) * problem.coverPoints.size() + req.point].push_back(r);
  }
  contribStart_.reserve(cells * shifts_ + 1);
  for (int e = 0; e < employees_; ++e) {
    const std::vector<int>& quals = problem.employees[e].qualifications;
    for (int s = 0; s < shifts_; ++s) {
      for (int d = 0; d < days_; ++d) {
        contribStart_.push_back(static_cast<int>(contribList_.size()));
        for (int point : problem.shiftTypes[s].coverPoints) {
          for (int r : byDayPoint[static_cast<size_t>(d) * problem.coverPoints.size() + point]) {
            const int q = problem.cover[r].qualification;
            if (q == kAnyQualification || std::find(quals.begin(), quals.end(), q) != quals.end())
              contribList_.push_back(r);
          }
        }
      }
    }
  }
  contribStart_.push_back(static_cast<int>(contribList_.size()));

  allowed_.assign(cells, (shifts_ >= 63 ? ~0ULL : ((1ULL << (shifts_ + 1)) - 1)));
  pinned_.assign(cells, 0);
  for (int e = 0; e < employees_; ++e) {
    for (int s = 0; s < shifts_; ++s)
      if (rule(Rule::kMaxShiftsOfType).hard && maxOfType_[e * shifts_ + s] <= 0)
        for (int d = 0; d < days_; ++d) allowed_[e * days_ + d] &= ~(1ULL << (s + 1));
    if (rule(Rule::kDayOff).hard)
      for (int d : problem.employees[e].daysOff) allowed_[e * days_ + d] = 1ULL;
  }
  for (const Assignment& a : problem.pinned) {
    allowed_[a.employee * days_ + a.day] = 1ULL << (a.shift + 1);
    pinned_[a.employee * days_ + a.day] = 1;
  }
}

void CostModel::addViolation(Cost& cost, Rule r, int amount) const {
  const RuleWeight& rw = rule(r);
  if (rw.hard) {
    cost.hardUnits += hardUnitsOf(r, amount);
    cost.hardCount += 1;
  } else {
    cost.soft += static_cast<int64_t>(rw.weight) * amount;
  }
}

Cost CostModel::employeeCost(int employee, const int* row) const {
  Cost cost;
  const size_t base = static_cast<size_t>(employee) * days_ * values_;
  const int64_t* soft = cellSoft_.data() + base;
  const int* hard = cellHard_.data() + base;
  for (int d = 0; d < days_; ++d) {
    const int k = d * values_ + row[d] + 1;
    cost.soft += soft[k];
    cost.hardUnits += hard[k];
    cost.hardCount += hard[k];
  }
  scanSequence(employee, row, [&](Rule r, int, int, int amount) { addViolation(cost, r, amount); });
  return cost;
}

Cost CostModel::coverCost(int requirement, int count) const {
  const CoverRequirement& req = problem_.cover[requirement];
  Cost cost;
  if (count < req.minimum) {
    const int under = req.minimum - count;
    if (rule(Rule::kCoverUnder).hard) {
      cost.hardUnits += under;
      cost.hardCount += 1;
    } else {
      cost.soft += static_cast<int64_t>(req.weightUnder) * rule(Rule::kCoverUnder).weight * under;
    }
  } else if (count > req.minimum) {
    const int over = count - req.minimum;
    if (rule(Rule::kCoverOver).hard) {
      cost.hardUnits += over;
      cost.hardCount += 1;
    } else {
      cost.soft += static_cast<int64_t>(req.weightOver) * rule(Rule::kCoverOver).weight * over;
    }
  }
  return cost;
}

}  // namespace sukusuku::shifts::detail
