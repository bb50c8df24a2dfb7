#include "sukusuku/identity/module.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include <Poco/Logger.h>

#include "authenticator.h"
#include "routes.h"
#include "sukusuku/identity/identity_service.h"
#include "sukusuku/identity/password.h"
#include "sukusuku/runtime.h"
#include "sukusuku/services/password_hasher.h"

namespace sukusuku {

namespace {

namespace fs = std::filesystem;

class Argon2Hasher final : public services::PasswordHasher {
 public:
  std::string hash(const std::string& password) const override {
    return identity::hashPassword(password);
  }
};

identity::KeyRing loadKeyRing(Runtime& rt) {
  auto& log = Poco::Logger::get("identity");
  std::string file = rt.config().getString("auth.jwt.keys_file");
  if (file.empty()) {
    file = (fs::path(rt.dataDir()) / "keys" / "jwt-keys.json").string();
    if (!fs::exists(file)) {
      identity::KeyRing::generateFile(file);
      log.information("generated a JWT signing key in %s", file);
    }
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    log.warning("%s is readable by other users; chmod 600 it", file);
  }
  try {
    return identity::KeyRing::fromFile(file, rt.config().getString("auth.jwt.active_kid"));
  } catch (const std::exception& e) {
    throw StartupError("auth.jwt.keys_file " + file + ": " + e.what());
  }
}

}  // namespace

void addIdentityModule(Runtime& runtime) {
  runtime.addCoreModule("identity", [](PluginContext& ctx, Runtime& rt) {
    auto service = std::make_shared<identity::IdentityService>(
        rt, loadKeyRing(rt), identity::AuthSettings::fromConfig(rt.config()));
    rt.services().provide<identity::IdentityService>("identity", service);
    rt.services().provide<services::PasswordHasher>("identity.password_hasher",
                                                    std::make_shared<Argon2Hasher>());
    rt.setAuthenticator(std::make_shared<identity::IdentityAuthenticator>(service));
    rt.web().csrf_token_for = [service](const Request& r) {
      return identity::csrfTokenFor(*service, r);
    };
    ctx.addPermission("identity.invitations.issue",
                      "Issue app invitation codes to guardians of households in one's scope",
                      {roles::kFacilityStaff, roles::kFacilityAdmin, roles::kCityChildcare,
                       roles::kMunicipalityAdmin});
    identity::addApiRoutes(ctx, service);
    ctx.addOpenApi(identity::openApiFragment());
    identity::addWebRoutes(ctx, rt, service);

    // Expired secrets are useless and only grow the tables: drop them hourly. A refresh token is
    // kept until it expires, used or not, because reuse detection needs the used ones; lockout
    // counters are kept a day, far longer than any lockout. Invitations stay as the record of
    // who invited whom.
    auto& db = ctx.database();
    ctx.addJob({"identity.expired_cleanup", std::chrono::seconds(3600), std::chrono::seconds(600),
                [&db](TimePoint period) {
                  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                    period.time_since_epoch())
                                    .count();
                  db.transaction([&](db::Tx& tx) {
                    tx.execute("DELETE FROM refresh_tokens WHERE expires_at < ?", {now});
                    tx.execute("DELETE FROM web_sessions WHERE expires_at < ? OR "
                               "(revoked_at IS NOT NULL AND revoked_at < ?)",
                               {now, now - 86400});
                    tx.execute("DELETE FROM login_throttle WHERE window_start < ? AND "
                               "locked_until < ?",
                               {now - 86400, now});
                    tx.execute("DELETE FROM password_reset_codes WHERE expires_at < ?", {now});
                  });
                }});
  });
}

}  // namespace sukusuku
