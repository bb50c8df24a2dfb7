#include "notices.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <Poco/URI.h>

#include <sukusuku/api.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

namespace sukusuku::messaging {

namespace {

const std::set<std::string> kKinds = {"absence", "late", "early_pickup"};
const std::set<std::string> kReasons = {"illness", "family", "other"};
const std::vector<std::string> kSymptoms = {"fever",    "cough",    "runny_nose", "vomiting",
                                            "diarrhea", "rash",     "other"};

const char* kSelect =
    "SELECT id, facility_id, child_id, date, kind, reason, symptoms, temperature_dc, at_time, "
    "note, by_user_id, created_at, acknowledged_by_user_id, acknowledged_at, cancelled_at FROM "
    "messaging_notices ";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

nlohmann::json noticeJson(const db::Row& row) {
  nlohmann::json j = {{"id", row.getInt("id")},
                      {"facility_id", row.getInt("facility_id")},
                      {"child_id", row.getInt("child_id")},
                      {"date", row.getText("date")},
                      {"kind", row.getText("kind")},
                      {"reason", row.getText("reason")},
                      {"symptoms", split(row.getText("symptoms"))},
                      {"temperature", nullptr},
                      {"time", row.getOptText("at_time").value_or("")},
                      {"note", row.getOptText("note").value_or("")},
                      {"created_at", row.getText("created_at")},
                      {"acknowledged", !row.isNull("acknowledged_at")},
                      {"acknowledged_at", row.getOptText("acknowledged_at").value_or("")},
                      {"cancelled", !row.isNull("cancelled_at")}};
  if (auto t = row.getOptInt("temperature_dc")) j["temperature"] = static_cast<double>(*t) / 10.0;
  return j;
}

std::map<int64_t, std::vector<nlohmann::json>> noticesAtFacility(db::Connection& conn,
                                                                 int64_t municipality_id,
                                                                 int64_t facility_id,
                                                                 const std::string& date) {
  std::map<int64_t, std::vector<nlohmann::json>> out;
  for (const auto& r : conn.query(std::string(kSelect) +
                                      "WHERE municipality_id = ? AND facility_id = ? AND date = ? "
                                      "AND cancelled_at IS NULL ORDER BY id",
                                  {municipality_id, facility_id, date})) {
    out[r.getInt("child_id")].push_back(noticeJson(r));
  }
  return out;
}

void addNotices(Env& env) {
  PluginContext& ctx = *env.ctx;

  // A guardian's notice: {child_id, date, kind, reason, symptoms[], temperature, time, note}.
  ctx.addRoute(
      {"POST", "/api/v1/messaging/notices", "messaging.notices.send", [&env](Request& r) {
         auto body = r.json();
         if (!body.is_object() || !body.contains("child_id") ||
             !body["child_id"].is_number_integer()) {
           throw Error::invalid("messaging.invalid_notice", "child_id is required");
         }
         int64_t child = body["child_id"];
         std::string today = tokyoDate(env.clock->now());
         std::string date = requireDate(body, "date");
         if (date < today) {
           throw Error::invalid("messaging.date_in_past", "a notice is for today or later");
         }
         if (daysFromDate(date) - daysFromDate(today) > 60) {
           throw Error::invalid("messaging.date_too_far", "a notice is for the next 60 days");
         }
         std::string kind = body.value("kind", ""), reason = body.value("reason", "");
         if (!kKinds.count(kind)) {
           throw Error::invalid("messaging.invalid_kind", "kind: absence, late or early_pickup");
         }
         if (!kReasons.count(reason)) {
           throw Error::invalid("messaging.invalid_reason", "reason: illness, family or other");
         }
         std::string symptoms;
         if (body.contains("symptoms") && !body["symptoms"].is_null()) {
           if (!body["symptoms"].is_array()) {
             throw Error::invalid("messaging.invalid_symptom", "symptoms must be a list");
           }
           std::set<std::string> seen;
           for (const auto& s : body["symptoms"]) {
             if (!s.is_string() ||
                 std::find(kSymptoms.begin(), kSymptoms.end(), s.get<std::string>()) ==
                     kSymptoms.end()) {
               throw Error::invalid("messaging.invalid_symptom", "unknown symptom",
                                    {{"allowed", kSymptoms}});
             }
             if (seen.insert(s.get<std::string>()).second) {
               symptoms += (symptoms.empty() ? "" : ",") + s.get<std::string>();
             }
           }
         }
         if (reason == "illness" && symptoms.empty()) {
           throw Error::invalid("messaging.symptoms_required",
                                "an illness notice names at least one symptom");
         }
         db::Value temperature;
         if (body.contains("temperature") && !body["temperature"].is_null()) {
           if (!body["temperature"].is_number()) {
             throw Error::invalid("messaging.temperature_out_of_range",
                                  "temperature must be a number (°C)");
           }
           double t = body["temperature"];
           if (!(t >= 34.0 && t <= 42.0)) {
             throw Error::invalid("messaging.temperature_out_of_range",
                                  "temperature must be between 34.0 and 42.0 °C",
                                  {{"min", 34.0}, {"max", 42.0}});
           }
           temperature = static_cast<int64_t>(std::lround(t * 10));
         }
         std::string time;
         if (kind != "absence") time = requireTime(body, "time");
         std::string note = optionalText(body, "note", 1000);

         auto conn = env.db->acquire();
         const Principal& p = r.user();
         tenancy::requireChild(*conn, p, child, today);
         auto enrolment = enrolmentOn(*conn, p.municipality_id, child, date);
         if (!enrolment) {
           throw Error::invalid("messaging.not_enrolled", "the child is not enrolled on that date");
         }
         std::string now = formatUtc(env.clock->now());
         nlohmann::json out = env.db->transaction([&](db::Tx& tx) {
           int64_t id =
               tx.execute(
                     "INSERT INTO messaging_notices (municipality_id, facility_id, child_id, date, "
                     "kind, reason, symptoms, temperature_dc, at_time, note, by_user_id, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     {p.municipality_id, enrolment->facility_id, child, date, kind, reason,
                      symptoms, temperature, time.empty() ? db::Value() : db::Value(time),
                      note.empty() ? db::Value() : db::Value(note), p.user_id, now})
                   .last_insert_id;
           if (env.notifier) {
             push::Notification n;
             n.municipality_id = p.municipality_id;
             n.category = "messaging.notice_received";
             n.title = {{"ja", "連絡が届きました"}, {"en", "A notice arrived"}};
             n.body = {{"ja", date + " " + kind}, {"en", date + " " + kind}};
             n.data = {{"route", "messaging.notice"}, {"id", std::to_string(id)}};
             n.source_ref = "messaging.absence:" + std::to_string(id);
             n.sender_user_id = p.user_id;
             push::Audience a;
             a.staff_of_facilities = {enrolment->facility_id};
             env.notifier->notify(tx, n, a);
           }
           return noticeJson(*tx.queryOne(std::string(kSelect) + "WHERE id = ?", {id}));
         });
         return Response::json(out, 201);
       }});

  // The guardian's own notices for a child, newest first (?child_id=, cursor pages).
  ctx.addRoute({"GET", "/api/v1/messaging/notices", "messaging.notices.send", [&env](Request& r) {
                  auto child_q = r.queryParam("child_id");
                  int64_t child = 0;
                  try {
                    child = child_q ? std::stoll(*child_q) : 0;
                  } catch (const std::exception&) {
                  }
                  if (child <= 0) {
                    throw Error::invalid("messaging.invalid_notice", "?child_id= is required");
                  }
                  auto page = api::pageRequest(r);
                  auto conn = env.db->acquire();
                  tenancy::requireChild(*conn, r.user(), child, tokyoDate(env.clock->now()));
                  auto rows = conn->query(
                      std::string(kSelect) + "WHERE child_id = ? AND municipality_id = ? AND " +
                          (page.after_id ? "id < ? " : "id > ? ") + "ORDER BY id DESC LIMIT ?",
                      {child, r.user().municipality_id, page.after_id, page.limit});
                  nlohmann::json items = nlohmann::json::array();
                  int64_t last = 0;
                  for (const auto& row : rows) {
                    items.push_back(noticeJson(row));
                    last = row.getInt("id");
                  }
                  return Response::json(api::page(items, page, last));
                }});

  // A guardian withdraws a notice (the child comes after all).
  ctx.addRoute(
      {"POST", "/api/v1/messaging/notices/{notice_id}/cancel", "messaging.notices.send",
       [&env](Request& r) {
         int64_t id = r.idParam("notice_id");
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         auto row = conn->queryOne(std::string(kSelect) + "WHERE id = ? AND municipality_id = ?",
                                   {id, p.municipality_id});
         if (!row ||
             !tenancy::canSeeChild(*conn, p, row->getInt("child_id"), tokyoDate(env.clock->now()))) {
           throw Error::notFound("messaging.notice_not_found", "no such notice");
         }
         if (row->isNull("cancelled_at")) {
           conn->execute("UPDATE messaging_notices SET cancelled_at = ? WHERE id = ?",
                         {formatUtc(env.clock->now()), id});
         }
         return Response::json(
             noticeJson(*conn->queryOne(std::string(kSelect) + "WHERE id = ?", {id})));
       }});

  // Staff: the day's notices with acknowledge buttons and the facility's summary.
  ctx.addRoute({"GET", "/web/messaging/notices", "messaging.notices.read", [&env](Request& r) {
    auto conn = env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    std::string date = r.queryParam("date").value_or(tokyoDate(env.clock->now()));
    if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "date: YYYY-MM-DD");
    const Principal& p = r.user();
    auto rows = conn->query(
        "SELECT n.id, n.facility_id, n.child_id, n.date, n.kind, n.reason, n.symptoms, "
        "n.temperature_dc, n.at_time, n.note, n.by_user_id, n.created_at, "
        "n.acknowledged_by_user_id, n.acknowledged_at, n.cancelled_at, c.family_name, "
        "c.given_name, cl.name AS class_name FROM messaging_notices n JOIN children c ON c.id = "
        "n.child_id LEFT JOIN enrolments e ON e.child_id = n.child_id AND e.facility_id = "
        "n.facility_id AND e.starts_on <= n.date AND (e.ends_on IS NULL OR e.ends_on >= n.date) "
        "LEFT JOIN classes cl ON cl.id = e.class_id WHERE n.municipality_id = ? AND "
        "n.facility_id = ? AND n.date = ? ORDER BY n.id",
        {p.municipality_id, facility, date});
    const I18n& i18n = env.web->i18n();
    nlohmann::json items = nlohmann::json::array();
    std::map<std::string, int> by_kind, by_reason, by_symptom;
    int total = 0, unacknowledged = 0;
    for (const auto& row : rows) {
      nlohmann::json j = noticeJson(row);
      j["child_name"] = row.getText("family_name") + " " + row.getText("given_name");
      j["class_name"] = row.getOptText("class_name").value_or("");
      j["kind_label"] = i18n.t(r.language, "messaging.notice_kind." + j["kind"].get<std::string>());
      j["reason_label"] =
          i18n.t(r.language, "messaging.notice_reason." + j["reason"].get<std::string>());
      std::string symptoms_label;
      for (const auto& s : j["symptoms"]) {
        symptoms_label += (symptoms_label.empty() ? "" : "・") +
                          i18n.t(r.language, "messaging.symptom." + s.get<std::string>());
      }
      j["symptoms_label"] = symptoms_label;
      if (!j["temperature"].is_null()) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.1f", j["temperature"].get<double>());
        j["temperature_label"] = std::string(buf) + "℃";
      }
      if (!j["cancelled"].get<bool>()) {
        ++total;
        ++by_kind[j["kind"]];
        ++by_reason[j["reason"]];
        if (j["reason"] == "illness") {
          for (const auto& s : j["symptoms"]) ++by_symptom[s];
        }
        if (!j["acknowledged"].get<bool>()) ++unacknowledged;
      }
      items.push_back(j);
    }
    auto counts = [&](const std::map<std::string, int>& m, const std::string& prefix) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& [k, n] : m) {
        out.push_back({{"key", k}, {"label", i18n.t(r.language, prefix + k)}, {"count", n}});
      }
      return out;
    };
    nlohmann::json summary = {{"total", total},
                              {"unacknowledged", unacknowledged},
                              {"by_kind", counts(by_kind, "messaging.notice_kind.")},
                              {"by_reason", counts(by_reason, "messaging.notice_reason.")},
                              {"by_symptom", counts(by_symptom, "messaging.symptom.")}};
    if (r.queryParam("format").value_or("") == "json") {
      return Response::json({{"facility_id", facility}, {"date", date}, {"items", items},
                             {"summary", summary}});
    }
    return env.web->page(r, "messaging/notices",
                         {{"facility_id", facility},
                          {"date", date},
                          {"items", items},
                          {"has_items", !items.empty()},
                          {"summary", summary}},
                         "messaging.notices.title");
  }});

  ctx.addRoute({"POST", "/web/messaging/notices/{notice_id}/acknowledge",
                "messaging.notices.acknowledge", [&env](Request& r) {
                  int64_t id = r.idParam("notice_id");
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  auto row = conn->queryOne(
                      "SELECT facility_id, date FROM messaging_notices WHERE id = ? AND "
                      "municipality_id = ?",
                      {id, p.municipality_id});
                  if (!row || !tenancy::canSeeFacility(*conn, p, row->getInt("facility_id"))) {
                    throw Error::notFound("messaging.notice_not_found", "no such notice");
                  }
                  conn->execute(
                      "UPDATE messaging_notices SET acknowledged_by_user_id = ?, acknowledged_at "
                      "= ? WHERE id = ? AND acknowledged_at IS NULL",
                      {p.user_id, formatUtc(env.clock->now()), id});
                  std::string next = "/web/messaging/notices?facility_id=" +
                                     std::to_string(row->getInt("facility_id")) +
                                     "&date=" + row->getText("date");
                  auto form = r.form();
                  if (formField(form, "back") == "board") {
                    next = "/web/messaging/board?facility_id=" +
                           std::to_string(row->getInt("facility_id"));
                  }
                  return Response::redirect(next);
                }});
}

}  // namespace sukusuku::messaging
