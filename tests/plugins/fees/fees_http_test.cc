// The fees plugin over real HTTP with the push core present, on every backend: a billing run
// through the finance API notifies only the billed payers' guardians, a failed debit notifies
// that household only, guardians see only their own statements, mandate and bills, school staff
// only their school, and another city's officer nothing; bad input gets stable codes.
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <gtest/gtest.h>

#include <set>

#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>
#include <sukusuku/identity/password.h>
#include <sukusuku/push/notifier.h>

#include "../../core/http_client.h"
#include "fees_fixture.h"
#include "fees_server_fixture.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees::testing {
namespace {

using sukusuku::testing::httpRequest;
using sukusuku::testing::Reply;

const std::string kPassword = "fees-http-test-2026";

class FeesHttpTest : public FeesServerTest {
 protected:
  void SetUp() override {
    FeesServerTest::SetUp();
    if (HasFatalFailure()) return;
    notifier_ = sys_->rt->services().find<push::Notifier>("push.notifier");
    ASSERT_TRUE(notifier_);
    svc_ = std::make_unique<FeesService>(sys_->rt->database(), *clock_, bankTable());
    svc_->setNotifier(notifier_);
  }

  int64_t user(int64_t m, const std::string& login, const std::string& role, int64_t facility) {
    static const std::string hash = identity::hashPassword(kPassword);
    const int64_t id =
        sukusuku::testing::insertUser(sys_->rt->database(), m, login, role, facility, hash);
    logins_[id] = login;
    return id;
  }
  int64_t school(int64_t m, const std::string& code) {
    return insert("INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, "
                  "phone, capacity, opens_at, closes_at, created_at) VALUES (?, 'elementary', ?, "
                  "?, 'ガッコウ', '', '', 600, '08:00', '17:00', '2026-04-01T00:00:00Z')",
                  {m, code, code + "小学校"});
  }
  int64_t klass(int64_t m, int64_t f) {
    return insert("INSERT INTO classes (municipality_id, facility_id, fiscal_year, name, grade, "
                  "room) VALUES (?, ?, 2026, '3年1組', 3, '')",
                  {m, f});
  }
  // A household with a pupil (family name FAMILY) in CLASS_ID and a guardian who signs in.
  struct Family {
    int64_t household, child, guardian;
  };
  Family family(int64_t m, int64_t f, int64_t class_id, const std::string& family_name,
                const std::string& login) {
    const std::string t = "2026-04-01T00:00:00Z";
    Family out{};
    out.household = insert("INSERT INTO households (municipality_id, name, postal_code, address, "
                           "phone, created_at, updated_at) VALUES (?, ?, '', '', '', ?, ?)",
                           {m, family_name + "家", t, t});
    out.child = insert("INSERT INTO children (municipality_id, household_id, family_name, "
                       "given_name, family_name_kana, given_name_kana, birth_date, sex, "
                       "created_at) VALUES (?, ?, ?, '太郎', 'カナ', 'タロウ', '2017-05-05', "
                       "'male', ?)",
                       {m, out.household, family_name, t});
    insert("INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, starts_on) "
           "VALUES (?, ?, ?, ?, '2026-04-01')",
           {m, out.child, f, class_id});
    out.guardian = user(m, login, "guardian", 0);
    insert("INSERT INTO guardians (municipality_id, household_id, user_id, family_name, "
           "given_name, family_name_kana, given_name_kana, relationship, primary_payer, phone, "
           "email) VALUES (?, ?, ?, ?, '花子', 'カナ', 'ハナコ', 'mother', 1, '', ?)",
           {m, out.household, out.guardian, family_name, login});
    return out;
  }
  void standardYear(int64_t m, int64_t f) {
    svc_->saveSettings(m, {"1234567890", "スクスクシ", "0001", "001", 1, "7654321", 5});
    std::vector<Instalment> s;
    for (int i = 0; i < 10; ++i) s.push_back({i + 1, i, fiscalMonth(2026, i) + "-27"});
    svc_->setInstalments(m, 2026, s);
    PlanInput p{f, 2026, 3, "計画", {{0, 0, "ドリル", 1000, 12, false},
                                      {0, 1, "校外学習", 3000, 1, false},
                                      {0, 0, "リコーダー", 900, 1, true}}};
    svc_->savePlan(m, p);
  }

  std::string token(int64_t user_id) {
    auto& t = tokens_[user_id];
    if (t.empty()) {
      t = identity_->login(logins_[user_id], kPassword, "test", "127.0.0.1", "").access_token;
    }
    return t;
  }
  Reply api(int64_t user_id, const std::string& method, const std::string& uri,
            const std::string& body = "") {
    return httpRequest(server_->port(), method, uri, body,
                       {{"Authorization", "Bearer " + token(user_id)}});
  }
  Reply web(int64_t user_id, const std::string& uri) {
    auto s = identity_->createSession(user_id, "test");
    return httpRequest(server_->port(), "GET", uri, "",
                       {{"Cookie", "sukusuku_session=" + s.cookie}});
  }
  std::set<int64_t> inboxUsers(const std::string& category) {
    std::set<int64_t> users;
    for (const auto& r : sys_->rt->database().acquire()->query(
             "SELECT i.user_id FROM inbox i JOIN notifications n ON n.id = i.notification_id "
             "WHERE n.category = ?",
             {category})) {
      users.insert(r.getInt("user_id"));
    }
    return users;
  }

  std::shared_ptr<push::Notifier> notifier_;
  std::map<int64_t, std::string> logins_;
  std::map<int64_t, std::string> tokens_;
};

TEST_P(FeesHttpTest, GuardianAndFinanceApisKeepEveryFamilySchoolAndCityApart) {
  const int64_t a = city("349101");
  const int64_t b = city("349102");
  const int64_t e1 = school(a, "E01");
  const int64_t e2 = school(a, "E02");
  const int64_t x1 = school(b, "X01");
  const int64_t c1 = klass(a, e1);
  const int64_t c2 = klass(a, e2);
  const int64_t cx = klass(b, x1);
  standardYear(a, e1);
  {
    PlanInput p{e2, 2026, 3, "計画", {{0, 0, "ドリル", 1000, 12, false},
                                       {0, 1, "校外学習", 3000, 1, false}}};
    svc_->savePlan(a, p);
  }
  standardYear(b, x1);
  const Family aoki = family(a, e1, c1, "青木", "aoki@example.jp");
  const Family baba = family(a, e2, c2, "馬場", "baba@example.jp");
  const Family other = family(b, x1, cx, "他市", "other@example.jp");
  svc_->saveMandate(a, aoki.household, {"0001", "001", 1, "1234567", "", "", "アオキ ハナコ"});
  const int64_t finance = user(a, "finance@a.example.jp", "city_finance_officer", 0);
  const int64_t finance_b = user(b, "finance@b.example.jp", "city_finance_officer", 0);
  const int64_t staff_e1 = user(a, "staff@e1.example.jp", "facility_staff", e1);

  // Guardians apply for the optional recorder for their own child only.
  const int64_t recorder = scalar("SELECT i.id FROM fee_plan_items i JOIN fee_plans p ON "
                                  "p.id = i.plan_id WHERE p.municipality_id = ? AND "
                                  "p.facility_id = ? AND i.optional = 1",
                                  {a, e1});
  auto applied = api(aoki.guardian, "POST", "/api/v1/fees/applications",
                     nlohmann::json{{"child_id", aoki.child}, {"item_id", recorder}}.dump());
  EXPECT_EQ(applied.status, 201) << applied.body;
  auto foreign = api(aoki.guardian, "POST", "/api/v1/fees/applications",
                     nlohmann::json{{"child_id", baba.child}, {"item_id", recorder}}.dump());
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(api(aoki.guardian, "POST", "/api/v1/fees/applications", "{\"child_id\":\"x\"}").code(),
            "request.invalid_field");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_applications"), 1);

  // Finance: bad input, then the billing run; only the billed payers' guardians get a notice.
  EXPECT_EQ(api(finance, "POST", "/api/v1/fees/runs", "{\"fiscal_year\":2026,\"instalment\":\"1\"}")
                .code(),
            "request.invalid_field");
  auto missing = api(finance, "POST", "/api/v1/fees/runs", "{\"fiscal_year\":2026,\"instalment\":12}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code(), "fees.instalment_not_found");
  EXPECT_EQ(api(aoki.guardian, "POST", "/api/v1/fees/runs", "{\"fiscal_year\":2026,\"instalment\":1}")
                .status,
            403);
  EXPECT_EQ(api(staff_e1, "GET", "/api/v1/fees/plans?fiscal_year=2026").status, 403);
  auto run = api(finance, "POST", "/api/v1/fees/runs", "{\"fiscal_year\":2026,\"instalment\":1}");
  ASSERT_EQ(run.status, 201) << run.body;
  EXPECT_EQ(run.json()["bills"], 2);
  EXPECT_EQ(inboxUsers("fees.statement"), (std::set<int64_t>{aoki.guardian, baba.guardian}));

  // Statements: each guardian sees their own household's bill, itemised (the recorder for Aoki).
  auto st = api(aoki.guardian, "GET", "/api/v1/fees/statements?fiscal_year=2026");
  ASSERT_EQ(st.status, 200) << st.body;
  ASSERT_EQ(st.json()["bills"].size(), 1u);
  EXPECT_EQ(st.json()["bills"][0]["amount"], 1500 + 90);
  auto st_b = api(baba.guardian, "GET", "/api/v1/fees/statements?fiscal_year=2026");
  ASSERT_EQ(st_b.json()["bills"].size(), 1u);
  EXPECT_EQ(st_b.json()["bills"][0]["amount"], 1500);
  EXPECT_TRUE(api(other.guardian, "GET", "/api/v1/fees/statements?fiscal_year=2026")
                  .json()["bills"]
                  .empty());
  EXPECT_EQ(api(aoki.guardian, "GET", "/api/v1/fees/statements?fiscal_year=x").code(),
            "fees.invalid_query");
  EXPECT_EQ(api(aoki.guardian, "GET", "/api/v1/fees/mandate").json()["status"], "active");
  EXPECT_EQ(api(baba.guardian, "GET", "/api/v1/fees/mandate").json()["status"], "none");
  EXPECT_EQ(api(finance, "GET", "/api/v1/fees/statements").status, 403);

  const int64_t aoki_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?",
                                   {aoki.household});
  const int64_t baba_bill = scalar("SELECT id FROM fee_bills WHERE household_id = ?",
                                   {baba.household});
  // Another family's bill is not found, whatever the payment service.
  auto pay_other = api(aoki.guardian, "POST",
                       "/api/v1/fees/bills/" + std::to_string(baba_bill) + "/online-payment",
                       "{\"method\":\"card\"}");
  EXPECT_EQ(pay_other.status, 404);
  EXPECT_EQ(pay_other.code(), "fees.bill_not_found");

  // Another city's officer cannot touch this city's bills or see its plans.
  auto cross = api(finance_b, "POST", "/api/v1/fees/bills/" + std::to_string(baba_bill) + "/payments",
                   "{\"amount\":1500,\"method\":\"slip\"}");
  EXPECT_EQ(cross.status, 404);
  EXPECT_EQ(cross.code(), "fees.bill_not_found");
  EXPECT_TRUE(api(finance_b, "GET", "/api/v1/fees/plans?fiscal_year=2026").json()["plans"].size() == 1u);
  // A slip payment for Baba, with bad amounts refused first; it shows in Baba's history.
  const std::string pay_uri = "/api/v1/fees/bills/" + std::to_string(baba_bill) + "/payments";
  EXPECT_EQ(api(finance, "POST", pay_uri, "{\"amount\":0,\"method\":\"slip\"}").code(),
            "fees.amount_invalid");
  EXPECT_EQ(api(finance, "POST", pay_uri, "{\"amount\":\"1500\"}").code(), "request.invalid_field");
  EXPECT_EQ(api(finance, "POST", pay_uri, "{\"amount\":1500,\"method\":\"slip\"}").status, 201);
  EXPECT_EQ(api(finance, "POST", pay_uri, "{\"amount\":1,\"method\":\"slip\"}").code(),
            "fees.bill_settled");
  auto paid = api(baba.guardian, "GET", "/api/v1/fees/statements?fiscal_year=2026").json();
  EXPECT_EQ(paid["bills"][0]["status"], "paid") << paid.dump();

  // School staff: their school's pupils only.
  auto school_page = web(staff_e1, "/web/fees/school?fiscal_year=2026");
  ASSERT_EQ(school_page.status, 200) << school_page.body;
  EXPECT_NE(school_page.body.find("青木"), std::string::npos);
  EXPECT_EQ(school_page.body.find("馬場"), std::string::npos);
  EXPECT_EQ(web(staff_e1, "/web/fees/arrears").status, 403);

  // The debit for Aoki fails (資金不足): Aoki's guardian is told, nobody else.
  const ExportResult exp = svc_->exportDebit(a, {2026, 1, "", true}).files.at(0);
  ASSERT_EQ(exp.records, 1);
  zengin::DebitFile result = zengin::readDebitFile(exp.bytes);
  result.records[0].result_code = 1;
  svc_->importResult(a, zengin::writeDebitFile(result, {}, true));
  EXPECT_EQ(inboxUsers("fees.debit_failed"), std::set<int64_t>{aoki.guardian});
  EXPECT_EQ(scalar("SELECT paid FROM fee_bills WHERE id = ?", {aoki_bill}), 0);

  // Arrears through the API: an instalment plan for Aoki, bad steps refused with the numbers.
  auto bad_plan = api(finance, "POST", "/api/v1/fees/arrear-plans",
                      nlohmann::json{{"household_id", aoki.household},
                                     {"bill_ids", {aoki_bill}},
                                     {"steps", {{{"due_date", "2026-06-10"}, {"amount", 100}}}}}
                          .dump());
  EXPECT_EQ(bad_plan.status, 422);
  EXPECT_EQ(bad_plan.json()["error"]["details"]["due"], 1590);
  auto plan = api(finance, "POST", "/api/v1/fees/arrear-plans",
                  nlohmann::json{{"household_id", aoki.household},
                                 {"bill_ids", {aoki_bill}},
                                 {"steps", {{{"due_date", "2026-06-10"}, {"amount", 800}},
                                            {{"due_date", "2026-07-10"}, {"amount", 790}}}}}
                      .dump());
  ASSERT_EQ(plan.status, 201) << plan.body;
  EXPECT_EQ(plan.json()["steps"].size(), 2u);
  const int64_t plan_id = plan.json()["id"];
  EXPECT_EQ(api(finance_b, "GET", "/api/v1/fees/arrear-plans/" + std::to_string(plan_id)).status,
            404);
  auto sched = api(finance, "PUT", "/api/v1/fees/reminder-schedule",
                   R"({"steps":[{"name":"督促","days_after_due":20,"push":true,"letter":true}]})");
  EXPECT_EQ(sched.status, 200) << sched.body;
  EXPECT_EQ(api(finance, "PUT", "/api/v1/fees/reminder-schedule", R"({"steps":[]})").code(),
            "fees.schedule_invalid");
}

// 委託者 through the API and the finance page: validation with the field named, the city's scope,
// the typed values kept on a refused form, audit rows, and a consignor named by a file kept (409).
TEST_P(FeesHttpTest, FinanceManagesConsignorsThroughTheApiAndThePage) {
  const int64_t a = city("349101");
  const int64_t b = city("349102");
  const int64_t e1 = school(a, "E01");
  standardYear(a, e1);
  const int64_t finance = user(a, "finance@a", "city_finance_officer", 0);
  const int64_t finance_b = user(b, "finance@b", "city_finance_officer", 0);
  const int64_t staff = user(a, "staff@a", "facility_staff", e1);
  const std::string branch = bankTable()->bank("1750")->branches.begin()->first;

  auto list = api(finance, "GET", "/api/v1/fees/consignors");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["consignors"].size(), 1u);
  EXPECT_EQ(list.json()["consignors"][0]["code"], "1234567890");
  EXPECT_EQ(list.json()["consignors"][0]["is_default"], true);
  EXPECT_EQ(api(staff, "GET", "/api/v1/fees/consignors").status, 403);

  nlohmann::json shinkin{{"code", "2345678901"}, {"name", "ヒロシマシンキン"},
                         {"bank_code", "1750"},   {"branch_code", branch},
                         {"account_type", 1},     {"account_number", "2345678"},
                         {"bank_codes", {"1750"}}};
  auto bad = shinkin;
  bad["code"] = "2345";
  auto refused = api(finance, "POST", "/api/v1/fees/consignors", bad.dump());
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.code(), "fees.consignor_invalid");
  EXPECT_EQ(refused.json()["error"]["details"]["field"], "code");
  bad = shinkin;
  bad["bank_codes"] = "1750";
  EXPECT_EQ(api(finance, "POST", "/api/v1/fees/consignors", bad.dump())
                .json()["error"]["details"]["field"],
            "bank_codes");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_consignors"), 1);

  auto created = api(finance, "POST", "/api/v1/fees/consignors", shinkin.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.json()["id"];
  EXPECT_EQ(created.json()["name"], "ﾋﾛｼﾏｼﾝｷﾝ");
  EXPECT_EQ(created.json()["bank_codes"], nlohmann::json({"1750"}));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.consignor_saved' AND "
                   "actor_user_id = ?",
                   {finance}),
            1);
  // Another city's officer sees none of it and cannot touch it.
  EXPECT_TRUE(api(finance_b, "GET", "/api/v1/fees/consignors").json()["consignors"].empty());
  const std::string uri = "/api/v1/fees/consignors/" + std::to_string(id);
  EXPECT_EQ(api(finance_b, "PUT", uri, shinkin.dump()).status, 404);
  EXPECT_EQ(api(finance_b, "DELETE", uri).status, 404);
  shinkin["name"] = "ひろしま しんきん";
  auto edited = api(finance, "PUT", uri, shinkin.dump());
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.json()["name"], "ﾋﾛｼﾏ ｼﾝｷﾝ");

  // The page: the list, a refused form with the values typed, an unused consignor deleted.
  auto s = identity_->createSession(finance, "test");
  auto post = [&](std::vector<std::pair<std::string, std::string>> fields) {
    fields.insert(fields.begin(), {"csrf_token", s.csrf_token});
    return httpRequest(server_->port(), "POST", "/web/fees/consignors",
                       sukusuku::testing::formEncode(fields),
                       {{"Cookie", "sukusuku_session=" + s.cookie},
                        {"Content-Type", "application/x-www-form-urlencoded"}});
  };
  auto page = web(finance, "/web/fees/consignors");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("ﾋﾛｼﾏ ｼﾝｷﾝ"), std::string::npos);
  EXPECT_NE(page.body.find("data-code=\"2345678901\""), std::string::npos);
  EXPECT_EQ(web(staff, "/web/fees/consignors").status, 403);
  auto edit = web(finance, "/web/fees/consignors?edit=" + std::to_string(id));
  ASSERT_EQ(edit.status, 200);
  EXPECT_NE(edit.body.find("委託者の変更"), std::string::npos);
  EXPECT_NE(edit.body.find("name=\"code\" value=\"2345678901\""), std::string::npos);
  EXPECT_NE(edit.body.find("name=\"bank_codes\" value=\"1750\""), std::string::npos);
  EXPECT_EQ(web(finance_b, "/web/fees/consignors?edit=" + std::to_string(id)).status, 404);
  auto typo = post({{"action", "save"}, {"id", "0"}, {"code", "3456789012"},
                    {"name", "スペア"}, {"bank_code", "0005"},
                    {"branch_code", bankTable()->bank("0005")->branches.begin()->first},
                    {"account_type", "1"}, {"account_number", "12x"},
                    {"bank_codes", "０００５"}});
  EXPECT_EQ(typo.status, 422);
  EXPECT_NE(typo.body.find("id=\"consignors-error\""), std::string::npos);
  EXPECT_NE(typo.body.find("value=\"12x\""), std::string::npos);
  EXPECT_NE(typo.body.find("value=\"スペア\""), std::string::npos);
  EXPECT_NE(typo.body.find("value=\"０００５\""), std::string::npos);
  EXPECT_NE(typo.body.find("name=\"account_number\" value=\"12x\" inputmode=\"numeric\" "
                           "size=\"8\" aria-invalid=\"true\""),
            std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_consignors WHERE municipality_id = ?", {a}), 2);
  auto saved = post({{"action", "save"}, {"id", "0"}, {"code", "3456789012"},
                     {"name", "スペア"}, {"bank_code", "0005"},
                     {"branch_code", bankTable()->bank("0005")->branches.begin()->first},
                     {"account_type", "1"}, {"account_number", "1234567"},
                     {"bank_codes", "０００５"}});
  EXPECT_EQ(saved.status, 303) << saved.body;
  const int64_t spare = scalar("SELECT id FROM fee_consignors WHERE code = '3456789012'");
  EXPECT_EQ(scalar("SELECT consignor_id FROM fee_consignor_banks WHERE bank_code = '0005'"), spare);
  EXPECT_EQ(post({{"action", "delete"}, {"id", std::to_string(spare)}}).status, 303);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_consignors WHERE municipality_id = ?", {a}), 2);

  // Once a file names the 信金's code it stays (409), on the API and on the page.
  const Family f = family(a, e1, klass(a, e1), "青木", "aoki@a");
  svc_->saveMandate(a, f.household, {"1750", branch, 1, "7000001", "", "", "アオキ"});
  svc_->bill(a, {2026, 1, false, 0});
  const DebitExport exp = svc_->exportDebit(a, {2026, 1, "", true});
  ASSERT_EQ(exp.files.size(), 1u);
  EXPECT_EQ(exp.files[0].consignor_code, "2345678901");
  auto in_use = api(finance, "DELETE", uri);
  EXPECT_EQ(in_use.status, 409);
  EXPECT_EQ(in_use.code(), "fees.consignor_in_use");
  auto kept = post({{"action", "delete"}, {"id", std::to_string(id)}});
  EXPECT_EQ(kept.status, 409);
  EXPECT_NE(kept.body.find("id=\"consignors-error\""), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_consignors WHERE id = ?", {id}), 1);
  // The finance page lists the file under its consignor.
  auto overview = web(finance, "/web/fees");
  EXPECT_NE(overview.body.find("<tr data-consignor=\"2345678901\">"), std::string::npos);
}

// Bank files on the web: finance writes the instalment's debit file, downloads it byte for
// byte, imports the bank's answer (one debited, one "no account") and reads the reconciliation
// report; a file whose trailer does not add up is refused line by line and changes nothing; the
// same answer again settles nothing twice; another city's finance cannot fetch the file and
// school staff cannot write one.
TEST_P(FeesHttpTest, FinanceExportsDownloadsAndReconcilesBankFilesOnTheWeb) {
  const int64_t a = city("349101");
  const int64_t b = city("349102");
  const int64_t e1 = school(a, "E01");
  const int64_t c1 = klass(a, e1);
  standardYear(a, e1);
  const Family aoki = family(a, e1, c1, "青木", "aoki@example.jp");
  const Family baba = family(a, e1, c1, "馬場", "baba@example.jp");
  svc_->saveMandate(a, aoki.household, {"0001", "001", 1, "1234567", "", "", "アオキ ハナコ"});
  svc_->saveMandate(a, baba.household, {"0001", "001", 1, "2345678", "", "", "ババ ハナコ"});
  const int64_t finance = user(a, "finance@a.example.jp", "city_finance_officer", 0);
  const int64_t finance_b = user(b, "finance@b.example.jp", "city_finance_officer", 0);
  const int64_t staff = user(a, "staff@e1.example.jp", "facility_staff", e1);
  svc_->bill(a, {2026, 1, false, 0});

  auto s = identity_->createSession(finance, "test");
  const std::map<std::string, std::string> cookie{{"Cookie", "sukusuku_session=" + s.cookie}};
  auto postForm = [&](const std::string& uri,
                      std::vector<std::pair<std::string, std::string>> fields) {
    fields.insert(fields.begin(), {"csrf_token", s.csrf_token});
    auto headers = cookie;
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    return httpRequest(server_->port(), "POST", uri, sukusuku::testing::formEncode(fields),
                       headers);
  };
  auto upload = [&](const std::string& bytes) {
    const std::string boundary = "----sukusukuFeesBoundary4fQ2";
    std::string body = "--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" +
                       s.csrf_token + "\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"file\"; "
                       "filename=\"kekka.txt\"\r\nContent-Type: text/plain\r\n\r\n" +
                       bytes + "\r\n--" + boundary + "--\r\n";
    auto headers = cookie;
    headers["Content-Type"] = "multipart/form-data; boundary=" + boundary;
    return httpRequest(server_->port(), "POST", "/web/fees/files/import", body, headers);
  };

  EXPECT_EQ(api(staff, "POST", "/api/v1/fees/debit-files",
                R"({"fiscal_year":2026,"instalment":1})")
                .status,
            403);
  Reply exported =
      postForm("/web/fees/files/export", {{"fiscal_year", "2026"}, {"instalment", "1"}});
  ASSERT_EQ(exported.status, 303) << exported.body;
  const int64_t file = scalar(
      "SELECT MAX(id) FROM fee_files WHERE municipality_id = ? AND kind = 'debit_request'", {a});
  ASSERT_GT(file, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.debit_file_exported' "
                   "AND actor_user_id = ?",
                   {finance}),
            1);
  EXPECT_NE(web(finance, "/web/fees").body.find("/web/fees/files/" + std::to_string(file)),
            std::string::npos);

  Reply download = web(finance, "/web/fees/files/" + std::to_string(file));
  ASSERT_EQ(download.status, 200);
  // Byte for byte what was stored (the plugin keeps files in the blob store, by SHA-256).
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(download.body);
  auto digest = sys_->rt->database().acquire()->queryOne(
      "SELECT sha256 FROM fee_files WHERE id = ?", {file});
  ASSERT_TRUE(digest);
  EXPECT_EQ(Poco::DigestEngine::digestToHex(sha.digest()), digest->getText("sha256"));
  EXPECT_NE(download.header("Content-Disposition").find("zengin91-1234567890-20260427.txt"),
            std::string::npos);
  zengin::DebitFile answer = zengin::readDebitFile(download.body);
  ASSERT_EQ(answer.records.size(), 2u);
  EXPECT_EQ(web(finance_b, "/web/fees/files/" + std::to_string(file)).status, 404);
  EXPECT_EQ(api(finance_b, "GET", "/api/v1/fees/files/" + std::to_string(file)).status, 404);

  // The bank: the first debited, the second "no such account".
  answer.records[0].result_code = 0;
  answer.records[1].result_code = zengin::kNoAccount;
  const std::string result = zengin::writeDebitFile(answer, {}, /*as_result=*/true);
  std::string broken = result;
  broken.replace(3 * 122 + 7, 12, "000000000001");  // the trailer's total
  Reply refused = upload(broken);
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.body.find("取り込めませんでした"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("トレーラーの件数・金額が明細と合いません"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'receipt'"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_files WHERE kind = 'debit_result'"), 0);

  Reply report = upload(result);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NE(report.body.find("id=\"fees-recon-debited\">1<"), std::string::npos) << report.body;
  EXPECT_NE(report.body.find("取引なし（口座なし）"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'receipt'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.result_file_imported'"),
            1);
  // The same answer through the API: nothing is settled twice.
  Reply again = httpRequest(server_->port(), "POST", "/api/v1/fees/result-files", result,
                            {{"Authorization", "Bearer " + token(finance)},
                             {"Content-Type", "text/plain"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["debited"], 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal WHERE kind = 'receipt'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesHttpTest,
                         ::testing::ValuesIn(::sukusuku::testing::testBackends()),
                         ::sukusuku::testing::backendName);

}  // namespace
}  // namespace sukusuku::fees::testing
