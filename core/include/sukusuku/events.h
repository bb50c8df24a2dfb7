// In-process domain events ("attendance.checked_out", "household.changed", "invoice.overdue").
//
// Plugins never call each other: one publishes, others subscribe. An event published inside a
// transaction is delivered only after that transaction commits (never for a rollback), so a
// subscriber never sees a change that did not happen. Delivery is synchronous on the publishing
// thread, in subscription order; a subscriber that throws is logged and does not stop the others.
// Subscribers must be quick and thread-safe: heavy work belongs in a job or the outbox.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/db/database.h"

namespace sukusuku {

struct Event {
  std::string type;             // "household.changed"
  int64_t municipality_id = 0;  // the tenant it concerns
  nlohmann::json payload = nlohmann::json::object();
};

class EventBus {
 public:
  using Subscriber = std::function<void(const Event&)>;

  // `owner` names the subscriber in logs ("core", a plugin name).
  void subscribe(const std::string& type, const std::string& owner, Subscriber fn);
  // Delivers after `tx` commits.
  void publish(db::Tx& tx, Event event);
  // Delivers now (for events that do not belong to a transaction).
  void publishNow(const Event& event);

  int64_t deliveredCount() const;
  int64_t failedCount() const;

 private:
  struct Entry {
    std::string owner;
    Subscriber fn;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Entry>> subscribers_;
  int64_t delivered_ = 0;
  int64_t failed_ = 0;
};

}  // namespace sukusuku
