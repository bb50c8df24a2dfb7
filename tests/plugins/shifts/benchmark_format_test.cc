#include "sukusuku/shifts/benchmark_format.h"

#include <gtest/gtest.h>

#include <sstream>

#include "test_support.h"

namespace sukusuku::shifts {
namespace {

using testing::parseText;

// Expects parsing `text` to fail on `line` with a message containing `fragment`.
void expectParseError(const std::string& text, int line, const std::string& fragment) {
  try {
    parseText(text);
    FAIL() << "no error for:\n" << text;
  } catch (const RosterError& e) {
    EXPECT_EQ(e.code(), "shifts.parse_error");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("line " + std::to_string(line) + ": ", 0), 0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BenchmarkFormat, ParsesSectionsAndResolvesReferences) {
  const BenchmarkInstance inst = parseText(testing::kTinyInstance);
  EXPECT_EQ(inst.horizon, 7);
  ASSERT_EQ(inst.shifts.size(), 2u);
  EXPECT_EQ(inst.shifts[1].id, "N");
  EXPECT_EQ(inst.shifts[1].minutes, 600);
  EXPECT_EQ(inst.shifts[1].cannotFollow, std::vector<int>{0});
  ASSERT_EQ(inst.staff.size(), 2u);
  EXPECT_EQ(inst.staff[0].maxShifts, (std::vector<int>{7, 1}));
  EXPECT_EQ(inst.staff[0].minTotalMinutes, 1440);
  EXPECT_EQ(inst.staff[0].maxWeekends, 0);
  EXPECT_EQ(inst.staff[0].daysOff, std::vector<int>{2});
  EXPECT_EQ(inst.onRequests.size(), 2u);
  EXPECT_EQ(inst.offRequests.size(), 1u);
  ASSERT_EQ(inst.cover.size(), 4u);
  EXPECT_EQ(inst.cover[3].weightUnder, 50);
}

TEST(BenchmarkFormat, ForwardReferenceInForbiddenSuccession) {
  const BenchmarkInstance inst = parseText(
      "SECTION_HORIZON\n7\nSECTION_SHIFTS\nE,480,L\nL,480,\nSECTION_STAFF\nA,E=1,9,0,1,1,1,1\n");
  EXPECT_EQ(inst.shifts[0].cannotFollow, std::vector<int>{1});
  EXPECT_EQ(inst.staff[0].maxShifts, (std::vector<int>{1, 0}));
}

TEST(BenchmarkFormat, ParsesBundledInstances) {
  const BenchmarkInstance one = testing::bundled("Instance1.txt");
  EXPECT_EQ(one.staff.size(), 8u);
  EXPECT_EQ(one.cover.size(), 14u);
  const BenchmarkInstance ten = testing::bundled("Instance10.txt");
  EXPECT_EQ(ten.horizon, 28);
  EXPECT_EQ(ten.shifts.size(), 5u);
}

TEST(BenchmarkFormat, ErrorsNameTheLine) {
  const std::string head = "SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\n";  // lines 1-4
  expectParseError(head + "SECTION_STAFF\nA,D=7,2400,0,3\n", 6, "expected 8 fields");
  expectParseError(head + "SECTION_STAFF\nA,D=7,lots,0,3,1,1,1\n", 6, "'lots'");
  expectParseError(head + "SECTION_STAFF\nA,X=7,2400,0,3,1,1,1\n", 6, "unknown shift 'X'");
  expectParseError(head + "SECTION_STAFF\nA,D=7,2400,0,3,1,1,1\nA,D=7,2400,0,3,1,1,1\n", 7,
                   "duplicate employee");
  expectParseError(head + "SECTION_COVER\n# comment\n\n9,D,1,100,1\n", 8, "outside the horizon");
  expectParseError(head + "SECTION_COVER\n0,Q,1,100,1\n", 6, "unknown shift 'Q'");
  expectParseError(head + "SECTION_DAYS_OFF\nZ,1\n", 6, "unknown employee 'Z'");
  expectParseError(head + "SECTION_BOGUS\n", 5, "unknown section");
  expectParseError("7\n", 1, "before the first SECTION_");
  expectParseError("SECTION_HORIZON\n-3\n", 2, "positive");
  expectParseError("SECTION_SHIFTS\nD,480,\n", 2, "SECTION_HORIZON must come first");
}

TEST(BenchmarkFormat, MissingHorizonIsReportedForTheFile) {
  try {
    parseText("# nothing here\n");
    FAIL();
  } catch (const RosterError& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.code(), "shifts.parse_error");
  }
}

TEST(BenchmarkFormat, MapsToProblemWithHardStaffRules) {
  const Problem p = toProblem(parseText(testing::kTinyInstance));
  EXPECT_EQ(p.horizonDays, 7);
  ASSERT_EQ(p.coverPoints.size(), 2u);
  EXPECT_EQ(p.shiftTypes[1].coverPoints, std::vector<int>{1});
  EXPECT_EQ(p.forbiddenSuccessions, (std::vector<std::pair<int, int>>{{1, 0}}));
  EXPECT_TRUE(p.rule(Rule::kMinConsecutiveDaysOff).hard);
  EXPECT_TRUE(p.rule(Rule::kDayOff).hard);
  EXPECT_FALSE(p.rule(Rule::kShiftOnRequest).hard);
  EXPECT_FALSE(p.rule(Rule::kCoverUnder).hard);
  EXPECT_EQ(p.requests.size(), 3u);
  EXPECT_NO_THROW(validate(p));
}

TEST(RosterCsv, RoundTrips) {
  const BenchmarkInstance inst = parseText(testing::kTinyInstance);
  Roster roster(2, 7);
  roster.set(0, 0, 0);
  roster.set(1, 3, 1);
  std::stringstream csv;
  writeRosterCsv(csv, inst, roster);
  EXPECT_EQ(csv.str(), "employee,day,shift\nA,0,D\nB,3,N\n");
  EXPECT_EQ(readRosterCsv(csv, inst), roster);
}

TEST(RosterCsv, ErrorsNameTheLine) {
  const BenchmarkInstance inst = parseText(testing::kTinyInstance);
  auto lineOf = [&](const std::string& text) {
    std::istringstream in(text);
    try {
      readRosterCsv(in, inst);
    } catch (const RosterError& e) {
      return e.line();
    }
    return -1;
  };
  EXPECT_EQ(lineOf("employee,day,shift\nA,0,D\nA,0,N\n"), 3);
  EXPECT_EQ(lineOf("employee,day,shift\nQ,0,D\n"), 2);
  EXPECT_EQ(lineOf("employee,day,shift\nA,7,D\n"), 2);
  EXPECT_EQ(lineOf("employee,day,shift\nA,1\n"), 2);
  EXPECT_EQ(lineOf("emp,day\n"), 1);
}

}  // namespace
}  // namespace sukusuku::shifts
