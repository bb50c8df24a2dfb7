#include "sukusuku/eligibility/date.h"

#include <gtest/gtest.h>

namespace sukusuku::eligibility {
namespace {

Date d(const char* text) { return *parseDate(text); }

TEST(DateTest, RoundTripsAndRejectsImpossibleDates) {
  EXPECT_EQ(formatDate(d("2024-02-29")), "2024-02-29");
  EXPECT_EQ(d("1970-01-01").days, 0);
  EXPECT_FALSE(parseDate("2023-02-29"));
  EXPECT_FALSE(parseDate("2024-13-01"));
  EXPECT_FALSE(parseDate("2024-1-01"));
  EXPECT_FALSE(parseDate("20240101"));
  EXPECT_FALSE(parseDate(""));
}

TEST(DateTest, AgeCountsTheBirthday) {
  EXPECT_EQ(ageOn(d("2004-12-01"), d("2024-11-30")), 19);
  EXPECT_EQ(ageOn(d("2004-12-01"), d("2024-12-01")), 20);
}

TEST(DateTest, AgeIsReachedTheDayBeforeTheBirthday) {
  EXPECT_EQ(ageReachedOn(d("2021-12-15"), 3), d("2024-12-14"));
  // 29 February: reaches the age on 28 February in a common year.
  EXPECT_EQ(ageReachedOn(d("2008-02-29"), 18), d("2026-02-28"));
  EXPECT_EQ(ageReachedOn(d("2008-02-29"), 16), d("2024-02-28"));
}

TEST(DateTest, FirstMarch31AfterAgeFollowsTheSchoolYear) {
  // Born 1 April: reaches 18 on 31 March, the same day as the school year ends.
  EXPECT_EQ(firstMarch31AfterAge(d("2007-04-01"), 18), d("2025-03-31"));
  EXPECT_EQ(firstMarch31AfterAge(d("2007-04-02"), 18), d("2026-03-31"));
  EXPECT_EQ(firstMarch31AfterAge(d("2007-03-31"), 18), d("2025-03-31"));
  EXPECT_EQ(firstMarch31AfterAge(d("2006-12-25"), 18), d("2025-03-31"));
}

TEST(DateTest, MonthStart) { EXPECT_EQ(monthStart(d("2024-12-31")), d("2024-12-01")); }

}  // namespace
}  // namespace sukusuku::eligibility
