// The outbox workers: from committed push_outbox rows to FCM, each row sent once.
//
// A worker claims a batch of due rows (urgent first, then by due time) in one short transaction:
// it locks them with SELECT … FOR UPDATE SKIP LOCKED (MariaDB/MySQL; SQLite has one writer, so a
// plain SELECT in its write transaction is enough), then leases them to itself by moving their
// next_attempt_ms to the end of the lease. Other workers, on this node or another, skip locked
// rows and do not see leased ones as due, so no two workers ever hold the same row. It then sends
// the batch through its FcmClient and acknowledges every row in one transaction, only while it
// still owns the lease: sent, pruned (dead token: the device row is deleted), failed (permanent
// error or too many attempts) or back to pending with a backoff. A worker that dies between claim
// and acknowledgement leaves its rows pending; when the lease ends they are due again and another
// worker sends them: only rows that were not acknowledged are sent again.
//
// Rows whose device is gone, or whose token now belongs to someone else, are skipped without a
// send. Quiet hours were applied when the row was written (its first due time).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"
#include "sukusuku/metrics.h"
#include "sukusuku/push/fcm.h"

namespace sukusuku::push {

struct OutboxOptions {
  std::string owner;  // unique per worker: "<node>-w<n>"
  int batch_size = 500;
  std::chrono::seconds lease{120};
  int max_attempts = 12;
};

// A claimed row, ready to send.
struct ClaimedPush {
  int64_t id = 0;
  int64_t notification_id = 0;
  int64_t user_id = 0;
  int64_t device_id = 0;
  int64_t inbox_id = 0;
  std::string token;
  std::string language;
  int attempts = 0;  // including this one
  bool urgent = false;
};

struct DeliveryStats {
  int64_t claimed = 0;
  int64_t sent = 0;
  int64_t retried = 0;  // back to pending with a backoff
  int64_t failed = 0;
  int64_t pruned = 0;   // dead tokens removed
  int64_t skipped = 0;  // device gone before sending
  int64_t lost_lease = 0;  // acknowledged too late: the row had been taken over

  DeliveryStats& operator+=(const DeliveryStats& o);
};

class OutboxWorker {
 public:
  // CLIENT may be null only for claim() (tests of leases).
  OutboxWorker(db::Database& db, const Clock& clock, std::shared_ptr<FcmClient> client,
               Metrics* metrics, OutboxOptions options);

  // Leases up to batch_size due rows to this worker (those of NOTIFICATION_ID only, when given).
  std::vector<ClaimedPush> claim(std::optional<int64_t> notification_id = std::nullopt);
  // Sends ROWS (claimed by this worker) and acknowledges each.
  DeliveryStats deliver(const std::vector<ClaimedPush>& rows);
  // claim() then deliver().
  DeliveryStats runOnce(std::optional<int64_t> notification_id = std::nullopt);

  const OutboxOptions& options() const { return options_; }

 private:
  struct Texts {
    nlohmann::json title, body;
    std::map<std::string, std::string> data;
    bool urgent = false;
  };
  const Texts& texts(int64_t notification_id);
  void loadTexts(const std::vector<ClaimedPush>& rows);

  db::Database& db_;
  const Clock& clock_;
  std::shared_ptr<FcmClient> client_;
  Metrics* metrics_;
  OutboxOptions options_;
  std::map<int64_t, Texts> texts_;  // small cache: a broadcast is one notification
  std::mt19937_64 rng_;
};

// Outbox state of one notification, for the CLI's progress line.
struct OutboxProgress {
  int64_t total = 0, pending = 0, sent = 0, failed = 0, pruned = 0, skipped = 0;
  int64_t due_later = 0;  // pending rows not due for another minute (quiet hours, backoff)
};
OutboxProgress outboxProgress(db::Connection& conn, int64_t notification_id, int64_t now_ms);

// Background workers for `sukusuku serve`: THREADS threads, each with its own FcmClient (own
// connections), sharing the token source and the rate limiter. Each loops claim/deliver and
// sleeps up to a second when there is nothing due, or until wake() (a commit that queued pushes).
class WorkerPool {
 public:
  struct Settings {
    int threads = 2;
    std::string node_id;
    OutboxOptions outbox;
    FcmOptions fcm;
  };
  WorkerPool(db::Database& db, const Clock& clock, std::shared_ptr<AccessTokenSource> tokens,
             Metrics* metrics, Settings settings);
  ~WorkerPool();
  void start();
  void stop();
  void wake();

 private:
  void loop(int index);
  db::Database& db_;
  const Clock& clock_;
  std::shared_ptr<AccessTokenSource> tokens_;
  Metrics* metrics_;
  Settings settings_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakes_ = 0;
};

}  // namespace sukusuku::push
