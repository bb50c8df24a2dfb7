// RowOptimizer: the best row for one employee while everybody else stays put (a "best
// response", the pricing step of column-generation rostering).
//
// A dynamic programme over the days whose state is the current block (working with shift s for
// k days, or resting for k days, and whether the block began on the first day), the minutes
// worked so far and the weekends worked so far. It enforces exactly the hard rules of the row:
// allowed cells, forbidden successions, min/max consecutive shifts, min consecutive days off
// (with the horizon-edge exemptions), max weekends, min/max total minutes. A cell costs its own
// soft penalties plus the exact change in cover cost the employee makes there. The tightest
// per-type maximum (e.g. at most 4 nights) is tracked in the state as well; any other over-used
// type is priced and the programme re-run. Soft contract rules are not modelled: the caller
// judges the row with the true cost in any case.
//
// The state space is dense; when it would be too large (fine-grained minutes, long horizons) the
// optimiser declines and optimize() returns false. One per search thread; not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "cost_model.h"
#include "search_state.h"

namespace sukusuku::shifts::detail {

class RowOptimizer {
 public:
  explicit RowOptimizer(const CostModel& model);

  // Fills `row` with the best row for `employee` under the current state, pricing hard cover
  // units at `hardWeight` and adding noise[d * (shifts + 1) + value + 1] to each cell when
  // `noise` is not null. Returns false when no row satisfies the hard rules or the state space
  // is too large. The (day, value) pairs in `forbid` may not be chosen.
  bool optimize(const SearchState& state, int employee, int64_t hardWeight, const int64_t* noise,
                std::vector<int>& row, std::span<const std::pair<int, int>> forbid = {});

  // Roughly how many transitions one optimize() call for `employee` evaluates (0 when it would
  // decline), so callers can budget how often to call it.
  int64_t estimatedWork(int employee) const;

 private:
  // The shape of one employee's state space.
  struct Layout {
    int minCons, maxCons, minOff, capOff, capWork;
    bool maxMinutesHard, minMinutesHard;
    int maxBucket, buckets;
    bool weekendsHard, successionHard;
    int weekendDim;
    int tracked;  // shift type whose count is in the state, or -1
    int typeDim;
    int phases;
    size_t states;
  };
  bool layoutFor(int employee, Layout& layout) const;
  bool solveOnce(int employee, std::vector<int>& row);

  const CostModel& m_;
  int gcdMinutes_ = 1;
  std::vector<int64_t> cellCost_;  // [day][value + 1], INT64_MAX when not allowed
  std::vector<int64_t> cost_;      // two layers of kMaxStates states, kInfinity when unreached
  std::vector<uint64_t> reached_;  // two bitmaps: the states each layer reached
  std::vector<int32_t> back_;      // [day][state] -> previous state, or -1
  std::vector<int8_t> value_;      // [day][state] -> value chosen on that day
};

}  // namespace sukusuku::shifts::detail
