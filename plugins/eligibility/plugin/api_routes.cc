#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "applications.h"
#include "evaluation.h"
#include "profile.h"
#include "routes.h"
#include "shops.h"

namespace sukusuku::eligibility_plugin {

nlohmann::json evaluateOwnHousehold(EligibilityContext& ctx, db::Connection& conn,
                                    const Principal& p) {
  if (p.household_id == 0) {
    throw Error::notFound("eligibility.household_not_found", "you are not in a household");
  }
  const std::string today = ctx.today();
  tenancy::requireHousehold(conn, p, p.household_id, today);
  auto profile = loadProfile(conn, p.municipality_id, p.household_id, today);
  if (!profile) throw Error::notFound("eligibility.household_not_found", "no household");
  nlohmann::json out;
  try {
    out = evaluateJson(ctx, profile->household, today, p.language);
  } catch (const eligibility::EligibilityError& e) {
    // The city's record is impossible (e.g. a birth date in the future): say so, do not guess.
    throw Error::invalid(e.code(), e.what(), e.details());
  }
  out["household"] = profile->household;
  nlohmann::json children = nlohmann::json::array();
  for (const auto& c : profile->children) {
    children.push_back({{"id", c.id}, {"name", c.name}, {"birth_date", c.birth_date}});
  }
  out["household"]["children_ids"] = children;
  // The family's latest application per programme, so the app can show "applied" instead of
  // offering to apply again.
  std::map<std::string, nlohmann::json> latest;
  for (const auto& r : conn.query("SELECT id, programme, status FROM eligibility_applications "
                                  "WHERE household_id = ? AND municipality_id = ? ORDER BY id",
                                  {p.household_id, p.municipality_id})) {
    latest[r.getText("programme")] = {{"id", r.getInt("id")}, {"status", r.getText("status")}};
  }
  for (auto& r : out["results"]) {
    auto it = latest.find(r["programme"].get<std::string>());
    r["application"] = it == latest.end() ? nlohmann::json(nullptr) : it->second;
  }
  return out;
}

void addApiRoutes(PluginContext& plugin, std::shared_ptr<EligibilityContext> ctx) {
  plugin.addRoute({"GET", "/api/v1/eligibility/me", "eligibility.view_own", [ctx](Request& r) {
                     auto conn = ctx->db->acquire();
                     return Response::json(evaluateOwnHousehold(*ctx, *conn, r.user()));
                   }});

  plugin.addRoute({"GET", "/api/v1/eligibility/programmes", kAuthenticated, [ctx](Request& r) {
                     const std::string& lang = r.user().language;
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& p : ctx->rules.programmes()) {
                       items.push_back({{"programme", p.id},
                                        {"name", pick(p.name, lang)},
                                        {"scope", p.scope},
                                        {"benefit", {{"kind", p.benefit_kind},
                                                     {"text", pick(p.benefit, lang)}}},
                                        {"answerable_fields", answerableFields()}});
                     }
                     return Response::json({{"items", items}});
                   }});

  plugin.addRoute({"POST", "/api/v1/eligibility/applications", "eligibility.apply",
                   [ctx](Request& r) {
                     return Response::json(
                         submitApplication(*ctx, r.user(), r.json(), r.request_id), 201);
                   }});
  plugin.addRoute({"GET", "/api/v1/eligibility/applications", "eligibility.apply",
                   [ctx](Request& r) {
                     return Response::json(
                         listOwnApplications(*ctx, r.user(), api::pageRequest(r)));
                   }});
  plugin.addRoute({"GET", "/api/v1/eligibility/applications/{application_id}",
                   "eligibility.apply", [ctx](Request& r) {
                     return Response::json(
                         ownApplication(*ctx, r.user(), r.idParam("application_id")));
                   }});
  plugin.addRoute({"PUT", "/api/v1/eligibility/applications/{application_id}",
                   "eligibility.apply", [ctx](Request& r) {
                     return Response::json(resubmitApplication(
                         *ctx, r.user(), r.idParam("application_id"), r.json(), r.request_id));
                   }});

  plugin.addRoute({"GET", "/api/v1/eligibility/shops", "eligibility.shops.search",
                   [ctx](Request& r) { return Response::json(searchShops(*ctx, r)); }});

  // A city officer records a birth (the same action as the household page's form).
  plugin.addRoute({"POST", "/api/v1/eligibility/households/{household_id}/births",
                   "eligibility.households.record", [ctx](Request& r) {
                     auto body = r.json();
                     if (!body.is_object()) {
                       throw Error::badRequest("request.invalid_json", "expected an object");
                     }
                     std::map<std::string, std::string> fields;
                     for (auto it = body.begin(); it != body.end(); ++it) {
                       if (it->is_string()) fields[it.key()] = it->get<std::string>();
                     }
                     int64_t child = recordBirth(*ctx, r.user(), r.idParam("household_id"),
                                                 fields, r.request_id);
                     return Response::json({{"child_id", child}}, 201);
                   }});
}

}  // namespace sukusuku::eligibility_plugin
