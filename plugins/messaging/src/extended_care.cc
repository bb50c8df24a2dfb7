#include "extended_care.h"

#include <iconv.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include <sukusuku/error.h>
#include <sukusuku/export.h>

namespace sukusuku::messaging::extcare {

namespace {

Error invalidSetting(const std::string& field, const std::string& message,
                     nlohmann::json details = nlohmann::json::object()) {
  details["field"] = field;
  return Error::invalid("messaging.extcare.invalid_setting", field + ": " + message, details);
}

void requireRange(const std::string& field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    throw invalidSetting(field,
                         "must be between " + std::to_string(lo) + " and " + std::to_string(hi),
                         {{"min", lo}, {"max", hi}, {"value", v}});
  }
}

void requireBand(const std::string& start_field, const std::string& start,
                 const std::string& end_field, const std::string& end) {
  if (!validTime(start)) throw invalidSetting(start_field, "must be HH:MM");
  if (!validTime(end)) throw invalidSetting(end_field, "must be HH:MM");
  if (minutesOf(end) <= minutesOf(start)) {
    throw invalidSetting(end_field, "the band must end after it starts");
  }
}

// Minutes after DATE's Tokyo midnight of a stored UTC time (seconds dropped).
int64_t minutesIntoDay(const std::string& date, const std::string& utc) {
  int64_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(parseUtc(utc).time_since_epoch()).count();
  int64_t local = secs + 9 * 3600 - daysFromDate(date) * 86400;
  return local >= 0 ? local / 60 : -((-local + 59) / 60);
}

std::string clock(int64_t minutes) {
  if (minutes < 0 || minutes >= 48 * 60) return "--:--";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return buf;
}

int64_t sideUnits(const Settings& s, int64_t minutes) {
  return minutes <= 0 ? 0 : (minutes + s.rounding_unit - 1) / s.rounding_unit;
}

nlohmann::json lineFigures(const DayLine& l, const Settings& s) {
  return {{"check_in", l.check_in},
          {"check_out", l.check_out},
          {"minutes", l.minutes_before + l.minutes_after},
          {"units", l.units},
          {"fee", l.units * s.fee_per_unit},
          {"flag", l.flag},
          {"certified", l.certified}};
}

}  // namespace

nlohmann::json Settings::toJson() const {
  return {{"standard_start", standard_start},
          {"standard_end", standard_end},
          {"short_start", short_start},
          {"short_end", short_end},
          {"rounding_unit", rounding_unit},
          {"grace_minutes", grace_minutes},
          {"fee_per_unit", fee_per_unit},
          {"monthly_cap", monthly_cap ? nlohmann::json(*monthly_cap) : nlohmann::json(nullptr)}};
}

Settings Settings::fromJson(const nlohmann::json& j) {
  Settings s;
  s.standard_start = j.at("standard_start");
  s.standard_end = j.at("standard_end");
  s.short_start = j.at("short_start");
  s.short_end = j.at("short_end");
  s.rounding_unit = j.at("rounding_unit");
  s.grace_minutes = j.at("grace_minutes");
  s.fee_per_unit = j.at("fee_per_unit");
  if (j.contains("monthly_cap") && !j["monthly_cap"].is_null()) {
    s.monthly_cap = j["monthly_cap"].get<int64_t>();
  }
  return s;
}

void validate(const Settings& s) {
  requireBand("standard_start", s.standard_start, "standard_end", s.standard_end);
  requireBand("short_start", s.short_start, "short_end", s.short_end);
  requireRange("rounding_unit", s.rounding_unit, 1, 120);
  requireRange("grace_minutes", s.grace_minutes, 0, 60);
  if (s.grace_minutes >= s.rounding_unit) {
    throw invalidSetting("grace_minutes", "must be shorter than the rounding unit",
                         {{"rounding_unit", s.rounding_unit}});
  }
  requireRange("fee_per_unit", s.fee_per_unit, 0, 100000);
  if (s.monthly_cap) requireRange("monthly_cap", *s.monthly_cap, 1, 1000000);
}

std::optional<Settings> loadSettings(db::Connection& conn, int64_t facility_id) {
  auto row = conn.queryOne(
      "SELECT standard_start, standard_end, short_start, short_end, rounding_unit, grace_minutes, "
      "fee_per_unit, monthly_cap FROM messaging_extcare_settings WHERE facility_id = ?",
      {facility_id});
  if (!row) return std::nullopt;
  Settings s;
  s.standard_start = row->getText("standard_start");
  s.standard_end = row->getText("standard_end");
  s.short_start = row->getText("short_start");
  s.short_end = row->getText("short_end");
  s.rounding_unit = row->getInt("rounding_unit");
  s.grace_minutes = row->getInt("grace_minutes");
  s.fee_per_unit = row->getInt("fee_per_unit");
  s.monthly_cap = row->getOptInt("monthly_cap");
  return s;
}

bool DayLine::sameFigures(const DayLine& o) const {
  return std::tie(child_id, date, certified, check_in, check_out, minutes_before, minutes_after,
                  units, flag) == std::tie(o.child_id, o.date, o.certified, o.check_in, o.check_out,
                                           o.minutes_before, o.minutes_after, o.units, o.flag);
}

void computeDay(const Settings& s, std::optional<int64_t> in, std::optional<int64_t> out,
                DayLine& line) {
  line.check_in = in ? clock(*in) : "";
  line.check_out = out ? clock(*out) : "";
  line.minutes_before = line.minutes_after = line.units = 0;
  line.flag.clear();
  if (line.certified != "standard" && line.certified != "short") {
    line.flag = "no_certification";
    return;
  }
  const bool standard = line.certified == "standard";
  const int64_t start = minutesOf(standard ? s.standard_start : s.short_start);
  const int64_t end = minutesOf(standard ? s.standard_end : s.short_end);
  int64_t before = 0, after = 0;
  if (in) before = std::max<int64_t>(0, std::min(start, out ? *out : start) - *in);
  if (out) after = std::max<int64_t>(0, *out - std::max(end, in ? *in : end));
  if (!out) line.flag = "no_check_out";
  if (!in) line.flag = "no_check_in";
  line.minutes_before = before > s.grace_minutes ? before : 0;
  line.minutes_after = after > s.grace_minutes ? after : 0;
  line.units = sideUnits(s, line.minutes_before) + sideUnits(s, line.minutes_after);
}

void requireMonth(const std::string& month) {
  bool ok = month.size() == 7 && month[4] == '-' &&
            std::all_of(month.begin(), month.begin() + 4, ::isdigit) && ::isdigit(month[5]) &&
            ::isdigit(month[6]);
  if (ok) {
    int y = std::stoi(month.substr(0, 4)), m = std::stoi(month.substr(5, 2));
    ok = y >= 2000 && y <= 2100 && m >= 1 && m <= 12;
  }
  if (!ok) {
    throw Error::invalid("messaging.extcare.invalid_month", "month must be YYYY-MM",
                         {{"month", month}});
  }
}

Report liveReport(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                  const std::string& month, const Settings& s) {
  Report report;
  report.facility_id = facility_id;
  report.month = month;
  report.settings = s;
  const std::string first = month + "-01";
  const int y = std::stoi(month.substr(0, 4)), mo = std::stoi(month.substr(5, 2));
  char next[32];
  std::snprintf(next, sizeof next, "%04d-%02d-01", mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1);
  const std::string last = dateFromDays(daysFromDate(next) - 1);

  // The rows in force per child, date and kind: the newest (by id) wins; cancelled = none.
  struct Marks {
    std::optional<std::string> in, out;
  };
  std::map<std::pair<int64_t, std::string>, Marks> days;
  for (const auto& row :
       conn.query("SELECT child_id, date, kind, at, cancelled FROM messaging_attendance WHERE "
                  "municipality_id = ? AND facility_id = ? AND date >= ? AND date <= ? ORDER BY id",
                  {municipality_id, facility_id, first, last})) {
    Marks& m = days[{row.getInt("child_id"), row.getText("date")}];
    std::optional<std::string> value;
    if (!row.getBool("cancelled")) value = row.getText("at");
    (row.getText("kind") == "check_in" ? m.in : m.out) = value;
  }

  // Certified hours and class per child and day, from the enrolments at this facility.
  struct Span {
    std::string starts_on, ends_on, certified, class_name;
  };
  std::map<int64_t, std::vector<Span>> spans;
  for (const auto& row : conn.query(
           "SELECT e.child_id, e.starts_on, e.ends_on, e.certified_hours, cl.name AS class_name "
           "FROM enrolments e LEFT JOIN classes cl ON cl.id = e.class_id WHERE e.municipality_id "
           "= ? AND e.facility_id = ? AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on "
           ">= ?) ORDER BY e.starts_on",
           {municipality_id, facility_id, last, first})) {
    spans[row.getInt("child_id")].push_back({row.getText("starts_on"),
                                             row.getOptText("ends_on").value_or("9999-12-31"),
                                             row.getOptText("certified_hours").value_or(""),
                                             row.getOptText("class_name").value_or("")});
  }
  std::map<int64_t, std::pair<std::string, std::string>> names;  // id -> (name, kana)
  for (const auto& row : conn.query(
           "SELECT DISTINCT c.id, c.family_name, c.given_name, c.family_name_kana, "
           "c.given_name_kana FROM children c JOIN messaging_attendance a ON a.child_id = c.id "
           "WHERE a.municipality_id = ? AND a.facility_id = ? AND a.date >= ? AND a.date <= ?",
           {municipality_id, facility_id, first, last})) {
    names[row.getInt("id")] = {row.getText("family_name") + " " + row.getText("given_name"),
                               row.getOptText("family_name_kana").value_or("") +
                                   row.getOptText("given_name_kana").value_or("")};
  }

  for (const auto& [key, marks] : days) {
    if (!marks.in && !marks.out) continue;  // every record cancelled: not attended
    DayLine line;
    line.child_id = key.first;
    line.date = key.second;
    line.child_name = names[key.first].first;
    for (const Span& sp : spans[key.first]) {
      if (sp.starts_on <= line.date && line.date <= sp.ends_on) {
        line.certified = sp.certified;
        line.class_name = sp.class_name;
      }
    }
    computeDay(
        s, marks.in ? std::optional<int64_t>(minutesIntoDay(line.date, *marks.in)) : std::nullopt,
        marks.out ? std::optional<int64_t>(minutesIntoDay(line.date, *marks.out)) : std::nullopt,
        line);
    report.lines.push_back(std::move(line));
  }
  // By class, then reading, then date.
  std::stable_sort(report.lines.begin(), report.lines.end(),
                   [&](const DayLine& a, const DayLine& b) {
                     return std::tie(names[a.child_id].second, a.child_id, a.date) <
                            std::tie(names[b.child_id].second, b.child_id, b.date);
                   });
  summarise(report);
  return report;
}

void summarise(Report& r) {
  r.children.clear();
  r.total_minutes = r.total_units = r.total_fee = r.flagged = 0;
  std::map<int64_t, size_t> index;
  for (const DayLine& l : r.lines) {
    auto [it, fresh] = index.emplace(l.child_id, r.children.size());
    if (fresh) {
      ChildTotal c;
      c.child_id = l.child_id;
      c.child_name = l.child_name;
      r.children.push_back(std::move(c));
    }
    ChildTotal& c = r.children[it->second];
    c.class_name = l.class_name;  // the latest day's
    c.certified = l.certified;
    ++c.days;
    if (l.units > 0) ++c.extended_days;
    c.minutes += l.minutes_before + l.minutes_after;
    c.units += l.units;
    if (!l.flag.empty()) ++c.flagged;
  }
  for (ChildTotal& c : r.children) {
    c.fee = c.units * r.settings.fee_per_unit;
    if (r.settings.monthly_cap && c.fee > *r.settings.monthly_cap) {
      c.fee = *r.settings.monthly_cap;
      c.capped = true;
    }
    r.total_minutes += c.minutes;
    r.total_units += c.units;
    r.total_fee += c.fee;
    r.flagged += c.flagged;
  }
  std::stable_sort(
      r.children.begin(), r.children.end(),
      [](const ChildTotal& a, const ChildTotal& b) { return a.class_name < b.class_name; });
}

std::vector<Revision> revisions(db::Connection& conn, int64_t facility_id,
                                const std::string& month) {
  std::vector<Revision> out;
  for (const auto& row : conn.query(
           "SELECT r.id, r.revision, r.status, r.settings, r.changes, r.total_minutes, "
           "r.total_units, r.total_fee, r.reviewed_at, r.finalised_at, ru.display_name AS "
           "reviewer, fu.display_name AS finaliser FROM messaging_extcare_reports r LEFT JOIN "
           "users ru ON ru.id = r.reviewed_by LEFT JOIN users fu ON fu.id = r.finalised_by WHERE "
           "r.facility_id = ? AND r.month = ? ORDER BY r.revision",
           {facility_id, month})) {
    Revision v;
    v.id = row.getInt("id");
    v.revision = row.getInt("revision");
    v.status = row.getText("status");
    v.settings = nlohmann::json::parse(row.getText("settings"));
    auto changes = row.getOptText("changes");
    v.changes = changes ? nlohmann::json::parse(*changes) : nlohmann::json(nullptr);
    v.total_minutes = row.getInt("total_minutes");
    v.total_units = row.getInt("total_units");
    v.total_fee = row.getInt("total_fee");
    v.reviewed_by = row.getOptText("reviewer").value_or("");
    v.reviewed_at = row.getText("reviewed_at");
    v.finalised_by = row.getOptText("finaliser").value_or("");
    v.finalised_at = row.getOptText("finalised_at").value_or("");
    out.push_back(std::move(v));
  }
  return out;
}

Report storedReport(db::Connection& conn, const Revision& rev, int64_t facility_id,
                    const std::string& facility_name, const std::string& month) {
  Report r;
  r.facility_id = facility_id;
  r.facility_name = facility_name;
  r.month = month;
  r.settings = Settings::fromJson(rev.settings);
  for (const auto& row : conn.query(
           "SELECT child_id, child_name, class_name, certified, date, check_in, check_out, "
           "minutes_before, minutes_after, units, flag FROM messaging_extcare_report_lines WHERE "
           "report_id = ? ORDER BY id",
           {rev.id})) {
    r.lines.push_back({.child_id = row.getInt("child_id"),
                       .child_name = row.getText("child_name"),
                       .class_name = row.getText("class_name"),
                       .certified = row.getText("certified"),
                       .date = row.getText("date"),
                       .check_in = row.getOptText("check_in").value_or(""),
                       .check_out = row.getOptText("check_out").value_or(""),
                       .minutes_before = row.getInt("minutes_before"),
                       .minutes_after = row.getInt("minutes_after"),
                       .units = row.getInt("units"),
                       .flag = row.getOptText("flag").value_or("")});
  }
  summarise(r);
  return r;
}

int64_t storeReviewed(db::Tx& tx, int64_t municipality_id, const Report& report, int64_t revision,
                      int64_t replace_id, const nlohmann::json& changes, int64_t user_id,
                      const std::string& now) {
  db::Value changes_value = changes.is_null() ? db::Value() : db::Value(changes.dump());
  int64_t id = replace_id;
  if (id) {
    tx.execute(
        "UPDATE messaging_extcare_reports SET settings = ?, changes = ?, total_minutes = ?, "
        "total_units = ?, total_fee = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND "
        "status = 'reviewed'",
        {report.settings.toJson().dump(), changes_value, report.total_minutes, report.total_units,
         report.total_fee, user_id, now, id});
    tx.execute("DELETE FROM messaging_extcare_report_lines WHERE report_id = ?", {id});
  } else {
    id = tx.execute(
               "INSERT INTO messaging_extcare_reports (municipality_id, facility_id, month, "
               "revision, status, settings, changes, total_minutes, total_units, total_fee, "
               "reviewed_by, reviewed_at, created_at) VALUES (?, ?, ?, ?, 'reviewed', ?, ?, ?, "
               "?, ?, ?, ?, ?)",
               {municipality_id, report.facility_id, report.month, revision,
                report.settings.toJson().dump(), changes_value, report.total_minutes,
                report.total_units, report.total_fee, user_id, now, now})
             .last_insert_id;
  }
  for (const DayLine& l : report.lines) {
    auto opt = [](const std::string& s) { return s.empty() ? db::Value() : db::Value(s); };
    tx.execute(
        "INSERT INTO messaging_extcare_report_lines (report_id, municipality_id, child_id, "
        "child_name, class_name, certified, date, check_in, check_out, minutes_before, "
        "minutes_after, units, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {id, municipality_id, l.child_id, l.child_name, l.class_name, l.certified, l.date,
         opt(l.check_in), opt(l.check_out), l.minutes_before, l.minutes_after, l.units,
         opt(l.flag)});
  }
  return id;
}

nlohmann::json diff(const Report& a, const Report& b) {
  nlohmann::json lines = nlohmann::json::array();
  std::map<std::pair<int64_t, std::string>, const DayLine*> old_lines, new_lines;
  for (const DayLine& l : a.lines) old_lines[{l.child_id, l.date}] = &l;
  for (const DayLine& l : b.lines) new_lines[{l.child_id, l.date}] = &l;
  std::map<std::pair<int64_t, std::string>, int> keys;
  for (const auto& [k, _] : old_lines) keys[k] = 0;
  for (const auto& [k, _] : new_lines) keys[k] = 0;
  for (const auto& [k, _] : keys) {
    auto o = old_lines.find(k);
    auto n = new_lines.find(k);
    const DayLine* ol = o == old_lines.end() ? nullptr : o->second;
    const DayLine* nl = n == new_lines.end() ? nullptr : n->second;
    bool same = ol && nl && ol->sameFigures(*nl) && a.settings == b.settings;
    if (same) continue;
    nlohmann::json before = ol ? lineFigures(*ol, a.settings) : nlohmann::json(nullptr);
    nlohmann::json after = nl ? lineFigures(*nl, b.settings) : nlohmann::json(nullptr);
    if (before == after) continue;
    lines.push_back({{"child_id", k.first},
                     {"child_name", (nl ? nl : ol)->child_name},
                     {"date", k.second},
                     {"before", before},
                     {"after", after}});
  }
  nlohmann::json children = nlohmann::json::array();
  std::map<int64_t, std::pair<const ChildTotal*, const ChildTotal*>> totals;
  for (const ChildTotal& c : a.children) totals[c.child_id].first = &c;
  for (const ChildTotal& c : b.children) totals[c.child_id].second = &c;
  for (const auto& [id, pair] : totals) {
    int64_t fb = pair.first ? pair.first->fee : 0, fa = pair.second ? pair.second->fee : 0;
    int64_t mb = pair.first ? pair.first->minutes : 0, ma = pair.second ? pair.second->minutes : 0;
    if (fb == fa && mb == ma) continue;
    children.push_back({{"child_id", id},
                        {"child_name", (pair.second ? pair.second : pair.first)->child_name},
                        {"minutes_before", mb},
                        {"minutes_after", ma},
                        {"fee_before", fb},
                        {"fee_after", fa},
                        {"fee_delta", fa - fb}});
  }
  return {{"settings_changed", !(a.settings == b.settings)},
          {"lines", lines},
          {"children", children},
          {"fee_before", a.total_fee},
          {"fee_after", b.total_fee},
          {"fee_delta", b.total_fee - a.total_fee}};
}

bool sameReport(const Report& a, const Report& b) {
  if (!(a.settings == b.settings) || a.lines.size() != b.lines.size()) return false;
  return diff(a, b)["lines"].empty();
}

std::string toCsv(const Report& r, const nlohmann::json& labels) {
  auto L = [&](const char* k) { return labels.value(k, std::string(k)); };
  std::ostringstream out;
  out << L("child_id") << ',' << L("child") << ',' << L("class") << ',' << L("certified") << ','
      << L("days") << ',' << L("extended_days") << ',' << L("minutes") << ',' << L("units") << ','
      << L("fee") << ',' << L("flagged") << "\r\n";
  for (const ChildTotal& c : r.children) {
    out << c.child_id << ',' << exports::csvField(c.child_name) << ',' << exports::csvField(c.class_name) << ','
        << exports::csvField(labels.value(
               "cert_" + (c.certified.empty() ? std::string("none") : c.certified), c.certified))
        << ',' << c.days << ',' << c.extended_days << ',' << c.minutes << ',' << c.units << ','
        << c.fee << ',' << c.flagged << "\r\n";
  }
  out << ',' << exports::csvField(L("total")) << ",,," << ',' << ',' << r.total_minutes << ','
      << r.total_units << ',' << r.total_fee << ',' << r.flagged << "\r\n";
  return out.str();
}

std::string toShiftJis(const std::string& utf8) {
  iconv_t cd = iconv_open("CP932", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv: no CP932");
  std::string out;
  out.reserve(utf8.size());
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char buf[4096];
  while (in_left > 0) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t rc = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, static_cast<size_t>(o - buf));
    if (rc == static_cast<size_t>(-1) && errno != E2BIG) {
      // A character CP932 lacks (or broken UTF-8): one '?' for the whole character.
      out += '?';
      size_t skip = 1;
      while (skip < in_left && (static_cast<unsigned char>(in[skip]) & 0xC0) == 0x80) ++skip;
      in += skip;
      in_left -= skip;
    }
  }
  iconv_close(cd);
  return out;
}

std::string toXlsx(const Report& r, const nlohmann::json& labels) {
  auto L = [&](const char* k) { return labels.value(k, std::string(k)); };
  auto certified = [&](const std::string& c) {
    return labels.value("cert_" + (c.empty() ? std::string("none") : c), c);
  };
  exports::Workbook wb("extcare");

  exports::Sheet& ws = wb.addSheet(L("sheet_summary"));
  const char* cols[] = {"child_id",      "child",   "class", "certified", "days",
                        "extended_days", "minutes", "units", "fee",       "flagged"};
  for (int c = 0; c < 10; ++c) ws.text(0, c, L(cols[c]), true);
  int row = 1;
  for (const ChildTotal& c : r.children) {
    ws.number(row, 0, static_cast<double>(c.child_id));
    ws.text(row, 1, c.child_name);
    ws.text(row, 2, c.class_name);
    ws.text(row, 3, certified(c.certified));
    const int64_t nums[] = {c.days, c.extended_days, c.minutes, c.units, c.fee, c.flagged};
    for (int i = 0; i < 6; ++i) ws.number(row, 4 + i, static_cast<double>(nums[i]));
    ++row;
  }
  ws.text(row, 1, L("total"), true);
  ws.number(row, 6, static_cast<double>(r.total_minutes), true);
  ws.number(row, 7, static_cast<double>(r.total_units), true);
  ws.number(row, 8, static_cast<double>(r.total_fee), true);
  ws.number(row, 9, static_cast<double>(r.flagged), true);
  ws.columnWidth(1, 2, 16);

  exports::Sheet& ds = wb.addSheet(L("sheet_days"));
  const char* dcols[] = {"date",          "child_id", "child",     "class",
                         "certified",     "check_in", "check_out", "minutes_before",
                         "minutes_after", "units",    "flag"};
  for (int c = 0; c < 11; ++c) ds.text(0, c, L(dcols[c]), true);
  row = 1;
  for (const DayLine& l : r.lines) {
    ds.text(row, 0, l.date);
    ds.number(row, 1, static_cast<double>(l.child_id));
    ds.text(row, 2, l.child_name);
    ds.text(row, 3, l.class_name);
    ds.text(row, 4, l.certified);
    ds.text(row, 5, l.check_in);
    ds.text(row, 6, l.check_out);
    ds.number(row, 7, static_cast<double>(l.minutes_before));
    ds.number(row, 8, static_cast<double>(l.minutes_after));
    ds.number(row, 9, static_cast<double>(l.units));
    ds.text(row, 10, l.flag.empty() ? "" : labels.value("flag_" + l.flag, l.flag));
    ++row;
  }
  ds.columnWidth(0, 0, 12);
  ds.columnWidth(2, 3, 16);
  return wb.bytes();
}

}  // namespace sukusuku::messaging::extcare
