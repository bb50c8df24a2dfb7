// Backend-free tests: SQL text helpers, Value conversions, dialect strings, URL errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "dialects.h"
#include "sql_text.h"
#include "sukusuku/db/database.h"

namespace sukusuku::db {
namespace {

using internal::leadingKeyword;
using internal::splitScript;

TEST(SqlTextTest, SplitsOutsideQuotesAndComments) {
  auto stmts = splitScript(
      "CREATE TABLE a (x TEXT DEFAULT 'a;b');  -- trailing; comment\n"
      "/* block; comment */ INSERT INTO a VALUES ('it''s; fine');\n"
      "INSERT INTO a VALUES (\"q;q\")  ;;  \n -- only a comment;\n");
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0], "CREATE TABLE a (x TEXT DEFAULT 'a;b')");
  // Comments between statements stay with the statement that follows them.
  EXPECT_EQ(stmts[1],
            "-- trailing; comment\n/* block; comment */ INSERT INTO a VALUES ('it''s; fine')");
  EXPECT_EQ(stmts[2], "INSERT INTO a VALUES (\"q;q\")");
  EXPECT_TRUE(splitScript("  -- nothing\n /* at all */ ; ").empty());
}

TEST(SqlTextTest, LeadingKeyword) {
  EXPECT_EQ(leadingKeyword("  insert into t"), "INSERT");
  EXPECT_EQ(leadingKeyword("-- c\n/* d */ (SELECT 1)"), "SELECT");
  EXPECT_EQ(leadingKeyword(""), "");
}

TEST(ValueTest, Conversions) {
  EXPECT_EQ(Value(int64_t{7}).asInt(), 7);
  EXPECT_EQ(Value(42.0).asInt(), 42);
  EXPECT_EQ(Value("123").asInt(), 123);
  EXPECT_EQ(Value("-9223372036854775808").asInt(), INT64_MIN);
  EXPECT_EQ(Value("42.000").asInt(), 42);
  EXPECT_DOUBLE_EQ(Value(3).asReal(), 3.0);
  EXPECT_EQ(Value(Blob{"ab"}).asText(), "ab");
  EXPECT_EQ(Value().toString(), "NULL");
  EXPECT_EQ(Value(std::optional<int>()).type(), Value::Type::kNull);
  EXPECT_EQ(Value(std::optional<int>(5)).asInt(), 5);
  for (const Value& bad : {Value(), Value(1.5), Value("abc"), Value(Blob{"1"})}) {
    try {
      bad.asInt();
      ADD_FAILURE() << bad.toString();
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbError::Kind::kType);
    }
  }
  EXPECT_THROW(Value(1).asText(), DbError);
  EXPECT_THROW(Value("x").asBlob(), DbError);
}

TEST(DialectTest, Statements) {
  const Dialect& s = internal::sqliteDialect();
  const Dialect& m = internal::mysqlDialect();
  EXPECT_EQ(s.upsert("t", {"k", "a", "b"}, {"k"}, {"a", "b"}),
            "INSERT INTO t (k, a, b) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET "
            "a = excluded.a, b = excluded.b");
  EXPECT_EQ(m.upsert("t", {"k", "a"}, {"k"}, {"a"}),
            "INSERT INTO t (k, a) VALUES (?, ?) ON DUPLICATE KEY UPDATE a = VALUES(a)");
  EXPECT_EQ(s.insertIgnore("t", {"k"}), "INSERT OR IGNORE INTO t (k) VALUES (?)");
  EXPECT_EQ(m.insertIgnore("t", {"k"}), "INSERT IGNORE INTO t (k) VALUES (?)");
  EXPECT_EQ(s.forUpdateSkipLocked(), "");
  EXPECT_EQ(m.forUpdateSkipLocked(), " FOR UPDATE SKIP LOCKED");
  EXPECT_EQ(m.translateDdl("id {{pk}}, n {{str}}) {{table_opts}}"),
            "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, n VARCHAR(255)) ENGINE=InnoDB "
            "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
  EXPECT_EQ(s.translateDdl("id {{pk}}) {{table_opts}}"), "id INTEGER PRIMARY KEY AUTOINCREMENT) ");
  try {
    s.translateDdl("x {{nope}}");
    ADD_FAILURE();
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbError::Kind::kMigration);
  }
  EXPECT_THROW(s.insertIgnore("t; DROP TABLE x", {"a"}), DbError);
  EXPECT_THROW(m.upsert("t", {"a"}, {"a"}, {"a = 1 --"}), DbError);
}

TEST(OpenTest, BadUrls) {
  for (const char* url : {"postgres://x", "mysql://127.0.0.1:1/x", "sqlite:/tmp/x.db?bogus=1",
                          "mysql://u@127.0.0.1:notaport/x"}) {
    try {
      Database::open(url);
      ADD_FAILURE() << url;
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), DbError::Kind::kConnection) << url << ": " << e.what();
    }
  }
  // The password never appears in a message.
  try {
    Database::open("mysql://u:s3cret@127.0.0.1:1/x");
  } catch (const DbError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

TEST(SqliteMemoryTest, OneDatabaseSharedByThePool) {
  auto db = Database::open("sqlite::memory:", {.max_connections = 4});
  auto other = Database::open("sqlite::memory:");
  PooledConnection a = db->acquire();
  PooledConnection b = db->acquire();
  a->execute("CREATE TABLE t (x INTEGER)");
  a->execute("INSERT INTO t VALUES (1)");
  EXPECT_EQ(b->queryOne("SELECT COUNT(*) FROM t")->getInt("COUNT(*)"), 1);
  EXPECT_THROW(other->acquire()->query("SELECT * FROM t"), DbError);
  // Survives all pooled connections being closed: the pool keeps the database alive.
  a.markBroken();
  b.markBroken();
  a = PooledConnection(nullptr, nullptr);
  b = PooledConnection(nullptr, nullptr);
  EXPECT_EQ(db->acquire()->queryOne("SELECT x FROM t")->getInt("x"), 1);
  // Writers queue on the lock rather than failing.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        db->transaction([](Tx& tx) { tx.execute("INSERT INTO t VALUES (2)"); });
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(db->acquire()->queryOne("SELECT COUNT(*) AS n FROM t")->getInt("n"), 101);
}

TEST(SqliteFileTest, CreatesFolderAndUsesWal) {
  auto dir =
      std::filesystem::temp_directory_path() / ("sukusuku-unit-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto db = Database::open("sqlite:" + (dir / "a" / "b" / "x.db").string());
    auto conn = db->acquire();
    EXPECT_EQ(conn->queryOne("PRAGMA journal_mode")->operator[](0).asText(), "wal");
    EXPECT_EQ(conn->queryOne("PRAGMA foreign_keys")->operator[](0).asInt(), 1);
    EXPECT_EQ(conn->queryOne("PRAGMA synchronous")->operator[](0).asInt(), 1);  // NORMAL
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "b" / "x.db"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sukusuku::db
