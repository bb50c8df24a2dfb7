// MigrationRunner on every backend.
#include <gtest/gtest.h>

#include <thread>

#include "sukusuku/db/migrations.h"
#include "support/test_db.h"

namespace sukusuku::db {
namespace {

using sukusuku::testing::BackendTest;
using Kind = DbError::Kind;

const Migration kCore1{"core", 1, "create households",
                       "CREATE TABLE households (id {{pk}}, name {{str}} NOT NULL) {{table_opts}};"
                       "CREATE INDEX households_name ON households (name);"};
const Migration kCore2{"core", 2, "seed", "INSERT INTO households (name) VALUES ('seed; one')"};
const Migration kFees1{"fees", 1, "create plans",
                       "CREATE TABLE fee_plans (id {{pk}}, yen {{bigint}} NOT NULL, "
                       "active {{bool}} NOT NULL DEFAULT 1, memo {{text}}, rate {{real}}, "
                       "doc {{blob}}) {{table_opts}}"};

class MigrationTest : public BackendTest {
 protected:
  void addAll(MigrationRunner& r) {
    r.add(kCore2);  // out of order on purpose
    r.add(kCore1);
    r.add(kFees1);
  }
  int64_t households() {
    return db().acquire()->queryOne("SELECT COUNT(*) AS n FROM households")->getInt("n");
  }
};

TEST_P(MigrationTest, AppliesInOrderOnceAndRecords) {
  MigrationRunner runner(db());
  addAll(runner);
  EXPECT_FALSE(runner.current());
  for (const MigrationStatus& s : runner.status()) EXPECT_FALSE(s.applied);
  std::vector<std::string> seen;
  EXPECT_EQ(runner.applyAll(
                [&](const Migration& m) { seen.push_back(m.owner + std::to_string(m.version)); }),
            3);
  EXPECT_EQ(seen, (std::vector<std::string>{"core1", "core2", "fees1"}));
  EXPECT_TRUE(runner.current());
  auto status = runner.status();
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].owner, "core");
  EXPECT_EQ(status[0].version, 1);
  EXPECT_EQ(status[2].owner, "fees");
  for (const MigrationStatus& s : status) EXPECT_TRUE(s.applied) << s.owner << s.version;
  EXPECT_EQ(households(), 1);

  MigrationRunner again(db());
  addAll(again);
  EXPECT_EQ(again.applyAll(), 0);
  EXPECT_EQ(households(), 1);

  auto rows = db().acquire()->query(
      "SELECT owner, version, name, checksum, applied_at FROM schema_migrations "
      "ORDER BY owner, version");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].getText("owner"), "fees");
  EXPECT_EQ(rows[2].getInt("version"), 1);
  EXPECT_EQ(rows[0].getText("checksum").size(), 64u);  // SHA-256 hex of the original SQL
  EXPECT_EQ(rows[0].getText("applied_at").back(), 'Z');

  // A new version of one owner applies alone.
  MigrationRunner later(db());
  addAll(later);
  later.add({"fees", 2, "add column", "ALTER TABLE fee_plans ADD COLUMN note {{str}}"});
  EXPECT_FALSE(later.current());
  EXPECT_EQ(later.applyAll(), 1);
  EXPECT_TRUE(later.current());
}

TEST_P(MigrationTest, ChangedMigrationIsDetected) {
  MigrationRunner runner(db());
  addAll(runner);
  runner.applyAll();
  MigrationRunner changed(db());
  Migration edited = kCore2;
  edited.sql += " ";
  changed.add(kCore1);
  changed.add(edited);
  changed.add({"core", 3, "new", "CREATE TABLE c3 (x {{bigint}})"});
  EXPECT_FALSE(changed.current());
  try {
    changed.applyAll();
    ADD_FAILURE();
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::kMigration);
    EXPECT_NE(std::string(e.what()).find("core v2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("changed"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(changed.status()[2].applied);  // nothing ran
}

TEST_P(MigrationTest, FailureNamesTheMigrationAndKeepsEarlierOnes) {
  MigrationRunner runner(db());
  runner.add(kCore1);
  runner.add({"core", 2, "broken", "CREATE TABLE ok2 (x {{bigint}}); CREATE TABLE oops (;"});
  runner.add({"core", 3, "never", "CREATE TABLE never (x {{bigint}})"});
  int progress = 0;
  try {
    runner.applyAll([&](const Migration&) { ++progress; });
    ADD_FAILURE();
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::kMigration);
    EXPECT_NE(std::string(e.what()).find("core v2 (broken)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(progress, 2);
  auto status = runner.status();
  EXPECT_TRUE(status[0].applied);
  EXPECT_FALSE(status[1].applied);
  EXPECT_FALSE(status[2].applied);
  EXPECT_EQ(households(), 0);
}

TEST_P(MigrationTest, RejectsBadDefinitions) {
  MigrationRunner runner(db());
  runner.add(kCore1);
  EXPECT_THROW(runner.add(kCore1), DbError);
  EXPECT_THROW(runner.add({"core", 0, "zero", "SELECT 1"}), DbError);
  runner.add({"x", 1, "bad placeholder", "CREATE TABLE t (a {{uuid}})"});
  try {
    runner.applyAll();
    ADD_FAILURE();
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::kMigration);
    EXPECT_NE(std::string(e.what()).find("x v1"), std::string::npos) << e.what();
  }
}

// Two nodes start at once: every migration is applied exactly once.
TEST_P(MigrationTest, ConcurrentRunnersApplyOnce) {
  auto second = Database::open(db().url());
  std::vector<Migration> all;
  all.push_back(kCore1);
  for (int v = 2; v <= 6; ++v) {
    all.push_back(
        {"core", v, "step", "INSERT INTO households (name) VALUES ('v" + std::to_string(v) + "')"});
  }
  int applied[2] = {0, 0};
  auto run = [&](Database& target, int slot) {
    MigrationRunner r(target);
    for (const Migration& m : all) r.add(m);
    applied[slot] = r.applyAll();
  };
  std::thread a(run, std::ref(static_cast<Database&>(db())), 0);
  std::thread b(run, std::ref(*second), 1);
  a.join();
  b.join();
  EXPECT_EQ(applied[0] + applied[1], 6);
  EXPECT_EQ(households(), 5);
  second.reset();
}

SUKUSUKU_INSTANTIATE_BACKENDS(MigrationTest);

}  // namespace
}  // namespace sukusuku::db
