// "Log out everywhere" inside a transaction. Private to core/src/identity.
#pragma once

#include <cstdint>
#include <string>

#include "sukusuku/db/database.h"

namespace sukusuku::identity {

// Moves users.tokens_valid_after on (to NOW, or one past its value if that is not later), which
// retires every access token issued before, and revokes every refresh token and web session.
void retireEverything(db::Tx& tx, int64_t user_id, int64_t now, const std::string& updated_at);

}  // namespace sukusuku::identity
