// A whole system with the real eligibility plugin on a fresh database of one backend, seeded
// with the demo municipality, served over real HTTP; sign-in through the identity core.
#pragma once

#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <sukusuku/http_server.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {

// "name=value; Path=/; ..." -> "value"
inline std::string cookieValueFrom(const std::string& set_cookie, const std::string& name) {
  if (set_cookie.rfind(name + "=", 0) != 0) return "";
  return set_cookie.substr(name.size() + 1, set_cookie.find(';') - name.size() - 1);
}

struct WebSession {
  std::string cookie;  // "sukusuku_session=…"
  std::string csrf;
};

class EligibilitySystem {
 public:
  explicit EligibilitySystem(const std::string& backend,
                             std::vector<std::pair<std::string, std::string>> settings = {}) {
    settings.push_back({"http.port", "0"});
    settings.push_back({"http.threads", "8"});
    settings.push_back({"plugins.dir", binaryDir() + "/lib/sukusuku/plugins"});
    sys = std::make_unique<TestSystem>(backend, "eligibility", nullptr, settings);
    sys->rt->start();
    sys->rt->seedDemo();
    server = std::make_unique<HttpServer>(*sys->rt);
    server->start();
  }

  Reply request(const std::string& method, const std::string& uri, const std::string& body = "",
                std::map<std::string, std::string> headers = {}) {
    return httpRequest(server->port(), method, uri, body, headers);
  }
  std::string token(const std::string& login) {
    auto r = request("POST", "/api/v1/auth/login",
                     nlohmann::json{{"login", login}, {"password", "sukusuku-demo"}}.dump());
    EXPECT_EQ(r.status, 200) << login << ": " << r.body;
    return r.status == 200 ? r.json()["access_token"].get<std::string>() : "";
  }
  Reply api(const std::string& method, const std::string& uri, const std::string& token,
            const nlohmann::json& body = nullptr) {
    return request(method, uri, body.is_null() ? "" : body.dump(),
                   {{"Authorization", "Bearer " + token}});
  }
  WebSession webLogin(const std::string& login) {
    auto page = request("GET", "/web/login");
    std::string pre = cookieValueFrom(page.header("Set-Cookie"), "sukusuku_login_csrf");
    auto ok = request("POST", "/web/login",
                      formEncode({{"csrf_token", pre}, {"login", login},
                                  {"password", "sukusuku-demo"}, {"next", "/web"}}),
                      {{"Cookie", "sukusuku_login_csrf=" + pre},
                       {"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(ok.status, 303) << ok.body;
    WebSession s;
    s.cookie = "sukusuku_session=" + cookieValueFrom(ok.header("Set-Cookie"), "sukusuku_session");
    auto conn = sys->rt->database().acquire();
    s.csrf = conn->queryOne("SELECT w.csrf_token FROM web_sessions w JOIN users u ON "
                            "u.id = w.user_id WHERE u.login = ? ORDER BY w.id DESC",
                            {login})
                 ->getText("csrf_token");
    return s;
  }
  Reply webGet(const WebSession& s, const std::string& uri) {
    return request("GET", uri, "", {{"Cookie", s.cookie}});
  }
  Reply webPost(const WebSession& s, const std::string& uri,
                std::vector<std::pair<std::string, std::string>> form, bool with_csrf = true) {
    if (with_csrf) form.push_back({"csrf_token", s.csrf});
    return request("POST", uri, formEncode(form),
                   {{"Cookie", s.cookie}, {"Content-Type", "application/x-www-form-urlencoded"}});
  }
  int64_t scalar(const std::string& sql, const db::Params& params = {}) {
    auto conn = sys->rt->database().acquire();
    return conn->queryOne(sql, params)->operator[](0).asInt();
  }
  void execute(const std::string& sql, const db::Params& params = {}) {
    sys->rt->database().transaction([&](db::Tx& tx) { tx.execute(sql, params); });
  }
  int64_t householdOf(const std::string& login) {
    return scalar("SELECT g.household_id FROM guardians g JOIN users u ON u.id = g.user_id "
                  "WHERE u.login = ?",
                  {login});
  }
  // Runs `sukusuku eligibility VERB ARGS…` in process; returns {exit code, stdout}.
  std::pair<int, std::string> cli(const std::string& verb, const std::vector<std::string>& args) {
    for (const auto& set : sys->rt->commands()) {
      if (set.plugin != "eligibility") continue;
      for (const auto& c : set.commands) {
        if (c.verb != verb) continue;
        std::ostringstream out, err;
        int rc = c.run(args, out, err);
        return {rc, out.str() + err.str()};
      }
    }
    return {-1, "no such command"};
  }

  std::unique_ptr<TestSystem> sys;
  std::unique_ptr<HttpServer> server;
};

}  // namespace sukusuku::testing
