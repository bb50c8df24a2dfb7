// The Database contract on every backend: values, statements, errors, transactions, the pool.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <thread>

#include "sukusuku/db/database.h"
#include "support/test_db.h"

namespace sukusuku::db {
namespace {

using sukusuku::testing::BackendTest;
using Kind = DbError::Kind;

// Runs fn and returns the kind of the DbError it throws; fails the test when it does not throw.
template <class F>
Kind kindOf(F&& fn) {
  try {
    fn();
  } catch (const DbError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no DbError thrown";
  return Kind::kSql;
}

class DbTest : public BackendTest {
 protected:
  void createItems() {
    db().acquire()->executeScript(
        db().dialect().translateDdl("CREATE TABLE items ("
                                    " id {{pk}},"
                                    " code {{str}} NOT NULL UNIQUE,"
                                    " qty {{bigint}} NOT NULL DEFAULT 0,"
                                    " note {{text}}"
                                    ") {{table_opts}}"));
  }
  int64_t count(const std::string& table) {
    return db().acquire()->queryOne("SELECT COUNT(*) AS n FROM " + table)->getInt("n");
  }
};

TEST_P(DbTest, ValuesRoundTrip) {
  auto conn = db().acquire();
  conn->executeScript(conn->dialect().translateDdl(
      "CREATE TABLE v (id {{pk}}, i {{bigint}}, r {{real}}, t {{text}}, s {{str}}, b {{blob}})"
      " {{table_opts}}"));
  const std::string japanese = "ひまわり組 保育園 🍙 𠮷野家";  // 4-byte UTF-8: emoji and 𠮷
  const std::string bytes("\0\x01\xff\xfe\0tail\0", 10);
  struct Case {
    Value i, r, t, s, b;
  };
  std::vector<Case> cases = {
      {std::numeric_limits<int64_t>::max(), 3.25, japanese, japanese, Blob{bytes}},
      {std::numeric_limits<int64_t>::min(), -1.5e300, "", "", Blob{""}},
      {0, 0.1, "it's \"quoted\" \\ back", "x", Blob{std::string(1, '\0')}},
      {nullptr, nullptr, nullptr, nullptr, nullptr},
  };
  for (const Case& c : cases) {
    conn->execute("INSERT INTO v (i, r, t, s, b) VALUES (?, ?, ?, ?, ?)",
                  {c.i, c.r, c.t, c.s, c.b});
  }
  Rows rows = conn->query("SELECT i, r, t, s, b FROM v ORDER BY id");
  ASSERT_EQ(rows.size(), cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    EXPECT_EQ(rows[k]["i"], cases[k].i) << k;
    EXPECT_EQ(rows[k]["r"], cases[k].r) << k;
    EXPECT_EQ(rows[k]["t"], cases[k].t) << k;
    EXPECT_EQ(rows[k]["s"], cases[k].s) << k;
    EXPECT_EQ(rows[k]["b"], cases[k].b) << k << " " << rows[k]["b"].toString();
  }
  EXPECT_EQ(rows[0]["b"].type(), Value::Type::kBlob);
  EXPECT_EQ(rows[0]["t"].type(), Value::Type::kText);
  // Text compares byte-wise, emoji included, and round-trips through a bound parameter.
  auto hit = conn->queryOne("SELECT id FROM v WHERE s = ?", {japanese});
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->getInt("id"), 1);
  EXPECT_FALSE(conn->queryOne("SELECT id FROM v WHERE s = ?", {"ひまわり組 保育園 🍙 𠮷野"}));
  EXPECT_EQ(conn->queryOne("SELECT ? AS e", {"🍙"})->getText("e"), "🍙");
}

TEST_P(DbTest, ComputedColumnsHaveStableTypes) {
  createItems();
  auto conn = db().acquire();
  conn->execute("INSERT INTO items (code, qty) VALUES ('a', 2), ('b', 40000000000)");
  auto row = conn->queryOne(
      "SELECT SUM(qty) AS total, COUNT(*) AS n, MAX(code) AS top, AVG(qty) AS mean FROM items");
  ASSERT_TRUE(row);
  EXPECT_EQ((*row)["total"], Value(40000000002));
  EXPECT_EQ(row->getInt("n"), 2);
  EXPECT_EQ(row->getText("top"), "b");
  EXPECT_DOUBLE_EQ(row->getReal("mean"), 20000000001.0);
  EXPECT_EQ(kindOf([&] { (void)(*row)["missing"]; }), Kind::kType);
  EXPECT_EQ(kindOf([&] { (void)row->getInt("top"); }), Kind::kType);
  EXPECT_EQ(conn->queryOne("SELECT 'a' || 'b' AS s")->getText("s"), "ab");  // PIPES_AS_CONCAT
  EXPECT_FALSE(conn->queryOne("SELECT id FROM items WHERE code = ?", {"zzz"}));
}

TEST_P(DbTest, BoundParametersStayData) {
  createItems();
  auto conn = db().acquire();
  const std::string evil = "x'); DROP TABLE items; --";
  conn->execute("INSERT INTO items (code, note) VALUES (?, ?)", {evil, "' OR '1'='1"});
  EXPECT_EQ(
      conn->queryOne("SELECT code FROM items WHERE note = ?", {"' OR '1'='1"})->getText("code"),
      evil);
  EXPECT_FALSE(conn->queryOne("SELECT code FROM items WHERE code = ?", {"' OR '1'='1"}));
  EXPECT_EQ(count("items"), 1);
}

TEST_P(DbTest, LastInsertIdAndAffectedRows) {
  createItems();
  auto conn = db().acquire();
  ExecResult a = conn->execute("INSERT INTO items (code, qty) VALUES (?, ?)", {"a", 1});
  ExecResult b = conn->execute("INSERT INTO items (code, qty) VALUES (?, ?)", {"b", 1});
  EXPECT_EQ(a.affected_rows, 1);
  EXPECT_GT(a.last_insert_id, 0);
  EXPECT_EQ(b.last_insert_id, a.last_insert_id + 1);
  EXPECT_EQ(
      conn->queryOne("SELECT code FROM items WHERE id = ?", {b.last_insert_id})->getText("code"),
      "b");
  ExecResult upd = conn->execute("UPDATE items SET qty = qty + 1");
  EXPECT_EQ(upd.affected_rows, 2);
  EXPECT_EQ(upd.last_insert_id, 0);
  // Rows matched, not rows changed, on both backends.
  EXPECT_EQ(conn->execute("UPDATE items SET qty = 2 WHERE code = 'a'").affected_rows, 1);
  EXPECT_EQ(conn->execute("UPDATE items SET qty = 3 WHERE code = 'none'").affected_rows, 0);
  EXPECT_EQ(conn->execute("DELETE FROM items WHERE code = ?", {"a"}).affected_rows, 1);
  EXPECT_EQ(conn->execute("CREATE TABLE other (x INTEGER)").affected_rows, 0);
}

TEST_P(DbTest, ErrorsMapToKinds) {
  auto conn = db().acquire();
  conn->executeScript(db().dialect().translateDdl(
      "CREATE TABLE parent (id {{pk}}, code {{str}} NOT NULL UNIQUE) {{table_opts}};"
      "CREATE TABLE child (id {{pk}}, parent_id {{bigint}} NOT NULL REFERENCES parent (id),"
      " n {{bigint}} CHECK (n >= 0), FOREIGN KEY (parent_id) REFERENCES parent (id)) "
      "{{table_opts}};"));
  conn->execute("INSERT INTO parent (id, code) VALUES (1, 'p')");
  conn->execute("INSERT INTO child (parent_id, n) VALUES (1, 1)");
  EXPECT_EQ(kindOf([&] { conn->execute("INSERT INTO parent (code) VALUES ('p')"); }),
            Kind::kUnique);
  EXPECT_EQ(kindOf([&] { conn->execute("INSERT INTO parent (id, code) VALUES (1, 'q')"); }),
            Kind::kUnique);
  EXPECT_EQ(kindOf([&] { conn->execute("INSERT INTO parent (code) VALUES (?)", {nullptr}); }),
            Kind::kConstraint);
  EXPECT_EQ(kindOf([&] { conn->execute("INSERT INTO child (parent_id, n) VALUES (99, 1)"); }),
            Kind::kConstraint);
  EXPECT_EQ(kindOf([&] { conn->execute("INSERT INTO child (parent_id, n) VALUES (1, -1)"); }),
            Kind::kConstraint);
  EXPECT_EQ(kindOf([&] { conn->execute("DELETE FROM parent WHERE id = 1"); }), Kind::kConstraint);
  EXPECT_EQ(kindOf([&] { conn->query("SELEC nonsense"); }), Kind::kSql);
  EXPECT_EQ(kindOf([&] { conn->query("SELECT * FROM no_such_table"); }), Kind::kSql);
  EXPECT_EQ(kindOf([&] { conn->query("SELECT ?", {}); }), Kind::kSql);
  // The connection is still good after errors.
  EXPECT_EQ(conn->queryOne("SELECT COUNT(*) AS n FROM child")->getInt("n"), 1);
}

TEST_P(DbTest, TransactionCommitsAndRollsBack) {
  createItems();
  int64_t id = db().transaction(
      [](Tx& tx) { return tx.execute("INSERT INTO items (code) VALUES ('kept')").last_insert_id; });
  EXPECT_GT(id, 0);
  EXPECT_THROW(db().transaction([](Tx& tx) {
    tx.execute("INSERT INTO items (code) VALUES ('gone')");
    throw std::runtime_error("business rule failed");
  }),
               std::runtime_error);
  EXPECT_EQ(kindOf([&] {
              db().transaction([](Tx& tx) {
                tx.execute("INSERT INTO items (code) VALUES ('gone2')");
                tx.execute("INSERT INTO items (code) VALUES ('kept')");  // unique violation
              });
            }),
            Kind::kUnique);
  Rows rows = db().acquire()->query("SELECT code FROM items");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].getText("code"), "kept");
  // Reads inside the transaction see its own writes.
  db().transaction([](Tx& tx) {
    tx.execute("UPDATE items SET qty = 7");
    EXPECT_EQ(
        tx.queryOne("SELECT qty FROM items" + std::string(tx.dialect().forUpdate()))->getInt("qty"),
        7);
  });
  auto s = db().stats();
  EXPECT_EQ(s.in_use, 0);
}

TEST_P(DbTest, AfterCommitRunsOnlyOnCommit) {
  createItems();
  std::vector<std::string> log;
  db().transaction([&](Tx& tx) {
    tx.execute("INSERT INTO items (code) VALUES ('a')");
    tx.afterCommit([&] { log.push_back("first"); });
    tx.afterCommit([&] { throw std::runtime_error("callback failure is logged, not rethrown"); });
    tx.afterCommit([&] { log.push_back("third"); });
    EXPECT_TRUE(log.empty());
  });
  EXPECT_EQ(log, (std::vector<std::string>{"first", "third"}));
  log.clear();
  EXPECT_THROW(db().transaction([&](Tx& tx) {
    tx.afterCommit([&] { log.push_back("never"); });
    throw std::runtime_error("rollback");
  }),
               std::runtime_error);
  EXPECT_TRUE(log.empty());
  // A callback may itself open a transaction: the first one is over by then.
  db().transaction([&](Tx& tx) {
    tx.afterCommit([&] {
      db().transaction([](Tx& inner) { inner.execute("INSERT INTO items (code) VALUES ('b')"); });
    });
  });
  EXPECT_EQ(count("items"), 2);
}

TEST_P(DbTest, NestedTransactionIsRefused) {
  createItems();
  EXPECT_EQ(kindOf([&] {
              db().transaction([&](Tx& tx) {
                tx.execute("INSERT INTO items (code) VALUES ('outer')");
                db().transaction([](Tx&) {});
              });
            }),
            Kind::kSql);
  EXPECT_EQ(count("items"), 0);  // the outer transaction rolled back
  db().transaction([](Tx&) {});  // and the guard was released
}

TEST_P(DbTest, UpsertAndInsertIgnoreAgree) {
  auto conn = db().acquire();
  conn->executeScript(db().dialect().translateDdl(
      "CREATE TABLE prefs (household {{bigint}} NOT NULL, k {{str}} NOT NULL, v {{text}},"
      " hits {{bigint}} NOT NULL DEFAULT 0, PRIMARY KEY (household, k)) {{table_opts}}"));
  const Dialect& d = db().dialect();
  std::string up = d.upsert("prefs", {"household", "k", "v"}, {"household", "k"}, {"v"});
  EXPECT_GT(conn->execute(up, {1, "lang", "ja"}).affected_rows, 0);
  EXPECT_GT(conn->execute(up, {1, "lang", "en"}).affected_rows, 0);
  conn->execute(up, {2, "lang", "ja"});
  std::string ig = d.insertIgnore("prefs", {"household", "k", "v"});
  EXPECT_EQ(conn->execute(ig, {1, "lang", "fr"}).affected_rows, 0);
  EXPECT_EQ(conn->execute(ig, {1, "theme", "dark"}).affected_rows, 1);
  Rows rows = conn->query("SELECT household, k, v FROM prefs ORDER BY household, k");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].getText("v"), "en");
  EXPECT_EQ(rows[1].getText("v"), "dark");
  EXPECT_EQ(rows[2].getText("v"), "ja");
}

TEST_P(DbTest, ExecuteScriptRunsEachStatement) {
  auto conn = db().acquire();
  conn->executeScript(
      "CREATE TABLE s (x VARCHAR(20));\n"
      "-- a comment; with a semicolon\n"
      "INSERT INTO s VALUES ('a;b');\n"
      "/* another; */ INSERT INTO s VALUES ('it''s');");
  EXPECT_EQ(conn->query("SELECT x FROM s ORDER BY x").size(), 2u);
  EXPECT_EQ(kindOf([&] {
              conn->executeScript("INSERT INTO s VALUES ('c'); BROKEN; INSERT INTO s VALUES ('d')");
            }),
            Kind::kSql);
  EXPECT_EQ(conn->query("SELECT x FROM s").size(), 3u);  // stopped at the failure
  // One statement per query()/execute() call.
  EXPECT_EQ(kindOf([&] { conn->execute("DELETE FROM s; DELETE FROM s"); }), Kind::kSql);
}

TEST_P(DbTest, PingAndPoolStats) {
  EXPECT_TRUE(db().ping());
  auto s0 = db().stats();
  EXPECT_GE(s0.size, 1);
  EXPECT_EQ(s0.in_use, 0);
  EXPECT_EQ(s0.max_size, 16);
  {
    auto a = db().acquire();
    auto b = db().acquire();
    auto s = db().stats();
    EXPECT_EQ(s.in_use, 2);
    EXPECT_GE(s.size, 2);
    EXPECT_EQ(s.acquired_total, s0.acquired_total + 2);
    // Move-assigning a loan over another gives the first one back.
    a = std::move(b);
    EXPECT_EQ(db().stats().in_use, 1);
  }
  EXPECT_EQ(db().stats().in_use, 0);
}

class SmallPoolTest : public BackendTest {
 protected:
  PoolOptions poolOptions() const override {
    return {.max_connections = 2, .acquire_timeout = std::chrono::milliseconds(150)};
  }
};

TEST_P(SmallPoolTest, AcquireTimesOutAndCounts) {
  auto a = db().acquire();
  auto b = db().acquire();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(kindOf([&] { db().acquire(); }), Kind::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(140));
  EXPECT_EQ(kindOf([&] { db().transaction([](Tx&) {}); }), Kind::kTimeout);
  EXPECT_FALSE(db().ping());
  PoolStats s = db().stats();
  EXPECT_EQ(s.size, 2);
  EXPECT_EQ(s.in_use, 2);
  EXPECT_EQ(s.max_size, 2);
  EXPECT_EQ(s.timeouts_total, 3);
  // A waiter is woken by a release.
  std::thread waiter(
      [&] { EXPECT_EQ(db().acquire()->queryOne("SELECT 1 AS one")->getInt("one"), 1); });
  while (db().stats().waiting == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(db().stats().waiting, 1);
  { auto released = std::move(a); }
  waiter.join();
  // A connection marked broken is closed and replaced.
  b.markBroken();
  { auto gone = std::move(b); }
  EXPECT_EQ(db().stats().size, 1);
  EXPECT_TRUE(db().ping());
}

SUKUSUKU_INSTANTIATE_BACKENDS(DbTest);
SUKUSUKU_INSTANTIATE_BACKENDS(SmallPoolTest);

}  // namespace
}  // namespace sukusuku::db
