// The nursery model: required caregivers per slot, computed here BY HAND for small cases (the
// arithmetic is written next to every expectation), and the Problem it builds for the engine.
#include "sukusuku/shifts/nursery.h"

#include <gtest/gtest.h>

#include "sukusuku/shifts/solver.h"

namespace sukusuku::shifts::nursery {
namespace {

constexpr int kH = 60;

int groupTenths(const SlotRequirement& r, const std::string& group) {
  for (const GroupNeed& g : r.groups)
    if (g.group == group) return g.tenths;
  ADD_FAILURE() << "no group " << group;
  return -1;
}

TEST(NurseryRequirement, FundingRuleTruncatesEachGroupToTenthsThenRoundsHalfUp) {
  RatioSetting s;  // 0:3, 1-2:6, 3:15, 4-5:25
  // 0 yrs: 4/3 = 1.333 -> 1.3 | 1-2 yrs: (5+4)/6 = 1.5 -> 1.5 | 3 yrs: 16/15 = 1.066 -> 1.0
  // 4-5 yrs: (20+12)/25 = 1.28 -> 1.2 | sum 5.0 -> 5
  const SlotRequirement r = requirementFor({4, 5, 4, 16, 20, 12}, s);
  EXPECT_EQ(groupTenths(r, "0"), 13);
  EXPECT_EQ(groupTenths(r, "1-2"), 15);
  EXPECT_EQ(groupTenths(r, "3"), 10);
  EXPECT_EQ(groupTenths(r, "4-5"), 12);
  EXPECT_EQ(r.children, 61);
  EXPECT_EQ(r.byRatio, 5);
  EXPECT_EQ(r.caregivers, 5);
  EXPECT_EQ(r.qualified, 5);  // 100 % 保育士 by default
}

TEST(NurseryRequirement, OtherRoundingRulesAreSettings) {
  RatioSetting s;
  s.rounding = Rounding::kCeilPerGroup;
  // ceil(4/3) + ceil(9/6) + ceil(16/15) + ceil(32/25) = 2 + 2 + 2 + 2 = 8
  EXPECT_EQ(requirementFor({4, 5, 4, 16, 20, 12}, s).caregivers, 8);
  s.rounding = Rounding::kCeilTotal;
  // 4/3 + 9/6 + 16/15 + 32/25 = 1.333 + 1.5 + 1.067 + 1.28 = 5.18 -> 6
  EXPECT_EQ(requirementFor({4, 5, 4, 16, 20, 12}, s).caregivers, 6);
  EXPECT_EQ(parseRounding("ceil_total"), Rounding::kCeilTotal);
  EXPECT_THROW(parseRounding("round_down"), RosterError);
}

TEST(NurseryRequirement, HalfUpAndTruncation) {
  RatioSetting s;
  // 0 yrs: 6/3 = 2.0 | 1-2 yrs: 3/6 = 0.5 | sum 2.5 -> half up -> 3
  EXPECT_EQ(requirementFor({6, 3, 0, 0, 0, 0}, s).byRatio, 3);
  // 1-2 yrs: 7/6 = 1.1666 -> truncated to 1.1 (not 1.2) | 4-5 yrs: 10/25 = 0.4 | sum 1.5 -> 2
  const SlotRequirement r = requirementFor({0, 7, 0, 0, 10, 0}, s);
  EXPECT_EQ(groupTenths(r, "1-2"), 11);
  EXPECT_EQ(groupTenths(r, "4-5"), 4);
  EXPECT_EQ(r.byRatio, 2);
  // 4-5 yrs: 11/25 = 0.44 -> 0.4 | sum 0.4 -> 0 by ratio, but never fewer than two while open
  const SlotRequirement few = requirementFor({0, 0, 0, 0, 11, 0}, s);
  EXPECT_EQ(few.byRatio, 0);
  EXPECT_EQ(few.caregivers, 2);
  // No children at all: still two while open.
  EXPECT_EQ(requirementFor({0, 0, 0, 0, 0, 0}, s).caregivers, 2);
}

TEST(NurseryRequirement, OneYearOldsAtFiveSplitTheirGroup) {
  RatioSetting s;
  s.childrenPerCaregiver = {3, 5, 6, 15, 25, 25};  // FY2025 1-year-olds at 5
  // "1": 9/5 = 1.8 | "2": 5/6 = 0.833 -> 0.8 | sum 2.6 -> 3
  const SlotRequirement r = requirementFor({0, 9, 5, 0, 0, 0}, s);
  EXPECT_EQ(groupTenths(r, "1"), 18);
  EXPECT_EQ(groupTenths(r, "2"), 8);
  EXPECT_EQ(r.caregivers, 3);
  // With 1-2 at 6 together: 14/6 = 2.333 -> 2.3 -> 2
  EXPECT_EQ(requirementFor({0, 9, 5, 0, 0, 0}, RatioSetting{}).caregivers, 2);
}

TEST(NurseryRequirement, QualifiedShareRoundsUp) {
  RatioSetting s;
  s.qualifiedPercent = 67;
  // caregivers 5 (first test); 5 x 67 % = 3.35 -> 4 保育士
  const SlotRequirement r = requirementFor({4, 5, 4, 16, 20, 12}, s);
  EXPECT_EQ(r.caregivers, 5);
  EXPECT_EQ(r.qualified, 4);
}

TEST(NurseryRequirement, RatioSettingInForceOnTheDate) {
  RatioSetting old;
  old.effectiveFrom = "2015-04-01";
  old.childrenPerCaregiver = {3, 6, 6, 20, 30, 30};
  RatioSetting current;  // 2024-04-01: 3 at 15, 4-5 at 25
  const std::vector<RatioSetting> settings{current, old};
  // 3 yrs: 20 children, 4 yrs: 30 children
  // before: 20/20 = 1.0, 30/30 = 1.0 -> 2.0 -> 2
  EXPECT_EQ(requirementFor({0, 0, 0, 20, 30, 0}, ratioOn(settings, "2024-03-31")).byRatio, 2);
  // from 2024-04-01: 20/15 = 1.333 -> 1.3, 30/25 = 1.2 -> 2.5 -> 3
  EXPECT_EQ(requirementFor({0, 0, 0, 20, 30, 0}, ratioOn(settings, "2024-04-01")).byRatio, 3);
  try {
    ratioOn(settings, "2010-01-01");
    FAIL();
  } catch (const RosterError& e) {
    EXPECT_EQ(e.code(), "shifts.no_ratio_setting");
  }
  RatioSetting broken;
  broken.childrenPerCaregiver[3] = 0;
  EXPECT_THROW(requirementFor({}, broken), RosterError);
}

TEST(NurseryRequirement, ChildrenPerSlotFromCertifiedBandsAndPlans) {
  const SlotGrid grid{7 * kH, 9 * kH, 30};  // 07:00 07:30 08:00 08:30
  const CareBand standard = certifiedBand(CertifiedHours::kStandard);
  const CareBand shortHours = certifiedBand(CertifiedHours::kShort);
  EXPECT_EQ(standard.startMinute, 7 * kH);
  EXPECT_EQ(standard.endMinute, 18 * kH);
  EXPECT_EQ(shortHours.startMinute, 8 * kH + 30);
  EXPECT_EQ(shortHours.endMinute, 16 * kH + 30);
  const std::vector<ExpectedChild> children{
      {0, standard.startMinute, standard.endMinute},      // all four slots
      {0, shortHours.startMinute, shortHours.endMinute},  // 08:30 only
      {4, 8 * kH + 10, 17 * kH}};                         // planned: 08:00 and 08:30
  const auto perSlot = childrenPerSlot(grid, children);
  ASSERT_EQ(perSlot.size(), 4u);
  EXPECT_EQ(perSlot[0], (AgeCounts{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(perSlot[1], (AgeCounts{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(perSlot[2], (AgeCounts{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(perSlot[3], (AgeCounts{2, 0, 0, 0, 1, 0}));
  // 08:30: 0 yrs 2/3 = 0.666 -> 0.6, 4-5 yrs 1/25 = 0.04 -> 0.0 | 0.6 -> 1 -> at least 2
  const auto need = requirementPerSlot(perSlot, RatioSetting{});
  EXPECT_EQ(groupTenths(need[3], "0"), 6);
  EXPECT_EQ(need[3].byRatio, 1);
  EXPECT_EQ(need[3].caregivers, 2);

  // 15-minute slots: a child from 7:20 counts from the 07:15 slot.
  const auto quarter = childrenPerSlot({7 * kH, 8 * kH, 15}, {{2, 7 * kH + 20, 12 * kH}});
  EXPECT_EQ(quarter[0][2], 0);
  EXPECT_EQ(quarter[1][2], 1);
  EXPECT_EQ(quarter[3][2], 1);
  EXPECT_THROW(childrenPerSlot({7 * kH, 8 * kH, 20}, {}), RosterError);
  EXPECT_THROW(childrenPerSlot(grid, {{6, 0, 60}}), RosterError);
}

TEST(NurseryPatterns, BreaksFollowTheLabourStandardsAct) {
  for (const ShiftPattern& p : defaultPatterns()) EXPECT_NO_THROW(validatePattern(p));
  // 7:00-16:30 with 30 min break = 9 h of work: needs 60 min.
  EXPECT_THROW(validatePattern({"x", "x", 7 * kH, 16 * kH + 30, 30, false}), RosterError);
  // 9:00-16:00 without a break = 7 h: needs 45 min.
  EXPECT_THROW(validatePattern({"x", "x", 9 * kH, 16 * kH, 0, true}), RosterError);
  EXPECT_THROW(validatePattern({"x", "x", 16 * kH, 9 * kH, 0, true}), RosterError);
}

// A week Monday..Sunday, open 7:00-9:00 in 30-minute slots, Sunday closed.
NurseryMonth smallWeek(int caregiversPerSlot, int staff) {
  NurseryMonth m;
  m.horizonDays = 7;
  m.firstWeekday = 0;
  m.grid = {7 * kH, 9 * kH, 30};
  m.patterns = {{"early", "早番", 7 * kH, 16 * kH, 60, false},
                {"middle", "中番", 8 * kH + 30, 17 * kH + 30, 60, false}};
  SlotRequirement need;
  need.caregivers = caregiversPerSlot;
  need.qualified = 1;
  for (int d = 0; d < 7; ++d)
    m.days.push_back(
        {d != 6, d != 6 ? std::vector<SlotRequirement>(4, need) : std::vector<SlotRequirement>{}});
  for (int i = 0; i < staff; ++i)
    m.staff.push_back({"S" + std::to_string(i), i < 2, false, 2400, {}, {}});
  return m;
}

TEST(NurseryProblem, SlotsBecomeCoverPointsAndPatternsCoverWholeSlots) {
  const Problem p = buildProblem(smallWeek(2, 4));
  ASSERT_EQ(p.coverPoints.size(), 4u);
  EXPECT_EQ(p.coverPoints[3].id, "08:30");
  EXPECT_EQ(p.shiftTypes[0].coverPoints, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(p.shiftTypes[1].coverPoints, (std::vector<int>{3}));
  EXPECT_EQ(p.shiftTypes[0].paidMinutes, 480);
  // 6 open days x 4 slots x (all caregivers + 保育士) = 48 requirements
  EXPECT_EQ(p.cover.size(), 48u);
  // Sunday is a hard day off for everyone; 2400 min/week over 7 days = 2400 min maximum.
  EXPECT_EQ(p.employees[1].daysOff, (std::vector<int>{6}));
  EXPECT_EQ(p.employees[1].contract.maxTotalMinutes, 2400);
  EXPECT_TRUE(p.forbiddenSuccessions.empty());  // 16:00 -> 7:00 next day is 15 h of rest
  NurseryMonth strict = smallWeek(2, 4);
  // Under 16 h of rest: early -> early (16:00 -> 7:00, 15 h), middle -> early (17:30 -> 7:00,
  // 13.5 h), middle -> middle (17:30 -> 8:30, 15 h); early -> middle is 16.5 h and allowed.
  strict.rules.minRestMinutes = 16 * kH;
  EXPECT_EQ(buildProblem(strict).forbiddenSuccessions,
            (std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {1, 1}}));
}

TEST(NurseryProblem, SolvedWeekMeetsEverySlotAndGrantsRequests) {
  NurseryMonth m = smallWeek(2, 4);
  m.staff[2].requestedDaysOff = {2};
  m.staff[3].unavailableDays = {0};
  SolveOptions o;
  o.timeLimitSeconds = 0.3;
  o.maxIterations = 20000;
  const Problem p = buildProblem(m);
  const SolveResult r = solve(p, o);
  EXPECT_EQ(r.report.hardViolations, 0);
  for (int d = 0; d < 6; ++d) {
    int at0700 = 0;
    bool qualified = false;
    for (int e = 0; e < 4; ++e) {
      if (r.roster.at(e, d) == 0) ++at0700;
      if (r.roster.at(e, d) == 0 && e < 2) qualified = true;
    }
    EXPECT_GE(at0700, 2) << "day " << d;
    EXPECT_TRUE(qualified) << "only S0 and S1 are 保育士: one of them opens every day";
  }
  EXPECT_EQ(r.roster.at(3, 0), kOff);
  EXPECT_EQ(r.roster.at(2, 2), kOff);
  for (int e = 0; e < 4; ++e) EXPECT_EQ(r.roster.at(e, 6), kOff);
}

// 希望シフト: a staff member asking for 中番 on Tuesday and Thursday gets it when the cover
// allows (here 早番 alone meets the 7:00 slots); each request is a soft "on" request with the
// model's weight, and a request for a pattern that does not exist is refused.
TEST(NurseryProblem, RequestedShiftsAreGrantedWhenTheCoverAllows) {
  NurseryMonth m = smallWeek(2, 4);
  m.staff[2].requestedShifts = {{1, 1}, {3, 1}};
  const Problem p = buildProblem(m);
  int requests = 0;
  for (const ShiftRequest& r : p.requests) {
    if (!r.on) continue;
    ++requests;
    EXPECT_EQ(r.employee, 2);
    EXPECT_EQ(r.shift, 1);
    EXPECT_EQ(r.weight, m.rules.shiftRequestWeight);
  }
  EXPECT_EQ(requests, 2);
  SolveOptions o;
  o.timeLimitSeconds = 0.3;
  o.maxIterations = 20000;
  const SolveResult r = solve(p, o);
  EXPECT_EQ(r.report.hardViolations, 0);
  EXPECT_EQ(r.roster.at(2, 1), 1);
  EXPECT_EQ(r.roster.at(2, 3), 1);
  NurseryMonth bad = smallWeek(2, 4);
  bad.staff[0].requestedShifts = {{1, 2}};
  EXPECT_THROW(buildProblem(bad), RosterError);
}

TEST(NurseryProblem, ImpossibleDemandIsReportedPerSlot) {
  // Five caregivers every slot with three staff: every open slot is short by at least two.
  const Problem p = buildProblem(smallWeek(5, 3));
  SolveOptions o;
  o.timeLimitSeconds = 0.2;
  o.maxIterations = 5000;
  const SolveResult r = solve(p, o);
  EXPECT_GT(r.report.hardViolations, 0);
  int shortSlots = 0;
  for (const Violation& v : r.report.violations)
    if (v.rule == Rule::kCoverUnder && v.hard) {
      ++shortSlots;
      EXPECT_GE(v.amount, 2);
      EXPECT_GE(v.point, 0);
      EXPECT_NE(describe(p, v).find("point="), std::string::npos);
    }
  EXPECT_GE(shortSlots, 6 * 4);  // every open (day, slot)
}

TEST(NurseryProblem, StaffWithNoAvailabilityIsNeverRostered) {
  NurseryMonth m = smallWeek(2, 4);
  for (int d = 0; d < 7; ++d) m.staff[2].unavailableDays.push_back(d);
  SolveOptions o;
  o.timeLimitSeconds = 0.2;
  o.maxIterations = 5000;
  const SolveResult r = solve(buildProblem(m), o);
  for (int d = 0; d < 7; ++d) EXPECT_EQ(r.roster.at(2, d), kOff);
  EXPECT_EQ(r.report.hardViolations, 0);
}

TEST(NurseryProblem, FairSharesOfEarlyLateAndWeekendDuties) {
  NurseryMonth m = smallWeek(2, 4);
  m.staff[3].unavailableDays = {0, 1, 2};
  const Problem p = buildProblem(m);
  ASSERT_EQ(p.fairness.size(), 3u);
  // early = the pattern starting first (早番 7:00); its first slot 7:00 needs 2 on 6 open days:
  // 12 early shifts. Weights: S0..S2 2400 min x 6/6 open days, S3 2400 x 3/6 = 1200; sum 8400.
  // S0..S2: 12 x 2400 / 8400 = 3.43 -> 3; S3: 12 x 1200 / 8400 = 1.71 -> 2.
  EXPECT_EQ(p.fairness[0].id, "early");
  EXPECT_EQ(p.fairness[0].shifts, (std::vector<int>{0}));
  EXPECT_EQ(p.fairness[0].target, (std::vector<int>{3, 3, 3, 2}));
  // late = the pattern ending last (中番 17:30); its last slot 8:30 needs 2 x 6 days = 12.
  EXPECT_EQ(p.fairness[1].id, "late");
  EXPECT_EQ(p.fairness[1].shifts, (std::vector<int>{1}));
  EXPECT_EQ(p.fairness[1].target, (std::vector<int>{3, 3, 3, 2}));
  // weekends: Saturday open (2 caregivers), Sunday closed: 2 weekend duties.
  // S0..S2: 2 x 2400 / 8400 = 0.57 -> 1; S3: 2 x 1200 / 8400 = 0.29 -> 0.
  EXPECT_TRUE(p.fairness[2].weekends);
  EXPECT_EQ(p.fairness[2].target, (std::vector<int>{1, 1, 1, 0}));
  EXPECT_FALSE(p.rule(Rule::kFairness).hard);
  EXPECT_EQ(p.rule(Rule::kFairness).weight, 20);

  // S0 opens all six days: 6 early shifts, 3 +- 1 allowed: 2 beyond, 2 x 20 = 40.
  Roster r(4, 7);
  for (int d = 0; d < 6; ++d) r.set(0, d, 0);
  int64_t penalty = 0;
  for (const Violation& v : evaluate(p, r).violations)
    if (v.rule == Rule::kFairness && v.employee == 0 && v.fairness == 0) {
      EXPECT_EQ(v.amount, 2);
      penalty += v.penalty;
    }
  EXPECT_EQ(penalty, 40);
}

TEST(NurseryProblem, FacilityRuleWeightsOverrideTheDefaults) {
  NurseryMonth m = smallWeek(2, 4);
  m.rules.overrides = {{Rule::kFairness, {true, 1}}, {Rule::kShiftOffRequest, {false, 3}}};
  const Problem hard = buildProblem(m);
  EXPECT_TRUE(hard.rule(Rule::kFairness).hard);
  EXPECT_EQ(hard.rule(Rule::kShiftOffRequest).weight, 3);
  m.rules.overrides = {{Rule::kFairness, {false, 0}}};
  EXPECT_TRUE(buildProblem(m).fairness.empty()) << "weight 0 turns the rule off";
}

TEST(NurseryProblem, SolvedWeekSpreadsEarlyShifts) {
  const Problem p = buildProblem(smallWeek(2, 4));
  SolveOptions o;
  o.timeLimitSeconds = 2;
  o.maxIterations = 30000;
  const SolveResult r = solve(p, o);
  EXPECT_EQ(r.report.hardViolations, 0);
  for (const Violation& v : r.report.violations) EXPECT_NE(v.rule, Rule::kFairness);
  for (int e = 0; e < 4; ++e) {
    int early = 0;
    for (int d = 0; d < 7; ++d) early += r.roster.at(e, d) == 0 ? 1 : 0;
    EXPECT_GE(early, 2) << "S" << e;  // target 3, tolerance 1
    EXPECT_LE(early, 4) << "S" << e;
  }
}

TEST(NurseryProblem, BadMonthsAreRefusedWithCodes) {
  NurseryMonth m = smallWeek(2, 2);
  m.days.pop_back();
  try {
    buildProblem(m);
    FAIL();
  } catch (const RosterError& e) {
    EXPECT_EQ(e.code(), "shifts.invalid_model");
  }
  NurseryMonth late = smallWeek(2, 2);
  late.staff[0].requestedDaysOff = {9};
  EXPECT_THROW(buildProblem(late), RosterError);
}

}  // namespace
}  // namespace sukusuku::shifts::nursery
