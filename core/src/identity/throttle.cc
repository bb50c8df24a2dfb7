#include "throttle.h"

#include <string>

namespace sukusuku::identity {

int64_t throttleLockedUntil(db::Connection& conn, const std::string& key) {
  auto row = conn.queryOne("SELECT locked_until FROM login_throttle WHERE throttle_key = ?", {key});
  return row ? row->getInt("locked_until") : 0;
}

int64_t throttleFailure(db::Connection& conn, const std::string& key, int64_t now,
                        int64_t max_failures, int64_t lockout) {
  conn.execute(conn.dialect().insertIgnore(
                   "login_throttle", {"throttle_key", "failures", "window_start", "locked_until"}),
               {key, 0, now, 0});
  auto row = conn.queryOne(
      "SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = ?" +
          std::string(conn.dialect().forUpdate()),
      {key});
  int64_t failures = row->getInt("failures");
  int64_t window_start = row->getInt("window_start");
  int64_t locked_until = row->getInt("locked_until");
  if (window_start + lockout <= now) {
    failures = 0;
    window_start = now;
  }
  if (++failures >= max_failures) {
    locked_until = now + lockout;
    failures = 0;
    window_start = now;
  }
  conn.execute(
      "UPDATE login_throttle SET failures = ?, window_start = ?, locked_until = ? "
      "WHERE throttle_key = ?",
      {failures, window_start, locked_until, key});
  return locked_until;
}

void throttleClear(db::Connection& conn, const std::string& key) {
  conn.execute("DELETE FROM login_throttle WHERE throttle_key = ?", {key});
}

}  // namespace sukusuku::identity
