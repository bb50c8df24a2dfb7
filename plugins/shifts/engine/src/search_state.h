// SearchState: a roster under local search with its cost kept up to date incrementally.
//
// apply() changes a few cells and reprices only what they touch: the touched employees' rows
// (through CostModel::employeeCost) and the cover requirements the old and new shifts count
// towards. Applies stack: undo() reverts the most recent one not yet committed, commit() makes
// all pending ones permanent. That lets a move be tried and withdrawn, and lets a compound move
// (ruin-and-recreate) be built step by step and still be withdrawn as a whole.
//
// Not thread-safe; each search thread owns one.
#pragma once

#include <vector>

#include "cost_model.h"

namespace sukusuku::shifts::detail {

struct Change {
  int employee;
  int day;
  int from;
  int to;
};

class SearchState {
 public:
  SearchState(const CostModel& model, const Roster& roster);

  // Starts over from `roster`, dropping pending applies.
  void reset(const Roster& roster);

  const Roster& roster() const { return roster_; }
  const Cost& total() const { return total_; }
  int at(int employee, int day) const { return roster_.at(employee, day); }
  int count(int requirement) const { return count_[requirement]; }
  const Cost& employeeCost(int employee) const { return employeeCost_[employee]; }

  // Each change's `from` must be the cell's current value. Returns the new total.
  const Cost& apply(const Change* changes, int count);
  // Like apply(), but first prices the cover exactly and checks the touched rows against the
  // cheap local hard rules (total minutes, per-type maxima, forbidden successions, consecutive
  // runs around the changed days). When that proves the scalar cost hardWeight x hardUnits +
  // soft would rise by more than `maxRise`, it leaves the state as it was and returns false
  // without pricing the rows; otherwise it is apply() and returns true. Most annealing moves
  // break a hard rule of a feasible row; this rejects them at a fraction of the cost.
  bool applyUnless(const Change* changes, int count, int64_t hardWeight, int64_t maxRise);
  void undo();
  void commit();
  size_t pending() const { return frames_.size(); }
  // Every change applied and not yet committed, oldest first.
  const std::vector<Change>& pendingChanges() const { return changeLog_; }

 private:
  void moveCover(int employee, int day, int shift, int delta);
  void applyCells(const Change* changes, int count);
  void priceRows();
  // True when the changes of the pending frame make `employee`'s row break one of the cheap
  // local hard rules.
  bool breaksLocalRule(int employee) const;

  const CostModel& model_;
  Roster roster_;
  std::vector<Cost> employeeCost_;
  std::vector<int> count_;
  std::vector<int> minutes_;     // per employee: paid minutes of the row
  std::vector<int> typeCount_;   // [employee][shift]: days of that shift type in the row
  Cost total_;

  struct Frame {
    size_t changes;
    size_t touched;
    Cost total;
  };
  std::vector<Frame> frames_;
  std::vector<Change> changeLog_;
  std::vector<std::pair<int, Cost>> touchedLog_;  // employee and its cost before the frame
};

}  // namespace sukusuku::shifts::detail
