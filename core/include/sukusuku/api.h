// Conventions of the guardian JSON API under /api/v1, for the core and plugins alike.
//
// - Errors: the envelope {"error":{"code","message","details"}} (sukusuku::Error).
// - Lists: cursor pagination. `?limit=` (1..200, default 50) and `?cursor=` (opaque, from the
//   previous page's "next_cursor"); the answer is {"items":[…],"next_cursor":"…"|null}. Cursors
//   encode the last id seen, so pages stay stable while rows are added.
// - POST with an `Idempotency-Key` header (1..128 printable ASCII): a retry with the same key
//   and body gets the first answer again, without running twice; the same key with another
//   body is 422 idempotency.key_reused; a retry while the first is still running is 409
//   idempotency.in_progress. Keys are kept 24 hours, per user.
// - Reads: every 200 GET carries a strong ETag; If-None-Match answers 304.
// - Home feed: plugins add cards through the "api.home_feed" service (HomeFeed below).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/db/database.h"
#include "sukusuku/http.h"

namespace sukusuku::api {

struct PageRequest {
  int limit = 50;
  int64_t after_id = 0;  // 0: from the start
};

// Throws Error 400 "api.invalid_cursor" / "api.invalid_limit".
PageRequest pageRequest(const Request& request);
// {"items": ITEMS, "next_cursor": cursor after LAST_ID, or null when ITEMS has fewer than
// limit entries}.
nlohmann::json page(nlohmann::json items, const PageRequest& request, int64_t last_id);

// A card on the app's home screen.
struct Card {
  std::string kind;        // "messaging.unread_notices", "fees.statement_due"
  int priority = 100;      // lower first
  std::string at;          // UTC time the card is about, newest first within a priority
  nlohmann::json data = nlohmann::json::object();
};

class HomeFeed {
 public:
  using Provider = std::function<std::vector<Card>(const Principal&, db::Connection&)>;
  void add(std::string owner, Provider provider);
  // Every provider's cards for PRINCIPAL, ordered; a provider that throws is left out and logged.
  std::vector<Card> cardsFor(const Principal& principal, db::Connection& conn) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Provider>> providers_;
};

}  // namespace sukusuku::api
