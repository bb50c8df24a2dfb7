// Periodic jobs that run once per period across all app nodes.
//
// A job's periods are aligned to the epoch (every 60 s means at :00 of each minute, UTC). Before
// running a period a node takes the job's lease row in `job_leases` with one conditional UPDATE;
// only the node whose update changed the row runs it, so with several nodes each period runs
// once. A lease expires (lease_seconds) so that a node that dies mid-run does not block the job
// forever; the next period then runs elsewhere. Jobs read time from the injected Clock, so tests
// drive the scheduler by moving a ManualClock and calling runDue().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"

namespace sukusuku {

class Metrics;

struct JobSpec {
  std::string name;  // unique, "messaging.non_arrival_alerts"
  std::chrono::seconds interval{60};
  std::chrono::seconds lease{300};  // longer than the job ever takes
  std::function<void(TimePoint period_start)> run;
  std::string owner = {};  // filled in by the host
};

class JobScheduler {
 public:
  JobScheduler(db::Database& db, const Clock& clock, std::string node_id, Metrics* metrics);
  ~JobScheduler();

  // Throws std::logic_error for a duplicate name or a non-positive interval.
  void add(JobSpec spec);
  const std::vector<JobSpec>& jobs() const { return jobs_; }

  // Runs every job whose current period has not run yet and whose lease this node wins.
  // Returns how many ran here. A job that throws is logged and counted; its lease is released.
  int runDue();

  // A background thread that calls runDue() every `tick`.
  void start(std::chrono::milliseconds tick = std::chrono::milliseconds(1000));
  void stop();

 private:
  bool tryLease(const JobSpec& job, int64_t period_start, int64_t now);
  void finish(const JobSpec& job, int64_t period_start, bool ok);

  db::Database& db_;
  const Clock& clock_;
  std::string node_id_;
  Metrics* metrics_;
  std::vector<JobSpec> jobs_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace sukusuku
