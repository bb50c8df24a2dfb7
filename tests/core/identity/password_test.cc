// Argon2id password hashing and the password policy.
#include <gtest/gtest.h>

#include <sodium.h>

#include <sukusuku/error.h>
#include <sukusuku/identity/password.h>

namespace sukusuku::identity {
namespace {

TEST(PasswordTest, HashesWithArgon2idAtTheOwaspParameters) {
  std::string hash = hashPassword("correct horse battery");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verifyPassword(hash, "correct horse battery"));
  EXPECT_FALSE(verifyPassword(hash, "correct horse batterY"));
  EXPECT_FALSE(verifyPassword(hash, ""));
  EXPECT_FALSE(needsRehash(hash));
  // Salted: the same password never gives the same hash.
  EXPECT_NE(hash, hashPassword("correct horse battery"));
}

TEST(PasswordTest, OldParametersNeedARehashAndStillVerify) {
  char weaker[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(weaker, "secret-password", 15, 1, 8 * 1024 * 1024,
                                  crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_TRUE(verifyPassword(weaker, "secret-password"));
  EXPECT_TRUE(needsRehash(weaker));
  EXPECT_TRUE(needsRehash("$2y$10$notargon"));
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verifyPassword("", "anything-at-all"));
  EXPECT_FALSE(verifyPassword("$argon2id$garbage", "anything-at-all"));
  EXPECT_FALSE(verifyPassword(std::string(500, 'x'), "anything-at-all"));
  EXPECT_FALSE(verifyPassword(dummyPasswordHash(), "anything-at-all"));
}

TEST(PasswordTest, PolicyHasAMinimumAndAMaximumWithStableCodes) {
  try {
    checkPasswordPolicy("short");
    FAIL() << "a short password passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "auth.password_too_short");
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.details()["min"], kMinPasswordLength);
  }
  try {
    checkPasswordPolicy(std::string(kMaxPasswordLength + 1, 'a'));
    FAIL() << "a huge password passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "auth.password_too_long");
  }
  EXPECT_NO_THROW(checkPasswordPolicy(std::string(kMinPasswordLength, 'a')));
  EXPECT_NO_THROW(checkPasswordPolicy("すくすく育てパスワード"));  // UTF-8 counts in bytes
}

}  // namespace
}  // namespace sukusuku::identity
