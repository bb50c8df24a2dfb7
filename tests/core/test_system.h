// A whole Runtime on a fresh database for one test, on the backend the test is parameterised
// with ("sqlite", or "mysql" when SUKUSUKU_TEST_MYSQL names a server).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sukusuku/clock.h>
#include <sukusuku/http.h>
#include <sukusuku/runtime.h>

#include "support/test_db.h"

namespace sukusuku::testing {

// A fresh, empty database on BACKEND and a data folder; both removed by the destructor.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& backend);
  ~ScratchDatabase();
  const std::string& url() const { return db_->url(); }
  const std::string& dataDir() const { return data_dir_; }

 private:
  std::unique_ptr<TestDatabase> db_;
  std::string data_dir_;
};

struct TestSystem {
  // A Runtime on a scratch database with PLUGINS enabled (from the test plugin folder), booted
  // and migrated but not started.
  TestSystem(const std::string& backend, const std::string& plugins,
             std::shared_ptr<const Clock> clock = nullptr,
             const std::vector<std::pair<std::string, std::string>>& settings = {});
  std::unique_ptr<Config> makeConfig(const std::string& plugins,
                                     const std::vector<std::pair<std::string, std::string>>& s);

  ScratchDatabase scratch;
  std::unique_ptr<Runtime> rt;
};

// A stand-in authenticator for tests over real HTTP: "X-Test-Principal: <user id>" is that user
// with their first role, its facility, their household (guardians) and the role's permissions.
class TestPrincipalAuthenticator final : public Authenticator {
 public:
  explicit TestPrincipalAuthenticator(Runtime& rt) : rt_(rt) {}
  std::shared_ptr<const Principal> authenticate(const Request& req) override;
  std::shared_ptr<Principal> load(int64_t user_id);

 private:
  Runtime& rt_;
};

// A user of municipality M with one ROLE (at FACILITY, 0 for none); returns the user id.
int64_t insertUser(db::Database& db, int64_t m, const std::string& login, const std::string& role,
                   int64_t facility, const std::string& password_hash = "x");

// Folders of the build, passed in by CMake.
std::string testPluginsDir();
std::string resourcesDir();
std::string binaryDir();

}  // namespace sukusuku::testing
