#include "web_pages.h"

#include <cmath>

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "sukusuku/fees/billing.h"

namespace sukusuku::fees {

namespace {

int yearOf(const Request& r, const Clock& clock) {
  auto v = r.queryParam("fiscal_year");
  if (!v || v->empty()) return fiscalYear(clock.now());
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    throw Error::badRequest("fees.invalid_query", "fiscal_year must be a number");
  }
}

std::string formField(const Request& r, const std::string& name) {
  const auto form = r.form();
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

nlohmann::json overviewData(FeesService& svc, db::Database& db, int64_t city, int year) {
  nlohmann::json data = svc.ledger(city, year);
  data["rate_percent"] =
      std::lround(data["collection_rate"].get<double>() * 1000.0) / 10.0;
  int y = 0;
  for (auto& s : data["schools"]) {
    const double rate = s["collection_rate"].get<double>();
    const int bar = static_cast<int>(std::lround(rate * 300));
    s["y"] = y;
    s["bar"] = bar;
    s["bar_end"] = 220 + bar;
    s["rest"] = 300 - bar;
    s["percent"] = std::lround(rate * 1000.0) / 10.0;
    y += 20;
  }
  data["chart_height"] = std::max(20, y);
  auto conn = db.acquire();
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : conn->query("SELECT id, instalment, status, started_at, summary FROM "
                                   "fee_runs WHERE municipality_id = ? AND fiscal_year = ? "
                                   "ORDER BY id DESC LIMIT 20",
                                   {city, year})) {
    runs.push_back({{"id", r.getInt("id")}, {"instalment", r.getInt("instalment")},
                    {"status", r.getText("status")}, {"started_at", r.getText("started_at")},
                    {"summary", r.isNull("summary") ? "" : r.getText("summary")}});
  }
  data["runs"] = runs;
  nlohmann::json files = nlohmann::json::array();
  // Each file with its consignor (委託者コード and name): one request file per consignor and date.
  for (const auto& r : conn->query(
           "SELECT f.id, f.kind, f.consignor_code, c.name AS consignor_name, f.bank_date, "
           "f.record_count, f.total, f.summary FROM fee_files f LEFT JOIN fee_consignors c ON "
           "c.municipality_id = f.municipality_id AND c.code = f.consignor_code "
           "WHERE f.municipality_id = ? ORDER BY f.id DESC LIMIT 30",
           {city})) {
    files.push_back({{"id", r.getInt("id")}, {"kind", r.getText("kind")},
                     {"consignor_code", r.getText("consignor_code")},
                     {"consignor_name",
                      r.isNull("consignor_name") ? "" : r.getText("consignor_name")},
                     {"bank_date", r.getText("bank_date")},
                     {"record_count", r.getInt("record_count")}, {"total", r.getInt("total")},
                     {"summary", r.isNull("summary") ? "" : r.getText("summary")}});
  }
  data["files"] = files;
  return data;
}

}  // namespace

AuditEntry actorOf(const Request& r) {
  AuditEntry by;
  by.actor_user_id = r.user().user_id;
  by.actor_role = r.user().role;
  by.request_id = r.request_id;
  return by;
}

void addWebPages(PluginContext& ctx, std::shared_ptr<FeesService> svc) {
  Web* web = &ctx.web();
  db::Database* db = &ctx.database();
  const Clock* clock = &ctx.clock();
  ctx.addNavItem({"fees.nav.overview", "/web/fees", "fees.manage", 60});
  ctx.addNavItem({"fees.nav.plans", "/web/fees/plans", "fees.manage", 61});
  ctx.addNavItem({"fees.nav.arrears", "/web/fees/arrears", "fees.manage", 62});
  ctx.addNavItem({"fees.nav.school", "/web/fees/school", "fees.view_school", 63});

  ctx.addRoute({"GET", "/web/fees", "fees.manage", [=](Request& r) {
                  const int year = yearOf(r, *clock);
                  nlohmann::json data = overviewData(*svc, *db, r.user().municipality_id, year);
                  if (auto m = r.queryParam("message")) data["run_message"] = *m;
                  return web->page(r, "fees/overview", data, "fees.title.overview");
                }});
  ctx.addRoute({"POST", "/web/fees/runs", "fees.manage", [=](Request& r) {
                  RunOptions opt;
                  try {
                    opt.fiscal_year = std::stoi(formField(r, "fiscal_year"));
                    opt.instalment = std::stoi(formField(r, "instalment"));
                  } catch (const std::exception&) {
                    throw Error::badRequest("fees.invalid_form", "fiscal year and instalment");
                  }
                  opt.dry_run = formField(r, "dry_run") == "1";
                  const RunSummary s = svc->bill(r.user().municipality_id, opt);
                  const std::string msg = web->i18n().t(
                      r.language, opt.dry_run ? "fees.run_dry" : "fees.run_done",
                      {{"run", std::to_string(s.run_id)},
                       {"entries", std::to_string(s.entries)},
                       {"charged", std::to_string(s.charged)},
                       {"city", std::to_string(s.charged_city)}});
                  nlohmann::json data =
                      overviewData(*svc, *db, r.user().municipality_id, opt.fiscal_year);
                  data["run_message"] = msg;
                  return web->page(r, "fees/overview", data, "fees.title.overview");
                }});
  ctx.addRoute({"GET", "/web/fees/plans", "fees.manage", [=](Request& r) {
                  const int year = yearOf(r, *clock);
                  nlohmann::json data{{"plans", svc->plans(r.user().municipality_id, year)},
                                      {"fiscal_year", year}};
                  return web->page(r, "fees/plans", data, "fees.title.plans");
                }});
  ctx.addRoute({"GET", "/web/fees/arrears", "fees.manage", [=](Request& r) {
                  nlohmann::json data{{"arrears", svc->arrears(r.user().municipality_id,
                                                               yearOf(r, *clock),
                                                               tokyoDate(clock->now()))}};
                  return web->page(r, "fees/arrears", data, "fees.title.arrears");
                }});
  // A reminder letter (督促状), recorded and shown printable; pushes go through the notifier
  // when the push core is present (fees_plugin.cc).
  ctx.addRoute({"POST", "/web/fees/bills/{bill_id}/remind", "fees.manage", [=](Request& r) {
                  const auto& u = r.user();
                  nlohmann::json data =
                      svc->remind(u.municipality_id, r.idParam("bill_id"), "letter", u.user_id);
                  data["heading"] = web->i18n().t(r.language, "fees.letter_heading");
                  data["body"] = web->i18n().t(r.language, "fees.letter_body");
                  data["customer_number"] = customerNumber(r.idParam("bill_id"));
                  return web->page(r, "fees/letter", data, "fees.title.letter");
                }});
  ctx.addRoute({"GET", "/web/fees/bills/{bill_id}/slip", "fees.manage", [=](Request& r) {
                  const auto& u = r.user();
                  const int64_t bill = r.idParam("bill_id");
                  auto conn = db->acquire();
                  auto b = conn->queryOne(
                      "SELECT b.household_id, b.fiscal_year, b.instalment, b.due_date, "
                      "b.amount - b.paid - b.written_off AS due, h.name, h.postal_code, h.address "
                      "FROM fee_bills b JOIN households h ON h.id = b.household_id WHERE b.id = ? "
                      "AND b.municipality_id = ? AND b.payer_kind = 'household'",
                      {bill, u.municipality_id});
                  if (!b) throw Error::notFound("fees.bill_not_found", "no such bill");
                  nlohmann::json data{{"household", b->getText("name")},
                                      {"postal_code", b->getText("postal_code")},
                                      {"address", b->getText("address")},
                                      {"fiscal_year", b->getInt("fiscal_year")},
                                      {"instalment", b->getInt("instalment")},
                                      {"due_date", b->getText("due_date")},
                                      {"due", b->getInt("due")},
                                      {"customer_number", customerNumber(bill)},
                                      {"heading", web->i18n().t(r.language, "fees.slip_heading")},
                                      {"body", web->i18n().t(r.language, "fees.slip_body")}};
                  return web->page(r, "fees/letter", data, "fees.title.slip");
                }});
  // 不納欠損: requested from the arrears list with a reason, approved here by another officer.
  auto writeOffPage = [=](Request& r, const std::string& message) {
    const auto& u = r.user();
    auto label = [&](nlohmann::json list) {
      for (auto& w : list) {
        w["reason_label"] =
            web->i18n().t(r.language, "fees.reason_" + w["reason"].get<std::string>());
        w["mine"] = w["requested_by_user_id"].get<int64_t>() == u.user_id;
      }
      return list;
    };
    nlohmann::json data{{"requested", label(svc->writeOffs(u.municipality_id, "requested"))},
                        {"approved", label(svc->writeOffs(u.municipality_id, "approved"))}};
    if (!message.empty()) data["message"] = message;
    return web->page(r, "fees/writeoffs", data, "fees.title.writeoffs");
  };
  ctx.addNavItem({"fees.nav.writeoffs", "/web/fees/write-offs", "fees.manage", 64});
  ctx.addRoute({"GET", "/web/fees/write-offs", "fees.manage",
                [=](Request& r) { return writeOffPage(r, ""); }});
  ctx.addRoute({"POST", "/web/fees/bills/{bill_id}/write-off", "fees.manage", [=](Request& r) {
                  const auto& u = r.user();
                  svc->requestWriteOff(u.municipality_id, r.idParam("bill_id"),
                                       formField(r, "reason"), formField(r, "note"), u.user_id);
                  return writeOffPage(r, web->i18n().t(r.language, "fees.writeoff_requested"));
                }});
  ctx.addRoute({"POST", "/web/fees/write-offs/{id}/approve", "fees.manage", [=](Request& r) {
                  const auto& u = r.user();
                  svc->approveWriteOff(u.municipality_id, r.idParam("id"), u.user_id);
                  return writeOffPage(r, web->i18n().t(r.language, "fees.writeoff_approved"));
                }});
  // A day's letters of one reminder step, to print ('YYYY-MM-DD/STEP').
  ctx.addRoute({"GET", "/web/fees/letters", "fees.manage", [=](Request& r) {
                  const auto batch = r.queryParam("batch");
                  if (!batch || batch->empty()) {
                    throw Error::badRequest("fees.invalid_query", "batch is required");
                  }
                  nlohmann::json letters = svc->letterBatch(r.user().municipality_id, *batch);
                  for (auto& l : letters) {
                    l["customer_number"] = customerNumber(l["bill_id"].get<int64_t>());
                    l["heading"] = web->i18n().t(r.language, "fees.letter_heading");
                    l["body"] = web->i18n().t(r.language, "fees.letter_body");
                  }
                  const size_t count = letters.size();
                  return web->page(r, "fees/letters",
                                   {{"batch", *batch}, {"count", count}, {"letters", letters}},
                                   "fees.title.letters");
                }});
  // School staff: their own school's plans and who has paid (no amounts of other schools).
  ctx.addRoute({"GET", "/web/fees/school", "fees.view_school", [=](Request& r) {
                  const auto& u = r.user();
                  const int year = yearOf(r, *clock);
                  nlohmann::json plans = nlohmann::json::array();
                  nlohmann::json pupils = nlohmann::json::array();
                  auto conn = db->acquire();
                  for (int64_t facility : u.facility_ids) {
                    tenancy::requireFacility(*conn, u, facility);
                    for (auto& p : svc->plans(u.municipality_id, year, facility)) {
                      plans.push_back(p);
                    }
                    for (const auto& row : conn->query(
                             "SELECT j.child_id, c.family_name || ' ' || c.given_name AS name, "
                             "SUM(j.amount) AS billed, MIN(CASE WHEN b.paid + b.written_off >= "
                             "b.amount THEN 1 ELSE 0 END) AS all_paid, "
                             "(SELECT MAX(cl.grade) FROM enrolments e JOIN classes cl ON "
                             " cl.id = e.class_id WHERE e.child_id = j.child_id AND "
                             " e.facility_id = j.facility_id) AS grade "
                             "FROM fee_journal j JOIN fee_bills b ON b.id = j.bill_id "
                             "JOIN children c ON c.id = j.child_id "
                             "WHERE j.municipality_id = ? AND j.facility_id = ? AND "
                             "j.fiscal_year = ? AND j.kind IN ('charge', 'adjustment') "
                             "GROUP BY j.child_id, c.family_name, c.given_name, j.facility_id "
                             "ORDER BY j.child_id",
                             {u.municipality_id, facility, year})) {
                      pupils.push_back(
                          {{"name", row.getText("name")},
                           {"grade", row.isNull("grade") ? 0 : row.getInt("grade")},
                           {"billed", row.getInt("billed")},
                           {"status", web->i18n().t(r.language, row.getInt("all_paid")
                                                                    ? "fees.paid"
                                                                    : "fees.unpaid")}});
                    }
                  }
                  return web->page(r, "fees/school", {{"plans", plans}, {"pupils", pupils}},
                                   "fees.title.school");
                }});
}

}  // namespace sukusuku::fees
