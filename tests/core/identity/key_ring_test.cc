// The JWT key ring: issuing, verifying, rotation, and every forged token we know of.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include <jwt/jwt.hpp>

#include <sukusuku/error.h>
#include <sukusuku/identity/key_ring.h>

#include "test_keys.h"

namespace sukusuku::identity {
namespace {

namespace fs = std::filesystem;
using sukusuku::testing::b64url;
using sukusuku::testing::b64urlDecode;
using sukusuku::testing::hs256Token;
using sukusuku::testing::unsignedToken;

constexpr int64_t kNow = 1795000000;
const std::string kSecret(32, 's');

const testing::RsaPem& rsa() {
  static const testing::RsaPem key = testing::makeRsaKey();
  return key;
}

std::vector<JwtKey> keys() {
  return {{"hs1", "HS256", kSecret, kSecret},
          {"rs1", "RS256", rsa().private_pem, rsa().public_pem}};
}

nlohmann::json goodClaims() {
  return {{"iss", "sukusuku"}, {"aud", "sukusuku-app"}, {"sub", "42"},
          {"iat", kNow},       {"exp", kNow + 900},     {"tv", 0}};
}

// The code verify() throws, or "" when the token is accepted.
std::string rejection(const KeyRing& ring, const std::string& token, int64_t now = kNow) {
  try {
    ring.verify(token, now);
    return "";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 401);
    return e.code();
  }
}

TEST(KeyRingTest, IssuesTokensWithKidAndTheRequiredClaims) {
  KeyRing ring(keys(), "hs1");
  std::string token = ring.issue(42, 7, kNow, 900);
  auto header = nlohmann::json::parse(b64urlDecode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header["alg"], "HS256");
  EXPECT_EQ(header["kid"], "hs1");
  AccessClaims c = ring.verify(token, kNow + 10);
  EXPECT_EQ(c.user_id, 42);
  EXPECT_EQ(c.token_version, 7);
  EXPECT_EQ(c.issued_at, kNow);
  EXPECT_EQ(c.expires_at, kNow + 900);
  EXPECT_EQ(c.kid, "hs1");
}

TEST(KeyRingTest, Rs256KeysSignAndVerify) {
  KeyRing ring(keys(), "rs1");
  std::string token = ring.issue(5, 0, kNow, 60);
  auto header = nlohmann::json::parse(b64urlDecode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(ring.verify(token, kNow).user_id, 5);
  // A ring that only holds the public half verifies but cannot sign.
  KeyRing verify_only({{"rs1", "RS256", "", rsa().public_pem}, {"hs1", "HS256", kSecret, kSecret}},
                      "");
  EXPECT_EQ(verify_only.activeKid(), "hs1");
  EXPECT_EQ(verify_only.verify(token, kNow).user_id, 5);
}

TEST(KeyRingTest, ExpiredTokensAreRefusedAtTheInjectedTime) {
  KeyRing ring(keys(), "hs1");
  std::string token = ring.issue(42, 0, kNow, 900);
  EXPECT_EQ(rejection(ring, token, kNow + 899), "");
  EXPECT_EQ(rejection(ring, token, kNow + 900), "auth.token_expired");
  EXPECT_EQ(rejection(ring, token, kNow + 86400), "auth.token_expired");
}

TEST(KeyRingTest, TamperedTokensAreRefused) {
  KeyRing ring(keys(), "hs1");
  std::string token = ring.issue(42, 0, kNow, 900);
  size_t d1 = token.find('.'), d2 = token.rfind('.');
  // Another subject under the original signature.
  auto claims = goodClaims();
  claims["sub"] = "1";
  std::string other_sub = token.substr(0, d1) + "." + b64url(claims.dump()) + token.substr(d2);
  EXPECT_EQ(rejection(ring, other_sub), "auth.invalid_token");
  std::string bad_sig = token;
  bad_sig[d2 + 5] = bad_sig[d2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(rejection(ring, bad_sig), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, token.substr(0, d2)), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, token + ".x"), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, ""), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, "not a token"), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, std::string(10000, 'a')), "auth.invalid_token");
}

TEST(KeyRingTest, AlgNoneIsRefusedInEveryForm) {
  KeyRing ring(keys(), "hs1");
  for (const char* alg : {"none", "None", "NONE"}) {
    EXPECT_EQ(rejection(ring, unsignedToken({{"alg", alg}, {"kid", "hs1"}}, goodClaims())),
              "auth.invalid_token")
        << alg;
    EXPECT_EQ(rejection(ring, unsignedToken({{"alg", alg}, {"kid", "hs1"}}, goodClaims()) + "sig"),
              "auth.invalid_token")
        << alg;
  }
  EXPECT_EQ(rejection(ring, unsignedToken({{"alg", "none"}}, goodClaims())), "auth.invalid_token");
}

TEST(KeyRingTest, UnknownOrMissingKidIsRefused) {
  KeyRing ring(keys(), "hs1");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}, {"kid", "hs1"}}, goodClaims(), kSecret)),
            "");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}, {"kid", "hs9"}}, goodClaims(), kSecret)),
            "auth.invalid_token");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}}, goodClaims(), kSecret)),
            "auth.invalid_token");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}, {"kid", 1}}, goodClaims(), kSecret)),
            "auth.invalid_token");
}

TEST(KeyRingTest, Hs256SignedWithTheRsaPublicKeyIsRefused) {
  // The classic algorithm confusion: the attacker knows the public key and uses it as an HMAC
  // secret, naming the RSA key (or no key at all) in the header.
  KeyRing ring(keys(), "rs1");
  const std::string& pub = rsa().public_pem;
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}, {"kid", "rs1"}}, goodClaims(), pub)),
            "auth.invalid_token");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}}, goodClaims(), pub)),
            "auth.invalid_token");
  // Nor does an RS256 token get checked against the HS key, or an HS token claim the RS kid.
  std::string rs_token = ring.issue(42, 0, kNow, 900);
  auto claims = goodClaims();
  std::string rs_header_hs_kid = b64url(nlohmann::json({{"alg", "RS256"}, {"kid", "hs1"}}).dump()) +
                                 rs_token.substr(rs_token.find('.'));
  EXPECT_EQ(rejection(ring, rs_header_hs_kid), "auth.invalid_token");
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS256"}, {"kid", "rs1"}}, claims, kSecret)),
            "auth.invalid_token");
  // Other algorithms are not accepted for any key.
  EXPECT_EQ(rejection(ring, hs256Token({{"alg", "HS512"}, {"kid", "hs1"}}, claims, kSecret)),
            "auth.invalid_token");
}

TEST(KeyRingTest, EveryRequiredClaimMustBePresentAndRight) {
  KeyRing ring(keys(), "hs1");
  auto sign = [](const nlohmann::json& claims) {
    return hs256Token({{"alg", "HS256"}, {"kid", "hs1"}}, claims, kSecret);
  };
  for (const char* name : {"exp", "iat", "tv", "sub", "iss", "aud"}) {
    auto claims = goodClaims();
    claims.erase(name);
    EXPECT_EQ(rejection(ring, sign(claims)), "auth.invalid_token") << "without " << name;
  }
  auto wrong = [&](const char* name, nlohmann::json value) {
    auto claims = goodClaims();
    claims[name] = std::move(value);
    return rejection(ring, sign(claims));
  };
  EXPECT_EQ(wrong("iss", "someone-else"), "auth.invalid_token");
  EXPECT_EQ(wrong("aud", "another-app"), "auth.invalid_token");
  EXPECT_EQ(wrong("sub", "42abc"), "auth.invalid_token");
  EXPECT_EQ(wrong("sub", 42), "auth.invalid_token");
  EXPECT_EQ(wrong("sub", "0"), "auth.invalid_token");
  EXPECT_EQ(wrong("exp", "tomorrow"), "auth.invalid_token");
  EXPECT_EQ(wrong("iat", kNow + 3600), "auth.invalid_token");
  EXPECT_EQ(wrong("exp", kNow - 1), "auth.token_expired");
}

TEST(KeyRingTest, RotationKeepsOldTokensValidUntilTheOldKeyIsDropped) {
  const std::string new_secret(40, 'n');
  KeyRing before(keys(), "hs1");
  std::string old_token = before.issue(42, 0, kNow, 900);
  KeyRing during({{"hs2", "HS256", new_secret, new_secret}, keys()[0]}, "hs2");
  EXPECT_EQ(during.verify(old_token, kNow).kid, "hs1");
  std::string new_token = during.issue(42, 0, kNow, 900);
  EXPECT_EQ(during.verify(new_token, kNow).kid, "hs2");
  KeyRing after({{"hs2", "HS256", new_secret, new_secret}}, "");
  EXPECT_EQ(rejection(after, old_token), "auth.invalid_token");
  EXPECT_EQ(rejection(after, new_token), "");
}

TEST(KeyRingTest, BadRingsAreRefusedAtConstruction) {
  EXPECT_THROW(KeyRing({{"k", "HS256", "short", "short"}}, ""), std::invalid_argument);
  EXPECT_THROW(KeyRing({{"k", "ES256", kSecret, kSecret}}, ""), std::invalid_argument);
  EXPECT_THROW(KeyRing({{"k", "none", kSecret, kSecret}}, ""), std::invalid_argument);
  EXPECT_THROW(KeyRing({keys()[0], keys()[0]}, ""), std::invalid_argument);
  EXPECT_THROW(KeyRing(keys(), "missing"), std::invalid_argument);
  EXPECT_THROW(KeyRing({}, ""), std::invalid_argument);
  EXPECT_THROW(KeyRing({{"rs", "RS256", "", "not a pem"}}, ""), std::invalid_argument);
}

TEST(KeyRingTest, GeneratedKeysFileIsPrivateAndLoads) {
  fs::path dir = fs::temp_directory_path() / ("sukusuku_keys_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string path = (dir / "keys" / "jwt-keys.json").string();
  KeyRing::generateFile(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  KeyRing ring = KeyRing::fromFile(path, "");
  EXPECT_EQ(ring.verify(ring.issue(3, 0, kNow, 60), kNow).user_id, 3);

  std::string both = testing::writeKeysFile((dir / "both").string(), kSecret, rsa());
  KeyRing loaded = KeyRing::fromFile(both, "rs-test");
  EXPECT_EQ(loaded.activeKid(), "rs-test");
  std::string token = loaded.issue(9, 0, kNow, 60);
  EXPECT_EQ(loaded.verify(token, kNow).kid, "rs-test");
  EXPECT_EQ(rejection(loaded, hs256Token({{"alg", "HS256"}, {"kid", "rs-test"}}, goodClaims(),
                                         rsa().public_pem)),
            "auth.invalid_token");
  EXPECT_THROW(KeyRing::fromFile((dir / "absent.json").string(), ""), std::invalid_argument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sukusuku::identity
