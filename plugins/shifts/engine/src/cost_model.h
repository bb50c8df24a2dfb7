// CostModel: the Problem compiled into flat tables so that one employee's row, or one cover
// requirement's count, can be priced in a few dozen operations. It is the single source of
// truth for scoring inside the engine: the public evaluate() and the solver's incremental state
// both price through it, so the solver's claimed objective is the reported one.
//
// Costs are kept as a hard part and a soft part. hardUnits measures how far from feasible a row
// is (days, shifts, employees, started hours for minute rules, three per extra weekend) so that
// the search can be steered towards feasibility; hardCount counts violations as the Report does.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sukusuku/shifts/model.h"

namespace sukusuku::shifts::detail {

struct Cost {
  int64_t hardUnits = 0;
  int64_t hardCount = 0;
  int64_t soft = 0;

  Cost& operator+=(const Cost& o) {
    hardUnits += o.hardUnits;
    hardCount += o.hardCount;
    soft += o.soft;
    return *this;
  }
  Cost& operator-=(const Cost& o) {
    hardUnits -= o.hardUnits;
    hardCount -= o.hardCount;
    soft -= o.soft;
    return *this;
  }
};

class CostModel {
 public:
  explicit CostModel(const Problem& problem);  // validates; `problem` must outlive the model

  const Problem& problem() const { return problem_; }
  int employees() const { return employees_; }
  int days() const { return days_; }
  int shiftTypes() const { return shifts_; }
  int requirements() const { return static_cast<int>(problem_.cover.size()); }

  // Cost of one employee's row of `days()` cells (everything but cover).
  Cost employeeCost(int employee, const int* row) const;

  // Cost of cover requirement `requirement` when `count` employees count towards it.
  Cost coverCost(int requirement, int count) const;

  // The requirements that employee working `shift` (not kOff) on `day` counts towards.
  std::span<const int> contributions(int employee, int shift, int day) const {
    const size_t k = (static_cast<size_t>(employee) * shifts_ + shift) * days_ + day;
    return {contribList_.data() + contribStart_[k], contribList_.data() + contribStart_[k + 1]};
  }

  // Bit (shift + 1) is set when the value may be placed in the cell (bit 0: kOff). A pinned
  // cell has exactly its pinned value; a hard day off only kOff; a shift type whose hard
  // maximum is 0 never appears.
  uint64_t allowedMask(int employee, int day) const { return allowed_[employee * days_ + day]; }
  bool pinned(int employee, int day) const { return pinned_[employee * days_ + day]; }

  // Calls on(rule, day, shift, amount) for each sequence or contract violation in the row
  // (everything but the per-cell rules: days off, requests, change from previous). For
  // Rule::kFairness `day` is the index of the FairnessTarget instead.
  template <class OnViolation>
  void scanSequence(int employee, const int* row, OnViolation&& on) const;

  // Table lookups for row-level optimisers.
  const RuleWeight& rule(Rule r) const { return problem_.rules[static_cast<int>(r)]; }
  int64_t cellSoft(int employee, int day, int value) const {
    return cellSoft_[cell(employee, day, value)];
  }
  int cellHard(int employee, int day, int value) const {
    return cellHard_[cell(employee, day, value)];
  }
  int paidMinutes(int shift) const { return paidMinutes_[shift]; }
  bool forbidden(int shift, int next) const { return forbidden_[shift * shifts_ + next]; }
  int weekendOf(int day) const { return weekendOf_[day]; }
  int maxOfType(int employee, int shift) const { return maxOfType_[employee * shifts_ + shift]; }

 private:
  size_t cell(int e, int d, int value) const {
    return (static_cast<size_t>(e) * days_ + d) * values_ + (value + 1);
  }
  void addViolation(Cost& cost, Rule r, int amount) const;

  const Problem& problem_;
  int employees_;
  int days_;
  int shifts_;
  int values_;                     // shifts_ + 1; value index = shift + 1
  std::vector<int64_t> cellSoft_;  // [employee][day][value index]
  std::vector<int> cellHard_;      // same shape, hard violation count
  std::vector<int> paidMinutes_;   // per shift type
  std::vector<char> forbidden_;    // [earlier shift][next shift]
  std::vector<int> weekendOf_;     // per day, -1 on weekdays
  std::vector<int> maxOfType_;     // [employee][shift]
  std::vector<int> contribStart_;  // [employee][shift][day] -> offset, plus one sentinel
  std::vector<int> contribList_;
  std::vector<uint64_t> allowed_;
  std::vector<char> pinned_;
};

template <class OnViolation>
void CostModel::scanSequence(int employee, const int* row, OnViolation&& on) const {
  const Contract& c = problem_.employees[employee].contract;
  const int* maxOfType = maxOfType_.data() + employee * shifts_;
  int count[kMaxShiftTypes + 1] = {};
  int minutes = 0;
  int weekends = 0;
  int lastWeekend = -1;
  int work = 0;
  int off = 0;
  auto endWork = [&](int start, int len) {
    if (len > c.maxConsecutiveShifts)
      on(Rule::kMaxConsecutiveShifts, start, -1, len - c.maxConsecutiveShifts);
    if (len < c.minConsecutiveShifts && start > 0 && start + len < days_)
      on(Rule::kMinConsecutiveShifts, start, -1, c.minConsecutiveShifts - len);
  };
  auto endOff = [&](int start, int len) {
    if (len < c.minConsecutiveDaysOff && start > 0 && start + len < days_)
      on(Rule::kMinConsecutiveDaysOff, start, -1, c.minConsecutiveDaysOff - len);
  };
  for (int d = 0; d < days_; ++d) {
    const int v = row[d];
    if (v >= 0) {
      ++count[v];
      minutes += paidMinutes_[v];
      const int w = weekendOf_[d];
      if (w >= 0 && w != lastWeekend) {
        ++weekends;
        lastWeekend = w;
      }
      if (d > 0 && row[d - 1] >= 0 && forbidden_[row[d - 1] * shifts_ + v])
        on(Rule::kForbiddenSuccession, d - 1, v, 1);
      if (off > 0) {
        endOff(d - off, off);
        off = 0;
      }
      ++work;
    } else {
      if (work > 0) {
        endWork(d - work, work);
        work = 0;
      }
      ++off;
    }
  }
  if (work > 0) endWork(days_ - work, work);
  if (off > 0) endOff(days_ - off, off);
  for (int s = 0; s < shifts_; ++s)
    if (count[s] > maxOfType[s]) on(Rule::kMaxShiftsOfType, -1, s, count[s] - maxOfType[s]);
  if (minutes > c.maxTotalMinutes) on(Rule::kMaxTotalMinutes, -1, -1, minutes - c.maxTotalMinutes);
  if (minutes < c.minTotalMinutes) on(Rule::kMinTotalMinutes, -1, -1, c.minTotalMinutes - minutes);
  if (weekends > c.maxWeekends) on(Rule::kMaxWeekends, -1, -1, weekends - c.maxWeekends);
  for (size_t g = 0; g < problem_.fairness.size(); ++g) {
    const FairnessTarget& f = problem_.fairness[g];
    const int target = f.target[employee];
    if (target < 0) continue;
    int n = 0;
    if (f.weekends) {
      n = weekends;
    } else {
      for (int s : f.shifts) n += count[s];
    }
    const int beyond = (n > target ? n - target : target - n) - f.tolerance;
    if (beyond > 0) on(Rule::kFairness, static_cast<int>(g), -1, beyond);
  }
}

}  // namespace sukusuku::shifts::detail
