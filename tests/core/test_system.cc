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

std::shared_ptr<const Principal> TestPrincipalAuthenticator::authenticate(const Request& req) {
  std::string id = req.header("x-test-principal");
  if (id.empty()) return nullptr;
  return load(std::stoll(id));
}

std::shared_ptr<Principal> TestPrincipalAuthenticator::load(int64_t user_id) {
  auto conn = rt_.database().acquire();
  auto u = conn->queryOne(
      "SELECT u.id, u.municipality_id, u.display_name, u.language, r.role, r.facility_id FROM "
      "users u JOIN user_roles r ON r.user_id = u.id WHERE u.id = ?",
      {user_id});
  if (!u) return nullptr;
  auto p = std::make_shared<Principal>();
  p->user_id = user_id;
  p->municipality_id = u->getInt("municipality_id");
  p->display_name = u->getText("display_name");
  p->language = u->getText("language");
  p->role = u->getText("role");
  if (u->getInt("facility_id") > 0) p->facility_ids = {u->getInt("facility_id")};
  if (auto g = conn->queryOne("SELECT household_id FROM guardians WHERE user_id = ?", {user_id})) {
    p->household_id = g->getInt("household_id");
  }
  p->permissions = rt_.permissions().forRole(p->role);
  return p;
}

int64_t insertUser(db::Database& db, int64_t m, const std::string& login, const std::string& role,
                   int64_t facility, const std::string& password_hash) {
  const std::string t = "2026-04-01T00:00:00Z";
  auto conn = db.acquire();
  const int64_t id = conn->execute(
                             "INSERT INTO users (municipality_id, login, password_hash, "
                             "display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                             {m, login, password_hash, login, t, t})
                         .last_insert_id;
  conn->execute(
      "INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
      "granted_by_user_id) VALUES (?, ?, ?, ?, ?, 0)",
      {m, id, role, facility, t});
  return id;
}

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
