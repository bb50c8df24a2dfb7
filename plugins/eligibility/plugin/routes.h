// The eligibility plugin's wiring pieces, each in its own file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sukusuku/api.h>
#include <sukusuku/plugin.h>

#include "context.h"

namespace sukusuku::eligibility_plugin {

// Guardian (and city) JSON routes under /api/v1/eligibility (api_routes.cc).
void addApiRoutes(PluginContext& plugin, std::shared_ptr<EligibilityContext> ctx);
// City officer pages under /web/eligibility (web_routes.cc).
void addWebRoutes(PluginContext& plugin, std::shared_ptr<EligibilityContext> ctx);

// The guardian's own household evaluated today, texts in the guardian's language, with the
// household's application per programme: {"date","household","results":[…]}.
nlohmann::json evaluateOwnHousehold(EligibilityContext& ctx, db::Connection& conn,
                                    const Principal& guardian);
// The home-feed card "eligibility.may_apply": the programmes the family may apply for and has
// not applied for yet; no card when there are none (home_card.cc).
std::vector<api::Card> homeCards(EligibilityContext& ctx, const Principal& p,
                                 db::Connection& conn);

// A city officer records a birth in a household of their municipality (households.cc): adds the
// child to the identity core's children and publishes "child.born". FIELDS: given_name,
// given_name_kana, birth_date (YYYY-MM-DD, not in the future, at most a year ago), sex.
// Returns the child id; 422 "eligibility.birth_invalid" naming the field.
int64_t recordBirth(EligibilityContext& ctx, const Principal& officer, int64_t household_id,
                    const std::map<std::string, std::string>& fields,
                    const std::string& request_id);

// Demo data (demo.cc): supporting shops around すくすく市 and となり町, a household expecting
// a baby (login family@demo.sukusuku.jp when HASH is given), and the baseline of what demo
// households are already eligible for. Does nothing when the demo shops already exist.
void seedDemo(EligibilityContext& ctx, const std::function<std::string(const std::string&)>& hash);

}  // namespace sukusuku::eligibility_plugin
