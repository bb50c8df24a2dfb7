// The settings pages of the shifts plugin over real HTTP on every backend: a head edits the
// facility's shift patterns and typed-in expected children, a city childcare officer the city's
// ratio settings; bad input (end before start, a short break, negative counts, an unknown age
// group, a ratio looser than the law, a pattern still on a rota) comes back as the form with a
// message and the values typed, and nothing is half-saved; the saved counts and ratios are what
// the ratio chart computes with (6 babies: 2 caregivers at 3 per caregiver, 3 at 2); scope:
// another facility or city 404, staff 403.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <sukusuku/clock.h>
#include <sukusuku/http_server.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {
namespace {

bool has(const std::string& body, const std::string& text) {
  return body.find(text) != std::string::npos;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

class ShiftsSettingsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(parseUtc("2026-11-10T01:00:00Z"));
    sys_ = std::make_unique<TestSystem>(GetParam(), "shifts", clock_,
                                        std::vector<std::pair<std::string, std::string>>{
                                            {"http.port", "0"},
                                            {"plugins.dir", binaryDir() + "/lib/sukusuku/plugins"},
                                            {"shifts.solve_seconds", "0.3"}});
    sys_->rt->setAuthenticator(std::make_shared<TestPrincipalAuthenticator>(*sys_->rt));
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
  }
  void TearDown() override {
    server_->stop();
    sys_->rt->stop();
  }

  int64_t insert(const std::string& sql, const db::Params& p) {
    return sys_->rt->database().acquire()->execute(sql, p).last_insert_id;
  }
  int64_t scalar(const std::string& sql, const db::Params& p = {}) {
    auto row = sys_->rt->database().acquire()->queryOne(sql, p);
    return row && !(*row)[0].isNull() ? (*row)[0].asInt() : 0;
  }
  std::string text(const std::string& sql, const db::Params& p = {}) {
    auto row = sys_->rt->database().acquire()->queryOne(sql, p);
    return row ? (*row)[0].asText() : "";
  }
  int64_t city(const std::string& code) {
    return insert(
        "INSERT INTO municipalities (code, name, name_kana, prefecture, created_at) "
        "VALUES (?, '市', 'シ', '広島県', '2026-04-01T00:00:00Z')",
        {code});
  }
  int64_t nursery(int64_t m, const std::string& code, const std::string& name) {
    return insert(
        "INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, "
        "phone, capacity, opens_at, closes_at, created_at) VALUES (?, 'nursery', ?, ?, "
        "'ホイクショ', '', '', 60, '07:00', '19:00', '2026-04-01T00:00:00Z')",
        {m, code, name});
  }
  int64_t user(int64_t m, const std::string& login, const std::string& role, int64_t facility) {
    return sukusuku::testing::insertUser(sys_->rt->database(), m, login, role, facility);
  }

  Reply call(const std::string& method, const std::string& uri, int64_t who,
             const std::string& body = "") {
    return httpRequest(server_->port(), method, uri, body,
                       {{"X-Test-Principal", std::to_string(who)}});
  }
  Reply form(const std::string& uri, int64_t who, const Fields& fields) {
    return httpRequest(server_->port(), "POST", uri, formEncode(fields),
                       {{"X-Test-Principal", std::to_string(who)},
                        {"Content-Type", "application/x-www-form-urlencoded"}});
  }
  // The pattern form: rows of {id, name, start, end, break, part, remove}.
  static Fields patternForm(const std::vector<std::vector<std::string>>& rows) {
    Fields f{{"rows", std::to_string(rows.size())}};
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string k = std::to_string(i);
      f.insert(f.end(), {{"id_" + k, rows[i][0]},
                         {"code_" + k, ""},
                         {"name_" + k, rows[i][1]},
                         {"start_" + k, rows[i][2]},
                         {"end_" + k, rows[i][3]},
                         {"brk_" + k, rows[i][4]}});
      if (rows[i][5] == "1") f.push_back({"part_" + k, "1"});
      if (rows[i].size() > 6 && rows[i][6] == "1") f.push_back({"remove_" + k, "1"});
    }
    return f;
  }
  // The stored patterns as form rows, with one of them replaced by CHANGED (same id).
  std::vector<std::vector<std::string>> storedPatternRows(int64_t facility) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : sys_->rt->database().acquire()->query(
             "SELECT id, name, starts_at, ends_at, break_minutes, part_time FROM shift_patterns "
             "WHERE facility_id = ? ORDER BY sort_order",
             {facility}))
      rows.push_back({std::to_string(r.getInt("id")), r.getText("name"), r.getText("starts_at"),
                      r.getText("ends_at"), std::to_string(r.getInt("break_minutes")),
                      r.getBool("part_time") ? "1" : "0"});
    return rows;
  }
  // The expected-children form: rows of {age, arrive, leave, children}, plus "copy_N" fields.
  static Fields expectedForm(const std::vector<std::vector<std::string>>& rows,
                             const std::vector<int>& copies = {}) {
    Fields f{{"rows", std::to_string(rows.size())}};
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string k = std::to_string(i);
      f.insert(f.end(), {{"age_" + k, rows[i][0]},
                         {"arrive_" + k, rows[i][1]},
                         {"leave_" + k, rows[i][2]},
                         {"children_" + k, rows[i][3]}});
    }
    for (int w : copies) f.push_back({"copy_" + std::to_string(w), "1"});
    return f;
  }
  // The ratio form: rows of {from, a0..a5, rounding, min, pct}.
  static Fields ratioForm(const std::vector<std::vector<std::string>>& rows) {
    Fields f{{"rows", std::to_string(rows.size())}};
    const char* names[] = {"from", "a0", "a1", "a2", "a3", "a4", "a5", "rounding", "min", "pct"};
    for (size_t i = 0; i < rows.size(); ++i)
      for (size_t c = 0; c < 10; ++c)
        f.push_back({names[c] + ("_" + std::to_string(i)), rows[i][c]});
    return f;
  }

  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
};

TEST_P(ShiftsSettingsTest, PatternsExpectedChildrenAndRatiosAreEditedSafely) {
  const int64_t a = city("349301");
  const int64_t b = city("349302");
  const int64_t n1 = nursery(a, "N01", "ひまわり保育所");
  const int64_t n2 = nursery(a, "N02", "さくら保育所");
  const int64_t t1 = nursery(b, "N01", "となり保育所");
  const int64_t head = user(a, "head@n1", "facility_admin", n1);
  const int64_t staff = user(a, "staff@n1", "facility_staff", n1);
  const int64_t officer = user(a, "kodomo@a", "city_childcare_officer", 0);
  const int64_t officer_b = user(b, "kodomo@b", "city_childcare_officer", 0);
  const int64_t head_b = user(b, "head@t1", "facility_admin", t1);
  const std::string patterns = "/web/shifts/patterns?facility=" + std::to_string(n1);

  // ---- 勤務パターン: the four defaults, shown for editing.
  Reply page = call("GET", patterns, head);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(has(page.body, "value=\"早番\""));
  EXPECT_TRUE(has(page.body, "value=\"パート\""));
  EXPECT_TRUE(has(page.body, "name=\"part_3\" value=\"1\" checked"));
  EXPECT_FALSE(has(page.body, "name=\"part_0\" value=\"1\" checked"));
  EXPECT_FALSE(has(page.body, "name=\"remove_0\" value=\"1\" checked"));
  auto rows = storedPatternRows(n1);
  ASSERT_EQ(rows.size(), 4u);
  const int64_t patternCount = scalar("SELECT COUNT(*) FROM shift_patterns");

  // End before start, a short break, a typo: the form again with the row named; nothing saved.
  auto bad = rows;
  bad[0][2] = "16:00";
  bad[0][3] = "07:00";
  Reply endBefore = form(patterns, head, patternForm(bad));
  EXPECT_EQ(endBefore.status, 422);
  EXPECT_TRUE(has(endBefore.body, "1行目：終了時刻は開始時刻より後にしてください"))
      << endBefore.body;
  EXPECT_TRUE(has(endBefore.body, "name=\"start_0\" value=\"16:00\""));
  EXPECT_TRUE(has(endBefore.body, "<tr class=\"invalid\" data-row=\"0\">"));
  bad = rows;
  bad[2][4] = "30";  // 遅番 10:00-19:00: 8.5 h of work needs 60 minutes
  Reply shortBreak = form(patterns, head, patternForm(bad));
  EXPECT_EQ(shortBreak.status, 422);
  EXPECT_TRUE(has(shortBreak.body, "3行目：休憩が短すぎます"));
  bad = rows;
  bad[1][4] = "一時間";
  EXPECT_TRUE(has(form(patterns, head, patternForm(bad)).body, "2行目：数字で入力してください"));
  // One good change beside a bad row is not saved either.
  bad = rows;
  bad[0][2] = "07:15";
  bad[3][3] = "08:00";  // パート 09:00-08:00
  EXPECT_EQ(form(patterns, head, patternForm(bad)).status, 422);
  EXPECT_EQ(
      text("SELECT starts_at FROM shift_patterns WHERE code = 'early' AND facility_id = ?", {n1}),
      "07:00");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_patterns"), patternCount);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shifts.patterns_changed'"), 0);

  // Saved: 早番 moved, a new short part-time pattern (full-width digits in the break).
  auto good = rows;
  good[0][2] = "07:15";
  good[0][3] = "16:15";
  good.push_back({"", "短時間", "09:00", "13:00", "０", "1"});
  Reply saved = form(patterns, head, patternForm(good));
  ASSERT_EQ(saved.status, 303) << saved.body;
  EXPECT_EQ(
      text("SELECT starts_at FROM shift_patterns WHERE code = 'early' AND facility_id = ?", {n1}),
      "07:15");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_patterns WHERE facility_id = ?", {n1}), 5);
  EXPECT_EQ(scalar("SELECT part_time FROM shift_patterns WHERE name = '短時間'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shifts.patterns_changed' AND "
                   "actor_user_id = ?",
                   {head}),
            1);

  // A pattern a rota uses cannot be removed: the form says so, the pattern stays.
  const int64_t roster = insert(
      "INSERT INTO shift_rosters (municipality_id, facility_id, month, state, solve_state, "
      "created_at, updated_at) VALUES (?, ?, '2026-12', 'draft', 'idle', ?, ?)",
      {a, n1, std::string("2026-11-10T00:00:00Z"), std::string("2026-11-10T00:00:00Z")});
  const int64_t late = scalar(
      "SELECT id FROM shift_patterns WHERE code = 'late' AND "
      "facility_id = ?",
      {n1});
  insert(
      "INSERT INTO shift_roster_cells (municipality_id, roster_id, staff_id, on_date, "
      "pattern_id, pinned) VALUES (?, ?, 1, '2026-12-07', ?, 1)",
      {a, roster, late});
  rows = storedPatternRows(n1);
  rows[2].push_back("1");  // remove 遅番
  Reply inUse = form(patterns, head, patternForm(rows));
  EXPECT_EQ(inUse.status, 422);
  EXPECT_TRUE(has(inUse.body, "3行目：このパターンは勤務表で使われているため削除できません"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_patterns WHERE id = ?", {late}), 1);
  // Once that rota is published its 遅番 keeps its times and break (staff were given them, and
  // its hours are counted from them); renaming is fine.
  sys_->rt->database().acquire()->execute(
      "UPDATE shift_rosters SET state = 'published' WHERE id = ?", {roster});
  const std::string lateEnds = text("SELECT ends_at FROM shift_patterns WHERE id = ?", {late});
  rows = storedPatternRows(n1);
  ASSERT_EQ(rows[2][0], std::to_string(late));
  rows[2][3] = "19:30";
  Reply published = form(patterns, head, patternForm(rows));
  EXPECT_EQ(published.status, 422);
  EXPECT_TRUE(has(published.body, "3行目：公開済みの勤務表で使われているため")) << published.body;
  EXPECT_EQ(text("SELECT ends_at FROM shift_patterns WHERE id = ?", {late}), lateEnds);
  rows = storedPatternRows(n1);
  const std::string lateName = rows[2][1];
  rows[2][1] = "遅番A";
  EXPECT_EQ(form(patterns, head, patternForm(rows)).status, 303);
  EXPECT_EQ(text("SELECT name FROM shift_patterns WHERE id = ?", {late}), "遅番A");
  rows[2][1] = lateName;
  EXPECT_EQ(form(patterns, head, patternForm(rows)).status, 303);
  sys_->rt->database().acquire()->execute("UPDATE shift_rosters SET state = 'draft' WHERE id = ?",
                                          {roster});
  sys_->rt->database().acquire()->execute("DELETE FROM shift_roster_cells WHERE roster_id = ?",
                                          {roster});

  // The API refuses the same input with stable codes; scope as the pages.
  const std::string api = "/api/v1/shifts/facilities/" + std::to_string(n1) + "/patterns";
  Reply apiBad = call(
      "PUT", api, head,
      R"({"patterns":[{"name":"早番","starts_at":"16:00","ends_at":"07:00","break_minutes":60}]})");
  EXPECT_EQ(apiBad.status, 422);
  EXPECT_EQ(apiBad.code(), "shifts.invalid_pattern");
  EXPECT_EQ(call("PUT", api, head, R"({"patterns":[{"name":"早番"}]})").code(),
            "shifts.invalid_field");
  EXPECT_EQ(call("GET", api, head).json()["patterns"].size(), 5u);
  EXPECT_EQ(call("GET", api, head_b).status, 404);
  EXPECT_EQ(call("GET", api, staff).status, 403);
  EXPECT_EQ(call("GET", "/web/shifts/patterns?facility=" + std::to_string(n2), head).status, 404);
  EXPECT_EQ(
      form("/web/shifts/patterns?facility=" + std::to_string(n1), head_b, patternForm(good)).status,
      404);
  EXPECT_EQ(form(patterns, staff, patternForm(good)).status, 403);

  // ---- 見込み児童数: bad rows refused with the row named, nothing stored.
  const std::string expected = "/web/shifts/expected?facility=" + std::to_string(n1) + "&weekday=0";
  Reply age = form(expected, head,
                   expectedForm({{"0", "08:00", "17:00", "6"}, {"7", "08:00", "17:00", "2"}}));
  EXPECT_EQ(age.status, 422);
  EXPECT_TRUE(has(age.body, "2行目：年齢は0〜5歳から選んでください")) << age.body;
  Reply negative = form(expected, head, expectedForm({{"1", "08:00", "17:00", "-2"}}));
  EXPECT_EQ(negative.status, 422);
  EXPECT_TRUE(
      has(negative.body, "1行目：人数は0〜500で入力してください（マイナスは入力できません）"));
  EXPECT_TRUE(has(negative.body, "name=\"children_0\" value=\"-2\""));
  Reply band = form(expected, head, expectedForm({{"1", "17:00", "08:00", "2"}}, {1, 2}));
  EXPECT_EQ(band.status, 422);
  EXPECT_TRUE(has(band.body, "1行目：降園時刻は登園時刻より後にしてください"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_expected_children"), 0);

  // Six babies on Mondays, copied to Tuesdays: the chart of a Monday needs 6 / 3 = 2.0.
  Reply typed =
      form(expected, head, expectedForm({{"0", "08:00", "17:00", "6"}, {"0", "", "", ""}}, {1}));
  ASSERT_EQ(typed.status, 303) << typed.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_expected_children WHERE facility_id = ?", {n1}), 2);
  EXPECT_EQ(scalar("SELECT SUM(children) FROM shift_expected_children WHERE weekday = 1"), 6);
  const std::string chart =
      "/web/shifts/rosters/" + std::to_string(roster) + "/chart?date=2026-12-07";
  Reply before = call("GET", chart, head);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_TRUE(has(before.body, "0歳:6人(2.0)")) << before.body;
  EXPECT_EQ(
      call("GET", "/api/v1/shifts/facilities/" + std::to_string(n1) + "/expected-children", head)
          .json()["rows"]
          .size(),
      2u);
  EXPECT_EQ(
      call(
          "PUT", "/api/v1/shifts/facilities/" + std::to_string(n1) + "/expected-children", head,
          R"({"rows":[{"weekday":2,"age":6,"arrive_at":"08:00","leave_at":"17:00","children":1}]})")
          .code(),
      "shifts.unknown_age_group");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_expected_children"), 2);

  // ---- 配置基準 (city): heads may not; the officer sees the national defaults first.
  EXPECT_EQ(call("GET", "/web/shifts/ratios", head).status, 403);
  Reply ratios = call("GET", "/web/shifts/ratios", officer);
  ASSERT_EQ(ratios.status, 200) << ratios.body;
  EXPECT_TRUE(has(ratios.body, "id=\"ratios-defaults\""));
  const std::vector<std::string> standard = {"2024-04-01",     "3", "6",  "6", "15", "25", "25",
                                             "funding_tenths", "2", "100"};
  auto looser = standard;
  looser[4] = "20";
  Reply loose = form("/web/shifts/ratios", officer, ratioForm({looser}));
  EXPECT_EQ(loose.status, 422);
  EXPECT_TRUE(has(loose.body, "1行目：3歳児は国の基準により保育士1人あたり15人までです"))
      << loose.body;
  auto one = standard;
  one[8] = "1";
  EXPECT_TRUE(
      has(form("/web/shifts/ratios", officer, ratioForm({standard, one})).body, "同じ適用開始日"));
  one[0] = "2026-04-01";
  EXPECT_TRUE(has(form("/web/shifts/ratios", officer, ratioForm({standard, one})).body,
                  "2行目：開所中の最低人数は2人以上です"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_ratio_settings"), 0);

  // Stricter for babies from December: 2 per caregiver; the Monday chart now needs 3.0.
  auto stricter = standard;
  stricter[0] = "2026-12-01";
  stricter[1] = "2";
  Reply savedRatios = form("/web/shifts/ratios", officer, ratioForm({standard, stricter}));
  ASSERT_EQ(savedRatios.status, 303) << savedRatios.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_ratio_settings WHERE municipality_id = ?", {a}), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'shifts.ratios_changed' AND "
                   "actor_user_id = ?",
                   {officer}),
            1);
  EXPECT_TRUE(has(call("GET", chart, head).body, "0歳:6人(3.0)"));
  // Another city keeps the national standard and cannot change this one.
  const Reply other = call("GET", "/api/v1/shifts/ratio-settings", officer_b);
  ASSERT_EQ(other.status, 200);
  for (const auto& s : other.json()["settings"])
    EXPECT_EQ(s["children_per_caregiver"][0], 3) << other.body;
  EXPECT_EQ(
      call(
          "PUT", "/api/v1/shifts/ratio-settings", officer_b,
          R"({"settings":[{"effective_from":"2024-04-01","children_per_caregiver":[3,6,6,15,25,30],"rounding":"ceil_total","minimum_while_open":2,"qualified_percent":100}]})")
          .code(),
      "shifts.ratio_too_loose");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_ratio_settings WHERE municipality_id = ?", {b}), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_ratio_settings WHERE municipality_id = ?", {a}), 2);
}

// 開所時間・休園日: the head sets opening hours, Saturday and holiday opening, the request deadline
// and the working limits; a refused form keeps what was typed and saves nothing; the month's
// chart follows the saved days (the nursery closes on holidays and at the year end unless it
// offers 休日保育); another city's head cannot read or change them.
TEST_P(ShiftsSettingsTest, OpeningHoursAndClosedDaysAreEditedSafely) {
  const int64_t a = city("349301");
  const int64_t b = city("349302");
  const int64_t n1 = nursery(a, "N01", "ひまわり保育所");
  const int64_t t1 = nursery(b, "N01", "となり保育所");
  const int64_t head = user(a, "head@n1", "facility_admin", n1);
  const int64_t staff = user(a, "staff@n1", "facility_staff", n1);
  const int64_t head_b = user(b, "head@t1", "facility_admin", t1);
  const std::string page = "/web/shifts/facility?facility=" + std::to_string(n1);
  const std::string api = "/api/v1/shifts/facilities/" + std::to_string(n1) + "/settings";
  const int64_t roster = insert(
      "INSERT INTO shift_rosters (municipality_id, facility_id, month, state, solve_state, "
      "created_at, updated_at) VALUES (?, ?, '2026-12', 'draft', 'idle', ?, ?)",
      {a, n1, std::string("2026-11-10T00:00:00Z"), std::string("2026-11-10T00:00:00Z")});
  auto chart = [&](const std::string& date) {
    return call("GET", "/web/shifts/rosters/" + std::to_string(roster) + "/chart?date=" + date,
                head)
        .body;
  };
  // Defaults: open 07:00–19:00 and on Saturdays; closed from 12/29 (年末年始).
  Reply shown = call("GET", page, head);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_TRUE(has(shown.body, "name=\"opens_at\" value=\"07:00\""));
  EXPECT_TRUE(has(shown.body, "name=\"open_saturday\" value=\"1\" checked"));
  EXPECT_FALSE(has(shown.body, "name=\"open_holidays\" value=\"1\" checked"));
  EXPECT_FALSE(has(chart("2026-12-05"), "id=\"closed\""));  // a Saturday
  EXPECT_TRUE(has(chart("2026-12-29"), "休園日（年末年始）"));
  EXPECT_EQ(call("GET", page, staff).status, 403);

  Fields good{{"opens_at", "07:30"},          {"closes_at", "18:30"},
              {"slot_minutes", "30"},         {"open_holidays", "1"},
              {"request_deadline_day", "15"}, {"max_consecutive_days", "5"},
              {"min_rest_minutes", "600"}};
  // Closing before opening: the form again, the values as typed, nothing saved.
  Fields bad = good;
  bad[1].second = "07:00";
  Reply refused = form(page, head, bad);
  EXPECT_EQ(refused.status, 422);
  EXPECT_TRUE(has(refused.body, "閉所時刻は開所時刻より後にし")) << refused.body;
  EXPECT_TRUE(has(refused.body, "name=\"closes_at\" value=\"07:00\""));
  EXPECT_TRUE(has(refused.body, "name=\"open_holidays\" value=\"1\" checked"));
  bad = good;
  bad[4].second = "３０";  // full-width digits are read, but 30 is not a day of every month
  EXPECT_TRUE(has(form(page, head, bad).body, "締切日は1〜28日で入力してください"));
  bad = good;
  bad[2].second = "20";
  EXPECT_TRUE(has(form(page, head, bad).body, "時間帯の区切りは15分か30分です"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_settings"), 0);

  Reply saved = form(page, head, good);
  ASSERT_EQ(saved.status, 303) << saved.body;
  EXPECT_EQ(text("SELECT opens_at FROM shift_settings WHERE facility_id = ?", {n1}), "07:30");
  EXPECT_EQ(scalar("SELECT open_saturday FROM shift_settings WHERE facility_id = ?", {n1}), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'shifts.facility_settings_changed' AND actor_user_id = ?",
                   {head}),
            1);
  // Saturdays are now closed, the year end open (休日保育), the day starts at 07:30.
  EXPECT_TRUE(has(chart("2026-12-05"), "id=\"closed\""));
  const std::string yearEnd = chart("2026-12-29");
  EXPECT_FALSE(has(yearEnd, "id=\"closed\"")) << yearEnd;
  EXPECT_TRUE(has(yearEnd, "<th>07:30</th>"));
  EXPECT_FALSE(has(yearEnd, "<th>07:00</th>"));

  // The API: the same settings; a field of the wrong type or a bad value changes nothing.
  Reply got = call("GET", api, head);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["min_rest_minutes"], 600);
  EXPECT_EQ(got.json()["open_holidays"], true);
  EXPECT_EQ(call("PUT", api, head, R"({"open_saturday":"yes"})").code(), "shifts.invalid_field");
  EXPECT_EQ(call("PUT", api, head, R"({"max_consecutive_days":13})").code(),
            "shifts.invalid_max_consecutive");
  EXPECT_EQ(call("PUT", api, head, R"({"opens_at":"7時"})").code(), "shifts.invalid_time");
  Reply put = call("PUT", api, head, R"({"open_saturday":true,"min_rest_minutes":660})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["opens_at"], "07:30");  // left out: unchanged
  EXPECT_EQ(scalar("SELECT open_saturday FROM shift_settings WHERE facility_id = ?", {n1}), 1);
  EXPECT_EQ(scalar("SELECT max_consecutive_days FROM shift_settings WHERE facility_id = ?", {n1}),
            5);
  // Another city's head: not found, nothing changed.
  EXPECT_EQ(call("GET", api, head_b).status, 404);
  EXPECT_EQ(call("PUT", api, head_b, R"({"open_saturday":false})").status, 404);
  EXPECT_EQ(scalar("SELECT open_saturday FROM shift_settings WHERE facility_id = ?", {n1}), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shift_settings"), 1);
}

// The generation queue lives in memory: a rota a stopped server left 作成中 (queued or running)
// is generated when the server starts again, instead of staying stuck (a second generation would
// be refused as "already solving").
TEST_P(ShiftsSettingsTest, AGenerationLeftByAStoppedServerIsFinishedAfterARestart) {
  const int64_t a = city("349301");
  const int64_t n1 = nursery(a, "N01", "ひまわり保育所");
  const std::string t = "2026-11-10T00:00:00Z";
  for (int i = 0; i < 3; ++i) {
    const int64_t s = insert(
        "INSERT INTO staff (municipality_id, employee_code, family_name, given_name, "
        "family_name_kana, given_name_kana, created_at) VALUES (?, ?, '保育', '士', 'ホイク', "
        "'シ', ?)",
        {a, "S" + std::to_string(i), t});
    insert(
        "INSERT INTO staff_qualifications (municipality_id, staff_id, qualification) VALUES "
        "(?, ?, 'hoikushi')",
        {a, s});
    insert(
        "INSERT INTO staff_assignments (municipality_id, staff_id, facility_id, starts_on) "
        "VALUES (?, ?, ?, '2026-04-01')",
        {a, s, n1});
    insert(
        "INSERT INTO staff_contracts (municipality_id, staff_id, kind, minutes_per_week, "
        "days_per_week, starts_on) VALUES (?, ?, 'full_time', 2400, 5, '2026-04-01')",
        {a, s});
  }
  const int64_t running = insert(
      "INSERT INTO shift_rosters (municipality_id, facility_id, month, state, solve_state, "
      "created_at, updated_at) VALUES (?, ?, '2026-12', 'draft', 'running', ?, ?)",
      {a, n1, t, t});
  const int64_t queued = insert(
      "INSERT INTO shift_rosters (municipality_id, facility_id, month, state, solve_state, "
      "created_at, updated_at) VALUES (?, ?, '2027-01', 'draft', 'queued', ?, ?)",
      {a, n1, t, t});
  sys_->rt->stop();
  sys_->rt->start();
  auto state = [&](int64_t roster) {
    return text("SELECT solve_state FROM shift_rosters WHERE id = ?", {roster});
  };
  for (int i = 0; i < 400 && (state(running) != "done" || state(queued) != "done"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(state(running), "done");
  EXPECT_EQ(state(queued), "done");
  // Three caregivers cannot cover a whole month alone, but the rota is there, and says so.
  EXPECT_GT(scalar("SELECT COUNT(*) FROM shift_roster_cells WHERE roster_id = ?", {running}), 20);
  EXPECT_GT(scalar("SELECT hard_violations FROM shift_rosters WHERE id = ?", {running}), 0);
}

SUKUSUKU_INSTANTIATE_BACKENDS(ShiftsSettingsTest);

}  // namespace
}  // namespace sukusuku::testing
