// The shifts plugin over real HTTP on every backend: the demo nursery's published month, a head
// generating, pinning, re-solving and publishing a month, staff requesting days off before the
// deadline, exports, bad input, and scope (another facility, another city, drafts).
#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include <sukusuku/clock.h>
#include <sukusuku/http_server.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {
namespace {

// 2026-11-10 (a Tuesday), 10:00 in Tokyo: requests for December close on 2026-11-20.
TimePoint at(const std::string& utc) { return parseUtc(utc); }

class ShiftsPluginTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(at("2026-11-10T01:00:00Z"));
    sys_ = std::make_unique<TestSystem>(
        GetParam(), "shifts,messaging", clock_,
        std::vector<std::pair<std::string, std::string>>{
            {"http.port", "0"},
            {"plugins.dir", binaryDir() + "/lib/sukusuku/plugins"},
            {"shifts.solve_seconds", "0.4"}});
    sys_->rt->seedDemo();
    sys_->rt->setAuthenticator(std::make_shared<TestPrincipalAuthenticator>(*sys_->rt));
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    head_ = userId("head@demo.sukusuku.jp");
    staff_ = userId("staff@demo.sukusuku.jp");
    tonari_ = userId("staff@tonari.demo.sukusuku.jp");
    kodomo_ = userId("kodomo@demo.sukusuku.jp");
    himawari_ = scalar("SELECT f.id FROM facilities f JOIN municipalities m ON m.id = "
                       "f.municipality_id WHERE m.code = '349999' AND f.code = 'N01'");
    sakura_ = scalar("SELECT f.id FROM facilities f JOIN municipalities m ON m.id = "
                     "f.municipality_id WHERE m.code = '349999' AND f.code = 'N02'");
  }

  void TearDown() override {
    server_->stop();
    sys_->rt->stop();
  }

  int64_t scalar(const std::string& sql, const db::Params& params = {}) {
    return (*sys_->rt->database().acquire()->queryOne(sql, params))[0].asInt();
  }
  int64_t userId(const std::string& login) {
    return scalar("SELECT id FROM users WHERE login = ?", {login});
  }

  Reply call(const std::string& method, const std::string& uri, int64_t user,
             const std::string& body = "") {
    std::map<std::string, std::string> headers;
    if (user) headers["X-Test-Principal"] = std::to_string(user);
    return httpRequest(server_->port(), method, uri, body, headers);
  }

  // Polls until the background solver is done with the roster.
  nlohmann::json waitSolved(int64_t roster) {
    for (int i = 0; i < 600; ++i) {
      Reply r = call("GET", "/api/v1/shifts/rosters/" + std::to_string(roster), head_);
      EXPECT_EQ(r.status, 200) << r.body;
      nlohmann::json j = r.json();
      if (j["solve_state"] == "done" || j["solve_state"] == "failed") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "roster " << roster << " was never solved";
    return {};
  }

  int64_t generate(int64_t facility, const std::string& month) {
    Reply r = call("POST", "/api/v1/shifts/rosters", head_,
                   nlohmann::json{{"facility_id", facility}, {"month", month}}.dump());
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json()["id"].get<int64_t>();
  }

  // Parts of the suite that share one seeded system (the demo seeding is the slow part).
  void demoNurseryHasALegalPublishedMonth();
  int64_t badInputChangesNothing();  // returns the draft it generated
  void scopeAndPermissions(int64_t draft);
  void ruleSettingsPerFacility();
  void plannedVersusActualHours();
  void plannedAttendanceBeforeTypedCounts();

  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  int64_t head_ = 0, staff_ = 0, tonari_ = 0, kodomo_ = 0, himawari_ = 0, sakura_ = 0;
};

std::map<std::pair<int64_t, std::string>, std::string> cellsOf(const nlohmann::json& roster) {
  std::map<std::pair<int64_t, std::string>, std::string> out;
  for (const auto& c : roster["cells"])
    if (c["pattern"] != "off") out[{c["staff_id"].get<int64_t>(), c["date"]}] = c["pattern"];
  return out;
}

void ShiftsPluginTest::demoNurseryHasALegalPublishedMonth() {
  const int64_t id = scalar("SELECT id FROM shift_rosters WHERE facility_id = ? AND month = ?",
                            {himawari_, std::string("2026-11")});
  Reply r = call("GET", "/api/v1/shifts/rosters/" + std::to_string(id), staff_);
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json j = r.json();
  EXPECT_EQ(j["state"], "published");
  EXPECT_EQ(j["hard_violations"], 0) << j["report"].dump();
  EXPECT_GT(j["cells"].size(), 100u);
  // The cook is not in the childcare rota; the other thirteen staff are.
  EXPECT_EQ(j["staff"].size(), 13u);
  // The nursery is closed on national holidays (文化の日 11/3, 勤労感謝の日 11/23): nobody works
  // then, and the chart says why.
  int worked = 0;
  for (const auto& [key, pattern] : cellsOf(j)) {
    EXPECT_NE(key.second, "2026-11-03") << pattern;
    EXPECT_NE(key.second, "2026-11-23") << pattern;
    if (key.second == "2026-11-24") ++worked;
  }
  EXPECT_GE(worked, 2) << "the Tuesday after is an ordinary day";
  Reply chart = call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/chart?date=2026-11-23",
                     head_);
  EXPECT_NE(chart.body.find("休園日（勤労感謝の日）"), std::string::npos) << chart.body;
  Reply grid = call("GET", "/web/shifts/rosters/" + std::to_string(id), head_);
  EXPECT_NE(grid.body.find("title=\"文化の日\""), std::string::npos);
}

TEST_P(ShiftsPluginTest, HeadGeneratesPinsResolvesAndPublishes) {
  const int64_t id = generate(himawari_, "2026-12");
  nlohmann::json first = waitSolved(id);
  ASSERT_EQ(first["solve_state"], "done");
  EXPECT_EQ(first["state"], "draft");
  EXPECT_EQ(first["hard_violations"], 0) << first["report"].dump();

  // Pin a cell to a shift the solver did not choose there, then re-solve.
  const auto before = cellsOf(first);
  const int64_t staffId = first["staff"][0]["id"];
  const std::string date = "2026-12-08";
  const std::string had = before.count({staffId, date}) ? before.at({staffId, date}) : "off";
  int64_t pattern = 0;
  std::string pinnedCode;
  for (const auto& p : first["patterns"])
    if (p["code"] != had && p["code"] != "part") {
      pattern = p["id"];
      pinnedCode = p["code"];
      break;
    }
  Reply pin = call("POST", "/api/v1/shifts/rosters/" + std::to_string(id) + "/cells", head_,
                   nlohmann::json{{"staff_id", staffId}, {"date", date}, {"pattern_id", pattern},
                                  {"pinned", true}}.dump());
  ASSERT_EQ(pin.status, 204) << pin.body;
  ASSERT_EQ(call("POST", "/api/v1/shifts/rosters/" + std::to_string(id) + "/solve", head_).status,
            202);
  // A second request while queued or running is refused, not queued twice.
  Reply again = call("POST", "/api/v1/shifts/rosters/" + std::to_string(id) + "/solve", head_);
  if (again.status != 202) {
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.code(), "shifts.already_solving");
  }
  nlohmann::json second = waitSolved(id);
  if (second["solve_state"] == "queued" || second["solve_state"] == "running")
    second = waitSolved(id);
  const auto after = cellsOf(second);
  ASSERT_TRUE(after.count({staffId, date}));
  EXPECT_EQ(after.at({staffId, date}), pinnedCode) << "a pinned cell never changes";
  bool stillPinned = false;
  for (const auto& c : second["cells"])
    if (c["staff_id"] == staffId && c["date"] == date) stillPinned = c["pinned"];
  EXPECT_TRUE(stillPinned);
  // Minimal change: most of the month stays as it was.
  int changed = 0;
  for (const auto& [k, v] : before) changed += !after.count(k) || after.at(k) != v;
  for (const auto& [k, v] : after) changed += !before.count(k);
  EXPECT_LT(changed, static_cast<int>(before.size()) / 4);

  // Staff do not see the draft; after publishing they do.
  EXPECT_EQ(call("GET", "/api/v1/shifts/rosters/" + std::to_string(id), staff_).status, 404);
  Reply pub = call("POST", "/api/v1/shifts/rosters/" + std::to_string(id) + "/publish", head_);
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_EQ(call("GET", "/api/v1/shifts/rosters/" + std::to_string(id), staff_).status, 200);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shifts.published'"), 1);

  // Exports: CSV with a BOM and one line per staff member; XLSX is a zip.
  Reply csv = call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/export.csv", staff_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.body.find("2026-12-31"), std::string::npos);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 1 + 13);
  Reply xlsx = call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/export.xlsx", head_);
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");

  // The pages render: grid, ratio chart (no red slot in a legal rota), print, hours.
  Reply page = call("GET", "/web/shifts/rosters/" + std::to_string(id), head_);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("📌"), std::string::npos);
  Reply chart =
      call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/chart?date=2026-12-08", head_);
  ASSERT_EQ(chart.status, 200);
  EXPECT_NE(chart.body.find("id=\"all-met\""), std::string::npos);
  EXPECT_EQ(call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/print", head_).status,
            200);
  EXPECT_EQ(call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/hours", head_).status,
            200);
}

void ShiftsPluginTest::scopeAndPermissions(int64_t id) {
  const std::string uri = "/api/v1/shifts/rosters/" + std::to_string(id);
  // Another city's staff: not found. Staff may not solve or publish.
  EXPECT_EQ(call("GET", uri, tonari_).status, 404);
  EXPECT_EQ(call("POST", uri + "/solve", staff_).status, 403);
  EXPECT_EQ(call("POST", uri + "/publish", staff_).status, 403);
  EXPECT_EQ(call("GET", uri, 0).status, 401);
  // The head of ひまわり cannot plan さくら.
  Reply other = call("POST", "/api/v1/shifts/rosters", head_,
                     nlohmann::json{{"facility_id", sakura_}, {"month", "2026-12"}}.dump());
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_rosters WHERE facility_id = ?", {sakura_}), 0);
  // A city childcare officer sees published rotas of the city, not drafts.
  EXPECT_EQ(call("GET", uri, kodomo_).status, 404);
}

TEST_P(ShiftsPluginTest, StaffRequestDaysOffBeforeTheDeadline) {
  Reply ok = call("POST", "/api/v1/shifts/requests", staff_,
                  nlohmann::json{{"date", "2026-12-24"}, {"note", "通院"}}.dump());
  ASSERT_EQ(ok.status, 201) << ok.body;
  Reply twice = call("POST", "/api/v1/shifts/requests", staff_,
                     nlohmann::json{{"date", "2026-12-24"}}.dump());
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.code(), "shifts.request_exists");
  Reply bad = call("POST", "/api/v1/shifts/requests", staff_,
                   nlohmann::json{{"date", "2026-12-32"}}.dump());
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.code(), "shifts.invalid_date");
  // The head is not a staff member in the demo data.
  EXPECT_EQ(call("POST", "/api/v1/shifts/requests", head_,
                 nlohmann::json{{"date", "2026-12-23"}}.dump())
                .code(),
            "shifts.not_staff");

  // 希望シフト: 遅番 on the 10th. A pattern of another facility, or none, is refused.
  const int64_t latePattern = scalar(
      "SELECT id FROM shift_patterns WHERE facility_id = ? AND code = 'late'", {himawari_});
  ASSERT_GT(latePattern, 0);
  Reply wish = call("POST", "/api/v1/shifts/requests", staff_,
                    nlohmann::json{{"date", "2026-12-10"}, {"pattern_id", latePattern}}.dump());
  ASSERT_EQ(wish.status, 201) << wish.body;
  EXPECT_EQ(call("POST", "/api/v1/shifts/requests", staff_,
                 nlohmann::json{{"date", "2026-12-11"}, {"pattern_id", latePattern + 1000}}.dump())
                .code(),
            "shifts.unknown_pattern");
  EXPECT_EQ(call("POST", "/api/v1/shifts/requests", staff_,
                 nlohmann::json{{"date", "2026-12-11"}, {"pattern_id", "late"}}.dump())
                .code(),
            "shifts.invalid_field");

  // Both requests are honoured by the generated month, and marked on the head's grid.
  const int64_t staffRow = scalar("SELECT id FROM staff WHERE user_id = ?", {staff_});
  const int64_t id = generate(himawari_, "2026-12");
  const nlohmann::json roster = waitSolved(id);
  EXPECT_FALSE(cellsOf(roster).count({staffRow, "2026-12-24"}));
  EXPECT_EQ((cellsOf(roster)[{staffRow, "2026-12-10"}]), "late");
  const std::string grid = call("GET", "/web/shifts/rosters/" + std::to_string(id), head_).body;
  EXPECT_NE(grid.find("data-date=\"2026-12-10\" title=\"希望シフト: 遅番\""), std::string::npos);
  // The staff member's own list says what was asked.
  const std::string mine = call("GET", "/web/shifts/requests?month=2026-12", staff_).body;
  EXPECT_NE(mine.find("遅番を希望"), std::string::npos) << mine;
  EXPECT_NE(mine.find("休み（希望休）"), std::string::npos);

  // After 2026-11-20 requests for December are closed.
  clock_->set(at("2026-11-21T01:00:00Z"));
  Reply late = call("POST", "/api/v1/shifts/requests", staff_,
                    nlohmann::json{{"date", "2026-12-25"}}.dump());
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.code(), "shifts.request_deadline_passed");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_day_off_requests WHERE staff_id = ? AND on_date "
                   ">= '2026-12-01'",
                   {staffRow}),
            2);
}

int64_t ShiftsPluginTest::badInputChangesNothing() {
  Reply month = call("POST", "/api/v1/shifts/rosters", head_,
                     nlohmann::json{{"facility_id", himawari_}, {"month", "2026-13"}}.dump());
  EXPECT_EQ(month.status, 422);
  EXPECT_EQ(month.code(), "shifts.invalid_month");
  Reply missing = call("POST", "/api/v1/shifts/rosters", head_, R"({"month":"2026-12"})");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_rosters WHERE month = '2026-12'"), 0);

  const int64_t id = generate(himawari_, "2026-12");
  const nlohmann::json roster = waitSolved(id);
  Reply twice = call("POST", "/api/v1/shifts/rosters", head_,
                     nlohmann::json{{"facility_id", himawari_}, {"month", "2026-12"}}.dump());
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.code(), "shifts.roster_exists");
  const int64_t staffId = roster["staff"][0]["id"];
  const std::string uri = "/api/v1/shifts/rosters/" + std::to_string(id) + "/cells";
  const int64_t cellsBefore = scalar("SELECT COUNT(*) FROM shift_roster_cells WHERE roster_id = ?", {id});
  Reply pattern = call("POST", uri, head_,
                       nlohmann::json{{"staff_id", staffId}, {"date", "2026-12-08"},
                                      {"pattern_id", 999999}}.dump());
  EXPECT_EQ(pattern.status, 422);
  EXPECT_EQ(pattern.code(), "shifts.unknown_pattern");
  Reply date = call("POST", uri, head_,
                    nlohmann::json{{"staff_id", staffId}, {"date", "2027-01-08"},
                                   {"pattern_id", nullptr}}.dump());
  EXPECT_EQ(date.code(), "shifts.invalid_date");
  Reply who = call("POST", uri, head_,
                   nlohmann::json{{"staff_id", 999999}, {"date", "2026-12-08"}}.dump());
  EXPECT_EQ(who.code(), "shifts.unknown_staff");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_roster_cells WHERE roster_id = ?", {id}),
            cellsBefore);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_roster_cells WHERE roster_id = ? AND pinned = 1",
                   {id}),
            0);
  return id;
}

void ShiftsPluginTest::ruleSettingsPerFacility() {
  const std::string uri = "/api/v1/shifts/facilities/" + std::to_string(himawari_) + "/rules";
  Reply get = call("GET", uri, head_);
  ASSERT_EQ(get.status, 200) << get.body;
  auto find = [](const nlohmann::json& rules, const std::string& name) {
    for (const auto& r : rules)
      if (r["rule"] == name) return r;
    return nlohmann::json();
  };
  EXPECT_EQ(find(get.json()["rules"], "fairness")["weight"], 20);
  EXPECT_EQ(find(get.json()["rules"], "fairness")["hard"], false);
  EXPECT_EQ(find(get.json()["rules"], "cover_under")["hard"], true);

  // Bad input: unknown rule, negative weight, the legal maximum made soft, a malformed body;
  // a batch with one bad entry stores nothing.
  auto put = [&](const nlohmann::json& rules, int64_t user) {
    return call("PUT", uri, user, nlohmann::json{{"rules", rules}}.dump());
  };
  Reply unknown = put({{{"rule", "fairness"}, {"hard", false}, {"weight", 3}},
                       {{"rule", "nap_time"}, {"hard", false}, {"weight", 1}}},
                      head_);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.code(), "shifts.unknown_rule");
  EXPECT_EQ(put({{{"rule", "fairness"}, {"hard", false}, {"weight", -1}}}, head_).code(),
            "shifts.invalid_weight");
  EXPECT_EQ(put({{{"rule", "max_total_minutes"}, {"hard", false}, {"weight", 1}}}, head_).code(),
            "shifts.hard_required");
  EXPECT_EQ(call("PUT", uri, head_, R"({"rules":[{"rule":"fairness"}]})").code(),
            "shifts.invalid_field");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_rule_weights"), 0);

  // Scope: staff may not, another facility's head gets 404, another city's staff too.
  EXPECT_EQ(put({{{"rule", "fairness"}, {"hard", true}, {"weight", 1}}}, staff_).status, 403);
  EXPECT_EQ(call("PUT", "/api/v1/shifts/facilities/" + std::to_string(sakura_) + "/rules", head_,
                 nlohmann::json{{"rules", nlohmann::json::array()}}.dump())
                .status,
            404);
  EXPECT_EQ(call("GET", "/api/v1/shifts/facilities/" + std::to_string(sakura_) + "/rules", head_)
                .status,
            404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_rule_weights"), 0);

  Reply ok = put({{{"rule", "fairness"}, {"hard", false}, {"weight", 50}},
                  {{"rule", "shift_off_request"}, {"hard", true}, {"weight", 1}}},
                 head_);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(find(ok.json()["rules"], "fairness")["weight"], 50);
  EXPECT_EQ(find(call("GET", uri, head_).json()["rules"], "shift_off_request")["hard"], true);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shifts.rules_changed'"), 1);
  // さくら keeps the defaults.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_rule_weights WHERE facility_id = ?", {sakura_}), 0);
  // The settings page shows the stored weight.
  Reply page = call("GET", "/web/shifts/rules?facility=" + std::to_string(himawari_), head_);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("name=\"weight_fairness\" id=\"weight_fairness\" value=\"50\""),
            std::string::npos);
}

// The children the ratio chart staffs for come from the guardians' planned attendance (登園予定,
// messaging plugin) on days that have plans, and from the head's typed-in counts on days without
// (the demo's Saturdays). The expected numbers are counted here from the plan rows themselves.
void ShiftsPluginTest::plannedAttendanceBeforeTypedCounts() {
  const int64_t id = scalar("SELECT id FROM shift_rosters WHERE facility_id = ? AND month = ?",
                            {himawari_, std::string("2026-11")});
  auto childrenAt = [&](const std::string& date, const std::string& slot) {
    Reply r = call("GET",
                   "/web/shifts/rosters/" + std::to_string(id) + "/chart?date=" + date, head_);
    EXPECT_EQ(r.status, 200) << r.body;
    std::smatch m;
    const std::regex row("<th>" + slot + "</th><td>([0-9]+)</td>");
    if (!std::regex_search(r.body, m, row)) {
      ADD_FAILURE() << "no " << slot << " row in the chart of " << date;
      return int64_t{-1};
    }
    return int64_t{std::stoll(m[1].str())};
  };
  // Children of ひまわり whose Monday plan overlaps the half hour from SLOT.
  auto plannedMonday = [&](const std::string& slot, const std::string& slotEnd) {
    return scalar(
        "SELECT COUNT(*) FROM messaging_plan_patterns p JOIN enrolments e ON e.child_id = "
        "p.child_id WHERE e.facility_id = ? AND e.ends_on IS NULL AND p.weekday = 1 AND "
        "p.arrive_at < ? AND p.leave_at > ?",
        {himawari_, slotEnd, slot});
  };
  const int64_t early = plannedMonday("07:00", "07:30");
  const int64_t noon = plannedMonday("12:00", "12:30");
  // The typed-in Monday counts differ (8 children at 07:00, 39 at noon): the plans are used.
  ASSERT_NE(early, 8);
  ASSERT_NE(noon, 39);
  EXPECT_EQ(childrenAt("2026-11-16", "07:00"), early);
  EXPECT_EQ(childrenAt("2026-11-16", "12:00"), noon);
  // No plans on Saturdays: the typed-in Saturday (2 + 2 + 3 children from 08:00 to 17:00).
  EXPECT_EQ(childrenAt("2026-11-14", "10:00"), 7);
  // A child whose family says it is not coming that Monday is not staffed for.
  const int64_t child = scalar(
      "SELECT MIN(p.child_id) FROM messaging_plan_patterns p JOIN enrolments e ON e.child_id = "
      "p.child_id WHERE e.facility_id = ? AND e.ends_on IS NULL AND p.weekday = 1 AND "
      "p.arrive_at <= '12:00' AND p.leave_at > '12:30'",
      {himawari_});
  sys_->rt->database().acquire()->execute(
      "INSERT INTO messaging_plan_exceptions (municipality_id, child_id, date, absent, "
      "updated_at) SELECT municipality_id, id, '2026-11-16', 1, '2026-11-10T01:00:00Z' FROM "
      "children WHERE id = ?",
      {child});
  EXPECT_EQ(childrenAt("2026-11-16", "12:00"), noon - 1);
  EXPECT_EQ(childrenAt("2026-11-30", "12:00"), noon);  // another Monday is unchanged
}

// With the messaging plugin enabled, a staff member's clock-in and clock-out on the tablet
// become the actual hours beside the planned ones.
void ShiftsPluginTest::plannedVersusActualHours() {
  const int64_t id = scalar("SELECT id FROM shift_rosters WHERE facility_id = ? AND month = ?",
                            {himawari_, std::string("2026-11")});
  const int64_t staffRow = scalar("SELECT id FROM staff WHERE user_id = ?", {staff_});
  // The planned break of that day's pattern (0 when off that day).
  const int64_t planBreak = scalar(
      "SELECT COALESCE(SUM(p.break_minutes), 0) FROM shift_roster_cells c JOIN shift_patterns p "
      "ON p.id = c.pattern_id WHERE c.roster_id = ? AND c.staff_id = ? AND c.on_date = ?",
      {id, staffRow, std::string("2026-11-10")});
  std::map<std::string, std::string> form = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"X-Test-Principal", std::to_string(staff_)}};
  // 10:00 Tokyo in, 18:00 out.
  Reply in = httpRequest(server_->port(), "POST", "/web/messaging/staff-clock", "kind=clock_in",
                         form);
  ASSERT_EQ(in.status, 303) << in.body;
  clock_->advance(std::chrono::hours(8));
  Reply out = httpRequest(server_->port(), "POST", "/web/messaging/staff-clock", "kind=clock_out",
                          form);
  ASSERT_EQ(out.status, 303) << out.body;

  Reply hours = call("GET", "/api/v1/shifts/rosters/" + std::to_string(id) + "/hours", head_);
  ASSERT_EQ(hours.status, 200) << hours.body;
  EXPECT_EQ(hours.json()["actual_available"], true);
  bool seen = false;
  const nlohmann::json items = hours.json()["items"];
  for (const auto& row : items) {
    if (row["staff_id"] == staffRow) {
      seen = true;
      EXPECT_EQ(row["actual_days"], 1);
      EXPECT_EQ(row["actual_minutes"], 8 * 60 - planBreak);
      EXPECT_GT(row["planned_minutes"].get<int>(), 0);
    } else {
      EXPECT_EQ(row["actual_minutes"], 0) << "nobody else clocked in";
    }
  }
  EXPECT_TRUE(seen);
  Reply csv = call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/hours.csv", head_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 1 + 13);
  EXPECT_NE(csv.body.find(",1," + std::string(planBreak == 60 ? "07:00" : "08:00") + ","),
            std::string::npos)
      << csv.body;
  Reply page = call("GET", "/web/shifts/rosters/" + std::to_string(id) + "/hours", head_);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("id=\"no-actual\""), std::string::npos);
  // Staff may not see everybody's hours; another city's staff do not find the rota.
  EXPECT_EQ(call("GET", "/api/v1/shifts/rosters/" + std::to_string(id) + "/hours", staff_).status,
            403);
  EXPECT_EQ(call("GET", "/api/v1/shifts/rosters/" + std::to_string(id) + "/hours", tonari_).status,
            403);
}

TEST_P(ShiftsPluginTest, DemoMonthBadInputAndScope) {
  demoNurseryHasALegalPublishedMonth();
  scopeAndPermissions(badInputChangesNothing());
  ruleSettingsPerFacility();
  plannedVersusActualHours();
  plannedAttendanceBeforeTypedCounts();
}

SUKUSUKU_INSTANTIATE_BACKENDS(ShiftsPluginTest);

}  // namespace
}  // namespace sukusuku::testing
