// Failed sign-in counters (table login_throttle). Private to core/src/identity.
#pragma once

#include <cstdint>
#include <string>

#include "sukusuku/db/database.h"

namespace sukusuku::identity {

// Until when KEY is locked (epoch seconds); 0 or a past time when it is not.
int64_t throttleLockedUntil(db::Connection& conn, const std::string& key);
// Counts one failure for KEY within a window of LOCKOUT seconds; the MAX_FAILURES-th locks the key
// until NOW + LOCKOUT. Returns locked_until (> NOW when the key is locked). Call in a transaction.
int64_t throttleFailure(db::Connection& conn, const std::string& key, int64_t now,
                        int64_t max_failures, int64_t lockout);
void throttleClear(db::Connection& conn, const std::string& key);

}  // namespace sukusuku::identity
