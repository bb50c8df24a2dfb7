// Service "identity.password_hasher": how passwords become stored hashes (Argon2id), offered by
// the identity core to whoever creates users (the demo data, imports, admin pages).
#pragma once

#include <string>

namespace sukusuku::services {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  virtual std::string hash(const std::string& password) const = 0;
};

}  // namespace sukusuku::services
