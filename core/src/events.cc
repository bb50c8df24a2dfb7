#include "sukusuku/events.h"

#include <Poco/Logger.h>

namespace sukusuku {

void EventBus::subscribe(const std::string& type, const std::string& owner, Subscriber fn) {
  std::lock_guard lock(mu_);
  subscribers_[type].push_back({owner, std::move(fn)});
}

void EventBus::publish(db::Tx& tx, Event event) {
  tx.afterCommit([this, event = std::move(event)] { publishNow(event); });
}

void EventBus::publishNow(const Event& event) {
  std::vector<Entry> targets;
  {
    std::lock_guard lock(mu_);
    auto it = subscribers_.find(event.type);
    if (it == subscribers_.end()) return;
    targets = it->second;
  }
  for (const auto& entry : targets) {
    try {
      entry.fn(event);
      std::lock_guard lock(mu_);
      ++delivered_;
    } catch (const std::exception& e) {
      Poco::Logger::get("events").error("subscriber %s failed on %s: %s", entry.owner, event.type,
                                        std::string(e.what()));
      std::lock_guard lock(mu_);
      ++failed_;
    }
  }
}

int64_t EventBus::deliveredCount() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

int64_t EventBus::failedCount() const {
  std::lock_guard lock(mu_);
  return failed_;
}

}  // namespace sukusuku
