// Password reset by a one-time code delivered through CodeDelivery.
#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include <Poco/Logger.h>

#include "crypto.h"
#include "retire.h"
#include "sukusuku/error.h"
#include "sukusuku/identity/identity_service.h"
#include "sukusuku/identity/password.h"
#include "sukusuku/runtime.h"
#include "throttle.h"
#include "users.h"

namespace sukusuku::identity {

namespace {

Error codeInvalid() {
  return Error::badRequest("auth.reset_code_invalid",
                           "the code is wrong or no longer valid; request a new one",
                           {{"field", "code"}});
}

}  // namespace

void IdentityService::requestPasswordReset(const std::string& login,
                                           const std::string& request_id) {
  // Per login, existing or not (so the limit says nothing about who has an account).
  const std::string login_key = "reset:" + normaliseLogin(login);
  int64_t start = rt_.clock().nowSeconds();
  {
    auto conn = rt_.database().acquire();
    int64_t until = throttleLockedUntil(*conn, login_key);
    if (until > start) {
      throw Error(429, "auth.reset_throttled",
                  "too many reset codes requested for this login; try again later",
                  {{"retry_after", std::max<int64_t>(1, until - start)}});
    }
  }
  rt_.database().transaction([&](db::Tx& tx) {
    throttleFailure(tx, login_key, start, settings_.reset_max_requests, settings_.lockout);
  });
  std::optional<db::Row> user;
  {
    auto conn = rt_.database().acquire();
    user =
        findUserByLogin(*conn, "id, municipality_id, login, language, status, locked_until", login);
  }
  if (!user || !mayUseAccount(*user, rt_.clock().nowSeconds())) return;
  ensureSodium();
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08u", randombytes_uniform(100000000));
  int64_t now = rt_.clock().nowSeconds();
  ResetCodeMessage message;
  message.user_id = user->getInt("id");
  message.login = user->getText("login");
  message.language = user->getText("language");
  message.code = digits;
  message.expires_at = now + settings_.reset_code_ttl;
  rt_.database().transaction([&](db::Tx& tx) {
    // A new code supersedes the ones before it.
    tx.execute("UPDATE password_reset_codes SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
               {now, message.user_id});
    tx.execute(
        "INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at) "
        "VALUES (?, ?, ?, ?)",
        {message.user_id, sha256Hex(message.code), now, message.expires_at});
    rt_.audit().record(tx, {.municipality_id = user->getInt("municipality_id"),
                            .actor_role = "anonymous",
                            .action = "auth.password_reset_requested",
                            .target_type = "user",
                            .target_id = std::to_string(message.user_id),
                            .request_id = request_id});
  });
  try {
    delivery()->deliverPasswordResetCode(message);
  } catch (const std::exception& e) {
    Poco::Logger::get("identity")
        .error("reset code delivery failed for user %Ld: %s",
               static_cast<long long>(message.user_id), std::string(e.what()));
  }
}

void IdentityService::confirmPasswordReset(const std::string& login, const std::string& code,
                                           const std::string& new_password,
                                           const std::string& client_addr,
                                           const std::string& request_id) {
  checkPasswordPolicy(new_password);
  const std::string addr_key = "addr:" + client_addr;
  requireNotThrottled("", addr_key);
  std::string password_hash = hashPassword(new_password);
  int64_t now = rt_.clock().nowSeconds();
  std::string stamp = formatUtc(rt_.clock().now());
  bool ok = rt_.database().transaction([&](db::Tx& tx) {
    auto user = findUserByLogin(tx, "id, municipality_id, login, status, locked_until", login);
    std::optional<db::Row> rc;
    if (user && mayUseAccount(*user, now)) {
      rc = tx.queryOne(
          "SELECT id, code_hash, expires_at, attempts FROM password_reset_codes "
          "WHERE user_id = ? AND used_at IS NULL ORDER BY id DESC LIMIT 1" +
              std::string(tx.dialect().forUpdate()),
          {user->getInt("id")});
    }
    bool usable = rc && rc->getInt("expires_at") > now &&
                  rc->getInt("attempts") < settings_.reset_max_attempts;
    if (!usable || !constantTimeEquals(rc->getText("code_hash"), sha256Hex(trimmed(code)))) {
      if (rc) {
        tx.execute("UPDATE password_reset_codes SET attempts = attempts + 1 WHERE id = ?",
                   {rc->getInt("id")});
      }
      throttleFailure(tx, addr_key, now, settings_.max_failures_per_address, settings_.lockout);
      return false;
    }
    int64_t user_id = user->getInt("id");
    tx.execute("UPDATE password_reset_codes SET used_at = ? WHERE id = ?", {now, rc->getInt("id")});
    tx.execute(
        "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0, "
        "status = 'active' WHERE id = ?",
        {password_hash, user_id});
    throttleClear(tx, "login:" + normaliseLogin(user->getText("login")));
    retireEverything(tx, user_id, now, stamp);
    rt_.audit().record(tx, {.municipality_id = user->getInt("municipality_id"),
                            .actor_user_id = user_id,
                            .actor_role = "user",
                            .action = "auth.password_reset",
                            .target_type = "user",
                            .target_id = std::to_string(user_id),
                            .request_id = request_id});
    return true;
  });
  if (!ok) throw codeInvalid();
}

}  // namespace sukusuku::identity
