#include "pooled_database.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

namespace sukusuku::db::internal {
namespace {

using Clock = std::chrono::steady_clock;

// The Databases this thread is inside transaction() of: a nested call would wait for a second
// connection (or, on SQLite, for the write lock this thread already holds) and never see the
// outer transaction's writes, so it is refused.
thread_local std::vector<const Database*> t_open_transactions;

class NestingGuard {
 public:
  explicit NestingGuard(const Database* db) : db_(db) {
    if (std::find(t_open_transactions.begin(), t_open_transactions.end(), db) !=
        t_open_transactions.end()) {
      throw DbError(DbError::Kind::kSql,
                    "nested Database::transaction() on the same thread is not supported: "
                    "use the Tx you were given");
    }
    t_open_transactions.push_back(db);
  }
  ~NestingGuard() {
    t_open_transactions.erase(
        std::find(t_open_transactions.begin(), t_open_transactions.end(), db_));
  }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  const Database* db_;
};

void logError(const std::string& message) {
  Poco::Logger& logger = Poco::Logger::get("sukusuku.db");
  if (logger.getChannel()) {
    logger.error(message);
  } else {
    std::cerr << "sukusuku.db: " << message << std::endl;
  }
}

// Sleeps before rerun `attempt` (0-based): exponential from 5 ms, capped at 200 ms, with full
// jitter so that two transactions that just deadlocked do not collide again in lockstep.
void backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  int ceiling = std::min(200, 5 << std::min(attempt, 6));
  std::uniform_int_distribution<int> dist(ceiling / 2, ceiling);
  std::this_thread::sleep_for(std::chrono::milliseconds(dist(rng)));
}

class TxImpl : public Tx {
 public:
  explicit TxImpl(ConnectionBase& conn) : conn_(conn) {}

  Rows query(std::string_view sql, const Params& params) override {
    return conn_.query(sql, params);
  }
  ExecResult execute(std::string_view sql, const Params& params) override {
    return conn_.execute(sql, params);
  }
  void executeScript(std::string_view sql) override { conn_.executeScript(sql); }
  const Dialect& dialect() const override { return conn_.dialect(); }
  void afterCommit(std::function<void()> fn) override { callbacks_.push_back(std::move(fn)); }

  std::vector<std::function<void()>> takeCallbacks() { return std::move(callbacks_); }

 private:
  ConnectionBase& conn_;
  std::vector<std::function<void()>> callbacks_;
};

}  // namespace

PooledDatabase::PooledDatabase(const PoolOptions& options) : options_(options) {
  options_.max_connections = std::max(1, options_.max_connections);
  options_.max_transaction_retries = std::max(0, options_.max_transaction_retries);
}

PooledDatabase::~PooledDatabase() = default;

void PooledDatabase::warmUp() {
  std::unique_ptr<ConnectionBase> conn = connect();
  std::lock_guard<std::mutex> lock(mu_);
  ++size_;
  idle_.push_back(std::move(conn));
}

void PooledDatabase::closeIdle() {
  std::deque<std::unique_ptr<ConnectionBase>> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
    size_ -= static_cast<int>(idle.size());
  }
  idle.clear();
}

std::unique_ptr<ConnectionBase> PooledDatabase::take(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++waiting_;
    bool ready = cv_.wait_until(lock, deadline,
                                [&] { return !idle_.empty() || size_ < options_.max_connections; });
    --waiting_;
    if (!ready) {
      ++timeouts_total_;
      throw DbError(DbError::Kind::kTimeout, "no database connection became free within " +
                                                 std::to_string(timeout.count()) + " ms (pool of " +
                                                 std::to_string(options_.max_connections) + ")");
    }
    std::unique_ptr<ConnectionBase> conn;
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    ++in_use_;
    if (!conn) ++size_;  // reserve the slot before connecting outside the lock
    lock.unlock();

    bool stale = conn && Clock::now() - conn->lastUsed() > validateAfterIdle();
    if (conn && (!stale || conn->isAlive())) {
      lock.lock();
      ++acquired_total_;
      return conn;
    }
    conn.reset();  // dead after idling: close it and open a fresh one in its slot
    try {
      conn = connect();
    } catch (...) {
      lock.lock();
      --size_;
      --in_use_;
      cv_.notify_one();
      throw;
    }
    lock.lock();
    ++acquired_total_;
    return conn;
  }
}

void PooledDatabase::giveBack(std::unique_ptr<ConnectionBase> conn, bool broken) noexcept {
  if (!conn) return;
  if (!broken && !conn->broken()) conn->resetForPool();
  if (broken || conn->broken()) {
    conn.reset();  // close outside the lock
    std::lock_guard<std::mutex> lock(mu_);
    --size_;
    --in_use_;
  } else {
    conn->touch();
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

std::unique_ptr<Connection> PooledDatabase::takeConnection() {
  return take(options_.acquire_timeout);
}

void PooledDatabase::returnConnection(std::unique_ptr<Connection> conn, bool broken) {
  // Every connection this pool lends was made by connect(), so the downcast is safe.
  giveBack(std::unique_ptr<ConnectionBase>(static_cast<ConnectionBase*>(conn.release())), broken);
}

void PooledDatabase::runTransaction(const std::function<void(Tx&)>& body) {
  std::vector<std::function<void()>> callbacks;
  {
    NestingGuard guard(this);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<ConnectionBase> conn = take(options_.acquire_timeout);
      TxImpl tx(*conn);
      bool committing = false;
      try {
        conn->begin();
        body(tx);
        committing = true;
        conn->commit();
      } catch (const DbError& e) {
        conn->rollback();
        bool broken = e.kind() == DbError::Kind::kConnection;
        giveBack(std::move(conn), broken);
        if (committing && broken) {
          throw DbError(DbError::Kind::kConnection,
                        std::string("connection lost during COMMIT; the transaction may or may "
                                    "not have committed: ") +
                            e.what(),
                        e.nativeCode());
        }
        if (!e.retryable() || attempt >= options_.max_transaction_retries) throw;
        backoff(attempt);
        continue;
      } catch (...) {
        conn->rollback();
        giveBack(std::move(conn), false);
        throw;
      }
      giveBack(std::move(conn), false);
      callbacks = tx.takeCallbacks();
      break;
    }
  }
  for (auto& fn : callbacks) {
    try {
      fn();
    } catch (const std::exception& e) {
      logError(std::string("afterCommit callback failed: ") + e.what());
    } catch (...) {
      logError("afterCommit callback failed with a non-standard exception");
    }
  }
}

bool PooledDatabase::ping() {
  try {
    std::unique_ptr<ConnectionBase> conn =
        take(std::min(options_.acquire_timeout, std::chrono::milliseconds(1000)));
    bool ok = conn->isAlive();
    giveBack(std::move(conn), !ok);
    return ok;
  } catch (const DbError&) {
    return false;
  }
}

PoolStats PooledDatabase::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PoolStats s;
  s.size = size_;
  s.in_use = in_use_;
  s.max_size = options_.max_connections;
  s.waiting = waiting_;
  s.acquired_total = acquired_total_;
  s.timeouts_total = timeouts_total_;
  return s;
}

}  // namespace sukusuku::db::internal
