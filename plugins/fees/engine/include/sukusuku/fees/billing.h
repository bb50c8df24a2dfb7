// Billing arithmetic (調定の計算): how much a pupil owes after each instalment of a fiscal year.
//
// Months are counted in the fiscal year: index 0 is April, 11 is March. A plan gives each item an
// annual amount (unit price × quantity) and a schedule of instalment months (e.g. 10 debits,
// April … January). The rule, applied per item so that statements stay itemised:
//
//   owed    = annual                                    enrolled all year
//           = floor(annual × enrolled months / 12)      joined late or left early (月割)
//   the instalments from the first enrolled month on share `owed` evenly (the remainder, in yen,
//   on the first of them); the cumulative target after instalment k is the sum of those shares
//   up to k; once the pupil has left (instalment month after the last enrolled month), the target
//   is `owed` itself.
//
// A billing run for instalment k bills target(k) minus what is already on the ledger, so running
// it again bills nothing, a plan change bills the difference as an adjustment, and a pupil who
// left after paying ahead ends with a negative difference: a refund.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::fees {

// TOTAL in PARTS shares that differ by at most one yen and add up to TOTAL; the remainder goes
// to the first shares. PARTS must be > 0.
std::vector<int64_t> splitEvenly(int64_t total, size_t parts);

// The fiscal-year month index (0 = April) of DATE 'YYYY-MM-DD' or 'YYYY-MM' in FISCAL_YEAR
// (the year April falls in); below 0 before the year, above 11 after it.
int fiscalMonthIndex(int fiscal_year, std::string_view date);
// 'YYYY-MM' of month index INDEX (0-11) in FISCAL_YEAR.
std::string fiscalMonth(int fiscal_year, int index);

struct EnrolledSpan {
  int first_month = 0;  // 0-11
  int last_month = 11;  // 0-11, >= first_month
};

// The cumulative amount owed for an item of ANNUAL yen after instalment K (0-based) of the
// schedule MONTHS (ascending month indexes), for a pupil enrolled over SPAN.
int64_t cumulativeTarget(int64_t annual, const std::vector<int>& months, size_t k,
                         const EnrolledSpan& span);

// The 20-digit 顧客番号 for a bill id (zero-padded), and back (0 when not a bill number).
std::string customerNumber(int64_t bill_id);
int64_t billIdFromCustomerNumber(std::string_view number);

}  // namespace sukusuku::fees
