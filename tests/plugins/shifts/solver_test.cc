#include "sukusuku/shifts/solver.h"

#include <gtest/gtest.h>

#include <chrono>

#include "benchmark_checker.h"
#include "test_support.h"

namespace sukusuku::shifts {
namespace {

SolveOptions quick(double seconds, uint64_t seed = 1) {
  SolveOptions o;
  o.timeLimitSeconds = seconds;
  o.seed = seed;
  o.threads = 2;
  return o;
}

int changedCells(const Roster& a, const Roster& b) {
  int changed = 0;
  for (int e = 0; e < a.employees(); ++e)
    for (int d = 0; d < a.days(); ++d) changed += a.at(e, d) != b.at(e, d);
  return changed;
}

TEST(Solver, ClaimedObjectiveMatchesIndependentChecker) {
  const BenchmarkInstance inst = testing::bundled("Instance1.txt");
  const SolveResult r = solve(toProblem(inst), quick(1.0));
  const CheckResult check = checkBenchmarkRoster(inst, r.roster);
  EXPECT_EQ(r.report.objective, check.objective);
  EXPECT_EQ(r.report.hardViolations, check.hardViolations);
  EXPECT_EQ(r.report.hardViolations, 0);
  EXPECT_LE(r.report.objective, 1000);  // best known 607
}

TEST(Solver, LargerInstanceMatchesCheckerAndIsFeasible) {
  const BenchmarkInstance inst = testing::bundled("Instance10.txt");
  const SolveResult r = solve(toProblem(inst), quick(1.5));
  const CheckResult check = checkBenchmarkRoster(inst, r.roster);
  EXPECT_EQ(r.report.objective, check.objective);
  EXPECT_EQ(r.report.hardViolations, check.hardViolations);
  EXPECT_EQ(r.report.hardViolations, 0);
}

// No wall-clock assertions (the machine is shared): a time limit of zero runs no search move
// and returns the construction, the same on every call.
TEST(Solver, TimeLimitZeroReturnsTheConstruction) {
  const BenchmarkInstance inst = testing::bundled("Instance10.txt");
  const SolveResult r = solve(toProblem(inst), quick(0.0));
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(solve(toProblem(inst), quick(0.0)).roster, r.roster);
  EXPECT_EQ(r.roster.employees(), static_cast<int>(inst.staff.size()));
  EXPECT_EQ(r.report.objective, checkBenchmarkRoster(inst, r.roster).objective);
}

TEST(Solver, CancelFlagStopsTheSearch) {
  const BenchmarkInstance inst = testing::bundled("Instance10.txt");
  std::atomic<bool> cancel{true};
  SolveOptions o = quick(30.0);
  o.cancel = &cancel;
  // With the flag already set no search move is made (else this would run for 30 s).
  const SolveResult r = solve(toProblem(inst), o);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.report.objective, checkBenchmarkRoster(inst, r.roster).objective);
}

TEST(Solver, SameSeedSameThreadsSameIterationsGivesSameRoster) {
  const Problem p = toProblem(testing::bundled("Instance1.txt"));
  SolveOptions o = quick(60.0, 7);
  o.maxIterations = 150000;
  const SolveResult first = solve(p, o);
  const SolveResult second = solve(p, o);
  EXPECT_EQ(first.roster, second.roster);
  EXPECT_EQ(first.report.objective, second.report.objective);
  EXPECT_EQ(first.iterations, second.iterations);
}

TEST(Solver, PinnedCellsNeverChange) {
  const BenchmarkInstance inst = testing::bundled("Instance1.txt");
  Problem p = toProblem(inst);
  // Pins against the grain: B off on a day B asked to work, C working on one it did not ask for.
  p.pinned = {{inst.employeeIndex("B"), 1, kOff},
              {inst.employeeIndex("C"), 12, 0},
              {inst.employeeIndex("E"), 3, 0},
              {inst.employeeIndex("E"), 4, kOff}};
  const SolveResult r = solve(p, quick(0.5));
  for (const Assignment& a : p.pinned) EXPECT_EQ(r.roster.at(a.employee, a.day), a.shift);
  const SolveResult zero = solve(p, quick(0.0));
  for (const Assignment& a : p.pinned) EXPECT_EQ(zero.roster.at(a.employee, a.day), a.shift);
}

TEST(Solver, SickCallReSolveChangesFewCells) {
  const BenchmarkInstance inst = testing::bundled("Instance1.txt");
  const Problem original = toProblem(inst);
  const SolveResult before = solve(original, quick(0.7));
  ASSERT_EQ(before.report.hardViolations, 0);

  // The first employee working on day 6 calls in sick for days 6 and 7.
  int sick = -1;
  for (int e = 0; e < before.roster.employees() && sick < 0; ++e)
    if (before.roster.at(e, 6) != kOff) sick = e;
  ASSERT_GE(sick, 0);
  Problem resolve = original;
  resolve.employees[sick].daysOff.push_back(6);
  resolve.employees[sick].daysOff.push_back(7);
  resolve.previous = before.roster;
  resolve.rule(Rule::kChangeFromPrevious) = {false, 20};
  const SolveResult after = solve(resolve, quick(0.7, 2));

  EXPECT_EQ(after.roster.at(sick, 6), kOff);
  EXPECT_EQ(after.roster.at(sick, 7), kOff);
  const int changed = changedCells(before.roster, after.roster);
  EXPECT_LE(changed, 12) << "a sick call should not reshuffle the roster";

  // Without the minimal-change term a re-solve is free to move much more.
  Problem fresh = resolve;
  fresh.previous.reset();
  const SolveResult unconstrained = solve(fresh, quick(0.7, 3));
  EXPECT_LE(changed, changedCells(before.roster, unconstrained.roster));
}

// A nursery-style model: half-hour slots, two shift patterns, a qualified-staff requirement.
Problem nurseryWithTooFewStaff() {
  Problem p;
  p.horizonDays = 3;
  p.qualifications = {"hoikushi"};  // 保育士
  for (const char* slot : {"07:00", "07:30", "08:00"}) p.coverPoints.push_back({slot});
  p.shiftTypes = {{"early", 420, 960, 60, 480, {0, 1, 2}},  // 早番 7:00-16:00
                  {"middle", 480, 1050, 60, 480, {2}}};     // 中番 8:00-17:30
  Employee qualified{"hanako", {}, {0}, {}};
  Employee helper{"taro", {}, {}, {}};
  p.employees = {qualified, helper};
  p.rule(Rule::kDayOff) = {true, 1};
  p.employees[0].daysOff = {1};
  for (int d = 0; d < 3; ++d) {
    p.cover.push_back({d, 0, kAnyQualification, 2, 100, 0});  // two people from opening
    p.cover.push_back({d, 2, 0, 1, 100, 0});                  // one 保育士 from 8:00
  }
  p.cover.push_back({2, 1, kAnyQualification, 3, 100, 0});  // day 2, 7:30: three people
  return p;
}

TEST(Solver, InfeasibleDemandReportsTheShortDaysAndSlots) {
  const Problem p = nurseryWithTooFewStaff();
  const SolveResult r = solve(p, quick(0.3));
  std::vector<std::tuple<int, int, int>> shortfalls;  // day, point, amount
  for (const Violation& v : r.report.violations)
    if (v.rule == Rule::kCoverUnder) shortfalls.emplace_back(v.day, v.point, v.amount);
  // Day 1: hanako is off, so only one person at 7:00 and no 保育士 at 8:00.
  // Day 2: three people wanted at 7:30, two exist.
  const std::vector<std::tuple<int, int, int>> expected = {{1, 0, 1}, {1, 2, 1}, {2, 1, 1}};
  EXPECT_EQ(shortfalls, expected);
  EXPECT_EQ(r.report.objective, 300);
  EXPECT_EQ(r.report.hardViolations, 0);
  EXPECT_EQ(r.roster.at(0, 1), kOff);
}

// Two employees, one shift a day needed on 4 days: any split costs the same until the
// fairness rule asks for 2 each (tolerance 0).
TEST(Solver, FairnessSpreadsADutyEvenly) {
  Problem p;
  p.horizonDays = 4;
  p.shiftTypes = {{"E", 420, 900, 0, 480, {0}}};
  p.coverPoints = {{"E"}};
  p.employees = {{"A", {}, {}, {}}, {"B", {}, {}, {}}};
  for (int d = 0; d < 4; ++d) p.cover.push_back({d, 0, kAnyQualification, 1, 100, 100});
  // A asks to work every day (weight 1): without fairness A takes all four.
  for (int d = 0; d < 4; ++d) p.requests.push_back({0, d, 0, true, 1});
  p.rule(Rule::kFairness) = {false, 10};
  p.fairness.push_back({"early", {0}, false, {2, 2}, 0});
  SolveOptions o;
  o.timeLimitSeconds = 2;
  o.maxIterations = 5000;
  const SolveResult r = solve(p, o);
  int a = 0;
  for (int d = 0; d < 4; ++d) a += r.roster.at(0, d) == 0 ? 1 : 0;
  EXPECT_EQ(a, 2);
  EXPECT_EQ(r.report.objective, 2) << "two unmet requests of A, no fairness penalty";
  p.fairness[0].target = {2};
  EXPECT_THROW(solve(p, o), RosterError);
}

TEST(Solver, RejectsInconsistentModels) {
  Problem p = nurseryWithTooFewStaff();
  p.cover.push_back({5, 0, kAnyQualification, 1, 1, 0});
  EXPECT_THROW(solve(p, quick(0.0)), RosterError);
}

}  // namespace
}  // namespace sukusuku::shifts
