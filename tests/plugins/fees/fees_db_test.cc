// Plans, mandates, billing runs, debit files and results on SQLite and MariaDB.
#include <thread>

#include "batch_insert.h"
#include "fees_fixture.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/kana.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees::testing {
namespace {

class FeesDbTest : public FeesTest {
 protected:
  void SetUp() override {
    FeesTest::SetUp();
    city_ = city("349001", "テスト市");
    elem_ = school(city_, "elementary", "E01");
    junior_ = school(city_, "junior_high", "J01");
    e3_ = klass(city_, elem_, 3);
    j7_ = klass(city_, junior_, 7);
    standardYear(city_);
    simplePlan(city_, elem_, 3);
    simplePlan(city_, junior_, 7, 1500);  // 18,000 + 3,000
    // Siblings at both schools: one bill (名寄せ).
    siblings_ = household(city_, "ヤマダ", "ハナコ");
    pupil(city_, siblings_, elem_, e3_);
    pupil(city_, siblings_, junior_, j7_);
    // On school aid from April: the city pays.
    aided_ = household(city_, "スズキ", "イチロウ");
    pupil(city_, aided_, elem_, e3_);
    insert("INSERT INTO household_school_aid (municipality_id, household_id, kind, from_month) "
           "VALUES (?, ?, 'jun_yo_hogo', '2026-04')",
           {city_, aided_});
    // No mandate: pays by slip.
    slip_ = household(city_, "サトウ", "ケン");
    pupil(city_, slip_, elem_, e3_);
    svc().saveMandate(city_, siblings_, {"0001", "001", 1, "1234567", "", "", "ヤマダ ハナコ"});
    svc().saveMandate(city_, aided_, {"", "", 1, "", "10120", "12345671", "すずき いちろう"});
  }

  int64_t city_ = 0, elem_ = 0, junior_ = 0, e3_ = 0, j7_ = 0;
  int64_t siblings_ = 0, aided_ = 0, slip_ = 0;
};

TEST_P(FeesDbTest, PlanOverTheCapIsRefusedWithDetailsAndChangesNothing) {
  svc().setCap(city_, 2026, 4, 10000);
  PlanInput p;
  p.facility_id = elem_;
  p.fiscal_year = 2026;
  p.grade = 4;
  p.name = "4年";
  p.items = {{0, 0, "ドリル", 900, 10, false}, {0, 0, "アルバム", 2000, 1, true}};
  try {
    svc().savePlan(city_, p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.plan_over_cap");
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.details()["cap"], 10000);
    EXPECT_EQ(e.details()["total"], 11000);
    EXPECT_EQ(e.details()["over"], 1000);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plans WHERE grade = 4"), 0);
  p.items.pop_back();
  EXPECT_GT(svc().savePlan(city_, p), 0);
  // A facility of another city, or a nursery, cannot have a plan.
  const int64_t other = city("349002", "ほか町");
  p.facility_id = school(other, "elementary", "X01");
  EXPECT_EQ(errorCode([&] { svc().savePlan(city_, p); }), "fees.plan_invalid");
}

TEST_P(FeesDbTest, MandatesAreValidatedAgainstTheBankTableAndTheBankCharacterSet) {
  auto h = household(city_, "タナカ", "ジロウ");
  EXPECT_EQ(errorCode([&] {
              svc().saveMandate(city_, h, {"0001", "999", 1, "1234567", "", "", "タナカ"});
            }),
            "fees.branch_unknown");
  EXPECT_EQ(errorCode([&] {
              svc().saveMandate(city_, h, {"0002", "001", 1, "1234567", "", "", "タナカ"});
            }),
            "fees.bank_unknown");
  EXPECT_EQ(errorCode([&] {
              svc().saveMandate(city_, h, {"0001", "001", 1, "1234567", "", "", "田中 次郎"});
            }),
            "fees.kana_rejected");
  EXPECT_EQ(errorCode([&] {
              svc().saveMandate(city_, h, {"0001", "001", 1, "1234567", "", "",
                                           "ダダダダダダダダダダダダダダダダ"});
            }),
            "fees.holder_name_length");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_mandates WHERE household_id = ?", {h}), 0);
  const auto jp = svc().mandate(city_, aided_);
  EXPECT_EQ(jp["bank_code"], "9900");
  EXPECT_EQ(jp["branch_code"], "018");
  EXPECT_EQ(jp["holder_kana"], "ｽｽﾞｷ ｲﾁﾛｳ");
  EXPECT_EQ(jp["account_number_masked"], "****567");
  // Another city's household is not found.
  const int64_t other = city("349002", "ほか町");
  EXPECT_EQ(errorCode([&] {
              svc().saveMandate(other, h, {"0001", "001", 1, "1234567", "", "", "タナカ"});
            }),
            "fees.household_not_found");
}

// The bulk writer of billing runs and imports (LOAD DATA LOCAL INFILE on MariaDB, multi-row
// INSERTs on SQLite): every value comes back as written, and a row the database refuses (a
// duplicate key, which LOAD DATA LOCAL would only warn about and skip) fails the whole batch.
TEST_P(FeesDbTest, BulkWritesKeepEveryValueAndRefuseAWholeBatchOverOneBadRow) {
  const std::string odd = "tab\there\nline\\slash'quote\r\xE5\xAD\xA6";
  db().transaction([&](db::Tx& tx) {
    BatchInsert rows(tx, "fee_journal",
                     {"municipality_id", "fiscal_year", "kind", "bill_id", "household_id",
                      "payer_kind", "child_id", "facility_id", "instalment", "amount", "items",
                      "ref", "entry_month", "created_at"});
    rows.add({city_, 2026, "charge", 7, slip_, "household", 1, elem_, 1, -1500, odd, nullptr,
              "2026-04", "\\N"});
    rows.add({city_, 2026, "charge", 7, slip_, "household", 2, elem_, 1, 9007199254740993,
              "", "run:1", "2026-04", "x"});
    rows.flush();
  });
  if (GetParam() == "mysql" && std::getenv("SUKUSUKU_FEES_NO_LOAD_DATA") == nullptr) {
    EXPECT_EQ(loadDataState().load(), LoadData::kWorks);  // the test server allows it, as CI's
  }
  {
    auto conn = db().acquire();
    const auto got = conn->query("SELECT amount, items, ref, created_at FROM fee_journal WHERE "
                                 "bill_id = 7 ORDER BY child_id");
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].getInt("amount"), -1500);
    EXPECT_EQ(got[0].getText("items"), odd);
    EXPECT_TRUE(got[0].isNull("ref"));
    EXPECT_EQ(got[0].getText("created_at"), "\\N");
    EXPECT_EQ(got[1].getInt("amount"), 9007199254740993);
    EXPECT_EQ(got[1].getText("items"), "");
  }
  const int64_t mandates = scalar("SELECT COUNT(*) FROM fee_mandates");
  EXPECT_THROW(db().transaction([&](db::Tx& tx) {
                 BatchInsert rows(tx, "fee_mandates",
                                  {"municipality_id", "household_id", "bank_code", "branch_code",
                                   "account_type", "account_number", "holder_kana", "status",
                                   "created_at", "updated_at"});
                 for (int i = 0; i < 2; ++i) {
                   rows.add({city_, slip_, "0001", "001", 1, "1234567", "ｻﾄｳ ｹﾝ", "active", "x",
                             "x"});
                 }
                 rows.flush();
               }),
               db::DbError);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_mandates"), mandates);
}

TEST_P(FeesDbTest, BillingRunMergesSiblingsBillsAidToTheCityAndIsIdempotent) {
  const RunSummary first = svc().bill(city_, {2026, 1, false, 0});
  EXPECT_EQ(first.pupils, 4);
  EXPECT_EQ(first.entries, 4);
  // elementary 15,000/10 = 1,500; junior 21,000/10 = 2,100
  EXPECT_EQ(first.charged, 1500 + 2100 + 1500);
  EXPECT_EQ(first.charged_city, 1500);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_bills WHERE household_id = ?", {siblings_}), 1);
  EXPECT_EQ(scalar("SELECT amount FROM fee_bills WHERE household_id = ?", {siblings_}), 3600);
  EXPECT_EQ(scalar("SELECT amount FROM fee_bills WHERE payer_kind = 'city'"), 1500);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_bills WHERE household_id = ?", {aided_}), 0);

  const int64_t journal = scalar("SELECT COUNT(*) FROM fee_journal");
  const RunSummary again = svc().bill(city_, {2026, 1, false, 0});
  EXPECT_EQ(again.entries, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), journal);

  // The plan changes: the difference is an adjustment entry, never an edit.
  simplePlan(city_, elem_, 3, 1100);  // +1,200 a year = +120 per debit
  const RunSummary dry = svc().bill(city_, {2026, 1, true, 0});
  EXPECT_EQ(dry.entries, 3);
  EXPECT_EQ(dry.adjustments, 3);
  EXPECT_EQ(dry.lines.size(), 3u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), journal);  // a dry run writes nothing
  const RunSummary adjusted = svc().bill(city_, {2026, 1, false, 0});
  EXPECT_EQ(adjusted.adjustments, 3);
  EXPECT_EQ(adjusted.charged + adjusted.charged_city, 3 * 120);
  EXPECT_EQ(scalar("SELECT amount FROM fee_bills WHERE household_id = ?", {siblings_}), 3720);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'adjustment'"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_runs WHERE status = 'done'"), 3);
  EXPECT_EQ(errorCode([&] { svc().bill(city_, {2026, 11, false, 0}); }),
            "fees.instalment_not_found");
}

TEST_P(FeesDbTest, ASecondRunWhileOneIsInProgressIsRefused) {
  // Another node took the lock a moment ago (within the grace, its billing transaction may not
  // have begun yet).
  insert("INSERT INTO fee_run_locks (municipality_id, run_id, started_at) VALUES (?, 99, ?)",
         {city_, formatUtc(clock_->now())});
  try {
    svc().bill(city_, {2026, 1, false, 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_EQ(e.code(), "fees.run_in_progress");
    EXPECT_EQ(e.details()["run_id"], 99);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), 0);
  // Dry runs still work; and runs of another city are not blocked.
  EXPECT_EQ(svc().bill(city_, {2026, 1, true, 0}).entries, 4);
  insert("DELETE FROM fee_run_locks WHERE municipality_id = ?", {city_});
  // Two runs at once from two threads: never both inside, and the journal is billed once.
  std::vector<std::string> outcomes(2);
  std::thread a([&] {
    try {
      svc().bill(city_, {2026, 1, false, 0});
      outcomes[0] = "ok";
    } catch (const Error& e) {
      outcomes[0] = e.code();
    }
  });
  std::thread b([&] {
    try {
      svc().bill(city_, {2026, 1, false, 0});
      outcomes[1] = "ok";
    } catch (const Error& e) {
      outcomes[1] = e.code();
    }
  });
  a.join();
  b.join();
  EXPECT_TRUE(outcomes[0] == "ok" || outcomes[1] == "ok");
  for (const auto& o : outcomes) EXPECT_TRUE(o == "ok" || o == "fees.run_in_progress") << o;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), 4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_run_locks"), 0);
}

TEST_P(FeesDbTest, ALockLeftByARunWhoseNodeDiedIsTakenOver) {
  // A run started an hour ago on a node that died: its lock row is there, nobody holds it.
  insert("INSERT INTO fee_runs (municipality_id, fiscal_year, instalment, dry_run, status, "
         "started_at) VALUES (?, 2026, 1, 0, 'running', ?)",
         {city_, formatUtc(clock_->now() - std::chrono::hours(1))});
  const int64_t dead = scalar("SELECT MAX(id) FROM fee_runs");
  insert("INSERT INTO fee_run_locks (municipality_id, run_id, started_at) VALUES (?, ?, ?)",
         {city_, dead, formatUtc(clock_->now() - std::chrono::hours(1))});
  RunSummary s = svc().bill(city_, {2026, 1, false, 0});
  EXPECT_EQ(s.entries, 4);
  EXPECT_NE(s.run_id, dead);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_runs WHERE id = " + std::to_string(dead) +
                   " AND status = 'interrupted'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_run_locks"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), 4);
}

TEST_P(FeesDbTest, AnOldLockStillHeldByALiveRunIsNotTakenOver) {
  if (GetParam() != "mysql") GTEST_SKIP() << "SQLite has one writer: a live run holds the database";
  // A long run on another node, started an hour ago: its billing transaction holds its run row.
  insert("INSERT INTO fee_runs (municipality_id, fiscal_year, instalment, dry_run, status, "
         "started_at) VALUES (?, 2026, 1, 0, 'running', ?)",
         {city_, formatUtc(clock_->now() - std::chrono::hours(1))});
  const int64_t live = scalar("SELECT MAX(id) FROM fee_runs");
  insert("INSERT INTO fee_run_locks (municipality_id, run_id, started_at) VALUES (?, ?, ?)",
         {city_, live, formatUtc(clock_->now() - std::chrono::hours(1))});
  auto holder = db().acquire();
  holder->execute("START TRANSACTION");
  holder->query("SELECT id FROM fee_runs WHERE id = ? FOR UPDATE", {live});
  try {
    svc().bill(city_, {2026, 1, false, 0});
    ADD_FAILURE() << "a live run's lock was taken over";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.run_in_progress");
  }
  holder->execute("ROLLBACK");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_run_locks WHERE run_id = " + std::to_string(live)),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_runs WHERE status = 'running'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), 0);
}

// What a bank does with a request file: answers each record with a result code.
std::string bankAnswers(const std::string& request, const std::map<int64_t, int>& codes) {
  zengin::DebitFile f = zengin::readDebitFile(request);
  for (auto& r : f.records) {
    auto it = codes.find(billIdFromCustomerNumber(r.customer_number));
    r.result_code = it == codes.end() ? 0 : it->second;
  }
  return zengin::writeDebitFile(f, {}, /*as_result=*/true);
}

TEST_P(FeesDbTest, DebitExportAndResultImportReconcile) {
  // A second payer with a mandate, so the file has a success and a failure.
  const int64_t other = household(city_, "タナカ", "ジロウ");
  pupil(city_, other, junior_, j7_);
  svc().saveMandate(city_, other, {"0005", bankTable()->bank("0005")->branches.begin()->first, 1,
                                   "7654321", "", "", "タナカ ジロウ"});
  svc().bill(city_, {2026, 1, false, 0});
  const ExportResult exp = svc().exportDebit(city_, {2026, 1, "", true}).files.at(0);
  // The aided pupil is billed to the city and slip_ has no mandate: two records.
  EXPECT_EQ(exp.records, 2);
  EXPECT_EQ(exp.total, 3600 + 2100);
  const zengin::DebitFile req = zengin::readDebitFile(exp.bytes);
  EXPECT_EQ(req.header.consignor_code, "1234567890");
  EXPECT_EQ(req.header.date_mmdd, "0427");
  EXPECT_EQ(req.records[0].new_code, 1);
  EXPECT_EQ(req.records[0].holder_name, "ﾔﾏﾀﾞ ﾊﾅｺ");
  EXPECT_EQ(exp.bytes.size(), 5 * 122u);
  EXPECT_EQ(svc().exportDebit(city_, {2026, 1, "", true}).records, 0);  // waiting for results

  const int64_t sib_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?", {siblings_});
  const int64_t other_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?", {other});
  const std::string result = bankAnswers(exp.bytes, {{other_bill, zengin::kNoAccount}});

  // A rejected file changes nothing: a trailer that does not add up.
  std::string broken = result;
  broken.replace(3 * 122 + 7, 12, "000000000001");
  const int64_t journal = scalar("SELECT COUNT(*) FROM fee_journal");
  EXPECT_EQ(errorCode([&] { svc().importResult(city_, broken); }), "fees.file_invalid");
  std::string cr_only = result;
  cr_only.erase(121, 1);
  EXPECT_EQ(errorCode([&] { svc().importResult(city_, cr_only); }), "fees.file_invalid");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), journal);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_files WHERE kind = 'debit_result'"), 0);

  const ImportReport rep = svc().importResult(city_, result);
  EXPECT_EQ(rep.debited, 1);
  EXPECT_EQ(rep.debited_amount, 3600);
  EXPECT_EQ(rep.failed.at("no_account"), 1);
  EXPECT_EQ(rep.failed_amount, 2100);
  EXPECT_TRUE(rep.unmatched.empty());
  EXPECT_EQ(scalar("SELECT paid FROM fee_bills WHERE id = ?", {sib_bill}), 3600);
  EXPECT_EQ(scalar("SELECT paid FROM fee_bills WHERE id = ?", {other_bill}), 0);
  EXPECT_EQ(scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'receipt'"), 3600);
  // Result code 2 (取引なし): the mandate needs fixing and is no longer debited.
  EXPECT_EQ(svc().mandate(city_, other)["status"], "needs_fix");
  EXPECT_EQ(svc().mandate(city_, siblings_)["status"], "active");

  // The same result again: reported, not applied twice.
  const ImportReport twice = svc().importResult(city_, result);
  EXPECT_EQ(twice.debited, 0);
  EXPECT_EQ(twice.already.size(), 2u);
  EXPECT_EQ(scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'receipt'"), 3600);

  // Unknown 顧客番号 and a wrong amount are unmatched lines, not applied.
  zengin::DebitFile odd = zengin::readDebitFile(result);
  odd.records[0].customer_number = customerNumber(999999);
  odd.records[1].amount += 1;
  const ImportReport unmatched = svc().importResult(city_, zengin::writeDebitFile(odd, {}, true));
  ASSERT_EQ(unmatched.unmatched.size(), 2u);
  EXPECT_EQ(unmatched.unmatched[0]["reason"], "unknown_customer");
  EXPECT_EQ(unmatched.unmatched[1]["reason"], "amount_mismatch");
  EXPECT_EQ(unmatched.unmatched[1]["line"], 3);

  // A file for another consignor is refused.
  odd.header.consignor_code = "9999999999";
  EXPECT_EQ(errorCode([&] { svc().importResult(city_, zengin::writeDebitFile(odd, {}, true)); }),
            "fees.consignor_mismatch");
  // The next instalment: the second debit is no longer new (新規コード 0).
  svc().bill(city_, {2026, 2, false, 0});
  const zengin::DebitFile next =
      zengin::readDebitFile(svc().exportDebit(city_, {2026, 2, "", false}).files.at(0).bytes);
  ASSERT_EQ(next.records.size(), 1u);  // the needs_fix mandate is not debited
  EXPECT_EQ(next.records[0].new_code, 0);
  EXPECT_EQ(next.header.date_mmdd, "0527");
}

TEST_P(FeesDbTest, ScopesByMunicipality) {
  const int64_t other = city("349002", "ほか町");
  svc().bill(city_, {2026, 1, false, 0});
  EXPECT_EQ(errorCode([&] { svc().bill(other, {2026, 1, false, 0}); }),
            "fees.instalment_not_found");
  EXPECT_EQ(svc().ledger(other, 2026)["billed_household"], 0);
  EXPECT_TRUE(svc().statements(other, siblings_, 2026)["bills"].empty());
  EXPECT_EQ(svc().mandate(other, siblings_)["status"], "none");
  EXPECT_EQ(svc().statements(city_, siblings_, 2026)["bills"].size(), 1u);
}

TEST_P(FeesDbTest, ArrearsRemindersSlipPaymentsAndWriteOffsGoOnTheLedger) {
  svc().bill(city_, {2026, 1, false, 0});
  const int64_t slip_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?", {slip_});
  const int64_t sib_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?", {siblings_});
  EXPECT_TRUE(svc().arrears(city_, 2026, "2026-04-27").empty());  // not yet due
  auto list = svc().arrears(city_, 2026, "2026-05-10");
  ASSERT_EQ(list.size(), 2u);  // slip_ and the siblings (not debited yet); never the city's bill
  EXPECT_EQ(list[1]["bill_id"], slip_bill);
  EXPECT_EQ(list[1]["mandate"], "none");
  EXPECT_EQ(list[0]["schools"].size(), 2u);
  EXPECT_EQ(svc().arrears(city_, 2026, "2026-05-10", junior_).size(), 1u);  // per school

  const auto letter = svc().remind(city_, slip_bill, "letter", 7);
  EXPECT_EQ(letter["due"], 1500);
  EXPECT_EQ(svc().arrears(city_, 2026, "2026-05-10")[1]["reminders"], 1);
  EXPECT_EQ(errorCode([&] { svc().remind(city_, slip_bill, "fax", 7); }), "fees.channel_invalid");

  // Paid at a konbini with the slip, in two parts.
  EXPECT_EQ(errorCode([&] { svc().recordPayment(city_, slip_bill, 1501, "slip", 7); }),
            "fees.amount_invalid");
  svc().recordPayment(city_, slip_bill, 1000, "slip", 7);
  svc().recordPayment(city_, slip_bill, 500, "slip", 7);
  EXPECT_EQ(errorCode([&] { svc().recordPayment(city_, slip_bill, 1, "slip", 7); }),
            "fees.bill_settled");
  EXPECT_EQ(svc().arrears(city_, 2026, "2026-05-10").size(), 1u);

  // Write-off: the limitation period (5 years) has not passed; another reason needs two people.
  EXPECT_EQ(errorCode([&] { svc().requestWriteOff(city_, sib_bill, "limitation", "", 7); }),
            "fees.not_time_barred");
  EXPECT_EQ(errorCode([&] { svc().requestWriteOff(city_, sib_bill, "other", "", 7); }),
            "fees.reason_invalid");
  const int64_t w = svc().requestWriteOff(city_, sib_bill, "bankruptcy", "破産", 7);
  ASSERT_EQ(svc().writeOffs(city_).size(), 1u);
  EXPECT_EQ(svc().writeOffs(city_)[0]["reason"], "bankruptcy");
  EXPECT_EQ(errorCode([&] { svc().approveWriteOff(city_, w, 7); }), "fees.write_off_same_person");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'write_off'"), 0);
  svc().approveWriteOff(city_, w, 8);
  EXPECT_TRUE(svc().writeOffs(city_).empty());
  EXPECT_EQ(svc().writeOffs(city_, "approved")[0]["approved_by_user_id"], 8);
  EXPECT_EQ(scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'write_off'"), 3600);
  EXPECT_TRUE(svc().arrears(city_, 2026, "2026-05-10").empty());
  // A written-off bill is not debited.
  EXPECT_EQ(svc().exportDebit(city_, {2026, 1, "", true}).records, 0);
  const auto ledger = svc().ledger(city_, 2026);
  EXPECT_EQ(ledger["totals"]["receipt"], 1500);
  EXPECT_EQ(ledger["written_off"], 3600);
  EXPECT_EQ(ledger["outstanding"], 0);
  // Time-barred after five years.
  clock_->set(utc("2031-06-01T00:00:00Z"));
  svc().bill(city_, {2026, 2, false, 0});
  const int64_t later = scalar("SELECT id FROM fee_bills WHERE household_id = ? AND instalment = 2",
                               {slip_});
  EXPECT_GT(svc().requestWriteOff(city_, later, "limitation", "", 7), 0);
}

TEST_P(FeesDbTest, ReminderScheduleSendsEachStepOnceWithLettersToPrint) {
  EXPECT_EQ(errorCode([&] {
              svc().setReminderSchedule(city_, {{1, "督促", 20, true, true}, {2, "催告", 10, false, true}});
            }),
            "fees.schedule_invalid");
  EXPECT_EQ(errorCode([&] { svc().setReminderSchedule(city_, {{1, "督促", 20, false, false}}); }),
            "fees.schedule_invalid");
  EXPECT_TRUE(svc().reminderSchedule(city_).empty());
  svc().setReminderSchedule(city_, {{1, "督促", 20, true, true}, {2, "催告", 50, false, true}});
  ASSERT_EQ(svc().reminderSchedule(city_).size(), 2u);
  svc().bill(city_, {2026, 1, false, 0});  // due 2026-04-27; the siblings and slip_ are open

  EXPECT_EQ(svc().runReminders(city_, "2026-05-16").letters, 0);  // 19 days
  const ReminderRun first = svc().runReminders(city_, "2026-05-17");
  EXPECT_EQ(first.letters, 2);
  EXPECT_EQ(first.pushes, 2);
  EXPECT_EQ(first.batches, std::vector<std::string>{"2026-05-17/1"});
  EXPECT_EQ(svc().runReminders(city_, "2026-05-17").letters, 0);  // once per step
  EXPECT_EQ(svc().runReminders(city_, "2026-06-01").letters, 0);
  const auto letters = svc().letterBatch(city_, "2026-05-17/1");
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0]["step_name"], "督促");
  EXPECT_TRUE(svc().letterBatch(city_, "2026-05-17/2").empty());

  // The slip household pays; only the siblings get the second step (催告), by letter only.
  const int64_t slip_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?", {slip_});
  svc().recordPayment(city_, slip_bill, 1500, "slip", 7);
  const ReminderRun second = svc().runReminders(city_, "2026-06-16");
  EXPECT_EQ(second.letters, 1);
  EXPECT_EQ(second.pushes, 0);
  EXPECT_EQ(svc().runReminders(city_, "2026-06-17").letters, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_reminders WHERE step IS NOT NULL"), 5);
  // Every step is on the ledger.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'reminder' AND amount = 0"), 3);
  EXPECT_EQ(errorCode([&] { svc().runReminders(city_, "2026-6-1"); }), "fees.date_invalid");
}

TEST_P(FeesDbTest, InstalmentPlanForArrearsTracksPaymentsAndIsBrokenWhenAStepIsMissed) {
  svc().bill(city_, {2026, 1, false, 0});
  svc().bill(city_, {2026, 2, false, 0});
  std::vector<int64_t> slip_bills;
  for (int i = 1; i <= 2; ++i) {
    slip_bills.push_back(scalar("SELECT id FROM fee_bills WHERE household_id = ? AND "
                                "instalment = ?",
                                {slip_, i}));
  }
  const int64_t sib_bill =
      scalar("SELECT id FROM fee_bills WHERE household_id = ? AND instalment = 1", {siblings_});
  const std::vector<PlanStep> steps = {{"2026-07-10", 1000}, {"2026-08-10", 1000},
                                       {"2026-09-10", 1000}};
  // Refused: amounts that do not add up, dates out of order, another household's bill.
  try {
    svc().createArrearPlan(city_, slip_, slip_bills, {{"2026-07-10", 1000}}, "", 7);
    ADD_FAILURE() << "accepted a plan that does not add up";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "fees.plan_steps_invalid");
    EXPECT_EQ(e.details()["due"], 3000);
    EXPECT_EQ(e.details()["scheduled"], 1000);
  }
  EXPECT_EQ(errorCode([&] {
              svc().createArrearPlan(city_, slip_, slip_bills,
                                     {{"2026-08-10", 1500}, {"2026-07-10", 1500}}, "", 7);
            }),
            "fees.plan_steps_invalid");
  EXPECT_EQ(errorCode([&] {
              svc().createArrearPlan(city_, slip_, {slip_bills[0], sib_bill}, steps, "", 7);
            }),
            "fees.bill_not_found");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_arrear_plans"), 0);

  const int64_t plan = svc().createArrearPlan(city_, slip_, slip_bills, steps, "分納誓約", 7);
  EXPECT_EQ(errorCode([&] { svc().createArrearPlan(city_, slip_, {slip_bills[1]}, {{"2026-07-10", 1500}}, "", 7); }),
            "fees.bill_in_plan");
  // Bills in an active plan get no scheduled reminders.
  svc().setReminderSchedule(city_, {{1, "督促", 20, true, true}});
  EXPECT_EQ(svc().runReminders(city_, "2026-07-01").letters, 2);  // the siblings' two bills

  // Paid at the counter: applied to the steps in order.
  svc().recordPayment(city_, slip_bills[0], 1200, "slip", 7);
  auto p = svc().arrearPlan(city_, plan);
  EXPECT_EQ(p["status"], "active");
  EXPECT_EQ(p["paid"], 1200);
  EXPECT_EQ(p["steps"][0]["state"], "paid");
  EXPECT_EQ(p["steps"][1]["paid"], 200);
  EXPECT_TRUE(svc().checkArrearPlans(city_, "2026-07-20").empty());
  // The second payment does not come: the plan is broken the day after its date.
  EXPECT_TRUE(svc().checkArrearPlans(city_, "2026-08-10").empty());
  const auto changed = svc().checkArrearPlans(city_, "2026-08-11");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0]["status"], "broken");
  EXPECT_EQ(changed[0]["missed"], "2026-08-10");
  EXPECT_EQ(svc().arrearPlan(city_, plan)["status"], "broken");
  EXPECT_TRUE(svc().checkArrearPlans(city_, "2026-08-12").empty());  // once
  // A broken plan no longer holds reminders back; a new plan can be agreed.
  EXPECT_EQ(svc().runReminders(city_, "2026-08-12").letters, 2);
  const int64_t again = svc().createArrearPlan(city_, slip_, {slip_bills[1]}, {{"2026-09-10", 1500}}, "", 7);
  svc().recordPayment(city_, slip_bills[1], 1500, "slip", 7);
  const auto done = svc().checkArrearPlans(city_, "2026-08-20");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0]["plan_id"], again);
  EXPECT_EQ(done[0]["status"], "completed");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind IN ('arrear_plan', "
                   "'arrear_plan_broken', 'arrear_plan_completed') AND amount = 0"),
            4);
  EXPECT_EQ(svc().arrearPlans(city_, slip_).size(), 2u);
  EXPECT_EQ(errorCode([&] { svc().arrearPlan(city_ + 1000, plan); }), "fees.plan_not_found");
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesDbTest,
                         ::testing::ValuesIn(::sukusuku::testing::testBackends()),
                         ::sukusuku::testing::backendName);

}  // namespace
}  // namespace sukusuku::fees::testing
