#include "support/test_db.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>

namespace sukusuku::testing {
namespace {

std::string mysqlServerUrl() {
  const char* url = std::getenv("SUKUSUKU_TEST_MYSQL");
  return url ? url : "";
}

// Puts `name` in the path of a server URL (mysql://u@h:p/ or mysql://u@h:p/?socket=...).
std::string withDatabase(const std::string& server, const std::string& name) {
  size_t q = server.find('?');
  std::string base = server.substr(0, q);
  std::string query = q == std::string::npos ? "" : server.substr(q);
  size_t authority = base.find("//") + 2;
  size_t slash = base.find('/', authority);
  if (slash != std::string::npos) base = base.substr(0, slash);
  return base + "/" + name + query;
}

std::string uniqueSuffix() {
  static std::atomic<int> counter{0};
  static const unsigned seed = std::random_device{}();
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(seed % 100000);
}

}  // namespace

std::vector<std::string> testBackends() {
  std::vector<std::string> out{"sqlite"};
  if (!mysqlServerUrl().empty()) out.push_back("mysql");
  return out;
}

TestDatabase::TestDatabase(std::unique_ptr<db::Database> inner, std::string url,
                           std::string drop_url, std::string drop_name, std::string temp_dir)
    : inner_(std::move(inner)),
      url_(std::move(url)),
      drop_url_(std::move(drop_url)),
      drop_name_(std::move(drop_name)),
      temp_dir_(std::move(temp_dir)) {}

TestDatabase::~TestDatabase() {
  inner_.reset();
  if (!drop_name_.empty()) {
    try {
      auto server = db::Database::open(drop_url_, {.max_connections = 1});
      server->acquire()->execute("DROP DATABASE IF EXISTS `" + drop_name_ + "`");
    } catch (const std::exception& e) {
      std::cerr << "test database " << drop_name_ << " not dropped: " << e.what() << std::endl;
    }
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

std::unique_ptr<TestDatabase> createTestDatabase(const std::string& backend,
                                                 const db::PoolOptions& options) {
  if (backend == "sqlite") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sukusuku-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    std::string url = "sqlite:" + tmpl + "/test.db";
    return std::make_unique<TestDatabase>(db::Database::open(url, options), url, "", "", tmpl);
  }
  if (backend == "mysql") {
    std::string server = mysqlServerUrl();
    if (server.empty()) throw std::runtime_error("SUKUSUKU_TEST_MYSQL is not set");
    std::string name = "sukusuku_test_" + uniqueSuffix();
    {
      auto admin = db::Database::open(server, {.max_connections = 1});
      admin->acquire()->execute("CREATE DATABASE `" + name +
                                "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }
    std::string url = withDatabase(server, name);
    try {
      return std::make_unique<TestDatabase>(db::Database::open(url, options), url, server, name,
                                            "");
    } catch (...) {
      auto admin = db::Database::open(server, {.max_connections = 1});
      admin->acquire()->execute("DROP DATABASE IF EXISTS `" + name + "`");
      throw;
    }
  }
  throw std::runtime_error("unknown test backend '" + backend + "'");
}

std::unique_ptr<db::Database> openTestDatabase(const std::string& backend) {
  return createTestDatabase(backend);
}

std::unique_ptr<db::Database> openTestDatabase(const std::string& backend,
                                               const db::PoolOptions& options) {
  return createTestDatabase(backend, options);
}

std::string backendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace sukusuku::testing
