// The keys that sign and verify access tokens (JWTs), and the one place tokens are checked.
//
// Each key has an id (kid) and exactly one algorithm, HS256 or RS256. A token names its key in
// the header; verification looks that key up and accepts the token only if the header's alg is
// that key's algorithm, then lets cpp-jwt check the signature with that algorithm alone. This
// closes the algorithm confusion Debian's cpp-jwt 1.4 is open to when HS and RS are both allowed
// (an HS256 token "signed" with an RSA public key), and "none". `exp`, `iat`, `iss`, `aud` and
// `sub` are required and checked here against the injected time (cpp-jwt 1.4 only checks `exp`
// when present, and against the system clock).
//
// Keys file (auth.jwt.keys_file), a JSON array (or {"keys": [...]}):
//   [ {"kid": "2026-11", "alg": "HS256", "secret": "<base64url, >= 32 bytes>"},
//     {"kid": "rsa-1", "alg": "RS256", "private_key_file": "rsa-1.pem",
//      "public_key_file": "rsa-1.pub.pem"} ]
// PEM paths are relative to the keys file. A key without a private part (or secret) only
// verifies. The active key (auth.jwt.active_kid, else the first key that can sign) signs new
// tokens. Rotation: add the new key, make it active, drop the old one after auth.access_ttl.
//
// Tokens carry: header {alg, typ "JWT", kid}; claims iss "sukusuku", aud "sukusuku-app",
// sub "<user id>", iat, exp, tv (the user's token version: users.tokens_valid_after when issued;
// "log out everywhere" moves it on, which retires every token issued before).
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sukusuku::identity {

struct JwtKey {
  std::string kid;
  std::string alg;          // "HS256" or "RS256"
  std::string signing_key;  // HS256: the secret; RS256: private PEM; "" = verify only
  std::string verify_key;   // HS256: the secret; RS256: public PEM
};

struct AccessClaims {
  int64_t user_id = 0;
  int64_t token_version = 0;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::string kid;
};

inline constexpr const char* kTokenIssuer = "sukusuku";
inline constexpr const char* kTokenAudience = "sukusuku-app";

class KeyRing {
 public:
  // Throws std::invalid_argument for duplicate kids, unknown algorithms, short secrets, no key
  // that can sign, or an ACTIVE_KID ("" = the first signing key) that is unknown or cannot sign.
  KeyRing(std::vector<JwtKey> keys, const std::string& active_kid);

  // Reads a keys file (format above). Throws std::invalid_argument naming the problem.
  static KeyRing fromFile(const std::string& path, const std::string& active_kid);
  // Writes a keys file with one fresh HS256 key, mode 0600, and returns its path.
  static void generateFile(const std::string& path);

  const std::string& activeKid() const { return active_; }

  // A signed access token for USER_ID, valid from NOW for TTL seconds.
  std::string issue(int64_t user_id, int64_t token_version, int64_t now, int64_t ttl) const;

  // The claims of a valid token. Throws Error 401 "auth.token_expired" when it has expired and
  // "auth.invalid_token" for anything else wrong (format, unknown kid, algorithm not the key's,
  // signature, a missing or wrong claim).
  AccessClaims verify(const std::string& token, int64_t now) const;

 private:
  std::vector<JwtKey> keys_;
  std::string active_;
};

}  // namespace sukusuku::identity
