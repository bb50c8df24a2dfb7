// The eligibility plugin in a whole system on every backend, over real HTTP, on the demo
// municipality: the household profile evaluated for its family, the home card, applications
// from entry checks to the city's decision and back, pushes to newly eligible families only,
// supporting shops, and the scope that keeps families and cities apart.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <sukusuku/builtin.h>

#include "plugin_test_support.h"

namespace sukusuku::testing {
namespace {

constexpr const char* kGuardian = "guardian@demo.sukusuku.jp";
constexpr const char* kExpecting = "family@demo.sukusuku.jp";
constexpr const char* kOfficer = "kodomo@demo.sukusuku.jp";
constexpr const char* kStaff = "staff@demo.sukusuku.jp";
constexpr const char* kTonariStaff = "staff@tonari.demo.sukusuku.jp";

class EligibilityPluginTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { sys_ = std::make_unique<EligibilitySystem>(GetParam()); }
  void TearDown() override { sys_.reset(); }

  // The demo guardian's household made deterministic: two parents, 5,000,000 yen, no
  // disability.
  int64_t fixGuardianHousehold() {
    int64_t h = sys_->householdOf(kGuardian);
    sys_->execute("UPDATE households SET single_parent = 0, resident_tax_exempt = 0, "
                  "income_yen = 5000000, dependants = 2 WHERE id = ?",
                  {h});
    sys_->execute("UPDATE children SET disability_grade = 0 WHERE household_id = ?", {h});
    return h;
  }

  const nlohmann::json* result(const nlohmann::json& me, const std::string& programme) {
    for (const auto& r : me["results"]) {
      if (r["programme"] == programme) return &r;
    }
    return nullptr;
  }

  void checkShops();

  std::unique_ptr<EligibilitySystem> sys_;
};

TEST_P(EligibilityPluginTest, ProfileIsEvaluatedForItsOwnFamilyWithAHomeCardAndNearbyShops) {
  fixGuardianHousehold();
  std::string guardian = sys_->token(kGuardian);
  auto me = sys_->api("GET", "/api/v1/eligibility/me", guardian);
  ASSERT_EQ(me.status, 200) << me.body;
  auto j = me.json();
  EXPECT_EQ(j["results"].size(), 5u);
  EXPECT_EQ(j["household"]["municipality"], "広島県すくすく市");
  EXPECT_EQ(j["household"]["income_yen"], 5000000);
  const auto* jt = result(j, "jidou_teate");
  ASSERT_TRUE(jt);
  EXPECT_EQ((*jt)["status"], "eligible");
  EXPECT_GE((*jt)["monthly_amount_yen"].get<int64_t>(), 10000);
  EXPECT_EQ((*jt)["name"], "児童手当");
  EXPECT_NE((*jt)["reasons"][0]["text"].get<std::string>().find("18歳"), std::string::npos);
  // Not a single parent: 児童扶養手当 is not_eligible with 0 yen, never "eligible for 0".
  const auto* jf = result(j, "jidou_fuyou_teate");
  EXPECT_EQ((*jf)["status"], "not_eligible");
  EXPECT_EQ((*jf)["monthly_amount_yen"], 0);

  // The home feed lists what the family may apply for.
  auto home = sys_->api("GET", "/api/v1/home", guardian);
  ASSERT_EQ(home.status, 200) << home.body;
  bool card = false;
  const nlohmann::json feed = home.json();
  for (const auto& c : feed["cards"]) {
    if (c["kind"] != "eligibility.may_apply") continue;
    card = true;
    std::set<std::string> ids;
    for (const auto& p : c["data"]["programmes"]) ids.insert(p["programme"]);
    EXPECT_TRUE(ids.count("jidou_teate"));
    EXPECT_FALSE(ids.count("jidou_fuyou_teate"));
  }
  EXPECT_TRUE(card) << home.body;

  // Supporting shops (in the same system, to keep the suite's set-ups few).
  checkShops();

  // English for a user who chose English.
  sys_->execute("UPDATE users SET language = 'en' WHERE login = ?", {kGuardian});
  auto en = sys_->api("GET", "/api/v1/eligibility/me", sys_->token(kGuardian)).json();
  EXPECT_EQ((*result(en, "jidou_teate"))["name"], "Child allowance");

  // A household with an impossible record is refused with the field, not guessed at.
  sys_->execute("UPDATE children SET birth_date = '2999-01-01' WHERE household_id = ?",
                {sys_->householdOf(kGuardian)});
  auto bad = sys_->api("GET", "/api/v1/eligibility/me", guardian);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.code(), "eligibility.invalid_household");

  // Staff have no household view of their own; anonymous callers are refused.
  EXPECT_EQ(sys_->api("GET", "/api/v1/eligibility/me", sys_->token(kStaff)).status, 403);
  EXPECT_EQ(sys_->request("GET", "/api/v1/eligibility/me").status, 401);
}

TEST_P(EligibilityPluginTest, ApplicationsAreCheckedAtEntryAndFlowToTheCityAndBack) {
  int64_t household = fixGuardianHousehold();
  std::string guardian = sys_->token(kGuardian);
  auto apply = [&](const nlohmann::json& body) {
    return sys_->api("POST", "/api/v1/eligibility/applications", guardian, body);
  };
  auto fieldCodes = [](const Reply& r, const std::string& field) {
    std::set<std::string> codes;
    for (const auto& e : r.json()["error"]["details"]["fields"].value(field, nlohmann::json::array())) {
      codes.insert(e["code"]);
    }
    return codes;
  };
  // Field checks, each error under its field, nothing stored.
  auto r = apply({{"programme", "jidou_teate"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(fieldCodes(r, "declaration").count("required"));
  r = apply({{"programme", "nope"}, {"declaration", true}});
  EXPECT_TRUE(fieldCodes(r, "programme").count("unknown_programme")) << r.body;
  r = apply({{"programme", "jidou_teate"}, {"declaration", true}, {"answers", {{"salary", 1}}}});
  EXPECT_TRUE(fieldCodes(r, "salary").count("unknown_field")) << r.body;
  r = apply({{"programme", "jidou_fuyou_teate"},
             {"declaration", true},
             {"answers", {{"income_yen", -5}}}});
  EXPECT_TRUE(fieldCodes(r, "income_yen").count("invalid")) << r.body;
  // The programme's conditions, evaluated on the submitted data, name the deciding field.
  r = apply({{"programme", "jidou_fuyou_teate"}, {"declaration", true}});
  ASSERT_EQ(r.status, 422);
  EXPECT_TRUE(fieldCodes(r, "single_parent").count("condition_not_met")) << r.body;
  EXPECT_EQ(r.json()["error"]["details"]["result"]["status"], "not_eligible");
  // Missing information is asked for, not guessed.
  r = apply({{"programme", "jidou_fuyou_teate"},
             {"declaration", true},
             {"answers", {{"single_parent", true}}}});
  EXPECT_TRUE(fieldCodes(r, "child_support_received_yen").count("required")) << r.body;
  r = apply({{"programme", "jidou_fuyou_teate"},
             {"declaration", true},
             {"answers", {{"single_parent", true}, {"child_support_received_yen", 0}}}});
  EXPECT_TRUE(fieldCodes(r, "income_yen").count("condition_not_met")) << r.body;
  EXPECT_EQ(sys_->scalar("SELECT COUNT(*) FROM eligibility_applications"), 0);

  // A valid application is stored as submitted; a second one for the programme conflicts.
  r = apply({{"programme", "jidou_teate"}, {"declaration", true}});
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t id = r.json()["id"];
  EXPECT_EQ(r.json()["status"], "submitted");
  EXPECT_EQ(apply({{"programme", "jidou_teate"}, {"declaration", true}}).code(),
            "eligibility.application_exists");

  // Another family sees nothing of it.
  std::string other = sys_->token(kExpecting);
  EXPECT_EQ(sys_->api("GET", "/api/v1/eligibility/applications/" + std::to_string(id), other)
                .status,
            404);
  EXPECT_EQ(sys_->api("GET", "/api/v1/eligibility/applications", other).json()["items"].size(),
            0u);

  // The city officer's queue shows it; facility staff may not open the queue.
  auto officer = sys_->webLogin(kOfficer);
  auto queue = sys_->webGet(officer, "/web/eligibility/applications");
  ASSERT_EQ(queue.status, 200);
  EXPECT_NE(queue.body.find("/web/eligibility/applications/" + std::to_string(id)),
            std::string::npos);
  auto staff = sys_->webLogin(kStaff);
  EXPECT_EQ(sys_->webGet(staff, "/web/eligibility/applications").status, 403);
  std::string page = "/web/eligibility/applications/" + std::to_string(id);
  auto detail = sys_->webGet(officer, page);
  ASSERT_EQ(detail.status, 200);
  EXPECT_NE(detail.body.find("児童手当"), std::string::npos);

  // Forms need the CSRF token; a return needs a message; then the family sees it and resubmits.
  EXPECT_EQ(sys_->webPost(officer, page + "/decision", {{"action", "return"}}, false).status, 403);
  auto no_msg = sys_->webPost(officer, page + "/decision", {{"action", "return"}});
  EXPECT_EQ(no_msg.status, 422);
  EXPECT_EQ(sys_->webPost(officer, page + "/decision", {{"action", "review"}}).status, 303);
  auto ret = sys_->webPost(officer, page + "/decision",
                           {{"action", "return"}, {"message", "口座の名義をご確認ください"}});
  EXPECT_EQ(ret.status, 303) << ret.body;
  auto mine = sys_->api("GET", "/api/v1/eligibility/applications/" + std::to_string(id), guardian);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json()["status"], "returned");
  EXPECT_EQ(mine.json()["officer_message"], "口座の名義をご確認ください");
  EXPECT_EQ(mine.json()["history"].size(), 3u);
  // Approving a returned application is not a valid step.
  EXPECT_EQ(sys_->webPost(officer, page + "/decision", {{"action", "approve"}}).status, 409);
  auto again = sys_->api("PUT", "/api/v1/eligibility/applications/" + std::to_string(id),
                         guardian, {{"declaration", true}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["status"], "submitted");
  EXPECT_EQ(sys_->webPost(officer, page + "/decision", {{"action", "approve"}}).status, 303);
  auto list = sys_->api("GET", "/api/v1/eligibility/applications", guardian).json();
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["status"], "approved");

  // Every transition is in the audit log.
  EXPECT_EQ(sys_->scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE "
                         "'eligibility.application.%' AND target_id = ?",
                         {std::to_string(id)}),
            5);
  EXPECT_EQ(sys_->scalar("SELECT COUNT(*) FROM eligibility_applications WHERE household_id = ?",
                         {household}),
            1);
}

TEST_P(EligibilityPluginTest, ABirthIsAnnouncedOnceToThatFamilyAndToNoOtherFamily) {
  auto told = [&](const std::string& where, const db::Params& params = {}) {
    return sys_->scalar("SELECT COUNT(*) FROM eligibility_notices WHERE via <> 'baseline'" +
                            where,
                        params);
  };
  // The demo's baseline: what families already get is known, and nobody was pushed for it.
  EXPECT_GT(sys_->scalar("SELECT COUNT(*) FROM eligibility_notices WHERE via = 'baseline'"), 0);
  EXPECT_EQ(told(""), 0);
  int64_t expecting = sys_->householdOf(kExpecting);

  std::string officer = sys_->token(kOfficer);
  auto birth = sys_->api("POST",
                         "/api/v1/eligibility/households/" + std::to_string(expecting) + "/births",
                         officer,
                         {{"given_name", "陽葵"}, {"given_name_kana", "ヒマリ"},
                          {"birth_date", tokyoDate(sys_->sys->rt->clock().now())},
                          {"sex", "female"}});
  ASSERT_EQ(birth.status, 201) << birth.body;
  EXPECT_EQ(told(""), 1);
  EXPECT_EQ(told(" AND household_id = ? AND programme = 'jidou_teate'", {expecting}), 1);
  EXPECT_EQ(told(" AND household_id <> ?", {expecting}), 0);
  // ...and the push core holds exactly that: inbox rows (each with its pushes) only for the
  // guardians of that family.
  auto inbox = [&](const std::string& op) {
    return sys_->scalar(
        "SELECT COUNT(*) FROM inbox i JOIN notifications n ON n.id = i.notification_id "
        "WHERE n.category = 'eligibility.newly_eligible' AND i.user_id IN (SELECT user_id FROM "
        "guardians WHERE user_id IS NOT NULL AND household_id " + op + " ?)",
        {expecting});
  };
  EXPECT_GE(inbox("="), 1);
  EXPECT_EQ(inbox("<>"), 0);
  EXPECT_EQ(sys_->scalar("SELECT COUNT(*) FROM inbox i JOIN notifications n ON "
                         "n.id = i.notification_id WHERE n.category = 'eligibility.newly_eligible'"),
            inbox("="));

  // Told once: twins, a re-check of the city and the daily job add nothing.
  ASSERT_EQ(sys_->api("POST",
                      "/api/v1/eligibility/households/" + std::to_string(expecting) + "/births",
                      officer,
                      {{"given_name", "凛"}, {"given_name_kana", "リン"},
                       {"birth_date", tokyoDate(sys_->sys->rt->clock().now())}})
                .status,
            201);
  auto [rc, out] = sys_->cli("recheck", {"--municipality", "349999"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("newly eligible: 0"), std::string::npos) << out;
  EXPECT_EQ(told(""), 1);
  EXPECT_EQ(sys_->cli("recheck", {"--municipality", "000000"}).first, 2);

  // The daily job catches what changed without an event (children growing older, imports):
  // a family that appeared with a child is told once, on the first run only.
  auto daily = [&] {
    for (const auto& job : sys_->sys->rt->jobs().jobs()) {
      if (job.name == "eligibility.daily_recheck") job.run(sys_->sys->rt->clock().now());
    }
  };
  int64_t city = sys_->scalar("SELECT municipality_id FROM households WHERE id = ?", {expecting});
  int64_t quiet = sys_->scalar("SELECT MAX(id) FROM households") + 1;
  sys_->execute("INSERT INTO households (id, municipality_id, name, postal_code, address, phone, "
                "single_parent, created_at, updated_at) VALUES (?, ?, '転入家', '720-0000', "
                "'すくすく市', '0', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                {quiet, city});
  sys_->execute("INSERT INTO children (municipality_id, household_id, family_name, given_name, "
                "family_name_kana, given_name_kana, birth_date, sex, created_at) VALUES (?, ?, "
                "'転入', '一郎', 'テンニュウ', 'イチロウ', '2020-06-01', 'male', "
                "'2026-01-01T00:00:00Z')",
                {city, quiet});
  daily();
  EXPECT_EQ(told(" AND household_id = ? AND programme = 'jidou_teate'", {quiet}), 1);
  daily();
  EXPECT_EQ(told(""), 2);

  // The family is never told about what it cannot get: a household that becomes eligible only
  // "pending information" is not told.
  int64_t guardian_household = sys_->householdOf(kGuardian);
  sys_->execute("UPDATE households SET single_parent = 1, income_yen = 1000000, dependants = 1 "
                "WHERE id = ?",
                {guardian_household});
  sys_->sys->rt->events().publishNow(
      Event{"household.income_updated",
            sys_->scalar("SELECT municipality_id FROM households WHERE id = ?",
                         {guardian_household}),
            {{"household_id", guardian_household}, {"income_year", 2026}}});
  EXPECT_EQ(told(" AND household_id = ? AND programme = 'jidou_fuyou_teate'",
                 {guardian_household}),
            0);

  // Births only in one's own municipality; guardians may not record them.
  EXPECT_EQ(sys_->api("POST",
                      "/api/v1/eligibility/households/" +
                          std::to_string(sys_->scalar(
                              "SELECT MIN(h.id) FROM households h JOIN municipalities m ON "
                              "m.id = h.municipality_id WHERE m.code = '349998'")) +
                          "/births",
                      officer,
                      {{"given_name", "x"}, {"given_name_kana", "x"},
                       {"birth_date", tokyoDate(sys_->sys->rt->clock().now())}})
                .status,
            404);
  EXPECT_EQ(sys_->api("POST",
                      "/api/v1/eligibility/households/" + std::to_string(expecting) + "/births",
                      sys_->token(kGuardian), {{"given_name", "x"}})
                .status,
            403);
}

// Shops are found nearest first, within the radius, in one's own city only.
void EligibilityPluginTest::checkShops() {
  std::string guardian = sys_->token(kGuardian);
  const std::string centre = "lat=34.4894&lon=133.3626";
  auto near = sys_->api("GET", "/api/v1/eligibility/shops?" + centre + "&radius_m=1000", guardian);
  ASSERT_EQ(near.status, 200) << near.body;
  auto items = near.json()["items"];
  ASSERT_EQ(items.size(), 4u) << near.body;  // the demo shops 144, 250, 461 and 494 m away
  EXPECT_EQ(items[0]["name"], "すくすくベーカリー");
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_LE(items[i]["distance_m"].get<int64_t>(), 1000);
    if (i > 0) {
      EXPECT_LE(items[i - 1]["distance_m"], items[i]["distance_m"]);
    }
  }
  EXPECT_NEAR(items[0]["distance_m"].get<double>(), 144, 3);
  // Paged.
  auto p1 = sys_->api("GET", "/api/v1/eligibility/shops?" + centre + "&radius_m=1000&limit=3",
                      guardian).json();
  ASSERT_EQ(p1["items"].size(), 3u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  auto p2 = sys_->api("GET", "/api/v1/eligibility/shops?" + centre +
                                 "&radius_m=1000&limit=3&cursor=" +
                                 p1["next_cursor"].get<std::string>(),
                      guardian).json();
  ASSERT_EQ(p2["items"].size(), 1u);
  EXPECT_EQ(p2["items"][0]["id"], items[3]["id"]);
  EXPECT_TRUE(p2["next_cursor"].is_null());
  // The whole city within 50 km: its 12 shops, none of the neighbour town's.
  auto all = sys_->api("GET", "/api/v1/eligibility/shops?" + centre + "&radius_m=50000&limit=200",
                       guardian).json();
  EXPECT_EQ(all["items"].size(), 12u);
  auto tonari = sys_->api("GET", "/api/v1/eligibility/shops?" + centre + "&radius_m=50000",
                          sys_->token(kTonariStaff)).json();
  EXPECT_EQ(tonari["items"].size(), 2u);
  for (const auto& s : tonari["items"]) EXPECT_NE(s["name"], "すくすくベーカリー");
  // Bad positions are refused with the field.
  for (const std::string q : {"lat=91&lon=133", "lat=abc&lon=133", "lon=133",
                              "lat=34&lon=133&radius_m=0", "lat=34&lon=133&radius_m=60000"}) {
    auto bad = sys_->api("GET", "/api/v1/eligibility/shops?" + q, guardian);
    EXPECT_EQ(bad.status, 422) << q;
    EXPECT_EQ(bad.code(), "eligibility.invalid_position") << q;
  }

  // An officer adds a shop on the page; it is found from the phone.
  auto officer = sys_->webLogin(kOfficer);
  auto bad = sys_->webPost(officer, "/web/eligibility/shops",
                           {{"name", "新しいお店"}, {"category", "food"}, {"offer", "10%引き"},
                            {"lat", "north"}, {"lon", "133.3626"}});
  EXPECT_EQ(bad.status, 422);
  auto added = sys_->webPost(officer, "/web/eligibility/shops",
                             {{"name", "新しいお店"}, {"category", "food"}, {"offer", "10%引き"},
                              {"address", "中央町1"}, {"lat", "34.48945"}, {"lon", "133.3626"}});
  EXPECT_EQ(added.status, 303) << added.body;
  auto first = sys_->api("GET", "/api/v1/eligibility/shops?" + centre + "&radius_m=100", guardian)
                   .json();
  ASSERT_EQ(first["items"].size(), 1u);
  EXPECT_EQ(first["items"][0]["name"], "新しいお店");
}

SUKUSUKU_INSTANTIATE_BACKENDS(EligibilityPluginTest);

// A broken programme file stops start-up, naming the file and the path, rather than letting the
// server evaluate from half-understood rules.
TEST(EligibilityPluginStartup, RefusesToStartWithABrokenProgramme) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("eligibility_broken_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy(fs::path(ELIGIBILITY_PROGRAMMES_DIR) / "jidou_teate.json", dir / "jidou_teate.json");
  std::ofstream(dir / "city.json") << R"({"format": "sukusuku.eligibility.programme/1",
    "id": "city_bonus", "scope": "municipal", "name": {"ja": "市の応援金", "en": "City bonus"},
    "benefit": {"kind": "monthly_allowance", "ja": "月額", "en": "Monthly"},
    "in_force_from": "2025-04-01", "sources": {"ordinance": {"title": "条例"}},
    "parameters": {"amount": {"type": "number", "unit": "yen/month",
      "versions": [{"from": "2025-04-01", "value": 5000, "source": "ordinance"}]}},
    "conditions": [{"id": "low_income", "require": "household.incom_yen < 1000000",
      "met": {"ja": "a", "en": "a"}, "not_met": {"ja": "b", "en": "b"}}],
    "monthly_amount_yen": "params.amount"})";
  ScratchDatabase scratch("sqlite");
  auto config = std::make_unique<Config>();
  config->set("db.url", scratch.url());
  config->set("data.dir", scratch.dataDir());
  config->set("plugins.dir", binaryDir() + "/lib/sukusuku/plugins");
  config->set("resources.dir", resourcesDir());
  config->set("plugins.enabled", "eligibility");
  config->set("jobs.enabled", "false");
  config->set("eligibility.programmes_dir", dir.string());
  Runtime rt(std::move(config));
  addBuiltInModules(rt);
  try {
    rt.boot();
    FAIL() << "start-up went on with a broken programme";
  } catch (const std::exception& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("city.json"), std::string::npos) << what;
    EXPECT_NE(what.find("/conditions/0/require"), std::string::npos) << what;
    EXPECT_NE(what.find("incom_yen"), std::string::npos) << what;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sukusuku::testing
