// What the pool and the transaction runner need from a backend connection beyond the public
// Connection interface. Every Connection a Database of ours lends is a ConnectionBase.
#pragma once

#include <chrono>

#include "sukusuku/db/database.h"

namespace sukusuku::db::internal {

class ConnectionBase : public Connection {
 public:
  // Transaction control for Database::runTransaction. They throw DbError.
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Best effort: a failure marks the connection broken instead of throwing.
  virtual void rollback() noexcept = 0;

  // True when the session still answers. The pool asks before lending a connection that sat idle
  // for a while (the server may have closed it).
  virtual bool isAlive() noexcept = 0;

  // Called by the pool when a connection comes back: a transaction left open by hand is rolled
  // back so that the next borrower starts clean.
  virtual void resetForPool() noexcept {}

  // A broken connection is closed by the pool instead of being reused.
  bool broken() const { return broken_; }
  void markBroken() { broken_ = true; }

  bool inTransaction() const { return in_transaction_; }

  // A pinned session holds state that a transparent reconnect would silently lose (GET_LOCK):
  // while pinned, a dropped connection is reported, never replaced behind the caller's back.
  void setPinned(bool pinned) { pinned_ = pinned; }

  std::chrono::steady_clock::time_point lastUsed() const { return last_used_; }
  void touch() { last_used_ = std::chrono::steady_clock::now(); }

 protected:
  bool broken_ = false;
  bool in_transaction_ = false;
  bool pinned_ = false;

 private:
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

}  // namespace sukusuku::db::internal
