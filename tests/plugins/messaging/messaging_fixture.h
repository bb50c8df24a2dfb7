// A whole Sukusuku with the messaging plugin on the demo municipality, behind the real HTTP
// server and the real identity core: guardians call the API with signed access tokens, staff
// use the web pages with a session cookie and its CSRF token. The clock is manual, starting on
// Wednesday 2026-11-25 08:00 in Tokyo.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include <Poco/URI.h>

#include <sukusuku/demo_data.h>
#include <sukusuku/http_server.h>
#include <sukusuku/identity/identity_service.h>

#include "../../core/http_client.h"
#include "../../core/test_system.h"

namespace sukusuku::testing {

// 2026-11-25 08:00 JST (a Wednesday).
inline TimePoint tokyoMorning() { return parseUtc("2026-11-24T23:00:00Z"); }

class MessagingTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(tokyoMorning());
    std::vector<std::pair<std::string, std::string>> config = {
        {"http.port", "0"},
        {"http.threads", "16"},
        {"plugins.dir", binaryDir() + "/lib/sukusuku/plugins"},
        {"messaging.no_show_alert_time", "10:00"}};
    for (auto& kv : extraConfig()) config.push_back(std::move(kv));
    sys_ = std::make_unique<TestSystem>(GetParam(), "messaging", clock_, config);
    seedDemoTenancy(sys_->rt->database(), sys_->rt->clock(), {});
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    identity_ = sys_->rt->services().find<identity::IdentityService>("identity");
    ASSERT_TRUE(identity_);
  }
  // Settings a suite adds to the system's configuration.
  virtual std::vector<std::pair<std::string, std::string>> extraConfig() { return {}; }
  void TearDown() override {
    server_.reset();
    sys_.reset();
  }

  db::Database& db() { return sys_->rt->database(); }
  std::string today() { return tokyoDate(clock_->now()); }

  int64_t scalar(const std::string& sql, const db::Params& params = {}) {
    auto conn = db().acquire();
    auto row = conn->queryOne(sql, params);
    return row ? row->getInt(row->columns().front()) : 0;
  }
  int64_t userId(const std::string& login) {
    return scalar("SELECT id FROM users WHERE login = ?", {login});
  }
  std::string bearer(int64_t user_id) {
    return "Bearer " + identity_->keys().issue(user_id, 0, clock_->nowSeconds(), 3600);
  }

  // API call as USER (0: anonymous).
  Reply api(const std::string& method, const std::string& uri, int64_t user,
            const nlohmann::json& body = nullptr) {
    std::map<std::string, std::string> headers;
    if (user) headers["Authorization"] = bearer(user);
    return httpRequest(server_->port(), method, uri, body.is_null() ? "" : body.dump(), headers);
  }

  struct Session {
    std::string cookie;
    std::string csrf;
  };
  Session& session(int64_t user_id) {
    auto it = sessions_.find(user_id);
    if (it != sessions_.end()) return it->second;
    auto s = identity_->createSession(user_id, "messaging-test");
    return sessions_[user_id] = {s.cookie, s.csrf_token};
  }
  // Web call as staff USER; a POST sends FORM url-encoded with the session's CSRF token.
  Reply web(const std::string& method, const std::string& uri, int64_t user,
            const std::map<std::string, std::string>& form = {}) {
    Session& s = session(user);
    std::map<std::string, std::string> headers = {{"Cookie", "sukusuku_session=" + s.cookie}};
    std::string body;
    if (method == "POST") {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      std::map<std::string, std::string> f = form;
      f["csrf_token"] = s.csrf;
      body = formEncode({f.begin(), f.end()});
    }
    return httpRequest(server_->port(), method, uri, body, headers);
  }

  // The demo's facility ひまわり保育所 and a child there from the demo guardian's household.
  int64_t himawari() { return scalar("SELECT id FROM facilities WHERE name = 'ひまわり保育所'"); }
  int64_t guardianUser() { return userId("guardian@demo.sukusuku.jp"); }
  int64_t staffUser() { return userId("staff@demo.sukusuku.jp"); }
  int64_t headUser() { return userId("head@demo.sukusuku.jp"); }
  int64_t tonariStaff() { return userId("staff@tonari.demo.sukusuku.jp"); }
  int64_t householdOf(int64_t user) {
    return scalar("SELECT household_id FROM guardians WHERE user_id = ?", {user});
  }
  int64_t ownChild() {
    return scalar("SELECT MIN(id) FROM children WHERE household_id = ?",
                  {householdOf(guardianUser())});
  }
  // A child at ひまわり of another household than the demo guardian's.
  int64_t otherChild() {
    return scalar(
        "SELECT MIN(c.id) FROM children c JOIN enrolments e ON e.child_id = c.id WHERE "
        "e.facility_id = ? AND c.household_id <> ?",
        {himawari(), householdOf(guardianUser())});
  }
  // Today's entrance code, as the staff page shows it.
  std::string todaysCode() {
    auto r = web("GET", "/web/messaging/qr?format=json", staffUser());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["code"];
  }
  nlohmann::json board(int64_t class_id = 0) {
    std::string uri = "/web/messaging/board?format=json";
    if (class_id) uri += "&class_id=" + std::to_string(class_id);
    auto r = web("GET", uri, staffUser());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  nlohmann::json boardChild(int64_t child) {
    nlohmann::json b = board();  // kept alive: the loop below reads into it
    for (const auto& c : b["children"]) {
      if (c["id"] == child) return c;
    }
    return nullptr;
  }
  int64_t attendanceRows() { return scalar("SELECT COUNT(*) FROM messaging_attendance"); }

  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<identity::IdentityService> identity_;
  std::map<int64_t, Session> sessions_;
};

}  // namespace sukusuku::testing
