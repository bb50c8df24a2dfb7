// The storage layer every part of Sukusuku talks to.
//
// A Database is a pool of connections to one SQL database, either the embedded default (SQLite,
// one file under data.dir, WAL mode) or a MySQL-compatible server (MariaDB >= 10.6, MySQL 8)
// reached through MySQL Connector/C++. Callers write one portable subset of SQL with `?`
// placeholders and bound parameters only (never string-built values); the few places where the
// dialects differ (upserts, row locking, DDL types) go through Dialect, so no plugin ever
// branches on the backend.
//
// Result sets are read fully into memory as Rows of typed Values: queries in this system return
// pages, not tables, and a materialised result keeps connection state out of callers' hands.
//
// Thread-safety: Database is thread-safe. A Connection (and a Tx) belongs to one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sukusuku/db/dialect.h"
#include "sukusuku/db/error.h"
#include "sukusuku/db/value.h"

namespace sukusuku::db {

class Dialect;

// The outcome of a statement that returns no rows.
struct ExecResult {
  int64_t affected_rows = 0;
  int64_t last_insert_id = 0;  // the AUTO_INCREMENT / rowid of the last INSERT, else 0
};

// One session with the database. Prepared statements are cached per connection by SQL text.
// Not thread-safe.
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs a statement that returns rows. `params` bind to the `?` placeholders in order.
  virtual Rows query(std::string_view sql, const Params& params = {}) = 0;
  // Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL).
  virtual ExecResult execute(std::string_view sql, const Params& params = {}) = 0;
  // Runs several `;`-separated statements without parameters (migrations). Statements are split
  // outside quotes and comments; each runs in turn; the first failure throws and stops.
  virtual void executeScript(std::string_view sql) = 0;

  // The first row, or nullopt when there is none.
  std::optional<Row> queryOne(std::string_view sql, const Params& params = {});

  virtual const Dialect& dialect() const = 0;
};

// "?, ?, ..." for an IN list of VALUES (at least one), appending the values to PARAMS. The list
// is padded to the next power of two by repeating the first value, so lists of any length share
// a few prepared statements (each connection caches a bounded number).
std::string inPlaceholders(const std::vector<int64_t>& values, Params& params);

// A Connection inside an open transaction, handed to Database::transaction's function.
class Tx : public Connection {
 public:
  // Registers work to run after this transaction commits (never if it rolls back). Callbacks run
  // on the committing thread in registration order; an exception in one is logged, not rethrown.
  virtual void afterCommit(std::function<void()> fn) = 0;
};

// Pool counters for /readyz and /metrics.
struct PoolStats {
  int size = 0;      // connections open now
  int in_use = 0;    // connections lent out now
  int max_size = 0;  // configured maximum
  int waiting = 0;   // threads waiting for a connection now
  int64_t acquired_total = 0;
  int64_t timeouts_total = 0;
};

struct PoolOptions {
  int max_connections = 16;
  std::chrono::milliseconds acquire_timeout{5000};
  // How often a transaction function is run again after a retryable failure (deadlock, lock wait
  // timeout, SQLITE_BUSY, connection lost before commit).
  int max_transaction_retries = 5;
};

class PooledConnection;

enum class Backend { kSqlite, kMysql };

class Database {
 public:
  virtual ~Database() = default;

  // Opens a pool. URLs:
  //   sqlite:/absolute/or/relative/path.db   (the folder is created; WAL mode; foreign keys on)
  //   sqlite::memory:                        (one shared in-memory database, for tests)
  //   mysql://user:password@host:port/dbname  (utf8mb4; optional ?socket=/path/to/socket)
  // Options after `?`, joined by `&`: sqlite `busy_timeout=ms` (default 5000: how long a writer
  // waits for the write lock before kDeadlock); mysql `socket=/path`. User and password may be
  // percent-encoded; a mysql URL without dbname opens a server-level pool (for admin tools).
  // One connection is opened at once, so a bad URL or an unreachable server fails here:
  // throws DbError(kConnection) when the database cannot be reached.
  //
  // MySQL sessions are set to utf8mb4 / utf8mb4_bin, time_zone '+00:00', READ COMMITTED and a
  // strict sql_mode that also has ONLY_FULL_GROUP_BY and PIPES_AS_CONCAT (`||` concatenates, as on
  // SQLite). UPDATE reports rows matched, not rows changed (as SQLite does). A query run outside a
  // transaction that finds its connection dropped reconnects and runs once more; an INSERT, UPDATE
  // or DELETE does so only when the server cannot have seen it.
  //
  // last_insert_id is meaningful for INSERTs into a table with a {{pk}} column; for an upsert that
  // updated, it is unspecified. A Database must outlive every PooledConnection it lent.
  static std::unique_ptr<Database> open(const std::string& url, const PoolOptions& options = {});

  virtual Backend backend() const = 0;
  virtual const Dialect& dialect() const = 0;

  // Lends a connection; it goes back to the pool when the PooledConnection is destroyed.
  // Throws DbError(kTimeout) after options.acquire_timeout. A connection found broken is replaced.
  PooledConnection acquire();

  // Runs fn(Tx&) in a transaction: commits when fn returns, rolls back when it throws and
  // rethrows. A retryable DbError (deadlock, busy, lost connection) reruns fn from the start, up to
  // max_transaction_retries, so fn must not have effects outside the transaction (use afterCommit).
  // SQLite transactions take the write lock up front (BEGIN IMMEDIATE).
  // A COMMIT whose connection drops is not rerun (it may have committed): it throws kConnection.
  // Calling transaction() again on this Database from inside fn (same thread) throws DbError(kSql):
  // use the Tx you were given. Never send BEGIN/COMMIT through a Connection yourself.
  template <class F>
  auto transaction(F&& fn) -> std::invoke_result_t<F&, Tx&>;

  // True when a trivial query succeeds within a second. For /readyz.
  virtual bool ping() = 0;
  virtual PoolStats stats() const = 0;

  // Low-level hooks used by PooledConnection and transaction(); not for callers.
  virtual std::unique_ptr<Connection> takeConnection() = 0;
  virtual void returnConnection(std::unique_ptr<Connection> conn, bool broken) = 0;
  virtual void runTransaction(const std::function<void(Tx&)>& body) = 0;
};

// RAII loan of one connection from a Database's pool.
class PooledConnection {
 public:
  PooledConnection(Database* db, std::unique_ptr<Connection> conn)
      : db_(db), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  // Not defaulted: the connection held before the assignment must go back to its pool.
  PooledConnection& operator=(PooledConnection&& other) noexcept {
    if (this != &other) {
      release();
      db_ = other.db_;
      conn_ = std::move(other.conn_);
      broken_ = other.broken_;
    }
    return *this;
  }
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }
  // Marks the connection as unusable so the pool closes it instead of reusing it.
  void markBroken() { broken_ = true; }

 private:
  void release() noexcept;

  Database* db_ = nullptr;
  std::unique_ptr<Connection> conn_;
  bool broken_ = false;
};

template <class F>
auto Database::transaction(F&& fn) -> std::invoke_result_t<F&, Tx&> {
  using R = std::invoke_result_t<F&, Tx&>;
  if constexpr (std::is_void_v<R>) {
    runTransaction([&](Tx& tx) { fn(tx); });
  } else {
    std::optional<R> result;
    runTransaction([&](Tx& tx) { result.emplace(fn(tx)); });
    return std::move(*result);
  }
}

}  // namespace sukusuku::db
