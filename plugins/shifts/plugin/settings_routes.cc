// The settings pages and their API (see settings.h for the rules), following the rule settings
// page: a form per page, saved in one transaction with its audit row; a refused form comes back
// with the values typed and a message naming the row (status 422), nothing half-saved.
//
//   /web/shifts/patterns?facility=     勤務パターン    shifts.manage   (facility head)
//   /web/shifts/expected?facility=&weekday=  見込み児童数  shifts.manage
//   /web/shifts/facility?facility=     開所時間・休園日  shifts.manage
//   /web/shifts/ratios                 配置基準         shifts.ratios   (city childcare officer)
//   GET|PUT /api/v1/shifts/facilities/{id}/patterns, …/{id}/expected-children, …/{id}/settings,
//   GET|PUT /api/v1/shifts/ratio-settings
#include <algorithm>
#include <cctype>
#include <optional>

#include "routes.h"
#include "settings.h"
#include "sukusuku/error.h"
#include "sukusuku/permissions.h"
#include "sukusuku/shifts/nursery.h"
#include "sukusuku/tenancy.h"

namespace sukusuku::shifts::plugin {

namespace {

constexpr const char* kManage = "shifts.manage";
constexpr const char* kRatios = "shifts.ratios";
constexpr int kMaxRows = 200;
const char* const kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
const char* const kRoundings[] = {"funding_tenths", "ceil_per_group", "ceil_total"};

using Form = std::multimap<std::string, std::string>;
using nlohmann::json;

std::string field(const Form& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

std::string tr(const RouteDeps& d, const Request& r, const std::string& key,
               const std::map<std::string, std::string>& args = {}) {
  return d.web.i18n().t(r.language, key, args);
}

// A whole number typed in a form (full-width digits too). Error 422 "shifts.not_a_number" with
// the row and field, caught like any other refusal.
int64_t number(const std::string& text, size_t row, const std::string& name) {
  std::string digits;
  bool negative = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isdigit(c)) {
      digits += static_cast<char>(c);
    } else if (c == '-' && digits.empty() && !negative) {
      negative = true;
    } else if (c == 0xEF && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0xBC &&
               static_cast<unsigned char>(text[i + 2]) >= 0x90 &&
               static_cast<unsigned char>(text[i + 2]) <= 0x99) {
      digits += static_cast<char>('0' + static_cast<unsigned char>(text[i + 2]) - 0x90);
      i += 2;
    } else if (c != ' ') {
      digits.clear();
      break;
    }
  }
  if (digits.empty() || digits.size() > 9)
    throw Error::invalid("shifts.not_a_number", name + " must be a whole number",
                         {{"row", row + 1}, {"field", name}});
  const int64_t v = std::stoll(digits);
  return negative ? -v : v;
}

// The form's rows as typed: FIELDS of each row "NAME_i", i < the "rows" field (at most 200).
json typedRows(const Form& form, const std::vector<std::string>& fields) {
  json rows = json::array();
  const std::string count = field(form, "rows");
  const int n =
      count.size() <= 3 && !count.empty() && std::all_of(count.begin(), count.end(), ::isdigit)
          ? std::min(std::stoi(count), kMaxRows)
          : 0;
  for (int i = 0; i < n; ++i) {
    json row = json::object();
    for (const std::string& f : fields) row[f] = field(form, f + "_" + std::to_string(i));
    rows.push_back(row);
  }
  return rows;
}

bool blankRow(const json& row, const std::vector<std::string>& ignore = {}) {
  for (const auto& [k, v] : row.items())
    if (std::find(ignore.begin(), ignore.end(), k) == ignore.end() && !v.get<std::string>().empty())
      return false;
  return true;
}

// A refusal in the user's language: "N行目：" and the message for its code.
std::string refusal(const RouteDeps& d, const Request& r, const Error& e) {
  const json& details = e.details();
  std::map<std::string, std::string> args;
  for (const char* k : {"age", "max", "code"})
    if (details.contains(k))
      args[k] = details[k].is_string() ? details[k].get<std::string>() : details[k].dump();
  std::string key = e.code().rfind("shifts.", 0) == 0 ? e.code().substr(7) : e.code();
  if (key == "invalid_pattern" && details.contains("reason"))
    key += "_" + details["reason"].get<std::string>();
  std::string text = tr(d, r, "shifts.settings.err." + key, args);
  if (text == "shifts.settings.err." + key)
    text = tr(d, r, "shifts.settings.err.other") + " (" + e.code() + ")";
  if (details.contains("row") && details["row"].is_number_integer() &&
      details["row"].get<int>() > 0)
    text = tr(d, r, "shifts.settings.row", {{"row", std::to_string(details["row"].get<int>())}}) +
           text;
  return text;
}

// Marks the refused row (1-based in the details) in ROWS, for the form's red outline.
void markRow(json& rows, const Error& e, size_t offset = 0) {
  const json& details = e.details();
  if (!details.contains("row") || !details["row"].is_number_integer()) return;
  const int64_t row = details["row"].get<int64_t>() - 1 + static_cast<int64_t>(offset);
  if (row >= 0 && row < static_cast<int64_t>(rows.size())) rows[row]["invalid"] = true;
}

// Row numbers and the checkboxes as booleans (a Mustache section shows for any string).
void numberRows(json& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i]["index"] = i;
    rows[i]["number"] = i + 1;
    for (const char* box : {"part", "remove"})
      if (rows[i].contains(box)) rows[i][std::string(box) + "_checked"] = rows[i][box] == "1";
    if (rows[i].contains("id")) rows[i]["stored"] = !rows[i]["id"].get<std::string>().empty();
  }
}

void audit(const RouteDeps& d, db::Tx& tx, const Request& r, const std::string& action,
           const std::string& target_type, int64_t target, json details) {
  const Principal& p = r.user();
  d.audit.record(tx, {.municipality_id = p.municipality_id,
                      .actor_user_id = p.user_id,
                      .actor_role = p.role,
                      .action = action,
                      .target_type = target_type,
                      .target_id = std::to_string(target),
                      .details = std::move(details),
                      .request_id = r.request_id});
}

std::string facilityName(db::Connection& conn, int64_t facility) {
  auto row = conn.queryOne("SELECT name FROM facilities WHERE id = ?", {facility});
  return row ? row->getText("name") : "";
}

// ---- 勤務パターン ---------------------------------------------------------------------------

const std::vector<std::string> kPatternFields = {"id",  "code", "name", "start",
                                                 "end", "brk",  "part", "remove"};

json storedPatterns(db::Connection& conn, int64_t city, int64_t facility) {
  json rows = json::array();
  for (const PatternRow& p : loadPatterns(conn, city, facility))
    rows.push_back({{"id", std::to_string(p.id)},
                    {"code", p.pattern.id},
                    {"name", p.pattern.name},
                    {"start", formatClock(p.pattern.startMinute)},
                    {"end", formatClock(p.pattern.endMinute)},
                    {"brk", std::to_string(p.pattern.breakMinutes)},
                    {"part", p.pattern.partTime ? "1" : ""},
                    {"remove", ""}});
  return rows;
}

json patternsApiJson(db::Connection& conn, int64_t city, int64_t facility) {
  json out = json::array();
  for (const PatternRow& p : loadPatterns(conn, city, facility))
    out.push_back({{"id", p.id},
                   {"code", p.pattern.id},
                   {"name", p.pattern.name},
                   {"starts_at", formatClock(p.pattern.startMinute)},
                   {"ends_at", formatClock(p.pattern.endMinute)},
                   {"break_minutes", p.pattern.breakMinutes},
                   {"part_time", p.pattern.partTime},
                   {"paid_minutes", p.pattern.paidMinutes()}});
  return out;
}

std::vector<PatternInput> patternInputs(const json& rows) {
  std::vector<PatternInput> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    if (blankRow(row, {"part", "remove"})) continue;
    PatternInput p;
    p.id = row["id"].get<std::string>().empty() ? 0 : number(row["id"], i, "id");
    p.code = row["code"];
    p.name = row["name"];
    p.startsAt = row["start"];
    p.endsAt = row["end"];
    p.breakMinutes =
        row["brk"].get<std::string>().empty() ? 0 : number(row["brk"], i, "break_minutes");
    p.partTime = row["part"] == "1";
    p.remove = row["remove"] == "1";
    out.push_back(p);
  }
  return out;
}

// ---- 見込み児童数 ---------------------------------------------------------------------------

const std::vector<std::string> kExpectedFields = {"age", "arrive", "leave", "children"};

json ageOptions(const RouteDeps& d, const Request& r, const std::string& selected) {
  json out = json::array();
  for (int a = 0; a < nursery::kAges; ++a)
    out.push_back({{"value", std::to_string(a)},
                   {"label", tr(d, r, "shifts.settings.age", {{"age", std::to_string(a)}})},
                   {"selected", selected == std::to_string(a)}});
  return out;
}

int weekdayParam(const Request& r) {
  const std::string w = r.queryParam("weekday").value_or("0");
  if (w.size() != 1 || w[0] < '0' || w[0] > '6')
    throw Error::badRequest("shifts.invalid_weekday", "weekday is 0 (Monday) to 6");
  return w[0] - '0';
}

// ---- 配置基準 -------------------------------------------------------------------------------

const std::vector<std::string> kRatioFields = {"from", "a0",       "a1",  "a2",  "a3",    "a4",
                                               "a5",   "rounding", "min", "pct", "remove"};

json storedRatios(db::Connection& conn, int64_t city) {
  json rows = json::array();
  for (const db::Row& r : conn.query("SELECT * FROM shift_ratio_settings WHERE municipality_id = ? "
                                     "ORDER BY effective_from",
                                     {city})) {
    json row = {{"from", r.getText("effective_from")},
                {"rounding", r.getText("rounding")},
                {"min", std::to_string(r.getInt("minimum_while_open"))},
                {"pct", std::to_string(r.getInt("qualified_percent"))},
                {"remove", ""}};
    for (int a = 0; a < 6; ++a)
      row["a" + std::to_string(a)] = std::to_string(r.getInt("age" + std::to_string(a)));
    rows.push_back(row);
  }
  return rows;
}

std::vector<RatioInput> ratioInputs(const json& rows) {
  std::vector<RatioInput> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    if (blankRow(row, {"rounding", "min", "pct", "remove"}) || row["remove"] == "1") continue;
    RatioInput in;
    in.effectiveFrom = row["from"];
    for (int a = 0; a < 6; ++a)
      in.childrenPerCaregiver[a] =
          number(row["a" + std::to_string(a)], i, "age" + std::to_string(a));
    in.rounding = row["rounding"];
    in.minimumWhileOpen = number(row["min"], i, "minimum_while_open");
    in.qualifiedPercent = number(row["pct"], i, "qualified_percent");
    out.push_back(in);
  }
  return out;
}

json ratiosApiJson(db::Connection& conn, int64_t city) {
  json out = json::array();
  for (const nursery::RatioSetting& s : loadRatios(conn, city))
    out.push_back({{"effective_from", s.effectiveFrom},
                   {"children_per_caregiver", s.childrenPerCaregiver},
                   {"rounding", nursery::roundingName(s.rounding)},
                   {"minimum_while_open", s.minimumWhileOpen},
                   {"qualified_percent", s.qualifiedPercent}});
  return out;
}

// JSON API helpers: fields of the right type or 422 "shifts.invalid_field".
std::string jsonText(const json& o, const char* name, size_t row) {
  if (!o.is_object() || !o.contains(name) || !o[name].is_string())
    throw Error::invalid("shifts.invalid_field", std::string(name) + " must be a string",
                         {{"row", row + 1}, {"field", name}});
  return o[name].get<std::string>();
}
int64_t jsonInt(const json& o, const char* name, size_t row) {
  if (!o.is_object() || !o.contains(name) || !o[name].is_number_integer())
    throw Error::invalid("shifts.invalid_field", std::string(name) + " must be an integer",
                         {{"row", row + 1}, {"field", name}});
  return o[name].get<int64_t>();
}
const json& jsonArray(const json& body, const char* name) {
  if (!body.is_object() || !body.contains(name) || !body[name].is_array())
    throw Error::invalid("shifts.invalid_field", std::string(name) + " must be an array",
                         {{"field", name}});
  return body[name];
}

// ---- 開所時間・休園日 -----------------------------------------------------------------------

json facilitySettingsJson(const FacilitySettings& s) {
  return {{"slot_minutes", s.slotMinutes},
          {"opens_at", s.opensAt},
          {"closes_at", s.closesAt},
          {"open_saturday", s.openSaturday},
          {"open_holidays", s.openHolidays},
          {"request_deadline_day", s.requestDeadlineDay},
          {"max_consecutive_days", s.maxConsecutiveDays},
          {"min_rest_minutes", s.minRestMinutes}};
}

// The form's fields as typed (strings), for showing a refused form again.
json facilityFormValues(const FacilitySettings& s) {
  return {{"slot_minutes", std::to_string(s.slotMinutes)},
          {"opens_at", s.opensAt},
          {"closes_at", s.closesAt},
          {"open_saturday", s.openSaturday},
          {"open_holidays", s.openHolidays},
          {"request_deadline_day", std::to_string(s.requestDeadlineDay)},
          {"max_consecutive_days", std::to_string(s.maxConsecutiveDays)},
          {"min_rest_minutes", std::to_string(s.minRestMinutes)}};
}

// A whole number of a one-line form: "shifts.not_a_number" naming the field (no row).
int formNumber(const Form& form, const std::string& name) {
  try {
    return static_cast<int>(number(field(form, name), 0, name));
  } catch (const Error&) {
    throw Error::invalid("shifts.not_a_number", name + " must be a whole number",
                         {{"field", name}});
  }
}

}  // namespace

void addSettingsRoutes(PluginContext& ctx, std::shared_ptr<RouteDeps> deps) {
  RouteDeps& d = *deps;
  ctx.addPermission(kRatios, "set the municipality's staffing ratio settings (配置基準)",
                    {roles::kCityChildcare, roles::kMunicipalityAdmin});
  ctx.addNavItem({"shifts.settings.nav_ratios", "/web/shifts/ratios", kRatios, 43});

  // ---- 勤務パターン ----
  auto patternsPage = [&d](const Request& r, db::Connection& conn, int64_t facility, json rows,
                           const std::string& error, int status) {
    for (int i = 0; i < 2; ++i)
      rows.push_back({{"id", ""},
                      {"code", ""},
                      {"name", ""},
                      {"start", ""},
                      {"end", ""},
                      {"brk", ""},
                      {"part", ""},
                      {"remove", ""}});
    numberRows(rows);
    json data = {{"facility_id", facility},
                 {"facility", facilityName(conn, facility)},
                 {"rows", rows},
                 {"row_count", rows.size()}};
    if (!error.empty()) data["error"] = error;
    if (r.queryParam("saved")) data["saved"] = true;
    return d.web.page(r, "shifts/patterns", data, "shifts.settings.patterns_title", status);
  };
  ctx.addRoute({"GET", "/web/shifts/patterns", kManage, [&d, patternsPage](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = pageFacility(*conn, r, d.clock);
                  return patternsPage(r, *conn, facility,
                                      storedPatterns(*conn, r.user().municipality_id, facility), "",
                                      200);
                }});
  ctx.addRoute({"POST", "/web/shifts/patterns", kManage, [&d, patternsPage](Request& r) {
                  int64_t facility = 0;
                  {
                    auto conn = d.db.acquire();
                    facility = pageFacility(*conn, r, d.clock);
                  }
                  json rows = typedRows(r.form(), kPatternFields);
                  // Blank rows are dropped before saving; the row numbers in messages count
                  // the rows as shown.
                  json shown = json::array();
                  for (const json& row : rows)
                    if (!blankRow(row, {"part", "remove"})) shown.push_back(row);
                  try {
                    const auto inputs = patternInputs(shown);
                    d.db.transaction([&](db::Tx& tx) {
                      savePatterns(tx, r.user().municipality_id, facility, inputs);
                      audit(d, tx, r, "shifts.patterns_changed", "facility", facility,
                            {{"patterns", inputs.size()}});
                    });
                  } catch (const Error& e) {
                    if (e.status() != 422 && e.status() != 409) throw;
                    markRow(shown, e);
                    auto conn = d.db.acquire();
                    return patternsPage(r, *conn, facility, shown, refusal(d, r, e), 422);
                  }
                  return Response::redirect(
                      "/web/shifts/patterns?facility=" + std::to_string(facility) + "&saved=1");
                }});
  ctx.addRoute({"GET", "/api/v1/shifts/facilities/{id}/patterns", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = r.idParam("id");
                  tenancy::requireFacility(*conn, r.user(), facility);
                  return Response::json(
                      {{"facility_id", facility},
                       {"patterns", patternsApiJson(*conn, r.user().municipality_id, facility)}});
                }});
  ctx.addRoute({"PUT", "/api/v1/shifts/facilities/{id}/patterns", kManage, [&d](Request& r) {
                  const int64_t facility = r.idParam("id");
                  {
                    auto conn = d.db.acquire();
                    tenancy::requireFacility(*conn, r.user(), facility);
                  }
                  const json body = r.json();
                  std::vector<PatternInput> inputs;
                  const json& list = jsonArray(body, "patterns");
                  for (size_t i = 0; i < list.size(); ++i) {
                    const json& x = list[i];
                    PatternInput p;
                    p.id = x.is_object() && x.contains("id") ? jsonInt(x, "id", i) : 0;
                    p.code = x.is_object() && x.contains("code") ? jsonText(x, "code", i) : "";
                    p.name = jsonText(x, "name", i);
                    p.startsAt = jsonText(x, "starts_at", i);
                    p.endsAt = jsonText(x, "ends_at", i);
                    p.breakMinutes = jsonInt(x, "break_minutes", i);
                    if (x.contains("part_time") && !x["part_time"].is_boolean())
                      throw Error::invalid("shifts.invalid_field", "part_time is a boolean",
                                           {{"row", i + 1}, {"field", "part_time"}});
                    p.partTime = x.value("part_time", false);
                    inputs.push_back(p);
                  }
                  d.db.transaction([&](db::Tx& tx) {
                    savePatterns(tx, r.user().municipality_id, facility, inputs);
                    audit(d, tx, r, "shifts.patterns_changed", "facility", facility,
                          {{"patterns", inputs.size()}});
                  });
                  auto conn = d.db.acquire();
                  return Response::json(
                      {{"facility_id", facility},
                       {"patterns", patternsApiJson(*conn, r.user().municipality_id, facility)}});
                }});

  // ---- 見込み児童数 ----
  auto expectedPage = [&d](const Request& r, db::Connection& conn, int64_t facility, int weekday,
                           json rows, const std::string& error, int status) {
    for (int i = 0; i < 3; ++i)
      rows.push_back({{"age", ""}, {"arrive", ""}, {"leave", ""}, {"children", ""}});
    numberRows(rows);
    int total = 0;
    for (json& row : rows) {
      row["ages"] = ageOptions(d, r, row["age"]);
      const std::string c = row["children"];
      if (!c.empty() && c.size() < 4 && std::all_of(c.begin(), c.end(), ::isdigit))
        total += std::stoi(c);
    }
    json days = json::array();
    std::map<int64_t, int64_t> counts;
    for (const db::Row& x : conn.query("SELECT weekday, SUM(children) AS n FROM "
                                       "shift_expected_children WHERE facility_id = ? AND "
                                       "municipality_id = ? GROUP BY weekday",
                                       {facility, r.user().municipality_id}))
      counts[x.getInt("weekday")] = x.getInt("n");
    for (int w = 0; w < 7; ++w)
      days.push_back({{"weekday", w},
                      {"label", tr(d, r, std::string("shifts.weekday.") + kWeekdays[w])},
                      {"current", w == weekday},
                      {"children", counts.count(w) ? counts[w] : 0},
                      {"typed", counts.count(w) > 0}});
    json data = {{"facility_id", facility},
                 {"facility", facilityName(conn, facility)},
                 {"weekday", weekday},
                 {"weekday_label", tr(d, r, std::string("shifts.weekday.") + kWeekdays[weekday])},
                 {"days", days},
                 {"rows", rows},
                 {"row_count", rows.size()},
                 {"total", total}};
    if (!error.empty()) data["error"] = error;
    if (r.queryParam("saved")) data["saved"] = true;
    return d.web.page(r, "shifts/expected", data, "shifts.settings.expected_title", status);
  };
  ctx.addRoute({"GET", "/web/shifts/expected", kManage, [&d, expectedPage](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = pageFacility(*conn, r, d.clock);
                  const int weekday = weekdayParam(r);
                  json rows = json::array();
                  for (const db::Row& x : conn->query(
                           "SELECT age, arrive_at, leave_at, children FROM shift_expected_children "
                           "WHERE facility_id = ? AND municipality_id = ? AND weekday = ? "
                           "ORDER BY age, arrive_at, leave_at, id",
                           {facility, r.user().municipality_id, weekday}))
                    rows.push_back({{"age", std::to_string(x.getInt("age"))},
                                    {"arrive", x.getText("arrive_at")},
                                    {"leave", x.getText("leave_at")},
                                    {"children", std::to_string(x.getInt("children"))}});
                  return expectedPage(r, *conn, facility, weekday, rows, "", 200);
                }});
  ctx.addRoute(
      {"POST", "/web/shifts/expected", kManage, [&d, expectedPage](Request& r) {
         int64_t facility = 0;
         {
           auto conn = d.db.acquire();
           facility = pageFacility(*conn, r, d.clock);
         }
         const int weekday = weekdayParam(r);
         const Form form = r.form();
         std::set<int64_t> weekdays{weekday};
         for (int w = 0; w < 7; ++w)
           if (field(form, "copy_" + std::to_string(w)) == "1") weekdays.insert(w);
         json shown = json::array();
         for (const json& row : typedRows(form, kExpectedFields))
           if (!blankRow(row, {"age"})) shown.push_back(row);
         try {
           std::vector<ExpectedInput> inputs;
           for (size_t i = 0; i < shown.size(); ++i) {
             const json& row = shown[i];
             for (int64_t w : weekdays)
               inputs.push_back({w, number(row["age"], i, "age"), row["arrive"], row["leave"],
                                 number(row["children"], i, "children")});
           }
           // Messages count rows as shown: the first weekday's copy comes first.
           std::vector<ExpectedInput> ordered;
           for (int64_t w : weekdays)
             for (const ExpectedInput& in : inputs)
               if (in.weekday == w) ordered.push_back(in);
           d.db.transaction([&](db::Tx& tx) {
             saveExpected(tx, r.user().municipality_id, facility, weekdays, ordered);
             audit(d, tx, r, "shifts.expected_changed", "facility", facility,
                   {{"weekdays", weekdays}, {"rows", shown.size()}});
           });
         } catch (const Error& e) {
           if (e.status() != 422) throw;
           json err = e.details();
           if (err.contains("row") && err["row"].is_number_integer() && !shown.empty()) {
             // Rows repeat once per weekday saved: back to the row shown.
             err["row"] = (err["row"].get<int64_t>() - 1) % static_cast<int64_t>(shown.size()) + 1;
           }
           const Error shownError(e.status(), e.code(), e.what(), err);
           markRow(shown, shownError);
           auto conn = d.db.acquire();
           return expectedPage(r, *conn, facility, weekday, shown, refusal(d, r, shownError), 422);
         }
         return Response::redirect("/web/shifts/expected?facility=" + std::to_string(facility) +
                                   "&weekday=" + std::to_string(weekday) + "&saved=1");
       }});
  auto expectedJson = [](db::Connection& conn, const Request& r, int64_t facility) {
    json out = json::array();
    for (const db::Row& x : conn.query(
             "SELECT weekday, age, arrive_at, leave_at, children FROM shift_expected_children "
             "WHERE facility_id = ? AND municipality_id = ? ORDER BY weekday, age, arrive_at, id",
             {facility, r.user().municipality_id}))
      out.push_back({{"weekday", x.getInt("weekday")},
                     {"age", x.getInt("age")},
                     {"arrive_at", x.getText("arrive_at")},
                     {"leave_at", x.getText("leave_at")},
                     {"children", x.getInt("children")}});
    return out;
  };
  ctx.addRoute({"GET", "/api/v1/shifts/facilities/{id}/expected-children", kManage,
                [&d, expectedJson](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = r.idParam("id");
                  tenancy::requireFacility(*conn, r.user(), facility);
                  return Response::json(
                      {{"facility_id", facility}, {"rows", expectedJson(*conn, r, facility)}});
                }});
  ctx.addRoute({"PUT", "/api/v1/shifts/facilities/{id}/expected-children", kManage,
                [&d, expectedJson](Request& r) {
                  const int64_t facility = r.idParam("id");
                  {
                    auto conn = d.db.acquire();
                    tenancy::requireFacility(*conn, r.user(), facility);
                  }
                  const json body = r.json();
                  std::set<int64_t> weekdays{0, 1, 2, 3, 4, 5, 6};
                  if (body.is_object() && body.contains("weekdays")) {
                    weekdays.clear();
                    for (const json& w : jsonArray(body, "weekdays")) {
                      if (!w.is_number_integer())
                        throw Error::invalid("shifts.invalid_field", "weekdays are integers",
                                             {{"field", "weekdays"}});
                      weekdays.insert(w.get<int64_t>());
                    }
                  }
                  std::vector<ExpectedInput> inputs;
                  const json& list = jsonArray(body, "rows");
                  for (size_t i = 0; i < list.size(); ++i)
                    inputs.push_back({jsonInt(list[i], "weekday", i), jsonInt(list[i], "age", i),
                                      jsonText(list[i], "arrive_at", i),
                                      jsonText(list[i], "leave_at", i),
                                      jsonInt(list[i], "children", i)});
                  d.db.transaction([&](db::Tx& tx) {
                    saveExpected(tx, r.user().municipality_id, facility, weekdays, inputs);
                    audit(d, tx, r, "shifts.expected_changed", "facility", facility,
                          {{"weekdays", weekdays}, {"rows", inputs.size()}});
                  });
                  auto conn = d.db.acquire();
                  return Response::json(
                      {{"facility_id", facility}, {"rows", expectedJson(*conn, r, facility)}});
                }});

  // ---- 配置基準 (per municipality) ----
  auto ratiosPage = [&d](const Request& r, json rows, const std::string& error, int status,
                         bool defaults) {
    rows.push_back({{"from", ""},
                    {"a0", ""},
                    {"a1", ""},
                    {"a2", ""},
                    {"a3", ""},
                    {"a4", ""},
                    {"a5", ""},
                    {"rounding", "funding_tenths"},
                    {"min", "2"},
                    {"pct", "100"},
                    {"remove", ""}});
    numberRows(rows);
    for (json& row : rows) {
      json options = json::array();
      for (const char* name : kRoundings)
        options.push_back({{"value", name},
                           {"label", tr(d, r, std::string("shifts.settings.rounding_") + name)},
                           {"selected", row["rounding"] == name}});
      row["roundings"] = options;
      row["stored"] = !row["from"].get<std::string>().empty();
    }
    const auto legal = legalRatioOn("2024-04-01");
    json data = {
        {"rows", rows}, {"row_count", rows.size()}, {"legal", legal}, {"defaults", defaults}};
    if (!error.empty()) data["error"] = error;
    if (r.queryParam("saved")) data["saved"] = true;
    return d.web.page(r, "shifts/ratios", data, "shifts.settings.ratios_title", status);
  };
  ctx.addRoute({"GET", "/web/shifts/ratios", kRatios, [&d, ratiosPage](Request& r) {
                  auto conn = d.db.acquire();
                  json rows = storedRatios(*conn, r.user().municipality_id);
                  const bool defaults = rows.empty();
                  if (defaults) {  // the national defaults until the city sets its own
                    for (const nursery::RatioSetting& s :
                         loadRatios(*conn, r.user().municipality_id)) {
                      json row = {{"from", s.effectiveFrom},
                                  {"rounding", nursery::roundingName(s.rounding)},
                                  {"min", std::to_string(s.minimumWhileOpen)},
                                  {"pct", std::to_string(s.qualifiedPercent)},
                                  {"remove", ""}};
                      for (int a = 0; a < 6; ++a)
                        row["a" + std::to_string(a)] = std::to_string(s.childrenPerCaregiver[a]);
                      rows.push_back(row);
                    }
                    std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
                      return a["from"].get<std::string>() < b["from"].get<std::string>();
                    });
                  }
                  return ratiosPage(r, rows, "", 200, defaults);
                }});
  ctx.addRoute({"POST", "/web/shifts/ratios", kRatios, [&d, ratiosPage](Request& r) {
                  json shown = json::array();
                  for (const json& row : typedRows(r.form(), kRatioFields))
                    if (!blankRow(row, {"rounding", "min", "pct", "remove"})) shown.push_back(row);
                  try {
                    const auto inputs = ratioInputs(shown);
                    d.db.transaction([&](db::Tx& tx) {
                      saveRatios(tx, r.user().municipality_id, inputs);
                      json dates = json::array();
                      for (const RatioInput& in : inputs) dates.push_back(in.effectiveFrom);
                      audit(d, tx, r, "shifts.ratios_changed", "municipality",
                            r.user().municipality_id, {{"effective_from", dates}});
                    });
                  } catch (const Error& e) {
                    if (e.status() != 422) throw;
                    // ratioInputs skips removed rows: map the row back to the one shown.
                    json err = e.details();
                    if (err.contains("row") && err["row"].is_number_integer()) {
                      int64_t n = err["row"].get<int64_t>();
                      for (size_t i = 0, seen = 0; i < shown.size(); ++i) {
                        if (shown[i]["remove"] == "1") continue;
                        if (static_cast<int64_t>(++seen) == n) {
                          n = static_cast<int64_t>(i) + 1;
                          break;
                        }
                      }
                      err["row"] = n;
                    }
                    const Error shownError(e.status(), e.code(), e.what(), err);
                    markRow(shown, shownError);
                    return ratiosPage(r, shown, refusal(d, r, shownError), 422, false);
                  }
                  return Response::redirect("/web/shifts/ratios?saved=1");
                }});
  ctx.addRoute(
      {"GET", "/api/v1/shifts/ratio-settings", kRatios, [&d](Request& r) {
         auto conn = d.db.acquire();
         return Response::json({{"settings", ratiosApiJson(*conn, r.user().municipality_id)}});
       }});
  ctx.addRoute(
      {"PUT", "/api/v1/shifts/ratio-settings", kRatios, [&d](Request& r) {
         const json body = r.json();
         std::vector<RatioInput> inputs;
         const json& list = jsonArray(body, "settings");
         for (size_t i = 0; i < list.size(); ++i) {
           const json& x = list[i];
           RatioInput in;
           in.effectiveFrom = jsonText(x, "effective_from", i);
           if (!x.contains("children_per_caregiver") || !x["children_per_caregiver"].is_array() ||
               x["children_per_caregiver"].size() != 6)
             throw Error::invalid("shifts.invalid_field",
                                  "children_per_caregiver: six integers, ages 0 to 5",
                                  {{"row", i + 1}, {"field", "children_per_caregiver"}});
           for (size_t a = 0; a < 6; ++a) {
             if (!x["children_per_caregiver"][a].is_number_integer())
               throw Error::invalid("shifts.invalid_field", "children_per_caregiver: six integers",
                                    {{"row", i + 1}, {"field", "children_per_caregiver"}});
             in.childrenPerCaregiver[a] = x["children_per_caregiver"][a].get<int64_t>();
           }
           in.rounding = jsonText(x, "rounding", i);
           in.minimumWhileOpen = jsonInt(x, "minimum_while_open", i);
           in.qualifiedPercent = jsonInt(x, "qualified_percent", i);
           inputs.push_back(in);
         }
         d.db.transaction([&](db::Tx& tx) {
           saveRatios(tx, r.user().municipality_id, inputs);
           audit(d, tx, r, "shifts.ratios_changed", "municipality", r.user().municipality_id,
                 {{"settings", inputs.size()}});
         });
         auto conn = d.db.acquire();
         return Response::json({{"settings", ratiosApiJson(*conn, r.user().municipality_id)}});
       }});
  // ---- 開所時間・休園日 ----
  auto facilityPage = [&d](const Request& r, db::Connection& conn, int64_t facility, json values,
                           const std::string& error, const std::string& invalid, int status) {
    json slots = json::array();
    for (int m : {15, 30})
      slots.push_back({{"value", m}, {"selected", values["slot_minutes"] == std::to_string(m)}});
    json data = {{"facility_id", facility},
                 {"facility", facilityName(conn, facility)},
                 {"v", values},
                 {"slots", slots}};
    if (!invalid.empty()) data["invalid_" + invalid] = true;
    if (!error.empty()) data["error"] = error;
    if (r.queryParam("saved")) data["saved"] = true;
    return d.web.page(r, "shifts/facility", data, "shifts.settings.facility_title", status);
  };
  ctx.addRoute({"GET", "/web/shifts/facility", kManage, [&d, facilityPage](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = pageFacility(*conn, r, d.clock);
                  return facilityPage(
                      r, *conn, facility,
                      facilityFormValues(loadSettings(*conn, r.user().municipality_id, facility)),
                      "", "", 200);
                }});
  ctx.addRoute({"POST", "/web/shifts/facility", kManage, [&d, facilityPage](Request& r) {
                  int64_t facility = 0;
                  {
                    auto conn = d.db.acquire();
                    facility = pageFacility(*conn, r, d.clock);
                  }
                  const Form form = r.form();
                  json typed = json::object();
                  for (const char* f :
                       {"slot_minutes", "opens_at", "closes_at", "request_deadline_day",
                        "max_consecutive_days", "min_rest_minutes"})
                    typed[f] = field(form, f);
                  typed["open_saturday"] = field(form, "open_saturday") == "1";
                  typed["open_holidays"] = field(form, "open_holidays") == "1";
                  try {
                    FacilitySettings s;
                    s.slotMinutes = formNumber(form, "slot_minutes");
                    s.opensAt = field(form, "opens_at");
                    s.closesAt = field(form, "closes_at");
                    s.openSaturday = typed["open_saturday"];
                    s.openHolidays = typed["open_holidays"];
                    s.requestDeadlineDay = formNumber(form, "request_deadline_day");
                    s.maxConsecutiveDays = formNumber(form, "max_consecutive_days");
                    s.minRestMinutes = formNumber(form, "min_rest_minutes");
                    d.db.transaction([&](db::Tx& tx) {
                      saveFacilitySettings(tx, r.user().municipality_id, facility, s,
                                           formatUtc(d.clock.now()));
                      audit(d, tx, r, "shifts.facility_settings_changed", "facility", facility,
                            facilitySettingsJson(s));
                    });
                  } catch (const Error& e) {
                    if (e.status() != 422) throw;
                    auto conn = d.db.acquire();
                    return facilityPage(r, *conn, facility, typed, refusal(d, r, e),
                                        e.details().value("field", ""), 422);
                  }
                  return Response::redirect(
                      "/web/shifts/facility?facility=" + std::to_string(facility) + "&saved=1");
                }});
  ctx.addRoute({"GET", "/api/v1/shifts/facilities/{id}/settings", kManage, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  const int64_t facility = r.idParam("id");
                  tenancy::requireFacility(*conn, r.user(), facility);
                  json out =
                      facilitySettingsJson(loadSettings(*conn, r.user().municipality_id, facility));
                  out["facility_id"] = facility;
                  return Response::json(out);
                }});
  ctx.addRoute(
      {"PUT", "/api/v1/shifts/facilities/{id}/settings", kManage, [&d](Request& r) {
         const int64_t facility = r.idParam("id");
         FacilitySettings s;
         {
           auto conn = d.db.acquire();
           tenancy::requireFacility(*conn, r.user(), facility);
           s = loadSettings(*conn, r.user().municipality_id, facility);
         }
         // Fields left out keep their values.
         const json body = r.json();
         if (!body.is_object())
           throw Error::invalid("shifts.invalid_field", "the body is a JSON object",
                                {{"field", "body"}});
         auto integer = [&](const char* name, int& out) {
           if (!body.contains(name)) return;
           if (!body[name].is_number_integer())
             throw Error::invalid("shifts.invalid_field", std::string(name) + " must be an integer",
                                  {{"field", name}});
           const int64_t v = body[name].get<int64_t>();
           out = v < -100000 || v > 100000 ? -1 : static_cast<int>(v);
         };
         auto text = [&](const char* name, std::string& out) {
           if (!body.contains(name)) return;
           if (!body[name].is_string())
             throw Error::invalid("shifts.invalid_field", std::string(name) + " must be a string",
                                  {{"field", name}});
           out = body[name].get<std::string>();
         };
         auto boolean = [&](const char* name, bool& out) {
           if (!body.contains(name)) return;
           if (!body[name].is_boolean())
             throw Error::invalid("shifts.invalid_field",
                                  std::string(name) + " must be true or false", {{"field", name}});
           out = body[name].get<bool>();
         };
         integer("slot_minutes", s.slotMinutes);
         text("opens_at", s.opensAt);
         text("closes_at", s.closesAt);
         boolean("open_saturday", s.openSaturday);
         boolean("open_holidays", s.openHolidays);
         integer("request_deadline_day", s.requestDeadlineDay);
         integer("max_consecutive_days", s.maxConsecutiveDays);
         integer("min_rest_minutes", s.minRestMinutes);
         d.db.transaction([&](db::Tx& tx) {
           saveFacilitySettings(tx, r.user().municipality_id, facility, s,
                                formatUtc(d.clock.now()));
           audit(d, tx, r, "shifts.facility_settings_changed", "facility", facility,
                 facilitySettingsJson(s));
         });
         json out = facilitySettingsJson(s);
         out["facility_id"] = facility;
         return Response::json(out);
       }});
}

}  // namespace sukusuku::shifts::plugin
