// Test databases for every backend a test run covers.
//
// Storage tests run on SQLite always and on MariaDB/MySQL when SUKUSUKU_TEST_MYSQL names a server
// (a URL without a database, e.g. mysql://root@127.0.0.1:3307/ or
// mysql://root@localhost/?socket=/tmp/sukusuku-mariadb-0/mariadb.sock; deploy/mariadb-test.sh
// starts one and prints the line). Each openTestDatabase() call gives a new, empty database that
// disappears with the returned object: a temporary SQLite file, or a MySQL database named
// sukusuku_test_<pid>_<n>_<random> that is dropped on destruction.
//
// A parameterised suite over the backends:
//
//   class HouseholdTest : public sukusuku::testing::BackendTest {};
//   TEST_P(HouseholdTest, Creates) { db().transaction(...); }
//   SUKUSUKU_INSTANTIATE_BACKENDS(HouseholdTest);
//
// or by hand: INSTANTIATE_TEST_SUITE_P(Backends, MyTest, ::testing::ValuesIn(testBackends()),
// sukusuku::testing::backendName). Test names end in /sqlite or /mysql, so ctest can filter and
// label them per backend.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sukusuku/db/database.h"

namespace sukusuku::testing {

// {"sqlite"}, plus "mysql" when SUKUSUKU_TEST_MYSQL is set.
std::vector<std::string> testBackends();

// A database that cleans up after itself. It forwards to the real pool; url() opens further pools
// on the same database (e.g. to play a second node), which must be closed before this one.
class TestDatabase : public db::Database {
 public:
  TestDatabase(std::unique_ptr<db::Database> inner, std::string url, std::string drop_url,
               std::string drop_name, std::string temp_dir);
  ~TestDatabase() override;

  const std::string& url() const { return url_; }

  db::Backend backend() const override { return inner_->backend(); }
  const db::Dialect& dialect() const override { return inner_->dialect(); }
  bool ping() override { return inner_->ping(); }
  db::PoolStats stats() const override { return inner_->stats(); }
  std::unique_ptr<db::Connection> takeConnection() override { return inner_->takeConnection(); }
  void returnConnection(std::unique_ptr<db::Connection> conn, bool broken) override {
    inner_->returnConnection(std::move(conn), broken);
  }
  void runTransaction(const std::function<void(db::Tx&)>& body) override {
    inner_->runTransaction(body);
  }

 private:
  std::unique_ptr<db::Database> inner_;
  std::string url_;
  std::string drop_url_;  // server URL used to drop drop_name_ (mysql)
  std::string drop_name_;
  std::string temp_dir_;  // removed on destruction (sqlite)
};

// A fresh, empty database on `backend` ("sqlite" or "mysql"). Throws std::runtime_error for an
// unknown backend or mysql without SUKUSUKU_TEST_MYSQL.
std::unique_ptr<TestDatabase> createTestDatabase(const std::string& backend,
                                                 const db::PoolOptions& options = {});
std::unique_ptr<db::Database> openTestDatabase(const std::string& backend);
std::unique_ptr<db::Database> openTestDatabase(const std::string& backend,
                                               const db::PoolOptions& options);

// Parameter-name generator for INSTANTIATE_TEST_SUITE_P: the backend name itself.
std::string backendName(const ::testing::TestParamInfo<std::string>& info);

// A fixture with a fresh database per test on the backend given as the test parameter.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { db_ = createTestDatabase(GetParam(), poolOptions()); }
  void TearDown() override { db_.reset(); }
  // Override to size the pool differently for a suite.
  virtual db::PoolOptions poolOptions() const { return {}; }

  TestDatabase& db() { return *db_; }
  bool isMysql() const { return GetParam() == "mysql"; }
  bool isSqlite() const { return GetParam() == "sqlite"; }

  std::unique_ptr<TestDatabase> db_;
};

}  // namespace sukusuku::testing

#define SUKUSUKU_INSTANTIATE_BACKENDS(Suite)                                         \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                          \
                           ::testing::ValuesIn(::sukusuku::testing::testBackends()), \
                           ::sukusuku::testing::backendName)
