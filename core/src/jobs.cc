#include "sukusuku/jobs.h"

#include <stdexcept>

#include <Poco/Logger.h>

#include "sukusuku/metrics.h"

namespace sukusuku {

JobScheduler::JobScheduler(db::Database& db, const Clock& clock, std::string node_id,
                           Metrics* metrics)
    : db_(db), clock_(clock), node_id_(std::move(node_id)), metrics_(metrics) {}

JobScheduler::~JobScheduler() { stop(); }

void JobScheduler::add(JobSpec spec) {
  if (spec.interval.count() <= 0) throw std::logic_error("job " + spec.name + ": interval <= 0");
  for (const auto& j : jobs_) {
    if (j.name == spec.name) throw std::logic_error("job registered twice: " + spec.name);
  }
  jobs_.push_back(std::move(spec));
}

bool JobScheduler::tryLease(const JobSpec& job, int64_t period_start, int64_t now) {
  return db_.transaction([&](db::Tx& tx) {
    tx.execute(db_.dialect().insertIgnore(
                   "job_leases", {"name", "owner", "lease_until", "last_period", "runs"}),
               {job.name, "", 0, -1, 0});
    // One conditional update decides the winner: the period has not run and no live lease.
    auto r = tx.execute(
        "UPDATE job_leases SET owner = ?, lease_until = ?, last_period = ? "
        "WHERE name = ? AND last_period < ? AND lease_until <= ?",
        {node_id_, now + job.lease.count(), period_start, job.name, period_start, now});
    return r.affected_rows == 1;
  });
}

void JobScheduler::finish(const JobSpec& job, int64_t period_start, bool ok) {
  try {
    db_.transaction([&](db::Tx& tx) {
      if (ok) {
        tx.execute(
            "UPDATE job_leases SET lease_until = 0, runs = runs + 1, last_finished_at = ? "
            "WHERE name = ? AND owner = ? AND last_period = ?",
            {formatUtc(clock_.now()), job.name, node_id_, period_start});
      } else {
        // A failed period may be retried at the next tick by any node.
        tx.execute(
            "UPDATE job_leases SET lease_until = 0, last_period = last_period - 1, "
            "failures = failures + 1 WHERE name = ? AND owner = ? AND last_period = ?",
            {job.name, node_id_, period_start});
      }
    });
  } catch (const std::exception& e) {
    Poco::Logger::get("jobs").error("cannot release lease of %s: %s", job.name,
                                    std::string(e.what()));
  }
}

int JobScheduler::runDue() {
  int ran = 0;
  for (const auto& job : jobs_) {
    int64_t now = clock_.nowSeconds();
    int64_t interval = job.interval.count();
    int64_t period_start = now - (now % interval);
    bool won = false;
    try {
      won = tryLease(job, period_start, now);
    } catch (const std::exception& e) {
      Poco::Logger::get("jobs").warning("lease for %s failed: %s", job.name,
                                        std::string(e.what()));
      continue;
    }
    if (!won) continue;
    bool ok = true;
    try {
      job.run(TimePoint(std::chrono::seconds(period_start)));
    } catch (const std::exception& e) {
      ok = false;
      Poco::Logger::get("jobs").error("job %s failed: %s", job.name, std::string(e.what()));
    }
    finish(job, period_start, ok);
    if (metrics_) {
      metrics_
          ->counter("sukusuku_job_runs_total", "Periodic job runs on this node",
                    {{"job", job.name}, {"result", ok ? "ok" : "error"}})
          .inc();
    }
    ++ran;
  }
  return ran;
}

void JobScheduler::start(std::chrono::milliseconds tick) {
  if (thread_.joinable() || jobs_.empty()) return;
  stopping_ = false;
  thread_ = std::thread([this, tick] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      runDue();
      lock.lock();
      cv_.wait_for(lock, tick, [this] { return stopping_; });
    }
  });
}

void JobScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sukusuku
