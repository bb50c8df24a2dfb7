#include <set>

#include "evaluation.h"
#include "profile.h"
#include "routes.h"

namespace sukusuku::eligibility_plugin {

std::vector<api::Card> homeCards(EligibilityContext& ctx, const Principal& p,
                                 db::Connection& conn) {
  if (p.household_id == 0 || !p.has("eligibility.view_own")) return {};
  const std::string today = ctx.today();
  auto profile = loadProfile(conn, p.municipality_id, p.household_id, today);
  if (!profile) return {};
  nlohmann::json evaluated;
  try {
    evaluated = evaluateJson(ctx, profile->household, today, p.language);
  } catch (const eligibility::EligibilityError&) {
    return {};  // an impossible record: nothing trustworthy to say on the home screen
  }
  std::set<std::string> applied;
  for (const auto& r : conn.query("SELECT programme FROM eligibility_applications WHERE "
                                  "household_id = ? AND municipality_id = ? AND status <> "
                                  "'rejected'",
                                  {p.household_id, p.municipality_id})) {
    applied.insert(r.getText("programme"));
  }
  nlohmann::json may_apply = nlohmann::json::array();
  nlohmann::json to_confirm = nlohmann::json::array();
  for (const auto& r : evaluated["results"]) {
    const std::string id = r["programme"];
    if (applied.count(id)) continue;
    if (r["status"] == "eligible") {
      may_apply.push_back({{"programme", id},
                           {"name", r["name"]},
                           {"monthly_amount_yen", r["monthly_amount_yen"]},
                           {"benefit_kind", r["benefit"]["kind"]}});
    } else if (r["status"] == "needs_information") {
      to_confirm.push_back({{"programme", id},
                            {"name", r["name"]},
                            {"missing_fields", r["missing_fields"]}});
    }
  }
  if (may_apply.empty() && to_confirm.empty()) return {};
  api::Card card;
  card.kind = "eligibility.may_apply";
  card.priority = 50;
  card.at = ctx.now();
  card.data = {{"title", ctx.t(p.language, "eligibility.card.title")},
               {"programmes", may_apply},
               {"needs_information", to_confirm},
               {"link", "/api/v1/eligibility/me"}};
  return {card};
}

}  // namespace sukusuku::eligibility_plugin
