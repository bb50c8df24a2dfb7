#include "sukusuku/identity/password.h"

#include <sodium.h>

#include <stdexcept>

#include "crypto.h"
#include "sukusuku/error.h"

namespace sukusuku::identity {

namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19 * 1024 * 1024;

}  // namespace

void checkPasswordPolicy(const std::string& password) {
  if (password.size() < kMinPasswordLength) {
    throw Error::invalid(
        "auth.password_too_short",
        "the password must have at least " + std::to_string(kMinPasswordLength) + " characters",
        {{"field", "password"}, {"min", kMinPasswordLength}});
  }
  if (password.size() > kMaxPasswordLength) {
    throw Error::invalid(
        "auth.password_too_long",
        "the password must have at most " + std::to_string(kMaxPasswordLength) + " characters",
        {{"field", "password"}, {"max", kMaxPasswordLength}});
  }
}

std::string hashPassword(const std::string& password) {
  ensureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  return out;
}

bool verifyPassword(const std::string& hash, const std::string& password) {
  ensureSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool needsRehash(const std::string& hash) {
  ensureSodium();
  if (hash.rfind("$argon2id$", 0) != 0) return true;
  return crypto_pwhash_str_needs_rehash(hash.c_str(), kOpsLimit, kMemLimit) != 0;
}

const std::string& dummyPasswordHash() {
  static const std::string hash = hashPassword(randomToken(24));
  return hash;
}

}  // namespace sukusuku::identity
