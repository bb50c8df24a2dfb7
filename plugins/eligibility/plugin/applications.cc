#include "applications.h"

#include <algorithm>
#include <map>
#include <optional>

#include <sukusuku/error.h>

#include "evaluation.h"
#include "profile.h"

namespace sukusuku::eligibility_plugin {

namespace {

constexpr const char* kSubmitted = "submitted";
constexpr const char* kUnderReview = "under_review";
constexpr const char* kApproved = "approved";
constexpr const char* kReturned = "returned";
constexpr const char* kRejected = "rejected";
constexpr size_t kMaxMessage = 2000;

// Errors per form field, in the order found.
class FieldErrors {
 public:
  void add(const std::string& field, const std::string& code, const std::string& message,
           const std::string& condition = "") {
    nlohmann::json e = {{"code", code}, {"message", message}};
    if (!condition.empty()) e["condition"] = condition;
    fields_[field].push_back(std::move(e));
  }
  bool empty() const { return fields_.empty(); }
  [[noreturn]] void raise(const std::string& message, nlohmann::json result = nullptr) const {
    nlohmann::json details = {{"fields", fields_}};
    if (!result.is_null()) details["result"] = std::move(result);
    throw Error::invalid("eligibility.application_invalid", message, std::move(details));
  }

 private:
  nlohmann::json fields_ = nlohmann::json::object();
};

struct Checked {
  nlohmann::json answers;
  nlohmann::json household;   // the merged household that was evaluated
  nlohmann::json evaluation;  // the engine's entry for the programme (both languages)
  std::string date;
};

// Every path whose absence makes condition CONDITION of programme INDEX unknown: the fields
// that decide it for this household.
std::vector<std::string> decidingFields(const EligibilityContext& ctx, const nlohmann::json& merged,
                                        eligibility::Date day, size_t index, size_t condition) {
  std::vector<std::string> paths = {"municipality"};
  for (const auto& f : answerableFields()) paths.push_back(f);
  const auto& children = merged["children"];
  for (size_t i = 0; i < children.size(); ++i) {
    for (const char* f : {"birth_date", "disability_grade", "in_licensed_care"}) {
      paths.push_back(eligibility::childFieldPath(static_cast<int>(i), f));
    }
  }
  std::vector<std::string> out;
  for (const auto& path : paths) {
    nlohmann::json copy = merged;
    if (path.rfind("children[", 0) == 0) {
      size_t close = path.find(']');
      size_t i = std::stoul(path.substr(9, close - 9));
      std::string field = path.substr(close + 2);
      if (copy["children"][i][field].is_null()) continue;
      copy["children"][i][field] = nullptr;
    } else {
      if (!copy.contains(path) || copy[path].is_null()) continue;
      copy[path] = nullptr;
    }
    try {
      auto results = ctx.rules.evaluate(eligibility::householdFromJson(copy), day);
      if (results[index].conditions[condition] == eligibility::Outcome::kUnknown) {
        out.push_back(path);
      }
    } catch (const eligibility::EligibilityError&) {
      // leaving the field out is not a valid household: it cannot be the deciding field
    }
  }
  return out;
}

// The checks at entry (see applications.h). Returns what to store, or throws 422.
Checked check(EligibilityContext& ctx, db::Connection& conn, const Principal& p,
              const std::string& programme, const nlohmann::json& body) {
  const std::string& lang = p.language;
  auto t = [&](const std::string& key) { return ctx.t(lang, "eligibility.errors." + key); };
  FieldErrors errors;
  const int index = ctx.programmeIndex(programme);
  if (programme.empty()) {
    errors.add("programme", "required", t("required"));
  } else if (index < 0) {
    errors.add("programme", "unknown_programme", t("unknown_programme"));
  }
  nlohmann::json answers = nlohmann::json::object();
  if (body.contains("answers") && !body["answers"].is_null()) {
    if (!body["answers"].is_object()) {
      errors.add("answers", "invalid", t("invalid_value"));
    } else {
      answers = body["answers"];
      const auto& allowed = answerableFields();
      for (auto it = answers.begin(); it != answers.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
          errors.add(it.key(), "unknown_field", t("unknown_field"));
        }
      }
    }
  }
  if (!body.contains("declaration") || body["declaration"] != true) {
    errors.add("declaration", "required", t("declaration_required"));
  }
  if (!errors.empty()) errors.raise("the application has errors; see details.fields");

  auto profile = loadProfile(conn, p.municipality_id, p.household_id, ctx.today());
  if (!profile) throw Error::notFound("eligibility.household_not_found", "no household");
  nlohmann::json merged = profile->household;
  for (auto it = answers.begin(); it != answers.end(); ++it) merged[it.key()] = it.value();

  const auto day = *eligibility::parseDate(ctx.today());
  std::vector<eligibility::ProgrammeResult> results;
  try {
    results = ctx.rules.evaluate(eligibility::householdFromJson(merged), day);
  } catch (const eligibility::EligibilityError& e) {
    std::string field = e.details().value("field", std::string("_form"));
    errors.add(field, "invalid", t("invalid_value") + " (" + e.what() + ")");
    errors.raise("the application has errors; see details.fields");
  }
  const auto& r = results[index];
  const auto& info = ctx.rules.programmes()[index];
  nlohmann::ordered_json all = ctx.rules.resultsToJson(day, results);
  nlohmann::json entry = nlohmann::json::parse(all["results"][index].dump());
  switch (r.status) {
    case eligibility::Status::kEligible:
      break;
    case eligibility::Status::kNeedsInformation:
      for (const auto& f : r.missing_fields) errors.add(f, "required", t("required"));
      break;
    case eligibility::Status::kNotEligible:
      for (size_t c = 0; c < r.conditions.size(); ++c) {
        if (r.conditions[c] != eligibility::Outcome::kNotMet) continue;
        const auto& cond = info.conditions[c];
        auto fields = decidingFields(ctx, merged, day, static_cast<size_t>(index), c);
        if (fields.empty()) fields.push_back("_form");
        for (const auto& f : fields) {
          errors.add(f, "condition_not_met", pick(cond.not_met, lang), cond.id);
        }
      }
      break;
    case eligibility::Status::kNotInForce:
      errors.add("_form", "not_in_force", t("not_in_force"));
      break;
  }
  if (!errors.empty()) {
    nlohmann::ordered_json one = {{"date", all["date"]}, {"results", {all["results"][index]}}};
    errors.raise("the application does not meet the programme's conditions; see details.fields",
                 localize(one, lang)["results"][0]);
  }
  return {answers, merged, entry, ctx.today()};
}

std::string programmeOf(const nlohmann::json& body) {
  if (body.is_object() && body.contains("programme") && body["programme"].is_string()) {
    return body["programme"];
  }
  return "";
}

void requireGuardian(const Principal& p) {
  if (p.household_id == 0) {
    throw Error::notFound("eligibility.household_not_found", "you are not in a household");
  }
}

std::string programmeName(const EligibilityContext& ctx, const std::string& id,
                          const std::string& lang) {
  int i = ctx.programmeIndex(id);
  return i < 0 ? id : pick(ctx.rules.programmes()[i].name, lang);
}

void recordEvent(EligibilityContext& ctx, db::Tx& tx, const Principal& actor,
                 int64_t municipality_id, int64_t application_id, const std::string& from,
                 const std::string& to, const std::string& message,
                 const std::string& request_id, const nlohmann::json& details) {
  tx.execute(
      "INSERT INTO eligibility_application_events (municipality_id, application_id, from_status, "
      "to_status, actor_user_id, actor_role, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {municipality_id, application_id, from, to, actor.user_id, actor.role,
       message.empty() ? db::Value() : db::Value(message), ctx.now()});
  nlohmann::json d = details;
  d["from"] = from;
  d["to"] = to;
  ctx.audit->record(tx, AuditEntry{.municipality_id = municipality_id,
                                   .actor_user_id = actor.user_id,
                                   .actor_role = actor.role,
                                   .action = "eligibility.application." + to,
                                   .target_type = "eligibility_application",
                                   .target_id = std::to_string(application_id),
                                   .details = d,
                                   .request_id = request_id});
}

// Tells the family about a decision, through the push core when it is present.
void notifyFamily(EligibilityContext& ctx, db::Tx& tx, int64_t municipality_id,
                  int64_t household_id, int64_t application_id, const std::string& programme,
                  const std::string& status, int64_t sender) {
  if (!ctx.notifier) return;
  push::Notification n;
  n.municipality_id = municipality_id;
  n.category = "eligibility.application_status";
  for (const std::string lang : {"ja", "en"}) {
    const std::string name = programmeName(ctx, programme, lang);
    n.title[lang] = name + ctx.t(lang, "eligibility.push.status_title_suffix");
    n.body[lang] = ctx.t(lang, "eligibility.push.status." + status);
  }
  n.data = {{"route", "eligibility.application"}, {"id", std::to_string(application_id)}};
  n.source_ref = "eligibility.application:" + std::to_string(application_id);
  n.sender_user_id = sender;
  push::Audience audience;
  audience.households = {household_id};
  ctx.notifier->notify(tx, n, audience);
}

nlohmann::json parseOr(const std::optional<std::string>& text, nlohmann::json fallback) {
  if (!text) return fallback;
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
}

nlohmann::json applicationJson(const EligibilityContext& ctx, const db::Row& row,
                               const std::string& lang) {
  nlohmann::json evaluation = parseOr(row.getOptText("evaluation"), nlohmann::json::object());
  return {{"id", row.getInt("id")},
          {"programme", row.getText("programme")},
          {"programme_name", programmeName(ctx, row.getText("programme"), lang)},
          {"status", row.getText("status")},
          {"monthly_amount_yen", evaluation.value("monthly_amount_yen", 0)},
          {"answers", parseOr(row.getOptText("answers"), nlohmann::json::object())},
          {"officer_message", row.isNull("officer_message")
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(row.getText("officer_message"))},
          {"evaluated_on", row.getText("evaluated_on")},
          {"created_at", row.getText("created_at")},
          {"updated_at", row.getText("updated_at")}};
}

nlohmann::json historyOf(db::Connection& conn, int64_t application_id) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : conn.query(
           "SELECT from_status, to_status, actor_role, message, at FROM "
           "eligibility_application_events WHERE application_id = ? ORDER BY id",
           {application_id})) {
    out.push_back({{"from", e.getText("from_status")},
                   {"to", e.getText("to_status")},
                   {"by", e.getText("actor_role") == "guardian" ? "family" : "city"},
                   {"message", e.isNull("message") ? nlohmann::json(nullptr)
                                                   : nlohmann::json(e.getText("message"))},
                   {"at", e.getText("at")}});
  }
  return out;
}

constexpr const char* kColumns =
    "a.id, a.municipality_id, a.household_id, a.programme, a.status, a.answers, a.household, "
    "a.evaluation, a.evaluated_on, a.officer_message, a.created_at, a.updated_at";

}  // namespace

const std::vector<std::string>& answerableFields() {
  static const std::vector<std::string> kFields = {
      "single_parent", "resident_tax_exempt", "income_yen", "dependants",
      "child_support_received_yen", "guardians_supporting_over_18"};
  return kFields;
}

nlohmann::json submitApplication(EligibilityContext& ctx, const Principal& p,
                                 const nlohmann::json& body, const std::string& request_id) {
  requireGuardian(p);
  if (!body.is_object()) throw Error::badRequest("request.invalid_json", "expected an object");
  const std::string programme = programmeOf(body);
  int64_t id = ctx.db->transaction([&](db::Tx& tx) -> int64_t {
    // One writer per household at a time, so two taps cannot file the same application twice.
    tx.query(std::string("SELECT id FROM households WHERE id = ?") +
                 std::string(tx.dialect().forUpdate()),
             {p.household_id});
    Checked c = check(ctx, tx, p, programme, body);
    if (auto open = tx.queryOne(
            "SELECT id, status FROM eligibility_applications WHERE household_id = ? AND "
            "programme = ? AND status IN ('submitted', 'under_review', 'returned', 'approved') "
            "ORDER BY id DESC LIMIT 1",
            {p.household_id, programme})) {
      throw Error::conflict("eligibility.application_exists",
                            "an application for this programme is already open or approved",
                            {{"application_id", open->getInt("id")},
                             {"status", open->getText("status")}});
    }
    std::string now = ctx.now();
    int64_t app =
        tx.execute("INSERT INTO eligibility_applications (municipality_id, household_id, "
                   "programme, status, answers, household, evaluation, evaluated_on, "
                   "submitted_by_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?, ?)",
                   {p.municipality_id, p.household_id, programme, kSubmitted, c.answers.dump(),
                    c.household.dump(), c.evaluation.dump(), c.date, p.user_id, now, now})
            .last_insert_id;
    recordEvent(ctx, tx, p, p.municipality_id, app, "", kSubmitted, "", request_id,
                {{"programme", programme}});
    return app;
  });
  return ownApplication(ctx, p, id);
}

nlohmann::json resubmitApplication(EligibilityContext& ctx, const Principal& p,
                                   int64_t application_id, const nlohmann::json& body,
                                   const std::string& request_id) {
  requireGuardian(p);
  if (!body.is_object()) throw Error::badRequest("request.invalid_json", "expected an object");
  ctx.db->transaction([&](db::Tx& tx) {
    auto row = tx.queryOne(std::string("SELECT programme, status FROM eligibility_applications "
                                       "WHERE id = ? AND household_id = ? AND municipality_id = ?") +
                               std::string(tx.dialect().forUpdate()),
                           {application_id, p.household_id, p.municipality_id});
    if (!row) throw Error::notFound("eligibility.application_not_found", "no such application");
    if (row->getText("status") != kReturned) {
      throw Error::conflict("eligibility.invalid_transition",
                            "only a returned application can be resubmitted",
                            {{"status", row->getText("status")}});
    }
    const std::string programme = row->getText("programme");
    Checked c = check(ctx, tx, p, programme, body);
    tx.execute("UPDATE eligibility_applications SET status = ?, answers = ?, household = ?, "
               "evaluation = ?, evaluated_on = ?, officer_message = NULL, updated_at = ? "
               "WHERE id = ? AND status = ?",
               {kSubmitted, c.answers.dump(), c.household.dump(), c.evaluation.dump(), c.date,
                ctx.now(), application_id, kReturned});
    recordEvent(ctx, tx, p, p.municipality_id, application_id, kReturned, kSubmitted, "",
                request_id, {{"programme", programme}});
  });
  return ownApplication(ctx, p, application_id);
}

nlohmann::json listOwnApplications(EligibilityContext& ctx, const Principal& p,
                                   const api::PageRequest& page) {
  requireGuardian(p);
  auto conn = ctx.db->acquire();
  auto rows = conn->query(
      std::string("SELECT ") + kColumns +
          " FROM eligibility_applications a WHERE a.household_id = ? AND a.municipality_id = ? "
          "AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?",
      {p.household_id, p.municipality_id, page.after_id, page.after_id, page.limit});
  nlohmann::json items = nlohmann::json::array();
  int64_t last = 0;
  for (const auto& r : rows) {
    items.push_back(applicationJson(ctx, r, p.language));
    last = r.getInt("id");
  }
  return api::page(std::move(items), page, last);
}

nlohmann::json ownApplication(EligibilityContext& ctx, const Principal& p,
                              int64_t application_id) {
  requireGuardian(p);
  auto conn = ctx.db->acquire();
  auto row = conn->queryOne(std::string("SELECT ") + kColumns +
                                " FROM eligibility_applications a WHERE a.id = ? AND "
                                "a.household_id = ? AND a.municipality_id = ?",
                            {application_id, p.household_id, p.municipality_id});
  if (!row) throw Error::notFound("eligibility.application_not_found", "no such application");
  nlohmann::json out = applicationJson(ctx, *row, p.language);
  out["history"] = historyOf(*conn, application_id);
  return out;
}

nlohmann::json reviewQueue(EligibilityContext& ctx, const Principal& officer,
                           const std::string& status) {
  static const std::vector<std::string> kKnown = {kSubmitted, kUnderReview, kApproved, kReturned,
                                                  kRejected};
  std::string where;
  db::Params params = {officer.municipality_id};
  if (status.empty()) {
    where = " AND a.status IN ('submitted', 'under_review')";
  } else if (std::find(kKnown.begin(), kKnown.end(), status) != kKnown.end()) {
    where = " AND a.status = ?";
    params.emplace_back(status);
  } else {
    throw Error::badRequest("eligibility.invalid_status", "unknown status " + status);
  }
  auto conn = ctx.db->acquire();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : conn->query(
           std::string("SELECT ") + kColumns +
               ", h.name AS household_name FROM eligibility_applications a JOIN households h ON "
               "h.id = a.household_id WHERE a.municipality_id = ?" + where +
               " ORDER BY a.id LIMIT 200",
           params)) {
    nlohmann::json item = applicationJson(ctx, r, officer.language);
    item["household_name"] = r.getText("household_name");
    items.push_back(std::move(item));
  }
  return items;
}

nlohmann::json reviewDetail(EligibilityContext& ctx, const Principal& officer,
                            int64_t application_id) {
  auto conn = ctx.db->acquire();
  auto row = conn->queryOne(std::string("SELECT ") + kColumns +
                                ", h.name AS household_name FROM eligibility_applications a "
                                "JOIN households h ON h.id = a.household_id WHERE a.id = ? AND "
                                "a.municipality_id = ?",
                            {application_id, officer.municipality_id});
  if (!row) throw Error::notFound("eligibility.application_not_found", "no such application");
  const std::string& lang = officer.language;
  nlohmann::json out = applicationJson(ctx, *row, lang);
  out["household_id"] = row->getInt("household_id");
  out["household_name"] = row->getText("household_name");
  out["household"] = parseOr(row->getOptText("household"), nlohmann::json::object());
  nlohmann::ordered_json stored =
      nlohmann::ordered_json::parse(row->getOptText("evaluation").value_or("{}"));
  out["evaluation_at_submission"] =
      localize({{"date", row->getText("evaluated_on")}, {"results", {stored}}}, lang)["results"][0];
  // The same submission evaluated again today (rules or ages may have moved since).
  try {
    auto now = evaluateJson(ctx, out["household"], ctx.today(), lang);
    for (const auto& r : now["results"]) {
      if (r["programme"] == row->getText("programme")) out["evaluation_today"] = r;
    }
  } catch (const eligibility::EligibilityError& e) {
    out["evaluation_today"] = {{"status", "invalid"}, {"error", e.what()}};
  }
  out["history"] = historyOf(*conn, application_id);
  return out;
}

void decide(EligibilityContext& ctx, const Principal& officer, int64_t application_id,
            const std::string& action, const std::string& message,
            const std::string& request_id) {
  static const std::map<std::string, std::pair<std::vector<std::string>, std::string>> kActions =
      {{"review", {{kSubmitted}, kUnderReview}},
       {"approve", {{kSubmitted, kUnderReview}, kApproved}},
       {"return", {{kSubmitted, kUnderReview}, kReturned}},
       {"reject", {{kSubmitted, kUnderReview}, kRejected}}};
  auto it = kActions.find(action);
  if (it == kActions.end()) {
    throw Error::invalid("eligibility.invalid_action", "action must be review, approve, return "
                         "or reject", {{"field", "action"}});
  }
  const std::string& to = it->second.second;
  if ((to == kReturned || to == kRejected) && message.empty()) {
    throw Error::invalid("eligibility.message_required",
                         "say what the family should know or correct", {{"field", "message"}});
  }
  if (message.size() > kMaxMessage) {
    throw Error::invalid("eligibility.message_too_long", "the message is too long",
                         {{"field", "message"}});
  }
  ctx.db->transaction([&](db::Tx& tx) {
    auto row = tx.queryOne(std::string("SELECT household_id, programme, status FROM "
                                       "eligibility_applications WHERE id = ? AND "
                                       "municipality_id = ?") +
                               std::string(tx.dialect().forUpdate()),
                           {application_id, officer.municipality_id});
    if (!row) throw Error::notFound("eligibility.application_not_found", "no such application");
    const std::string from = row->getText("status");
    const auto& allowed = it->second.first;
    if (std::find(allowed.begin(), allowed.end(), from) == allowed.end()) {
      throw Error::conflict("eligibility.invalid_transition",
                            "cannot " + action + " an application that is " + from,
                            {{"status", from}});
    }
    auto changed = tx.execute(
        "UPDATE eligibility_applications SET status = ?, officer_message = ?, "
        "decided_by_user_id = ?, updated_at = ? WHERE id = ? AND status = ?",
        {to, message.empty() ? db::Value() : db::Value(message), officer.user_id, ctx.now(),
         application_id, from});
    if (changed.affected_rows != 1) {
      throw Error::conflict("eligibility.invalid_transition", "the application changed meanwhile");
    }
    recordEvent(ctx, tx, officer, officer.municipality_id, application_id, from, to, message,
                request_id, {{"programme", row->getText("programme")}});
    notifyFamily(ctx, tx, officer.municipality_id, row->getInt("household_id"), application_id,
                 row->getText("programme"), to, officer.user_id);
  });
}

}  // namespace sukusuku::eligibility_plugin
