#include "checkin_batcher.h"

#include <Poco/Logger.h>

namespace sukusuku::messaging {

CheckinBatcher::CheckinBatcher(Env& env, size_t max_batch)
    : env_(env),
      max_batch_(std::max<size_t>(1, max_batch)),
      sizes_(env.ctx->metrics().histogram("sukusuku_messaging_checkin_batch_size",
                                          "Guardians' check-ins/outs written per transaction", {},
                                          {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      failed_(env.ctx->metrics().counter(
          "sukusuku_messaging_checkin_batches_failed_total",
          "Check-in batches whose transaction failed; their marks went one by one")),
      writer_([this] { run(); }) {}

CheckinBatcher::~CheckinBatcher() { stop(); }

void CheckinBatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  if (writer_.joinable()) writer_.join();
}

MarkOutcome CheckinBatcher::submit(const GuardianMark& mark) {
  std::unique_lock lock(mu_);
  if (stopping_) return MarkOutcome{};
  if (queue_.empty() || queue_.back()->marks.size() >= max_batch_ ||
      // the front batch may be being written: never add to it
      (queue_.size() == 1 && writing_front_)) {
    queue_.push_back(std::make_shared<Batch>());
  }
  std::shared_ptr<Batch> batch = queue_.back();
  size_t index = batch->marks.size();
  batch->marks.push_back(&mark);
  work_.notify_one();
  batch->cv.wait(lock, [&] { return batch->done; });
  return std::move(batch->outcomes.at(index));
}

void CheckinBatcher::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::shared_ptr<Batch> batch = queue_.front();
    writing_front_ = true;
    lock.unlock();
    write(*batch);
    lock.lock();
    writing_front_ = false;
    queue_.pop_front();
    sizes_.observe(static_cast<double>(batch->marks.size()));
    if (batch->outcomes.size() != batch->marks.size()) failed_.inc();
    batch->outcomes.resize(batch->marks.size());  // a failed batch: every mark kAlone
    batch->done = true;
    batch->cv.notify_all();
  }
}

void CheckinBatcher::write(Batch& batch) {
  std::vector<GuardianMark> marks;
  marks.reserve(batch.marks.size());
  for (const GuardianMark* m : batch.marks) marks.push_back(*m);
  const std::string now = formatUtc(env_.clock->now());
  try {
    batch.outcomes = env_.db->transaction(
        [&](db::Tx& tx) { return recordGuardianMarks(env_, tx, marks, now); });
  } catch (const std::exception& e) {
    // Each mark takes the one-by-one path, which answers it precisely (a unique-key race there
    // is a 409, a dead database a 503).
    batch.outcomes.clear();
    Poco::Logger::get("messaging").warning("a batch of %z check-ins went one by one: %s",
                                           marks.size(), std::string(e.what()));
  }
}

}  // namespace sukusuku::messaging
