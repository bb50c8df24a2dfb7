#include "sukusuku/api.h"

#include <algorithm>

#include <Poco/Logger.h>

#include "sukusuku/error.h"

namespace sukusuku::api {

namespace {

// Cursors are "c" + the last id in base 36: opaque to clients, cheap to check.
std::string encodeCursor(int64_t id) {
  static const char* kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[id % 36]);
    id /= 36;
  } while (id > 0);
  return "c" + out;
}

int64_t decodeCursor(const std::string& cursor) {
  if (cursor.size() < 2 || cursor.size() > 14 || cursor[0] != 'c') {
    throw Error::badRequest("api.invalid_cursor", "the cursor is not one this API gave out");
  }
  int64_t id = 0;
  for (size_t i = 1; i < cursor.size(); ++i) {
    char c = cursor[i];
    int d = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1);
    if (d < 0) throw Error::badRequest("api.invalid_cursor", "the cursor is not one this API gave out");
    id = id * 36 + d;
  }
  return id;
}

}  // namespace

PageRequest pageRequest(const Request& request) {
  PageRequest p;
  if (auto limit = request.queryParam("limit")) {
    try {
      size_t used = 0;
      p.limit = std::stoi(*limit, &used);
      if (used != limit->size()) throw std::invalid_argument(*limit);
    } catch (const std::exception&) {
      p.limit = 0;
    }
    if (p.limit < 1 || p.limit > 200) {
      throw Error::badRequest("api.invalid_limit", "limit must be between 1 and 200",
                              {{"min", 1}, {"max", 200}});
    }
  }
  if (auto cursor = request.queryParam("cursor"); cursor && !cursor->empty()) {
    p.after_id = decodeCursor(*cursor);
  }
  return p;
}

nlohmann::json page(nlohmann::json items, const PageRequest& request, int64_t last_id) {
  bool more = static_cast<int>(items.size()) >= request.limit;
  return {{"items", std::move(items)},
          {"next_cursor", more ? nlohmann::json(encodeCursor(last_id)) : nlohmann::json(nullptr)}};
}

void HomeFeed::add(std::string owner, Provider provider) {
  std::lock_guard lock(mu_);
  providers_.emplace_back(std::move(owner), std::move(provider));
}

std::vector<Card> HomeFeed::cardsFor(const Principal& principal, db::Connection& conn) const {
  std::vector<std::pair<std::string, Provider>> providers;
  {
    std::lock_guard lock(mu_);
    providers = providers_;
  }
  std::vector<Card> cards;
  for (const auto& [owner, provider] : providers) {
    try {
      auto more = provider(principal, conn);
      cards.insert(cards.end(), more.begin(), more.end());
    } catch (const std::exception& e) {
      Poco::Logger::get("api").error("home feed provider %s failed: %s", owner,
                                     std::string(e.what()));
    }
  }
  std::stable_sort(cards.begin(), cards.end(), [](const Card& a, const Card& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.at > b.at;
  });
  return cards;
}

}  // namespace sukusuku::api
