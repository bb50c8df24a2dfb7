// The HTTP front in-process, over real sockets: routing errors, the error envelope, body and
// time limits, slow clients, permissions, security headers, metrics, graceful shutdown.
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <sukusuku/error.h>
#include <sukusuku/http_server.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {
namespace {

// "X-Test-User: <role>" signs in as that role; "X-Test-User: forged" is a bad credential.
class HeaderAuthenticator final : public Authenticator {
 public:
  explicit HeaderAuthenticator(Permissions& perms) : perms_(perms) {}
  std::shared_ptr<const Principal> authenticate(const Request& req) override {
    std::string who = req.header("x-test-user");
    if (who.empty()) return nullptr;
    if (who == "forged") throw Error::unauthorized("auth.invalid_token", "bad credentials");
    auto p = std::make_shared<Principal>();
    p->user_id = 7;
    p->display_name = "保育 花子";
    p->role = who;
    p->permissions = perms_.forRole(who);
    return p;
  }

 private:
  Permissions& perms_;
};


class HttpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sys_ = std::make_unique<TestSystem>(
        GetParam(), "testplugin",
        nullptr,
        std::vector<std::pair<std::string, std::string>>{{"http.port", "0"},
                                                         {"http.read_timeout_ms", "1000"},
                                                         {"http.body_timeout_ms", "2000"},
                                                         {"http.max_body_bytes", "65536"},
                                                         {"http.threads", "16"},
                                                         {"http.shutdown_timeout_ms", "5000"},
                                                         {"db.acquire_timeout_ms", "500"}});
    sys_->rt->setAuthenticator(std::make_shared<HeaderAuthenticator>(sys_->rt->permissions()));
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    HttpServer::addCoreRoutes(*sys_->rt, server_->shuttingDownFlag());
    server_->start();
  }
  void TearDown() override {
    server_.reset();
    sys_.reset();
  }

  Reply request(const std::string& method, const std::string& uri, const std::string& body = "",
                std::map<std::string, std::string> headers = {}) {
    return httpRequest(server_->port(), method, uri, body, headers);
  }

  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
};

TEST_P(HttpTest, HealthReadinessAndMetrics) {
  auto health = request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  auto ready = request("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["database"], "ok");
  EXPECT_EQ(ready.json()["checks"]["migrations"], "current");
  request("GET", "/api/v1/testplugin/notes/999");
  auto metrics = request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers.getContentType(), "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("sukusuku_http_requests_total{route=\"/api/v1/testplugin/notes/"
                              "{note_id}\",method=\"GET\",status=\"4xx\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("sukusuku_http_request_duration_seconds_bucket{route=\"/healthz\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("sukusuku_db_pool_in_use"), std::string::npos);
  EXPECT_NE(metrics.body.find("sukusuku_http_threads_busy"), std::string::npos);
}

TEST_P(HttpTest, UnknownRoutesAndWrongMethodsGetTheErrorEnvelope) {
  auto missing = request("GET", "/api/v1/nothing/here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "http.not_found");
  EXPECT_TRUE(missing.json()["error"].contains("message"));
  EXPECT_TRUE(missing.json()["error"].contains("details"));
  auto wrong = request("DELETE", "/api/v1/testplugin/notes");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.json()["error"]["code"], "http.method_not_allowed");
  EXPECT_EQ(wrong.headers.get("Allow"), "POST");
  auto bad_id = request("GET", "/api/v1/testplugin/notes/abc");
  EXPECT_EQ(bad_id.status, 404);
  EXPECT_EQ(bad_id.json()["error"]["code"], "request.not_found");
}

TEST_P(HttpTest, MalformedAndInvalidJsonAreRefusedAndChangeNothing) {
  auto broken = request("POST", "/api/v1/testplugin/notes", R"({"text": "unterminated)");
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.json()["error"]["code"], "request.invalid_json");
  auto empty = request("POST", "/api/v1/testplugin/notes", R"({"text": ""})");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.json()["error"]["details"]["field"], "text");
  auto conn = sys_->rt->database().acquire();
  EXPECT_EQ(conn->query("SELECT COUNT(*) FROM testplugin_notes")[0][0].asInt(), 0);

  auto created = request("POST", "/api/v1/testplugin/notes", R"({"text": "熱があります 🌡"})");
  EXPECT_EQ(created.status, 201);
  auto read = request("GET", "/api/v1/testplugin/notes/" + created.json()["id"].dump());
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.json()["text"], "熱があります 🌡");
}

TEST_P(HttpTest, OversizedBodiesAreRefusedBeforeTheyAreRead) {
  auto big = request("POST", "/api/v1/testplugin/notes", std::string(70000, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json()["error"]["code"], "http.body_too_large");
  // A route may raise its own limit.
  auto upload = request("POST", "/api/v1/testplugin/upload", std::string(1000000, 'x'));
  EXPECT_EQ(upload.status, 200);
  EXPECT_EQ(upload.json()["bytes"], 1000000);

  // Chunked bodies without a length are capped while reading.
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
  Poco::Net::HTTPRequest req("POST", "/api/v1/testplugin/notes", "HTTP/1.1");
  req.setChunkedTransferEncoding(true);
  auto& os = session.sendRequest(req);
  std::string chunk(8192, 'y');
  for (int i = 0; i < 10; ++i) os << chunk;
  Poco::Net::HTTPResponse res;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(res), body);
  EXPECT_EQ(res.getStatus(), 413);
}

TEST_P(HttpTest, SlowAndSilentClientsAreCutOffWithoutStallingOthers) {
  // One client opens connections and never finishes its request headers; another stalls mid-body.
  std::vector<Poco::Net::StreamSocket> idle;
  for (int i = 0; i < 4; ++i) {
    idle.emplace_back(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
    idle.back().sendBytes("GET /healthz HTTP/1.1\r\nHost: x\r\n", 33);
  }
  Poco::Net::StreamSocket stall(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
  std::string head =
      "POST /api/v1/testplugin/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"te";
  stall.sendBytes(head.data(), static_cast<int>(head.size()));
  // Meanwhile everyone else is served promptly.
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(request("GET", "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  // The stalled body gets 408 or a closed connection after the read timeout, not a hung worker.
  stall.setReceiveTimeout(Poco::Timespan(5, 0));
  char buf[512];
  int n = stall.receiveBytes(buf, sizeof buf);
  std::string answer(buf, n > 0 ? n : 0);
  EXPECT_TRUE(n == 0 || answer.find(" 408 ") != std::string::npos ||
              answer.find(" 400 ") != std::string::npos)
      << answer;
  for (auto& s : idle) {
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    int got = s.receiveBytes(buf, sizeof buf);  // closed (0) or an error answer, never a hang
    EXPECT_TRUE(got == 0 || std::string(buf, got).find("HTTP/1.") == 0);
  }
  EXPECT_EQ(request("GET", "/healthz").status, 200);
}

TEST_P(HttpTest, EveryRouteChecksWhoIsAsking) {
  EXPECT_EQ(request("GET", "/api/v1/testplugin/secret").json()["error"]["code"], "auth.required");
  EXPECT_EQ(request("GET", "/api/v1/testplugin/secret").status, 401);
  auto forged = request("GET", "/api/v1/testplugin/secret", "", {{"X-Test-User", "forged"}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.json()["error"]["code"], "auth.invalid_token");
  auto guardian = request("GET", "/api/v1/testplugin/secret", "", {{"X-Test-User", "guardian"}});
  EXPECT_EQ(guardian.status, 403);
  EXPECT_EQ(guardian.json()["error"]["code"], "auth.forbidden");
  auto staff =
      request("GET", "/api/v1/testplugin/secret", "", {{"X-Test-User", "facility_staff"}});
  EXPECT_EQ(staff.status, 200);
  EXPECT_EQ(staff.json()["for"], "保育 花子");
}

TEST_P(HttpTest, SecurityHeadersAndRequestIds) {
  auto r = request("GET", "/healthz", "", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(r.headers.get("X-Request-Id"), "abc-123");
  EXPECT_EQ(r.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.headers.get("X-Frame-Options"), "DENY");
  EXPECT_NE(r.headers.get("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  auto evil = request("GET", "/healthz", "", {{"X-Request-Id", "a\"b<script>"}});
  EXPECT_EQ(evil.headers.get("X-Request-Id").size(), 16u) << "unsafe ids are replaced";
}

TEST_P(HttpTest, WebPagesRenderInTheLayoutInTheAskedLanguage) {
  auto ja = request("GET", "/web/testplugin");
  EXPECT_EQ(ja.status, 200);
  EXPECT_EQ(ja.headers.getContentType(), "text/html; charset=utf-8");
  EXPECT_NE(ja.body.find("<html lang=\"ja\">"), std::string::npos);
  EXPECT_NE(ja.body.find("<h1>テスト画面</h1>"), std::string::npos);
  EXPECT_NE(ja.body.find("<li>二</li>"), std::string::npos);
  EXPECT_NE(ja.body.find("ようこそ"), std::string::npos) << "partial rendered with strings";
  EXPECT_NE(ja.body.find("aria-current=\"page\""), std::string::npos);
  EXPECT_EQ(ja.body.find("秘密"), std::string::npos) << "nav hides what the user may not open";
  auto en = request("GET", "/web/testplugin", "", {{"Accept-Language", "en-GB,en;q=0.8"}});
  EXPECT_NE(en.body.find("<h1>Test page</h1>"), std::string::npos);
  auto missing = request("GET", "/web/testplugin/none");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("お探しのページは見つかりません"), std::string::npos);
  auto css = request("GET", "/static/core/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.headers.getContentType(), "text/css; charset=utf-8");
  auto again = request("GET", "/static/core/app.css", "", {{"If-None-Match", css.headers.get("ETag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(request("GET", "/static/testplugin/hello.txt").status, 200);
  EXPECT_EQ(request("GET", "/static/testplugin/../../../etc/passwd").status, 404);
}

TEST_P(HttpTest, ShutdownFinishesRequestsInFlight) {
  auto slow = std::async(std::launch::async,
                         [this] { return request("GET", "/api/v1/testplugin/slow?ms=800"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto stopped = std::chrono::steady_clock::now();
  server_->stop();
  Reply r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["slept_ms"], 800);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(5));
  EXPECT_THROW(request("GET", "/healthz"), Poco::Exception) << "no longer accepting";
}

TEST_P(HttpTest, RecoversWhenTheDatabaseDropsEveryConnection) {
  if (GetParam() != "mysql") GTEST_SKIP() << "connection loss is a server-database concern";
  auto created = request("POST", "/api/v1/testplugin/notes", R"({"text": "before"})");
  ASSERT_EQ(created.status, 201);
  std::string name = sys_->rt->database().acquire()->query("SELECT DATABASE()")[0][0].asText();
  // Another client (the DBA, a failover) kills every connection the server holds.
  auto admin = db::Database::open(std::getenv("SUKUSUKU_TEST_MYSQL"));
  auto conn = admin->acquire();
  auto ids = conn->query("SELECT id FROM information_schema.processlist WHERE db = ?", {name});
  ASSERT_FALSE(ids.empty());
  for (const auto& row : ids) conn->execute("KILL CONNECTION " + std::to_string(row[0].asInt()));
  // Reads and transactional writes both succeed on fresh connections.
  auto read = request("GET", "/api/v1/testplugin/notes/" + created.json()["id"].dump());
  EXPECT_EQ(read.status, 200) << read.body;
  for (const auto& row : conn->query("SELECT id FROM information_schema.processlist WHERE db = ?",
                                     {name})) {
    conn->execute("KILL CONNECTION " + std::to_string(row[0].asInt()));
  }
  auto write = request("POST", "/api/v1/testplugin/notes", R"({"text": "after"})");
  EXPECT_EQ(write.status, 201) << write.body;
  EXPECT_EQ(request("GET", "/readyz").status, 200);
  EXPECT_EQ(sys_->rt->database().acquire()->query("SELECT COUNT(*) FROM testplugin_notes")[0][0]
                .asInt(),
            2)
      << "nothing lost, nothing written twice";
}

TEST_P(HttpTest, AnExhaustedPoolAnswers503WithRetryAfter) {
  // Hold every pooled connection, as a stuck dependency would; requests must not hang.
  std::vector<db::PooledConnection> held;
  for (int i = 0; i < 8; ++i) held.push_back(sys_->rt->database().acquire());
  auto busy = request("GET", "/api/v1/testplugin/notes/1");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.json()["error"]["code"], "service.unavailable");
  EXPECT_EQ(busy.headers.get("Retry-After"), "1");
  held.clear();
  EXPECT_EQ(request("GET", "/api/v1/testplugin/notes/1").status, 404);
}

SUKUSUKU_INSTANTIATE_BACKENDS(HttpTest);

}  // namespace
}  // namespace sukusuku::testing
