// The guardian API shell and the tenancy scope on the demo municipality: /me, devices,
// Idempotency-Key, ETags, pagination, the OpenAPI document, and who may see which child.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <sukusuku/api.h>
#include <sukusuku/demo_data.h>
#include <sukusuku/error.h>
#include <sukusuku/http_server.h>
#include <sukusuku/tenancy.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {
namespace {

class ApiShellTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sys_ = std::make_unique<TestSystem>(
        GetParam(), "testplugin", nullptr,
        std::vector<std::pair<std::string, std::string>>{{"http.port", "0"}});
    seedDemoTenancy(sys_->rt->database(), sys_->rt->clock(), {});
    auth_ = std::make_shared<TestPrincipalAuthenticator>(*sys_->rt);
    sys_->rt->setAuthenticator(auth_);
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    today_ = tokyoDate(sys_->rt->clock().now());
  }

  int64_t userId(const std::string& login) {
    return sys_->rt->database().acquire()->queryOne("SELECT id FROM users WHERE login = ?",
                                                    {login})->getInt("id");
  }

  Reply request(const std::string& method, const std::string& uri, int64_t user,
                const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    if (user) headers["X-Test-Principal"] = std::to_string(user);
    return httpRequest(server_->port(), method, uri, body, headers);
  }

  std::unique_ptr<TestSystem> sys_;
  std::shared_ptr<TestPrincipalAuthenticator> auth_;
  std::unique_ptr<HttpServer> server_;
  std::string today_;
};

TEST_P(ApiShellTest, MeShowsAGuardianExactlyTheirOwnHouseholdAndChildren) {
  int64_t guardian = userId("guardian@demo.sukusuku.jp");
  auto me = request("GET", "/api/v1/me", guardian);
  ASSERT_EQ(me.status, 200) << me.body;
  auto j = me.json();
  EXPECT_EQ(j["user"]["role"], "guardian");
  ASSERT_FALSE(j["household"].is_null());
  int64_t household = j["household"]["id"];
  auto conn = sys_->rt->database().acquire();
  auto expected = conn->query("SELECT id FROM children WHERE household_id = ? ORDER BY id",
                              {household});
  ASSERT_FALSE(expected.empty());
  std::set<int64_t> want, got;
  for (const auto& r : expected) want.insert(r[0].asInt());
  for (const auto& c : j["children"]) got.insert(c["id"].get<int64_t>());
  EXPECT_EQ(got, want);
  ASSERT_EQ(j["facilities"].size(), 1u);
  EXPECT_EQ(j["facilities"][0]["name"], "ひまわり保育所");
  EXPECT_EQ(request("GET", "/api/v1/me", 0).status, 401);
}

TEST_P(ApiShellTest, ScopeKeepsFamiliesFacilitiesAndCitiesApart) {
  auto conn = sys_->rt->database().acquire();
  auto childAt = [&](const std::string& facility_name, int64_t not_household) {
    return conn->queryOne(
        "SELECT c.id FROM children c JOIN enrolments e ON e.child_id = c.id JOIN facilities f ON "
        "f.id = e.facility_id WHERE f.name = ? AND c.household_id <> ? ORDER BY c.id LIMIT 1",
        {facility_name, not_household})->getInt("id");
  };
  auto guardian = auth_->load(userId("guardian@demo.sukusuku.jp"));
  auto staff = auth_->load(userId("staff@demo.sukusuku.jp"));
  auto city = auth_->load(userId("kodomo@demo.sukusuku.jp"));
  auto neighbour = auth_->load(userId("staff@tonari.demo.sukusuku.jp"));
  auto op = auth_->load(userId("operator@demo.sukusuku.jp"));
  int64_t own = conn->queryOne("SELECT id FROM children WHERE household_id = ?",
                               {guardian->household_id})->getInt("id");
  int64_t other_himawari = childAt("ひまわり保育所", guardian->household_id);
  int64_t sakura = childAt("さくら保育所", 0);
  int64_t tonari = childAt("となり保育所", 0);

  struct Case {
    std::shared_ptr<Principal> who;
    int64_t child;
    bool visible;
  } cases[] = {{guardian, own, true},         {guardian, other_himawari, false},
               {guardian, sakura, false},     {guardian, tonari, false},
               {staff, own, true},            {staff, other_himawari, true},
               {staff, sakura, false},        {staff, tonari, false},
               {city, sakura, true},          {city, tonari, false},
               {neighbour, tonari, true},     {neighbour, own, false},
               {op, own, false}};
  for (const auto& c : cases) {
    EXPECT_EQ(tenancy::canSeeChild(*conn, *c.who, c.child, today_), c.visible)
        << c.who->role << " child " << c.child;
  }
  EXPECT_THROW(tenancy::requireChild(*conn, *guardian, sakura, today_), Error);
  EXPECT_THROW(tenancy::requireChild(*conn, *guardian, 999999, today_), Error);
  // Staff stop seeing a child the day after it leaves their facility.
  conn->execute("UPDATE enrolments SET ends_on = '2000-01-01' WHERE child_id = ?",
                {other_himawari});
  EXPECT_FALSE(tenancy::canSeeChild(*conn, *staff, other_himawari, today_));
  // City officers see their own city's facilities only.
  int64_t tonari_facility = neighbour->facility_ids.at(0);
  EXPECT_FALSE(tenancy::canSeeFacility(*conn, *city, tonari_facility));
  EXPECT_TRUE(tenancy::canSeeFacility(*conn, *neighbour, tonari_facility));
  EXPECT_EQ(tenancy::visibleFacilities(*conn, *city, today_).size(), 8u);
}

TEST_P(ApiShellTest, DevicesRegisterRefreshAndStayPrivate) {
  int64_t guardian = userId("guardian@demo.sukusuku.jp");
  int64_t staff = userId("staff@demo.sukusuku.jp");
  std::string body = R"({"token":"fcm-token-1","platform":"ios","app_version":"1.4.0"})";
  auto first = request("POST", "/api/v1/devices", guardian, body);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = request("POST", "/api/v1/devices", guardian,
                       R"({"token":"fcm-token-1","platform":"ios","app_version":"1.5.0"})");
  EXPECT_EQ(again.json()["id"], first.json()["id"]) << "re-registering refreshes, no duplicate";
  auto bad = request("POST", "/api/v1/devices", guardian,
                     R"({"token":"x","platform":"symbian","app_version":"1"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["details"]["field"], "platform");
  std::string id = first.json()["id"].dump();
  EXPECT_EQ(request("DELETE", "/api/v1/devices/" + id, staff).status, 404)
      << "someone else's device is not there for you";
  EXPECT_EQ(request("DELETE", "/api/v1/devices/" + id, guardian).status, 204);
  EXPECT_EQ(request("DELETE", "/api/v1/devices/" + id, guardian).status, 404);
}

TEST_P(ApiShellTest, IdempotencyKeyRunsAPostOnce) {
  int64_t guardian = userId("guardian@demo.sukusuku.jp");
  std::string body = R"({"token":"fcm-token-2","platform":"android","app_version":"2.0"})";
  auto first = request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201);
  auto conn = sys_->rt->database().acquire();
  std::string refreshed = conn->queryOne("SELECT refreshed_at FROM devices WHERE token = ?",
                                         {"fcm-token-2"})->getText("refreshed_at");
  auto retry = request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.headers.get("Idempotent-Replayed"), "true");
  auto other = request("POST", "/api/v1/devices", guardian,
                       R"({"token":"fcm-token-3","platform":"android","app_version":"2.0"})",
                       {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.json()["error"]["code"], "idempotency.key_reused");
  EXPECT_EQ(conn->query("SELECT COUNT(*) FROM devices")[0][0].asInt(), 1);
  // Keys are per user: another user's identical key is a different request.
  int64_t staff = userId("staff@demo.sukusuku.jp");
  EXPECT_EQ(request("POST", "/api/v1/devices", staff,
                    R"({"token":"fcm-token-4","platform":"web","app_version":"2.0"})",
                    {{"Idempotency-Key", "k-1"}})
                .status,
            201);
  // A request that fails frees its key: the corrected retry runs.
  auto invalid = request("POST", "/api/v1/devices", guardian, R"({"token":"t"})",
                         {{"Idempotency-Key", "k-2"}});
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(request("POST", "/api/v1/devices", guardian,
                    R"({"token":"fcm-token-5","platform":"ios","app_version":"2.0"})",
                    {{"Idempotency-Key", "k-2"}})
                .status,
            201);
  EXPECT_EQ(request("POST", "/api/v1/devices", guardian, body,
                    {{"Idempotency-Key", std::string(200, 'x')}})
                .status,
            400);
  (void)refreshed;
}

// A node killed (or cut off from the database) between claiming a key and recording the answer
// leaves the claim "in progress": retries get 409 until the claim time has passed, then the
// next retry takes the claim over and runs (deploy/cluster/faults.sh found this under kill -9).
TEST_P(ApiShellTest, IdempotencyClaimOfADeadAttemptIsTakenOverAfterTheClaimTime) {
  int64_t guardian = userId("guardian@demo.sukusuku.jp");
  std::string body = R"({"token":"fcm-token-dead","platform":"android","app_version":"2.0"})";
  ASSERT_EQ(request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-dead"}})
                .status,
            201);
  auto& db = sys_->rt->database();
  int64_t now = sys_->rt->clock().nowSeconds();
  auto leaveClaim = [&](int64_t claimed_at) {
    db.transaction([&](db::Tx& tx) {
      tx.execute("UPDATE idempotency_keys SET status = 0, response_body = NULL, created_at = ? "
                 "WHERE user_id = ? AND idem_key = ?",
                 {claimed_at, guardian, "k-dead"});
    });
  };
  leaveClaim(now);
  auto running = request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-dead"}});
  EXPECT_EQ(running.status, 409);
  EXPECT_EQ(running.json()["error"]["code"], "idempotency.in_progress");
  leaveClaim(now - 3600);
  auto retried = request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-dead"}});
  EXPECT_EQ(retried.status, 201);
  EXPECT_NE(retried.headers.get("Idempotent-Replayed", ""), "true") << "it ran, not replayed";
  auto conn = db.acquire();
  EXPECT_EQ(conn->queryOne("SELECT status FROM idempotency_keys WHERE user_id = ? AND idem_key = ?",
                           {guardian, "k-dead"})->getInt("status"),
            201);
  EXPECT_EQ(conn->query("SELECT COUNT(*) FROM devices WHERE token = 'fcm-token-dead'")[0][0].asInt(), 1);
  // The answer is recorded again: the next retry is a replay.
  EXPECT_EQ(request("POST", "/api/v1/devices", guardian, body, {{"Idempotency-Key", "k-dead"}})
                .headers.get("Idempotent-Replayed", ""),
            "true");
}

TEST_P(ApiShellTest, ReadsCarryETagsAndAnswer304WhenUnchanged) {
  int64_t guardian = userId("guardian@demo.sukusuku.jp");
  auto first = request("GET", "/api/v1/me", guardian);
  std::string etag = first.headers.get("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.headers.get("Cache-Control"), "private, no-cache");
  auto same = request("GET", "/api/v1/me", guardian, "", {{"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  sys_->rt->database().acquire()->execute(
      "UPDATE households SET phone = '084-999-9999' WHERE id = ?",
      {first.json()["household"]["id"].get<int64_t>()});
  auto changed = request("GET", "/api/v1/me", guardian, "", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.headers.get("ETag"), etag);
}

TEST_P(ApiShellTest, OpenApiDocumentAssemblesCoreAndPluginFragments) {
  auto doc = request("GET", "/api/v1/openapi.json", 0);
  ASSERT_EQ(doc.status, 200);
  auto j = doc.json();
  EXPECT_EQ(j["openapi"], "3.1.0");
  EXPECT_TRUE(j["paths"].contains("/api/v1/me"));
  EXPECT_TRUE(j["paths"].contains("/api/v1/testplugin/notes"));
  EXPECT_TRUE(j["components"]["schemas"].contains("Error"));
  EXPECT_TRUE(j["components"]["securitySchemes"].contains("bearer"));
}

TEST_P(ApiShellTest, HomeFeedOrdersPluginCards) {
  auto feed = sys_->rt->services().find<api::HomeFeed>("api.home_feed");
  ASSERT_NE(feed, nullptr);
  feed->add("a", [](const Principal&, db::Connection&) {
    return std::vector<api::Card>{{"a.later", 50, "2026-01-01T00:00:00Z", {}},
                                  {"a.newer", 50, "2026-02-01T00:00:00Z", {}}};
  });
  feed->add("b", [](const Principal&, db::Connection&) -> std::vector<api::Card> {
    throw std::runtime_error("provider down");
  });
  feed->add("c", [](const Principal& p, db::Connection&) {
    return std::vector<api::Card>{{"c.urgent", 1, "2025-01-01T00:00:00Z", {{"for", p.role}}}};
  });
  auto home = request("GET", "/api/v1/home", userId("guardian@demo.sukusuku.jp"));
  ASSERT_EQ(home.status, 200);
  auto cards = home.json()["cards"];
  ASSERT_EQ(cards.size(), 3u) << "a failing provider is left out, the rest still show";
  EXPECT_EQ(cards[0]["kind"], "c.urgent");
  EXPECT_EQ(cards[0]["data"]["for"], "guardian");
  EXPECT_EQ(cards[1]["kind"], "a.newer");
}

TEST_P(ApiShellTest, ExpiredAuthenticationRowsAreCleanedUpHourly) {
  auto conn = sys_->rt->database().acquire();
  int64_t user = userId("staff@demo.sukusuku.jp");
  int64_t now = sys_->rt->clock().nowSeconds();
  // The job works on whole hours: what expired before the current hour began is gone.
  for (int64_t expires : {now - 7200, now + 3600}) {
    std::string tag = std::to_string(expires);
    conn->execute("INSERT INTO refresh_tokens (user_id, family_id, token_hash, device_label, "
                  "created_at, expires_at) VALUES (?, ?, ?, '', ?, ?)",
                  {user, "f" + tag, "h" + tag, now - 100, expires});
    conn->execute("INSERT INTO web_sessions (user_id, session_hash, csrf_token, created_at, "
                  "expires_at, last_seen, user_agent) VALUES (?, ?, 'c', ?, ?, ?, '')",
                  {user, "s" + tag, now - 100, expires, now - 100});
    conn->execute("INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at) "
                  "VALUES (?, ?, ?, ?)",
                  {user, "p" + tag, now - 100, expires});
  }
  conn->execute("INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) "
                "VALUES ('login:old', 3, ?, 0), ('login:locked', 5, ?, ?)",
                {now - 2 * 86400, now - 60, now + 600});
  sys_->rt->jobs().runDue();
  for (const char* table : {"refresh_tokens", "web_sessions", "password_reset_codes"}) {
    auto rows = conn->query(std::string("SELECT expires_at FROM ") + table);
    ASSERT_EQ(rows.size(), 1u) << table;
    EXPECT_EQ(rows[0][0].asInt(), now + 3600) << table << ": the live row stays";
  }
  auto throttle = conn->query("SELECT throttle_key FROM login_throttle");
  ASSERT_EQ(throttle.size(), 1u);
  EXPECT_EQ(throttle[0][0].asText(), "login:locked") << "a lockout in force is kept";
}

TEST(Pagination, CursorsAndLimits) {
  Request r;
  EXPECT_EQ(api::pageRequest(r).limit, 50);
  auto page = api::page(nlohmann::json::array({1, 2}), {2, 0}, 123456);
  ASSERT_TRUE(page["next_cursor"].is_string());
  r.query.emplace("cursor", page["next_cursor"].get<std::string>());
  r.query.emplace("limit", "2");
  auto next = api::pageRequest(r);
  EXPECT_EQ(next.after_id, 123456);
  EXPECT_EQ(next.limit, 2);
  EXPECT_TRUE(api::page(nlohmann::json::array({1}), {2, 0}, 9)["next_cursor"].is_null());
  Request bad;
  bad.query.emplace("cursor", "DROP TABLE");
  EXPECT_THROW(api::pageRequest(bad), Error);
  Request big;
  big.query.emplace("limit", "5000");
  EXPECT_THROW(api::pageRequest(big), Error);
}

SUKUSUKU_INSTANTIATE_BACKENDS(ApiShellTest);

}  // namespace
}  // namespace sukusuku::testing
