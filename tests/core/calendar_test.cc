// The computed Japanese calendar against the Cabinet Office's published holiday lists
// (内閣府「国民の祝日について」) for years that exercise every rule: 2019 (enthronement days and
// the 国民の休日 they make), 2020 (Olympic moves), 2024–2027 (振替休日 after a Sunday holiday, a
// 国民の休日 in September 2026, an equinox on a Sunday in 2027).
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "sukusuku/calendar.h"

namespace sukusuku::calendar {
namespace {

using namespace std::chrono;

std::string iso(year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

// Every holiday of YEAR, by walking its days.
std::set<std::string> holidaysOf(int y) {
  std::set<std::string> out;
  for (sys_days d = sys_days{year{y} / January / 1}; d <= sys_days{year{y} / December / 31};
       d += days{1})
    if (holiday(year_month_day{d})) out.insert(iso(year_month_day{d}));
  return out;
}

TEST(Calendar, HolidaysMatchThePublishedLists) {
  EXPECT_EQ(holidaysOf(2019),
            (std::set<std::string>{
                "2019-01-01", "2019-01-14", "2019-02-11", "2019-03-21", "2019-04-29", "2019-04-30",
                "2019-05-01", "2019-05-02", "2019-05-03", "2019-05-04", "2019-05-05", "2019-05-06",
                "2019-07-15", "2019-08-11", "2019-08-12", "2019-09-16", "2019-09-23", "2019-10-14",
                "2019-10-22", "2019-11-03", "2019-11-04", "2019-11-23"}));
  EXPECT_EQ(
      holidaysOf(2020),
      (std::set<std::string>{"2020-01-01", "2020-01-13", "2020-02-11", "2020-02-23", "2020-02-24",
                             "2020-03-20", "2020-04-29", "2020-05-03", "2020-05-04", "2020-05-05",
                             "2020-05-06", "2020-07-23", "2020-07-24", "2020-08-10", "2020-09-21",
                             "2020-09-22", "2020-11-03", "2020-11-23"}));
  EXPECT_EQ(holidaysOf(2024),
            (std::set<std::string>{
                "2024-01-01", "2024-01-08", "2024-02-11", "2024-02-12", "2024-02-23", "2024-03-20",
                "2024-04-29", "2024-05-03", "2024-05-04", "2024-05-05", "2024-05-06", "2024-07-15",
                "2024-08-11", "2024-08-12", "2024-09-16", "2024-09-22", "2024-09-23", "2024-10-14",
                "2024-11-03", "2024-11-04", "2024-11-23"}));
  EXPECT_EQ(
      holidaysOf(2025),
      (std::set<std::string>{"2025-01-01", "2025-01-13", "2025-02-11", "2025-02-23", "2025-02-24",
                             "2025-03-20", "2025-04-29", "2025-05-03", "2025-05-04", "2025-05-05",
                             "2025-05-06", "2025-07-21", "2025-08-11", "2025-09-15", "2025-09-23",
                             "2025-10-13", "2025-11-03", "2025-11-23", "2025-11-24"}));
  EXPECT_EQ(
      holidaysOf(2026),
      (std::set<std::string>{"2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20",
                             "2026-04-29", "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06",
                             "2026-07-20", "2026-08-11", "2026-09-21", "2026-09-22", "2026-09-23",
                             "2026-10-12", "2026-11-03", "2026-11-23"}));
  EXPECT_EQ(holidaysOf(2027),
            (std::set<std::string>{
                "2027-01-01", "2027-01-11", "2027-02-11", "2027-02-23", "2027-03-21", "2027-03-22",
                "2027-04-29", "2027-05-03", "2027-05-04", "2027-05-05", "2027-07-19", "2027-08-11",
                "2027-09-20", "2027-09-23", "2027-10-11", "2027-11-03", "2027-11-23"}));
}

TEST(Calendar, NamesAreStableKeys) {
  EXPECT_EQ(holiday("2026-05-06").value(), "furikae");
  EXPECT_EQ(holiday("2026-09-22").value(), "kokumin");
  EXPECT_EQ(holiday("2026-09-23").value(), "shubun");
  EXPECT_EQ(holiday("2018-10-08").value(), "taiiku");
  EXPECT_EQ(holiday("2026-10-12").value(), "sports");
  EXPECT_EQ(holiday("2018-12-23").value(), "tenno");
  EXPECT_FALSE(holiday("2019-12-23").has_value());
  EXPECT_FALSE(holiday("2026-11-24").has_value());
  EXPECT_THROW(holiday("2026-02-30"), std::invalid_argument);
  EXPECT_THROW(holiday("2026/11/24"), std::invalid_argument);
  EXPECT_THROW(holiday("2006-01-01"), std::out_of_range);
}

TEST(Calendar, BankBusinessDaysSkipWeekendsHolidaysAndTheYearEnd) {
  EXPECT_EQ(nextBankBusinessDay("2026-11-27"), "2026-11-27");  // a Friday
  EXPECT_EQ(nextBankBusinessDay("2026-11-28"), "2026-11-30");  // Saturday → Monday
  EXPECT_EQ(nextBankBusinessDay("2026-11-23"), "2026-11-24");  // 勤労感謝の日 (Monday)
  EXPECT_EQ(nextBankBusinessDay("2026-05-02"), "2026-05-07");  // the Golden Week and its 振替休日
  EXPECT_EQ(nextBankBusinessDay("2026-12-31"), "2027-01-04");  // 大晦日 and 三が日
  EXPECT_EQ(nextBankBusinessDay("2026-12-30"), "2026-12-30");  // banks are open on the 30th
  EXPECT_TRUE(isBankHoliday("2027-01-02"));
  EXPECT_FALSE(isBankHoliday("2026-11-26"));
}

TEST(Calendar, NurseriesCloseOnHolidaysAndAtTheYearEnd) {
  auto closure = [](const std::string& d) {
    const year_month_day ymd{year{std::stoi(d.substr(0, 4))},
                             month{static_cast<unsigned>(std::stoi(d.substr(5, 2)))},
                             day{static_cast<unsigned>(std::stoi(d.substr(8, 2)))}};
    auto c = nurseryClosure(ymd);
    return c ? std::string(*c) : std::string();
  };
  EXPECT_EQ(closure("2026-11-23"), "kinro");
  EXPECT_EQ(closure("2026-12-28"), "");
  EXPECT_EQ(closure("2026-12-29"), "year_end");
  EXPECT_EQ(closure("2027-01-01"), "ganjitsu");
  EXPECT_EQ(closure("2027-01-03"), "year_end");
  EXPECT_EQ(closure("2027-01-04"), "");
}

}  // namespace
}  // namespace sukusuku::calendar
