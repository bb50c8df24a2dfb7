// The solver's cheap rejection (SearchState::applyUnless) must be a true lower bound: it may only
// refuse a move whose real rise of hardWeight x hardUnits + soft exceeds the allowance, and a
// move it lets through must leave exactly the state apply() leaves.
#include "search_state.h"

#include "row_optimizer.h"

#include <gtest/gtest.h>

#include <random>

#include "sukusuku/shifts/solver.h"
#include "test_support.h"

namespace sukusuku::shifts {
namespace {

using detail::Change;
using detail::Cost;
using detail::CostModel;
using detail::SearchState;

int64_t scalar(const Cost& c, int64_t hardWeight) { return c.hardUnits * hardWeight + c.soft; }

TEST(SearchState, CheapRejectionIsALowerBoundOnTheRise) {
  const BenchmarkInstance inst = testing::bundled("Instance10.txt");
  const Problem problem = toProblem(inst);
  SolveOptions o;  // a short search: feasible rows, as late in a real one
  o.timeLimitSeconds = 30;
  o.maxIterations = 200000;
  const Roster start = solve(problem, o).roster;
  const CostModel model(problem);
  SearchState state(model, start);
  SearchState reference(model, start);
  std::mt19937 rng(7);
  auto below = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const int64_t hardWeight = 1000;  // the end of the solver's ramp
  int refused = 0;
  int passed = 0;
  for (int i = 0; i < 20000; ++i) {
    // One to three changed cells, over one or two employees.
    Change changes[3];
    int n = 0;
    const int a = below(model.employees());
    const int b = below(model.employees());
    const int cells = 1 + below(3);
    for (int k = 0; k < cells; ++k) {
      const int e = k % 2 == 0 ? a : b;
      const int d = below(model.days());
      bool duplicate = false;
      for (int j = 0; j < n; ++j) duplicate |= changes[j].employee == e && changes[j].day == d;
      const int to = below(model.shiftTypes() + 1) - 1;
      if (duplicate || to == state.at(e, d) || model.pinned(e, d)) continue;
      changes[n++] = {e, d, state.at(e, d), to};
    }
    if (n == 0) continue;
    const int64_t before = scalar(state.total(), hardWeight);
    const int64_t rise = scalar(reference.apply(changes, n), hardWeight) - before;
    // Half of the time the real rise itself (never refused), else none at all.
    const int64_t allowance = below(2) == 0 ? rise : 0;
    const bool applied = state.applyUnless(changes, n, hardWeight, allowance);
    ASSERT_TRUE(applied || rise > allowance)
        << "move " << i << " refused with allowance " << allowance << " >= rise " << rise;
    if (applied) {
      ++passed;
      ASSERT_EQ(state.total().hardUnits, reference.total().hardUnits);
      ASSERT_EQ(state.total().soft, reference.total().soft);
    } else {
      ++refused;
      ASSERT_EQ(scalar(state.total(), hardWeight), before);  // left as it was
    }
    // Keep the moves that cost nothing, so that the roster drifts as in a late search.
    if (applied && rise <= 0) {
      state.commit();
      reference.commit();
    } else {
      if (applied) state.undo();
      reference.undo();
    }
  }
  EXPECT_GT(refused, 1000);  // the bound is tight enough to refuse many moves
  EXPECT_GT(passed, 1000);
  for (int e = 0; e < model.employees(); ++e)
    for (int d = 0; d < model.days(); ++d) ASSERT_EQ(state.at(e, d), reference.at(e, d));
  SearchState fresh(model, state.roster());
  EXPECT_EQ(fresh.total().hardUnits, state.total().hardUnits);
  EXPECT_EQ(fresh.total().soft, state.total().soft);
}

// The row optimiser (a best response over the states each day reached) on a searched
// Instance10 roster, whose contract rules are all hard. First each employee in turn takes their
// best row without the values they hold on two days: it never holds a forbidden value and keeps
// the roster feasible. Then each takes their best row outright: it keeps the roster feasible and
// never raises its cost (the current row is one of the rows weighed), and undoes some of the
// damage.
TEST(RowOptimizer, BestRowIsNoWorseAndAvoidsForbiddenCells) {
  const BenchmarkInstance inst = testing::bundled("Instance10.txt");
  const Problem problem = toProblem(inst);
  SolveOptions o;
  o.timeLimitSeconds = 30;
  o.maxIterations = 200000;
  const Roster start = solve(problem, o).roster;
  const CostModel model(problem);
  SearchState state(model, start);
  ASSERT_EQ(state.total().hardUnits, 0);
  detail::RowOptimizer optimizer(model);
  const int64_t hardWeight = 1000;
  std::vector<int> row;
  auto take = [&](int e) {
    std::vector<Change> changes;
    for (int d = 0; d < model.days(); ++d)
      if (row[d] != state.at(e, d)) changes.push_back({e, d, state.at(e, d), row[d]});
    if (!changes.empty()) state.apply(changes.data(), static_cast<int>(changes.size()));
    state.commit();
  };
  int forced = 0;
  for (int e = 0; e < model.employees(); ++e) {
    const int d1 = (e * 7) % model.days();
    const int d2 = (e * 7 + 3) % model.days();
    if (model.pinned(e, d1) || model.pinned(e, d2)) continue;
    const std::pair<int, int> forbid[] = {{d1, state.at(e, d1)}, {d2, state.at(e, d2)}};
    if (!optimizer.optimize(state, e, hardWeight, nullptr, row, forbid)) continue;  // none left
    EXPECT_NE(row[d1], forbid[0].second) << "employee " << e;
    EXPECT_NE(row[d2], forbid[1].second) << "employee " << e;
    take(e);
    EXPECT_EQ(state.total().hardUnits, 0) << "employee " << e;
    ++forced;
  }
  EXPECT_GT(forced, model.employees() / 2);
  int improved = 0;
  for (int e = 0; e < model.employees(); ++e) {
    const int64_t before = scalar(state.total(), hardWeight);
    ASSERT_TRUE(optimizer.optimize(state, e, hardWeight, nullptr, row)) << "employee " << e;
    take(e);
    EXPECT_EQ(state.total().hardUnits, 0) << "employee " << e;
    EXPECT_LE(scalar(state.total(), hardWeight), before) << "employee " << e;
    if (scalar(state.total(), hardWeight) < before) ++improved;
  }
  EXPECT_GT(improved, 0);
}

}  // namespace
}  // namespace sukusuku::shifts
