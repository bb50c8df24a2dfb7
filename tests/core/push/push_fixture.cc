#include "push_fixture.h"

#include <sukusuku/demo_data.h>

namespace sukusuku::testing {

PushSystem::PushSystem(const std::string& backend,
                       std::vector<std::pair<std::string, std::string>> settings,
                       std::shared_ptr<const Clock> clock) {
  settings.emplace_back("http.port", "0");
  sys_ = std::make_unique<TestSystem>(backend, "", std::move(clock), settings);
  seedDemoTenancy(db(), rt().clock(), {});
  auth_ = std::make_shared<TestPrincipalAuthenticator>(rt());
  rt().setAuthenticator(auth_);
  rt().start();
}

PushSystem::~PushSystem() {
  if (server_) server_->stop();
  rt().stop();
}

std::shared_ptr<push::Notifier> PushSystem::notifier() {
  return rt().services().find<push::Notifier>("push.notifier");
}

void PushSystem::serve() {
  if (server_) return;
  server_ = std::make_unique<HttpServer>(rt());
  server_->start();
}

Reply PushSystem::request(const std::string& method, const std::string& uri, int64_t user,
                          const std::string& body) {
  std::map<std::string, std::string> headers;
  if (user) headers["X-Test-Principal"] = std::to_string(user);
  return httpRequest(server_->port(), method, uri, body, headers);
}

int64_t PushSystem::userId(const std::string& login) {
  return db().acquire()->queryOne("SELECT id FROM users WHERE login = ?", {login})->getInt("id");
}

int64_t PushSystem::municipalityOf(int64_t user_id) {
  return db().acquire()->queryOne("SELECT municipality_id FROM users WHERE id = ?",
                                  {user_id})->getInt("municipality_id");
}

int64_t PushSystem::addDevice(int64_t user_id, const std::string& token,
                              const std::string& language) {
  std::string now = formatUtc(rt().clock().now());
  return db().transaction([&](db::Tx& tx) {
    return tx
        .execute(
            "INSERT INTO devices (municipality_id, user_id, token, platform, app_version, "
            "language, created_at, refreshed_at) SELECT municipality_id, id, ?, 'android', "
            "'1.0', ?, ?, ? FROM users WHERE id = ?",
            {token, language, now, now, user_id})
        .last_insert_id;
  });
}

int64_t PushSystem::count(const std::string& sql, const db::Params& params) {
  return db().acquire()->query(sql, params)[0][0].asInt();
}

void PushSystem::reset() {
  db().transaction([](db::Tx& tx) {
    for (const char* table : {"push_outbox", "inbox", "notifications", "push_preferences",
                              "push_opt_outs", "devices", "password_reset_codes", "job_leases"}) {
      tx.execute(std::string("DELETE FROM ") + table);
    }
    tx.execute("DELETE FROM audit_log WHERE action LIKE 'push.%' OR action LIKE 'auth.%'");
    tx.execute("UPDATE users SET language = 'ja'");
  });
}

PushSystem& SharedPushSystems::get(const std::string& backend,
                                   const std::vector<std::pair<std::string, std::string>>& settings,
                                   std::shared_ptr<const Clock> clock) {
  auto& system = systems_[backend];
  if (system) {
    system->reset();
  } else {
    system = std::make_unique<PushSystem>(backend, settings, std::move(clock));
  }
  return *system;
}

push::Notification sampleNotification(int64_t municipality_id, const std::string& category) {
  push::Notification n;
  n.municipality_id = municipality_id;
  n.category = category;
  n.title = {{"ja", "お知らせ"}, {"en", "Notice"}};
  n.body = {{"ja", "明日は遠足です。"}, {"en", "The excursion is tomorrow."}};
  n.data = {{"route", "notice"}, {"id", "42"}};
  n.source_ref = "test.notice:42";
  return n;
}

}  // namespace sukusuku::testing
