// Attendance routes: the guardian's QR check-in/out and pick-up notes (API), the staff class
// board with one-tap check-in/out, the correction history, the entrance QR page and staff
// clock-in/out (web).
#include <set>

#include <sukusuku/audit.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "attendance.h"
#include "checkin_batcher.h"
#include "notices.h"
#include "planned.h"

namespace sukusuku::messaging {

namespace {

int64_t childIdFrom(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("child_id") || !body["child_id"].is_number_integer() ||
      body["child_id"].get<int64_t>() <= 0) {
    throw Error::invalid("messaging.invalid_request", "child_id is required",
                         {{"field", "child_id"}});
  }
  return body["child_id"];
}

int64_t formId(const std::multimap<std::string, std::string>& form, const std::string& name) {
  try {
    size_t used = 0;
    std::string v = formField(form, name);
    int64_t id = std::stoll(v, &used);
    if (used == v.size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw Error::invalid("messaging.invalid_request", name + " is required", {{"field", name}});
}

int64_t optId(const std::multimap<std::string, std::string>& form, const std::string& name) {
  try {
    return std::max<int64_t>(0, std::stoll(formField(form, name)));
  } catch (const std::exception&) {
    return 0;
  }
}

// The guardian row of the calling user in the child's household.
std::optional<db::Row> callerGuardian(db::Connection& conn, const Principal& p,
                                      int64_t household_id) {
  return conn.queryOne(
      "SELECT id, family_name, given_name, may_pick_up FROM guardians WHERE user_id = ? AND "
      "household_id = ? AND municipality_id = ?",
      {p.user_id, household_id, p.municipality_id});
}

// A guardian scans the entrance code: check the child in or out.
Response guardianMark(Env& env, Request& r, const std::string& kind) {
  auto body = r.json();
  int64_t child = childIdFrom(body);
  if (!body.contains("qr") || !body["qr"].is_string()) {
    throw Error::invalid("messaging.qr_invalid", "scan the code at the entrance (qr)",
                         {{"field", "qr"}});
  }
  const Principal& p = r.user();
  std::string today = tokyoDate(env.clock->now());
  Mark m;
  m.municipality_id = p.municipality_id;
  m.child_id = child;
  m.date = today;
  m.kind = kind;
  m.source = "qr";
  m.person_kind = "guardian";
  m.note = optionalText(body, "note", 500);
  m.by_user_id = p.user_id;
  // The morning rush: a guardian with today's valid code for their own child, enrolled there,
  // is checked and recorded with the marks of other requests (group commit, checkin_batcher.h)
  // or alone in one transaction of four statements. Anything else falls through
  // to the checks one by one below, which give the precise error.
  if (p.role == roles::kGuardian && p.household_id != 0) {
    int64_t facility = 0;
    try {
      facility = verifyQrToken(env.qr_secret, body["qr"], today);
    } catch (const Error&) {
    }
    if (facility > 0) {
      m.facility_id = facility;
      if (env.checkins) {
        MarkOutcome o = env.checkins->submit(GuardianMark{m, p.household_id, p.user_id});
        if (o.kind == MarkOutcome::Kind::kRefused) throw *o.error;
        if (o.kind == MarkOutcome::Kind::kWritten) return Response::json(o.row, 201);
      } else if (auto done = recordGuardianMarkFast(env, m, p.household_id, p.user_id)) {
        return Response::json(*done, 201);
      }
    }
  }
  {
    // The reads use one pooled connection, given back before recordMark takes its own for the
    // transaction, so a request never holds two (a full pool would otherwise stall the rush).
    auto conn = env.db->acquire();
    tenancy::requireChild(*conn, p, child, today);
    int64_t facility = verifyQrToken(env.qr_secret, body["qr"], today);
    auto enrolment = enrolmentOn(*conn, p.municipality_id, child, today);
    if (!enrolment || enrolment->facility_id != facility) {
      throw Error::invalid("messaging.qr_wrong_facility",
                           "this code belongs to another facility than the child's");
    }
    auto guardian = callerGuardian(*conn, p, enrolment->household_id);
    if (!guardian) throw Error::forbidden("messaging.not_a_guardian", "you are not a guardian");
    if (kind == "check_out" && !guardian->getBool("may_pick_up")) {
      throw Error::invalid("messaging.pickup_not_authorised",
                           "you are not registered to pick this child up; ask the nursery");
    }
    m.facility_id = facility;
    m.person_id = guardian->getInt("id");
    m.person_name = guardian->getText("family_name") + " " + guardian->getText("given_name");
  }
  return Response::json(recordMark(env, m), 201);
}

struct PickupOption {
  std::string value;  // guardian:ID, pickup_person:ID, note:ID
  std::string label;
};

// Who may pick each child of FACILITY up on DATE.
std::map<int64_t, std::vector<PickupOption>> pickupOptions(db::Connection& conn,
                                                           int64_t municipality_id,
                                                           int64_t facility_id,
                                                           const std::string& date,
                                                           int64_t only_child = 0) {
  std::map<int64_t, std::vector<PickupOption>> out;
  const std::string enrolled =
      " JOIN enrolments e ON e.child_id = c.id AND e.facility_id = ? AND e.municipality_id = ? "
      "AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) WHERE (? = 0 OR c.id = ?)";
  db::Params params = {facility_id, municipality_id, date, date, only_child, only_child};
  for (const auto& r : conn.query(
           "SELECT c.id AS child_id, g.id, g.family_name, g.given_name, g.relationship FROM "
           "guardians g JOIN children c ON c.household_id = g.household_id" +
               enrolled + " AND g.may_pick_up = 1 ORDER BY g.id",
           params)) {
    out[r.getInt("child_id")].push_back(
        {"guardian:" + std::to_string(r.getInt("id")),
         r.getText("family_name") + " " + r.getText("given_name")});
  }
  for (const auto& r : conn.query(
           "SELECT c.id AS child_id, pp.id, pp.name, pp.relationship FROM pickup_persons pp JOIN "
           "children c ON c.household_id = pp.household_id" +
               enrolled + " ORDER BY pp.id",
           params)) {
    out[r.getInt("child_id")].push_back(
        {"pickup_person:" + std::to_string(r.getInt("id")),
         r.getText("name") + "（" + r.getText("relationship") + "）"});
  }
  db::Params note_params = {facility_id, municipality_id, date, date, only_child, only_child, date};
  for (const auto& r : conn.query(
           "SELECT c.id AS child_id, n.id, n.person_name, n.relationship FROM "
           "messaging_pickup_notes n JOIN children c ON c.id = n.child_id" +
               enrolled + " AND n.date = ? ORDER BY n.id",
           note_params)) {
    out[r.getInt("child_id")].push_back(
        {"note:" + std::to_string(r.getInt("id")),
         r.getText("person_name") + "（" + r.getText("relationship") + "・連絡あり）"});
  }
  return out;
}

std::string boardUrl(int64_t facility, int64_t class_id) {
  std::string u = "/web/messaging/board?facility_id=" + std::to_string(facility);
  if (class_id) u += "&class_id=" + std::to_string(class_id);
  return u;
}

nlohmann::json staffClockState(db::Connection& conn, const Principal& p, int64_t facility,
                               const std::string& date) {
  auto staff = conn.queryOne("SELECT id FROM staff WHERE user_id = ? AND municipality_id = ?",
                             {p.user_id, p.municipality_id});
  nlohmann::json out = {{"is_staff", static_cast<bool>(staff)}};
  if (!staff) return out;
  for (const auto& r : conn.query(
           "SELECT kind, at FROM messaging_staff_clock WHERE staff_id = ? AND date = ? AND "
           "facility_id = ? ORDER BY id",
           {staff->getInt("id"), date, facility})) {
    out[r.getText("kind")] = tokyoTimeOfUtc(r.getText("at"));
  }
  out["can_clock_in"] = !out.contains("clock_in");
  out["can_clock_out"] = out.contains("clock_in") && !out.contains("clock_out");
  return out;
}

nlohmann::json boardData(Env& env, db::Connection& conn, const Request& r, int64_t facility,
                         int64_t class_id, const std::string& date) {
  const Principal& p = r.user();
  const I18n& i18n = env.web->i18n();
  auto plans = plansAtFacility(conn, p.municipality_id, facility, date);
  auto notices = noticesAtFacility(conn, p.municipality_id, facility, date);
  auto days = dayAtFacility(conn, p.municipality_id, facility, date);
  auto pickups = pickupOptions(conn, p.municipality_id, facility, date);
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : classesAtFacility(conn, p.municipality_id, facility, date)) {
    classes.push_back({{"id", c.getInt("id")},
                       {"name", c.getText("name")},
                       {"url", boardUrl(facility, c.getInt("id"))},
                       {"active", c.getInt("id") == class_id}});
  }
  auto rows = conn.query(
      "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, "
      "c.birth_date, e.class_id, cl.name AS class_name FROM children c JOIN enrolments e ON "
      "e.child_id = c.id LEFT JOIN classes cl ON cl.id = e.class_id WHERE e.facility_id = ? AND "
      "e.municipality_id = ? AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) AND "
      "(? = 0 OR e.class_id = ?) ORDER BY cl.age_group, c.family_name_kana, c.given_name_kana, "
      "c.id",
      {facility, p.municipality_id, date, date, class_id, class_id});
  nlohmann::json children = nlohmann::json::array();
  int present = 0, expected = 0, absent = 0, not_arrived = 0, left = 0;
  std::string now_time = tokyoTime(env.clock->now());
  bool today = date == tokyoDate(env.clock->now());
  for (const auto& row : rows) {
    int64_t id = row.getInt("id");
    nlohmann::json c = {{"id", id},
                        {"name", row.getText("family_name") + " " + row.getText("given_name")},
                        {"kana", row.getText("family_name_kana") + " " +
                                     row.getText("given_name_kana")},
                        {"class_name", row.getOptText("class_name").value_or("")},
                        {"age", ageOnAprilFirst(row.getText("birth_date"), date)},
                        {"history_url", "/web/messaging/children/" + std::to_string(id) +
                                            "/attendance?date=" + date}};
    const DayPlan* plan = plans.count(id) ? &plans[id] : nullptr;
    const ChildDay& day = days[id];
    if (plan && plan->expected) {
      ++expected;
      c["planned"] = plan->arrive_at + "–" + plan->leave_at;
    }
    std::string status;
    nlohmann::json child_notices = nlohmann::json::array();
    bool absence = false;
    for (const auto& n : notices[id]) {
      nlohmann::json nn = n;
      nn["kind_label"] = i18n.t(r.language, "messaging.notice_kind." + n["kind"].get<std::string>());
      nn["reason_label"] =
          i18n.t(r.language, "messaging.notice_reason." + n["reason"].get<std::string>());
      if (n["kind"] == "absence") absence = true;
      child_notices.push_back(nn);
    }
    c["notices"] = child_notices;
    if (day.check_in) c["check_in"] = (*day.check_in)["time"];
    if (day.check_out) {
      c["check_out"] = (*day.check_out)["time"];
      c["picked_up_by"] = (*day.check_out)["person_name"];
    }
    if (day.check_out) {
      status = "left";
      ++left;
    } else if (day.check_in) {
      status = "present";
      ++present;
      nlohmann::json opts = nlohmann::json::array();
      for (const auto& o : pickups[id]) opts.push_back({{"value", o.value}, {"label", o.label}});
      c["pickup_options"] = opts;
    } else if (absence || (plan && plan->absent_exception)) {
      status = "absent";
      ++absent;
    } else if (plan && plan->expected) {
      status = "not_arrived";
      ++not_arrived;
      c["overdue"] = today && plan->arrive_at < now_time;
    } else {
      status = "not_expected";
    }
    c["status"] = status;
    c["status_label"] = i18n.t(r.language, "messaging.status." + status);
    c["can_check_in"] = today && !day.check_in;
    c["can_check_out"] = today && day.check_in && !day.check_out;
    children.push_back(c);
  }
  auto fac = conn.queryOne("SELECT name FROM facilities WHERE id = ?", {facility});
  return {{"facility_id", facility},
          {"facility_name", fac ? fac->getText("name") : ""},
          {"class_id", class_id},
          {"all_url", boardUrl(facility, 0)},
          {"all_active", class_id == 0},
          {"classes", classes},
          {"date", date},
          {"today", today},
          {"now", now_time},
          {"children", children},
          {"counts",
           {{"present", present},
            {"expected", expected},
            {"absent", absent},
            {"not_arrived", not_arrived},
            {"left", left},
            {"total", children.size()}}},
          {"clock", staffClockState(conn, p, facility, date)},
          {"back", boardUrl(facility, class_id)}};
}

}  // namespace

void addAttendance(Env& env) {
  PluginContext& ctx = *env.ctx;

  ctx.addRoute({"POST", "/api/v1/messaging/attendance/check-in", "messaging.attendance.self",
                [&env](Request& r) { return guardianMark(env, r, "check_in"); }});
  ctx.addRoute({"POST", "/api/v1/messaging/attendance/check-out", "messaging.attendance.self",
                [&env](Request& r) { return guardianMark(env, r, "check_out"); }});

  // A child's day: the records in force and the whole history with corrections.
  ctx.addRoute({"GET", "/api/v1/messaging/children/{child_id}/attendance",
                "messaging.attendance.read", [&env](Request& r) {
                  int64_t child = r.idParam("child_id");
                  std::string today = tokyoDate(env.clock->now());
                  std::string date = r.queryParam("date").value_or(today);
                  if (!validDate(date)) {
                    throw Error::invalid("messaging.invalid_date", "date must be YYYY-MM-DD");
                  }
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, today);
                  ChildDay day = dayOfChild(*conn, p.municipality_id, child, date);
                  nlohmann::json history = nlohmann::json::array();
                  for (const auto& row : conn->query(
                           "SELECT * FROM messaging_attendance WHERE child_id = ? AND date = ? "
                           "AND municipality_id = ? ORDER BY id",
                           {child, date, p.municipality_id})) {
                    history.push_back(attendanceRowJson(row));
                  }
                  return Response::json(
                      {{"child_id", child},
                       {"date", date},
                       {"check_in", day.check_in ? *day.check_in : nlohmann::json(nullptr)},
                       {"check_out", day.check_out ? *day.check_out : nlohmann::json(nullptr)},
                       {"history", history}});
                }});

  // A guardian says someone else picks the child up today: {date, person_name, relationship}.
  ctx.addRoute({"POST", "/api/v1/messaging/children/{child_id}/pickup-notes",
                "messaging.attendance.self", [&env](Request& r) {
                  int64_t child = r.idParam("child_id");
                  auto body = r.json();
                  std::string today = tokyoDate(env.clock->now());
                  std::string date = requireDate(body, "date");
                  if (date < today) {
                    throw Error::invalid("messaging.date_in_past", "a note is for today or later");
                  }
                  std::string name = optionalText(body, "person_name", 100);
                  std::string relationship = optionalText(body, "relationship", 50);
                  if (name.empty() || relationship.empty()) {
                    throw Error::invalid("messaging.invalid_pickup_note",
                                         "person_name and relationship are required");
                  }
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, today);
                  std::string now = formatUtc(env.clock->now());
                  int64_t id =
                      conn->execute(
                              "INSERT INTO messaging_pickup_notes (municipality_id, child_id, "
                              "date, person_name, relationship, by_user_id, created_at) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?)",
                              {p.municipality_id, child, date, name, relationship, p.user_id, now})
                          .last_insert_id;
                  return Response::json({{"id", id},
                                         {"child_id", child},
                                         {"date", date},
                                         {"person_name", name},
                                         {"relationship", relationship}},
                                        201);
                }});

  // The class board (登降園ボード).
  ctx.addRoute({"GET", "/web/messaging/board", "messaging.attendance.staff", [&env](Request& r) {
                  auto conn = env.db->acquire();
                  int64_t facility = staffFacility(*conn, r);
                  int64_t class_id = 0;
                  if (auto q = r.queryParam("class_id"); q && !q->empty()) {
                    try {
                      class_id = std::stoll(*q);
                    } catch (const std::exception&) {
                      throw Error::notFound("messaging.class_not_found", "no such class");
                    }
                  }
                  std::string date = r.queryParam("date").value_or(tokyoDate(env.clock->now()));
                  if (!validDate(date)) {
                    throw Error::invalid("messaging.invalid_date", "date must be YYYY-MM-DD");
                  }
                  nlohmann::json data = boardData(env, *conn, r, facility, class_id, date);
                  if (r.queryParam("format").value_or("") == "json") return Response::json(data);
                  return env.web->page(r, "messaging/board", data, "messaging.board.title");
                }});

  // One tap: check a child in (staff).
  ctx.addRoute({"POST", "/web/messaging/board/check-in", "messaging.attendance.staff",
                [&env](Request& r) {
                  auto form = r.form();
                  int64_t child = formId(form, "child_id");
                  std::string today = tokyoDate(env.clock->now());
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, today);
                  auto e = enrolmentOn(*conn, p.municipality_id, child, today);
                  Mark m;
                  m.municipality_id = p.municipality_id;
                  m.child_id = child;
                  m.facility_id = e ? e->facility_id : 0;
                  m.date = today;
                  m.kind = "check_in";
                  m.source = "staff";
                  m.person_kind = "staff";
                  m.person_id = p.user_id;
                  m.person_name = p.display_name;
                  m.by_user_id = p.user_id;
                  recordMark(env, m);
                  return Response::redirect(boardUrl(m.facility_id, optId(form, "class_id")));
                }});

  // One tap: check a child out, naming who picks up (pickup=guardian:ID | pickup_person:ID |
  // note:ID).
  ctx.addRoute(
      {"POST", "/web/messaging/board/check-out", "messaging.attendance.staff", [&env](Request& r) {
         auto form = r.form();
         int64_t child = formId(form, "child_id");
         std::string pickup = formField(form, "pickup");
         std::string today = tokyoDate(env.clock->now());
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         tenancy::requireChild(*conn, p, child, today);
         auto e = enrolmentOn(*conn, p.municipality_id, child, today);
         if (!e) throw Error::notFound("tenancy.child_not_found", "no such child");
         Mark m;
         m.municipality_id = p.municipality_id;
         m.child_id = child;
         m.facility_id = e->facility_id;
         m.date = today;
         m.kind = "check_out";
         m.source = "staff";
         m.by_user_id = p.user_id;
         auto options = pickupOptions(*conn, p.municipality_id, e->facility_id, today, child);
         const PickupOption* chosen = nullptr;
         for (const auto& o : options[child]) {
           if (o.value == pickup) chosen = &o;
         }
         if (!chosen) {
           throw Error::invalid("messaging.pickup_not_authorised",
                                "only a guardian, a registered pick-up person or someone a "
                                "guardian named for today may pick the child up");
         }
         size_t colon = pickup.find(':');
         std::string kind = pickup.substr(0, colon);
         m.person_kind = kind == "note" ? "other" : kind;
         m.person_id = std::stoll(pickup.substr(colon + 1));
         m.person_name = chosen->label;
         if (kind == "guardian" || kind == "pickup_person") {
           size_t paren = m.person_name.find("（");
           if (paren != std::string::npos) m.person_name = m.person_name.substr(0, paren);
         }
         recordMark(env, m);
         return Response::redirect(boardUrl(e->facility_id, optId(form, "class_id")));
       }});

  // A child's records for a day, corrections included, with the correction form.
  ctx.addRoute({"GET", "/web/messaging/children/{child_id}/attendance",
                "messaging.attendance.staff", [&env](Request& r) {
                  int64_t child = r.idParam("child_id");
                  std::string date = r.queryParam("date").value_or(tokyoDate(env.clock->now()));
                  if (!validDate(date)) {
                    throw Error::invalid("messaging.invalid_date", "date must be YYYY-MM-DD");
                  }
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, date);
                  env.ctx->audit().record(*conn, {.municipality_id = p.municipality_id,
                                                  .actor_user_id = p.user_id,
                                                  .actor_role = p.role,
                                                  .action = "messaging.attendance.read",
                                                  .target_type = "child",
                                                  .target_id = std::to_string(child),
                                                  .details = {{"date", date}},
                                                  .request_id = r.request_id});
                  auto c = conn->queryOne(
                      "SELECT family_name, given_name FROM children WHERE id = ?", {child});
                  nlohmann::json history = nlohmann::json::array();
                  const I18n& i18n = env.web->i18n();
                  for (const auto& row : conn->query(
                           "SELECT * FROM messaging_attendance WHERE child_id = ? AND date = ? "
                           "AND municipality_id = ? ORDER BY id",
                           {child, date, p.municipality_id})) {
                    auto j = attendanceRowJson(row);
                    j["kind_label"] = i18n.t(r.language, "messaging.kind." + j["kind"].get<std::string>());
                    j["source_label"] =
                        i18n.t(r.language, "messaging.source." + j["source"].get<std::string>());
                    j["is_correction"] = j["corrects_id"].get<int64_t>() != 0;
                    history.push_back(j);
                  }
                  ChildDay day = dayOfChild(*conn, p.municipality_id, child, date);
                  auto e = enrolmentOn(*conn, p.municipality_id, child, date);
                  return env.web->page(
                      r, "messaging/child_attendance",
                      {{"child_id", child},
                       {"child_name", c->getText("family_name") + " " + c->getText("given_name")},
                       {"date", date},
                       {"check_in", day.check_in ? (*day.check_in)["time"] : nlohmann::json("")},
                       {"check_out",
                        day.check_out ? (*day.check_out)["time"] : nlohmann::json("")},
                       {"history", history},
                       {"has_history", !history.empty()},
                       {"back", boardUrl(e ? e->facility_id : 0, 0)}},
                      "messaging.history.title");
                }});

  // A staff correction: form date, kind, time (HH:MM) or cancel=1, reason. Adds a row.
  ctx.addRoute(
      {"POST", "/web/messaging/children/{child_id}/attendance/correct",
       "messaging.attendance.correct", [&env](Request& r) {
         int64_t child = r.idParam("child_id");
         auto form = r.form();
         std::string date = formField(form, "date"), kind = formField(form, "kind");
         std::string time = formField(form, "time"), reason = formField(form, "reason");
         bool cancel = formField(form, "cancel") == "1";
         if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "date: YYYY-MM-DD");
         if (kind != "check_in" && kind != "check_out") {
           throw Error::invalid("messaging.invalid_kind", "kind: check_in or check_out");
         }
         if (!cancel && !validTime(time)) {
           throw Error::invalid("messaging.invalid_time", "time must be HH:MM");
         }
         if (reason.empty() || reason.size() > 1000) {
           throw Error::invalid("messaging.reason_required", "a correction needs a reason");
         }
         if (date > tokyoDate(env.clock->now())) {
           throw Error::invalid("messaging.date_in_future", "a correction is for a past day");
         }
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         tenancy::requireChild(*conn, p, child, date);
         auto e = enrolmentOn(*conn, p.municipality_id, child, date);
         if (!e) throw Error::notFound("tenancy.child_not_found", "no such child");
         std::string now = formatUtc(env.clock->now());
         env.db->transaction([&](db::Tx& tx) {
           ChildDay day = dayOfChild(tx, p.municipality_id, child, date);
           const auto& current = kind == "check_in" ? day.check_in : day.check_out;
           auto last = tx.queryOne(
               "SELECT id, person_kind, person_id, person_name FROM messaging_attendance WHERE "
               "child_id = ? AND date = ? AND kind = ? ORDER BY id DESC LIMIT 1",
               {child, date, kind});
           if (cancel && !current) {
             throw Error::conflict("messaging.nothing_to_cancel", "there is no record to cancel");
           }
           std::string at = cancel ? (*current)["at"].get<std::string>() : utcAt(date, time);
           if (kind == "check_out" && !cancel) {
             if (!day.check_in) {
               throw Error::conflict("messaging.not_checked_in",
                                     "correct the check-in before the check-out");
             }
             if (at < (*day.check_in)["at"].get<std::string>()) {
               throw Error::invalid("messaging.check_out_before_check_in",
                                    "the check-out must be after the check-in");
             }
           }
           if (kind == "check_in" && !cancel && day.check_out &&
               at > (*day.check_out)["at"].get<std::string>()) {
             throw Error::invalid("messaging.check_out_before_check_in",
                                  "the check-in must be before the check-out");
           }
           std::string person_kind = last ? last->getText("person_kind") : "staff";
           int64_t person_id = last ? last->getInt("person_id") : p.user_id;
           std::string person_name = last ? last->getText("person_name") : p.display_name;
           tx.execute(
               "INSERT INTO messaging_attendance (municipality_id, facility_id, child_id, date, "
               "kind, at, source, person_kind, person_id, person_name, corrects_id, cancelled, "
               "reason, by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, 'correction', ?, ?, ?, "
               "?, ?, ?, ?, ?)",
               {p.municipality_id, e->facility_id, child, date, kind, at, person_kind, person_id,
                person_name, last ? db::Value(last->getInt("id")) : db::Value(), cancel, reason,
                p.user_id, now});
           env.ctx->audit().record(tx, {.municipality_id = p.municipality_id,
                                        .actor_user_id = p.user_id,
                                        .actor_role = p.role,
                                        .action = "messaging.attendance.corrected",
                                        .target_type = "child",
                                        .target_id = std::to_string(child),
                                        .details = {{"date", date},
                                                    {"kind", kind},
                                                    {"at", at},
                                                    {"cancel", cancel},
                                                    {"reason", reason}},
                                        .request_id = r.request_id});
         });
         return Response::redirect("/web/messaging/children/" + std::to_string(child) +
                                   "/attendance?date=" + date);
       }});

  // Today's entrance code of a facility (印刷して玄関に掲示、またはタブレットに表示).
  ctx.addRoute({"GET", "/web/messaging/qr", "messaging.qr.show", [&env](Request& r) {
                  auto conn = env.db->acquire();
                  int64_t facility = staffFacility(*conn, r);
                  std::string today = tokyoDate(env.clock->now());
                  auto fac = conn->queryOne("SELECT name FROM facilities WHERE id = ?", {facility});
                  nlohmann::json data = {{"facility_id", facility},
                                         {"facility_name", fac->getText("name")},
                                         {"date", today},
                                         {"code", qrToken(env.qr_secret, facility, today)}};
                  if (r.queryParam("format").value_or("") == "json") return Response::json(data);
                  return env.web->page(r, "messaging/qr", data, "messaging.qr.title");
                }});

  // Staff clock-in/out (出退勤) at their facility: form kind=clock_in|clock_out.
  ctx.addRoute({"POST", "/web/messaging/staff-clock", "messaging.staff_clock", [&env](Request& r) {
    auto form = r.form();
    std::string kind = formField(form, "kind");
    if (kind != "clock_in" && kind != "clock_out") {
      throw Error::invalid("messaging.invalid_kind", "kind: clock_in or clock_out");
    }
    auto conn = env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    const Principal& p = r.user();
    auto staff = conn->queryOne("SELECT id FROM staff WHERE user_id = ? AND municipality_id = ?",
                                {p.user_id, p.municipality_id});
    if (!staff) throw Error::forbidden("messaging.not_staff", "you have no staff record");
    std::string today = tokyoDate(env.clock->now()), now = formatUtc(env.clock->now());
    try {
      env.db->transaction([&](db::Tx& tx) {
        auto state = staffClockState(tx, p, facility, today);
        if (kind == "clock_in" && state.contains("clock_in")) {
          throw Error::conflict("messaging.already_clocked_in", "already clocked in today");
        }
        if (kind == "clock_out" && !state.contains("clock_in")) {
          throw Error::conflict("messaging.not_clocked_in", "clock in first");
        }
        if (kind == "clock_out" && state.contains("clock_out")) {
          throw Error::conflict("messaging.already_clocked_out", "already clocked out today");
        }
        tx.execute(
            "INSERT INTO messaging_staff_clock (municipality_id, facility_id, staff_id, date, "
            "kind, at, first_key, by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {p.municipality_id, facility, staff->getInt("id"), today, kind, now, kind, p.user_id,
             now});
      });
    } catch (const db::DbError& e) {
      if (e.kind() != db::DbError::Kind::kUnique) throw;
      throw Error::conflict("messaging.already_clocked_in", "already recorded today");
    }
    return Response::redirect(boardUrl(facility, 0));
  }});
}

}  // namespace sukusuku::messaging
