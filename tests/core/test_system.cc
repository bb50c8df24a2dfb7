#include "test_system.h"

#include <atomic>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include <sukusuku/builtin.h>
#include <sukusuku/db/database.h>

namespace sukusuku::testing {

namespace fs = std::filesystem;

std::string testPluginsDir() { return SUKUSUKU_TEST_PLUGINS_DIR; }
std::string resourcesDir() { return SUKUSUKU_RESOURCES_DIR; }
std::string binaryDir() { return SUKUSUKU_BINARY_DIR; }

namespace {

std::string uniqueName() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 100000);
}

}  // namespace

ScratchDatabase::ScratchDatabase(const std::string& backend)
    : db_(createTestDatabase(backend)) {
  data_dir_ = (fs::temp_directory_path() / ("sukusuku_test_" + uniqueName())).string();
  fs::create_directories(data_dir_);
}

ScratchDatabase::~ScratchDatabase() {
  std::error_code ec;
  fs::remove_all(data_dir_, ec);
}

std::unique_ptr<Config> TestSystem::makeConfig(
    const std::string& plugins, const std::vector<std::pair<std::string, std::string>>& s) {
  auto config = std::make_unique<Config>();
  config->set("db.url", scratch.url());
  config->set("data.dir", scratch.dataDir());
  config->set("plugins.dir", testPluginsDir());
  config->set("resources.dir", resourcesDir());
  config->set("plugins.enabled", plugins);
  config->set("jobs.enabled", "false");
  config->set("log.access", "false");
  config->set("db.pool_size", "8");
  for (const auto& [k, v] : s) config->set(k, v);
  return config;
}

TestSystem::TestSystem(const std::string& backend, const std::string& plugins,
                       std::shared_ptr<const Clock> clock,
                       const std::vector<std::pair<std::string, std::string>>& settings)
    : scratch(backend) {
  rt = std::make_unique<Runtime>(makeConfig(plugins, settings), std::move(clock));
  addBuiltInModules(*rt);
  rt->boot();
  rt->migrate();
}

}  // namespace sukusuku::testing
