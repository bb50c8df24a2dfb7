#include "routes.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "exports.h"
#include "sukusuku/error.h"
#include "sukusuku/export.h"
#include "sukusuku/tenancy.h"

namespace sukusuku::shifts::plugin {

namespace {

constexpr const char* kView = "shifts.view";
constexpr const char* kRequest = "shifts.request";
constexpr const char* kManage = "shifts.manage";

const char* const kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string formValue(const std::multimap<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

int64_t toId(const std::string& s, const char* what) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), ::isdigit))
    throw Error::invalid("shifts.invalid_field", std::string("not a valid ") + what,
                         {{"field", what}});
  return std::stoll(s);
}

std::string today(const Clock& clock) { return tokyoDate(clock.now()); }

// The facility a page is about: ?facility=, else the principal's first one it may see.
int64_t facilityFor(db::Connection& conn, const Request& r, const Clock& clock) {
  const Principal& p = r.user();
  if (auto f = r.queryParam("facility")) {
    const int64_t id = toId(*f, "facility");
    tenancy::requireFacility(conn, p, id);
    return id;
  }
  for (int64_t id : tenancy::visibleFacilities(conn, p, today(clock))) {
    auto row = conn.queryOne("SELECT kind FROM facilities WHERE id = ?", {id});
    if (row && (row->getText("kind") == "nursery" || row->getText("kind") == "certified_centre"))
      return id;
  }
  throw Error::notFound("shifts.facility_not_found", "no nursery to plan for");
}

// A roster the principal may see: its facility in scope; drafts only for managers.
RosterRow rosterFor(db::Connection& conn, const Request& r) {
  const Principal& p = r.user();
  auto roster = findRoster(conn, p.municipality_id, r.idParam("id"));
  if (!roster) throw Error::notFound("shifts.roster_not_found", "no such rota");
  if (!tenancy::canSeeFacility(conn, p, roster->facilityId))
    throw Error::notFound("shifts.roster_not_found", "no such rota");
  if (roster->state != "published" && !p.has(kManage))
    throw Error::notFound("shifts.roster_not_found", "no such rota");
  return *roster;
}

std::optional<int64_t> staffIdOf(db::Connection& conn, const Principal& p) {
  auto row = conn.queryOne("SELECT id FROM staff WHERE user_id = ? AND municipality_id = ?",
                           {p.user_id, p.municipality_id});
  if (!row) return std::nullopt;
  return row->getInt("id");
}

std::string facilityName(db::Connection& conn, int64_t facility) {
  auto row = conn.queryOne("SELECT name FROM facilities WHERE id = ?", {facility});
  return row ? row->getText("name") : "";
}

std::string t(const RouteDeps& d, const Request& r, const std::string& key,
              const std::map<std::string, std::string>& args = {}) {
  return d.web.i18n().t(r.language, key, args);
}

// One readable line per reported violation.
nlohmann::json reportLines(const RouteDeps& d, const Request& r, const RosterRow& roster) {
  nlohmann::json out = nlohmann::json::array();
  if (!roster.report.contains("violations")) return out;
  for (const nlohmann::json& v : roster.report["violations"]) {
    std::string line = t(d, r, "shifts.rule." + v.value("rule", std::string()));
    for (const char* k : {"staff", "date", "slot", "pattern"})
      if (v.contains(k)) line += " " + v[k].get<std::string>();
    if (v.contains("duty")) line += " " + t(d, r, "shifts.duty." + v["duty"].get<std::string>());
    line += " (" + std::to_string(v.value("amount", 0)) + ")";
    out.push_back({{"text", line}, {"hard", v.value("hard", false)}});
  }
  std::stable_sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["hard"].get<bool>() && !b["hard"].get<bool>();
  });
  return out;
}

nlohmann::json rosterSummary(const RouteDeps& d, const Request& r, const RosterRow& roster) {
  return {{"id", roster.id},
          {"month", roster.month},
          {"state", roster.state},
          {"state_label", t(d, r, "shifts.state." + roster.state)},
          {"solve_state", roster.solveState},
          {"solve_label", t(d, r, "shifts.solve." + roster.solveState)},
          {"solving", roster.solveState == "queued" || roster.solveState == "running"},
          {"failed", roster.solveState == "failed"},
          {"solve_message", roster.solveMessage},
          {"published", roster.state == "published"},
          {"has_result", roster.objective.has_value()},
          {"objective", roster.objective.value_or(0)},
          {"hard_violations", roster.hardViolations.value_or(0)},
          {"legal", roster.hardViolations.value_or(1) == 0}};
}

// The grid: one row per staff member, one cell per day.
nlohmann::json gridData(const RouteDeps& d, const Request& r, const MonthView& v,
                        db::Connection& conn, bool manage) {
  std::set<std::pair<int64_t, std::string>> requested;           // 希望休
  std::map<std::pair<int64_t, std::string>, int64_t> wished;      // 希望シフト: pattern id
  for (const db::Row& row : conn.query(
           "SELECT staff_id, on_date, pattern_id FROM shift_day_off_requests WHERE facility_id = "
           "? AND municipality_id = ? AND on_date >= ? AND on_date <= ?",
           {v.roster.facilityId, v.roster.municipalityId, v.dates.front(), v.dates.back()})) {
    if (auto pattern = row.getOptInt("pattern_id"))
      wished[{row.getInt("staff_id"), row.getText("on_date")}] = *pattern;
    else
      requested.insert({row.getInt("staff_id"), row.getText("on_date")});
  }
  auto wishedName = [&](int64_t staff, const std::string& date) {
    auto w = wished.find({staff, date});
    if (w == wished.end()) return std::string();
    for (const PatternRow& p : v.patterns)
      if (p.id == w->second) return p.pattern.name;
    return std::string();
  };
  nlohmann::json days = nlohmann::json::array();
  for (size_t i = 0; i < v.dates.size(); ++i) {
    const int w = weekdayOf(v.dates[i]);
    days.push_back({{"date", v.dates[i]},
                    {"day", std::stoi(v.dates[i].substr(8))},
                    {"weekday", t(d, r, std::string("shifts.weekday.") + kWeekdays[w])},
                    {"closed", !v.open[i]},
                    {"holiday", v.closure[i].empty() ? std::string() : t(d, r, v.closure[i])},
                    {"weekend", w >= 5}});
  }
  std::map<std::pair<int64_t, std::string>, const Cell*> cells;
  for (const Cell& c : v.cells) cells[{c.staffId, c.date}] = &c;
  std::map<int64_t, const PatternRow*> patterns;
  for (const PatternRow& p : v.patterns) patterns[p.id] = &p;
  nlohmann::json rows = nlohmann::json::array();
  for (const StaffRow& s : v.staff) {
    nlohmann::json row = {{"name", s.name}, {"staff_id", s.id}, {"hoikushi", s.staff.hoikushi},
                          {"part_time", s.staff.partTime}};
    nlohmann::json out = nlohmann::json::array();
    int minutes = 0;
    for (size_t i = 0; i < v.dates.size(); ++i) {
      auto c = cells.find({s.id, v.dates[i]});
      const PatternRow* p = nullptr;
      bool pinned = false;
      if (c != cells.end()) {
        pinned = c->second->pinned;
        auto pi = patterns.find(c->second->patternId);
        if (pi != patterns.end()) p = pi->second;
      }
      if (p) minutes += p->pattern.paidMinutes();
      out.push_back({{"label", p ? p->pattern.name : std::string("休")},
                     {"code", p ? p->pattern.id : std::string("off")},
                     {"pinned", pinned},
                     {"requested", requested.count({s.id, v.dates[i]}) > 0},
                     {"wished", wishedName(s.id, v.dates[i])},
                     {"closed", !v.open[i]},
                     {"date", v.dates[i]},
                     {"editable", manage},
                     {"href", "/web/shifts/rosters/" + std::to_string(v.roster.id) +
                                  "/cell?staff=" + std::to_string(s.id) + "&date=" + v.dates[i]}});
    }
    row["cells"] = out;
    row["hours"] = formatClock(minutes);
    rows.push_back(row);
  }
  return {{"days", days}, {"rows", rows}};
}

std::string monthOf(const std::string& date) { return date.substr(0, 7); }

std::string signedClock(int minutes) {
  return (minutes < 0 ? "-" : "+") + formatClock(minutes < 0 ? -minutes : minutes);
}

// Planned vs actual for one person over the month. Actual minutes come from the messaging
// plugin's clock-in/out (出退勤) when it is present: each day with both times counts the span
// less the planned pattern's break that day (breaks are not clocked); a day with a clock-in and
// no clock-out counts no minutes and is reported as missing.
struct HoursRow {
  int64_t staffId = 0;
  std::string name;
  int plannedDays = 0;
  int plannedMinutes = 0;
  int contractMinutes = 0;
  int actualDays = 0;
  int actualMinutes = 0;
  int missingClockOuts = 0;
};

std::vector<HoursRow> hoursPerPerson(const MonthView& v, services::StaffAttendance* attendance) {
  std::map<int64_t, size_t> index;
  std::vector<HoursRow> rows;
  for (const StaffRow& s : v.staff) {
    index[s.id] = rows.size();
    HoursRow h;
    h.staffId = s.id;
    h.name = s.name;
    h.contractMinutes =
        static_cast<int>(static_cast<int64_t>(s.staff.minutesPerWeek) * v.dates.size() / 7);
    rows.push_back(h);
  }
  std::map<std::pair<int64_t, std::string>, const nursery::ShiftPattern*> planned;
  for (const Cell& c : v.cells) {
    auto it = index.find(c.staffId);
    if (it == index.end()) continue;
    for (const PatternRow& p : v.patterns)
      if (p.id == c.patternId) {
        rows[it->second].plannedMinutes += p.pattern.paidMinutes();
        ++rows[it->second].plannedDays;
        planned[{c.staffId, c.date}] = &p.pattern;
      }
  }
  if (!attendance) return rows;
  for (const std::string& date : v.dates) {
    for (const services::StaffClock& c :
         attendance->clockTimes(v.roster.municipalityId, v.roster.facilityId, date)) {
      auto it = index.find(c.staff_id);
      if (it == index.end() || c.clock_in.empty()) continue;
      HoursRow& h = rows[it->second];
      ++h.actualDays;
      if (c.clock_out.empty()) {
        ++h.missingClockOuts;
        continue;
      }
      int span = parseClock(c.clock_out) - parseClock(c.clock_in);
      auto p = planned.find({c.staff_id, date});
      if (p != planned.end()) span -= p->second->breakMinutes;
      h.actualMinutes += std::max(0, span);
    }
  }
  return rows;
}

}  // namespace

int64_t pageFacility(db::Connection& conn, const Request& r, const Clock& clock) {
  return facilityFor(conn, r, clock);
}

void addRoutes(PluginContext& ctx, std::shared_ptr<RouteDeps> deps) {
  RouteDeps& d = *deps;

  // ---- The month list and the generate form ---------------------------------------------------
  ctx.addRoute({"GET", "/web/shifts", kView, [deps, &d](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = facilityFor(*conn, r, d.clock);
                  const bool manage = r.user().has(kManage);
                  nlohmann::json months = nlohmann::json::array();
                  for (const db::Row& row : conn->query(
                           "SELECT id FROM shift_rosters WHERE facility_id = ? AND "
                           "municipality_id = ? ORDER BY month DESC",
                           {facility, r.user().municipality_id})) {
                    auto roster = findRoster(*conn, r.user().municipality_id, row.getInt("id"));
                    if (!manage && roster->state != "published") continue;
                    months.push_back(rosterSummary(d, r, *roster));
                  }
                  return d.web.page(r, "shifts/index",
                                    {{"facility_id", facility},
                                     {"facility", facilityName(*conn, facility)},
                                     {"months", months},
                                     {"no_months", months.empty()},
                                     {"manage", manage},
                                     {"can_request", r.user().has(kRequest)},
                                     {"next_month", nextMonth(today(d.clock))}},
                                    "shifts.title");
                }});

  auto create = [&d](const Request& r, int64_t facility, const std::string& month) {
    const Principal& p = r.user();
    int64_t id = 0;
    {
      auto conn = d.db.acquire();
      tenancy::requireFacility(*conn, p, facility);
    }
    d.db.transaction([&](db::Tx& tx) {
      id = d.planner.createRoster(tx, p.municipality_id, facility, month);
      d.audit.record(tx, {.municipality_id = p.municipality_id,
                          .actor_user_id = p.user_id,
                          .actor_role = p.role,
                          .action = "shifts.roster_created",
                          .target_type = "shift_roster",
                          .target_id = std::to_string(id),
                          .details = {{"month", month}, {"facility_id", facility}},
                          .request_id = r.request_id});
    });
    d.planner.queue(p.municipality_id, id);
    return id;
  };

  ctx.addRoute({"POST", "/web/shifts/rosters", kManage, [create](Request& r) {
                  auto form = r.form();
                  const int64_t id = create(r, toId(formValue(form, "facility_id"), "facility"),
                                            formValue(form, "month"));
                  return Response::redirect("/web/shifts/rosters/" + std::to_string(id));
                }});
  ctx.addRoute({"POST", "/api/v1/shifts/rosters", kManage, [create](Request& r) {
                  const nlohmann::json body = r.json();
                  if (!body.is_object() || !body.contains("facility_id") ||
                      !body["facility_id"].is_number_integer() || !body.contains("month") ||
                      !body["month"].is_string())
                    throw Error::invalid("shifts.invalid_field",
                                         "facility_id (integer) and month (YYYY-MM) are required");
                  const int64_t id = create(r, body["facility_id"].get<int64_t>(),
                                            body["month"].get<std::string>());
                  return Response::json({{"id", id}, {"solve_state", "queued"}}, 202);
                }});

  // ---- One month: the grid, the rule report, actions ------------------------------------------
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}", kView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  const bool manage = r.user().has(kManage);
                  nlohmann::json data = gridData(d, r, v, *conn, manage);
                  data["roster"] = rosterSummary(d, r, roster);
                  data["manage"] = manage;
                  data["facility"] = facilityName(*conn, roster.facilityId);
                  data["report"] = reportLines(d, r, roster);
                  data["has_report"] = !data["report"].empty();
                  nlohmann::json chartDays = nlohmann::json::array();
                  for (size_t i = 0; i < v.dates.size(); ++i)
                    if (v.open[i])
                      chartDays.push_back({{"date", v.dates[i]},
                                           {"day", std::stoi(v.dates[i].substr(8))}});
                  data["chart_days"] = chartDays;
                  return d.web.page(r, "shifts/roster", data, "shifts.roster_title");
                }});

  ctx.addRoute({"GET", "/api/v1/shifts/rosters/{id}", kView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  nlohmann::json cells = nlohmann::json::array();
                  for (const Cell& c : v.cells) {
                    std::string code = "off";
                    for (const PatternRow& p : v.patterns)
                      if (p.id == c.patternId) code = p.pattern.id;
                    cells.push_back({{"staff_id", c.staffId},
                                     {"date", c.date},
                                     {"pattern_id", c.patternId ? nlohmann::json(c.patternId)
                                                                : nlohmann::json(nullptr)},
                                     {"pattern", code},
                                     {"pinned", c.pinned}});
                  }
                  nlohmann::json patterns = nlohmann::json::array();
                  for (const PatternRow& p : v.patterns)
                    patterns.push_back({{"id", p.id},
                                        {"code", p.pattern.id},
                                        {"name", p.pattern.name},
                                        {"starts_at", formatClock(p.pattern.startMinute)},
                                        {"ends_at", formatClock(p.pattern.endMinute)}});
                  nlohmann::json staff = nlohmann::json::array();
                  for (const StaffRow& s : v.staff)
                    staff.push_back({{"id", s.id}, {"name", s.name},
                                     {"hoikushi", s.staff.hoikushi}});
                  return Response::json({{"id", roster.id},
                                         {"facility_id", roster.facilityId},
                                         {"month", roster.month},
                                         {"state", roster.state},
                                         {"solve_state", roster.solveState},
                                         {"objective", roster.objective ? nlohmann::json(*roster.objective) : nlohmann::json(nullptr)},
                                         {"hard_violations", roster.hardViolations ? nlohmann::json(*roster.hardViolations) : nlohmann::json(nullptr)},
                                         {"report", roster.report.value("violations", nlohmann::json::array())},
                                         {"patterns", patterns},
                                         {"staff", staff},
                                         {"cells", cells}});
                }});

  auto solve = [&d](const Request& r) {
    int64_t id = 0;
    {
      auto conn = d.db.acquire();
      id = rosterFor(*conn, r).id;
    }
    d.planner.queue(r.user().municipality_id, id);
    return id;
  };
  ctx.addRoute({"POST", "/web/shifts/rosters/{id}/solve", kManage, [solve](Request& r) {
                  return Response::redirect("/web/shifts/rosters/" + std::to_string(solve(r)));
                }});
  ctx.addRoute({"POST", "/api/v1/shifts/rosters/{id}/solve", kManage, [solve](Request& r) {
                  return Response::json({{"id", solve(r)}, {"solve_state", "queued"}}, 202);
                }});

  // Edit one cell: pattern (0 = off) and pin. Editing pins by default.
  auto editCell = [&d](const Request& r, int64_t staff, const std::string& date,
                       int64_t pattern, bool pinned) {
    const Principal& p = r.user();
    RosterRow roster;
    {
      auto conn = d.db.acquire();
      roster = rosterFor(*conn, r);
    }
    d.db.transaction([&](db::Tx& tx) {
      const MonthView v = loadMonth(tx, roster, d.planner.plannedAttendance());
      setCell(tx, v, staff, date, pattern, pinned);
      d.audit.record(tx, {.municipality_id = p.municipality_id,
                          .actor_user_id = p.user_id,
                          .actor_role = p.role,
                          .action = "shifts.cell_edited",
                          .target_type = "shift_roster",
                          .target_id = std::to_string(roster.id),
                          .details = {{"staff_id", staff},
                                      {"date", date},
                                      {"pattern_id", pattern},
                                      {"pinned", pinned}},
                          .request_id = r.request_id});
    });
    return roster.id;
  };
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/cell", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  const int64_t staff = toId(r.queryParam("staff").value_or(""), "staff");
                  const std::string date = r.queryParam("date").value_or("");
                  auto s = std::find_if(v.staff.begin(), v.staff.end(),
                                        [&](const StaffRow& x) { return x.id == staff; });
                  auto day = std::find(v.dates.begin(), v.dates.end(), date);
                  if (s == v.staff.end() || day == v.dates.end())
                    throw Error::notFound("shifts.cell_not_found", "no such cell");
                  const size_t di = day - v.dates.begin();
                  const std::string current = cellLabel(v, staff, di);
                  bool pinned = false;
                  for (const Cell& c : v.cells)
                    if (c.staffId == staff && c.date == date) pinned = c.pinned;
                  nlohmann::json options = nlohmann::json::array();
                  for (const PatternRow& p : v.patterns)
                    options.push_back({{"id", p.id},
                                       {"code", p.pattern.id},
                                       {"label", p.pattern.name},
                                       {"times", formatClock(p.pattern.startMinute) + "–" +
                                                     formatClock(p.pattern.endMinute)},
                                       {"current", p.pattern.name == current}});
                  options.push_back({{"id", 0},
                                     {"code", "off"},
                                     {"label", "休"},
                                     {"times", ""},
                                     {"current", current == "休"}});
                  return d.web.page(r, "shifts/cell",
                                    {{"roster_id", roster.id},
                                     {"staff_id", staff},
                                     {"staff", s->name},
                                     {"date", date},
                                     {"options", options},
                                     {"pinned", pinned}},
                                    "shifts.cell_title");
                }});
  ctx.addRoute({"POST", "/web/shifts/rosters/{id}/cell", kManage, [editCell](Request& r) {
                  auto form = r.form();
                  const std::string action = formValue(form, "action");
                  const int64_t staff = toId(formValue(form, "staff_id"), "staff_id");
                  const std::string date = formValue(form, "date");
                  const int64_t pattern = toId(formValue(form, "pattern_id"), "pattern_id");
                  const int64_t id = editCell(r, staff, date, pattern, action != "unpin");
                  return Response::redirect("/web/shifts/rosters/" + std::to_string(id));
                }});
  ctx.addRoute({"POST", "/api/v1/shifts/rosters/{id}/cells", kManage, [editCell](Request& r) {
                  const nlohmann::json b = r.json();
                  if (!b.is_object() || !b.contains("staff_id") ||
                      !b["staff_id"].is_number_integer() || !b.contains("date") ||
                      !b["date"].is_string())
                    throw Error::invalid("shifts.invalid_field",
                                         "staff_id, date and pattern_id (null = off) are required");
                  int64_t pattern = 0;
                  if (b.contains("pattern_id") && !b["pattern_id"].is_null()) {
                    if (!b["pattern_id"].is_number_integer())
                      throw Error::invalid("shifts.invalid_field", "pattern_id is an integer");
                    pattern = b["pattern_id"].get<int64_t>();
                  }
                  const bool pinned = b.value("pinned", true);
                  editCell(r, b["staff_id"].get<int64_t>(), b["date"].get<std::string>(), pattern,
                           pinned);
                  return Response::noContent();
                }});

  // ---- Publish ----------------------------------------------------------------------------
  auto publish = [deps, &d](const Request& r) {
    const Principal& p = r.user();
    RosterRow roster;
    {
      auto conn = d.db.acquire();
      roster = rosterFor(*conn, r);
    }
    if (roster.solveState == "queued" || roster.solveState == "running")
      throw Error::conflict("shifts.already_solving", "wait until the rota is generated");
    d.db.transaction([&](db::Tx& tx) {
      const std::string now = formatUtc(d.clock.now());
      tx.execute("UPDATE shift_rosters SET state = 'published', published_at = ?, updated_at = ? "
                 "WHERE id = ?",
                 {now, now, roster.id});
      d.audit.record(tx, {.municipality_id = p.municipality_id,
                          .actor_user_id = p.user_id,
                          .actor_role = p.role,
                          .action = "shifts.published",
                          .target_type = "shift_roster",
                          .target_id = std::to_string(roster.id),
                          .details = {{"month", roster.month}},
                          .request_id = r.request_id});
      if (deps->notifier) {
        push::Notification n;
        n.municipality_id = p.municipality_id;
        n.category = "shifts.published";
        n.title = {{"ja", roster.month + " の勤務表が公開されました"},
                   {"en", "The rota for " + roster.month + " is published"}};
        n.body = {{"ja", "勤務表を確認してください。"}, {"en", "Please check your shifts."}};
        n.data = {{"route", "shifts"}, {"id", std::to_string(roster.id)}};
        n.source_ref = "shifts.roster:" + std::to_string(roster.id);
        n.sender_user_id = p.user_id;
        push::Audience a;
        a.staff_of_facilities = {roster.facilityId};
        deps->notifier->notify(tx, n, a);
      }
    });
    return roster.id;
  };
  ctx.addRoute({"POST", "/web/shifts/rosters/{id}/publish", kManage, [publish](Request& r) {
                  return Response::redirect("/web/shifts/rosters/" + std::to_string(publish(r)));
                }});
  ctx.addRoute({"POST", "/api/v1/shifts/rosters/{id}/publish", kManage, [publish](Request& r) {
                  return Response::json({{"id", publish(r)}, {"state", "published"}});
                }});

  // ---- Ratio chart per slot -----------------------------------------------------------------
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/chart", kView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  std::string date = r.queryParam("date").value_or("");
                  auto day = std::find(v.dates.begin(), v.dates.end(), date);
                  if (date.empty()) {
                    day = std::find(v.open.begin(), v.open.end(), true) - v.open.begin() +
                          v.dates.begin();
                    if (day == v.dates.end()) day = v.dates.begin();
                    date = *day;
                  }
                  if (day == v.dates.end())
                    throw Error::notFound("shifts.day_not_found", "the date is not in this month");
                  const size_t di = day - v.dates.begin();
                  const std::vector<SlotCount> planned = plannedPerSlot(v, date);
                  nlohmann::json slots = nlohmann::json::array();
                  int shortSlots = 0;
                  if (v.open[di]) {
                    for (int s = 0; s < v.grid.slots(); ++s) {
                      const nursery::SlotRequirement& need = v.need[di][s];
                      const bool isShort = planned[s].all < need.caregivers ||
                                           planned[s].qualified < need.qualified;
                      shortSlots += isShort;
                      std::string groups;
                      for (const nursery::GroupNeed& g : need.groups) {
                        if (g.children == 0) continue;
                        groups += (groups.empty() ? "" : " ") + g.group + "歳:" +
                                  std::to_string(g.children) + "人(" +
                                  std::to_string(g.tenths / 10) + "." +
                                  std::to_string(g.tenths % 10) + ")";
                      }
                      nlohmann::json units = nlohmann::json::array();
                      for (int i = 0; i < std::max(planned[s].all, need.caregivers); ++i)
                        units.push_back({{"filled", i < planned[s].all},
                                         {"missing", i >= planned[s].all}});
                      slots.push_back({{"slot", v.grid.label(s)},
                                       {"children", need.children},
                                       {"groups", groups},
                                       {"required", need.caregivers},
                                       {"required_qualified", need.qualified},
                                       {"planned", planned[s].all},
                                       {"planned_qualified", planned[s].qualified},
                                       {"short", isShort},
                                       {"units", units}});
                    }
                  }
                  nlohmann::json days = nlohmann::json::array();
                  for (size_t i = 0; i < v.dates.size(); ++i)
                    if (v.open[i])
                      days.push_back({{"date", v.dates[i]},
                                      {"day", std::stoi(v.dates[i].substr(8))},
                                      {"current", v.dates[i] == date}});
                  return d.web.page(r, "shifts/chart",
                                    {{"roster", rosterSummary(d, r, roster)},
                                     {"date", date},
                                     {"closed", !v.open[di]},
                                     {"holiday", v.closure[di].empty() ? std::string()
                                                                       : t(d, r, v.closure[di])},
                                     {"slots", slots},
                                     {"days", days},
                                     {"short_slots", shortSlots},
                                     {"all_met", shortSlots == 0 && v.open[di]}},
                                    "shifts.chart_title");
                }});

  // ---- Print, CSV, XLSX ---------------------------------------------------------------------
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/print", kView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  nlohmann::json data = gridData(d, r, v, *conn, false);
                  data["roster"] = rosterSummary(d, r, roster);
                  data["facility"] = facilityName(*conn, roster.facilityId);
                  return d.web.page(r, "shifts/print", data, "shifts.print_title");
                }});
  auto exportAudit = [&d](const Request& r, const RosterRow& roster, const char* format) {
    const Principal& p = r.user();
    d.db.transaction([&](db::Tx& tx) {
      d.audit.record(tx, {.municipality_id = p.municipality_id,
                          .actor_user_id = p.user_id,
                          .actor_role = p.role,
                          .action = "shifts.export",
                          .target_type = "shift_roster",
                          .target_id = std::to_string(roster.id),
                          .details = {{"format", format}},
                          .request_id = r.request_id});
    });
  };
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/export.csv", kView, [&d, exportAudit](Request& r) {
                  MonthView v;
                  {
                    auto conn = d.db.acquire();
                    v = loadMonth(*conn, rosterFor(*conn, r), d.planner.plannedAttendance());
                  }
                  exportAudit(r, v.roster, "csv");
                  Response res = Response::text(rotaCsv(v), "text/csv; charset=utf-8");
                  res.headers["Content-Disposition"] =
                      "attachment; filename=\"rota-" + v.roster.month + ".csv\"";
                  return res;
                }});
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/export.xlsx", kView, [&d, exportAudit](Request& r) {
                  MonthView v;
                  {
                    auto conn = d.db.acquire();
                    v = loadMonth(*conn, rosterFor(*conn, r), d.planner.plannedAttendance());
                  }
                  exportAudit(r, v.roster, "xlsx");
                  Response res = Response::text(
                      rotaXlsx(v),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
                  res.headers["Content-Disposition"] =
                      "attachment; filename=\"rota-" + v.roster.month + ".xlsx\"";
                  return res;
                }});

  // ---- Planned vs actual hours per person ---------------------------------------------------
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/hours", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  const std::vector<HoursRow> rows = hoursPerPerson(v, d.attendance.get());
                  nlohmann::json out = nlohmann::json::array();
                  for (const HoursRow& h : rows)
                    out.push_back({{"name", h.name},
                                   {"days", h.plannedDays},
                                   {"planned", formatClock(h.plannedMinutes)},
                                   {"contract", formatClock(h.contractMinutes)},
                                   {"over", h.plannedMinutes > h.contractMinutes},
                                   {"actual_days", h.actualDays},
                                   {"actual", formatClock(h.actualMinutes)},
                                   {"difference", signedClock(h.actualMinutes - h.plannedMinutes)},
                                   {"missing", h.missingClockOuts}});
                  return d.web.page(r, "shifts/hours",
                                    {{"roster", rosterSummary(d, r, roster)},
                                     {"rows", out},
                                     {"actual", d.attendance != nullptr}},
                                    "shifts.hours_title");
                }});
  ctx.addRoute({"GET", "/web/shifts/rosters/{id}/hours.csv", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  std::string csv =
                      exports::kUtf8Bom + t(d, r, "shifts.hours_csv_header") + "\r\n";
                  for (const HoursRow& h : hoursPerPerson(v, d.attendance.get())) {
                    csv += exports::csvField(h.name) + "," + std::to_string(h.plannedDays) + "," +
                           formatClock(h.plannedMinutes) + "," + std::to_string(h.actualDays) +
                           "," + (d.attendance ? formatClock(h.actualMinutes) : "") + "," +
                           (d.attendance ? signedClock(h.actualMinutes - h.plannedMinutes) : "") +
                           "," + std::to_string(h.missingClockOuts) + "\r\n";
                  }
                  Response res = Response::text(csv, "text/csv; charset=utf-8");
                  res.headers["Content-Disposition"] =
                      "attachment; filename=\"hours-" + roster.month + ".csv\"";
                  return res;
                }});
  ctx.addRoute({"GET", "/api/v1/shifts/rosters/{id}/hours", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const RosterRow roster = rosterFor(*conn, r);
                  const MonthView v = loadMonth(*conn, roster, d.planner.plannedAttendance());
                  nlohmann::json items = nlohmann::json::array();
                  for (const HoursRow& h : hoursPerPerson(v, d.attendance.get())) {
                    nlohmann::json j = {{"staff_id", h.staffId},
                                        {"name", h.name},
                                        {"planned_days", h.plannedDays},
                                        {"planned_minutes", h.plannedMinutes},
                                        {"contract_minutes", h.contractMinutes}};
                    if (d.attendance) {
                      j["actual_days"] = h.actualDays;
                      j["actual_minutes"] = h.actualMinutes;
                      j["missing_clock_outs"] = h.missingClockOuts;
                    }
                    items.push_back(std::move(j));
                  }
                  return Response::json({{"month", roster.month},
                                         {"actual_available", d.attendance != nullptr},
                                         {"items", items}});
                }});

  // ---- Per-facility rule settings (hard/soft and weight) ---------------------------------------
  auto rulesJson = [&d](const Request& r, db::Connection& conn, int64_t facility) {
    nlohmann::json out = nlohmann::json::array();
    const std::vector<RuleSetting> defaults = defaultRuleSettings();
    const std::vector<RuleSetting> rules =
        loadRuleSettings(conn, r.user().municipality_id, facility);
    for (size_t i = 0; i < rules.size(); ++i)
      out.push_back({{"rule", ruleName(rules[i].rule)},
                     {"label", t(d, r, std::string("shifts.rule.") + ruleName(rules[i].rule))},
                     {"hard", rules[i].hard},
                     {"weight", rules[i].weight},
                     {"default_hard", defaults[i].hard},
                     {"default_weight", defaults[i].weight},
                     {"hard_only", rules[i].rule == Rule::kMaxTotalMinutes}});
    return out;
  };
  auto saveRules = [&d](const Request& r, int64_t facility, const std::vector<RuleUpdate>& u) {
    const Principal& p = r.user();
    {
      auto conn = d.db.acquire();
      tenancy::requireFacility(*conn, p, facility);
    }
    d.db.transaction([&](db::Tx& tx) {
      saveRuleSettings(tx, p.municipality_id, facility, u, formatUtc(d.clock.now()));
      nlohmann::json changed = nlohmann::json::array();
      for (const RuleUpdate& x : u)
        changed.push_back({{"rule", x.rule}, {"hard", x.hard}, {"weight", x.weight}});
      d.audit.record(tx, {.municipality_id = p.municipality_id,
                          .actor_user_id = p.user_id,
                          .actor_role = p.role,
                          .action = "shifts.rules_changed",
                          .target_type = "facility",
                          .target_id = std::to_string(facility),
                          .details = {{"rules", changed}},
                          .request_id = r.request_id});
    });
  };
  ctx.addRoute({"GET", "/web/shifts/rules", kManage, [&d, rulesJson](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = facilityFor(*conn, r, d.clock);
                  return d.web.page(r, "shifts/rules",
                                    {{"facility_id", facility},
                                     {"facility", facilityName(*conn, facility)},
                                     {"rules", rulesJson(r, *conn, facility)},
                                     {"saved", r.queryParam("saved").has_value()}},
                                    "shifts.rules_title");
                }});
  ctx.addRoute({"POST", "/web/shifts/rules", kManage, [saveRules](Request& r) {
                  auto form = r.form();
                  const int64_t facility = toId(formValue(form, "facility_id"), "facility");
                  std::vector<RuleUpdate> updates;
                  for (const RuleSetting& s : defaultRuleSettings()) {
                    const std::string name = ruleName(s.rule);
                    const std::string mode = formValue(form, ("mode_" + name).c_str());
                    const std::string weight = formValue(form, ("weight_" + name).c_str());
                    if (mode.empty() && weight.empty()) continue;
                    if (mode != "hard" && mode != "soft")
                      throw Error::invalid("shifts.invalid_field", "mode: hard or soft",
                                           {{"field", "mode_" + name}});
                    if (weight.empty() || weight.size() > 9 ||
                        !std::all_of(weight.begin(), weight.end(), ::isdigit))
                      throw Error::invalid("shifts.invalid_weight",
                                           "a weight is a whole number 0..1000000",
                                           {{"rule", name}});
                    updates.push_back({name, mode == "hard", std::stoll(weight)});
                  }
                  saveRules(r, facility, updates);
                  return Response::redirect("/web/shifts/rules?facility=" +
                                            std::to_string(facility) + "&saved=1");
                }});
  ctx.addRoute({"GET", "/api/v1/shifts/facilities/{id}/rules", kManage,
                [&d, rulesJson](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = r.idParam("id");
                  tenancy::requireFacility(*conn, r.user(), facility);
                  return Response::json({{"facility_id", facility},
                                         {"rules", rulesJson(r, *conn, facility)}});
                }});
  ctx.addRoute({"PUT", "/api/v1/shifts/facilities/{id}/rules", kManage,
                [&d, rulesJson, saveRules](Request& r) {
                  const int64_t facility = r.idParam("id");
                  const nlohmann::json body = r.json();
                  if (!body.is_object() || !body.contains("rules") || !body["rules"].is_array())
                    throw Error::invalid("shifts.invalid_field",
                                         "rules: [{rule, hard, weight}] is required");
                  std::vector<RuleUpdate> updates;
                  for (const nlohmann::json& x : body["rules"]) {
                    if (!x.is_object() || !x.contains("rule") || !x["rule"].is_string() ||
                        !x.contains("hard") || !x["hard"].is_boolean() ||
                        !x.contains("weight") || !x["weight"].is_number_integer())
                      throw Error::invalid("shifts.invalid_field",
                                           "each rule needs rule (string), hard (boolean) and "
                                           "weight (integer)");
                    updates.push_back({x["rule"].get<std::string>(), x["hard"].get<bool>(),
                                       x["weight"].get<int64_t>()});
                  }
                  saveRules(r, facility, updates);
                  auto conn = d.db.acquire();
                  return Response::json({{"facility_id", facility},
                                         {"rules", rulesJson(r, *conn, facility)}});
                }});

  // ---- Requested days off (希望休) -------------------------------------------------------------
  // A request for one date: a day off (希望休) without PATTERN, else the shift pattern the staff
  // member asks to work (希望シフト), which must be one of the facility's patterns.
  auto addRequest = [&d](const Request& r, const std::string& date, const std::string& note,
                         int64_t pattern) {
    const Principal& p = r.user();
    d.db.transaction([&](db::Tx& tx) {
      auto staff = staffIdOf(tx, p);
      if (!staff)
        throw Error::forbidden("shifts.not_staff", "only staff members can request days off");
      weekdayOf(date);  // validates the date
      const std::string month = monthOf(date);
      auto facility = tx.queryOne(
          "SELECT facility_id FROM staff_assignments WHERE staff_id = ? AND municipality_id = ? "
          "AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?) ORDER BY starts_on DESC",
          {*staff, p.municipality_id, date, date});
      if (!facility)
        throw Error::invalid("shifts.not_assigned", "you are not assigned to a facility then");
      const int64_t f = facility->getInt("facility_id");
      const FacilitySettings s = loadSettings(tx, p.municipality_id, f);
      const std::string deadline = requestDeadline(month, s.requestDeadlineDay);
      if (today(d.clock) > deadline)
        throw Error::conflict("shifts.request_deadline_passed",
                              "requests for " + month + " closed on " + deadline,
                              {{"deadline", deadline}});
      if (note.size() > 200) throw Error::invalid("shifts.invalid_field", "the note is too long");
      if (pattern && !tx.queryOne("SELECT id FROM shift_patterns WHERE id = ? AND facility_id = ? "
                                  "AND municipality_id = ?",
                                  {pattern, f, p.municipality_id}))
        throw Error::invalid("shifts.unknown_pattern", "no such shift pattern at your facility",
                             {{"pattern_id", pattern}});
      if (tx.queryOne("SELECT id FROM shift_day_off_requests WHERE staff_id = ? AND on_date = ?",
                      {*staff, date}))
        throw Error::conflict("shifts.request_exists", "you already asked for that day");
      tx.execute("INSERT INTO shift_day_off_requests (municipality_id, facility_id, staff_id, "
                 "on_date, note, pattern_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 {p.municipality_id, f, *staff, date, note,
                  pattern ? db::Value(pattern) : db::Value(), formatUtc(d.clock.now())});
    });
  };
  ctx.addRoute({"GET", "/web/shifts/requests", kRequest, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const Principal& p = r.user();
                  const std::string month = r.queryParam("month").value_or(nextMonth(today(d.clock)));
                  const std::vector<std::string> dates = datesOfMonth(month);
                  auto staff = staffIdOf(*conn, p);
                  nlohmann::json requests = nlohmann::json::array();
                  nlohmann::json patterns = nlohmann::json::array();
                  std::string deadline;
                  if (staff) {
                    for (const db::Row& row : conn->query(
                             "SELECT q.id, q.on_date, q.note, sp.name AS pattern FROM "
                             "shift_day_off_requests q LEFT JOIN shift_patterns sp ON sp.id = "
                             "q.pattern_id WHERE q.staff_id = ? AND q.municipality_id = ? AND "
                             "q.on_date >= ? AND q.on_date <= ? ORDER BY q.on_date",
                             {*staff, p.municipality_id, dates.front(), dates.back()})) {
                      const auto pattern = row.getOptText("pattern");
                      requests.push_back(
                          {{"id", row.getInt("id")},
                           {"date", row.getText("on_date")},
                           {"kind", pattern ? t(d, r, "shifts.wish_shift", {{"pattern", *pattern}})
                                            : t(d, r, "shifts.wish_off")},
                           {"note", row.getText("note")}});
                    }
                    auto f = conn->queryOne(
                        "SELECT facility_id FROM staff_assignments WHERE staff_id = ? ORDER BY "
                        "starts_on DESC",
                        {*staff});
                    const int64_t facility = f ? f->getInt("facility_id") : 0;
                    const FacilitySettings s = loadSettings(*conn, p.municipality_id, facility);
                    deadline = requestDeadline(month, s.requestDeadlineDay);
                    if (facility)
                      for (const PatternRow& pr : loadPatterns(*conn, p.municipality_id, facility))
                        patterns.push_back({{"id", pr.id}, {"name", pr.pattern.name}});
                  }
                  const bool open = staff && today(d.clock) <= deadline;
                  return d.web.page(r, "shifts/requests",
                                    {{"month", month},
                                     {"first", dates.front()},
                                     {"last", dates.back()},
                                     {"deadline", deadline},
                                     {"is_staff", staff.has_value()},
                                     {"open", open},
                                     {"closed", staff && !open},
                                     {"requests", requests},
                                     {"patterns", patterns},
                                     {"no_requests", requests.empty()}},
                                    "shifts.requests_title");
                }});
  ctx.addRoute({"POST", "/web/shifts/requests", kRequest, [addRequest](Request& r) {
                  auto form = r.form();
                  const std::string date = formValue(form, "date");
                  const std::string kind = formValue(form, "pattern_id");
                  int64_t pattern = 0;
                  if (!kind.empty()) {
                    if (kind.size() > 18 || !std::all_of(kind.begin(), kind.end(), ::isdigit))
                      throw Error::invalid("shifts.unknown_pattern", "no such shift pattern");
                    pattern = std::stoll(kind);
                  }
                  addRequest(r, date, formValue(form, "note"), pattern);
                  return Response::redirect("/web/shifts/requests?month=" + monthOf(date));
                }});
  ctx.addRoute({"POST", "/api/v1/shifts/requests", kRequest, [addRequest](Request& r) {
                  const nlohmann::json b = r.json();
                  if (!b.is_object() || !b.contains("date") || !b["date"].is_string())
                    throw Error::invalid("shifts.invalid_field", "date (YYYY-MM-DD) is required");
                  int64_t pattern = 0;
                  if (b.contains("pattern_id") && !b["pattern_id"].is_null()) {
                    if (!b["pattern_id"].is_number_integer())
                      throw Error::invalid("shifts.invalid_field", "pattern_id is an integer");
                    pattern = b["pattern_id"].get<int64_t>();
                  }
                  if (b.contains("note") && !b["note"].is_string())
                    throw Error::invalid("shifts.invalid_field", "note is a string");
                  addRequest(r, b["date"].get<std::string>(), b.value("note", std::string()),
                             pattern);
                  return Response::json(
                      {{"date", b["date"]},
                       {"pattern_id", pattern ? nlohmann::json(pattern) : nlohmann::json()}},
                      201);
                }});
  ctx.addRoute({"POST", "/web/shifts/requests/{id}/delete", kRequest, [&d](Request& r) {
                  const Principal& p = r.user();
                  std::string month;
                  d.db.transaction([&](db::Tx& tx) {
                    auto staff = staffIdOf(tx, p);
                    auto row = tx.queryOne(
                        "SELECT on_date, facility_id FROM shift_day_off_requests WHERE id = ? AND "
                        "staff_id = ? AND municipality_id = ?",
                        {r.idParam("id"), staff.value_or(0), p.municipality_id});
                    if (!row) throw Error::notFound("shifts.request_not_found", "no such request");
                    month = monthOf(row->getText("on_date"));
                    const FacilitySettings s =
                        loadSettings(tx, p.municipality_id, row->getInt("facility_id"));
                    if (today(d.clock) > requestDeadline(month, s.requestDeadlineDay))
                      throw Error::conflict("shifts.request_deadline_passed",
                                            "requests for " + month + " are closed");
                    tx.execute("DELETE FROM shift_day_off_requests WHERE id = ?", {r.idParam("id")});
                  });
                  return Response::redirect("/web/shifts/requests?month=" + month);
                }});
}

}  // namespace sukusuku::shifts::plugin
