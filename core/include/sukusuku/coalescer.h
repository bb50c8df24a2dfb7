// Concurrent look-ups of single keys coalesced into batched fetches (leader/follower).
//
// A caller that finds fewer than MAX_PARALLEL fetches running becomes a leader at once and
// fetches, on its own thread, every key queued so far (its own included) in one call of FETCH.
// Callers arriving while MAX_PARALLEL fetches run queue their keys for the next fetch, whose
// leader is one of them (woken when a running fetch ends). So a quiet server fetches each key
// at once with no hand-off, and a busy one answers up to MAX_KEYS callers with one round trip.
//
// FETCH returns the values of the keys it found; a key it did not return gets Value{}. When
// FETCH throws, every caller of that round gets the exception. Callers asking for the same key
// in one round each get a copy of its value.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sukusuku {

template <class Key, class Value>
class Coalescer {
 public:
  using Values = std::unordered_map<Key, Value>;
  using Fetch = std::function<Values(const std::vector<Key>&)>;

  Coalescer(Fetch fetch, size_t max_keys, size_t max_parallel)
      : fetch_(std::move(fetch)),
        max_keys_(max_keys ? max_keys : 1),
        max_parallel_(max_parallel ? max_parallel : 1) {}

  Value get(const Key& key) {
    std::unique_lock lock(mu_);
    if (!open_ || open_->keys.size() >= max_keys_) {
      if (open_) full_.push_back(std::move(open_));  // led by the next free leaders, in order
      open_ = std::make_shared<Round>();
    }
    std::shared_ptr<Round> round = open_;
    round->keys.push_back(key);
    round->cv.wait(lock, [&] { return round->done || mayLead(round); });
    if (!round->done) {
      lead(lock, round);
    }
    if (round->error) std::rethrow_exception(round->error);
    auto it = round->values.find(key);
    return it == round->values.end() ? Value{} : it->second;
  }

 private:
  struct Round {
    std::vector<Key> keys;
    Values values;
    std::exception_ptr error;
    bool taken = false;
    bool done = false;
    std::condition_variable cv;
  };

  // The oldest waiting round may be led when a leader's place is free.
  bool mayLead(const std::shared_ptr<Round>& round) const {
    if (round->taken || running_ >= max_parallel_) return false;
    return full_.empty() ? round == open_ : round == full_.front();
  }

  void lead(std::unique_lock<std::mutex>& lock, const std::shared_ptr<Round>& round) {
    round->taken = true;
    if (!full_.empty() && full_.front() == round) {
      full_.erase(full_.begin());
    } else {
      open_.reset();
    }
    ++running_;
    lock.unlock();
    Values values;
    std::exception_ptr error;
    try {
      values = fetch_(round->keys);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    --running_;
    round->values = std::move(values);
    round->error = error;
    round->done = true;
    round->cv.notify_all();
    // Hand the free place to the next waiting round.
    const std::shared_ptr<Round>& next = full_.empty() ? open_ : full_.front();
    if (next) next->cv.notify_all();
  }

  Fetch fetch_;
  const size_t max_keys_;
  const size_t max_parallel_;
  std::mutex mu_;
  std::shared_ptr<Round> open_;               // gathering keys
  std::vector<std::shared_ptr<Round>> full_;  // full, waiting for a leader, oldest first
  size_t running_ = 0;
};

}  // namespace sukusuku
