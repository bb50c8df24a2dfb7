// 子育て応援団: shops that offer something to families with children, found nearest-first from
// the phone's position.
//
// Search: a bounding box around the position (radius_m converted to degrees of latitude and
// longitude) narrows the rows in SQL on the (municipality_id, lat, lon) index; the exact
// great-circle distance (haversine, mean Earth radius 6,371,008.8 m) then filters to the circle
// and orders the page. Pages are cursor-paged as the API conventions say; the cursor is the
// number of shops already returned, since the order is by distance, not id.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include <sukusuku/http.h>

#include "context.h"

namespace sukusuku::eligibility_plugin {

// Metres between two WGS84 positions (haversine).
double distanceMetres(double lat1, double lon1, double lat2, double lon2);

// GET /api/v1/eligibility/shops?lat=&lon=&radius_m=&category=&limit=&cursor= for the caller's
// municipality. 422 "eligibility.invalid_position" for a latitude, longitude or radius out of
// range (radius 1..50,000 m, default 3,000).
nlohmann::json searchShops(EligibilityContext& ctx, const Request& request);

// Adds a shop to the officer's municipality; 422 "eligibility.shop_invalid" naming the field.
// FIELDS: name, category, offer, address, lat, lon (as text, from a form or JSON).
int64_t addShop(EligibilityContext& ctx, const Principal& officer,
                const std::map<std::string, std::string>& fields, const std::string& request_id);

// The municipality's shops for the admin page, by name.
nlohmann::json listShops(EligibilityContext& ctx, int64_t municipality_id);

const std::vector<std::string>& shopCategories();

}  // namespace sukusuku::eligibility_plugin
