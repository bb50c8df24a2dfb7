// The fees plugin (学校教材費の公会計): the city bills school material fees, collects them by
// direct debit, reconciles the bank's results and keeps the ledger.
//
// Configuration:
//   fees.bank_table = /etc/sukusuku/banks.tsv
//       Bank and branch codes (tools/make_bank_table.mjs from the zengin-code package). Empty:
//       the table shipped with Sukusuku, <resources.dir>/fees/data/banks.tsv.
//
// Commands: sukusuku fees bill | export-debit | import-result FILE | ledger  (--help on each)
//
// Services used: "payments" (online payment of a bill; 503 fees.payments_unavailable without it),
// "push.notifier" (statement pushes; skipped without it).
#include <memory>

#include <sukusuku/error.h>
#include <sukusuku/plugin.h>
#include <sukusuku/push/notifier.h>
#include <sukusuku/services/payments.h>
#include <sukusuku/tenancy.h>

#include "../domain/cli.h"
#include "../domain/demo.h"
#include "../domain/fees_service.h"
#include "web_consignors.h"
#include "web_files.h"
#include "web_pages.h"
#include "web_plans.h"
#include "web_year.h"

namespace {

using sukusuku::Error;
using sukusuku::Request;
using sukusuku::Response;

int intQuery(const Request& r, const char* name, int fallback) {
  auto v = r.queryParam(name);
  if (!v) return fallback;
  try {
    return std::stoi(*v);
  } catch (const std::exception&) {
    throw Error::badRequest("fees.invalid_query", std::string(name) + " must be a number");
  }
}

int64_t intField(const nlohmann::json& body, const char* name) {
  if (!body.is_object() || !body.contains(name) || !body[name].is_number_integer()) {
    throw Error::invalid("request.invalid_field", std::string(name) + " must be an integer",
                         {{"field", name}});
  }
  return body[name].get<int64_t>();
}

std::string textField(const nlohmann::json& body, const char* name) {
  if (!body.is_object() || !body.contains(name)) return "";
  if (!body[name].is_string()) {
    throw Error::invalid("request.invalid_field", std::string(name) + " must be a string",
                         {{"field", name}});
  }
  return body[name].get<std::string>();
}

class FeesPlugin final : public sukusuku::Plugin {
 public:
  sukusuku::PluginManifest manifest() const override {
    return {"fees", "0.1.0", {}, "school material fees: plans, billing, direct debit, ledger"};
  }

  void init(sukusuku::PluginContext& ctx) override {
    namespace roles = sukusuku::roles;
    ctx.declareConfig("bank_table", "", "Bank/branch table file; empty = the shipped one");
    std::string table = ctx.config().getString("fees.bank_table");
    if (table.empty()) table = ctx.resourceDir() + "/data/banks.tsv";
    auto banks = std::make_shared<const sukusuku::fees::BankTable>(
        sukusuku::fees::BankTable::load(table));
    ctx.logger().information("fees: %z banks, %z branches from %s", banks->bankCount(),
                             banks->branchCount(), table);
    clock_ = &ctx.clock();
    service_ = std::make_shared<sukusuku::fees::FeesService>(ctx.database(), ctx.clock(), banks,
                                                             &ctx.audit(), &ctx.blobs());
    for (auto& cmd : sukusuku::fees::feesCommands(*service_, ctx.database(), ctx.clock())) {
      ctx.addCommand(std::move(cmd));
    }
    ctx.addPermission("fees.manage", "plans, billing runs, bank files and ledgers",
                      {roles::kCityFinance, roles::kMunicipalityAdmin});
    ctx.addPermission("fees.view_school", "the school's plan and who has paid",
                      {roles::kFacilityStaff, roles::kFacilityAdmin});
    ctx.addPermission("fees.guardian", "own statements, mandate, applications and payments",
                      {roles::kGuardian});
    auto svc = service_;
    sukusuku::db::Database* db = &ctx.database();
    ctx.addDemoSeeder([svc, this](sukusuku::db::Database& d) {
      sukusuku::fees::seedFeesDemo(*svc, d, *clock_);
    });
    addRoutes(ctx, svc, db);
    // 督促 and 分納 checks once a day (00:00 UTC = 09:00 in Tokyo) for every city with fee
    // settings; the reminder rows make a rerun send nothing twice.
    ctx.addJob({"fees.daily_reminders", std::chrono::hours(24), std::chrono::hours(2),
                [svc, db](sukusuku::TimePoint period_start) {
                  std::vector<int64_t> cities;
                  {
                    auto conn = db->acquire();
                    for (const auto& r : conn->query("SELECT municipality_id FROM fee_settings")) {
                      cities.push_back(r.getInt("municipality_id"));
                    }
                  }
                  const std::string today = sukusuku::tokyoDate(period_start);
                  for (int64_t city : cities) {
                    svc->runReminders(city, today);
                    svc->checkArrearPlans(city, today);
                  }
                }});
    sukusuku::fees::addWebPages(ctx, svc);
    sukusuku::fees::addPlanEditPages(ctx, svc);
    sukusuku::fees::addYearSettingsPages(ctx, svc);
    sukusuku::fees::addConsignorPages(ctx, svc);
    sukusuku::fees::addFilePages(ctx, svc);
    // Online payments of bills: the payments core reports them as events.
    ctx.subscribe("payment.succeeded", [svc](const sukusuku::Event& e) {
      const std::string ref = e.payload.value("reference", "");
      if (ref.rfind("fees.bill:", 0) != 0) return;
      const int64_t bill = std::stoll(ref.substr(10));
      try {
        svc->recordPayment(e.municipality_id, bill, e.payload.value("amount_yen", int64_t{0}),
                           "online", 0);
      } catch (const Error&) {
        // Already settled (the event is delivered again): nothing to apply twice.
      }
    });
  }

  void start(sukusuku::PluginContext& ctx) override {
    payments_ = ctx.services().find<sukusuku::payments::Payments>("payments");
    // Null until the push core is built in: statements and reminders then go without a push.
    service_->setNotifier(ctx.services().find<sukusuku::push::Notifier>("push.notifier"));
  }

 private:
  void addRoutes(sukusuku::PluginContext& ctx, std::shared_ptr<sukusuku::fees::FeesService> svc,
                 sukusuku::db::Database* db) {
    const sukusuku::Clock* clock = clock_;
    ctx.addRoute({"GET", "/api/v1/fees/plans", "fees.manage", [svc, clock](Request& r) {
                    const int year = intQuery(r, "fiscal_year", sukusuku::fiscalYear(clock->now()));
                    return Response::json({{"plans", svc->plans(r.user().municipality_id, year)}});
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/plans", "fees.manage", [svc](Request& r) {
                    const auto body = r.json();
                    sukusuku::fees::PlanInput plan;
                    plan.facility_id = intField(body, "facility_id");
                    plan.fiscal_year = static_cast<int>(intField(body, "fiscal_year"));
                    plan.grade = static_cast<int>(intField(body, "grade"));
                    plan.name = textField(body, "name");
                    if (!body.contains("items") || !body["items"].is_array()) {
                      throw Error::invalid("request.invalid_field", "items must be an array",
                                           {{"field", "items"}});
                    }
                    for (const auto& it : body["items"]) {
                      sukusuku::fees::PlanItem item;
                      item.id = it.value("id", int64_t{0});
                      item.term = it.value("term", 0);
                      item.name = textField(it, "name");
                      item.unit_price = intField(it, "unit_price");
                      item.quantity = intField(it, "quantity");
                      item.optional = it.value("optional", false);
                      plan.items.push_back(item);
                    }
                    sukusuku::AuditEntry by;
                    by.actor_user_id = r.user().user_id;
                    by.actor_role = r.user().role;
                    by.request_id = r.request_id;
                    const int64_t id = svc->savePlan(r.user().municipality_id, plan, by);
                    return Response::json({{"id", id}}, 201);
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/runs", "fees.manage", [svc](Request& r) {
                    const auto body = r.json();
                    sukusuku::fees::RunOptions opt;
                    opt.fiscal_year = static_cast<int>(intField(body, "fiscal_year"));
                    opt.instalment = static_cast<int>(intField(body, "instalment"));
                    opt.dry_run = body.value("dry_run", false);
                    auto summary = svc->bill(r.user().municipality_id, opt);
                    return Response::json(summary.toJson(), opt.dry_run ? 200 : 201);
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/ledger", "fees.manage", [svc, clock](Request& r) {
                    const int year = intQuery(r, "fiscal_year", sukusuku::fiscalYear(clock->now()));
                    return Response::json(svc->ledger(r.user().municipality_id, year));
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/arrears", "fees.manage", [svc, clock](Request& r) {
                    const int year = intQuery(r, "fiscal_year", sukusuku::fiscalYear(clock->now()));
                    return Response::json({{"arrears", svc->arrears(r.user().municipality_id, year,
                                                                    sukusuku::tokyoDate(clock->now()))}});
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/bills/{bill_id}/reminders", "fees.manage", [svc](Request& r) {
                    const auto& u = r.user();
                    const auto body = r.json();
                    return Response::json(svc->remind(u.municipality_id, r.idParam("bill_id"),
                                                      textField(body, "channel"), u.user_id),
                                          201);
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/bills/{bill_id}/payments", "fees.manage", [svc](Request& r) {
                    const auto& u = r.user();
                    const auto body = r.json();
                    svc->recordPayment(u.municipality_id, r.idParam("bill_id"),
                                       intField(body, "amount"), textField(body, "method"),
                                       u.user_id);
                    return Response::json({{"recorded", true}}, 201);
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/bills/{bill_id}/write-offs", "fees.manage", [svc](Request& r) {
                    const auto& u = r.user();
                    const auto body = r.json();
                    const int64_t id = svc->requestWriteOff(u.municipality_id, r.idParam("bill_id"),
                                                            textField(body, "reason"),
                                                            textField(body, "note"), u.user_id);
                    return Response::json({{"id", id}, {"status", "requested"}}, 201);
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/write-offs/{id}/approve", "fees.manage", [svc](Request& r) {
                    const auto& u = r.user();
                    svc->approveWriteOff(u.municipality_id, r.idParam("id"), u.user_id);
                    return Response::json({{"status", "approved"}});
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/reminder-schedule", "fees.manage", [svc](Request& r) {
                    nlohmann::json steps = nlohmann::json::array();
                    for (const auto& s : svc->reminderSchedule(r.user().municipality_id)) {
                      steps.push_back({{"step", s.step}, {"name", s.name},
                                       {"days_after_due", s.days_after_due}, {"push", s.push},
                                       {"letter", s.letter}});
                    }
                    return Response::json({{"steps", steps}});
                  }});
    ctx.addRoute({"PUT", "/api/v1/fees/reminder-schedule", "fees.manage", [svc](Request& r) {
                    const auto body = r.json();
                    if (!body.is_object() || !body.contains("steps") || !body["steps"].is_array()) {
                      throw Error::invalid("request.invalid_field", "steps must be an array",
                                           {{"field", "steps"}});
                    }
                    std::vector<sukusuku::fees::ReminderStep> steps;
                    for (const auto& s : body["steps"]) {
                      sukusuku::fees::ReminderStep step;
                      step.step = static_cast<int>(steps.size() + 1);
                      step.name = textField(s, "name");
                      step.days_after_due = static_cast<int>(intField(s, "days_after_due"));
                      step.push = s.is_object() && s.value("push", false);
                      step.letter = s.is_object() && s.value("letter", false);
                      steps.push_back(step);
                    }
                    svc->setReminderSchedule(r.user().municipality_id, steps);
                    return Response::json({{"saved", true}});
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/reminders/run", "fees.manage", [svc, clock](Request& r) {
                    const auto body = r.json();
                    std::string date = textField(body, "date");
                    if (date.empty()) date = sukusuku::tokyoDate(clock->now());
                    const auto run = svc->runReminders(r.user().municipality_id, date);
                    nlohmann::json out = run.toJson();
                    out["plans"] = svc->checkArrearPlans(r.user().municipality_id, date);
                    return Response::json(out);
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/letters", "fees.manage", [svc](Request& r) {
                    const auto batch = r.queryParam("batch");
                    if (!batch || batch->empty()) {
                      throw Error::badRequest("fees.invalid_query", "batch is required");
                    }
                    return Response::json(
                        {{"letters", svc->letterBatch(r.user().municipality_id, *batch)}});
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/arrear-plans", "fees.manage", [svc](Request& r) {
                    const int64_t household = intQuery(r, "household_id", 0);
                    return Response::json(
                        {{"plans", svc->arrearPlans(r.user().municipality_id, household)}});
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/arrear-plans/{id}", "fees.manage", [svc](Request& r) {
                    return Response::json(svc->arrearPlan(r.user().municipality_id, r.idParam("id")));
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/arrear-plans", "fees.manage", [svc](Request& r) {
                    const auto& u = r.user();
                    const auto body = r.json();
                    const int64_t household = intField(body, "household_id");
                    if (!body.contains("bill_ids") || !body["bill_ids"].is_array() ||
                        !body.contains("steps") || !body["steps"].is_array()) {
                      throw Error::invalid("request.invalid_field",
                                           "bill_ids and steps must be arrays",
                                           {{"field", "steps"}});
                    }
                    std::vector<int64_t> bills;
                    for (const auto& b : body["bill_ids"]) {
                      if (!b.is_number_integer()) {
                        throw Error::invalid("request.invalid_field", "bill_ids are integers",
                                             {{"field", "bill_ids"}});
                      }
                      bills.push_back(b.get<int64_t>());
                    }
                    std::vector<sukusuku::fees::PlanStep> steps;
                    for (const auto& s : body["steps"]) {
                      steps.push_back({textField(s, "due_date"), intField(s, "amount")});
                    }
                    const int64_t id = svc->createArrearPlan(u.municipality_id, household, bills,
                                                             steps, textField(body, "note"),
                                                             u.user_id);
                    return Response::json(svc->arrearPlan(u.municipality_id, id), 201);
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/write-offs", "fees.manage", [svc](Request& r) {
                    const auto status = r.queryParam("status");
                    return Response::json({{"write_offs",
                                            svc->writeOffs(r.user().municipality_id,
                                                           status ? *status : "requested")}});
                  }});
    // Guardians: their own household only.
    ctx.addRoute({"GET", "/api/v1/fees/statements", "fees.guardian", [svc, clock](Request& r) {
                    const auto& u = r.user();
                    const int year = intQuery(r, "fiscal_year", sukusuku::fiscalYear(clock->now()));
                    return Response::json(svc->statements(u.municipality_id, u.household_id, year));
                  }});
    ctx.addRoute({"GET", "/api/v1/fees/mandate", "fees.guardian", [svc](Request& r) {
                    const auto& u = r.user();
                    return Response::json(svc->mandate(u.municipality_id, u.household_id));
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/applications", "fees.guardian", [svc, db, clock](Request& r) {
                    const auto body = r.json();
                    const int64_t child = intField(body, "child_id");
                    {
                      auto conn = db->acquire();
                      sukusuku::tenancy::requireChild(*conn, r.user(), child,
                                                      sukusuku::tokyoDate(clock->now()));
                    }
                    svc->applyOptional(r.user().municipality_id, child, intField(body, "item_id"));
                    return Response::json({{"applied", true}}, 201);
                  }});
    ctx.addRoute({"POST", "/api/v1/fees/bills/{bill_id}/online-payment", "fees.guardian",
                  [this, db](Request& r) {
                    auto payments = payments_;
                    const auto& u = r.user();
                    const int64_t bill = r.idParam("bill_id");
                    int64_t due = 0;
                    {
                      auto conn = db->acquire();
                      auto row = conn->queryOne(
                          "SELECT amount - paid - written_off AS due FROM fee_bills WHERE id = ? AND "
                          "municipality_id = ? AND household_id = ? AND payer_kind = 'household'",
                          {bill, u.municipality_id, u.household_id});
                      if (!row) throw Error::notFound("fees.bill_not_found", "no such bill");
                      due = row->getInt("due");
                    }
                    if (due <= 0) throw Error::conflict("fees.bill_settled", "the bill is paid");
                    if (!payments) {
                      throw Error(503, "fees.payments_unavailable",
                                  "online payment is not available");
                    }
                    const auto body = r.json();
                    sukusuku::payments::PaymentRequest req;
                    req.municipality_id = u.municipality_id;
                    req.user_id = u.user_id;
                    req.reference = "fees.bill:" + std::to_string(bill);
                    req.amount_yen = due;
                    req.description = "学校教材費";
                    req.method = textField(body, "method");
                    req.return_url = textField(body, "return_url");
                    const auto p = payments->create(req);
                    return Response::json({{"payment_id", p.id}, {"checkout_url", p.checkout_url}},
                                          201);
                  }});
  }

  const sukusuku::Clock* clock_ = nullptr;
  std::shared_ptr<sukusuku::fees::FeesService> service_;
  std::shared_ptr<sukusuku::payments::Payments> payments_;
};

}  // namespace

SUKUSUKU_PLUGIN(FeesPlugin)
