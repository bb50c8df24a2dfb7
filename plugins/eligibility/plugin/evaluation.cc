#include "evaluation.h"

namespace sukusuku::eligibility_plugin {

nlohmann::json localize(const nlohmann::ordered_json& results, const std::string& language) {
  const std::string lang = language == "en" ? "en" : "ja";
  nlohmann::json out = {{"date", results["date"]}, {"results", nlohmann::json::array()}};
  for (const auto& r : results["results"]) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& reason : r["reasons"]) {
      reasons.push_back({{"condition", reason["condition"]},
                         {"outcome", reason["outcome"]},
                         {"text", reason[lang]}});
    }
    out["results"].push_back({{"programme", r["programme"]},
                              {"name", r["name"][lang]},
                              {"status", r["status"]},
                              {"monthly_amount_yen", r["monthly_amount_yen"]},
                              {"benefit", {{"kind", r["benefit"]["kind"]},
                                           {"text", r["benefit"][lang]}}},
                              {"reasons", std::move(reasons)},
                              {"missing_fields", r["missing_fields"]},
                              {"facts", nlohmann::json::parse(r["facts"].dump())},
                              {"parameters", nlohmann::json::parse(r["parameters"].dump())}});
  }
  return out;
}

nlohmann::json evaluateJson(const EligibilityContext& ctx, const nlohmann::json& household_json,
                            const std::string& date, const std::string& language) {
  const auto day = eligibility::parseDate(date);
  if (!day) {
    throw eligibility::EligibilityError(eligibility::kInvalidDate, "not a date: " + date);
  }
  const eligibility::Household household = eligibility::householdFromJson(household_json);
  return localize(ctx.rules.resultsToJson(*day, ctx.rules.evaluate(household, *day)), language);
}

}  // namespace sukusuku::eligibility_plugin
