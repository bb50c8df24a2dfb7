// From a committed notify() to the FCM test server, on every backend: exactly one request per
// device, dead tokens pruned, permanent errors failed, temporary ones retried later, a worker
// crash between claim and acknowledgement, two workers (two "nodes") racing, quiet hours, and
// `sukusuku notify` end to end.
#include <atomic>
#include <regex>
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

// The worker dies in the middle of a batch: six answers are in and acknowledged, three sends
// are still waiting for FCM. Only those three are sent again, and each device has exactly one
// accepted send.
TEST_P(OutboxTest, ACrashMidBatchResendsOnlyTheSendsWhoseAnswerWasNotAcknowledged) {
  std::vector<std::string> fast, slow;
  for (int i = 0; i < 6; ++i) fast.push_back("fast-" + std::to_string(i));
  for (int i = 0; i < 3; ++i) slow.push_back("slow-" + std::to_string(i));
  for (const auto& t : fast) sys_->addDevice(guardian_, t);
  for (const auto& t : slow) sys_->addDevice(guardian_, t);
  // The first send to each slow device hangs (FCM has not answered when the worker dies).
  server_->rule({{"token_prefix", "slow-"}, {"latency_ms", 30000}, {"times", 3}});
  push::Audience me;
  me.user_ids = {guardian_};
  notify(me);

  struct Crash : std::runtime_error {
    Crash() : std::runtime_error("simulated crash") {}
  };
  push::FcmOptions o;
  o.endpoint = server_->endpoint();
  o.ca_file = FcmTestServer::caFile();
  push::OutboxOptions opt;
  opt.owner = "node-a";
  opt.lease = std::chrono::seconds(60);
  opt.ack_batch = 1;  // every answer is its own commit
  int64_t acked_before_crash = 0;
  opt.after_ack = [&](const push::DeliveryStats& so_far) {
    acked_before_crash = so_far.sent;
    if (so_far.sent >= 6) throw Crash();
  };
  {
    push::OutboxWorker crashing(sys_->db(), *clock_,
                                std::make_shared<push::FcmClient>(tokens_, o),
                                &sys_->rt().metrics(), opt);
    auto claimed = crashing.claim();
    ASSERT_EQ(claimed.size(), 9u);
    EXPECT_THROW(crashing.deliver(claimed), Crash);
  }
  EXPECT_EQ(acked_before_crash, 6);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE state = 'sent'"), 6)
      << "each answer was committed as it came";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE state = 'pending' AND token LIKE "
                        "'slow-%' AND lease_owner = 'node-a'"),
            3);

  auto survivor = worker("node-b");
  EXPECT_EQ(survivor->runOnce().claimed, 0) << "the dead worker's lease still holds";
  clock_->advance(std::chrono::seconds(61));
  auto s = survivor->runOnce();
  EXPECT_EQ(s.claimed, 3);
  EXPECT_EQ(s.sent, 3);
  std::map<std::string, int> accepted, received;
  for (const auto& r : server_->requests()) {
    std::string token = r["token"];
    ++received[token];
    if (r["status"] == 200) ++accepted[token];
  }
  for (const auto& t : fast) {
    EXPECT_EQ(received[t], 1) << t << ": acknowledged, never sent again";
    EXPECT_EQ(accepted[t], 1) << t;
  }
  for (const auto& t : slow) EXPECT_EQ(accepted[t], 1) << t << ": accepted exactly once";
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE state = 'sent'"), 9);
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_outbox WHERE attempts = 2"), 3);
}

// push.fcm.rate_per_minute is the whole project's: the nodes that send split it.
TEST_P(OutboxTest, TheProjectQuotaIsSplitBetweenTheLiveNodes) {
  auto node_b_db = db::Database::open(sys_->dbUrl());
  auto limiter_a = std::make_shared<push::RateLimiter>(600000);
  auto limiter_b = std::make_shared<push::RateLimiter>(600000);
  push::QuotaShare a(sys_->db(), *clock_, "node-a", 600000, limiter_a);
  push::QuotaShare b(*node_b_db, *clock_, "node-b", 600000, limiter_b);
  sys_->db().acquire()->execute("DELETE FROM push_nodes");
  EXPECT_EQ(a.heartbeat(), std::make_pair(600000.0, 1)) << "alone, node A has the whole quota";
  EXPECT_DOUBLE_EQ(limiter_a->ratePerSecond(), 10000);
  EXPECT_EQ(b.heartbeat(), std::make_pair(300000.0, 2));
  EXPECT_EQ(a.heartbeat().second, 2);
  EXPECT_DOUBLE_EQ(limiter_a->ratePerSecond() + limiter_b->ratePerSecond(), 10000)
      << "together they stay within the quota";
  // Node B stops cleanly: A takes the whole quota on its next heartbeat.
  b.leave();
  EXPECT_EQ(a.heartbeat(), std::make_pair(600000.0, 1));
  // Node B comes back, then dies without leaving: its share comes back after 15 s.
  b.heartbeat();
  EXPECT_EQ(a.heartbeat().second, 2);
  clock_->advance(std::chrono::seconds(16));
  EXPECT_EQ(a.heartbeat(), std::make_pair(600000.0, 1));
  EXPECT_DOUBLE_EQ(limiter_a->ratePerSecond(), 10000);
  a.leave();
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM push_nodes WHERE node_id = 'node-a'"), 0);
}

// The reset code goes to the phone; the inbox only says that a code was sent, and the database
// forgets the push text once it is sent.
TEST_P(OutboxTest, AResetCodeReachesThePhoneButNeverTheInbox) {
  sys_->addDevice(guardian_, "reset-phone");
  sys_->serve();
  auto asked = sys_->request("POST", "/api/v1/auth/password-reset/request", 0,
                             R"({"login":"guardian@demo.sukusuku.jp"})");
  ASSERT_EQ(asked.status, 202) << asked.body;
  EXPECT_EQ(sys_->count("SELECT COUNT(*) FROM notifications WHERE push_body IS NOT NULL"), 1)
      << "kept for the push until it is sent";
  EXPECT_EQ(worker("w1")->runOnce().sent, 1);
  auto pushed = server_->requests("reset-phone");
  ASSERT_EQ(pushed.size(), 1u);
  std::string text = pushed[0]["message"]["notification"]["body"];
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("([0-9]{6,})"))) << text;
  std::string code = m[1];

  auto inbox = sys_->request("GET", "/api/v1/inbox", guardian_);
  ASSERT_EQ(inbox.status, 200);
  EXPECT_NE(inbox.body.find("パスワード再設定"), std::string::npos) << inbox.body;
  EXPECT_EQ(inbox.body.find(code), std::string::npos) << "the code is not in the inbox";
  auto stored = sys_->db().acquire()->queryOne(
      "SELECT title, body, push_body FROM notifications WHERE category = "
      "'identity.password_reset'");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->getText("body").find(code), std::string::npos);
  EXPECT_TRUE(stored->isNull("push_body")) << "the push text is dropped once sent";
  // The code works.
  auto confirmed = sys_->request(
      "POST", "/api/v1/auth/password-reset/confirm", 0,
      nlohmann::json{{"login", "guardian@demo.sukusuku.jp"}, {"code", code},
                     {"new_password", "a-new-long-password-1"}}
          .dump());
  EXPECT_LT(confirmed.status, 300) << confirmed.body;
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

// `sukusuku serve`'s own background workers (two threads, small batches, so that they share the
// work), with nobody driving an OutboxWorker by hand: a reset code asked for over HTTP and a
// notice to a person with many devices reach each device exactly once, and the inbox has them.
class PushServeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PushServeTest, TheServersBackgroundWorkersDeliverEachPushOncePerDevice) {
  FcmTestServer server;
  PushSystem sys(GetParam(), {{"jobs.enabled", "true"},
                              {"push.workers", "2"},
                              {"push.batch_size", "5"},
                              {"node.id", "serve-test"},
                              {"push.fcm.credentials", server.credentialsFile()},
                              {"push.fcm.endpoint", server.endpoint()},
                              {"push.fcm.ca_file", FcmTestServer::caFile()}});
  int64_t guardian = sys.userId("guardian@demo.sukusuku.jp");
  std::set<std::string> devices;
  for (int i = 0; i < 30; ++i) {
    devices.insert("serve-" + std::to_string(i));
    sys.addDevice(guardian, "serve-" + std::to_string(i));
  }
  EXPECT_EQ(sys.count("SELECT COUNT(*) FROM push_nodes WHERE node_id = 'serve-test'"), 1)
      << "the node takes its share of the quota";
  sys.serve();
  auto asked = sys.request("POST", "/api/v1/auth/password-reset/request", 0,
                           R"({"login":"guardian@demo.sukusuku.jp"})");
  ASSERT_EQ(asked.status, 202) << asked.body;
  push::Audience me;
  me.user_ids = {guardian};
  sys.db().transaction([&](db::Tx& tx) {
    sys.notifier()->notify(tx, sampleNotification(sys.municipalityOf(guardian)), me);
  });

  // Wait (up to 30 s) until the outbox is drained, then a little longer for any stray resend.
  for (int i = 0; i < 300 && sys.count("SELECT COUNT(*) FROM push_outbox WHERE state = "
                                       "'pending'") > 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sys.count("SELECT COUNT(*) FROM push_outbox WHERE state = 'sent'"), 60);
  std::map<std::string, int> per_device;
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r["status"], 200);
    ++per_device[r["token"].get<std::string>()];
  }
  EXPECT_EQ(per_device.size(), devices.size());
  for (const auto& d : devices) EXPECT_EQ(per_device[d], 2) << d << ": the code and the notice, once each";
  auto inbox = sys.request("GET", "/api/v1/inbox", guardian);
  ASSERT_EQ(inbox.status, 200);
  EXPECT_NE(inbox.body.find("明日は遠足です。"), std::string::npos) << inbox.body;
  EXPECT_NE(inbox.body.find("パスワード再設定"), std::string::npos) << inbox.body;
  EXPECT_EQ(sys.request("GET", "/api/v1/inbox/unread-count", guardian).json()["unread"], 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, PushServeTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
