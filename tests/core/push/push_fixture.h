// A Runtime on the demo municipality for the push core's tests, with a stand-in authenticator
// ("X-Test-Principal: <user id>") so the inbox routes are tested over real HTTP without the
// identity core's tokens.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sukusuku/http_server.h>
#include <sukusuku/push/notifier.h>

#include "http_client.h"
#include "test_system.h"

namespace sukusuku::testing {

class PushSystem {
 public:
  // SETTINGS are extra configuration values (push.fcm.* for the FCM test server).
  PushSystem(const std::string& backend,
             std::vector<std::pair<std::string, std::string>> settings = {},
             std::shared_ptr<const Clock> clock = nullptr);
  ~PushSystem();

  Runtime& rt() { return *sys_->rt; }
  db::Database& db() { return sys_->rt->database(); }
  std::shared_ptr<push::Notifier> notifier();
  const std::string& dbUrl() const { return sys_->scratch.url(); }

  // Starts the HTTP server on a free port (once).
  void serve();
  Reply request(const std::string& method, const std::string& uri, int64_t user,
                const std::string& body = "");

  int64_t userId(const std::string& login);
  int64_t municipalityOf(int64_t user_id);
  // Registers a device row for USER directly (as POST /api/v1/devices would).
  int64_t addDevice(int64_t user_id, const std::string& token, const std::string& language = "ja");
  int64_t count(const std::string& sql, const db::Params& params = {});
  // Forgets what push tests write (notifications, inbox, outbox, preferences, devices, reset
  // codes, audit rows, job leases) and sets every user's language back to ja, so that one seeded
  // system serves a whole suite.
  void reset();

 private:
  std::unique_ptr<TestSystem> sys_;
  std::shared_ptr<TestPrincipalAuthenticator> auth_;
  std::unique_ptr<HttpServer> server_;
};

// One PushSystem per backend for a whole suite: seeding the demo city costs seconds on MariaDB.
// get() makes it the first time and reset()s it after.
class SharedPushSystems {
 public:
  PushSystem& get(const std::string& backend,
                  const std::vector<std::pair<std::string, std::string>>& settings,
                  std::shared_ptr<const Clock> clock);
  void clear() { systems_.clear(); }

 private:
  std::map<std::string, std::unique_ptr<PushSystem>> systems_;
};

// A notification with Japanese (and English) texts.
push::Notification sampleNotification(int64_t municipality_id,
                                      const std::string& category = "test.notice");

}  // namespace sukusuku::testing
