// A whole Runtime on a fresh database for one test, on the backend the test is parameterised
// with ("sqlite", or "mysql" when SUKUSUKU_TEST_MYSQL names a server).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sukusuku/clock.h>
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

// Folders of the build, passed in by CMake.
std::string testPluginsDir();
std::string resourcesDir();
std::string binaryDir();

}  // namespace sukusuku::testing
