// Invitations (招待コード) and the guardian registration they open: the app's first-run path.
#include <sodium.h>

#include "crypto.h"
#include "sukusuku/error.h"
#include "sukusuku/identity/identity_service.h"
#include "sukusuku/identity/password.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "throttle.h"

namespace sukusuku::identity {

namespace {

// No 0/O, 1/I/L: codes are read aloud and typed from paper.
constexpr char kCodeAlphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
constexpr size_t kCodeLength = 12;

std::string newInvitationCode() {
  ensureSodium();
  std::string code;
  for (size_t i = 0; i < kCodeLength; ++i) {
    code += kCodeAlphabet[randombytes_uniform(sizeof kCodeAlphabet - 1)];
  }
  return code;
}

Error invitationInvalid() {
  return Error::invalid("auth.invitation_invalid", "the invitation code is wrong, used or expired",
                        {{"field", "invitation_code"}});
}

bool validLogin(const std::string& login) {
  if (login.empty() || login.size() > 200) return false;
  for (unsigned char c : login) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string normaliseInvitationCode(const std::string& code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Invitation IdentityService::issueInvitation(const Principal& issuer, int64_t household_id,
                                            int64_t guardian_id, const std::string& request_id) {
  std::string today = tokyoDate(rt_.clock().now());
  {
    auto conn = rt_.database().acquire();
    tenancy::requireHousehold(*conn, issuer, household_id, today);
    if (guardian_id != 0) {
      auto g = conn->queryOne(
          "SELECT household_id, user_id FROM guardians WHERE id = ? AND municipality_id = ?",
          {guardian_id, issuer.municipality_id});
      if (!g || g->getInt("household_id") != household_id || !g->isNull("user_id")) {
        throw Error::invalid("auth.guardian_invalid",
                             "the guardian is not in this household or already has a login",
                             {{"field", "guardian_id"}});
      }
    }
  }
  int64_t now = rt_.clock().nowSeconds();
  std::string code = newInvitationCode();
  Invitation inv;
  inv.expires_at = now + settings_.invitation_ttl;
  inv.code = code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8);
  rt_.database().transaction([&](db::Tx& tx) {
    inv.id = tx.execute(
                   "INSERT INTO invitations (municipality_id, household_id, guardian_id, "
                   "code_hash, issued_by_user_id, issued_at, expires_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   {issuer.municipality_id, household_id, guardian_id, sha256Hex(code),
                    issuer.user_id, now, inv.expires_at})
                 .last_insert_id;
    rt_.audit().record(tx, {.municipality_id = issuer.municipality_id,
                            .actor_user_id = issuer.user_id,
                            .actor_role = issuer.role,
                            .action = "identity.invitation_issued",
                            .target_type = "household",
                            .target_id = std::to_string(household_id),
                            .details = {{"invitation_id", inv.id}, {"guardian_id", guardian_id}},
                            .request_id = request_id});
  });
  return inv;
}

TokenPair IdentityService::registerGuardian(const Registration& reg, const std::string& client_addr,
                                            const std::string& request_id) {
  std::string login = normaliseLogin(reg.login);
  std::string display_name = trimmed(reg.display_name);
  if (!validLogin(login)) {
    throw Error::invalid("auth.login_invalid", "the login must be 1-200 characters without spaces",
                         {{"field", "login"}});
  }
  if (display_name.empty() || display_name.size() > 100) {
    throw Error::invalid("auth.display_name_invalid", "the name must be 1-100 characters",
                         {{"field", "display_name"}});
  }
  checkPasswordPolicy(reg.password);
  std::string language = "ja";
  for (const auto& l : rt_.i18n().languages()) {
    if (l == reg.language) language = l;
  }
  const std::string addr_key = "addr:" + client_addr;
  requireNotThrottled("", addr_key);
  std::string password_hash = hashPassword(reg.password);

  enum class Outcome { kOk, kInvalid, kTaken };
  int64_t now = rt_.clock().nowSeconds();
  std::string stamp = formatUtc(rt_.clock().now());
  int64_t user_id = 0;
  Outcome outcome = rt_.database().transaction([&](db::Tx& tx) {
    auto inv = tx.queryOne(
        "SELECT id, municipality_id, household_id, guardian_id, issued_by_user_id, expires_at, "
        "used_at FROM invitations WHERE code_hash = ?" +
            std::string(tx.dialect().forUpdate()),
        {sha256Hex(normaliseInvitationCode(reg.invitation_code))});
    if (!inv || !inv->isNull("used_at") || inv->getInt("expires_at") <= now) {
      // Guessing codes counts against the address like guessing passwords.
      throttleFailure(tx, addr_key, now, settings_.max_failures_per_address, settings_.lockout);
      return Outcome::kInvalid;
    }
    if (tx.queryOne("SELECT id FROM users WHERE login = ?", {login})) return Outcome::kTaken;
    int64_t municipality = inv->getInt("municipality_id");
    int64_t household = inv->getInt("household_id");
    user_id = tx.execute(
                    "INSERT INTO users (municipality_id, login, password_hash, display_name, "
                    "language, status, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
                    {municipality, login, password_hash, display_name, language, stamp, stamp})
                  .last_insert_id;
    tx.execute(
        "INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
        "granted_by_user_id) VALUES (?, ?, ?, 0, ?, ?)",
        {municipality, user_id, roles::kGuardian, stamp, inv->getInt("issued_by_user_id")});
    int64_t linked = 0;
    if (inv->getInt("guardian_id") > 0) {
      linked = tx.execute(
                     "UPDATE guardians SET user_id = ? WHERE id = ? AND household_id = ? AND "
                     "user_id IS NULL",
                     {user_id, inv->getInt("guardian_id"), household})
                   .affected_rows;
    }
    if (linked == 0) {
      tx.execute(
          "INSERT INTO guardians (municipality_id, household_id, user_id, family_name, "
          "given_name, family_name_kana, given_name_kana, relationship, phone, email) "
          "VALUES (?, ?, ?, ?, '', '', '', 'other', '', ?)",
          {municipality, household, user_id, display_name,
           login.find('@') != std::string::npos ? login : std::string()});
    }
    tx.execute("UPDATE invitations SET used_by_user_id = ?, used_at = ? WHERE id = ?",
               {user_id, now, inv->getInt("id")});
    rt_.audit().record(tx, {.municipality_id = municipality,
                            .actor_user_id = user_id,
                            .actor_role = roles::kGuardian,
                            .action = "identity.guardian_registered",
                            .target_type = "household",
                            .target_id = std::to_string(household),
                            .details = {{"invitation_id", inv->getInt("id")}},
                            .request_id = request_id});
    return Outcome::kOk;
  });
  if (outcome == Outcome::kInvalid) throw invitationInvalid();
  if (outcome == Outcome::kTaken) {
    throw Error::conflict("auth.login_taken", "this login is already in use", {{"field", "login"}});
  }
  return issuePair(user_id, "app");
}

}  // namespace sukusuku::identity
