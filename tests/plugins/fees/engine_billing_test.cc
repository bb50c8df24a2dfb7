#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <sstream>

#include "sukusuku/error.h"
#include "sukusuku/fees/bank_account.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/kana.h"

namespace sukusuku::fees {
namespace {

const std::vector<int> kTenDebits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};  // April … January

TEST(Billing, SplitEvenlyAddsUpWithTheRemainderFirst) {
  EXPECT_EQ(splitEvenly(10003, 10),
            (std::vector<int64_t>{1001, 1001, 1001, 1000, 1000, 1000, 1000, 1000, 1000, 1000}));
  const auto s = splitEvenly(-7, 3);
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), int64_t{0}), -7);
}

TEST(Billing, FiscalMonths) {
  EXPECT_EQ(fiscalMonthIndex(2026, "2026-04-01"), 0);
  EXPECT_EQ(fiscalMonthIndex(2026, "2027-03-31"), 11);
  EXPECT_EQ(fiscalMonthIndex(2026, "2026-03-31"), -1);
  EXPECT_EQ(fiscalMonth(2026, 9), "2027-01");
  EXPECT_EQ(fiscalMonth(2026, 0), "2026-04");
}

TEST(Billing, WholeYearPupilPaysTheAnnualAmountOverTheInstalments) {
  const EnrolledSpan all{0, 11};
  EXPECT_EQ(cumulativeTarget(24005, kTenDebits, 0, all), 2401);  // one yen of the remainder
  EXPECT_EQ(cumulativeTarget(24005, kTenDebits, 4, all), 5 * 2401);
  EXPECT_EQ(cumulativeTarget(24005, kTenDebits, 5, all), 5 * 2401 + 2400);
  EXPECT_EQ(cumulativeTarget(24005, kTenDebits, 9, all), 24005);
}

TEST(Billing, TransferOutSettlesToTheMonthsEnrolledAndCanGoBelowWhatWasBilled) {
  // Left at the end of December (index 8): owes 9/12 of 24,000 = 18,000.
  const EnrolledSpan left{0, 8};
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 8, left), 9 * 1800);
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 9, left), 18000);
  // Billed 9 × 2,400 = 21,600 while thought to stay: the January run refunds 3,600.
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 8, {0, 11}) - cumulativeTarget(24000, kTenDebits, 9, left),
            3600);
}

TEST(Billing, TransferInSharesTheRestOfTheYearOverTheRemainingInstalments) {
  const EnrolledSpan joined{6, 11};  // October on: 6/12 of 24,000 = 12,000 over Oct … Jan
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 5, joined), 0);
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 6, joined), 3000);
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 9, joined), 12000);
  // Joined in February, after the last debit: the last instalment carries it all.
  EXPECT_EQ(cumulativeTarget(24000, kTenDebits, 9, {10, 11}), 4000);
}

TEST(Billing, CustomerNumbers) {
  EXPECT_EQ(customerNumber(42), "00000000000000000042");
  EXPECT_EQ(billIdFromCustomerNumber("00000000000000000042"), 42);
  EXPECT_EQ(billIdFromCustomerNumber("0000000000000000000x"), 0);
  EXPECT_EQ(billIdFromCustomerNumber("00000000000000000000"), 0);
}

TEST(JapanPost, OrdinaryAccountBecomesBranchX8AndDropsTheCheckDigit) {
  const BankAccount a = fromJapanPost("10120", "12345671");
  EXPECT_EQ(a.bank_code, "9900");
  EXPECT_EQ(a.branch_code, "018");
  EXPECT_EQ(a.account_type, 1);
  EXPECT_EQ(a.account_number, "1234567");
  EXPECT_EQ(fromJapanPost("14090", "9871").account_number, "0000987");
  const BankAccount t = fromJapanPost("00150", "123456");
  EXPECT_EQ(t.branch_code, "019");
  EXPECT_EQ(t.account_type, 2);
  EXPECT_EQ(t.account_number, "0123456");
  for (auto [k, b] : {std::pair{"1012", "1234561"}, {"20120", "1234561"}, {"10120", "12x4"},
                      {"10120", "123456789"}}) {
    try {
      fromJapanPost(k, b);
      ADD_FAILURE() << k << " " << b;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "fees.japan_post_invalid");
    }
  }
}

TEST(BankTable, TheShippedTableKnowsBanksBranchesAndJapanPost) {
  const BankTable table = BankTable::load(FEES_BANK_TABLE);
  EXPECT_GT(table.bankCount(), 1000u);
  EXPECT_GT(table.branchCount(), 20000u);
  EXPECT_NE(table.source().find("zengin-code"), std::string::npos);
  ASSERT_NE(table.branch("0001", "001"), nullptr);
  EXPECT_EQ(table.bank("0001")->kana, "ﾐｽﾞﾎ");
  ASSERT_NE(table.branch("9900", fromJapanPost("10120", "12345671").branch_code), nullptr);
  EXPECT_NO_THROW(table.requireBranch("0001", "001"));
  try {
    table.requireBranch("0001", "999");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.branch_unknown");
  }
  try {
    table.requireBranch("0002", "001");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.bank_unknown");
  }
}

TEST(BankTable, EveryKanaNameInTheShippedTableIsWhatBanksAccept) {
  std::ifstream in(FEES_BANK_TABLE);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    const std::string& kana = line[0] == '\t' ? cols.at(2) : cols.at(1);
    EXPECT_TRUE(convertBankKana(kana).ok()) << line;
    ++checked;
  }
  EXPECT_GT(checked, 20000);
}

TEST(BankTable, MalformedLinesAreRefusedWithTheirNumber) {
  EXPECT_THROW(BankTable::parse("\t001\tｱ\tA\n"), std::runtime_error);  // branch before a bank
  try {
    BankTable::parse("0001\tﾐｽﾞﾎ\tみずほ\nbad line\n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
}

TEST(Accounts, NormaliseChecksShapes) {
  EXPECT_EQ(normaliseAccount("0001", "001", 1, "1234").account_number, "0001234");
  for (auto f : {+[] { normaliseAccount("001", "001", 1, "1"); },
                 +[] { normaliseAccount("0001", "01", 1, "1"); },
                 +[] { normaliseAccount("0001", "001", 3, "1"); },
                 +[] { normaliseAccount("0001", "001", 1, "12345678"); }}) {
    EXPECT_THROW(f(), Error);
  }
}

}  // namespace
}  // namespace sukusuku::fees
