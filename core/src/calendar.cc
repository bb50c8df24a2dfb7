#include "sukusuku/calendar.h"

#include <stdexcept>

namespace sukusuku::calendar {
namespace {

using namespace std::chrono;

weekday weekdayOf(year_month_day d) { return weekday{sys_days{d}}; }

// The Nth Monday of a month.
year_month_day nthMonday(int y, unsigned m, unsigned n) {
  return year_month_day{sys_days{year{y} / month{m} / Monday[n]}};
}

// 春分日・秋分日: the usual approximation of the equinox day, valid for 1980–2099.
unsigned equinoxDay(int y, double base) {
  const int k = y - 1980;
  return static_cast<unsigned>(static_cast<int>(base + 0.242194 * k) - k / 4);
}

// A holiday the law names by date (not the 振替休日 or 国民の休日 that follow from them).
std::optional<std::string_view> namedHoliday(year_month_day d) {
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  auto is = [&](unsigned mm, unsigned dd) { return m == mm && day == dd; };
  auto isMonday = [&](unsigned mm, unsigned n) { return m == mm && d == nthMonday(y, mm, n); };
  if (is(1, 1)) return "ganjitsu";
  if (isMonday(1, 2)) return "seijin";
  if (is(2, 11)) return "kenkoku";
  if (y >= 2020 && is(2, 23)) return "tenno";
  if (y <= 2018 && is(12, 23)) return "tenno";
  if (m == 3 && day == equinoxDay(y, 20.8431)) return "shunbun";
  if (is(4, 29)) return "showa";
  if (is(5, 3)) return "kenpo";
  if (is(5, 4)) return "midori";
  if (is(5, 5)) return "kodomo";
  if (y == 2019 && is(5, 1)) return "sokui";
  if (y == 2019 && is(10, 22)) return "sokuirei";
  // 海の日, スポーツの日 and 山の日 were moved for the Tokyo Olympics in 2020 and 2021.
  if (y == 2020) {
    if (is(7, 23)) return "umi";
    if (is(7, 24)) return "sports";
    if (is(8, 10)) return "yama";
  } else if (y == 2021) {
    if (is(7, 22)) return "umi";
    if (is(7, 23)) return "sports";
    if (is(8, 8)) return "yama";
  } else {
    if (isMonday(7, 3)) return "umi";
    if (y >= 2016 && is(8, 11)) return "yama";
    if (isMonday(10, 2)) return y >= 2020 ? "sports" : "taiiku";
  }
  if (isMonday(9, 3)) return "keiro";
  if (m == 9 && day == equinoxDay(y, 23.2488)) return "shubun";
  if (is(11, 3)) return "bunka";
  if (is(11, 23)) return "kinro";
  return std::nullopt;
}

year_month_day plusDays(year_month_day d, int n) { return year_month_day{sys_days{d} + days{n}}; }

year_month_day parse(const std::string& s) {
  auto digitsAt = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digitsAt(0, 4) || !digitsAt(5, 2) ||
      !digitsAt(8, 2))
    throw std::invalid_argument("dates are YYYY-MM-DD: " + s);
  const year_month_day d{year{std::stoi(s.substr(0, 4))},
                         month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
                         day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
  if (!d.ok()) throw std::invalid_argument("no such date: " + s);
  return d;
}

std::string format(year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace

std::optional<std::string_view> holiday(year_month_day d) {
  const int y = static_cast<int>(d.year());
  // The neighbours looked at below stay within a week, so the year range is checked on D.
  if (y < 2007 || y > 2099) throw std::out_of_range("holidays are known for 2007–2099");
  if (auto named = namedHoliday(d)) return named;
  // 振替休日: a holiday on a Sunday makes the next day that is not a holiday one.
  for (year_month_day p = plusDays(d, -1); namedHoliday(p); p = plusDays(p, -1))
    if (weekdayOf(p) == Sunday) return "furikae";
  // 国民の休日: a day between two holidays (on a weekday; a Sunday is closed anyway).
  if (weekdayOf(d) != Sunday && namedHoliday(plusDays(d, -1)) && namedHoliday(plusDays(d, 1)))
    return "kokumin";
  return std::nullopt;
}

std::optional<std::string_view> holiday(const std::string& date) { return holiday(parse(date)); }

bool isBankHoliday(year_month_day d) {
  const weekday w = weekdayOf(d);
  if (w == Saturday || w == Sunday) return true;
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  if ((m == 12 && day == 31) || (m == 1 && day <= 3)) return true;
  return holiday(d).has_value();
}

bool isBankHoliday(const std::string& date) { return isBankHoliday(parse(date)); }

std::string nextBankBusinessDay(const std::string& date) {
  year_month_day d = parse(date);
  while (isBankHoliday(d)) d = plusDays(d, 1);
  return format(d);
}

std::optional<std::string_view> nurseryClosure(year_month_day d) {
  if (auto h = holiday(d)) return h;
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  if ((m == 12 && day >= 29) || (m == 1 && day <= 3)) return "year_end";
  return std::nullopt;
}

}  // namespace sukusuku::calendar
