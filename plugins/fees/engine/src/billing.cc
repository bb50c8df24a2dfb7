#include "sukusuku/fees/billing.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace sukusuku::fees {

std::vector<int64_t> splitEvenly(int64_t total, size_t parts) {
  if (parts == 0) throw std::invalid_argument("splitEvenly: no parts");
  const auto n = static_cast<int64_t>(parts);
  std::vector<int64_t> shares(parts, total / n);
  int64_t remainder = total % n;
  for (size_t i = 0; remainder != 0; ++i) {
    shares[i] += remainder > 0 ? 1 : -1;
    remainder += remainder > 0 ? -1 : 1;
  }
  return shares;
}

int fiscalMonthIndex(int fiscal_year, std::string_view date) {
  int year = 0;
  int month = 0;
  if (date.size() < 7 ||
      std::from_chars(date.data(), date.data() + 4, year).ec != std::errc() ||
      std::from_chars(date.data() + 5, date.data() + 7, month).ec != std::errc()) {
    throw std::invalid_argument("not a date: " + std::string(date));
  }
  return (year - fiscal_year) * 12 + (month - 4);
}

std::string fiscalMonth(int fiscal_year, int index) {
  const int year = fiscal_year + (index + 3) / 12;
  const int month = (index + 3) % 12 + 1;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

int64_t cumulativeTarget(int64_t annual, const std::vector<int>& months, size_t k,
                         const EnrolledSpan& span) {
  if (months.empty() || k >= months.size()) throw std::invalid_argument("instalment out of range");
  const int first = std::clamp(span.first_month, 0, 11);
  const int last = std::clamp(span.last_month, first, 11);
  const int enrolled = last - first + 1;
  const int64_t owed = enrolled == 12 ? annual : annual * enrolled / 12;
  if (months[k] > last) return owed;  // left: settle to what the months enrolled cost
  // The instalments from the first enrolled month on; if the pupil joined after the last one,
  // the last instalment carries everything.
  size_t from = 0;
  while (from < months.size() && months[from] < first) ++from;
  if (from == months.size()) from = months.size() - 1;
  if (k < from) return 0;
  const auto shares = splitEvenly(owed, months.size() - from);
  int64_t sum = 0;
  for (size_t i = from; i <= k; ++i) sum += shares[i - from];
  return sum;
}

std::string customerNumber(int64_t bill_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(bill_id));
  return buf;
}

int64_t billIdFromCustomerNumber(std::string_view number) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
  if (ec != std::errc() || ptr != number.data() + number.size() || id <= 0) return 0;
  return id;
}

}  // namespace sukusuku::fees
