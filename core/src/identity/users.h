// Finding a user by what they type as their login. Private to core/src/identity.
#pragma once

#include <optional>
#include <string>

#include "sukusuku/db/database.h"

namespace sukusuku::identity {

// The users row (COLUMNS) whose login is LOGIN: exact (trimmed) first, then in lower case, since
// registration stores logins in lower case and people type e-mail addresses with capitals.
// (No LOWER(login) in SQL: it would defeat the unique index.)
std::optional<db::Row> findUserByLogin(db::Connection& conn, const std::string& columns,
                                       const std::string& login);

// Whether a users row (with columns status and locked_until) may sign in at NOW: status
// "active", or "locked" by an administrator with a locked_until that has passed. "disabled" never.
// (Sign-in throttling does not touch status: see login_throttle.)
bool mayUseAccount(const db::Row& user, int64_t now);

}  // namespace sukusuku::identity
