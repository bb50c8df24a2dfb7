#include "users.h"

#include "sukusuku/identity/identity_service.h"

namespace sukusuku::identity {

std::optional<db::Row> findUserByLogin(db::Connection& conn, const std::string& columns,
                                       const std::string& login) {
  std::string sql = "SELECT " + columns + " FROM users WHERE login = ?";
  std::string exact = trimmed(login);
  if (exact.empty()) return std::nullopt;
  auto user = conn.queryOne(sql, {exact});
  std::string lower = normaliseLogin(login);
  if (!user && lower != exact) user = conn.queryOne(sql, {lower});
  return user;
}

bool mayUseAccount(const db::Row& user, int64_t now) {
  std::string status = user.getText("status");
  if (status == "active") return true;
  int64_t until = user.getInt("locked_until");
  return status == "locked" && until > 0 && until <= now;
}

}  // namespace sukusuku::identity
