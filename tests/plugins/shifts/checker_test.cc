// The independent checker on hand-computed cases, and agreement between it and the engine's own
// evaluate() on many random rosters (two implementations of the same rules).
#include "benchmark_checker.h"

#include <gtest/gtest.h>

#include <random>

#include "sukusuku/shifts/report.h"
#include "test_support.h"

namespace sukusuku::shifts {
namespace {

constexpr int kD = 0;
constexpr int kN = 1;

TEST(BenchmarkChecker, HandComputedRosterWithEveryKindOfViolation) {
  const BenchmarkInstance inst = testing::parseText(testing::kTinyInstance);
  Roster roster(2, 7);
  // A: D D D N D - D   B: - - - N - - -
  const int a[7] = {kD, kD, kD, kN, kD, kOff, kD};
  for (int d = 0; d < 7; ++d) roster.set(0, d, a[d]);
  roster.set(1, 3, kN);
  const CheckResult r = checkBenchmarkRoster(inst, roster);
  // Hard (all A): day off 2 worked; 3000 > 2400 minutes; 5-day block > 3; 1-day rest on day 5;
  // weekend worked with max 0; N then D on days 3-4.
  EXPECT_EQ(r.hardViolations, 6);
  // Soft: off request A day 1 D (3); day 3 N over by one (1); day 5 D short by one (50).
  EXPECT_EQ(r.objective, 54);

  const Report engine = evaluate(toProblem(inst), roster);
  EXPECT_EQ(engine.hardViolations, 6);
  EXPECT_EQ(engine.objective, 54);
}

TEST(BenchmarkChecker, EmptyRoster) {
  const BenchmarkInstance inst = testing::parseText(testing::kTinyInstance);
  const CheckResult r = checkBenchmarkRoster(inst, Roster(2, 7));
  EXPECT_EQ(r.hardViolations, 1);  // A below its minimum minutes
  EXPECT_EQ(r.objective, 2 + 5 + 100 + 100 + 100 + 50);
}

TEST(BenchmarkChecker, BlocksAtTheEdgesAreExemptFromMinimums) {
  const BenchmarkInstance inst = testing::parseText(testing::kTinyInstance);
  Roster roster(2, 7);
  roster.set(0, 0, kD);  // one-day block at the start: exempt
  roster.set(0, 3, kD);  // one-day block inside: too short; rest 1-2 and 4-6 fine (2 and 3 days)
  roster.set(0, 4, kOff);
  const CheckResult r = checkBenchmarkRoster(inst, roster);
  // A: 960 < 1440 minutes, block on day 3 of length 1 < 2.
  EXPECT_EQ(r.hardViolations, 2);
}

TEST(BenchmarkChecker, AgreesWithEngineOnRandomRosters) {
  for (const char* name : {"Instance1.txt", "Instance10.txt"}) {
    const BenchmarkInstance inst = testing::bundled(name);
    const Problem problem = toProblem(inst);
    std::mt19937 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
      Roster roster(static_cast<int>(inst.staff.size()), inst.horizon);
      const int density = 1 + trial % 4;
      for (int e = 0; e < roster.employees(); ++e)
        for (int d = 0; d < roster.days(); ++d)
          if (static_cast<int>(rng() % 5) < density)
            roster.set(e, d, static_cast<int>(rng() % inst.shifts.size()));
      const CheckResult check = checkBenchmarkRoster(inst, roster);
      const Report report = evaluate(problem, roster);
      ASSERT_EQ(check.objective, report.objective) << name << " trial " << trial;
      ASSERT_EQ(check.hardViolations, report.hardViolations) << name << " trial " << trial;
    }
  }
}

}  // namespace
}  // namespace sukusuku::shifts
