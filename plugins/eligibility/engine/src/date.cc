#include "sukusuku/eligibility/date.h"

#include <chrono>
#include <cstdio>

namespace sukusuku::eligibility {

namespace {

bool isLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int daysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
Date fromCivil(int year, int month, int day) {
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{era * 146097 + doe - 719468};
}

YearMonthDay toCivil(Date date) {
  const int z = date.days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int day = doy - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  return YearMonthDay{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

std::optional<Date> parseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t count) -> int {
    int value = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = digits(0, 4);
  const int month = digits(5, 2);
  const int day = digits(8, 2);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 ||
      day > daysInMonth(year, month)) {
    return std::nullopt;
  }
  return fromCivil(year, month, day);
}

std::string formatDate(Date date) {
  const YearMonthDay ymd = toCivil(date);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", ymd.year % 10000, ymd.month, ymd.day);
  return buffer;
}

int ageOn(Date birth, Date on) {
  const YearMonthDay b = toCivil(birth);
  const YearMonthDay o = toCivil(on);
  int age = o.year - b.year;
  if (o.month < b.month || (o.month == b.month && o.day < b.day)) --age;
  return age;
}

Date ageReachedOn(Date birth, int years) {
  const YearMonthDay b = toCivil(birth);
  const int year = b.year + years;
  // A 29 February birthday falls on 1 March in a common year; the day before is 28 February.
  const Date birthday = (b.month == 2 && b.day == 29 && !isLeap(year))
                            ? fromCivil(year, 3, 1)
                            : fromCivil(year, b.month, b.day);
  return Date{birthday.days - 1};
}

Date firstMarch31AfterAge(Date birth, int years) {
  // The age is reached on or before 31 March exactly when the birthday falls on or before
  // 1 April (a 29 February birthday moves to 1 March, still before), so only the birth month and
  // day matter. Equivalent to taking the first 31 March on or after ageReachedOn(), and twice as
  // fast, which matters: every programme asks this for every child.
  const YearMonthDay b = toCivil(birth);
  const bool after_april_1 = b.month > 4 || (b.month == 4 && b.day > 1);
  return fromCivil(b.year + years + (after_april_1 ? 1 : 0), 3, 31);
}

Date monthStart(Date date) {
  const YearMonthDay ymd = toCivil(date);
  return fromCivil(ymd.year, ymd.month, 1);
}

Date tokyoToday() {
  using namespace std::chrono;
  const auto seconds = duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch());
  const int64_t tokyo = seconds.count() + 9 * 3600;
  return Date{static_cast<int32_t>((tokyo >= 0 ? tokyo : tokyo - 86399) / 86400)};
}

}  // namespace sukusuku::eligibility
