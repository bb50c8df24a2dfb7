// The plan editing pages over real HTTP with real web sessions (cookie + CSRF), on every backend:
// a school's staff create their grade's plan, a plan over the city's cap comes back as the form
// with the numbers and the values typed (nothing saved), typos and bad items likewise, a saved
// plan is audited with the user, a finance officer's change after billing is not a silent edit
// (the next run adds an adjustment entry), and scope holds: another school, a nursery, another
// city's officer: 404; guardians: 403; no CSRF token: 403.
#include <gtest/gtest.h>

#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>
#include <sukusuku/identity/password.h>

#include "../../core/http_client.h"
#include "fees_fixture.h"
#include "fees_server_fixture.h"
#include "sukusuku/fees/billing.h"

namespace sukusuku::fees::testing {
namespace {

using sukusuku::testing::httpRequest;
using sukusuku::testing::Reply;

bool has(const std::string& body, const std::string& text) {
  return body.find(text) != std::string::npos;
}

class FeesPlanPagesTest : public FeesServerTest {
 protected:
  void SetUp() override {
    FeesServerTest::SetUp();
    if (HasFatalFailure()) return;
    svc_ = std::make_unique<FeesService>(sys_->rt->database(), *clock_, bankTable(),
                                         &sys_->rt->audit());
  }

  int64_t user(int64_t m, const std::string& login, const std::string& role, int64_t facility) {
    return sukusuku::testing::insertUser(sys_->rt->database(), m, login, role, facility);
  }
  int64_t facility(int64_t m, const std::string& kind, const std::string& code,
                   const std::string& name) {
    return insert(
        "INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, "
        "phone, capacity, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, "
        "'ガッコウ', '', '', 600, '08:00', '17:00', '2026-04-01T00:00:00Z')",
        {m, kind, code, name});
  }
  int64_t pupil(int64_t m, int64_t f) {
    const std::string t = "2026-04-01T00:00:00Z";
    const int64_t klass = insert(
        "INSERT INTO classes (municipality_id, facility_id, fiscal_year, "
        "name, grade, room) VALUES (?, ?, 2026, '3年1組', 3, '')",
        {m, f});
    const int64_t household = insert(
        "INSERT INTO households (municipality_id, name, postal_code, "
        "address, phone, created_at, updated_at) VALUES (?, '青木家', "
        "'', '', '', ?, ?)",
        {m, t, t});
    const int64_t child = insert(
        "INSERT INTO children (municipality_id, household_id, family_name, "
        "given_name, family_name_kana, given_name_kana, birth_date, sex, "
        "created_at) VALUES (?, ?, '青木', '太郎', 'アオキ', 'タロウ', "
        "'2017-05-05', 'male', ?)",
        {m, household, t});
    insert(
        "INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, starts_on) "
        "VALUES (?, ?, ?, ?, '2026-04-01')",
        {m, child, f, klass});
    return child;
  }

  struct Session {
    std::string cookie;
    std::string csrf;
  };
  Session session(int64_t user_id) {
    auto s = identity_->createSession(user_id, "test");
    return {s.cookie, s.csrf_token};
  }
  Reply get(const Session& s, const std::string& uri) {
    return httpRequest(server_->port(), "GET", uri, "",
                       {{"Cookie", "sukusuku_session=" + s.cookie}});
  }
  // Posts the plan form: FIELDS plus the token (unless WITH_CSRF is false).
  Reply post(const Session& s, const std::string& uri,
             std::vector<std::pair<std::string, std::string>> fields, bool with_csrf = true) {
    if (with_csrf) fields.insert(fields.begin(), {"csrf_token", s.csrf});
    return httpRequest(server_->port(), "POST", uri, sukusuku::testing::formEncode(fields),
                       {{"Cookie", "sukusuku_session=" + s.cookie},
                        {"Content-Type", "application/x-www-form-urlencoded"}});
  }
  // A plan form of ROWS {id, term, name, price, qty, optional}.
  static std::vector<std::pair<std::string, std::string>> planForm(
      const std::string& name, const std::vector<std::vector<std::string>>& rows,
      const std::string& action = "save") {
    std::vector<std::pair<std::string, std::string>> f = {{"fiscal_year", "2026"},
                                                          {"plan_name", name},
                                                          {"rows", std::to_string(rows.size())},
                                                          {"action", action}};
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string k = std::to_string(i);
      f.push_back({"id_" + k, rows[i][0]});
      f.push_back({"term_" + k, rows[i][1]});
      f.push_back({"name_" + k, rows[i][2]});
      f.push_back({"price_" + k, rows[i][3]});
      f.push_back({"qty_" + k, rows[i][4]});
      if (rows[i][5] == "1") f.push_back({"optional_" + k, "1"});
      if (rows[i].size() > 6 && rows[i][6] == "1") f.push_back({"remove_" + k, "1"});
    }
    return f;
  }
};

TEST_P(FeesPlanPagesTest, StaffAndFinanceEditPlansWithinTheCapAndTheirScope) {
  const int64_t a = city("349201");
  const int64_t b = city("349202");
  const int64_t e1 = facility(a, "elementary", "E01", "中央小学校");
  const int64_t e2 = facility(a, "elementary", "E02", "東小学校");
  const int64_t n1 = facility(a, "nursery", "N01", "ひまわり保育所");
  const int64_t x1 = facility(b, "elementary", "X01", "隣町小学校");
  const int64_t child = pupil(a, e1);
  svc_->saveSettings(a, {"1234567890", "スクスクシ", "0001", "001", 1, "7654321", 5});
  std::vector<Instalment> schedule;
  for (int i = 0; i < 10; ++i) schedule.push_back({i + 1, i, fiscalMonth(2026, i) + "-27"});
  svc_->setInstalments(a, 2026, schedule);
  svc_->setCap(a, 2026, 3, 20000);
  const Session staff = session(user(a, "staff@e1", "facility_staff", e1));
  const int64_t staff_id = scalar("SELECT id FROM users WHERE login = 'staff@e1'");
  const Session finance = session(user(a, "finance@a", "city_finance_officer", 0));
  const Session finance_b = session(user(b, "finance@b", "city_finance_officer", 0));
  const Session guardian = session(user(a, "guardian@a", "guardian", 0));
  const std::string e1_form = "/web/fees/plan-edit/" + std::to_string(e1) + "/3";

  // The list: staff see their own school's grades only.
  Reply list = get(staff, "/web/fees/plan-edit?fiscal_year=2026");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(has(list.body, "中央小学校"));
  EXPECT_FALSE(has(list.body, "東小学校"));
  EXPECT_TRUE(has(list.body, e1_form + "?fiscal_year=2026"));

  // A new plan's form shows the cap and the schedule.
  Reply blank = get(staff, e1_form + "?fiscal_year=2026");
  ASSERT_EQ(blank.status, 200) << blank.body;
  EXPECT_TRUE(has(blank.body, "id=\"cap\">20000<"));
  EXPECT_TRUE(has(blank.body, "id=\"plan-schedule\""));
  EXPECT_TRUE(has(blank.body, fiscalMonth(2026, 9) + "-27"));

  // Over the cap: the form again, with the numbers and what was typed; nothing saved.
  const std::vector<std::vector<std::string>> over = {{"", "0", "ドリル", "1000", "12", "0"},
                                                      {"", "1", "修学旅行バス", "9000", "1", "0"}};
  Reply refused = post(staff, e1_form, planForm("3年 計画", over));
  EXPECT_EQ(refused.status, 422);
  EXPECT_TRUE(has(refused.body, "合計 21000 円、上限 20000 円、超過 1000 円")) << refused.body;
  EXPECT_TRUE(has(refused.body, "value=\"修学旅行バス\""));
  EXPECT_TRUE(has(refused.body, "name=\"price_1\" value=\"9000\""));
  EXPECT_TRUE(has(refused.body, "<option value=\"1\" selected>"));
  EXPECT_TRUE(has(refused.body, "id=\"total-all\">21000<"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plans"), 0);

  // A typo, then an item the service refuses (quantity 0): the form with the row marked.
  Reply typo = post(staff, e1_form, planForm("3年 計画", {{"", "0", "ドリル", "千円", "12", "0"}}));
  EXPECT_EQ(typo.status, 422);
  EXPECT_TRUE(has(typo.body, "単価と数量は数字で入力してください"));
  EXPECT_TRUE(has(typo.body, "value=\"千円\""));
  Reply zero = post(staff, e1_form,
                    planForm("3年 計画", {{"", "0", "ドリル", "1000", "12", "0"},
                                          {"", "0", "テスト", "180", "0", "0"}}));
  EXPECT_EQ(zero.status, 422);
  EXPECT_TRUE(has(zero.body, "2番目の品目")) << zero.body;
  EXPECT_TRUE(has(zero.body, "class=\"item invalid\" data-row=\"1\""));
  Reply empty = post(staff, e1_form, planForm("3年 計画", {{"", "0", "", "", "", "0"}}));
  EXPECT_EQ(empty.status, 422);
  EXPECT_TRUE(has(empty.body, "品目を1つ以上"));
  // Adding a row saves nothing and keeps what was typed.
  Reply added = post(staff, e1_form, planForm("3年 計画", over, "add_row"));
  EXPECT_EQ(added.status, 200);
  EXPECT_TRUE(has(added.body, "name=\"rows\" value=\"3\""));
  EXPECT_TRUE(has(added.body, "value=\"修学旅行バス\""));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plans"), 0);

  // Saved (full-width digits and separators as typed on a tablet), audited with the user.
  Reply saved = post(staff, e1_form,
                     planForm("3年 計画", {{"", "0", "ドリル", "１，０００", "１２", "0"},
                                           {"", "1", "校外学習", "3000", "1", "0"},
                                           {"", "0", "リコーダー", "900", "1", "1"},
                                           {"", "0", "", "", "", "0"}}));
  ASSERT_EQ(saved.status, 303) << saved.body;
  EXPECT_EQ(saved.header("Location"), e1_form + "?fiscal_year=2026&saved=1");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plan_items"), 3);
  EXPECT_EQ(scalar("SELECT unit_price * quantity FROM fee_plan_items WHERE name = 'ドリル'"),
            12000);
  EXPECT_EQ(scalar("SELECT optional FROM fee_plan_items WHERE name = 'リコーダー'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.plan_saved' AND "
                   "actor_user_id = ? AND municipality_id = ?",
                   {staff_id, a}),
            1);
  Reply shown = get(staff, e1_form + "?fiscal_year=2026&saved=1");
  EXPECT_TRUE(has(shown.body, "id=\"plan-saved\""));
  EXPECT_TRUE(has(shown.body, "id=\"total-all\">15900<"));
  EXPECT_TRUE(has(shown.body, "id=\"total-required\">15000<"));
  EXPECT_FALSE(has(shown.body, "id=\"plan-billed\""));

  // Scope: another school, a nursery, a grade the school does not have, another city: 404;
  // guardians 403; a post without the token 403; none of it changes the plan.
  EXPECT_EQ(get(staff, "/web/fees/plan-edit/" + std::to_string(e2) + "/3").status, 404);
  EXPECT_EQ(post(staff, "/web/fees/plan-edit/" + std::to_string(e2) + "/3",
                 planForm("x", {{"", "0", "x", "1", "1", "0"}}))
                .status,
            404);
  EXPECT_EQ(get(finance, "/web/fees/plan-edit/" + std::to_string(n1) + "/3").status, 404);
  EXPECT_EQ(get(finance, "/web/fees/plan-edit/" + std::to_string(e1) + "/8").status, 404);
  EXPECT_EQ(get(finance_b, e1_form).status, 404);
  EXPECT_EQ(post(finance_b, e1_form, planForm("x", {{"", "0", "x", "1", "1", "0"}})).status, 404);
  EXPECT_EQ(get(finance_b, "/web/fees/plan-edit/" + std::to_string(x1) + "/3").status, 200);
  EXPECT_EQ(get(guardian, e1_form).status, 403);
  EXPECT_EQ(post(staff, e1_form, planForm("x", {{"", "0", "x", "1", "1", "0"}}), false).status,
            403);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plan_items"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_plans WHERE municipality_id = ?", {b}), 0);

  // The year's settings (finance only): caps per grade and the schedule, refused input changes
  // nothing; a cap below a school's plan is flagged on the page.
  const std::string year = "/web/fees/year-settings";
  EXPECT_EQ(get(staff, year).status, 403);
  Reply settings = get(finance, year + "?fiscal_year=2026");
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_TRUE(has(settings.body, "name=\"cap_3\" value=\"20000\""));
  EXPECT_TRUE(has(settings.body, "name=\"date_9\" value=\"" + fiscalMonth(2026, 9) + "-27\""));
  Reply capTypo =
      post(finance, year,
           {{"fiscal_year", "2026"}, {"action", "caps"}, {"cap_3", "１万"}, {"cap_4", "25000"}});
  EXPECT_EQ(capTypo.status, 422);
  EXPECT_TRUE(has(capTypo.body, "3年：上限額は数字で入力してください")) << capTypo.body;
  EXPECT_TRUE(has(capTypo.body, "value=\"１万\""));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_caps"), 1);
  Reply lowered = post(
      finance, year,
      {{"fiscal_year", "2026"}, {"action", "caps"}, {"cap_3", "１５，０００"}, {"cap_4", "25000"}});
  ASSERT_EQ(lowered.status, 303) << lowered.body;
  EXPECT_EQ(scalar("SELECT cap_yen FROM fee_caps WHERE grade = 3"), 15000);
  EXPECT_EQ(scalar("SELECT cap_yen FROM fee_caps WHERE grade = 4"), 25000);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.caps_saved'"), 1);
  EXPECT_TRUE(has(get(finance, year + "?fiscal_year=2026").body, "上限超過"))
      << "the 15,900 yen plan is over the new cap";
  // 上限なし: a ticked grade loses its cap, whatever was typed beside it; the audit row says so.
  ASSERT_EQ(post(finance, year,
                 {{"fiscal_year", "2026"}, {"action", "caps"}, {"cap_3", "100"},
                  {"remove_cap_3", "1"}, {"remove_cap_4", "1"}})
                .status,
            303);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_caps WHERE municipality_id = ?", {a}), 0);
  EXPECT_TRUE(has(get(finance, year + "?fiscal_year=2026").body, "name=\"cap_3\" value=\"\""));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'fees.caps_saved' AND "
                   "details LIKE '%\"removed\":[3,4]%'"),
            1);
  EXPECT_THROW(svc_->setCaps(a, 2026, {{3, 100}}, {}, {3}), Error);  // set and removed: refused
  ASSERT_EQ(
      post(finance, year, {{"fiscal_year", "2026"}, {"action", "caps"}, {"cap_3", "20000"}}).status,
      303);
  Reply badSchedule = post(finance, year,
                           {{"fiscal_year", "2026"},
                            {"action", "schedule"},
                            {"month_0", "3"},
                            {"date_0", "2026-07-27"},
                            {"month_1", "2"},
                            {"date_1", "2026-06-27"}});
  EXPECT_EQ(badSchedule.status, 422);
  EXPECT_TRUE(has(badSchedule.body, "2期目")) << badSchedule.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_instalments WHERE municipality_id = ?", {a}), 10);
  Reply otherCity =
      post(finance_b, year, {{"fiscal_year", "2026"}, {"action", "caps"}, {"cap_3", "1"}});
  EXPECT_EQ(otherCity.status, 303);
  EXPECT_EQ(scalar("SELECT cap_yen FROM fee_caps WHERE municipality_id = ? AND grade = 3", {a}),
            20000);

  // Billed, then changed by a finance officer: nothing billed is rewritten; the next run
  // adjusts (drill 12 → 14: instalment 1 of 10 goes from 1,200 to 1,400 for the drill).
  const RunSummary first = svc_->bill(a, {2026, 1, false, 0});
  ASSERT_EQ(first.charged, 1200 + 300);
  const int64_t entries = scalar("SELECT COUNT(*) FROM fee_journal");
  const int64_t drill = scalar("SELECT id FROM fee_plan_items WHERE name = 'ドリル'");
  const int64_t trip = scalar("SELECT id FROM fee_plan_items WHERE name = '校外学習'");
  const int64_t recorder = scalar("SELECT id FROM fee_plan_items WHERE name = 'リコーダー'");
  Reply billed = get(finance, e1_form + "?fiscal_year=2026");
  EXPECT_TRUE(has(billed.body, "id=\"plan-billed\""));
  Reply changed =
      post(finance, e1_form,
           planForm("3年 計画（変更）",
                    {{std::to_string(drill), "0", "ドリル", "1000", "14", "0"},
                     {std::to_string(trip), "1", "校外学習", "3000", "1", "0"},
                     {std::to_string(recorder), "0", "リコーダー", "900", "1", "1", "1"}}));
  ASSERT_EQ(changed.status, 303) << changed.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_journal"), entries) << "no silent edit";
  EXPECT_EQ(scalar("SELECT version FROM fee_plans"), 2);
  EXPECT_EQ(scalar("SELECT unit_price FROM fee_plan_items WHERE id = ?", {recorder}), 0)
      << "a removed item stays, at 0 yen";
  // The schedule of a billed year no longer changes: the form says so.
  Reply locked = post(finance, year,
                      {{"fiscal_year", "2026"},
                       {"action", "schedule"},
                       {"month_0", "0"},
                       {"date_0", "2026-04-30"}});
  EXPECT_EQ(locked.status, 409);
  EXPECT_TRUE(has(locked.body, "すでに調定済みのため"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM fee_instalments WHERE municipality_id = ?", {a}), 10);
  const RunSummary again = svc_->bill(a, {2026, 1, false, 0});
  EXPECT_GE(again.adjustments, 1);
  EXPECT_EQ(scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'adjustment' AND "
                   "child_id = ?",
                   {child}),
            200);
  EXPECT_EQ(
      scalar("SELECT SUM(amount) FROM fee_journal WHERE kind = 'charge' AND child_id = ?", {child}),
      1500);
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesPlanPagesTest,
                         ::testing::ValuesIn(::sukusuku::testing::testBackends()),
                         ::sukusuku::testing::backendName);

}  // namespace
}  // namespace sukusuku::fees::testing
