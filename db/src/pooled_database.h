// The connection pool and transaction runner shared by both backends. A backend supplies
// connect(); everything about lending, waiting, replacing broken connections, retrying
// transactions and afterCommit lives here once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "connection_base.h"
#include "sukusuku/db/database.h"

namespace sukusuku::db::internal {

class PooledDatabase : public Database {
 public:
  explicit PooledDatabase(const PoolOptions& options);
  ~PooledDatabase() override;

  std::unique_ptr<Connection> takeConnection() override;
  void returnConnection(std::unique_ptr<Connection> conn, bool broken) override;
  void runTransaction(const std::function<void(Tx&)>& body) override;
  bool ping() override;
  PoolStats stats() const override;

 protected:
  // Opens a new session. Throws DbError(kConnection). Called without the pool lock held.
  virtual std::unique_ptr<ConnectionBase> connect() = 0;
  // Idle connections older than this are checked with isAlive() before they are lent.
  virtual std::chrono::milliseconds validateAfterIdle() const = 0;

  // Opens the first connection eagerly (so that open() fails fast) and keeps it idle.
  void warmUp();
  // Closes all idle connections; backends call it from their destructors, while connect() and
  // the backend's state are still valid.
  void closeIdle();

  const PoolOptions& options() const { return options_; }

 private:
  std::unique_ptr<ConnectionBase> take(std::chrono::milliseconds timeout);
  void giveBack(std::unique_ptr<ConnectionBase> conn, bool broken) noexcept;

  PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ConnectionBase>> idle_;  // most recently used at the back
  int size_ = 0;                                      // open + being opened
  int in_use_ = 0;
  int waiting_ = 0;
  int64_t acquired_total_ = 0;
  int64_t timeouts_total_ = 0;
};

}  // namespace sukusuku::db::internal
