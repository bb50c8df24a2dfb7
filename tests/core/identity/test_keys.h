// Key material and hand-made tokens for the identity tests: RSA key pairs, base64url, and JWTs
// built byte by byte so that tests can forge what an attacker would send.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sukusuku::testing {

struct RsaPem {
  std::string private_pem;
  std::string public_pem;
};

// A fresh 2048-bit RSA key pair.
RsaPem makeRsaKey();
std::string b64url(const std::string& bytes);
std::string b64urlDecode(const std::string& text);
// HEADER.PAYLOAD.SIGNATURE with SIGNATURE = HMAC-SHA256(SECRET) of the first two parts.
std::string hs256Token(const nlohmann::json& header, const nlohmann::json& payload,
                       const std::string& secret);
// HEADER.PAYLOAD. (no signature) — the "none" algorithm.
std::string unsignedToken(const nlohmann::json& header, const nlohmann::json& payload);
// Writes a keys file in DIR with an HS256 key "hs-test" (SECRET) and an RS256 key "rs-test"
// (RSA, PEM files beside it); returns its path.
std::string writeKeysFile(const std::string& dir, const std::string& secret, const RsaPem& rsa);

}  // namespace sukusuku::testing
