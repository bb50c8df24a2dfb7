// Several consignors (委託者コード) per city, on SQLite and MariaDB: settings validation, routing
// of each mandate's bank to its consignor, one Zengin 91 file per consignor and debit date, and
// result files reconciled only against their own consignor's lines.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>
#include <set>

#include "cli.h"
#include "fees_fixture.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees::testing {
namespace {

class FeesConsignorTest : public FeesTest {
 protected:
  void SetUp() override {
    FeesTest::SetUp();
    city_ = city("349001", "テスト市");
    school_ = school(city_, "elementary", "E01");
    const int64_t g3 = klass(city_, school_, 3);
    standardYear(city_);  // default consignor 1234567890, the city's account at 0001/001
    simplePlan(city_, school_, 3);  // 1,500 a debit
    shinkin_branch_ = bankTable()->bank("1750")->branches.begin()->first;
    mufg_branch_ = bankTable()->bank("0005")->branches.begin()->first;
    // Two households at the city bank, one at MUFG (not listed: the default), two at the 信金.
    const std::vector<std::pair<std::string, std::string>> accounts = {
        {"0001", "001"}, {"0001", "001"}, {"0005", mufg_branch_},
        {"1750", shinkin_branch_}, {"1750", shinkin_branch_}};
    for (size_t i = 0; i < accounts.size(); ++i) {
      const int64_t h = household(city_, "アオキ", "アイ");
      pupil(city_, h, school_, g3);
      svc().saveMandate(city_, h, {accounts[i].first, accounts[i].second, 1,
                                   std::to_string(1000001 + i), "", "", "アオキ アイ"});
      households_.push_back(h);
    }
  }

  Consignor shinkin() const {
    return {0, "2345678901", "ひろしましんきん", "1750", shinkin_branch_, 1, "2345678",
            {"1750"}, false, false};
  }

  template <class F>
  Error refusal(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "not refused";
    return Error::invalid("none", "none");
  }

  // What the bank answers: every line debited, except the bills in FAILING (資金不足).
  static std::string answer(const std::string& request, const std::set<int64_t>& failing = {}) {
    zengin::DebitFile f = zengin::readDebitFile(request);
    for (auto& r : f.records) {
      if (failing.count(billIdFromCustomerNumber(r.customer_number))) {
        r.result_code = zengin::kInsufficientFunds;
      }
    }
    return zengin::writeDebitFile(f, {}, true);
  }

  int64_t city_ = 0, school_ = 0;
  std::string shinkin_branch_, mufg_branch_;
  std::vector<int64_t> households_;
};

TEST_P(FeesConsignorTest, ConsignorsAreValidatedAndTheCityKeepsExactlyOneDefault) {
  // The fee settings of the single-consignor route are the default consignor.
  auto list = svc().consignors(city_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].code, "1234567890");
  EXPECT_TRUE(list[0].is_default);
  EXPECT_EQ(list[0].name, "ｽｸｽｸｼ");

  struct Bad {
    std::function<void(Consignor&)> change;
    std::string code, field;
  };
  const std::vector<Bad> bad = {
      {[](Consignor& c) { c.code = "12345"; }, "fees.consignor_invalid", "code"},
      {[](Consignor& c) { c.code = "12345678９0"; }, "fees.consignor_invalid", "code"},
      {[](Consignor& c) { c.name = "広島信金"; }, "fees.kana_rejected", "name"},
      {[](Consignor& c) { c.name = std::string(41, 'A'); }, "fees.consignor_invalid", "name"},
      {[](Consignor& c) { c.account_number = "12x"; }, "fees.account_invalid", "account_number"},
      {[](Consignor& c) { c.branch_code = "999"; }, "fees.branch_unknown", "branch_code"},
      {[](Consignor& c) { c.bank_codes = {"1750", "99"}; }, "fees.consignor_invalid", "bank_codes"},
      {[](Consignor& c) { c.bank_codes = {"0001"}; }, "fees.consignor_bank_taken", "bank_codes"},
      {[](Consignor& c) { c.code = "1234567890"; }, "fees.consignor_code_taken", "code"},
  };
  // 0001 is the default's own bank only when listed: list it so the taken-bank case is real.
  Consignor d = list[0];
  d.bank_codes = {"0001"};
  svc().saveConsignor(city_, d);
  for (const auto& b : bad) {
    Consignor c = shinkin();
    b.change(c);
    const Error e = refusal([&] { svc().saveConsignor(city_, c); });
    EXPECT_EQ(e.code(), b.code) << b.field;
    EXPECT_EQ(e.status(), 422) << b.field;
    EXPECT_EQ(e.details().value("field", ""), b.field) << e.what();
  }
  EXPECT_EQ(svc().consignors(city_).size(), 1u);  // nothing saved

  AuditEntry by;
  by.actor_user_id = 42;
  by.actor_role = "city_finance";
  const int64_t id = svc().saveConsignor(city_, shinkin(), by);
  list = svc().consignors(city_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].code, "2345678901");
  EXPECT_EQ(list[1].name, "ﾋﾛｼﾏｼﾝｷﾝ");
  EXPECT_EQ(list[1].bank_codes, std::vector<std::string>{"1750"});
  EXPECT_FALSE(list[1].is_default);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.consignor_saved' AND "
                   "actor_user_id = 42 AND target_id = ?",
                   {std::to_string(id)}),
            1);

  // The database keeps a second default out, whatever the code does.
  EXPECT_ANY_THROW(insert("UPDATE fee_consignors SET is_default = 1, default_for = ? WHERE id = ?",
                          {city_, id}));
  // The default cannot be unset nor deleted; making another the default moves it.
  Consignor old_default = list[0];
  old_default.is_default = false;
  EXPECT_EQ(refusal([&] { svc().saveConsignor(city_, old_default); }).details()["field"],
            "is_default");
  EXPECT_EQ(refusal([&] { svc().deleteConsignor(city_, list[0].id); }).code(),
            "fees.consignor_default");
  Consignor promoted = list[1];
  promoted.is_default = true;
  svc().saveConsignor(city_, promoted);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_consignors WHERE municipality_id = ? AND "
                   "is_default = 1",
                   {city_}),
            1);
  EXPECT_EQ(svc().settings(city_)->consignor_code, "2345678901");
  EXPECT_EQ(svc().settings(city_)->limitation_years, 5);
  promoted = svc().consignors(city_)[1];  // the former default, now second
  EXPECT_EQ(promoted.code, "1234567890");
  promoted.is_default = true;
  svc().saveConsignor(city_, promoted);

  // Another city sees none of them and cannot touch them.
  const int64_t other = city("349002", "ほか町");
  EXPECT_TRUE(svc().consignors(other).empty());
  Consignor foreign = shinkin();
  foreign.id = id;
  EXPECT_EQ(refusal([&] { svc().saveConsignor(other, foreign); }).code(),
            "fees.consignor_not_found");
  EXPECT_EQ(refusal([&] { svc().deleteConsignor(other, id); }).code(), "fees.consignor_not_found");
  // The same code in another city is another city's business.
  foreign.id = 0;
  svc().saveConsignor(other, foreign);
  EXPECT_TRUE(svc().consignors(other)[0].is_default);  // its first: the default

  // Used by a file: its code cannot change and it cannot be deleted; unused ones can.
  svc().bill(city_, {2026, 1, false, 0});
  svc().exportDebit(city_, {2026, 1, "", true});
  Consignor renamed = svc().consignors(city_)[1];
  renamed.code = "3456789012";
  EXPECT_EQ(refusal([&] { svc().saveConsignor(city_, renamed); }).code(), "fees.consignor_in_use");
  EXPECT_EQ(refusal([&] { svc().deleteConsignor(city_, id); }).status(), 409);
  const int64_t spare = svc().saveConsignor(
      city_, {0, "3456789012", "ｽﾍﾟｱ", "0005", mufg_branch_, 1, "1111111", {}, false, false});
  svc().deleteConsignor(city_, spare, by);
  EXPECT_EQ(svc().consignors(city_).size(), 2u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.consignor_deleted'"), 1);
}

TEST_P(FeesConsignorTest, EachConsignorGetsItsOwnFileAndItsOwnResults) {
  svc().saveConsignor(city_, shinkin());
  svc().bill(city_, {2026, 1, false, 0});
  const int64_t household_total = scalar(
      "SELECT SUM(amount) FROM fee_bills WHERE municipality_id = ? AND instalment = 1 AND "
      "payer_kind = 'household'",
      {city_});
  ASSERT_EQ(household_total, 5 * 1500);

  const DebitExport exp = svc().exportDebit(city_, {2026, 1, "", true});
  ASSERT_EQ(exp.files.size(), 2u);
  EXPECT_EQ(exp.debit_date, "2026-04-27");
  EXPECT_EQ(exp.records, 5);
  EXPECT_EQ(exp.total, household_total);  // the two files add up to the instalment's debits
  const ExportResult& main = exp.files[0];
  const ExportResult& shin = exp.files[1];
  EXPECT_EQ(main.consignor_code, "1234567890");
  EXPECT_EQ(shin.consignor_code, "2345678901");
  EXPECT_EQ(main.records, 3);  // 0001 twice and MUFG (listed by nobody: the default)
  EXPECT_EQ(shin.records, 2);
  EXPECT_EQ(main.total + shin.total, exp.total);

  const zengin::DebitFile a = zengin::readDebitFile(main.bytes);
  const zengin::DebitFile b = zengin::readDebitFile(shin.bytes);
  EXPECT_EQ(a.header.consignor_code, "1234567890");
  EXPECT_EQ(a.header.bank_code, "0001");
  EXPECT_EQ(a.header.account_number, "7654321");
  EXPECT_EQ(b.header.consignor_code, "2345678901");
  EXPECT_EQ(b.header.consignor_name, "ﾋﾛｼﾏｼﾝｷﾝ");
  EXPECT_EQ(b.header.bank_code, "1750");
  EXPECT_EQ(b.header.branch_code, shinkin_branch_);
  EXPECT_EQ(b.header.account_number, "2345678");
  EXPECT_EQ(a.header.date_mmdd, "0427");
  EXPECT_EQ(b.header.date_mmdd, "0427");
  for (const auto& r : b.records) EXPECT_EQ(r.bank_code, "1750");
  for (const auto& r : a.records) EXPECT_NE(r.bank_code, "1750");
  EXPECT_EQ(a.trailer.count, 3);
  EXPECT_EQ(a.trailer.amount, main.total);
  EXPECT_EQ(b.trailer.count, 2);
  EXPECT_EQ(b.trailer.amount, shin.total);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_files WHERE kind = 'debit_request' AND "
                   "consignor_code = '2345678901' AND record_count = 2"),
            1);
  // Nothing is exported twice while the results are awaited.
  EXPECT_EQ(svc().exportDebit(city_, {2026, 1, "", true}).records, 0);

  // A result for a code the city does not have is refused and changes nothing.
  const int64_t journal = scalar("SELECT COUNT(*) FROM fee_journal");
  const int64_t files = scalar("SELECT COUNT(*) FROM fee_files");
  zengin::DebitFile stranger = zengin::readDebitFile(answer(shin.bytes));
  stranger.header.consignor_code = "9999999999";
  const Error e =
      refusal([&] { svc().importResult(city_, zengin::writeDebitFile(stranger, {}, true)); });
  EXPECT_EQ(e.code(), "fees.consignor_mismatch");
  EXPECT_EQ(e.status(), 422);
  EXPECT_EQ(e.details()["consignor_code"], "9999999999");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), journal);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_files"), files);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_debit_lines WHERE result_code IS NOT NULL"), 0);

  // The default's lines under the 信金's code match nothing: each code has its own lines.
  zengin::DebitFile crossed = zengin::readDebitFile(answer(main.bytes));
  crossed.header.consignor_code = "2345678901";
  crossed.header.bank_code = "1750";
  crossed.header.branch_code = shinkin_branch_;
  const ImportReport none = svc().importResult(city_, zengin::writeDebitFile(crossed, {}, true));
  EXPECT_EQ(none.debited, 0);
  EXPECT_EQ(none.unmatched.size(), 3u);
  EXPECT_EQ(none.unmatched[0]["reason"], "unknown_customer");

  // The 信金's result (one failure) settles only its two lines.
  const int64_t failing = billIdFromCustomerNumber(b.records[1].customer_number);
  const ImportReport rs = svc().importResult(city_, answer(shin.bytes, {failing}));
  EXPECT_EQ(rs.debited, 1);
  EXPECT_EQ(rs.failed.at("insufficient_funds"), 1);
  EXPECT_TRUE(rs.unmatched.empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_debit_lines WHERE result_code IS NOT NULL"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_debit_lines l JOIN fee_files f ON f.id = l.file_id "
                   "WHERE f.consignor_code = '1234567890' AND l.result_code IS NOT NULL"),
            0);
  EXPECT_EQ(scalar("SELECT consignor_code = '2345678901' FROM fee_files WHERE id = ?",
                   {rs.file_id}),
            1);
  // Then the default's: its three lines, nothing of the 信金's answered again.
  const ImportReport rm = svc().importResult(city_, answer(main.bytes));
  EXPECT_EQ(rm.debited, 3);
  EXPECT_TRUE(rm.unmatched.empty());
  EXPECT_TRUE(rm.already.empty());
  EXPECT_EQ(scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'receipt'"), 4 * 1500);
  EXPECT_EQ(scalar("SELECT SUM(paid) FROM fee_bills"), 4 * 1500);

  // The failed 信金 debit goes again in the next instalment's 信金 file, not the default's.
  svc().bill(city_, {2026, 2, false, 0});
  const DebitExport next = svc().exportDebit(city_, {2026, 2, "", true});
  ASSERT_EQ(next.files.size(), 2u);
  EXPECT_EQ(next.files[1].records, 2);
  EXPECT_EQ(next.total, 5 * 1500);
}

TEST_P(FeesConsignorTest, AnExportWithNoDebitWritesTheDefaultsEmptyFile) {
  svc().saveConsignor(city_, shinkin());
  const DebitExport exp = svc().exportDebit(city_, {2026, 1, "", true});  // nothing billed
  ASSERT_EQ(exp.files.size(), 1u);
  EXPECT_EQ(exp.files[0].consignor_code, "1234567890");
  EXPECT_EQ(exp.files[0].records, 0);
  EXPECT_EQ(zengin::readDebitFile(exp.files[0].bytes).trailer.count, 0);
}

TEST_P(FeesConsignorTest, TheCliWritesOneFilePerConsignorAndSaysWhich) {
  svc().saveConsignor(city_, shinkin());
  svc().bill(city_, {2026, 1, false, 0});
  Runtime& rt = *sys_->rt;
  auto run = [&](const std::vector<std::string>& args) {
    for (const auto& set : rt.commands()) {
      if (set.plugin != "fees") continue;
      for (const auto& cmd : set.commands) {
        if (cmd.verb != "export-debit") continue;
        std::ostringstream out, err;
        const int code = cmd.run(args, out, err);
        return std::make_tuple(code, out.str(), err.str());
      }
    }
    return std::make_tuple(-1, std::string(), std::string("no such verb"));
  };
  const auto dir = std::filesystem::temp_directory_path() /
                   ("fees_consignors_" + std::to_string(::getpid()) + "_" + GetParam());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // A file name and two files: NAME-CODE.EXT each.
  const auto [code, out, err] =
      run({"--fiscal-year", "2026", "--instalment", "1", "--output", (dir / "debit.txt").string()});
  ASSERT_EQ(code, 0) << err;
  EXPECT_NE(out.find("consignor 1234567890 ｽｸｽｸｼ: 3 debits, 4500 yen"), std::string::npos) << out;
  EXPECT_NE(out.find("consignor 2345678901 ﾋﾛｼﾏｼﾝｷﾝ: 2 debits, 3000 yen"), std::string::npos)
      << out;
  EXPECT_NE(out.find("total: 2 files, 5 debits, 7500 yen"), std::string::npos) << out;
  for (const std::string c : {"1234567890", "2345678901"}) {
    std::ifstream in(dir / ("debit-" + c + ".txt"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty()) << c;
    EXPECT_EQ(zengin::readDebitFile(bytes).header.consignor_code, c);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "debit.txt"));
  std::filesystem::remove_all(dir);

  // Folders and patterns.
  EXPECT_EQ(debitFilePath("/x/", "1234567890", "2026-04-27", 2),
            "/x/zengin91-1234567890-20260427.txt");
  EXPECT_EQ(debitFilePath("/x/req-{code}-{date}.dat", "2345678901", "2026-04-27", 1),
            "/x/req-2345678901-20260427.dat");
  EXPECT_EQ(debitFilePath("/x/debit.txt", "1234567890", "2026-04-27", 1), "/x/debit.txt");
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesConsignorTest,
                         ::testing::ValuesIn(::sukusuku::testing::testBackends()),
                         ::sukusuku::testing::backendName);

}  // namespace
}  // namespace sukusuku::fees::testing
