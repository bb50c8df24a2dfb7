// The outbox workers: from committed push_outbox rows to FCM, each row sent once.
//
// A worker claims a batch of due rows (urgent first, then by due time) in one short transaction:
// it locks them with SELECT … FOR UPDATE SKIP LOCKED (MariaDB/MySQL; SQLite has one writer, so a
// plain SELECT in its write transaction is enough), then leases them to itself by moving their
// next_attempt_ms to the end of the lease. Other workers, on this node or another, skip locked
// rows and do not see leased ones as due, so no two workers ever hold the same row. It then sends
// the batch through its FcmClient and acknowledges each row as its answer arrives (answers are
// grouped into small commits: OutboxOptions::ack_batch answers or ack_delay, whichever first),
// only while it still owns the lease: sent, pruned (dead token: the device row is deleted),
// failed (permanent error or too many attempts) or back to pending with a backoff. A worker that
// dies mid-batch leaves its unacknowledged rows pending; when the lease ends they are due again
// and another worker sends them: only rows whose answer was not committed are sent again.
//
// The one window left: a message FCM accepted whose acknowledgement was not committed when the
// worker died (answered within the last ack_delay, 5 ms by default, or in the commit under way)
// is sent again, so that device may get it twice. A send whose answer never arrived is sent again
// too; FCM may or may not have delivered it (nothing on the client can tell).
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
#include <functional>
#include <mutex>
#include <unordered_map>
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
  // Answers are acknowledged in small commits: when ack_batch of them wait, or the oldest has
  // waited ack_delay (see deliver()).
  int ack_batch = 200;
  std::chrono::milliseconds ack_delay{5};
  // Called after each acknowledgement commit with the totals so far (tests simulate a crash
  // mid-batch by throwing from it).
  std::function<void(const struct DeliveryStats&)> after_ack;
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
  // Sends ROWS (claimed by this worker) and acknowledges each as its answer arrives, in small
  // commits (OutboxOptions::ack_batch / ack_delay). If the worker dies mid-batch, the rows whose
  // answer was committed stay done; the others are sent again when their lease ends. The only
  // message that can reach a device twice is one FCM accepted whose acknowledgement was not yet
  // committed (at most ack_batch rows, answered within the last ack_delay).
  DeliveryStats deliver(const std::vector<ClaimedPush>& rows);
  // claim() then deliver().
  DeliveryStats runOnce(std::optional<int64_t> notification_id = std::nullopt);

  const OutboxOptions& options() const { return options_; }

 private:
  struct Texts {
    nlohmann::json title, body;
    nlohmann::json push_body;  // what the phone shows instead of body (a reset code), or null
    std::map<std::string, std::string> data;
    bool urgent = false;
  };
  const Texts& texts(int64_t notification_id);
  // One commit: RESULTS (answers) and SKIPPED (row ids whose device is gone).
  DeliveryStats acknowledge(const std::vector<FcmResult>& results,
                            const std::vector<int64_t>& skipped,
                            const std::unordered_map<int64_t, const ClaimedPush*>& by_id);
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
// COUNT_DUE_LATER: also count due_later (a look at every pending row: costly while a broadcast
// of 100,000 is under way, so the CLI asks only once its senders find nothing due).
OutboxProgress outboxProgress(db::Connection& conn, int64_t notification_id, int64_t now_ms,
                              bool count_due_later = true);

// The project's FCM quota (push.fcm.rate_per_minute) shared by every node that sends: each
// writes a heartbeat row (push_nodes) and sets its LIMITER to quota / (nodes whose heartbeat is
// at most `live` old). A node that stops leaves (deletes its row); one that dies drops out when
// its heartbeat is older than `live`. Between heartbeats the shares may add up to a little more
// than the quota for a few seconds while a node joins (every node re-reads on its next beat).
class QuotaShare {
 public:
  QuotaShare(db::Database& db, const Clock& clock, std::string node_id, double quota_per_minute,
             std::shared_ptr<RateLimiter> limiter,
             std::chrono::milliseconds live = std::chrono::seconds(15));
  // Writes this node's heartbeat and sets the limiter to its share; returns the share (per
  // minute) and the number of live nodes counted.
  std::pair<double, int> heartbeat();
  void leave();
  static constexpr std::chrono::seconds kInterval{5};

 private:
  db::Database& db_;
  const Clock& clock_;
  std::string node_id_;
  double quota_;
  std::shared_ptr<RateLimiter> limiter_;
  std::chrono::milliseconds live_;
};

// Background workers for `sukusuku serve`: THREADS threads, each with its own FcmClient (own
// connections), sharing the token source and the rate limiter. Each loops claim/deliver and
// sleeps up to a second when there is nothing due, or until wake() (a commit that queued pushes).
class WorkerPool {
 public:
  struct Settings {
    int threads = 2;
    std::string node_id;
    OutboxOptions outbox;
    FcmOptions fcm;  // fcm.limiter: this node's limiter, set to its share of quota_per_minute
    double quota_per_minute = 0;  // the whole project's (all nodes); 0: no limit
  };
  WorkerPool(db::Database& db, const Clock& clock, std::shared_ptr<AccessTokenSource> tokens,
             Metrics* metrics, Settings settings);
  ~WorkerPool();
  void start();
  void stop();
  void wake();

 private:
  void loop(int index);
  void beat();
  db::Database& db_;
  const Clock& clock_;
  std::shared_ptr<AccessTokenSource> tokens_;
  Metrics* metrics_;
  Settings settings_;
  std::vector<std::thread> threads_;
  std::unique_ptr<QuotaShare> quota_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakes_ = 0;
};

}  // namespace sukusuku::push
