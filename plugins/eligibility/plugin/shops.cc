#include "shops.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <sukusuku/api.h>
#include <sukusuku/error.h>

namespace sukusuku::eligibility_plugin {

namespace {

constexpr double kEarthRadius = 6371008.8;
constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxRadius = 50000;

double radians(double deg) { return deg * kPi / 180.0; }

[[noreturn]] void invalidPosition(const std::string& field, const std::string& message) {
  throw Error::invalid("eligibility.invalid_position", message, {{"field", field}});
}

double number(const Request& r, const std::string& name, std::optional<double> fallback,
              double min, double max) {
  auto text = r.queryParam(name);
  if (!text || text->empty()) {
    if (fallback) return *fallback;
    invalidPosition(name, name + " is required");
  }
  try {
    size_t used = 0;
    double v = std::stod(*text, &used);
    if (used != text->size() || !std::isfinite(v)) throw std::invalid_argument(name);
    if (v < min || v > max) invalidPosition(name, name + " is out of range");
    return v;
  } catch (const std::logic_error&) {
    invalidPosition(name, name + " must be a number");
  }
}

}  // namespace

const std::vector<std::string>& shopCategories() {
  static const std::vector<std::string> kCategories = {"food",     "shopping", "health",
                                                       "play",     "learning", "other"};
  return kCategories;
}

double distanceMetres(double lat1, double lon1, double lat2, double lon2) {
  const double dlat = radians(lat2 - lat1);
  const double dlon = radians(lon2 - lon1);
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(radians(lat1)) * std::cos(radians(lat2)) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

nlohmann::json searchShops(EligibilityContext& ctx, const Request& r) {
  const Principal& p = r.user();
  const double lat = number(r, "lat", std::nullopt, -90, 90);
  const double lon = number(r, "lon", std::nullopt, -180, 180);
  const double radius = number(r, "radius_m", 3000.0, 1, kMaxRadius);
  const api::PageRequest page = api::pageRequest(r);
  std::string category = r.queryParam("category").value_or("");
  if (!category.empty() && std::find(shopCategories().begin(), shopCategories().end(),
                                     category) == shopCategories().end()) {
    throw Error::invalid("eligibility.invalid_category", "unknown category",
                         {{"field", "category"}});
  }
  // The box that holds the circle. Near the poles or across ±180° the box would wrap; Japan
  // is nowhere near either, so the longitude span is clamped rather than wrapped.
  const double dlat = radius / kEarthRadius * 180.0 / kPi;
  const double coslat = std::max(0.01, std::cos(radians(lat)));
  const double dlon = std::min(180.0, dlat / coslat);
  db::Params params = {p.municipality_id, lat - dlat, lat + dlat, lon - dlon, lon + dlon};
  std::string where;
  if (!category.empty()) {
    where = " AND category = ?";
    params.emplace_back(category);
  }
  auto conn = ctx.db->acquire();
  auto rows = conn->query(
      "SELECT id, name, category, offer, address, lat, lon FROM eligibility_shops WHERE "
      "municipality_id = ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?" + where,
      params);
  struct Hit {
    double distance;
    int64_t id;
    const db::Row* row;
  };
  std::vector<Hit> hits;
  for (const auto& row : rows) {
    double d = distanceMetres(lat, lon, row.getReal("lat"), row.getReal("lon"));
    if (d <= radius) hits.push_back({d, row.getInt("id"), &row});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  const size_t from = static_cast<size_t>(std::min<int64_t>(page.after_id, hits.size()));
  const size_t to = std::min(hits.size(), from + static_cast<size_t>(page.limit));
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = from; i < to; ++i) {
    const db::Row& row = *hits[i].row;
    items.push_back({{"id", hits[i].id},
                     {"name", row.getText("name")},
                     {"category", row.getText("category")},
                     {"offer", row.getText("offer")},
                     {"address", row.getText("address")},
                     {"lat", row.getReal("lat")},
                     {"lon", row.getReal("lon")},
                     {"distance_m", static_cast<int64_t>(std::lround(hits[i].distance))}});
  }
  nlohmann::json out = api::page(std::move(items), page, static_cast<int64_t>(to));
  if (to >= hits.size()) out["next_cursor"] = nullptr;
  return out;
}

int64_t addShop(EligibilityContext& ctx, const Principal& officer,
                const std::map<std::string, std::string>& fields, const std::string& request_id) {
  auto get = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  auto invalid = [](const char* field, const std::string& message) {
    return Error::invalid("eligibility.shop_invalid", message, {{"field", field}});
  };
  std::string name = get("name"), category = get("category"), offer = get("offer"),
              address = get("address");
  if (name.empty() || name.size() > 200) throw invalid("name", "name is required (≤ 200)");
  if (std::find(shopCategories().begin(), shopCategories().end(), category) ==
      shopCategories().end()) {
    throw invalid("category", "unknown category");
  }
  if (offer.empty() || offer.size() > 2000) throw invalid("offer", "offer is required");
  if (address.size() > 250) throw invalid("address", "address is too long");
  auto coordinate = [&](const char* field, double min, double max) {
    std::string text = get(field);
    try {
      size_t used = 0;
      double v = std::stod(text, &used);
      if (used == text.size() && std::isfinite(v) && v >= min && v <= max) return v;
    } catch (const std::logic_error&) {
    }
    throw invalid(field, std::string(field) + " must be a number in range");
  };
  double lat = coordinate("lat", -90, 90);
  double lon = coordinate("lon", -180, 180);
  return ctx.db->transaction([&](db::Tx& tx) {
    int64_t id = tx.execute("INSERT INTO eligibility_shops (municipality_id, name, category, "
                            "offer, address, lat, lon, created_by_user_id, created_at) VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            {officer.municipality_id, name, category, offer, address, lat, lon,
                             officer.user_id, ctx.now()})
                     .last_insert_id;
    ctx.audit->record(tx, AuditEntry{.municipality_id = officer.municipality_id,
                                     .actor_user_id = officer.user_id,
                                     .actor_role = officer.role,
                                     .action = "eligibility.shop.added",
                                     .target_type = "eligibility_shop",
                                     .target_id = std::to_string(id),
                                     .details = {{"name", name}},
                                     .request_id = request_id});
    return id;
  });
}

nlohmann::json listShops(EligibilityContext& ctx, int64_t municipality_id) {
  auto conn = ctx.db->acquire();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : conn->query("SELECT id, name, category, offer, address, lat, lon FROM "
                                   "eligibility_shops WHERE municipality_id = ? ORDER BY name, id",
                                   {municipality_id})) {
    out.push_back({{"id", r.getInt("id")},
                   {"name", r.getText("name")},
                   {"category", r.getText("category")},
                   {"offer", r.getText("offer")},
                   {"address", r.getText("address")},
                   {"lat", r.getReal("lat")},
                   {"lon", r.getReal("lon")}});
  }
  return out;
}

}  // namespace sukusuku::eligibility_plugin
