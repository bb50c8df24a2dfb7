// The "push.notifier" service on the demo municipality, on every backend: rows only in a
// committed transaction, audience resolution and isolation, language choice, preferences
// against urgency, validation, read receipts, and password-reset codes through the inbox.
#include <set>

#include <regex>

#include <gtest/gtest.h>

#include <sukusuku/error.h>
#include <sukusuku/identity/identity_service.h>

#include "push_fixture.h"

namespace sukusuku::testing {
namespace {

// Push is "enabled" for these tests (outbox rows are written) but no worker runs: the outbox is
// inspected directly. The credentials file is the FCM test server's throwaway service account.
std::vector<std::pair<std::string, std::string>> enabledSettings() {
  return {{"push.fcm.credentials", SUKUSUKU_FCM_FIXTURE_DIR "/service-account.json"}};
}

class NotifierTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { systems_.clear(); }
  void SetUp() override {
    clock_->set(parseUtc("2026-11-25T03:00:00Z"));  // 12:00 JST
    sys_ = &systems_.get(GetParam(), enabledSettings(), clock_);
    guardian_ = sys_->userId("guardian@demo.sukusuku.jp");
    city_ = sys_->municipalityOf(guardian_);
  }

  push::NotifyResult notify(const push::Notification& n, const push::Audience& a) {
    return sys_->db().transaction(
        [&](db::Tx& tx) { return sys_->notifier()->notify(tx, n, a); });
  }

  std::set<int64_t> inboxUsers(int64_t notification_id) {
    std::set<int64_t> users;
    for (const auto& r : sys_->db().acquire()->query(
             "SELECT user_id FROM inbox WHERE notification_id = ?", {notification_id})) {
      users.insert(r.getInt("user_id"));
    }
    return users;
  }

  static inline SharedPushSystems systems_;
  static inline std::shared_ptr<ManualClock> clock_ =
      std::make_shared<ManualClock>(parseUtc("2026-11-25T03:00:00Z"));
  PushSystem* sys_ = nullptr;
  int64_t guardian_ = 0;
  int64_t city_ = 0;
};

TEST_P(NotifierTest, OnlyACommittedNotifyIsStoredAndQueued) {
  sys_->addDevice(guardian_, "token-a");
  sys_->addDevice(guardian_, "token-b");
  push::Audience me;
  me.user_ids = {guardian_};
  EXPECT_THROW(sys_->db().transaction([&](db::Tx& tx) {
    auto r = sys_->notifier()->notify(tx, sampleNotification(city_), me);
    EXPECT_EQ(r.pushes, 2);
    throw std::runtime_error("the business write failed");
  }),
               std::runtime_error);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications"), 0);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM inbox"), 0);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox"), 0);

  auto r = notify(sampleNotification(city_), me);
  EXPECT_EQ(r.recipients, 1);
  EXPECT_EQ(r.pushes, 2);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM inbox WHERE notification_id = ? AND user_id = ?",
                        {r.notification_id, guardian_}),
            1);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE notification_id = ? AND state = "
                        "'pending'",
                        {r.notification_id}),
            2);
}

TEST_P(NotifierTest, AudienceIsEachPersonOnceAndNeverAnotherMunicipality) {
  auto conn = sys_->db().acquire();
  std::string today = tokyoDate(clock_->now());
  int64_t himawari = conn->queryOne("SELECT id FROM facilities WHERE name = 'ひまわり保育所'")
                         ->getInt("id");
  // Guardians with a login of children enrolled at ひまわり today, computed independently.
  std::set<int64_t> expected;
  for (const auto& r : conn->query(
           "SELECT g.user_id FROM guardians g WHERE g.user_id IS NOT NULL AND g.household_id IN "
           "(SELECT c.household_id FROM children c JOIN enrolments e ON e.child_id = c.id WHERE "
           "e.facility_id = ? AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?))",
           {himawari, today, today})) {
    expected.insert(r.getInt("user_id"));
  }
  ASSERT_TRUE(expected.count(guardian_));
  auto tonari_staff = sys_->userId("staff@tonari.demo.sukusuku.jp");
  int64_t tonari_facility =
      conn->queryOne("SELECT id FROM facilities WHERE name = 'となり保育所'")->getInt("id");
  int64_t own_child = conn->queryOne(
      "SELECT c.id FROM children c JOIN guardians g ON g.household_id = c.household_id WHERE "
      "g.user_id = ?",
      {guardian_})->getInt("id");

  push::Audience a;
  a.facilities = {himawari, tonari_facility};  // the neighbour town's facility is ignored
  a.guardians_of_children = {own_child};       // already in the facility: once
  a.user_ids = {guardian_, tonari_staff};      // the neighbour's staff is ignored
  a.staff_of_facilities = {himawari};
  auto r = notify(sampleNotification(city_), a);
  std::set<int64_t> staff;
  for (const auto& row : conn->query(
           "SELECT s.user_id FROM staff s JOIN staff_assignments sa ON sa.staff_id = s.id WHERE "
           "sa.facility_id = ? AND s.user_id IS NOT NULL",
           {himawari})) {
    staff.insert(row.getInt("user_id"));
  }
  ASSERT_FALSE(staff.empty());
  std::set<int64_t> want = expected;
  want.insert(staff.begin(), staff.end());
  EXPECT_EQ(inboxUsers(r.notification_id), want);
  EXPECT_EQ(r.recipients, static_cast<int64_t>(want.size()));
  EXPECT_FALSE(inboxUsers(r.notification_id).count(tonari_staff));

  // The whole city: every user of the municipality, none of the neighbour town.
  push::Audience all;
  all.whole_municipality = true;
  auto everyone = notify(sampleNotification(city_), all);
  EXPECT_EQ(everyone.recipients,
            sys_->count("SELECT COUNT(*) FROM users WHERE municipality_id = ?", {city_}));
  EXPECT_FALSE(inboxUsers(everyone.notification_id).count(tonari_staff));

  // An audience of nobody is not an error; an empty audience is.
  push::Audience nobody;
  nobody.user_ids = {tonari_staff};
  EXPECT_EQ(notify(sampleNotification(city_), nobody).recipients, 0);
  try {
    notify(sampleNotification(city_), push::Audience{});
    FAIL() << "an empty audience must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.code(), "push.invalid_notification");
  }
}

TEST_P(NotifierTest, PushLanguageIsTheDevicesThenTheUsersThenJapanese) {
  int64_t staff = sys_->userId("staff@demo.sukusuku.jp");
  sys_->db().acquire()->execute("UPDATE users SET language = 'en' WHERE id = ?", {staff});
  sys_->addDevice(guardian_, "ja-phone", "ja");
  sys_->addDevice(guardian_, "en-phone", "en");
  sys_->addDevice(guardian_, "pt-phone", "pt");  // no Portuguese text: the user's (ja)
  sys_->addDevice(staff, "staff-phone", "fr");   // no French: the user's (en)
  push::Audience a;
  a.user_ids = {guardian_, staff};
  auto r = notify(sampleNotification(city_), a);
  std::map<std::string, std::string> lang;
  for (const auto& row : sys_->db().acquire()->query(
           "SELECT token, language FROM push_outbox WHERE notification_id = ?",
           {r.notification_id})) {
    lang[row.getText("token")] = row.getText("language");
  }
  EXPECT_EQ(lang, (std::map<std::string, std::string>{
                      {"ja-phone", "ja"}, {"en-phone", "en"}, {"pt-phone", "ja"},
                      {"staff-phone", "en"}}));
}

TEST_P(NotifierTest, OptOutAndQuietHoursHoldNormalButNotUrgent) {
  int64_t staff = sys_->userId("staff@demo.sukusuku.jp");
  int64_t head = sys_->userId("head@demo.sukusuku.jp");
  sys_->addDevice(guardian_, "g-phone");
  sys_->addDevice(staff, "s-phone");
  sys_->addDevice(head, "h-phone");
  {
    auto conn = sys_->db().acquire();
    conn->execute("INSERT INTO push_opt_outs (user_id, category) VALUES (?, 'test.notice')",
                  {guardian_});
    // 11:00-13:00 JST; the clock says 12:00 JST.
    conn->execute("INSERT INTO push_preferences (user_id, quiet_start_min, quiet_end_min, "
                  "updated_at) VALUES (?, 660, 780, 'x')",
                  {staff});
  }
  push::Audience a;
  a.user_ids = {guardian_, staff, head};
  auto normal = notify(sampleNotification(city_), a);
  EXPECT_EQ(normal.recipients, 3) << "opted-out people still get the inbox row";
  EXPECT_EQ(normal.pushes, 2) << "but no push";
  auto due = [&](int64_t id, const std::string& token) {
    return sys_->db().acquire()->queryOne(
        "SELECT next_attempt_ms FROM push_outbox WHERE notification_id = ? AND token = ?",
        {id, token});
  };
  EXPECT_FALSE(due(normal.notification_id, "g-phone"));
  EXPECT_EQ(due(normal.notification_id, "s-phone")->getInt("next_attempt_ms"),
            parseUtc("2026-11-25T04:00:00Z").time_since_epoch() / std::chrono::milliseconds(1))
      << "deferred to 13:00 JST";
  EXPECT_EQ(due(normal.notification_id, "h-phone")->getInt("next_attempt_ms"),
            clock_->nowMillis());

  auto n = sampleNotification(city_);
  n.priority = push::Priority::kUrgent;
  auto urgent = notify(n, a);
  EXPECT_EQ(urgent.pushes, 3);
  for (const char* token : {"g-phone", "s-phone", "h-phone"}) {
    auto row = due(urgent.notification_id, token);
    ASSERT_TRUE(row) << token;
    EXPECT_EQ(row->getInt("next_attempt_ms"), clock_->nowMillis()) << token;
  }
}

TEST_P(NotifierTest, BadNotificationsAreRefusedAndWriteNothing) {
  push::Audience me;
  me.user_ids = {guardian_};
  auto expectInvalid = [&](push::Notification n, const std::string& field) {
    try {
      notify(n, me);
      ADD_FAILURE() << "accepted a bad " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 422);
      EXPECT_EQ(e.code(), "push.invalid_notification");
      EXPECT_EQ(e.details()["field"], field);
    }
  };
  auto n = sampleNotification(city_);
  n.title.erase("ja");
  expectInvalid(n, "title");
  n = sampleNotification(city_);
  n.body["ja"] = std::string(2001 * 3, 'x');
  expectInvalid(n, "body");
  n = sampleNotification(city_);
  n.category = "no dots";
  expectInvalid(n, "category");
  n = sampleNotification(city_);
  n.data["google.sender"] = "x";
  expectInvalid(n, "data");
  n = sampleNotification(city_);
  n.title["ja"] = "\xff\xfe";
  expectInvalid(n, "title");
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications"), 0);
}

TEST_P(NotifierTest, InboxApiShowsOnlyMyOwnRowsWithReadReceipts) {
  sys_->serve();
  int64_t staff = sys_->userId("staff@demo.sukusuku.jp");
  sys_->db().acquire()->execute("UPDATE users SET language = 'en' WHERE id = ?", {staff});
  push::Audience both;
  both.user_ids = {guardian_, staff};
  for (int i = 0; i < 3; ++i) notify(sampleNotification(city_), both);

  auto list = sys_->request("GET", "/api/v1/inbox?limit=2", guardian_);
  ASSERT_EQ(list.status, 200) << list.body;
  auto j = list.json();
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_EQ(j["unread"], 3);
  EXPECT_EQ(j["items"][0]["title"], "お知らせ");
  EXPECT_EQ(j["items"][0]["data"]["route"], "notice");
  EXPECT_GT(j["items"][0]["id"].get<int64_t>(), j["items"][1]["id"].get<int64_t>())
      << "newest first";
  ASSERT_TRUE(j["next_cursor"].is_string());
  auto rest = sys_->request("GET", "/api/v1/inbox?limit=2&cursor=" +
                                       j["next_cursor"].get<std::string>(),
                            guardian_);
  ASSERT_EQ(rest.json()["items"].size(), 1u);
  EXPECT_TRUE(rest.json()["next_cursor"].is_null());

  auto staff_list = sys_->request("GET", "/api/v1/inbox", staff).json();
  EXPECT_EQ(staff_list["items"][0]["title"], "Notice") << "in the reader's language";
  int64_t staff_item = staff_list["items"][0]["id"];

  // Another person's inbox row does not exist for me.
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox/" + std::to_string(staff_item), guardian_).status,
            404);
  auto foreign =
      sys_->request("POST", "/api/v1/inbox/" + std::to_string(staff_item) + "/read", guardian_);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.code(), "push.inbox_item_not_found");
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox", 0).status, 401);

  int64_t mine = j["items"][0]["id"];
  auto read = sys_->request("POST", "/api/v1/inbox/" + std::to_string(mine) + "/read", guardian_);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(read.json()["read_at"].is_string());
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox/unread-count", guardian_).json()["unread"], 2);
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox/unread-count", staff).json()["unread"], 3)
      << "my reading does not touch anyone else's";

  // The sender sees "read by 1 of 2" for the source_ref of the notification just read.
  auto receipts = sys_->notifier()->receipts(*sys_->db().acquire(), city_, "test.notice:42");
  EXPECT_EQ(receipts.recipients, 2);
  EXPECT_EQ(receipts.read, 1);
  EXPECT_EQ(receipts.read_user_ids, std::vector<int64_t>{guardian_});
  EXPECT_EQ(receipts.unread_user_ids, std::vector<int64_t>{staff});
  EXPECT_EQ(sys_->notifier()->receipts(*sys_->db().acquire(), city_ + 1000, "test.notice:42")
                .recipients,
            0)
      << "receipts are per municipality";

  auto all = sys_->request("POST", "/api/v1/inbox/read-all", guardian_);
  EXPECT_EQ(all.json()["marked"], 2);
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox?unread=true", guardian_).json()["items"].size(),
            0u);
  EXPECT_EQ(sys_->request("GET", "/api/v1/inbox/unread-count", staff).json()["unread"], 3);

  // The home screen shows a card while something is unread.
  auto home = sys_->request("GET", "/api/v1/home", staff).json();
  bool card = false;
  for (const auto& c : home["cards"]) {
    if (c["kind"] == "push.unread_inbox") card = c["data"]["unread"] == 3;
  }
  EXPECT_TRUE(card) << home.dump();
}

TEST_P(NotifierTest, PreferencesAreMineAndValidated) {
  sys_->serve();
  auto put = sys_->request(
      "PUT", "/api/v1/push/preferences", guardian_,
      R"({"muted_categories":["test.notice"],"quiet_hours":{"start":"21:30","end":"06:45"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto got = sys_->request("GET", "/api/v1/push/preferences", guardian_).json();
  EXPECT_EQ(got["muted_categories"], nlohmann::json::array({"test.notice"}));
  EXPECT_EQ(got["quiet_hours"]["start"], "21:30");
  EXPECT_EQ(got["quiet_hours"]["end"], "06:45");
  int64_t staff = sys_->userId("staff@demo.sukusuku.jp");
  EXPECT_EQ(sys_->request("GET", "/api/v1/push/preferences", staff).json()["muted_categories"],
            nlohmann::json::array());
  for (const char* bad :
       {R"({"muted_categories":"test.notice"})", R"({"muted_categories":["NOPE"]})",
        R"({"muted_categories":[],"quiet_hours":{"start":"25:00","end":"06:00"}})",
        R"({"muted_categories":[],"quiet_hours":{"start":"06:00","end":"06:00"}})"}) {
    auto r = sys_->request("PUT", "/api/v1/push/preferences", guardian_, bad);
    EXPECT_EQ(r.status, 422) << bad;
    EXPECT_EQ(r.code(), "push.invalid_preferences") << bad;
  }
  EXPECT_EQ(sys_->request("GET", "/api/v1/push/preferences", guardian_).json(), got)
      << "a refused update changes nothing";
  // Clearing quiet hours and opt-outs.
  auto clear = sys_->request("PUT", "/api/v1/push/preferences", guardian_,
                             R"({"muted_categories":[],"quiet_hours":null})");
  EXPECT_TRUE(clear.json()["quiet_hours"].is_null());
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_opt_outs"), 0);
}

TEST_P(NotifierTest, PasswordResetCodesGoToThePersonsInboxAndPhone) {
  sys_->addDevice(guardian_, "g-phone");
  auto identity = sys_->rt().services().find<identity::IdentityService>("identity");
  identity->requestPasswordReset("guardian@demo.sukusuku.jp", "req-1");
  auto row = sys_->db().acquire()->queryOne(
      "SELECT n.id, n.body, n.push_body, n.priority FROM notifications n JOIN inbox i ON "
      "i.notification_id = n.id WHERE i.user_id = ? AND n.category = 'identity.password_reset'",
      {guardian_});
  ASSERT_TRUE(row);
  EXPECT_EQ(row->getText("priority"), "urgent");
  // The phone gets the code; the inbox only that a code was sent.
  auto push_body = nlohmann::json::parse(row->getText("push_body"));
  EXPECT_TRUE(std::regex_search(push_body["ja"].get<std::string>(), std::regex("確認コードは [0-9]{8} です")))
      << push_body.dump();
  auto body = nlohmann::json::parse(row->getText("body"));
  EXPECT_NE(body["ja"].get<std::string>().find("確認コード"), std::string::npos);
  EXPECT_FALSE(std::regex_search(body.dump(), std::regex("[0-9]{8}"))) << body.dump();
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE notification_id = ?",
                        {row->getInt("id")}),
            1);
}

TEST_P(NotifierTest, StaleTokensAndDayOldResetCodesAreDroppedByTheHourlyJob) {
  sys_->addDevice(guardian_, "fresh-phone");
  int64_t stale = sys_->addDevice(guardian_, "stale-phone");
  sys_->db().acquire()->execute("UPDATE devices SET refreshed_at = ? WHERE id = ?",
                                {formatUtc(clock_->now() - std::chrono::hours(24 * 271)), stale});
  auto identity = sys_->rt().services().find<identity::IdentityService>("identity");
  identity->requestPasswordReset("guardian@demo.sukusuku.jp", "req-1");
  clock_->advance(std::chrono::hours(25));
  identity->requestPasswordReset("guardian@demo.sukusuku.jp", "req-2");
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications WHERE category = "
                        "'identity.password_reset'"),
            2);
  // The newer code's push failed for good: nothing will send its text any more.
  sys_->db().acquire()->execute("UPDATE push_outbox SET state = 'failed'");
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications WHERE push_body IS NOT NULL"), 2);
  sys_->rt().jobs().runDue();
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications WHERE push_body IS NOT NULL"), 0)
      << "a code's push text is dropped once no push of it is pending";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM devices WHERE token = 'stale-phone'"), 0);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM devices WHERE token = 'fresh-phone'"), 1);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications WHERE category = "
                        "'identity.password_reset'"),
            1)
      << "the code of a day ago is gone with its inbox and outbox rows";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM inbox i JOIN notifications n ON n.id = "
                        "i.notification_id WHERE n.category = 'identity.password_reset'"),
            1);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotifierTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
