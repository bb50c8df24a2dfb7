// The identity core's operations: signing in (API tokens and web sessions), throttling and
// lockout, refresh-token rotation, logging out, invitations, registration and password reset.
//
// Rules that hold across the operations:
//  - Secrets (refresh tokens, session ids, invitation and reset codes) are random and stored only
//    as SHA-256 digests; passwords as Argon2id (password.h).
//  - A wrong login and a wrong password give the same error (auth.invalid_credentials) after the
//    same work: an unknown login is verified against a dummy hash.
//  - Throttling: failed sign-ins are counted per login (normalised, whether or not it exists)
//    and per client address within auth.login.lockout_minutes. auth.login.max_failures for a
//    login locks it for the lockout period (Error 429 auth.locked, details.retry_after seconds);
//    auth.login.max_failures_per_address for an address throttles that address (429
//    auth.throttled). A successful sign-in clears the login's count, not the address's.
//    Lockout does not change users.status, so a stranger guessing cannot sign a user out.
//  - Refresh tokens rotate on every use; presenting a used one revokes its whole family
//    (auth.refresh_reused). "Log out everywhere" moves users.tokens_valid_after, which retires
//    every access token issued before (their `tv` claim no longer matches), and revokes every
//    refresh token and web session of the user.
//
// Thread-safe; one instance per Runtime, provided as service "identity" (and the password hasher
// as "identity.password_hasher").
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sukusuku/coalescer.h"
#include "sukusuku/http.h"
#include "sukusuku/identity/code_delivery.h"
#include "sukusuku/identity/key_ring.h"

namespace sukusuku {
class Config;
class Runtime;
}  // namespace sukusuku

namespace sukusuku::identity {

struct AuthSettings {
  int64_t access_ttl = 900;               // seconds
  int64_t refresh_ttl = 60 * 86400;       // seconds
  int64_t session_ttl = 12 * 3600;        // seconds
  int64_t max_failures = 5;               // per login
  int64_t max_failures_per_address = 50;  // per client address
  int64_t lockout = 15 * 60;              // seconds
  int64_t invitation_ttl = 14 * 86400;    // seconds
  int64_t reset_code_ttl = 30 * 60;       // seconds
  int64_t reset_max_attempts = 5;
  // Reset codes requested for one login (existing or not) within `lockout`; more get 429
  // auth.reset_throttled, so nobody can flood a user's inbox or phone with codes.
  int64_t reset_max_requests = 3;
  std::string cookie_secure = "auto";  // auto | true | false

  // Reads the auth.* keys (declared by Runtime::declareCoreKeys).
  static AuthSettings fromConfig(const Config& config);
};

struct TokenPair {
  std::string access_token;
  int64_t expires_in = 0;  // seconds
  std::string refresh_token;
  int64_t user_id = 0;

  nlohmann::json toJson() const;
};

struct Invitation {
  int64_t id = 0;
  std::string code;  // "ABCD-EFGH-JKMN": shown once, never stored
  int64_t expires_at = 0;
};

struct Registration {
  std::string invitation_code;
  std::string login;
  std::string password;
  std::string display_name;
  std::string language = "ja";
};

struct WebSession {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string cookie;  // the value of the session cookie (only known at creation)
  std::string csrf_token;
  int64_t expires_at = 0;
};

// Who a user is right now, as the authenticator needs it.
struct UserState {
  std::shared_ptr<Principal> principal;
  int64_t tokens_valid_after = 0;
};

class IdentityService {
 public:
  IdentityService(Runtime& runtime, KeyRing keys, AuthSettings settings);

  const AuthSettings& settings() const { return settings_; }
  const KeyRing& keys() const { return keys_; }

  // Checks LOGIN and PASSWORD under the throttling rules; returns the user id. Throws 401
  // auth.invalid_credentials, 429 auth.locked / auth.throttled.
  int64_t checkCredentials(const std::string& login, const std::string& password,
                           const std::string& client_addr, const std::string& request_id);
  // checkCredentials, then a new token pair (a new refresh-token family named DEVICE).
  TokenPair login(const std::string& login, const std::string& password, const std::string& device,
                  const std::string& client_addr, const std::string& request_id);
  // Rotates REFRESH_TOKEN. Throws 401 auth.invalid_token, auth.refresh_expired,
  // auth.refresh_reused (after revoking the family).
  TokenPair refresh(const std::string& refresh_token, const std::string& request_id);
  // Revokes the family of REFRESH_TOKEN when it belongs to USER_ID; silently nothing otherwise.
  void logout(int64_t user_id, const std::string& refresh_token);
  // Retires every access token, refresh token and web session of the principal.
  void logoutAll(const Principal& principal, const std::string& request_id);

  // Creates the guardian user an invitation is for and signs it in. Throws 422
  // auth.invitation_invalid, 409 auth.login_taken, 422 auth.password_too_short, ...
  TokenPair registerGuardian(const Registration& registration, const std::string& client_addr,
                             const std::string& request_id);
  // Issues an invitation code for HOUSEHOLD_ID (and GUARDIAN_ID, 0 for a new guardian) when the
  // principal may see that household (tenancy rules). Throws 404 tenancy.household_not_found,
  // 422 auth.guardian_invalid.
  Invitation issueInvitation(const Principal& issuer, int64_t household_id, int64_t guardian_id,
                             const std::string& request_id);

  // Sends a reset code to LOGIN's user if it exists and is active; says nothing either way.
  // Throws 429 auth.reset_throttled (details.retry_after) after settings().reset_max_requests
  // requests for the same login within the lockout period, whether or not the login exists.
  void requestPasswordReset(const std::string& login, const std::string& request_id);
  // Sets a new password with a reset code, then logs the user out everywhere. Throws 400
  // auth.reset_code_invalid (wrong, expired, used, too many attempts, or unknown login).
  void confirmPasswordReset(const std::string& login, const std::string& code,
                            const std::string& new_password, const std::string& client_addr,
                            const std::string& request_id);

  WebSession createSession(int64_t user_id, const std::string& user_agent);
  // The live session a cookie names, or nullopt (unknown, expired, revoked).
  std::optional<WebSession> findSession(const std::string& cookie);
  void endSession(int64_t session_id);

  // The claims of a valid access token at the runtime clock's now (KeyRing::verify).
  AccessClaims verifyAccessToken(const std::string& token) const;

  // The principal of an active user (null for unknown, disabled or admin-locked users), read
  // fresh from the database on every call; concurrent calls share one query (coalescer.h).
  UserState loadUser(int64_t user_id);

  void setCodeDelivery(std::shared_ptr<CodeDelivery> delivery);

 private:
  struct ThrottleResult;
  void requireNotThrottled(const std::string& login_key, const std::string& addr_key);
  TokenPair issuePair(int64_t user_id, const std::string& device);
  std::shared_ptr<CodeDelivery> delivery() const;
  std::unordered_map<int64_t, UserState> loadUsers(const std::vector<int64_t>& user_ids);

  Runtime& rt_;
  KeyRing keys_;
  AuthSettings settings_;
  mutable std::mutex mu_;
  std::shared_ptr<CodeDelivery> delivery_;
  std::unique_ptr<Coalescer<int64_t, UserState>> users_;  // loadUser's shared round trips
};

// "Taro@Example.com " -> "taro@example.com": the throttling key of a login.
std::string normaliseLogin(const std::string& login);
// TEXT without leading and trailing blanks.
std::string trimmed(const std::string& text);
// "abcd efgh-jkmn" -> "ABCDEFGHJKMN": how invitation codes are compared.
std::string normaliseInvitationCode(const std::string& code);

}  // namespace sukusuku::identity
