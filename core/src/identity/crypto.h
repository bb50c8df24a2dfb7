// Small cryptographic helpers for the identity core, over libsodium. Private to core/src/identity.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sukusuku::identity {

// sodium_init() once; throws std::runtime_error if libsodium cannot start.
void ensureSodium();

std::string randomBytes(size_t n);
// N random bytes as unpadded base64url: the form of refresh tokens, session ids, CSRF tokens.
std::string randomToken(size_t n = 32);
std::string base64UrlEncode(const std::string& bytes);
// Nullopt when TEXT is not unpadded base64url.
std::optional<std::string> base64UrlDecode(const std::string& text);
// Lower-case hex SHA-256: how secrets are stored.
std::string sha256Hex(const std::string& data);
// Compares in time independent of where the strings differ.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace sukusuku::identity
