// The Notifier the push core provides as "push.notifier": audience resolution and the inbox and
// outbox writes, all in the caller's transaction.
#pragma once

#include <functional>
#include <memory>

#include "sukusuku/clock.h"
#include "sukusuku/metrics.h"
#include "sukusuku/push/notifier.h"

namespace sukusuku::push {

// Limits of one notification, checked before anything is written.
inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxBodyChars = 2000;
inline constexpr size_t kMaxDataBytes = 2048;
inline constexpr size_t kMaxCategoryBytes = 64;
inline constexpr size_t kMaxSourceRefBytes = 200;

class SqlNotifier final : public Notifier {
 public:
  // METRICS may be null. Without PUSH_ENABLED (no FCM credentials) only the inbox is written.
  // ON_QUEUED, when set, runs after a commit that queued pushes (to wake the outbox workers).
  SqlNotifier(const Clock& clock, Metrics* metrics, bool push_enabled = true,
              std::function<void()> on_queued = {});

  NotifyResult notify(db::Tx& tx, const Notification& notification,
                      const Audience& audience) override;
  Receipts receipts(db::Connection& conn, int64_t municipality_id,
                    const std::string& source_ref) override;

  // Throws Error 422 push.invalid_notification naming the first problem.
  static void validate(const Notification& notification, const Audience& audience);

 private:
  const Clock& clock_;
  Counter* queued_ = nullptr;
  Counter* notified_ = nullptr;
  bool push_enabled_;
  std::function<void()> on_queued_;
};

}  // namespace sukusuku::push
