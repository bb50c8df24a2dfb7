#include "planned.h"

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

namespace sukusuku::messaging {

std::map<int64_t, DayPlan> plansAtFacility(db::Connection& conn, int64_t municipality_id,
                                           int64_t facility_id, const std::string& date) {
  std::map<int64_t, DayPlan> out;
  int weekday = isoWeekday(date);
  const char* enrolled =
      " JOIN enrolments e ON e.child_id = p.child_id AND e.facility_id = ? AND e.municipality_id = "
      "? AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)";
  for (const auto& r : conn.query(std::string("SELECT p.child_id, p.arrive_at, p.leave_at FROM "
                                              "messaging_plan_patterns p") +
                                      enrolled + " WHERE p.weekday = ?",
                                  {facility_id, municipality_id, date, date, weekday})) {
    out[r.getInt("child_id")] = {true, false, r.getText("arrive_at"), r.getText("leave_at")};
  }
  for (const auto& r :
       conn.query(std::string("SELECT p.child_id, p.absent, p.arrive_at, p.leave_at FROM "
                              "messaging_plan_exceptions p") +
                      enrolled + " WHERE p.date = ?",
                  {facility_id, municipality_id, date, date, date})) {
    DayPlan plan;
    plan.absent_exception = r.getBool("absent");
    plan.expected = !plan.absent_exception;
    plan.arrive_at = r.getOptText("arrive_at").value_or("");
    plan.leave_at = r.getOptText("leave_at").value_or("");
    out[r.getInt("child_id")] = plan;
  }
  return out;
}

namespace {

class PlannedAttendanceImpl final : public services::PlannedAttendance {
 public:
  explicit PlannedAttendanceImpl(db::Database& db) : db_(db) {}

  std::vector<services::PlannedChild> expectedChildren(int64_t municipality_id,
                                                       int64_t facility_id,
                                                       const std::string& date) override {
    auto conn = db_.acquire();
    auto plans = plansAtFacility(*conn, municipality_id, facility_id, date);
    std::vector<services::PlannedChild> out;
    if (plans.empty()) return out;
    std::map<int64_t, std::pair<int64_t, std::string>> info;  // child -> class, birth date
    for (const auto& r : conn->query(
             "SELECT c.id, c.birth_date, e.class_id FROM children c JOIN enrolments e ON "
             "e.child_id = c.id WHERE e.facility_id = ? AND e.municipality_id = ? AND "
             "e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)",
             {facility_id, municipality_id, date, date})) {
      info[r.getInt("id")] = {r.getOptInt("class_id").value_or(0), r.getText("birth_date")};
    }
    for (const auto& [child, plan] : plans) {
      if (!plan.expected || !info.count(child)) continue;
      services::PlannedChild pc;
      pc.child_id = child;
      pc.class_id = info[child].first;
      pc.age_years = ageOnAprilFirst(info[child].second, date);
      pc.arrive_at = plan.arrive_at;
      pc.leave_at = plan.leave_at;
      out.push_back(pc);
    }
    return out;
  }

  std::vector<services::SlotDemand> demandBySlot(int64_t municipality_id, int64_t facility_id,
                                                 const std::string& date,
                                                 int slot_minutes) override {
    if (slot_minutes <= 0 || 1440 % slot_minutes != 0) {
      throw Error::invalid("messaging.invalid_slot", "the slot length must divide a day",
                           {{"slot_minutes", slot_minutes}});
    }
    int open = 7 * 60, close = 19 * 60;
    {
      auto conn = db_.acquire();
      auto f = conn->queryOne(
          "SELECT opens_at, closes_at FROM facilities WHERE id = ? AND municipality_id = ?",
          {facility_id, municipality_id});
      if (!f) return {};
      if (validTime(f->getText("opens_at"))) open = minutesOf(f->getText("opens_at"));
      if (validTime(f->getText("closes_at"))) close = minutesOf(f->getText("closes_at"));
    }
    auto children = expectedChildren(municipality_id, facility_id, date);
    std::vector<services::SlotDemand> out;
    for (int s = open / slot_minutes * slot_minutes; s < close; s += slot_minutes) {
      services::SlotDemand d;
      d.starts_at = hhmm(s);
      d.ends_at = hhmm(s + slot_minutes);
      for (const auto& c : children) {
        int a = minutesOf(c.arrive_at), l = minutesOf(c.leave_at);
        if (a < s + slot_minutes && l > s) ++d.children_by_age[std::min(c.age_years, 5)];
      }
      out.push_back(d);
    }
    return out;
  }

 private:
  db::Database& db_;
};

class StaffAttendanceImpl final : public services::StaffAttendance {
 public:
  explicit StaffAttendanceImpl(db::Database& db) : db_(db) {}
  std::vector<services::StaffClock> clockTimes(int64_t municipality_id, int64_t facility_id,
                                               const std::string& date) override {
    auto conn = db_.acquire();
    std::map<int64_t, services::StaffClock> by_staff;
    for (const auto& r : conn->query(
             "SELECT staff_id, kind, at FROM messaging_staff_clock WHERE municipality_id = ? AND "
             "facility_id = ? AND date = ? ORDER BY id",
             {municipality_id, facility_id, date})) {
      auto& c = by_staff[r.getInt("staff_id")];
      c.staff_id = r.getInt("staff_id");
      (r.getText("kind") == "clock_in" ? c.clock_in : c.clock_out) = tokyoTimeOfUtc(r.getText("at"));
    }
    std::vector<services::StaffClock> out;
    for (auto& [id, c] : by_staff) out.push_back(c);
    return out;
  }

 private:
  db::Database& db_;
};

nlohmann::json planJson(db::Connection& conn, int64_t child_id, const std::string& from,
                        const std::string& to) {
  std::map<int, std::pair<std::string, std::string>> pattern;
  nlohmann::json days = nlohmann::json::array();
  for (const auto& r : conn.query(
           "SELECT weekday, arrive_at, leave_at FROM messaging_plan_patterns WHERE child_id = ? "
           "ORDER BY weekday",
           {child_id})) {
    pattern[static_cast<int>(r.getInt("weekday"))] = {r.getText("arrive_at"),
                                                      r.getText("leave_at")};
    days.push_back({{"weekday", r.getInt("weekday")},
                    {"arrive_at", r.getText("arrive_at")},
                    {"leave_at", r.getText("leave_at")}});
  }
  std::map<std::string, db::Row> exceptions;
  for (const auto& r : conn.query(
           "SELECT date, absent, arrive_at, leave_at FROM messaging_plan_exceptions WHERE "
           "child_id = ? AND date >= ? AND date <= ? ORDER BY date",
           {child_id, from, to})) {
    exceptions.emplace(r.getText("date"), r);
  }
  nlohmann::json dates = nlohmann::json::array();
  for (int64_t d = daysFromDate(from); d <= daysFromDate(to); ++d) {
    std::string date = dateFromDays(d);
    nlohmann::json item = {{"date", date}, {"expected", false}, {"exception", false}};
    if (auto it = exceptions.find(date); it != exceptions.end()) {
      item["exception"] = true;
      item["expected"] = !it->second.getBool("absent");
      if (item["expected"]) {
        item["arrive_at"] = it->second.getText("arrive_at");
        item["leave_at"] = it->second.getText("leave_at");
      }
    } else if (auto p = pattern.find(isoWeekday(date)); p != pattern.end()) {
      item["expected"] = true;
      item["arrive_at"] = p->second.first;
      item["leave_at"] = p->second.second;
    }
    dates.push_back(item);
  }
  return {{"child_id", child_id}, {"pattern", days}, {"dates", dates}};
}

void requireSpan(const std::string& arrive, const std::string& leave) {
  if (minutesOf(leave) <= minutesOf(arrive)) {
    throw Error::invalid("messaging.leave_before_arrival",
                         "the departure time must be after the arrival time",
                         {{"arrive_at", arrive}, {"leave_at", leave}});
  }
}

}  // namespace

std::shared_ptr<services::PlannedAttendance> makePlannedAttendance(db::Database& db) {
  return std::make_shared<PlannedAttendanceImpl>(db);
}

void addPlanned(Env& env) {
  PluginContext& ctx = *env.ctx;
  ctx.services().provide<services::PlannedAttendance>("messaging.planned_attendance",
                                                      makePlannedAttendance(ctx.database()));
  ctx.services().provide<services::StaffAttendance>(
      "messaging.staff_attendance", std::make_shared<StaffAttendanceImpl>(ctx.database()));

  // GET the plan of a child for ?from=&to= (at most 62 days; default: the next 14 days).
  ctx.addRoute({"GET", "/api/v1/messaging/children/{child_id}/plan", "messaging.plan.read",
                [&env](Request& r) {
                  int64_t child = r.idParam("child_id");
                  std::string today = tokyoDate(env.clock->now());
                  std::string from = r.queryParam("from").value_or(today);
                  std::string to =
                      r.queryParam("to").value_or(dateFromDays(daysFromDate(from) + 13));
                  if (!validDate(from) || !validDate(to)) {
                    throw Error::invalid("messaging.invalid_date", "from/to must be YYYY-MM-DD");
                  }
                  if (daysFromDate(to) < daysFromDate(from) ||
                      daysFromDate(to) - daysFromDate(from) > 61) {
                    throw Error::invalid("messaging.invalid_range",
                                         "to must be after from, at most 62 days");
                  }
                  auto conn = env.db->acquire();
                  tenancy::requireChild(*conn, r.user(), child, today);
                  return Response::json(planJson(*conn, child, from, to));
                }});

  // PUT the weekly pattern: {"days":[{"weekday":1..7,"arrive_at","leave_at"}]} replaces it.
  ctx.addRoute(
      {"PUT", "/api/v1/messaging/children/{child_id}/plan/pattern", "messaging.plan.write",
       [&env](Request& r) {
         int64_t child = r.idParam("child_id");
         std::string today = tokyoDate(env.clock->now());
         auto body = r.json();
         if (!body.is_object() || !body.contains("days") || !body["days"].is_array() ||
             body["days"].size() > 7) {
           throw Error::invalid("messaging.invalid_pattern", "days must be a list of weekdays");
         }
         std::map<int, std::pair<std::string, std::string>> days;
         for (const auto& d : body["days"]) {
           if (!d.is_object() || !d.contains("weekday") || !d["weekday"].is_number_integer() ||
               d["weekday"] < 1 || d["weekday"] > 7) {
             throw Error::invalid("messaging.invalid_pattern", "weekday must be 1 (Mon) .. 7");
           }
           std::string a = requireTime(d, "arrive_at"), l = requireTime(d, "leave_at");
           requireSpan(a, l);
           if (!days.emplace(d["weekday"].get<int>(), std::make_pair(a, l)).second) {
             throw Error::invalid("messaging.invalid_pattern", "a weekday appears twice");
           }
         }
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         tenancy::requireChild(*conn, p, child, today);
         std::string now = formatUtc(env.clock->now());
         env.db->transaction([&](db::Tx& tx) {
           tx.execute("DELETE FROM messaging_plan_patterns WHERE child_id = ?", {child});
           for (const auto& [wd, t] : days) {
             tx.execute(
                 "INSERT INTO messaging_plan_patterns (municipality_id, child_id, weekday, "
                 "arrive_at, leave_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                 {p.municipality_id, child, wd, t.first, t.second, now});
           }
         });
         return Response::json(planJson(*conn, child, today, dateFromDays(daysFromDate(today) + 6)));
       }});

  // PUT one date's exception: {"absent":true} or {"arrive_at","leave_at"}.
  ctx.addRoute(
      {"PUT", "/api/v1/messaging/children/{child_id}/plan/dates/{date}", "messaging.plan.write",
       [&env](Request& r) {
         int64_t child = r.idParam("child_id");
         std::string date = r.param("date");
         std::string today = tokyoDate(env.clock->now());
         if (!validDate(date)) {
           throw Error::invalid("messaging.invalid_date", "the date must be YYYY-MM-DD");
         }
         if (date < today) {
           throw Error::invalid("messaging.date_in_past", "plans are for today or later");
         }
         auto body = r.json();
         if (!body.is_object()) throw Error::invalid("messaging.invalid_plan", "expected an object");
         bool absent = body.value("absent", false);
         std::string a, l;
         if (!absent) {
           a = requireTime(body, "arrive_at");
           l = requireTime(body, "leave_at");
           requireSpan(a, l);
         }
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         tenancy::requireChild(*conn, p, child, today);
         conn->execute(
             conn->dialect().upsert(
                 "messaging_plan_exceptions",
                 {"municipality_id", "child_id", "date", "absent", "arrive_at", "leave_at",
                  "updated_at"},
                 {"child_id", "date"}, {"absent", "arrive_at", "leave_at", "updated_at"}),
             {p.municipality_id, child, date, absent, absent ? db::Value() : db::Value(a),
              absent ? db::Value() : db::Value(l), formatUtc(env.clock->now())});
         return Response::json(planJson(*conn, child, date, date));
       }});
}

}  // namespace sukusuku::messaging
