// A whole fiscal year end to end, on SQLite and MariaDB: plans, ten billing runs, debit files,
// bank results with failures, a transfer-out refund as a Zengin 21 file, and a ledger whose
// totals reconcile to the yen with the bank files. Also drives the CLI as the city's batch does.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fees_fixture.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees::testing {
namespace {

class FeesYearTest : public FeesTest {};

std::string answer(const std::string& request, int64_t failing_bill, int code) {
  zengin::DebitFile f = zengin::readDebitFile(request);
  for (auto& r : f.records) {
    if (billIdFromCustomerNumber(r.customer_number) == failing_bill) r.result_code = code;
  }
  return zengin::writeDebitFile(f, {}, true);
}

TEST_P(FeesYearTest, AYearReconcilesToTheYenWithTheBankFiles) {
  const int64_t c = city("349001", "テスト市");
  const int64_t school_id = school(c, "elementary", "E01");
  const int64_t g3 = klass(c, school_id, 3);
  standardYear(c);
  simplePlan(c, school_id, 3);  // 15,000 a year, 1,500 a debit
  const int64_t a = household(c, "アオキ", "アイ");
  const int64_t b = household(c, "ババ", "ベン");
  const int64_t late = household(c, "チバ", "チカ");
  const int64_t aided = household(c, "ドイ", "ダイ");
  pupil(c, a, school_id, g3);
  const int64_t b_child = pupil(c, b, school_id, g3);
  pupil(c, late, school_id, g3);
  pupil(c, aided, school_id, g3);
  insert("INSERT INTO household_school_aid (municipality_id, household_id, kind, from_month) "
         "VALUES (?, ?, 'yo_hogo', '2026-04')",
         {c, aided});
  for (int64_t h : {a, b}) {
    svc().saveMandate(c, h, {"0001", "001", 1, std::to_string(1000000 + h), "", "", "テスト"});
  }
  // The late payer banks at 広島信用金庫, which collects its customers under its own code.
  const std::string shinkin_branch = bankTable()->bank("1750")->branches.begin()->first;
  svc().saveMandate(c, late, {"1750", shinkin_branch, 1, "7000001", "", "", "テスト"});
  svc().saveConsignor(c, {0, "2345678901", "スクスクシ", "1750", shinkin_branch, 1, "2345678",
                          {"1750"}, false, false});

  int64_t bank_debited = 0;
  int64_t bank_failed = 0;
  for (int k = 1; k <= 10; ++k) {
    const int month = (k + 2) % 12 + 1;
    const int year = month >= 4 ? 2026 : 2027;
    char now[32];
    std::snprintf(now, sizeof now, "%04d-%02d-20T00:00:00Z", year, month);
    clock_->set(utc(now));
    if (k == 10) {  // B moved away at the end of December; the office learns of it in January
      insert("UPDATE enrolments SET ends_on = '2026-12-31', end_reason = 'transfer_out' WHERE "
             "child_id = ?",
             {b_child});
    }
    svc().bill(c, {2026, k, false, 0});
    const DebitExport exp = svc().exportDebit(c, {2026, k, "", true});
    const int64_t late_bill = scalar(
        "SELECT id FROM fee_bills WHERE household_id = ? AND instalment = ?", {late, k});
    // One file per consignor: the 信金's holds the late payer's debit alone.
    ASSERT_EQ(exp.files.size(), 2u) << "instalment " << k;
    EXPECT_EQ(exp.files[1].consignor_code, "2345678901");
    EXPECT_EQ(exp.files[1].records, 1);
    EXPECT_EQ(exp.files[0].total + exp.files[1].total, exp.total);
    for (const ExportResult& f : exp.files) {
      const std::string result = answer(f.bytes, late_bill, k == 3 ? zengin::kInsufficientFunds : 0);
      const zengin::DebitFile parsed = zengin::readDebitFile(result);
      bank_debited += parsed.trailer.debited_amount;
      bank_failed += parsed.trailer.failed_amount;
      const ImportReport rep = svc().importResult(c, result);
      EXPECT_EQ(rep.debited_amount, parsed.trailer.debited_amount) << "instalment " << k;
      EXPECT_TRUE(rep.unmatched.empty());
    }
  }
  EXPECT_EQ(bank_failed, 1500);
  // B paid 9 × 1,500 = 13,500 but owes 9/12 of 15,000 = 11,250: the January run credits 2,250.
  EXPECT_EQ(scalar("SELECT amount FROM fee_bills WHERE household_id = ? AND instalment = 10", {b}),
            -2250);
  const RefundResult refunds = svc().exportRefunds(c, 2026, "2027-02-10");
  ASSERT_EQ(refunds.records, 1);
  const std::string transfer = refunds.bytes;
  EXPECT_EQ(transfer.substr(0, 4), "1210");
  EXPECT_EQ(transfer.substr(2 * 122, 19), "8000001000000002250");
  EXPECT_EQ(svc().exportRefunds(c, 2026, "2027-02-10").records, 0);  // refunded once

  const nlohmann::json ledger = svc().ledger(c, 2026);
  const auto& t = ledger["totals"];
  EXPECT_EQ(t["receipt"].get<int64_t>(), bank_debited);
  EXPECT_EQ(t["refund"].get<int64_t>(), 2250);
  EXPECT_EQ(ledger["assessed_household"].get<int64_t>(), 15000 + 11250 + 15000);
  EXPECT_EQ(ledger["assessed_city"].get<int64_t>(), 15000);
  EXPECT_EQ(ledger["collected"].get<int64_t>(), bank_debited - 2250);
  EXPECT_EQ(ledger["outstanding"].get<int64_t>(), 1500);  // the failed debit of instalment 3
  EXPECT_EQ(ledger["billed_household"].get<int64_t>(),
            ledger["collected"].get<int64_t>() + ledger["outstanding"].get<int64_t>());
  // Items: the ledger per item adds up to the assessments.
  int64_t items = 0;
  for (const auto& i : ledger["items"]) items += i["assessed"].get<int64_t>();
  EXPECT_EQ(items, 15000 + 11250 + 15000 + 15000);
  const auto st = svc().statements(c, late, 2026);
  ASSERT_EQ(st["bills"].size(), 10u);
  EXPECT_EQ(st["bills"][2]["status"], "open");
  EXPECT_EQ(st["bills"][0]["lines"][0]["items"].size(), 2u);
}

// Runs `sukusuku fees VERB ARGS…` through the plugin's registered command.
struct CliRun {
  int code;
  std::string out, err;
};

CliRun runCli(Runtime& rt, const std::string& verb, const std::vector<std::string>& args) {
  for (const auto& set : rt.commands()) {
    if (set.plugin != "fees") continue;
    for (const auto& cmd : set.commands) {
      if (cmd.verb != verb) continue;
      std::ostringstream out, err;
      const int code = cmd.run(args, out, err);
      return {code, out.str(), err.str()};
    }
  }
  return {-1, "", "no such verb"};
}

TEST_P(FeesYearTest, CliRunsTheBatchAndRefusesBadInputClearly) {
  const int64_t c = city("349001", "テスト市");
  const int64_t school_id = school(c, "elementary", "E01");
  const int64_t g3 = klass(c, school_id, 3);
  standardYear(c);
  simplePlan(c, school_id, 3);
  const int64_t h = household(c, "アオキ", "アイ");
  pupil(c, h, school_id, g3);
  svc().saveMandate(c, h, {"0001", "001", 1, "1234567", "", "", "アオキ アイ"});
  Runtime& rt = *sys_->rt;

  auto bad = runCli(rt, "bill", {"--fiscal-year", "2026"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--instalment is required"), std::string::npos);
  EXPECT_EQ(runCli(rt, "bill", {"--instalment", "x"}).code, 2);
  EXPECT_EQ(runCli(rt, "bill", {"--instalment", "1", "--bogus"}).code, 2);
  EXPECT_EQ(runCli(rt, "bill", {"--fiscal-year", "2026", "--instalment", "12"}).code, 2);

  auto dry = runCli(rt, "bill", {"--fiscal-year", "2026", "--instalment", "1", "--dry-run",
                                 "--school", "E01"});
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run"), std::string::npos);
  auto run = runCli(rt, "bill", {"--fiscal-year", "2026", "--instalment", "1"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("households 1500 yen"), std::string::npos) << run.out;

  const auto dir = std::filesystem::temp_directory_path() /
                   ("fees_cli_" + std::to_string(::getpid()) + "_" + GetParam());
  std::filesystem::create_directories(dir);
  const std::string req = (dir / "debit.txt").string();
  auto exp = runCli(rt, "export-debit",
                    {"--fiscal-year", "2026", "--instalment", "1", "--output", req});
  EXPECT_EQ(exp.code, 0) << exp.err;
  EXPECT_NE(exp.out.find("1 debits, 1500 yen"), std::string::npos) << exp.out;
  EXPECT_EQ(runCli(rt, "export-debit", {"--instalment", "1"}).code, 2);  // no --output

  std::ifstream in(req, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string res = (dir / "result.txt").string();
  {
    std::string broken = answer(bytes, 0, 0);
    broken.erase(122 + 10, 1);
    std::ofstream(res, std::ios::binary) << broken;
  }
  auto rejected = runCli(rt, "import-result", {res});
  EXPECT_EQ(rejected.code, 2);
  EXPECT_NE(rejected.err.find("line 2: record is 119 bytes, expected 120"), std::string::npos)
      << rejected.err;
  std::ofstream(res, std::ios::binary | std::ios::trunc) << answer(bytes, 0, 0);
  auto imported = runCli(rt, "import-result", {res});
  EXPECT_EQ(imported.code, 0) << imported.err;
  EXPECT_NE(imported.out.find("debited 1 (1500 yen)"), std::string::npos) << imported.out;
  EXPECT_EQ(runCli(rt, "import-result", {(dir / "missing").string()}).code, 2);

  const std::string csv = (dir / "ledger.csv").string();
  auto ledger = runCli(rt, "ledger", {"--fiscal-year", "2026", "--format", "csv", "--output", csv});
  EXPECT_EQ(ledger.code, 0) << ledger.err;
  std::ifstream lin(csv, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(lin)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(text.find("total,,,,receipt,1500"), std::string::npos) << text;
  auto sjis = runCli(rt, "ledger", {"--fiscal-year", "2026", "--format", "csv-sjis"});
  EXPECT_EQ(sjis.code, 0);
  EXPECT_NE(sjis.out.find("E01\x8Aw\x8DZ"), std::string::npos);  // 学校 in Shift_JIS
  EXPECT_EQ(runCli(rt, "ledger", {"--format", "pdf"}).code, 2);
  EXPECT_EQ(runCli(rt, "ledger", {"--format", "xlsx"}).code, 2);  // needs --output
  const std::string xlsx = (dir / "ledger.xlsx").string();
  EXPECT_EQ(runCli(rt, "ledger", {"--fiscal-year", "2026", "--format", "xlsx", "--output", xlsx})
                .code,
            0);
  std::ifstream xin(xlsx, std::ios::binary);
  std::string zip((std::istreambuf_iterator<char>(xin)), std::istreambuf_iterator<char>());
  EXPECT_EQ(zip.substr(0, 2), "PK");  // an Office Open XML (zip) workbook
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesYearTest,
                         ::testing::ValuesIn(::sukusuku::testing::testBackends()),
                         ::sukusuku::testing::backendName);

}  // namespace
}  // namespace sukusuku::fees::testing
