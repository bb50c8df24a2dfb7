// The admin pages over real HTTP on the demo municipality, on every backend: the role × route-class
// matrix, the attacks across families, facilities and cities, the pages' forms (CSRF, validation
// errors on the form, flash messages) and the audit trail.
#include <regex>

#include "admin_fixture.h"

namespace sukusuku::testing {
namespace {

class AdminPagesTest : public AdminTest {};

std::string id(int64_t v) { return std::to_string(v); }

// Each role against representative routes of each route class. Expected statuses: 200 allowed,
// 403 the role lacks the permission, 404 out of the role's scope, 303 (web) / 401 (API) without a
// sign-in, 422 allowed but the (empty) form is invalid.
TEST_P(AdminPagesTest, RoleByRouteClassMatrix) {
  struct Route {
    const char* klass;
    std::string method, path;
    bool api;
  };
  const std::vector<Route> routes = {
      {"public", "GET", "/web/login", false},
      {"public", "GET", "/api/v1/openapi.json", true},
      {"authenticated API", "GET", "/api/v1/me", true},
      {"guardian-own data", "GET", "/api/v1/children/" + id(own_child_), true},
      {"facility pages", "GET", "/web/admin/children", false},
      {"facility pages", "GET", "/web/admin/facilities/" + id(himawari_), false},
      {"facility pages", "GET", "/web/admin/children/" + id(other_himawari_child_), false},
      {"facility pages", "GET", "/web/admin/staff", false},
      {"facility pages", "POST", "/web/admin/classes", false},
      {"city pages", "GET", "/web/admin/facilities/" + id(sakura_), false},
      {"city pages", "GET", "/web/admin/households/new", false},
      {"city pages", "GET", "/web/admin/import", false},
      {"city pages", "GET", "/web/admin/audit", false},
      {"operator", "GET", "/web/admin/system", false},
  };
  const std::vector<std::string> who = {"",         kGuardian, kStaff,     kHead,
                                        kChildcare, kFinance,  kMuniAdmin, kOperator};
  // Rows follow `routes`, columns follow `who`.
  const std::vector<std::vector<int>> expected = {
      //  anon guard staff head  city  fin  admin  op
      {200, 200, 200, 200, 200, 200, 200, 200},  // /web/login
      {200, 200, 200, 200, 200, 200, 200, 200},  // openapi.json
      {401, 200, 200, 200, 200, 200, 200, 200},  // /api/v1/me
      {401, 200, 200, 200, 200, 200, 200, 404},  // own child (API)
      {303, 403, 200, 200, 200, 200, 200, 403},  // children list
      {303, 403, 200, 200, 200, 200, 200, 403},  // own facility
      {303, 403, 200, 200, 200, 200, 200, 403},  // a child of the facility
      {303, 403, 403, 200, 200, 403, 200, 403},  // staff list
      {303, 403, 403, 422, 422, 403, 422, 403},  // create class (empty form)
      {303, 403, 404, 404, 200, 200, 200, 403},  // another facility of the city
      {303, 403, 403, 403, 200, 403, 200, 403},  // new household (city only)
      {303, 403, 403, 403, 200, 403, 200, 403},  // import
      {303, 403, 403, 403, 403, 403, 200, 403},  // audit log
      {303, 403, 403, 403, 403, 403, 403, 200},  // operator page
  };
  for (size_t i = 0; i < routes.size(); ++i) {
    for (size_t j = 0; j < who.size(); ++j) {
      const auto& r = routes[i];
      Reply reply;
      if (r.api) {
        reply = apiGet(who[j], r.path);
      } else if (r.method == "GET") {
        reply = webGet(who[j], r.path);
      } else {
        reply = webPost(who[j], r.path, {});
      }
      EXPECT_EQ(reply.status, expected[i][j])
          << r.klass << ": " << r.method << " " << r.path << " as "
          << (who[j].empty() ? "anonymous" : who[j]);
    }
  }
}

TEST_P(AdminPagesTest, NoFamilyFacilityOrCitySeesAnothersData) {
  // A guardian asking for another family's child, by id, through the API.
  EXPECT_EQ(apiGet(kGuardian, "/api/v1/children/" + id(own_child_)).status, 200);
  auto other = apiGet(kGuardian, "/api/v1/children/" + id(other_himawari_child_));
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.code(), "tenancy.child_not_found");
  EXPECT_EQ(apiGet(kGuardian, "/api/v1/children/" + id(tonari_child_)).status, 404);
  EXPECT_EQ(apiGet(kGuardian, "/api/v1/children/99999999").status, 404);

  // Staff of facility A (ひまわり) asking for facility B (さくら), on every admin page.
  for (const std::string& path :
       {"/web/admin/children/" + id(sakura_child_),
        "/web/admin/households/" + id(householdOf(sakura_child_)),
        "/web/admin/facilities/" + id(sakura_), "/web/admin/classes?facility_id=" + id(sakura_),
        "/web/admin/children?facility_id=" + id(sakura_),
        "/web/admin/staff?facility_id=" + id(sakura_)}) {
    EXPECT_EQ(webGet(kHead, path).status, 404) << path;
  }
  EXPECT_EQ(webGet(kStaff, "/web/admin/children/" + id(sakura_child_)).status, 404);
  EXPECT_EQ(apiGet(kStaff, "/api/v1/children/" + id(sakura_child_)).status, 404);
  // Writes are refused the same way and change nothing.
  int64_t enrolments = scalar("SELECT COUNT(*) FROM enrolments");
  EXPECT_EQ(webPost(kHead, "/web/admin/children/" + id(sakura_child_) + "/enrolments/end",
                    {{"ends_on", today_}, {"end_reason", "withdrawal"}})
                .status,
            404);
  EXPECT_EQ(webPost(kHead, "/web/admin/households/" + id(householdOf(sakura_child_)) + "/consents",
                    {{"kind", "photo_sales"}})
                .status,
            404);
  auto invite = webPost(kStaff, "/web/admin/invitations",
                        {{"household_id", id(householdOf(sakura_child_))}});
  EXPECT_EQ(invite.status, 422);
  EXPECT_NE(invite.body.find("field-error"), std::string::npos);
  auto klass = webPost(kHead, "/web/admin/classes",
                       {{"facility_id", id(sakura_)}, {"fiscal_year", fiscalYear()},
                        {"name", "よそ組"}});
  EXPECT_EQ(klass.status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM classes WHERE name = 'よそ組'"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM enrolments"), enrolments);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM invitations"), 0);
  // Lists show only the facility's own children.
  auto list = webGet(kStaff, "/web/admin/children");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("/web/admin/children/" + id(other_himawari_child_) + "\""),
            std::string::npos);
  EXPECT_EQ(list.body.find("/web/admin/children/" + id(sakura_child_) + "\""), std::string::npos);
  EXPECT_EQ(list.body.find("さくら保育所"), std::string::npos);

  // A city officer of すくすく市 asking for となり町, and the other way round.
  for (const std::string& path :
       {"/web/admin/children/" + id(tonari_child_),
        "/web/admin/households/" + id(householdOf(tonari_child_)),
        "/web/admin/facilities/" + id(tonari_)}) {
    EXPECT_EQ(webGet(kChildcare, path).status, 404) << path;
    EXPECT_EQ(webGet(kMuniAdmin, path).status, 404) << path;
  }
  EXPECT_EQ(apiGet(kChildcare, "/api/v1/children/" + id(tonari_child_)).status, 404);
  EXPECT_EQ(webGet(kTonariCity, "/web/admin/children/" + id(own_child_)).status, 404);
  EXPECT_EQ(webGet(kTonariCity, "/web/admin/children/" + id(tonari_child_)).status, 200);
  auto city_list = webGet(kChildcare, "/web/admin/facilities");
  EXPECT_EQ(city_list.body.find("となり保育所"), std::string::npos);
  EXPECT_NE(city_list.body.find("さくら保育所"), std::string::npos);
  auto town_staff = webGet(kTonariCity, "/web/admin/staff");
  EXPECT_EQ(town_staff.body.find(">N01-1<"), std::string::npos);
  EXPECT_NE(town_staff.body.find(">TN01-1<"), std::string::npos);
}

TEST_P(AdminPagesTest, FormsNeedCsrfShowErrorsOnTheFormAndFlashOnSuccess) {
  // No CSRF token: refused before anything happens.
  auto forged = webPost(kHead, "/web/admin/classes",
                        {{"facility_id", id(himawari_)}, {"fiscal_year", fiscalYear()},
                         {"name", "ほし組"}},
                        /*with_csrf=*/false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_NE(forged.body.find("auth.csrf_failed"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM classes WHERE name = 'ほし組'"), 0);

  // Invalid: the form comes back with the values kept and the errors beside the fields.
  auto bad = webPost(kHead, "/web/admin/classes",
                     {{"facility_id", id(himawari_)}, {"fiscal_year", "20x6"},
                      {"name", "ほし組"}, {"age_group", "7"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(bad.body.find("value=\"ほし組\""), std::string::npos);
  EXPECT_NE(bad.body.find("data-field=\"fiscal_year\""), std::string::npos);
  std::regex invalid_field("class=\"field invalid\" data-field=\"(fiscal_year|age_group)\"");
  EXPECT_EQ(std::distance(std::sregex_iterator(bad.body.begin(), bad.body.end(), invalid_field),
                          std::sregex_iterator()),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM classes WHERE name = 'ほし組'"), 0);

  // Valid: a redirect, then the flash once on the next page.
  auto ok = webPost(kHead, "/web/admin/classes",
                    {{"facility_id", id(himawari_)}, {"fiscal_year", fiscalYear()},
                     {"name", "ほし組"}, {"age_group", "3"}, {"room", "2階"}});
  ASSERT_EQ(ok.status, 303) << ok.body;
  auto next = webGet(kHead, ok.header("Location"));
  EXPECT_EQ(next.status, 200);
  EXPECT_NE(next.body.find("class=\"flash flash-success\""), std::string::npos);
  EXPECT_NE(next.body.find("クラス「ほし組」を作成しました。"), std::string::npos);
  EXPECT_NE(next.body.find("ほし組"), std::string::npos);
  EXPECT_EQ(webGet(kHead, ok.header("Location")).body.find("flash-success"), std::string::npos);
  // A duplicate name in the same year is an error on the name field.
  auto dup = webPost(kHead, "/web/admin/classes",
                     {{"facility_id", id(himawari_)}, {"fiscal_year", fiscalYear()},
                      {"name", "ほし組"}});
  EXPECT_EQ(dup.status, 422);
  EXPECT_NE(dup.body.find("class=\"field invalid\" data-field=\"name\""), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM classes WHERE name = 'ほし組'"), 1);

  // The city registers a facility; its code must be unique in the city.
  auto fac = webPost(kChildcare, "/web/admin/facilities",
                     {{"kind", "kindergarten"}, {"code", "K01"}, {"name", "すくすく幼稚園"},
                      {"name_kana", "スクスクヨウチエン"}, {"capacity", "120"},
                      {"opens_at", "08:30"}, {"closes_at", "14:00"}});
  ASSERT_EQ(fac.status, 303) << fac.body;
  auto again = webPost(kChildcare, "/web/admin/facilities",
                       {{"kind", "kindergarten"}, {"code", "K01"}, {"name", "x"},
                        {"name_kana", "x"}, {"capacity", "1"}, {"opens_at", "09:00"},
                        {"closes_at", "10:00"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_NE(again.body.find("class=\"field invalid\" data-field=\"code\""), std::string::npos);
  auto hours = webPost(kChildcare, "/web/admin/facilities",
                       {{"kind", "kindergarten"}, {"code", "K02"}, {"name", "x"},
                        {"name_kana", "x"}, {"capacity", "1"}, {"opens_at", "09:00"},
                        {"closes_at", "08:00"}});
  EXPECT_EQ(hours.status, 422);
  EXPECT_NE(hours.body.find("閉所時刻は開所時刻より後にしてください。"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM facilities WHERE code IN ('K01', 'K02')"), 1);

  // A household: consent history is kept, newest in force; a guardian and a pick-up person.
  std::string hh = "/web/admin/households/" + id(own_household_);
  EXPECT_EQ(webPost(kStaff, hh + "/consents", {{"kind", "data_sharing"}, {"granted", "1"}}).status,
            303);
  EXPECT_EQ(webPost(kStaff, hh + "/consents", {{"kind", "data_sharing"}}).status, 303);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consents WHERE household_id = ? AND kind = "
                   "'data_sharing'",
                   {own_household_}),
            2);
  EXPECT_EQ(scalar("SELECT granted FROM consents WHERE household_id = ? AND kind = "
                   "'data_sharing' ORDER BY id DESC LIMIT 1",
                   {own_household_}),
            0);
  EXPECT_EQ(webPost(kStaff, hh + "/pickups",
                    {{"name", "山田 花子"}, {"relationship", "おば"}, {"phone", "090-1"}})
                .status,
            303);
  auto bad_guardian = webPost(kStaff, hh + "/guardians",
                              {{"family_name", "山田"}, {"relationship", "uncle"},
                               {"email", "not-an-address"}});
  EXPECT_EQ(bad_guardian.status, 422);
  EXPECT_NE(bad_guardian.body.find("class=\"field invalid\" data-field=\"given_name\""),
            std::string::npos);
  EXPECT_NE(bad_guardian.body.find("class=\"field invalid\" data-field=\"email\""),
            std::string::npos);
  auto page = webGet(kStaff, hh);
  EXPECT_NE(page.body.find("山田 花子"), std::string::npos);
  EXPECT_NE(page.body.find("データ連携"), std::string::npos);

  // A transfer ends the current enrolment the day before and keeps the history.
  std::string child = "/web/admin/children/" + id(other_himawari_child_);
  auto move = webPost(kChildcare, child + "/enrolments",
                      {{"facility_id", id(sakura_)}, {"starts_on", "2099-04-01"},
                       {"certified_hours", "short"}});
  ASSERT_EQ(move.status, 303) << move.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM enrolments WHERE child_id = ?", {other_himawari_child_}),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM enrolments WHERE child_id = ? AND ends_on = "
                   "'2099-03-31' AND end_reason = 'transfer_out'",
                   {other_himawari_child_}),
            1);
  auto record = webGet(kChildcare, child);
  EXPECT_NE(record.body.find("保育短時間"), std::string::npos);
  EXPECT_NE(record.body.find("転出"), std::string::npos);
}

TEST_P(AdminPagesTest, StaffReadsExportsAndRoleChangesAreAudited) {
  int64_t staff = userId(kStaff);
  EXPECT_EQ(webGet(kStaff, "/web/admin/children/" + id(own_child_)).status, 200);
  EXPECT_EQ(apiGet(kStaff, "/api/v1/children/" + id(own_child_)).status, 200);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'child.read' AND "
                   "actor_user_id = ? AND target_id = ?",
                   {staff, id(own_child_)}),
            2);
  // A guardian reading their own child is not a staff read.
  EXPECT_EQ(apiGet(kGuardian, "/api/v1/children/" + id(own_child_)).status, 200);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'child.read' AND "
                   "actor_user_id = ?",
                   {userId(kGuardian)}),
            0);
  // Refused reads are not records of a read.
  webGet(kStaff, "/web/admin/children/" + id(sakura_child_));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'child.read' AND target_id = ?",
                   {id(sakura_child_)}),
            0);

  // Exports: the CSV of the facility's children, with one audit row.
  auto csv = webGet(kHead, "/web/admin/children.csv?facility_id=" + id(himawari_));
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF" "child_id,", 0), 0u);
  EXPECT_EQ(csv.body.find(",C" + id(town_) + "-"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'children.exported'"), 1);
  EXPECT_EQ(webGet(kStaff, "/web/admin/children.csv").status, 403);

  // Role changes by the municipality administrator.
  int64_t staff_row = scalar("SELECT id FROM staff WHERE user_id = ?", {staff});
  std::string page = "/web/admin/staff/" + id(staff_row);
  auto grant = webPost(kMuniAdmin, page + "/roles",
                       {{"role", "facility_admin"}, {"facility_id", id(himawari_)}});
  ASSERT_EQ(grant.status, 303) << grant.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = "
                   "'facility_admin'",
                   {staff}),
            1);
  auto no_facility = webPost(kMuniAdmin, page + "/roles", {{"role", "facility_staff"}});
  EXPECT_EQ(no_facility.status, 422);
  int64_t role_row = scalar("SELECT id FROM user_roles WHERE user_id = ? AND role = "
                            "'facility_admin'",
                            {staff});
  EXPECT_EQ(webPost(kMuniAdmin, page + "/roles/revoke", {{"role_id", id(role_row)}}).status, 303);
  EXPECT_EQ(webPost(kHead, page + "/roles", {{"role", "municipality_admin"}}).status, 403);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = "
                   "'municipality_admin'",
                   {staff}),
            0);
  // Assignments change what a login sees: audited too.
  EXPECT_EQ(webPost(kHead, page + "/assignments",
                    {{"facility_id", id(himawari_)}, {"starts_on", "2030-04-01"}})
                .status,
            303);
  EXPECT_EQ(webPost(kHead, page + "/assignments",
                    {{"facility_id", id(sakura_)}, {"starts_on", "2030-04-01"}})
                .status,
            422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('role.granted', "
                   "'role.revoked', 'staff.assignment_added') AND municipality_id = ?",
                   {city_}),
            3);

  // The city administrator's audit page lists them, for their city only.
  auto audit = webGet(kMuniAdmin, "/web/admin/audit");
  ASSERT_EQ(audit.status, 200);
  for (const char* action : {"child.read", "children.exported", "role.granted", "role.revoked",
                             "staff.assignment_added"}) {
    EXPECT_NE(audit.body.find(action), std::string::npos) << action;
  }
  auto roles_only = webGet(kMuniAdmin, "/web/admin/audit?action=role.");
  EXPECT_EQ(roles_only.body.find("child.read</td>"), std::string::npos);
  EXPECT_NE(roles_only.body.find("role.granted"), std::string::npos);
  webGet(kTonariCity, "/web/admin/children/" + id(tonari_child_));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE municipality_id = ?", {town_}), 1);
  EXPECT_EQ(webGet(kMuniAdmin, "/web/admin/audit").body.find("となり町"), std::string::npos);
}

TEST_P(AdminPagesTest, EveryAdminPageRendersForStaffAndTheCity) {
  int64_t staff_row = scalar("SELECT id FROM staff WHERE user_id = ?", {userId(kStaff)});
  int64_t klass = scalar("SELECT MIN(id) FROM classes WHERE facility_id = ?", {himawari_});
  const std::vector<std::pair<std::string, std::vector<std::string>>> pages = {
      {kHead,
       {"/web", "/web/admin/facilities", "/web/admin/facilities/" + id(himawari_),
        "/web/admin/classes", "/web/admin/classes/new", "/web/admin/classes/" + id(klass) + "/edit",
        "/web/admin/children", "/web/admin/children?q=" + std::string("%E3%82%A2"),
        "/web/admin/children/new", "/web/admin/children/" + id(own_child_),
        "/web/admin/households", "/web/admin/households/" + id(own_household_),
        "/web/admin/households/" + id(own_household_) + "/edit", "/web/admin/staff",
        "/web/admin/staff/new", "/web/admin/staff/" + id(staff_row), "/web/admin/invitations",
        "/web/admin/invitations?household_id=" + id(own_household_)}},
      {kMuniAdmin,
       {"/web/admin/facilities/new", "/web/admin/facilities/" + id(sakura_) + "/edit",
        "/web/admin/households/new", "/web/admin/import", "/web/admin/audit",
        "/web/admin/staff/" + id(staff_row)}},
  };
  for (const auto& [login, paths] : pages) {
    for (const auto& path : paths) {
      auto r = webGet(login, path);
      EXPECT_EQ(r.status, 200) << login << " " << path << "\n" << r.body.substr(0, 400);
      EXPECT_EQ(r.body.find("{{"), std::string::npos) << path;
      EXPECT_EQ(r.body.find("admin."), std::string::npos) << path << ": an untranslated key";
    }
  }
  // English works too, and the navigation names the pages the role may use.
  auto en = webGet(kHead, "/web/admin/children?lang=en");
  auto home = webGet(kHead, "/web");
  EXPECT_NE(home.body.find("href=\"/web/admin/children\""), std::string::npos);
  EXPECT_EQ(home.body.find("href=\"/web/admin/audit\""), std::string::npos);
  EXPECT_NE(webGet(kMuniAdmin, "/web").body.find("href=\"/web/admin/audit\""), std::string::npos);
  EXPECT_EQ(webGet(kGuardian, "/web").body.find("/web/admin/"), std::string::npos);
  (void)en;
}

TEST_P(AdminPagesTest, InvitationsAreIssuedOnThePageAndListedUntilUsed) {
  auto issued = webPost(kStaff, "/web/admin/invitations", {{"household_id", id(own_household_)}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(issued.body, m,
                                std::regex("class=\"code\"[^>]*>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})<")));
  std::string code = m[1];
  auto list = webGet(kStaff, "/web/admin/invitations");
  EXPECT_NE(list.body.find("/web/admin/households/" + id(own_household_)), std::string::npos);
  EXPECT_EQ(list.body.find(code), std::string::npos) << "the code is shown once only";
  // The guardian registers with it in the app; it leaves the outstanding list.
  auto reg = request("POST", "/api/v1/auth/register",
                     nlohmann::json{{"invitation_code", code},
                                    {"login", "new-parent@example.jp"},
                                    {"password", "a-long-password"},
                                    {"display_name", "新しい 保護者"}}
                         .dump());
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(webGet(kStaff, "/web/admin/invitations")
                .body.find("/web/admin/households/" + id(own_household_)),
            std::string::npos);
  auto bad = webPost(kStaff, "/web/admin/invitations", {{"household_id", "abc"}});
  EXPECT_EQ(bad.status, 422);
}

SUKUSUKU_INSTANTIATE_BACKENDS(AdminPagesTest);

}  // namespace
}  // namespace sukusuku::testing
