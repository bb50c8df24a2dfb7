// From a committed notify() to the FCM test server, on every backend: exactly one request per
// device, dead tokens pruned, permanent errors failed, temporary ones retried later, a worker
// crash between claim and acknowledgement, two workers (two "nodes") racing, quiet hours, and
// `sukusuku notify` end to end.
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <sukusuku/push/outbox.h>

#include "fcm_test_server.h"
#include "push_fixture.h"

namespace sukusuku::testing {
namespace {

class OutboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<FcmTestServer>(); }
  static void TearDownTestSuite() {
    systems_.clear();
    server_.reset();
  }
  void SetUp() override {
    server_->control("reset", nlohmann::json::object());
    clock_->set(parseUtc("2026-11-25T03:00:00Z"));  // 12:00 JST
    sys_ = &systems_.get(GetParam(),
                         {{"push.fcm.credentials", server_->credentialsFile()},
                          {"push.fcm.endpoint", server_->endpoint()},
                          {"push.fcm.ca_file", FcmTestServer::caFile()}},
                         clock_);
    tokens_ = std::make_shared<push::AccessTokenSource>(
        push::ServiceAccount::fromFile(server_->credentialsFile()), std::chrono::seconds(10),
        FcmTestServer::caFile());
    guardian_ = sys_->userId("guardian@demo.sukusuku.jp");
    city_ = sys_->municipalityOf(guardian_);
  }

  std::unique_ptr<push::OutboxWorker> worker(const std::string& owner, db::Database* db = nullptr,
                                             int batch = 500) {
    push::FcmOptions o;
    o.endpoint = server_->endpoint();
    o.ca_file = FcmTestServer::caFile();
    push::OutboxOptions opt;
    opt.owner = owner;
    opt.batch_size = batch;
    opt.lease = std::chrono::seconds(60);
    return std::make_unique<push::OutboxWorker>(db ? *db : sys_->db(), *clock_,
                                                std::make_shared<push::FcmClient>(tokens_, o),
                                                &sys_->rt().metrics(), opt);
  }

  push::NotifyResult notify(const push::Audience& a,
                            push::Priority priority = push::Priority::kNormal) {
    auto n = sampleNotification(city_);
    n.priority = priority;
    return sys_->db().transaction(
        [&](db::Tx& tx) { return sys_->notifier()->notify(tx, n, a); });
  }

  std::string state(const std::string& token) {
    return sys_->db().acquire()->queryOne(
        "SELECT state FROM push_outbox WHERE token = ? ORDER BY id DESC", {token})->getText("state");
  }

  // Users of the city with a login, to give devices to.
  std::vector<int64_t> users(int n) {
    std::vector<int64_t> out;
    for (const auto& r : sys_->db().acquire()->query(
             "SELECT id FROM users WHERE municipality_id = ? ORDER BY id", {city_})) {
      if (static_cast<int>(out.size()) < n) out.push_back(r.getInt("id"));
    }
    return out;
  }

  static inline std::unique_ptr<FcmTestServer> server_;
  static inline SharedPushSystems systems_;
  static inline std::shared_ptr<ManualClock> clock_ =
      std::make_shared<ManualClock>(parseUtc("2026-11-25T03:00:00Z"));
  PushSystem* sys_ = nullptr;
  std::shared_ptr<push::AccessTokenSource> tokens_;
  int64_t guardian_ = 0;
  int64_t city_ = 0;
};

TEST_P(OutboxTest, ACommittedNoticeReachesEachDeviceExactlyOnceAndARolledBackOneNever) {
  int64_t staff = sys_->userId("staff@demo.sukusuku.jp");
  sys_->db().acquire()->execute("UPDATE users SET language = 'en' WHERE id = ?", {staff});
  sys_->addDevice(guardian_, "guardian-phone");
  sys_->addDevice(guardian_, "guardian-tablet");
  sys_->addDevice(staff, "staff-phone", "en");
  push::Audience a;
  a.user_ids = {guardian_, staff};
  EXPECT_THROW(sys_->db().transaction([&](db::Tx& tx) {
    sys_->notifier()->notify(tx, sampleNotification(city_), a);
    throw std::runtime_error("rolled back");
  }),
               std::runtime_error);
  EXPECT_EQ(worker("w1")->runOnce().claimed, 0);
  EXPECT_EQ(server_->requests().size(), 0u) << "a rolled-back notice sends nothing";

  auto& sent_total = sys_->rt().metrics().counter("sukusuku_push_sent_total", "");
  double sent_before = sent_total.value();
  auto r = notify(a);
  auto stats = worker("w1")->runOnce();
  EXPECT_EQ(stats.sent, 3);
  EXPECT_EQ(worker("w2")->runOnce().claimed, 0) << "nothing is sent twice";
  auto sent = server_->requests();
  ASSERT_EQ(sent.size(), 3u);
  std::map<std::string, nlohmann::json> by_token;
  for (const auto& s : sent) by_token[s["token"]] = s["message"];
  EXPECT_EQ(by_token.size(), 3u);
  EXPECT_EQ(by_token["guardian-phone"]["notification"]["title"], "お知らせ");
  EXPECT_EQ(by_token["staff-phone"]["notification"]["title"], "Notice") << "the reader's language";
  EXPECT_EQ(by_token["staff-phone"]["data"]["route"], "notice");
  EXPECT_EQ(by_token["staff-phone"]["data"]["notification_id"], std::to_string(r.notification_id));
  // The inbox id in the push opens the right inbox item.
  int64_t inbox_id = std::stoll(by_token["staff-phone"]["data"]["inbox_id"].get<std::string>());
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM inbox WHERE id = ? AND user_id = ?", {inbox_id, staff}),
            1);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE state = 'sent'"), 3);
  EXPECT_EQ(sent_total.value() - sent_before, 3) << "the sent metric counts them";
}

TEST_P(OutboxTest, DeadTokensArePrunedPermanentErrorsFailAndTemporaryOnesComeBack) {
  auto people = users(6);
  const std::vector<std::string> tokens = {"unregistered", "bad-token", "mismatch",
                                           "apns-broken",  "unavailable", "fine"};
  for (size_t i = 0; i < tokens.size(); ++i) sys_->addDevice(people[i], tokens[i]);
  server_->rule({{"token", "unregistered"}, {"status", 404}, {"error_code", "UNREGISTERED"}});
  server_->rule({{"token", "bad-token"}, {"status", 400}, {"error_code", "INVALID_ARGUMENT"},
                 {"token_violation", true}});
  server_->rule({{"token", "mismatch"}, {"status", 403}, {"error_code", "SENDER_ID_MISMATCH"}});
  server_->rule(
      {{"token", "apns-broken"}, {"status", 401}, {"error_code", "THIRD_PARTY_AUTH_ERROR"}});
  server_->rule({{"token", "unavailable"}, {"status", 503}, {"error_code", "UNAVAILABLE"},
                 {"retry_after", 30}, {"times", 1}});
  push::Audience a;
  a.user_ids = people;
  notify(a);
  auto& metrics = sys_->rt().metrics();
  auto& pruned_metric =
      metrics.counter("sukusuku_push_pruned_total", "", {{"code", "UNREGISTERED"}});
  auto& failed_metric =
      metrics.counter("sukusuku_push_failed_total", "", {{"code", "THIRD_PARTY_AUTH_ERROR"}});
  double pruned_before = pruned_metric.value(), failed_before = failed_metric.value();
  auto w = worker("w1");
  auto s = w->runOnce();
  EXPECT_EQ(s.sent, 1);
  EXPECT_EQ(s.pruned, 3);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.retried, 1);
  for (const char* dead : {"unregistered", "bad-token", "mismatch"}) {
    EXPECT_EQ(state(dead), "pruned") << dead;
    EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM devices WHERE token = ?", {dead}), 0) << dead;
  }
  EXPECT_EQ(state("apns-broken"), "failed");
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM devices WHERE token = 'apns-broken'"), 1)
      << "THIRD_PARTY_AUTH_ERROR keeps the token";
  EXPECT_EQ(state("unavailable"), "pending");
  EXPECT_GE(sys_->db().acquire()->queryOne(
                "SELECT next_attempt_ms FROM push_outbox WHERE token = 'unavailable'")
                ->getInt("next_attempt_ms"),
            clock_->nowMillis() + 30000)
      << "not before Retry-After";
  EXPECT_EQ(w->runOnce().claimed, 0) << "not due yet";
  EXPECT_EQ(pruned_metric.value() - pruned_before, 1);
  EXPECT_EQ(failed_metric.value() - failed_before, 1);

  clock_->advance(std::chrono::minutes(5));
  EXPECT_EQ(w->runOnce().sent, 1);
  EXPECT_EQ(state("unavailable"), "sent");
  EXPECT_EQ(server_->requests("unavailable").size(), 2u) << "503 once, then delivered";
  EXPECT_EQ(server_->requests("fine").size(), 1u);
}

TEST_P(OutboxTest, ACrashBetweenClaimAndAcknowledgeResendsOnlyWhatWasNotAcknowledged) {
  auto people = users(4);
  for (size_t i = 0; i < people.size(); ++i) sys_->addDevice(people[i], "t" + std::to_string(i));
  push::Audience a;
  a.user_ids = people;
  notify(a);
  auto crashing = worker("node-a");
  auto claimed = crashing->claim();
  ASSERT_EQ(claimed.size(), 4u);
  // Two are sent and acknowledged; then node A dies holding the other two.
  auto acked = crashing->deliver({claimed[0], claimed[1]});
  EXPECT_EQ(acked.sent, 2);
  crashing.reset();

  auto survivor = worker("node-b");
  EXPECT_EQ(survivor->runOnce().claimed, 0) << "the lease still holds";
  clock_->advance(std::chrono::seconds(61));
  auto s = survivor->runOnce();
  EXPECT_EQ(s.claimed, 2);
  EXPECT_EQ(s.sent, 2);
  auto sent = server_->requests();
  std::map<std::string, int> per_token;
  for (const auto& r : sent) ++per_token[r["token"].get<std::string>()];
  EXPECT_EQ(per_token, (std::map<std::string, int>{{"t0", 1}, {"t1", 1}, {"t2", 1}, {"t3", 1}}))
      << "the acknowledged ones were not sent again";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE attempts = 2"), 2);
}

TEST_P(OutboxTest, TwoNodesRacingNeverSendTheSameMessageTwice) {
  // Every user of the city (the demo logins) gets 40 devices: a few hundred rows.
  for (int k = 0; k < 40; ++k) {
    std::string prefix = "p" + std::to_string(k) + "-";
    sys_->db().acquire()->execute(
        "INSERT INTO devices (municipality_id, user_id, token, platform, app_version, language, "
        "created_at, refreshed_at) SELECT municipality_id, id, ? || id, 'ios', '1.0', 'ja', "
        "'2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM users WHERE municipality_id = ?",
        {prefix, city_});
  }
  push::Audience all;
  all.whole_municipality = true;
  auto r = notify(all);
  ASSERT_GE(r.pushes, 200);
  // The second node has its own connection pool on the same database.
  auto node_b_db = db::Database::open(sys_->dbUrl());
  std::atomic<int64_t> sent{0};
  auto drain = [&](push::OutboxWorker* w) {
    while (true) {
      auto s = w->runOnce();
      sent += s.sent;
      if (s.claimed == 0) break;
    }
  };
  auto a = worker("node-a", nullptr, 20);
  auto b = worker("node-b", node_b_db.get(), 20);
  std::thread ta(drain, a.get()), tb(drain, b.get());
  ta.join();
  tb.join();
  EXPECT_EQ(sent.load(), r.pushes);
  auto recorded = server_->requests();
  EXPECT_EQ(static_cast<int64_t>(recorded.size()), r.pushes);
  std::set<std::string> tokens;
  for (const auto& x : recorded) tokens.insert(x["token"].get<std::string>());
  EXPECT_EQ(static_cast<int64_t>(tokens.size()), r.pushes) << "no device got it twice";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE state = 'sent'"), r.pushes);
}

TEST_P(OutboxTest, QuietHoursWaitButUrgentDoesNot) {
  sys_->addDevice(guardian_, "quiet-phone");
  // 11:00-13:00 JST; the clock says 12:00 JST.
  sys_->db().acquire()->execute(
      "INSERT INTO push_preferences (user_id, quiet_start_min, quiet_end_min, updated_at) VALUES "
      "(?, 660, 780, 'x')",
      {guardian_});
  push::Audience me;
  me.user_ids = {guardian_};
  notify(me);
  auto w = worker("w1");
  EXPECT_EQ(w->runOnce().claimed, 0) << "normal messages wait for the end of quiet hours";
  notify(me, push::Priority::kUrgent);
  EXPECT_EQ(w->runOnce().sent, 1) << "urgent ones do not";
  clock_->advance(std::chrono::minutes(61));
  EXPECT_EQ(w->runOnce().sent, 1) << "13:01 JST: the normal one goes";
  EXPECT_EQ(server_->requests("quiet-phone").size(), 2u);
}

TEST_P(OutboxTest, NotifyCommandBroadcastsAndPrintsASummary) {
  auto conn = sys_->db().acquire();
  int64_t himawari =
      conn->queryOne("SELECT id FROM facilities WHERE name = 'ひまわり保育所'")->getInt("id");
  sys_->addDevice(guardian_, "cli-phone");
  server_->rule({{"token", "cli-dead"}, {"status", 404}, {"error_code", "UNREGISTERED"}});
  sys_->addDevice(sys_->userId("staff@demo.sukusuku.jp"), "cli-dead");
  auto runCli = [&](const std::vector<std::string>& extra, std::string* output) {
    std::vector<std::string> args = {"--set", "db.url=" + sys_->dbUrl(),
                                     "--set", "data.dir=" + sys_->rt().dataDir(),
                                     "--set", "push.fcm.credentials=" + server_->credentialsFile(),
                                     "--set", "push.fcm.endpoint=" + server_->endpoint(),
                                     "--set", "push.fcm.ca_file=" + FcmTestServer::caFile(),
                                     "--set", "plugins.enabled=",
                                     "notify"};
    args.insert(args.end(), extra.begin(), extra.end());
    Poco::Pipe out;
    auto h = Poco::Process::launch(binaryDir() + "/bin/sukusuku", args, nullptr, &out, &out);
    Poco::PipeInputStream in(out);
    Poco::StreamCopier::copyToString(in, *output);
    return h.wait();
  };
  std::string out;
  int rc = runCli({"--facility", std::to_string(himawari), "--staff-of", std::to_string(himawari),
                   "--title", "臨時休園", "--body", "台風のため明日は休園します。", "--urgent"},
                  &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sent 1, failed 0, pruned 1"), std::string::npos) << out;
  EXPECT_EQ(server_->requests("cli-phone").size(), 1u);
  EXPECT_EQ(server_->requests("cli-phone")[0]["message"]["notification"]["title"], "臨時休園");
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM devices WHERE token = 'cli-dead'"), 0);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM audit_log WHERE action = 'push.broadcast'"), 1);

  std::string bad;
  EXPECT_EQ(runCli({"--title", "x", "--body", "y"}, &bad), 2) << bad;
  EXPECT_NE(bad.find("name an audience"), std::string::npos) << bad;
  EXPECT_EQ(runCli({"--municipality", "999999", "--title", "x", "--body", "y"}, &bad), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace sukusuku::testing
