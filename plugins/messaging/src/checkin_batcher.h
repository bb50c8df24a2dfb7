// Group commit for the morning rush. Guardians' own check-ins and check-outs (the
// recordGuardianMarks path) from many concurrent requests are written by one thread, many per
// transaction: while one batch is being written the next one gathers, so a quiet server writes
// each mark at once and a busy one pays one locked read, one day read, one INSERT and one COMMIT
// for up to `messaging.checkin_batch_max` marks instead of each. A request waits for its own
// batch to commit before it answers, so a 201 always means stored.
//
// Nothing about the answers changes: a mark the batch cannot take (not the caller's child, wrong
// facility, a second mark of the same child in the batch) and every mark of a batch whose
// transaction failed (after the pool's retries) come back as kAlone, and the request takes the
// one-by-one path, which gives the precise error.
//
// Metrics: sukusuku_messaging_checkin_batch_size (marks per batch),
// sukusuku_messaging_checkin_batches_failed_total (batches whose marks went one by one).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <sukusuku/metrics.h>

#include "attendance.h"

namespace sukusuku::messaging {

class CheckinBatcher {
 public:
  CheckinBatcher(Env& env, size_t max_batch);
  ~CheckinBatcher();  // stops
  CheckinBatcher(const CheckinBatcher&) = delete;
  CheckinBatcher& operator=(const CheckinBatcher&) = delete;

  // Blocks until MARK's batch committed (or failed) and returns its outcome.
  MarkOutcome submit(const GuardianMark& mark);
  // Writes what is queued and stops the writer; later submits come back kAlone at once.
  void stop();

 private:
  struct Batch {
    std::vector<const GuardianMark*> marks;
    std::vector<MarkOutcome> outcomes;
    bool done = false;
    std::condition_variable cv;
  };

  void run();
  void write(Batch& batch);

  Env& env_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::shared_ptr<Batch>> queue_;  // the back one gathers while older ones wait
  Histogram& sizes_;  // sukusuku_messaging_checkin_batch_size
  Counter& failed_;   // sukusuku_messaging_checkin_batches_failed_total
  bool stopping_ = false;
  bool writing_front_ = false;  // the writer has taken queue_.front()
  std::thread writer_;
};

}  // namespace sukusuku::messaging
