// Several threads, several connections: concurrent writers, transaction retries on real
// deadlocks and lock contention, SKIP LOCKED queue claims, dropped connections.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "sukusuku/db/database.h"
#include "support/test_db.h"

namespace sukusuku::db {
namespace {

using sukusuku::testing::BackendTest;
using Kind = DbError::Kind;
using namespace std::chrono_literals;

class ConcurrencyTest : public BackendTest {
 protected:
  void createTable() {
    db().acquire()->executeScript(db().dialect().translateDdl(
        "CREATE TABLE jobs (id {{pk}}, worker {{bigint}}, n {{bigint}} NOT NULL DEFAULT 0)"
        " {{table_opts}}"));
  }
  int64_t scalar(const std::string& sql) {
    return db().acquire()->queryOne(sql)->operator[](0).asInt();
  }
};

TEST_P(ConcurrencyTest, EightThreadsInsertEverything) {
  createTable();
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          if (i % 2) {
            db().acquire()->execute("INSERT INTO jobs (worker, n) VALUES (?, ?)", {t, i});
          } else {
            db().transaction([&](Tx& tx) {
              tx.execute("INSERT INTO jobs (worker, n) VALUES (?, ?)", {t, i});
            });
          }
        }
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs"), kThreads * kEach);
  EXPECT_EQ(scalar("SELECT COUNT(DISTINCT id) FROM jobs"), kThreads * kEach);
  EXPECT_EQ(db().stats().in_use, 0);
}

// MariaDB: two transactions lock rows 1 and 2 in opposite order. InnoDB kills one with a
// deadlock error (1213); transaction() reruns it and both end up committed.
TEST_P(ConcurrencyTest, DeadlockVictimIsRerun) {
  if (!isMysql()) GTEST_SKIP() << "SQLite serialises writers: see BusyWriterIsRerun";
  createTable();
  db().acquire()->execute("INSERT INTO jobs (id, n) VALUES (1, 0), (2, 0)");
  std::latch both_locked(2);
  std::atomic<int> attempts{0};
  auto worker = [&](int first, int second) {
    bool first_attempt = true;
    db().transaction([&](Tx& tx) {
      ++attempts;
      tx.execute("UPDATE jobs SET n = n + 1 WHERE id = ?", {first});
      if (first_attempt) {
        first_attempt = false;
        both_locked.arrive_and_wait();
      }
      tx.execute("UPDATE jobs SET n = n + 1 WHERE id = ?", {second});
    });
  };
  std::thread a(worker, 1, 2);
  std::thread b(worker, 2, 1);
  a.join();
  b.join();
  EXPECT_EQ(attempts, 3);  // one victim, rerun once
  EXPECT_EQ(scalar("SELECT SUM(n) FROM jobs"), 4);
}

// SQLite: a writer that cannot get the write lock within busy_timeout gets SQLITE_BUSY, which
// transaction() treats as retryable; it keeps trying until the holder commits.
TEST_P(ConcurrencyTest, BusyWriterIsRerun) {
  if (!isSqlite()) GTEST_SKIP() << "MySQL has row locks: see DeadlockVictimIsRerun";
  createTable();
  auto impatient = Database::open(db().url() + "?busy_timeout=20", {.max_transaction_retries = 50});
  std::latch holding(1);
  std::thread holder([&] {
    db().transaction([&](Tx& tx) {
      tx.execute("INSERT INTO jobs (n) VALUES (1)");
      holding.count_down();
      std::this_thread::sleep_for(300ms);
    });
  });
  holding.wait();
  // BEGIN IMMEDIATE fails after 20 ms while the holder sleeps 300 ms: only reruns get it through.
  auto start = std::chrono::steady_clock::now();
  impatient->transaction([&](Tx& tx) { tx.execute("INSERT INTO jobs (n) VALUES (2)"); });
  EXPECT_GT(std::chrono::steady_clock::now() - start, 150ms);
  holder.join();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs"), 2);
  // Without retries the caller sees the contention as kDeadlock.
  auto no_retry = Database::open(db().url() + "?busy_timeout=0", {.max_transaction_retries = 0});
  std::latch locked(1), done(1);
  std::thread blocker([&] {
    db().transaction([&](Tx&) {
      locked.count_down();
      done.wait();
    });
  });
  locked.wait();
  try {
    no_retry->transaction([](Tx&) {});
    ADD_FAILURE() << "expected SQLITE_BUSY";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::kDeadlock) << e.what();
    EXPECT_TRUE(e.retryable());
  }
  done.count_down();
  blocker.join();
}

// Two workers claim queue rows at the same time; each gets its own rows.
TEST_P(ConcurrencyTest, SkipLockedClaimsAreDisjoint) {
  createTable();
  for (int i = 0; i < 10; ++i) db().acquire()->execute("INSERT INTO jobs (n) VALUES (?)", {i});
  const std::string claim = "SELECT id FROM jobs WHERE worker IS NULL ORDER BY id LIMIT 3" +
                            std::string(db().dialect().forUpdateSkipLocked());
  // On MySQL both transactions hold their locks at the same time; SQLite runs them one by one.
  std::latch both_claimed(isMysql() ? 2 : 0);
  std::vector<std::vector<int64_t>> claimed(2);
  auto worker = [&](int w) {
    db().transaction([&](Tx& tx) {
      claimed[w].clear();
      for (const Row& r : tx.query(claim)) {
        claimed[w].push_back(r.getInt("id"));
        tx.execute("UPDATE jobs SET worker = ? WHERE id = ?", {w, r.getInt("id")});
      }
      if (isMysql()) both_claimed.arrive_and_wait();
    });
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  std::set<int64_t> all(claimed[0].begin(), claimed[0].end());
  all.insert(claimed[1].begin(), claimed[1].end());
  EXPECT_EQ(claimed[0].size(), 3u);
  EXPECT_EQ(claimed[1].size(), 3u);
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs WHERE worker IS NOT NULL"), 6);
}

// KILL CONNECTION from another session: the next statement on the victim reconnects.
TEST_P(ConcurrencyTest, DroppedConnectionRecovers) {
  if (!isMysql()) GTEST_SKIP() << "MySQL only";
  createTable();
  auto killer = db().acquire();
  auto killConn = [&](int64_t id) { killer->execute("KILL CONNECTION " + std::to_string(id)); };

  // A held connection: the next read reconnects transparently.
  auto victim = db().acquire();
  int64_t before = victim->queryOne("SELECT CONNECTION_ID() AS id")->getInt("id");
  killConn(before);
  int64_t after = victim->queryOne("SELECT CONNECTION_ID() AS id")->getInt("id");
  EXPECT_NE(before, after);

  // A write on a dropped connection: runs, or reports kConnection when it may have run; either
  // way the following statement works again.
  killConn(after);
  int inserted = 0;
  try {
    victim->execute("INSERT INTO jobs (n) VALUES (1)");
    inserted = 1;
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::kConnection) << e.what();
  }
  EXPECT_EQ(victim->queryOne("SELECT COUNT(*) AS n FROM jobs")->getInt("n"), inserted);
  victim = PooledConnection(nullptr, nullptr);

  // Idle pooled connections that were killed: transactions rerun on fresh connections.
  for (const Row& r :
       killer->query("SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND "
                     "id <> CONNECTION_ID()")) {
    killConn(r.getInt("id"));
  }
  db().transaction([](Tx& tx) { tx.execute("INSERT INTO jobs (n) VALUES (2)"); });
  EXPECT_TRUE(db().ping());
  EXPECT_EQ(killer->queryOne("SELECT COUNT(*) AS n FROM jobs WHERE n = 2")->getInt("n"), 1);
}

SUKUSUKU_INSTANTIATE_BACKENDS(ConcurrencyTest);

}  // namespace
}  // namespace sukusuku::db
