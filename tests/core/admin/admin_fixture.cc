#include "admin_fixture.h"

#include <fstream>
#include <sstream>

#include <Poco/URI.h>

#include <sukusuku/demo_data.h>
#include <sukusuku/identity/password.h>

namespace sukusuku::testing {

namespace {
const std::string kPassword = "sukusuku-demo";

}  // namespace

std::string readTestFile(const std::string& name) {
  std::ifstream in(std::string(SUKUSUKU_ADMIN_TEST_DATA) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void AdminTest::SetUp() {
  sys_ = std::make_unique<TestSystem>(
      GetParam(), "", nullptr,
      std::vector<std::pair<std::string, std::string>>{{"http.port", "0"}, {"http.threads", "8"}});
  seedDemoTenancy(sys_->rt->database(), sys_->rt->clock(), {});
  static const std::string hash = identity::hashPassword(kPassword);
  {
    auto conn = sys_->rt->database().acquire();
    conn->execute("UPDATE users SET password_hash = ?", {hash});
    town_ = conn->queryOne("SELECT id FROM municipalities WHERE code = '349998'")->getInt("id");
    city_ = conn->queryOne("SELECT id FROM municipalities WHERE code = '349999'")->getInt("id");
    int64_t u = conn->execute("INSERT INTO users (municipality_id, login, password_hash, "
                              "display_name, created_at, updated_at) VALUES (?, ?, ?, 'となり町 "
                              "こども課', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                              {town_, kTonariCity, hash})
                    .last_insert_id;
    conn->execute("INSERT INTO user_roles (municipality_id, user_id, role, facility_id, "
                  "granted_at, granted_by_user_id) VALUES (?, ?, 'city_childcare_officer', 0, "
                  "'2026-01-01T00:00:00Z', 0)",
                  {town_, u});
  }
  sys_->rt->start();
  server_ = std::make_unique<HttpServer>(*sys_->rt);
  server_->start();
  svc_ = sys_->rt->services().find<identity::IdentityService>("identity");
  ASSERT_TRUE(svc_);
  today_ = tokyoDate(sys_->rt->clock().now());
  himawari_ = facilityId("N01");
  sakura_ = facilityId("N02");
  tonari_ = facilityId("N01", "349998");
  own_household_ = scalar(
      "SELECT household_id FROM guardians WHERE user_id = ?", {userId(kGuardian)});
  own_child_ = scalar("SELECT MIN(id) FROM children WHERE household_id = ?", {own_household_});
  other_himawari_child_ = childAt(himawari_, own_household_);
  sakura_child_ = childAt(sakura_);
  tonari_child_ = childAt(tonari_);
}

void AdminTest::TearDown() {
  server_.reset();
  sys_.reset();
}

Reply AdminTest::request(const std::string& method, const std::string& uri,
                         const std::string& body, std::map<std::string, std::string> headers) {
  return httpRequest(server_->port(), method, uri, body, headers);
}

Reply AdminTest::webGet(const std::string& login, const std::string& uri) {
  std::map<std::string, std::string> h;
  if (!login.empty()) {
    if (!sessions_.count(login)) sessions_[login] = svc_->createSession(userId(login), "test");
    h["Cookie"] = "sukusuku_session=" + sessions_[login].cookie;
  }
  return request("GET", uri, "", h);
}

Reply AdminTest::webPost(const std::string& login, const std::string& uri,
                         const std::vector<std::pair<std::string, std::string>>& fields,
                         bool with_csrf) {
  std::map<std::string, std::string> h = {{"Content-Type", "application/x-www-form-urlencoded"}};
  auto all = fields;
  if (!login.empty()) {
    if (!sessions_.count(login)) sessions_[login] = svc_->createSession(userId(login), "test");
    h["Cookie"] = "sukusuku_session=" + sessions_[login].cookie;
    if (with_csrf) all.insert(all.begin(), {"csrf_token", sessions_[login].csrf_token});
  }
  return request("POST", uri, formEncode(all), h);
}

Reply AdminTest::webUpload(const std::string& login, const std::string& uri,
                           const std::vector<std::pair<std::string, std::string>>& fields,
                           const std::string& file_field, const std::string& file_name,
                           const std::string& file_bytes) {
  if (!sessions_.count(login)) sessions_[login] = svc_->createSession(userId(login), "test");
  const std::string boundary = "----sukusukuAdminTest9f2b";
  std::string body;
  auto part = [&](const std::string& name, const std::string& value, const std::string& extra) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" + extra +
            "\r\n\r\n" + value + "\r\n";
  };
  part("csrf_token", sessions_[login].csrf_token, "");
  for (const auto& [k, v] : fields) part(k, v, "");
  part(file_field, file_bytes, "; filename=\"" + file_name + "\"\r\nContent-Type: text/csv");
  body += "--" + boundary + "--\r\n";
  return request("POST", uri, body,
                 {{"Cookie", "sukusuku_session=" + sessions_[login].cookie},
                  {"Content-Type", "multipart/form-data; boundary=" + boundary}});
}

Reply AdminTest::apiGet(const std::string& login, const std::string& uri) {
  std::map<std::string, std::string> h;
  if (!login.empty()) {
    if (!tokens_.count(login)) {
      auto r = request("POST", "/api/v1/auth/login",
                       nlohmann::json{{"login", login}, {"password", kPassword}}.dump());
      EXPECT_EQ(r.status, 200) << login << " " << r.body;
      tokens_[login] = r.json()["access_token"];
    }
    h["Authorization"] = "Bearer " + tokens_[login];
  }
  return request("GET", uri, "", h);
}

int64_t AdminTest::userId(const std::string& login) {
  return scalar("SELECT id FROM users WHERE login = ?", {login});
}

int64_t AdminTest::scalar(const std::string& sql, const db::Params& params) {
  auto conn = sys_->rt->database().acquire();
  auto rows = conn->query(sql, params);
  if (rows.empty() || rows[0][0].isNull()) return 0;
  return rows[0][0].asInt();
}

int64_t AdminTest::facilityId(const std::string& code, const std::string& municipality_code) {
  return scalar(
      "SELECT f.id FROM facilities f JOIN municipalities m ON m.id = f.municipality_id WHERE "
      "f.code = ? AND m.code = ?",
      {code, municipality_code});
}

int64_t AdminTest::childAt(int64_t facility_id, int64_t not_household) {
  return scalar(
      "SELECT MIN(c.id) FROM children c JOIN enrolments e ON e.child_id = c.id WHERE "
      "e.facility_id = ? AND c.household_id <> ? AND e.ends_on IS NULL",
      {facility_id, not_household});
}

int64_t AdminTest::householdOf(int64_t child_id) {
  return scalar("SELECT household_id FROM children WHERE id = ?", {child_id});
}

std::string AdminTest::fiscalYear() const {
  return std::to_string(sukusuku::fiscalYear(sys_->rt->clock().now()));
}

}  // namespace sukusuku::testing
