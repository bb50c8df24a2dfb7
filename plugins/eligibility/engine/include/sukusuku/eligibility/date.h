// Calendar dates for eligibility rules: a day count, no time of day, no time zone.
//
// Benefit law speaks in dates, months and school years, never in instants, so the engine works on
// Date — days since 1970-01-01 in the proleptic Gregorian calendar. Two rules of Japanese law are
// built in here because every programme needs them and they are easy to get wrong:
//
//  * 年齢計算ニ関スル法律: a person reaches age N at the end of the day before the N-th birthday,
//    so ageReachedOn() is that day (for a 29 February birth in a common year, 28 February).
//  * "N歳到達後最初の3月31日" (the first March 31 after reaching N) is therefore the last day of
//    the school year in which the child reaches N: a child born on 1 April reaches N on 31 March
//    and belongs to the earlier school year, exactly as schools count.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sukusuku::eligibility {

struct Date {
  int32_t days = 0;  // days since 1970-01-01

  friend auto operator<=>(const Date&, const Date&) = default;
};

struct YearMonthDay {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

Date fromCivil(int year, int month, int day);
YearMonthDay toCivil(Date date);

// Parses exactly "YYYY-MM-DD" (a real calendar date, years 1900..2999); nullopt otherwise.
std::optional<Date> parseDate(std::string_view text);
// "YYYY-MM-DD".
std::string formatDate(Date date);

// Completed years on `on` (the birthday itself counts), as people and the law say age.
int ageOn(Date birth, Date on);
// The day on which a person born on `birth` legally reaches age `years` (前日満了).
Date ageReachedOn(Date birth, int years);
// N歳到達後最初の3月31日: the first 31 March on or after ageReachedOn(birth, years).
Date firstMarch31AfterAge(Date birth, int years);
// The first day of the month containing `date`.
Date monthStart(Date date);

// Today's calendar date in Asia/Tokyo (UTC+9, no daylight saving).
Date tokyoToday();

}  // namespace sukusuku::eligibility
