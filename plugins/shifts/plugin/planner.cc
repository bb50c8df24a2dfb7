#include "planner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "sukusuku/calendar.h"
#include "sukusuku/error.h"

namespace sukusuku::shifts::plugin {

namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

bool digits(const std::string& s, size_t from, size_t n) {
  for (size_t i = from; i < from + n; ++i)
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  return true;
}

year_month_day parseDate(const std::string& date) {
  if (date.size() != 10 || !digits(date, 0, 4) || date[4] != '-' || !digits(date, 5, 2) ||
      date[7] != '-' || !digits(date, 8, 2))
    throw Error::invalid("shifts.invalid_date", "dates are YYYY-MM-DD", {{"date", date}});
  year_month_day ymd{year(std::stoi(date.substr(0, 4))),
                     month(static_cast<unsigned>(std::stoi(date.substr(5, 2)))),
                     day(static_cast<unsigned>(std::stoi(date.substr(8, 2))))};
  if (!ymd.ok()) throw Error::invalid("shifts.invalid_date", "no such date", {{"date", date}});
  return ymd;
}

std::string format(const year_month_day& ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// Age on April 1 of the date's fiscal year (the nursery's age group), capped at 5.
int ageGroup(const std::string& birth, const std::string& date) {
  const int fy = std::stoi(date.substr(0, 4)) - (date.substr(5, 2) < "04" ? 1 : 0);
  int age = fy - std::stoi(birth.substr(0, 4)) - (birth.substr(5) > "04-01" ? 1 : 0);
  return std::clamp(age, 0, 5);
}

RosterRow rosterFrom(const db::Row& r) {
  RosterRow out;
  out.id = r.getInt("id");
  out.municipalityId = r.getInt("municipality_id");
  out.facilityId = r.getInt("facility_id");
  out.month = r.getText("month");
  out.state = r.getText("state");
  out.solveState = r.getText("solve_state");
  out.solveMessage = r.getOptText("solve_message").value_or("");
  out.objective = r.getOptInt("objective");
  out.hardViolations = r.getOptInt("hard_violations");
  const std::string report = r.getOptText("report_json").value_or("");
  out.report = report.empty() ? nlohmann::json::object() : nlohmann::json::parse(report);
  out.publishedAt = r.getOptText("published_at").value_or("");
  return out;
}

constexpr const char* kRosterColumns =
    "SELECT id, municipality_id, facility_id, month, state, solve_state, solve_message, "
    "objective, hard_violations, report_json, published_at FROM shift_rosters ";

struct Enrolled {
  std::string startsOn;
  std::string endsOn;
  int age = 0;
  std::string birth;
  std::string hours;
};

// Expected children per date: typed-in rows for the weekday when the facility has any, else
// every enrolled child in its certified band.
std::vector<nursery::ExpectedChild> expectedOn(
    const std::string& date, const std::vector<Enrolled>& enrolled,
    const std::map<int, std::vector<nursery::ExpectedChild>>& typed,
    services::PlannedAttendance* planned, int64_t municipality, int64_t facility) {
  std::vector<nursery::ExpectedChild> out;
  if (planned) {
    for (const services::PlannedChild& c : planned->expectedChildren(municipality, facility, date))
      out.push_back({std::clamp(c.age_years, 0, 5), parseClock(c.arrive_at),
                     parseClock(c.leave_at)});
    if (!out.empty()) return out;
  }
  auto t = typed.find(weekdayOf(date));
  if (t != typed.end()) return t->second;
  for (const Enrolled& e : enrolled) {
    if (e.startsOn > date || (!e.endsOn.empty() && e.endsOn < date)) continue;
    const nursery::CareBand band = nursery::certifiedBand(
        e.hours == "short" ? nursery::CertifiedHours::kShort : nursery::CertifiedHours::kStandard);
    const int age = e.age >= 0 ? std::min(e.age, 5) : ageGroup(e.birth, date);
    out.push_back({age, band.startMinute, band.endMinute});
  }
  return out;
}

}  // namespace

std::vector<std::string> datesOfMonth(const std::string& m) {
  if (m.size() != 7 || !digits(m, 0, 4) || m[4] != '-' || !digits(m, 5, 2))
    throw Error::invalid("shifts.invalid_month", "months are YYYY-MM", {{"month", m}});
  const unsigned mm = static_cast<unsigned>(std::stoi(m.substr(5, 2)));
  if (mm < 1 || mm > 12)
    throw Error::invalid("shifts.invalid_month", "months are YYYY-MM", {{"month", m}});
  std::vector<std::string> out;
  const year y(std::stoi(m.substr(0, 4)));
  for (unsigned d = 1; d <= 31; ++d) {
    year_month_day ymd{y, month(mm), day(d)};
    if (!ymd.ok()) break;
    out.push_back(format(ymd));
  }
  return out;
}

int weekdayOf(const std::string& date) {
  const std::chrono::weekday w{std::chrono::sys_days(parseDate(date))};
  return (static_cast<int>(w.c_encoding()) + 6) % 7;
}

int parseClock(const std::string& s) {
  if (s.size() != 5 || !digits(s, 0, 2) || s[2] != ':' || !digits(s, 3, 2))
    throw Error::invalid("shifts.invalid_time", "times are HH:MM", {{"time", s}});
  const int h = std::stoi(s.substr(0, 2));
  const int m = std::stoi(s.substr(3, 2));
  if (h > 24 || m > 59 || (h == 24 && m > 0))
    throw Error::invalid("shifts.invalid_time", "times are HH:MM", {{"time", s}});
  return h * 60 + m;
}

std::string formatClock(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::string nextMonth(const std::string& date) {
  const year_month_day ymd = parseDate(date);
  const auto next = std::chrono::year_month{ymd.year(), ymd.month()} + std::chrono::months(1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(next.year()),
                static_cast<unsigned>(next.month()));
  return buf;
}

std::string requestDeadline(const std::string& m, int deadlineDay) {
  const std::string first = datesOfMonth(m).front();
  const year_month_day ymd = parseDate(first);
  const auto prev = std::chrono::year_month{ymd.year(), ymd.month()} - std::chrono::months(1);
  const auto last = std::chrono::year_month_day_last{prev.year(),
                                                     std::chrono::month_day_last{prev.month()}};
  const unsigned d = std::min<unsigned>(static_cast<unsigned>(std::max(1, deadlineDay)),
                                        static_cast<unsigned>(last.day()));
  return format({prev.year(), prev.month(), day(d)});
}

FacilitySettings loadSettings(db::Connection& conn, int64_t municipality, int64_t facility) {
  FacilitySettings s;
  if (auto f = conn.queryOne(
          "SELECT opens_at, closes_at FROM facilities WHERE id = ? AND municipality_id = ?",
          {facility, municipality})) {
    s.opensAt = f->getText("opens_at");
    s.closesAt = f->getText("closes_at");
  }
  if (auto r = conn.queryOne("SELECT * FROM shift_settings WHERE facility_id = ? AND "
                             "municipality_id = ?",
                             {facility, municipality})) {
    s.slotMinutes = static_cast<int>(r->getInt("slot_minutes"));
    s.opensAt = r->getText("opens_at");
    s.closesAt = r->getText("closes_at");
    s.openSaturday = r->getBool("open_saturday");
    s.openHolidays = r->getBool("open_holidays");
    s.requestDeadlineDay = static_cast<int>(r->getInt("request_deadline_day"));
    s.maxConsecutiveDays = static_cast<int>(r->getInt("max_consecutive_days"));
    s.minRestMinutes = static_cast<int>(r->getInt("min_rest_minutes"));
  }
  return s;
}

std::vector<PatternRow> loadPatterns(db::Connection& conn, int64_t municipality,
                                     int64_t facility) {
  auto read = [&] {
    std::vector<PatternRow> out;
    for (const db::Row& r : conn.query(
             "SELECT id, code, name, starts_at, ends_at, break_minutes, part_time FROM "
             "shift_patterns WHERE facility_id = ? AND municipality_id = ? ORDER BY sort_order, id",
             {facility, municipality}))
      out.push_back({r.getInt("id"),
                     {r.getText("code"), r.getText("name"), parseClock(r.getText("starts_at")),
                      parseClock(r.getText("ends_at")),
                      static_cast<int>(r.getInt("break_minutes")), r.getBool("part_time")}});
    return out;
  };
  std::vector<PatternRow> out = read();
  if (!out.empty()) return out;
  int order = 0;
  for (const nursery::ShiftPattern& p : nursery::defaultPatterns())
    conn.execute(conn.dialect().insertIgnore("shift_patterns",
                                             {"municipality_id", "facility_id", "code", "name",
                                              "starts_at", "ends_at", "break_minutes",
                                              "part_time", "sort_order"}),
                 {municipality, facility, p.id, p.name, formatClock(p.startMinute),
                  formatClock(p.endMinute), p.breakMinutes, p.partTime, ++order});
  return read();
}

std::vector<nursery::RatioSetting> loadRatios(db::Connection& conn, int64_t municipality) {
  std::vector<nursery::RatioSetting> out;
  for (const db::Row& r : conn.query("SELECT * FROM shift_ratio_settings WHERE municipality_id = "
                                     "? ORDER BY effective_from",
                                     {municipality})) {
    nursery::RatioSetting s;
    s.effectiveFrom = r.getText("effective_from");
    for (int a = 0; a < nursery::kAges; ++a)
      s.childrenPerCaregiver[a] = static_cast<int>(r.getInt("age" + std::to_string(a)));
    s.rounding = nursery::parseRounding(r.getText("rounding"));
    s.minimumWhileOpen = static_cast<int>(r.getInt("minimum_while_open"));
    s.qualifiedPercent = static_cast<int>(r.getInt("qualified_percent"));
    out.push_back(s);
  }
  if (out.empty()) {
    // The national minimum (2024-04-01) until the city sets its own.
    out.push_back(nursery::RatioSetting{});
    nursery::RatioSetting before;
    before.effectiveFrom = "2015-04-01";
    before.childrenPerCaregiver = {3, 6, 6, 20, 30, 30};
    out.push_back(before);
  }
  return out;
}

std::vector<StaffRow> loadStaff(db::Connection& conn, int64_t municipality, int64_t facility,
                                const std::string& m) {
  const std::vector<std::string> dates = datesOfMonth(m);
  const std::string first = dates.front();
  const std::string last = dates.back();
  std::vector<StaffRow> out;
  for (const db::Row& r : conn.query(
           "SELECT s.id, s.family_name, s.given_name FROM staff s JOIN staff_assignments a ON "
           "a.staff_id = s.id WHERE a.facility_id = ? AND a.municipality_id = ? AND s.municipality_id = ? "
           "AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?) ORDER BY s.employee_code, s.id",
           {facility, municipality, municipality, last, first})) {
    const int64_t id = r.getInt("id");
    std::set<std::string> quals;
    for (const db::Row& q : conn.query(
             "SELECT qualification FROM staff_qualifications WHERE staff_id = ? AND municipality_id = ?",
             {id, municipality}))
      quals.insert(q.getText("qualification"));
    const bool caregiver = quals.empty() || quals.count("hoikushi") || quals.count("kangoshi") ||
                           quals.count("other") || quals.count("kyouin");
    if (!caregiver) continue;  // cooks and dietitians are not in the childcare rota
    StaffRow s;
    s.id = id;
    s.name = r.getText("family_name") + " " + r.getText("given_name");
    s.staff.id = std::to_string(id);
    s.staff.hoikushi = quals.count("hoikushi") > 0;
    if (auto c = conn.queryOne(
            "SELECT kind, minutes_per_week FROM staff_contracts WHERE staff_id = ? AND "
            "municipality_id = ? AND starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?) "
            "ORDER BY starts_on DESC",
            {id, municipality, last, first})) {
      s.staff.partTime = c->getText("kind") == "part_time";
      s.staff.minutesPerWeek = static_cast<int>(c->getInt("minutes_per_week"));
    }
    for (const db::Row& q : conn.query(
             "SELECT on_date, pattern_id FROM shift_day_off_requests WHERE staff_id = ? AND "
             "facility_id = ? AND on_date >= ? AND on_date <= ? ORDER BY on_date",
             {id, facility, first, last})) {
      const int day = std::stoi(q.getText("on_date").substr(8, 2)) - 1;
      if (auto pattern = q.getOptInt("pattern_id"))
        s.requestedPatterns.push_back({day, *pattern});
      else
        s.staff.requestedDaysOff.push_back(day);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<RosterRow> findRoster(db::Connection& conn, int64_t municipality, int64_t roster) {
  auto r = conn.queryOne(std::string(kRosterColumns) + "WHERE id = ? AND municipality_id = ?",
                         {roster, municipality});
  if (!r) return std::nullopt;
  return rosterFrom(*r);
}

std::optional<RosterRow> findRosterByMonth(db::Connection& conn, int64_t municipality,
                                           int64_t facility, const std::string& m) {
  auto r = conn.queryOne(
      std::string(kRosterColumns) + "WHERE facility_id = ? AND month = ? AND municipality_id = ?",
      {facility, m, municipality});
  if (!r) return std::nullopt;
  return rosterFrom(*r);
}

std::vector<RuleSetting> defaultRuleSettings() {
  nursery::NurseryRules defaults;
  return {{Rule::kCoverUnder, defaults.coverHard, 1},
          {Rule::kShiftOffRequest, false, 1},
          {Rule::kShiftOnRequest, false, 1},
          {Rule::kMaxTotalMinutes, true, 1},
          {Rule::kMinTotalMinutes, false, 1},
          {Rule::kMaxConsecutiveShifts, true, 1},
          {Rule::kForbiddenSuccession, true, 1},
          {Rule::kFairness, false, defaults.fairnessWeight},
          {Rule::kCoverOver, false, 1},
          {Rule::kChangeFromPrevious, false, 5}};
}

std::optional<Rule> editableRule(const std::string& name) {
  for (const RuleSetting& s : defaultRuleSettings())
    if (name == ruleName(s.rule)) return s.rule;
  return std::nullopt;
}

std::vector<RuleSetting> loadRuleSettings(db::Connection& conn, int64_t municipality,
                                          int64_t facility) {
  std::vector<RuleSetting> out = defaultRuleSettings();
  for (const db::Row& r : conn.query(
           "SELECT rule_name, hard, weight FROM shift_rule_weights WHERE facility_id = ? AND "
           "municipality_id = ?",
           {facility, municipality})) {
    for (RuleSetting& s : out)
      if (r.getText("rule_name") == ruleName(s.rule)) {
        s.hard = r.getBool("hard");
        s.weight = static_cast<int>(r.getInt("weight"));
        s.stored = true;
      }
  }
  return out;
}

void saveRuleSettings(db::Tx& tx, int64_t municipality, int64_t facility,
                      const std::vector<RuleUpdate>& updates, const std::string& now) {
  for (const RuleUpdate& u : updates) {
    const auto rule = editableRule(u.rule);
    if (!rule)
      throw Error::invalid("shifts.unknown_rule", "no editable rule " + u.rule,
                           {{"rule", u.rule}});
    if (u.weight < 0 || u.weight > 1000000)
      throw Error::invalid("shifts.invalid_weight", "a weight is a whole number 0..1000000",
                           {{"rule", u.rule}});
    if (*rule == Rule::kMaxTotalMinutes && !u.hard)
      throw Error::invalid("shifts.hard_required",
                           "working hours over the contract are not allowed (労働基準法)",
                           {{"rule", u.rule}});
  }
  for (const RuleUpdate& u : updates) {
    tx.execute("DELETE FROM shift_rule_weights WHERE facility_id = ? AND municipality_id = ? "
               "AND rule_name = ?",
               {facility, municipality, u.rule});
    tx.execute("INSERT INTO shift_rule_weights (municipality_id, facility_id, rule_name, hard, "
               "weight, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
               {municipality, facility, u.rule, u.hard, u.weight, now});
  }
}

MonthView loadMonth(db::Connection& conn, const RosterRow& roster,
                    services::PlannedAttendance* planned) {
  MonthView v;
  v.roster = roster;
  const int64_t city = roster.municipalityId;
  v.settings = loadSettings(conn, city, roster.facilityId);
  v.grid = {parseClock(v.settings.opensAt), parseClock(v.settings.closesAt),
            v.settings.slotMinutes};
  v.dates = datesOfMonth(roster.month);
  v.patterns = loadPatterns(conn, city, roster.facilityId);
  v.staff = loadStaff(conn, city, roster.facilityId, roster.month);
  v.rules = loadRuleSettings(conn, city, roster.facilityId);
  for (const db::Row& r : conn.query(
           "SELECT staff_id, on_date, pattern_id, pinned FROM shift_roster_cells WHERE roster_id "
           "= ? AND municipality_id = ? ORDER BY staff_id, on_date",
           {roster.id, city}))
    v.cells.push_back({r.getInt("staff_id"), r.getText("on_date"),
                       r.getOptInt("pattern_id").value_or(0), r.getBool("pinned")});

  std::vector<Enrolled> enrolled;
  for (const db::Row& r : conn.query(
           "SELECT e.starts_on, e.ends_on, e.certified_hours, c.age_group, ch.birth_date FROM "
           "enrolments e JOIN children ch ON ch.id = e.child_id LEFT JOIN classes c ON c.id = "
           "e.class_id WHERE e.facility_id = ? AND e.municipality_id = ? AND e.starts_on <= ? "
           "AND (e.ends_on IS NULL OR e.ends_on >= ?)",
           {roster.facilityId, city, v.dates.back(), v.dates.front()}))
    enrolled.push_back({r.getText("starts_on"), r.getOptText("ends_on").value_or(""),
                        static_cast<int>(r.getOptInt("age_group").value_or(-1)),
                        r.getText("birth_date"), r.getOptText("certified_hours").value_or("")});
  std::map<int, std::vector<nursery::ExpectedChild>> typed;
  for (const db::Row& r : conn.query(
           "SELECT weekday, age, arrive_at, leave_at, children FROM shift_expected_children "
           "WHERE facility_id = ? AND municipality_id = ?",
           {roster.facilityId, city}))
    for (int64_t i = 0; i < r.getInt("children"); ++i)
      typed[static_cast<int>(r.getInt("weekday"))].push_back(
          {static_cast<int>(r.getInt("age")), parseClock(r.getText("arrive_at")),
           parseClock(r.getText("leave_at"))});

  const std::vector<nursery::RatioSetting> ratios = loadRatios(conn, city);
  for (const std::string& date : v.dates) {
    const int w = weekdayOf(date);
    const std::optional<std::string_view> closure =
        v.settings.openHolidays ? std::nullopt : calendar::nurseryClosure(parseDate(date));
    const bool open = !closure && (w < 5 || (w == 5 && v.settings.openSaturday));
    v.open.push_back(open);
    v.closure.push_back(closure ? "holidays." + std::string(*closure) : std::string());
    if (!open) {
      v.need.emplace_back();
      continue;
    }
    const auto perSlot = nursery::childrenPerSlot(
        v.grid, expectedOn(date, enrolled, typed, planned, city, roster.facilityId));
    v.need.push_back(nursery::requirementPerSlot(perSlot, nursery::ratioOn(ratios, date)));
  }
  return v;
}

namespace {

// The month as the engine's NurseryMonth, with the view's cells as previous roster and pins.
Problem problemFor(const MonthView& v) {
  nursery::NurseryMonth m;
  m.horizonDays = static_cast<int>(v.dates.size());
  m.firstWeekday = weekdayOf(v.dates.front());
  m.grid = v.grid;
  for (const PatternRow& p : v.patterns) m.patterns.push_back(p.pattern);
  for (const StaffRow& s : v.staff) {
    nursery::NurseryStaff staff = s.staff;
    for (const auto& [day, patternId] : s.requestedPatterns)
      for (size_t i = 0; i < v.patterns.size(); ++i)
        if (v.patterns[i].id == patternId)
          staff.requestedShifts.push_back({day, static_cast<int>(i)});
    m.staff.push_back(std::move(staff));
  }
  for (size_t d = 0; d < v.dates.size(); ++d) m.days.push_back({v.open[d], v.need[d]});
  m.rules.maxConsecutiveDays = v.settings.maxConsecutiveDays;
  m.rules.minRestMinutes = v.settings.minRestMinutes;
  for (const RuleSetting& r : v.rules)
    if (r.stored) m.rules.overrides.push_back({r.rule, {r.hard, r.weight}});
  Problem p = nursery::buildProblem(m);

  std::map<int64_t, int> staffIndex;
  for (size_t i = 0; i < v.staff.size(); ++i) staffIndex[v.staff[i].id] = static_cast<int>(i);
  std::map<int64_t, int> patternIndex;
  for (size_t i = 0; i < v.patterns.size(); ++i)
    patternIndex[v.patterns[i].id] = static_cast<int>(i);
  Roster previous(static_cast<int>(v.staff.size()), m.horizonDays);
  for (const Cell& c : v.cells) {
    auto s = staffIndex.find(c.staffId);
    if (s == staffIndex.end()) continue;
    const int d = std::stoi(c.date.substr(8, 2)) - 1;
    auto pi = patternIndex.find(c.patternId);
    const int value = pi == patternIndex.end() ? kOff : pi->second;
    previous.set(s->second, d, value);
    if (c.pinned) p.pinned.push_back({s->second, d, value});
  }
  // A first generation has nothing to stay close to.
  if (!v.cells.empty()) p.previous = previous;
  return p;
}

nlohmann::json reportJson(const MonthView& v, const Problem& p, const Report& report) {
  nlohmann::json out = nlohmann::json::array();
  for (const Violation& x : report.violations) {
    nlohmann::json j = {{"rule", ruleName(x.rule)}, {"hard", x.hard}, {"amount", x.amount}};
    if (x.employee >= 0) {
      j["staff_id"] = v.staff[x.employee].id;
      j["staff"] = v.staff[x.employee].name;
    }
    if (x.day >= 0) j["date"] = v.dates[x.day];
    if (x.shift >= 0) j["pattern"] = v.patterns[x.shift].pattern.name;
    if (x.point >= 0) j["slot"] = p.coverPoints[x.point].id;
    if (x.fairness >= 0) j["duty"] = p.fairness[x.fairness].id;
    // Not rules the head needs line by line: staying close to the last roster, and a slot
    // with more staff than the ratio asks.
    if (x.rule == Rule::kChangeFromPrevious || x.rule == Rule::kCoverOver) continue;
    out.push_back(std::move(j));
  }
  return {{"violations", out}};
}

}  // namespace

Planner::Planner(db::Database& db, const Clock& clock, Options options)
    : db_(db), clock_(clock), options_(options) {}

Planner::~Planner() { stop(); }

void Planner::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  // The queue lives in memory: generations a stopped or crashed server left queued or running
  // are queued again, oldest first, so no head waits forever on 作成中. With several servers on
  // one database a generation running elsewhere may be solved twice; the last result wins and
  // both are whole rotas (each is written in one transaction).
  std::vector<int64_t> left;
  for (const db::Row& r : db_.acquire()->query(
           "SELECT id FROM shift_rosters WHERE solve_state IN ('queued', 'running') ORDER BY "
           "updated_at, id"))
    left.push_back(r.getInt("id"));
  {
    std::lock_guard lock(mu_);
    queue_.insert(queue_.end(), left.begin(), left.end());
  }
  thread_ = std::thread([this] { run(); });
}

void Planner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  cancel_ = false;
}

int64_t Planner::createRoster(db::Tx& tx, int64_t municipality, int64_t facility,
                              const std::string& m) {
  datesOfMonth(m);
  if (findRosterByMonth(tx, municipality, facility, m))
    throw Error::conflict("shifts.roster_exists", "this month already has a rota",
                          {{"month", m}});
  const std::string now = formatUtc(clock_.now());
  return tx
      .execute("INSERT INTO shift_rosters (municipality_id, facility_id, month, state, "
               "solve_state, created_at, updated_at) VALUES (?, ?, ?, 'draft', 'idle', ?, ?)",
               {municipality, facility, m, now, now})
      .last_insert_id;
}

void Planner::queue(int64_t municipality, int64_t roster) {
  db_.transaction([&](db::Tx& tx) {
    auto r = findRoster(tx, municipality, roster);
    if (!r) throw Error::notFound("shifts.roster_not_found", "no such rota");
    if (r->solveState == "queued" || r->solveState == "running")
      throw Error::conflict("shifts.already_solving", "the rota is being generated");
    tx.execute("UPDATE shift_rosters SET solve_state = 'queued', solve_message = NULL, "
               "updated_at = ? WHERE id = ?",
               {formatUtc(clock_.now()), roster});
    tx.afterCommit([this, roster] {
      {
        std::lock_guard lock(mu_);
        queue_.push_back(roster);
      }
      cv_.notify_one();
    });
  });
}

void Planner::run() {
  for (;;) {
    int64_t roster = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      roster = queue_.front();
      queue_.pop_front();
    }
    solveOne(roster);
    if (onSolved) onSolved(roster);
  }
}

void Planner::solveNow(int64_t roster) { solveOne(roster); }

void Planner::solveOne(int64_t rosterId) {
  try {
    MonthView view;
    Problem problem;
    {
      auto conn = db_.acquire();
      auto r = conn->queryOne("SELECT municipality_id FROM shift_rosters WHERE id = ?", {rosterId});
      if (!r) return;
      auto roster = findRoster(*conn, r->getInt("municipality_id"), rosterId);
      if (!roster) return;
      conn->execute("UPDATE shift_rosters SET solve_state = 'running', updated_at = ? WHERE id = ?",
                    {formatUtc(clock_.now()), rosterId});
      view = loadMonth(*conn, *roster, planned_.get());
      problem = problemFor(view);
    }
    SolveOptions o;
    o.timeLimitSeconds = options_.solveSeconds;
    o.threads = options_.threads;
    o.seed = static_cast<uint64_t>(rosterId);
    o.cancel = &cancel_;
    const SolveResult result = solve(problem, o);
    const nlohmann::json report = reportJson(view, problem, result.report);
    db_.transaction([&](db::Tx& tx) {
      const int64_t city = view.roster.municipalityId;
      tx.execute("DELETE FROM shift_roster_cells WHERE roster_id = ? AND pinned = 0", {rosterId});
      for (size_t e = 0; e < view.staff.size(); ++e)
        for (size_t d = 0; d < view.dates.size(); ++d) {
          const int v = result.roster.at(static_cast<int>(e), static_cast<int>(d));
          if (v == kOff) continue;
          tx.execute(tx.dialect().insertIgnore("shift_roster_cells",
                                               {"municipality_id", "roster_id", "staff_id",
                                                "on_date", "pattern_id", "pinned"}),
                     {city, rosterId, view.staff[e].id, view.dates[d], view.patterns[v].id, 0});
        }
      tx.execute("UPDATE shift_rosters SET solve_state = 'done', solve_message = NULL, "
                 "objective = ?, hard_violations = ?, report_json = ?, updated_at = ? WHERE id = ?",
                 {result.report.objective, result.report.hardViolations, report.dump(),
                  formatUtc(clock_.now()), rosterId});
    });
  } catch (const std::exception& e) {
    try {
      db_.acquire()->execute(
          "UPDATE shift_rosters SET solve_state = 'failed', solve_message = ?, updated_at = ? "
          "WHERE id = ?",
          {std::string(e.what()), formatUtc(clock_.now()), rosterId});
    } catch (...) {
    }
  }
}

void setCell(db::Tx& tx, const MonthView& view, int64_t staffId, const std::string& date,
             int64_t patternId, bool pinned) {
  if (std::find(view.dates.begin(), view.dates.end(), date) == view.dates.end())
    throw Error::invalid("shifts.invalid_date", "the date is not in this month", {{"date", date}});
  if (std::none_of(view.staff.begin(), view.staff.end(),
                   [&](const StaffRow& s) { return s.id == staffId; }))
    throw Error::invalid("shifts.unknown_staff", "no such staff member in this rota");
  if (patternId != 0 && std::none_of(view.patterns.begin(), view.patterns.end(),
                                     [&](const PatternRow& p) { return p.id == patternId; }))
    throw Error::invalid("shifts.unknown_pattern", "no such shift pattern");
  tx.execute("DELETE FROM shift_roster_cells WHERE roster_id = ? AND staff_id = ? AND on_date = ?",
             {view.roster.id, staffId, date});
  if (patternId != 0 || pinned)
    tx.execute("INSERT INTO shift_roster_cells (municipality_id, roster_id, staff_id, on_date, "
               "pattern_id, pinned) VALUES (?, ?, ?, ?, ?, ?)",
               {view.roster.municipalityId, view.roster.id, staffId, date,
                patternId ? db::Value(patternId) : db::Value(), pinned});
}

std::vector<SlotCount> plannedPerSlot(const MonthView& v, const std::string& date) {
  std::vector<SlotCount> out(v.grid.slots());
  std::map<int64_t, const StaffRow*> staff;
  for (const StaffRow& s : v.staff) staff[s.id] = &s;
  for (const Cell& c : v.cells) {
    if (c.date != date || c.patternId == 0 || !staff.count(c.staffId)) continue;
    const PatternRow* p = nullptr;
    for (const PatternRow& x : v.patterns)
      if (x.id == c.patternId) p = &x;
    if (!p) continue;
    for (int s = 0; s < v.grid.slots(); ++s) {
      const int start = v.grid.slotStart(s);
      if (p->pattern.startMinute <= start &&
          start + v.grid.slotMinutes <= p->pattern.endMinute) {
        ++out[s].all;
        if (staff[c.staffId]->staff.hoikushi) ++out[s].qualified;
      }
    }
  }
  return out;
}

}  // namespace sukusuku::shifts::plugin
