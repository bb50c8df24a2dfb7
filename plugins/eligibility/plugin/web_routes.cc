// City officer pages: the review queue, an application beside the evaluator's result, the
// household page with the birth form, and the supporting shops. Forms carry the session's CSRF
// token (checked by the web shell before any handler runs).
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "applications.h"
#include "evaluation.h"
#include "profile.h"
#include "routes.h"
#include "shops.h"

namespace sukusuku::eligibility_plugin {

namespace {

// The officer, with texts in the page's language.
Principal webPrincipal(const Request& r) {
  Principal p = r.user();
  p.language = r.language;
  return p;
}

// Mustache treats every string as true: absent texts are null.
nlohmann::json orNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

std::string yen(int64_t amount) {
  std::string digits = std::to_string(amount < 0 ? -amount : amount);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return (amount < 0 ? "-" : "") + digits;
}

std::string display(const nlohmann::json& v, const EligibilityContext& ctx,
                    const std::string& lang) {
  if (v.is_null()) return ctx.t(lang, "eligibility.value.unknown");
  if (v.is_boolean()) return ctx.t(lang, v.get<bool>() ? "eligibility.value.yes" : "eligibility.value.no");
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

nlohmann::json resultView(const EligibilityContext& ctx, const nlohmann::json& r,
                          const std::string& lang) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : r.value("reasons", nlohmann::json::array())) {
    reasons.push_back({{"text", reason["text"]},
                       {"outcome", reason["outcome"]},
                       {"outcome_label", ctx.t(lang, "eligibility.outcome." +
                                                         reason["outcome"].get<std::string>())}});
  }
  nlohmann::json parameters = nlohmann::json::array();
  for (const auto& p : r.value("parameters", nlohmann::json::array())) {
    parameters.push_back({{"name", p["name"]},
                          {"value", p["value"].is_string() ? p["value"].get<std::string>()
                                                           : p["value"].dump()},
                          {"unit", p["unit"]},
                          {"effective_from", p["effective_from"]},
                          {"source", p["source"]["title"]}});
  }
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& f : r.value("missing_fields", nlohmann::json::array())) {
    missing.push_back(f.get<std::string>());
  }
  std::string status = r.value("status", std::string("invalid"));
  return {{"status", status},
          {"status_label", ctx.t(lang, "eligibility.result." + status)},
          {"eligible", status == "eligible"},
          {"amount", yen(r.value("monthly_amount_yen", int64_t{0}))},
          {"cash", r.contains("benefit") && r["benefit"]["kind"] == "monthly_allowance"},
          {"reasons", reasons},
          {"missing", missing},
          {"has_missing", !missing.empty()},
          {"parameters", parameters}};
}

nlohmann::json fieldRows(const EligibilityContext& ctx, const nlohmann::json& object,
                         const std::string& lang) {
  nlohmann::json rows = nlohmann::json::array();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() == "children" || it.key() == "children_ids") continue;
    rows.push_back({{"label", ctx.t(lang, "eligibility.fields." + it.key())},
                    {"value", display(it.value(), ctx, lang)}});
  }
  return rows;
}

Response detailPage(EligibilityContext& ctx, const Request& r, int64_t id,
                    const std::string& error, int status) {
  Principal p = webPrincipal(r);
  const std::string& lang = p.language;
  nlohmann::json d = reviewDetail(ctx, p, id);
  const std::string st = d["status"];
  nlohmann::json children = nlohmann::json::array();
  for (const auto& c : d["household"].value("children", nlohmann::json::array())) {
    children.push_back({{"birth_date", c.value("birth_date", "")},
                        {"disability_grade", display(c.value("disability_grade", nlohmann::json()), ctx, lang)},
                        {"in_licensed_care", display(c.value("in_licensed_care", nlohmann::json()), ctx, lang)}});
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : d["history"]) {
    history.push_back({{"at", h["at"]},
                       {"to", ctx.t(lang, "eligibility.status." + h["to"].get<std::string>())},
                       {"by", ctx.t(lang, "eligibility.by." + h["by"].get<std::string>())},
                       {"message", h["message"]}});
  }
  nlohmann::json data = {
      {"id", d["id"]},
      {"programme_name", d["programme_name"]},
      {"household_name", d["household_name"]},
      {"household_id", d["household_id"]},
      {"status", st},
      {"status_label", ctx.t(lang, "eligibility.status." + st)},
      {"created_at", d["created_at"]},
      {"answers", fieldRows(ctx, d["answers"], lang)},
      {"has_answers", !d["answers"].empty()},
      {"household", fieldRows(ctx, d["household"], lang)},
      {"children", children},
      {"at_submission", resultView(ctx, d["evaluation_at_submission"], lang)},
      {"evaluated_on", d["evaluated_on"]},
      {"today", resultView(ctx, d.value("evaluation_today", nlohmann::json::object()), lang)},
      {"history", history},
      {"officer_message", d["officer_message"]},
      {"can_review", st == "submitted"},
      {"can_decide", st == "submitted" || st == "under_review"},
      {"error", orNull(error)},
  };
  if (auto done = r.queryParam("done")) {
    data["done"] = ctx.t(lang, "eligibility.review.done." + *done);
  }
  return ctx.web->page(r, "eligibility/application", data, "eligibility.review.detail_title",
                       status);
}

Response shopsPage(EligibilityContext& ctx, const Request& r, const std::string& error,
                   const std::map<std::string, std::string>& form, int status) {
  const std::string& lang = r.language;
  nlohmann::json shops = listShops(ctx, r.user().municipality_id);
  for (auto& s : shops) {
    s["category_label"] = ctx.t(lang, "eligibility.shops.category." + s["category"].get<std::string>());
    s["lat"] = std::to_string(s["lat"].get<double>());
    s["lon"] = std::to_string(s["lon"].get<double>());
  }
  nlohmann::json categories = nlohmann::json::array();
  auto value = [&](const char* k) {
    auto it = form.find(k);
    return it == form.end() ? std::string() : it->second;
  };
  for (const auto& c : shopCategories()) {
    categories.push_back({{"value", c},
                          {"label", ctx.t(lang, "eligibility.shops.category." + c)},
                          {"selected", value("category") == c}});
  }
  nlohmann::json data = {{"shops", shops},
                         {"empty", shops.empty()},
                         {"categories", categories},
                         {"error", orNull(error)},
                         {"form", {{"name", value("name")},
                                   {"offer", value("offer")},
                                   {"address", value("address")},
                                   {"lat", value("lat")},
                                   {"lon", value("lon")}}}};
  if (r.queryParam("added")) data["done"] = ctx.t(lang, "eligibility.shops.added");
  return ctx.web->page(r, "eligibility/shops", data, "eligibility.shops.title", status);
}

Response householdPage(EligibilityContext& ctx, const Request& r, int64_t household_id,
                       const std::string& error, int status) {
  Principal p = webPrincipal(r);
  const std::string& lang = p.language;
  auto conn = ctx.db->acquire();
  const std::string today = ctx.today();
  tenancy::requireHousehold(*conn, p, household_id, today);
  auto profile = loadProfile(*conn, p.municipality_id, household_id, today);
  if (!profile) throw Error::notFound("tenancy.household_not_found", "no such household");
  nlohmann::json results = nlohmann::json::array();
  try {
    for (const auto& res : evaluateJson(ctx, profile->household, today, lang)["results"]) {
      nlohmann::json v = resultView(ctx, res, lang);
      v["name"] = res["name"];
      results.push_back(std::move(v));
    }
  } catch (const eligibility::EligibilityError& e) {
    results.push_back({{"name", "-"}, {"status_label", e.what()}});
  }
  nlohmann::json children = nlohmann::json::array();
  for (const auto& c : profile->children) {
    children.push_back({{"name", c.name}, {"birth_date", c.birth_date}});
  }
  nlohmann::json notices = nlohmann::json::array();
  for (const auto& n : conn->query("SELECT programme, via, trigger_event, created_at FROM "
                                   "eligibility_notices WHERE household_id = ? AND "
                                   "municipality_id = ? ORDER BY id",
                                   {household_id, p.municipality_id})) {
    int i = ctx.programmeIndex(n.getText("programme"));
    notices.push_back({{"programme", i < 0 ? n.getText("programme")
                                           : pick(ctx.rules.programmes()[i].name, lang)},
                       {"via", ctx.t(lang, "eligibility.household.via." + n.getText("via"))},
                       {"trigger", n.getText("trigger_event")},
                       {"at", n.getText("created_at")}});
  }
  nlohmann::json data = {{"id", household_id},
                         {"name", profile->name},
                         {"fields", fieldRows(ctx, profile->household, lang)},
                         {"children", children},
                         {"results", results},
                         {"notices", notices},
                         {"has_notices", !notices.empty()},
                         {"today", today},
                         {"error", orNull(error)},
                         {"can_record", p.has("eligibility.households.record")}};
  if (r.queryParam("born")) data["done"] = ctx.t(lang, "eligibility.household.birth_recorded");
  return ctx.web->page(r, "eligibility/household", data, "eligibility.household.title", status);
}

std::map<std::string, std::string> formMap(const Request& r) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : r.form()) out.emplace(k, v);
  return out;
}

std::string errorText(const EligibilityContext& ctx, const std::string& lang, const Error& e) {
  std::string text = ctx.t(lang, "errors." + e.code());
  if (text == "errors." + e.code()) text = e.what();
  if (e.details().contains("field")) {
    text += " (" + ctx.t(lang, "eligibility.fields." + e.details()["field"].get<std::string>()) + ")";
  }
  return text;
}

}  // namespace

void addWebRoutes(PluginContext& plugin, std::shared_ptr<EligibilityContext> ctx) {
  plugin.addRoute({"GET", "/web/eligibility/applications", "eligibility.review", [ctx](Request& r) {
    Principal p = webPrincipal(r);
    const std::string status = r.queryParam("status").value_or("");
    nlohmann::json items = reviewQueue(*ctx, p, status);
    for (auto& i : items) {
      i["status_label"] = ctx->t(p.language, "eligibility.status." + i["status"].get<std::string>());
      i["amount"] = yen(i["monthly_amount_yen"].get<int64_t>());
    }
    nlohmann::json tabs = nlohmann::json::array();
    for (const std::string s : {"", "submitted", "under_review", "returned", "approved", "rejected"}) {
      tabs.push_back({{"label", ctx->t(p.language, s.empty() ? "eligibility.review.open"
                                                             : "eligibility.status." + s)},
                      {"href", s.empty() ? "/web/eligibility/applications"
                                         : "/web/eligibility/applications?status=" + s},
                      {"active", s == status}});
    }
    return ctx->web->page(r, "eligibility/queue",
                          {{"items", items}, {"empty", items.empty()}, {"tabs", tabs}},
                          "eligibility.review.title");
  }});

  plugin.addRoute({"GET", "/web/eligibility/applications/{application_id}", "eligibility.review",
                   [ctx](Request& r) {
                     return detailPage(*ctx, r, r.idParam("application_id"), "", 200);
                   }});

  plugin.addRoute({"POST", "/web/eligibility/applications/{application_id}/decision",
                   "eligibility.review", [ctx](Request& r) {
    int64_t id = r.idParam("application_id");
    auto form = formMap(r);
    try {
      decide(*ctx, webPrincipal(r), id, form["action"], form["message"], r.request_id);
    } catch (const Error& e) {
      if (e.status() != 422 && e.status() != 409) throw;
      return detailPage(*ctx, r, id, errorText(*ctx, r.language, e), e.status());
    }
    return Response::redirect("/web/eligibility/applications/" + std::to_string(id) +
                              "?done=" + form["action"]);
  }});

  plugin.addRoute({"GET", "/web/eligibility/households/{household_id}",
                   "eligibility.households.record", [ctx](Request& r) {
                     return householdPage(*ctx, r, r.idParam("household_id"), "", 200);
                   }});
  plugin.addRoute({"POST", "/web/eligibility/households/{household_id}/births",
                   "eligibility.households.record", [ctx](Request& r) {
    int64_t id = r.idParam("household_id");
    try {
      recordBirth(*ctx, webPrincipal(r), id, formMap(r), r.request_id);
    } catch (const Error& e) {
      if (e.status() != 422) throw;
      return householdPage(*ctx, r, id, errorText(*ctx, r.language, e), 422);
    }
    return Response::redirect("/web/eligibility/households/" + std::to_string(id) + "?born=1");
  }});

  plugin.addRoute({"GET", "/web/eligibility/shops", "eligibility.shops.manage", [ctx](Request& r) {
                     return shopsPage(*ctx, r, "", {}, 200);
                   }});
  plugin.addRoute({"POST", "/web/eligibility/shops", "eligibility.shops.manage", [ctx](Request& r) {
    auto form = formMap(r);
    try {
      addShop(*ctx, webPrincipal(r), form, r.request_id);
    } catch (const Error& e) {
      if (e.status() != 422) throw;
      return shopsPage(*ctx, r, errorText(*ctx, r.language, e), form, 422);
    }
    return Response::redirect("/web/eligibility/shops?added=1");
  }});
}

}  // namespace sukusuku::eligibility_plugin
