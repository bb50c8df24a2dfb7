// The push-notification core's one API for plugins.
//
// A plugin tells people something by calling Notifier::notify() inside its own transaction:
// the call resolves the audience to users, writes one inbox row per recipient and one outbox row
// per (recipient, device) in that same transaction. If the business write rolls back, nothing is
// stored and nothing is sent; once it commits, the outbox workers deliver every row exactly once
// (FCM HTTP v1 when credentials are configured; the in-app inbox always).
//
// Find it in start() (or in init(): the core registers it before any plugin runs):
//   auto notifier = ctx.services().find<push::Notifier>("push.notifier");
//
// Recipients see title/body in their own UI language (users.language), falling back to "ja".
// Per-category opt-outs and quiet hours are honoured for kNormal; kUrgent ignores both (closures,
// emergencies, a bill that bounced is NOT urgent). An opted-out recipient still gets the inbox
// row (the inbox is the record); only the device push is skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/db/database.h"

namespace sukusuku::push {

enum class Priority { kNormal, kUrgent };

// Who receives a notification. The union of every listed set, each person once. Every id must
// belong to Notification::municipality_id (ids of another municipality are ignored, never sent).
struct Audience {
  std::vector<int64_t> user_ids;                // these users
  std::vector<int64_t> guardians_of_children;   // users who are guardians of these children
  std::vector<int64_t> households;              // users who are guardians in these households
  std::vector<int64_t> classes;                 // guardians of children currently enrolled in these classes
  std::vector<int64_t> facilities;              // guardians of children currently enrolled in these facilities
  std::vector<int64_t> staff_of_facilities;     // staff users assigned to these facilities
  bool whole_municipality = false;              // every guardian and staff user of the municipality

  bool empty() const {
    return user_ids.empty() && guardians_of_children.empty() && households.empty() &&
           classes.empty() && facilities.empty() && staff_of_facilities.empty() &&
           !whole_municipality;
  }
};

struct Notification {
  int64_t municipality_id = 0;
  // "<owner>.<kind>", e.g. "messaging.notice", "fees.debit_failed"; the unit of opt-out.
  std::string category;
  // language -> text; "ja" is required. Title <= 200 chars, body <= 2000 chars.
  std::map<std::string, std::string> title;
  std::map<std::string, std::string> body;
  // What the phone shows instead of BODY, language -> text ("ja" required when given); empty:
  // the phone shows BODY. For secrets the inbox must not keep (a password-reset code): the inbox
  // shows BODY, and the push text is dropped once no push of it is pending.
  std::map<std::string, std::string> push_body;
  // Deep-link data for the app, string -> string (FCM `data`), e.g. {"route":"notice","id":"12"}.
  std::map<std::string, std::string> data;
  Priority priority = Priority::kNormal;
  // Groups notifications for read receipts in the sender's plugin, e.g. "messaging.notice:42".
  std::string source_ref;
  int64_t sender_user_id = 0;  // 0 for the system
};

struct NotifyResult {
  int64_t notification_id = 0;
  int64_t recipients = 0;  // inbox rows written
  int64_t pushes = 0;      // outbox rows written (devices that will get a push)
};

// Read receipts for everything sent with one source_ref ("read by 23 of 25").
struct Receipts {
  int64_t recipients = 0;
  int64_t read = 0;
  std::vector<int64_t> read_user_ids;
  std::vector<int64_t> unread_user_ids;
};

class Notifier {
 public:
  virtual ~Notifier() = default;

  // Writes inbox and outbox rows in `tx`. Throws Error(422, "push.invalid_notification") for a
  // missing category / "ja" text or an empty audience. Returns recipients == 0 when the audience
  // resolves to nobody (not an error).
  virtual NotifyResult notify(db::Tx& tx, const Notification& notification,
                              const Audience& audience) = 0;

  virtual Receipts receipts(db::Connection& conn, int64_t municipality_id,
                            const std::string& source_ref) = 0;
};

}  // namespace sukusuku::push
