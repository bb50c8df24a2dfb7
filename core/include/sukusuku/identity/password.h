// Password hashing: Argon2id through libsodium, with the OWASP parameters (2 passes, 19 MiB).
//
// Hashes are libsodium's self-describing strings ("$argon2id$v=19$m=19456,t=2,p=1$…"), so the
// parameters can be raised later: needsRehash() tells a successful login to store a fresh hash.
// All functions are thread-safe; hashing and verifying take tens of milliseconds on purpose.
#pragma once

#include <cstddef>
#include <string>

namespace sukusuku::identity {

inline constexpr size_t kMinPasswordLength = 10;   // bytes of UTF-8
inline constexpr size_t kMaxPasswordLength = 256;  // longer input is refused, not truncated

// Throws Error 422 "auth.password_too_short" / "auth.password_too_long" (details: min / max).
void checkPasswordPolicy(const std::string& password);

// An Argon2id hash string of PASSWORD. Throws std::runtime_error when memory runs out.
std::string hashPassword(const std::string& password);

// True when PASSWORD matches HASH; false for a wrong password or a malformed hash.
bool verifyPassword(const std::string& hash, const std::string& password);

// True when HASH was made with other parameters than hashPassword() uses now.
bool needsRehash(const std::string& hash);

// A hash of a random password, to verify against when a login is unknown so that unknown and
// known logins take the same time.
const std::string& dummyPasswordHash();

}  // namespace sukusuku::identity
