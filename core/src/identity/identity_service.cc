#include "sukusuku/identity/identity_service.h"

#include <algorithm>

#include <Poco/Logger.h>

#include "crypto.h"
#include "retire.h"
#include "sukusuku/error.h"
#include "sukusuku/identity/password.h"
#include "sukusuku/runtime.h"
#include "throttle.h"
#include "users.h"

namespace sukusuku::identity {

namespace {

Error invalidCredentials() {
  return Error::unauthorized("auth.invalid_credentials", "the login or the password is wrong");
}

Error lockedError(int64_t locked_until, int64_t now) {
  return Error(429, "auth.locked", "too many failed sign-ins for this login; try again later",
               {{"retry_after", std::max<int64_t>(1, locked_until - now)}});
}

Error throttledError(int64_t locked_until, int64_t now) {
  return Error(429, "auth.throttled", "too many failed attempts from this address; try again later",
               {{"retry_after", std::max<int64_t>(1, locked_until - now)}});
}

}  // namespace

std::string trimmed(const std::string& text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
}

std::string normaliseLogin(const std::string& login) {
  std::string out = trimmed(login);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

AuthSettings AuthSettings::fromConfig(const Config& c) {
  AuthSettings s;
  s.access_ttl = c.getInt("auth.access_ttl_seconds");
  s.refresh_ttl = c.getInt("auth.refresh_ttl_days") * 86400;
  s.session_ttl = c.getInt("auth.session_ttl_hours") * 3600;
  s.max_failures = std::max<int64_t>(1, c.getInt("auth.login.max_failures"));
  s.max_failures_per_address =
      std::max<int64_t>(1, c.getInt("auth.login.max_failures_per_address"));
  s.lockout = c.getInt("auth.login.lockout_minutes") * 60;
  s.invitation_ttl = c.getInt("auth.invitation_ttl_days") * 86400;
  s.cookie_secure = c.getString("auth.cookie_secure");
  return s;
}

nlohmann::json TokenPair::toJson() const {
  return {{"access_token", access_token},
          {"token_type", "Bearer"},
          {"expires_in", expires_in},
          {"refresh_token", refresh_token}};
}

IdentityService::IdentityService(Runtime& runtime, KeyRing keys, AuthSettings settings)
    : rt_(runtime),
      keys_(std::move(keys)),
      settings_(std::move(settings)),
      delivery_(newLogCodeDelivery()),
      // Up to 64 users per query, two queries in flight: one round trip per request when the
      // server is quiet, a shared one when many requests authenticate at once.
      users_(std::make_unique<Coalescer<int64_t, UserState>>(
          [this](const std::vector<int64_t>& ids) { return loadUsers(ids); }, 64, 2)) {}

void IdentityService::setCodeDelivery(std::shared_ptr<CodeDelivery> delivery) {
  std::lock_guard lock(mu_);
  delivery_ = delivery ? std::move(delivery) : newLogCodeDelivery();
}

std::shared_ptr<CodeDelivery> IdentityService::delivery() const {
  std::lock_guard lock(mu_);
  return delivery_;
}

void IdentityService::requireNotThrottled(const std::string& login_key,
                                          const std::string& addr_key) {
  int64_t now = rt_.clock().nowSeconds();
  auto conn = rt_.database().acquire();
  if (!addr_key.empty()) {
    int64_t until = throttleLockedUntil(*conn, addr_key);
    if (until > now) throw throttledError(until, now);
  }
  if (!login_key.empty()) {
    int64_t until = throttleLockedUntil(*conn, login_key);
    if (until > now) throw lockedError(until, now);
  }
}

int64_t IdentityService::checkCredentials(const std::string& login, const std::string& password,
                                          const std::string& client_addr,
                                          const std::string& request_id) {
  const std::string login_key = "login:" + normaliseLogin(login);
  const std::string addr_key = "addr:" + client_addr;
  requireNotThrottled(login_key, addr_key);

  std::optional<db::Row> user;
  {
    auto conn = rt_.database().acquire();
    user =
        findUserByLogin(*conn, "id, municipality_id, password_hash, status, locked_until", login);
  }
  std::string stored = user ? user->getOptText("password_hash").value_or("") : "";
  // Unknown logins and users without a password cost the same verification as everyone else.
  bool password_ok = verifyPassword(stored.empty() ? dummyPasswordHash() : stored,
                                    password.substr(0, kMaxPasswordLength)) &&
                     !stored.empty() && password.size() <= kMaxPasswordLength;
  int64_t now = rt_.clock().nowSeconds();
  bool ok = password_ok && mayUseAccount(*user, now);

  if (ok) {
    int64_t user_id = user->getInt("id");
    std::string rehash = needsRehash(stored) ? hashPassword(password) : "";
    rt_.database().transaction([&](db::Tx& tx) {
      throttleClear(tx, login_key);
      // An administrator's lock that has run out ends with the first successful sign-in.
      tx.execute(
          "UPDATE users SET failed_logins = 0, locked_until = 0, status = 'active' WHERE id = ?",
          {user_id});
      if (!rehash.empty()) {
        tx.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                   {rehash, formatUtc(rt_.clock().now()), user_id});
      }
    });
    return user_id;
  }

  int64_t login_until = 0, addr_until = 0;
  rt_.database().transaction([&](db::Tx& tx) {
    login_until = throttleFailure(tx, login_key, now, settings_.max_failures, settings_.lockout);
    addr_until =
        throttleFailure(tx, addr_key, now, settings_.max_failures_per_address, settings_.lockout);
    if (!user) return;
    int64_t user_id = user->getInt("id");
    tx.execute(
        "UPDATE users SET failed_logins = failed_logins + 1, locked_until = ? "
        "WHERE id = ? AND status = 'active'",
        {login_until > now ? login_until : 0, user_id});
    rt_.audit().record(tx, {.municipality_id = user->getInt("municipality_id"),
                            .actor_user_id = 0,
                            .actor_role = "anonymous",
                            .action = login_until > now ? "auth.locked" : "auth.login_failed",
                            .target_type = "user",
                            .target_id = std::to_string(user_id),
                            .details = {{"client_addr", client_addr}},
                            .request_id = request_id});
  });
  if (!user) {
    Poco::Logger::get("identity")
        .notice("failed sign-in for an unknown login from %s [%s]", client_addr, request_id);
  }
  if (login_until > now) throw lockedError(login_until, now);
  if (addr_until > now) throw throttledError(addr_until, now);
  throw invalidCredentials();
}

TokenPair IdentityService::login(const std::string& login, const std::string& password,
                                 const std::string& device, const std::string& client_addr,
                                 const std::string& request_id) {
  int64_t user_id = checkCredentials(login, password, client_addr, request_id);
  if (!loadUser(user_id).principal) throw invalidCredentials();
  return issuePair(user_id, device);
}

TokenPair IdentityService::issuePair(int64_t user_id, const std::string& device) {
  int64_t now = rt_.clock().nowSeconds();
  TokenPair pair;
  pair.user_id = user_id;
  pair.refresh_token = randomToken(32);
  pair.expires_in = settings_.access_ttl;
  rt_.database().transaction([&](db::Tx& tx) {
    auto row = tx.queryOne("SELECT tokens_valid_after FROM users WHERE id = ?", {user_id});
    if (!row) throw invalidCredentials();
    tx.execute(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, parent_id, device_label, "
        "created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?, ?)",
        {user_id, randomToken(16), sha256Hex(pair.refresh_token), device.substr(0, 200), now,
         now + settings_.refresh_ttl});
    pair.access_token =
        keys_.issue(user_id, row->getInt("tokens_valid_after"), now, settings_.access_ttl);
  });
  return pair;
}

TokenPair IdentityService::refresh(const std::string& refresh_token,
                                   const std::string& request_id) {
  enum class Outcome { kOk, kUnknown, kRevoked, kReused, kExpired };
  int64_t now = rt_.clock().nowSeconds();
  TokenPair pair;
  pair.refresh_token = randomToken(32);
  pair.expires_in = settings_.access_ttl;
  std::string hash = sha256Hex(refresh_token);
  Outcome outcome = rt_.database().transaction([&](db::Tx& tx) {
    auto row = tx.queryOne(
        "SELECT id, user_id, family_id, device_label, expires_at, used_at, revoked_at "
        "FROM refresh_tokens WHERE token_hash = ?" +
            std::string(tx.dialect().forUpdate()),
        {hash});
    if (!row) return Outcome::kUnknown;
    if (!row->isNull("revoked_at")) return Outcome::kRevoked;
    int64_t user_id = row->getInt("user_id");
    auto user = tx.queryOne(
        "SELECT municipality_id, status, locked_until, tokens_valid_after FROM users WHERE id = ?",
        {user_id});
    if (!row->isNull("used_at")) {
      // Reuse: someone holds a copy of a rotated token. Nobody in this family is trusted now.
      tx.execute(
          "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
          {now, row->getText("family_id")});
      rt_.audit().record(tx, {.municipality_id = user ? user->getInt("municipality_id") : 0,
                              .actor_user_id = user_id,
                              .actor_role = "user",
                              .action = "auth.refresh_reused",
                              .target_type = "user",
                              .target_id = std::to_string(user_id),
                              .details = {{"family_id", row->getText("family_id")}},
                              .request_id = request_id});
      return Outcome::kReused;
    }
    if (row->getInt("expires_at") <= now) return Outcome::kExpired;
    if (!user || !mayUseAccount(*user, now)) return Outcome::kRevoked;
    tx.execute("UPDATE refresh_tokens SET used_at = ? WHERE id = ?", {now, row->getInt("id")});
    tx.execute(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, parent_id, device_label, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {user_id, row->getText("family_id"), sha256Hex(pair.refresh_token), row->getInt("id"),
         row->getText("device_label"), now, now + settings_.refresh_ttl});
    pair.user_id = user_id;
    pair.access_token =
        keys_.issue(user_id, user->getInt("tokens_valid_after"), now, settings_.access_ttl);
    return Outcome::kOk;
  });
  switch (outcome) {
    case Outcome::kOk:
      return pair;
    case Outcome::kReused:
      throw Error::unauthorized("auth.refresh_reused",
                                "this refresh token was already used; sign in again");
    case Outcome::kExpired:
      throw Error::unauthorized("auth.refresh_expired", "the refresh token has expired");
    default:
      throw Error::unauthorized("auth.invalid_token", "the refresh token is not valid");
  }
}

void IdentityService::logout(int64_t user_id, const std::string& refresh_token) {
  int64_t now = rt_.clock().nowSeconds();
  rt_.database().transaction([&](db::Tx& tx) {
    auto row =
        tx.queryOne("SELECT family_id FROM refresh_tokens WHERE token_hash = ? AND user_id = ?",
                    {sha256Hex(refresh_token), user_id});
    if (!row) return;
    tx.execute(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
        {now, row->getText("family_id")});
  });
}

void retireEverything(db::Tx& tx, int64_t user_id, int64_t now, const std::string& updated_at) {
  auto row = tx.queryOne(
      "SELECT tokens_valid_after FROM users WHERE id = ?" + std::string(tx.dialect().forUpdate()),
      {user_id});
  int64_t version = std::max(now, (row ? row->getInt("tokens_valid_after") : 0) + 1);
  tx.execute("UPDATE users SET tokens_valid_after = ?, updated_at = ? WHERE id = ?",
             {version, updated_at, user_id});
  tx.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
             {now, user_id});
  tx.execute("UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
             {now, user_id});
}

void IdentityService::logoutAll(const Principal& principal, const std::string& request_id) {
  int64_t now = rt_.clock().nowSeconds();
  rt_.database().transaction([&](db::Tx& tx) {
    retireEverything(tx, principal.user_id, now, formatUtc(rt_.clock().now()));
    rt_.audit().record(tx, {.municipality_id = principal.municipality_id,
                            .actor_user_id = principal.user_id,
                            .actor_role = principal.role,
                            .action = "auth.logout_all",
                            .target_type = "user",
                            .target_id = std::to_string(principal.user_id),
                            .request_id = request_id});
  });
}

WebSession IdentityService::createSession(int64_t user_id, const std::string& user_agent) {
  int64_t now = rt_.clock().nowSeconds();
  WebSession s;
  s.user_id = user_id;
  s.cookie = randomToken(32);
  s.csrf_token = randomToken(32);
  s.expires_at = now + settings_.session_ttl;
  auto conn = rt_.database().acquire();
  s.id = conn->execute(
                 "INSERT INTO web_sessions (user_id, session_hash, csrf_token, created_at, "
                 "expires_at, last_seen, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 {user_id, sha256Hex(s.cookie), s.csrf_token, now, s.expires_at, now,
                  user_agent.substr(0, 200)})
             .last_insert_id;
  return s;
}

std::optional<WebSession> IdentityService::findSession(const std::string& cookie) {
  if (cookie.empty() || cookie.size() > 128) return std::nullopt;
  int64_t now = rt_.clock().nowSeconds();
  auto conn = rt_.database().acquire();
  auto row = conn->queryOne(
      "SELECT id, user_id, csrf_token, expires_at, last_seen FROM web_sessions "
      "WHERE session_hash = ? AND revoked_at IS NULL AND expires_at > ?",
      {sha256Hex(cookie), now});
  if (!row) return std::nullopt;
  WebSession s;
  s.id = row->getInt("id");
  s.user_id = row->getInt("user_id");
  s.csrf_token = row->getText("csrf_token");
  s.expires_at = row->getInt("expires_at");
  if (now - row->getInt("last_seen") >= 60) {
    conn->execute("UPDATE web_sessions SET last_seen = ? WHERE id = ?", {now, s.id});
  }
  return s;
}

void IdentityService::endSession(int64_t session_id) {
  auto conn = rt_.database().acquire();
  conn->execute("UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                {rt_.clock().nowSeconds(), session_id});
}

AccessClaims IdentityService::verifyAccessToken(const std::string& token) const {
  return keys_.verify(token, rt_.clock().nowSeconds());
}

UserState IdentityService::loadUser(int64_t user_id) {
  UserState state = users_->get(user_id);
  // Each request gets its own Principal (the authenticator sets session_id on it).
  if (state.principal) state.principal = std::make_shared<Principal>(*state.principal);
  return state;
}

std::unordered_map<int64_t, UserState> IdentityService::loadUsers(
    const std::vector<int64_t>& user_ids) {
  // Every authenticated request comes here (through the coalescer: concurrent requests share
  // one round trip): the user rows (kind 'u'), the roles ('r': role in display_name, facility
  // in id), today's staff assignments ('s': facility in id) and the first guardian row ('g':
  // household in id), as one UNION ALL with the users row's column names and the user in uid.
  std::unordered_map<int64_t, UserState> out;
  auto conn = rt_.database().acquire();
  std::string today = tokyoDate(rt_.clock().now());
  db::Params params;
  std::string sql =
      "SELECT 'u' AS k, id AS uid, id, municipality_id, tokens_valid_after, locked_until, "
      "display_name, language, status FROM users WHERE id IN (" +
      db::inPlaceholders(user_ids, params) + ")";
  sql +=
      " UNION ALL SELECT 'r', user_id, facility_id, 0, 0, 0, role, '', '' FROM user_roles "
      "WHERE user_id IN (" +
      db::inPlaceholders(user_ids, params) + ")";
  sql +=
      " UNION ALL SELECT DISTINCT 's', s.user_id, a.facility_id, 0, 0, 0, '', '', '' FROM "
      "staff s JOIN staff_assignments a ON a.staff_id = s.id WHERE s.user_id IN (" +
      db::inPlaceholders(user_ids, params) +
      ") AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)";
  params.push_back(today);
  params.push_back(today);
  sql +=
      " UNION ALL SELECT 'g', user_id, household_id, 0, 0, 0, '', '', '' FROM guardians "
      "WHERE id IN (SELECT MIN(id) FROM guardians WHERE user_id IN (" +
      db::inPlaceholders(user_ids, params) + ") GROUP BY user_id)";
  auto rows = conn->query(sql, params);
  std::unordered_map<int64_t, std::vector<const db::Row*>> of_user;
  for (const auto& r : rows) of_user[r.getInt("uid")].push_back(&r);
  const int64_t now = rt_.clock().nowSeconds();
  const auto& order = Permissions::allRoles();
  for (const auto& [user_id, user_rows] : of_user) {
    const db::Row* user = nullptr;
    for (const db::Row* r : user_rows) {
      if (r->getText("k") == "u") user = r;
    }
    if (!user || !mayUseAccount(*user, now)) continue;
    auto p = std::make_shared<Principal>();
    p->user_id = user_id;
    p->municipality_id = user->getInt("municipality_id");
    p->display_name = user->getText("display_name");
    p->language = user->getText("language");
    int widest = -1;
    for (const db::Row* r : user_rows) {
      std::string k = r->getText("k");
      if (k == "s") {
        p->facility_ids.push_back(r->getInt("id"));
      } else if (k == "g") {
        p->household_id = r->getInt("id");
      } else if (k == "r") {
        std::string role = r->getText("display_name");
        auto it = std::find(order.begin(), order.end(), role);
        if (it == order.end()) continue;  // a role this build does not know grants nothing
        int rank = static_cast<int>(it - order.begin());
        if (rank > widest) {
          widest = rank;
          p->role = role;
        }
        auto perms = rt_.permissions().forRole(role);
        p->permissions.insert(perms.begin(), perms.end());
        if (r->getInt("id") > 0) p->facility_ids.push_back(r->getInt("id"));
      }
    }
    if (widest < 0) continue;
    std::sort(p->facility_ids.begin(), p->facility_ids.end());
    p->facility_ids.erase(std::unique(p->facility_ids.begin(), p->facility_ids.end()),
                          p->facility_ids.end());
    UserState& state = out[user_id];
    state.principal = std::move(p);
    state.tokens_valid_after = user->getInt("tokens_valid_after");
  }
  return out;
}

}  // namespace sukusuku::identity
