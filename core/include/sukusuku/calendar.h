// The Japanese calendar the cities work by: national holidays (国民の祝日, 国民の祝日に関する法律),
// bank holidays, and the nurseries' year-end closing.
//
// Holidays are computed, not listed: fixed dates, the Happy Monday days, the equinoxes (the
// standard approximation, exact for 1980–2099 against the National Astronomical Observatory's
// announcements), 振替休日 (a holiday on a Sunday moves to the next day that is not a holiday),
// 国民の休日 (a weekday between two holidays), and the one-off days of 2019–2021 (the enthronement,
// the Olympic moves of 海の日・スポーツの日・山の日). The law as of 2007 onwards is implemented;
// dates before 2007 are not holidays here (throws for a year outside 2007–2099 rather than guess).
//
// Names are i18n keys under "holidays." in web/i18n (e.g. "holidays.ganjitsu" → 元日), so pages
// render them in the user's language.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sukusuku::calendar {

// The holiday's key (e.g. "ganjitsu", "furikae") when DATE is a national holiday, else nullopt.
// Throws std::out_of_range for a year outside 2007–2099.
std::optional<std::string_view> holiday(std::chrono::year_month_day date);

// Same for a 'YYYY-MM-DD' date; throws std::invalid_argument for a malformed date.
std::optional<std::string_view> holiday(const std::string& date);

// Banks are closed on Saturdays, Sundays, national holidays and 12/31–1/3 (銀行休業日).
bool isBankHoliday(std::chrono::year_month_day date);
bool isBankHoliday(const std::string& date);

// DATE when banks are open that day, else the next day they are ('YYYY-MM-DD'). A direct debit
// whose date falls on a bank holiday is made on this day (翌営業日).
std::string nextBankBusinessDay(const std::string& date);

// Licensed nurseries close on Sundays, national holidays and 12/29–1/3 (年末年始); whether they
// open on Saturdays is the facility's choice. The key of why DATE is closed (a holiday key, or
// "year_end"), ignoring weekdays; nullopt when it is an ordinary day.
std::optional<std::string_view> nurseryClosure(std::chrono::year_month_day date);

}  // namespace sukusuku::calendar
