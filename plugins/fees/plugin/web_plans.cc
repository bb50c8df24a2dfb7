#include "web_plans.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "sukusuku/fees/billing.h"

namespace sukusuku::fees {

namespace {

constexpr const char* kEditPlan = "fees.edit_plan";
constexpr int kMaxRows = 60;
constexpr int kBlankRows = 3;

struct School {
  int64_t id = 0;
  std::string name;
  int first_grade = 1;  // elementary 1-6, junior high 7-9 (the city's grade numbering)
  int last_grade = 6;
};

bool isSchoolKind(const std::string& kind) { return kind == "elementary" || kind == "junior_high"; }

School schoolOf(int64_t id, const std::string& name, const std::string& kind) {
  return kind == "junior_high" ? School{id, name, 7, 9} : School{id, name, 1, 6};
}

// The school FACILITY as the principal may see it; another school, another city's school or a
// facility that is not a school: 404.
School requireSchool(db::Connection& conn, const Principal& p, int64_t facility) {
  tenancy::requireFacility(conn, p, facility);
  auto row = conn.queryOne("SELECT name, kind FROM facilities WHERE id = ? AND municipality_id = ?",
                           {facility, p.municipality_id});
  if (!row || !isSchoolKind(row->getText("kind"))) {
    throw Error::notFound("fees.school_not_found", "no such school");
  }
  return schoolOf(facility, row->getText("name"), row->getText("kind"));
}

int yearParam(const Request& r, const Clock& clock) {
  auto v = r.queryParam("fiscal_year");
  if (!v || v->empty()) return fiscalYear(clock.now());
  if (v->size() != 4 || !std::all_of(v->begin(), v->end(), ::isdigit)) {
    throw Error::badRequest("fees.invalid_query", "fiscal_year must be a year");
  }
  return std::stoi(*v);
}

std::string field(const std::multimap<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

}  // namespace

std::optional<int64_t> parseTypedWhole(const std::string& text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= '0' && c <= '9') {
      digits += static_cast<char>(c);
    } else if (c == ',' || c == ' ') {
      continue;
    } else if (c == 0xEF && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0xBC &&
               static_cast<unsigned char>(text[i + 2]) >= 0x90 &&
               static_cast<unsigned char>(text[i + 2]) <= 0x99) {
      digits += static_cast<char>('0' + (static_cast<unsigned char>(text[i + 2]) - 0x90));
      i += 2;  // ０-９ (U+FF10-FF19)
    } else if (c == 0xEF && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0xBC &&
               static_cast<unsigned char>(text[i + 2]) == 0x8C) {
      i += 2;  // ， (U+FF0C)
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty() || digits.size() > 12) return std::nullopt;
  return std::stoll(digits);
}

namespace {

// One row of the form exactly as entered, so a refused plan comes back as it was typed.
struct Row {
  std::string id;  // empty for a new item
  std::string term = "0";
  std::string name;
  std::string unit_price;
  std::string quantity;
  bool optional = false;
  bool remove = false;  // 削除: left out of the plan (the service keeps it at 0 yen)
  std::string error;    // message for this row
  bool blank() const {
    return id.empty() && name.empty() && unit_price.empty() && quantity.empty();
  }
};

struct PlanForm {
  std::string name;
  std::vector<Row> rows;
};

struct Context {
  Web& web;
  db::Database& db;
  const Clock& clock;
  FeesService& svc;
};

std::string tr(const Context& c, const Request& r, const std::string& key,
               const std::map<std::string, std::string>& args = {}) {
  return c.web.i18n().t(r.language, key, args);
}

std::string gradeLabel(const Context& c, const Request& r, int grade) {
  return tr(c, r, "fees.edit.grade_label", {{"n", std::to_string(grade > 6 ? grade - 6 : grade)}});
}

std::optional<int64_t> capOf(db::Connection& conn, int64_t city, int year, int grade) {
  auto row = conn.queryOne(
      "SELECT cap_yen FROM fee_caps WHERE municipality_id = ? AND "
      "fiscal_year = ? AND grade = ?",
      {city, year, grade});
  if (!row) return std::nullopt;
  return row->getInt("cap_yen");
}

// The stored plan as form rows; a new plan starts with a default name and empty rows.
PlanForm storedPlan(const Context& c, const Request& r, int64_t city, int year,
                    const School& school, int grade) {
  PlanForm form;
  for (const auto& p : c.svc.plans(city, year, school.id)) {
    if (p["grade"].get<int>() != grade) continue;
    form.name = p["name"].get<std::string>();
    for (const auto& it : p["items"]) {
      Row row;
      row.id = std::to_string(it["id"].get<int64_t>());
      row.term = std::to_string(it["term"].get<int>());
      row.name = it["name"].get<std::string>();
      row.unit_price = std::to_string(it["unit_price"].get<int64_t>());
      row.quantity = std::to_string(it["quantity"].get<int64_t>());
      row.optional = it["optional"].get<bool>();
      form.rows.push_back(row);
    }
  }
  if (form.name.empty()) {
    form.name = tr(c, r, "fees.edit.default_name", {{"grade", gradeLabel(c, r, grade)}});
  }
  for (int i = 0; i < kBlankRows; ++i) form.rows.emplace_back();
  return form;
}

PlanForm submittedPlan(const Request& r) {
  const auto f = r.form();
  PlanForm form;
  form.name = field(f, "plan_name");
  int rows = 0;
  if (auto n = parseTypedWhole(field(f, "rows")))
    rows = static_cast<int>(std::min<int64_t>(*n, kMaxRows));
  for (int i = 0; i < rows; ++i) {
    const std::string k = std::to_string(i);
    Row row;
    row.id = field(f, "id_" + k);
    row.term = field(f, "term_" + k);
    row.name = field(f, "name_" + k);
    row.unit_price = field(f, "price_" + k);
    row.quantity = field(f, "qty_" + k);
    row.optional = field(f, "optional_" + k) == "1";
    row.remove = field(f, "remove_" + k) == "1";
    form.rows.push_back(row);
  }
  return form;
}

nlohmann::json formData(const Context& c, const Request& r, const School& school, int year,
                        int grade, const PlanForm& form) {
  const int64_t city = r.user().municipality_id;
  auto conn = c.db.acquire();
  nlohmann::json rows = nlohmann::json::array();
  int64_t total = 0;
  int64_t required = 0;
  std::vector<int64_t> required_amounts;
  for (size_t i = 0; i < form.rows.size(); ++i) {
    const Row& row = form.rows[i];
    const auto price = parseTypedWhole(row.unit_price);
    const auto qty = parseTypedWhole(row.quantity);
    const int64_t amount = price && qty && !row.remove ? *price * *qty : 0;
    total += amount;
    if (!row.optional) {
      required += amount;
      if (amount > 0) required_amounts.push_back(amount);
    }
    nlohmann::json terms = nlohmann::json::array();
    for (int t = 0; t <= 3; ++t) {
      terms.push_back({{"value", std::to_string(t)},
                       {"label", tr(c, r, "fees.edit.term_" + std::to_string(t))},
                       {"selected", row.term == std::to_string(t)}});
    }
    rows.push_back({{"index", i},
                    {"number", i + 1},
                    {"id", row.id},
                    {"stored", !row.id.empty()},
                    {"name", row.name},
                    {"unit_price", row.unit_price},
                    {"quantity", row.quantity},
                    {"amount", amount},
                    {"optional", row.optional},
                    {"remove", row.remove},
                    {"terms", terms},
                    {"error", row.error},
                    {"has_error", !row.error.empty()}});
  }
  nlohmann::json data{{"facility_id", school.id},
                      {"school", school.name},
                      {"fiscal_year", year},
                      {"grade", grade},
                      {"grade_label", gradeLabel(c, r, grade)},
                      {"plan_name", form.name},
                      {"rows", rows},
                      {"row_count", rows.size()},
                      {"total", total},
                      {"required_total", required}};
  if (auto cap = capOf(*conn, city, year, grade)) {
    data["has_cap"] = true;
    data["cap"] = *cap;
    data["over"] = total > *cap;
    data["over_by"] = std::max<int64_t>(0, total - *cap);
    data["left"] = std::max<int64_t>(0, *cap - total);
  }
  // What a pupil enrolled all year pays at each debit: every required item split evenly over
  // the schedule (the billing rule, per item, so the numbers match the statements).
  const auto schedule = c.svc.instalments(city, year);
  if (!schedule.empty()) {
    std::vector<int64_t> per(schedule.size(), 0);
    for (int64_t amount : required_amounts) {
      const auto shares = splitEvenly(amount, schedule.size());
      for (size_t k = 0; k < shares.size(); ++k) per[k] += shares[k];
    }
    nlohmann::json list = nlohmann::json::array();
    for (size_t k = 0; k < schedule.size(); ++k) {
      list.push_back(
          {{"seq", schedule[k].seq}, {"debit_date", schedule[k].debit_date}, {"amount", per[k]}});
    }
    data["instalments"] = list;
    data["has_schedule"] = true;
  }
  // Billed already: saving changes nothing billed; the next run adds adjustment entries.
  data["billed"] = conn->queryOne(
                           "SELECT id FROM fee_journal WHERE municipality_id = ? AND "
                           "fiscal_year = ? AND facility_id = ? LIMIT 1",
                           {city, year, school.id})
                       .has_value();
  return data;
}

Response formPage(const Context& c, const Request& r, nlohmann::json data, int status) {
  return c.web.page(r, "fees/plan_edit", std::move(data), "fees.edit.title", status);
}

// The message for a plan the service refused, with its numbers; ROWS gets the item's message.
std::string refusal(const Context& c, const Request& r, const Error& e,
                    const std::vector<size_t>& row_of_item, PlanForm& form) {
  const auto& d = e.details();
  if (e.code() == "fees.plan_over_cap") {
    return tr(c, r, "fees.edit.over_cap",
              {{"cap", std::to_string(d.value("cap", int64_t{0}))},
               {"total", std::to_string(d.value("total", int64_t{0}))},
               {"over", std::to_string(d.value("over", int64_t{0}))}});
  }
  if (e.code() == "fees.plan_invalid" && d.contains("item") && d["item"].is_number_integer()) {
    const size_t item = d["item"].get<size_t>();
    const std::string msg = tr(c, r, "fees.edit.item_invalid");
    if (item >= 1 && item <= row_of_item.size()) form.rows[row_of_item[item - 1]].error = msg;
    return tr(c, r, "fees.edit.row_invalid", {{"row", std::to_string(item)}}) + msg;
  }
  if (e.code() == "fees.plan_invalid") return tr(c, r, "fees.edit.plan_invalid");
  return tr(c, r, "fees.edit.refused", {{"code", e.code()}});
}

}  // namespace

void addPlanEditPages(PluginContext& ctx, std::shared_ptr<FeesService> svc) {
  namespace roles = sukusuku::roles;
  ctx.addPermission(kEditPlan, "create and change a school's material plan",
                    {roles::kFacilityStaff, roles::kFacilityAdmin, roles::kCityFinance,
                     roles::kMunicipalityAdmin});
  ctx.addNavItem({"fees.edit.nav", "/web/fees/plan-edit", kEditPlan, 65});
  auto c = std::make_shared<Context>(Context{ctx.web(), ctx.database(), ctx.clock(), *svc});

  // The schools the principal plans for, each grade with its plan's total against the cap.
  ctx.addRoute(
      {"GET", "/web/fees/plan-edit", kEditPlan, [c, svc](Request& r) {
         const Principal& p = r.user();
         const int year = yearParam(r, c->clock);
         auto conn = c->db.acquire();
         nlohmann::json schools = nlohmann::json::array();
         for (int64_t id : tenancy::visibleFacilities(*conn, p, tokyoDate(c->clock.now()))) {
           auto f = conn->queryOne(
               "SELECT name, kind FROM facilities WHERE id = ? AND "
               "municipality_id = ?",
               {id, p.municipality_id});
           if (!f || !isSchoolKind(f->getText("kind"))) continue;
           const School s = schoolOf(id, f->getText("name"), f->getText("kind"));
           std::map<int, nlohmann::json> plans;
           for (auto& plan : svc->plans(p.municipality_id, year, id)) {
             int64_t all = 0;
             for (const auto& it : plan["items"]) all += it["amount"].get<int64_t>();
             plan["all_total"] = all;
             plans[plan["grade"].get<int>()] = plan;
           }
           nlohmann::json grades = nlohmann::json::array();
           for (int g = s.first_grade; g <= s.last_grade; ++g) {
             nlohmann::json row{{"grade", g},
                                {"label", gradeLabel(*c, r, g)},
                                {"facility_id", id},
                                {"exists", plans.count(g) > 0}};
             if (plans.count(g)) {
               row["name"] = plans[g]["name"];
               row["total"] = plans[g]["all_total"];
               row["version"] = plans[g]["version"];
             }
             if (auto cap = capOf(*conn, p.municipality_id, year, g)) {
               row["has_cap"] = true;
               row["cap"] = *cap;
             }
             grades.push_back(row);
           }
           schools.push_back({{"id", id}, {"name", s.name}, {"grades", grades}});
         }
         return c->web.page(
             r, "fees/plan_list",
             {{"fiscal_year", year}, {"schools", schools}, {"no_schools", schools.empty()}},
             "fees.edit.title_list");
       }});

  auto resolve = [c](Request& r) {
    auto conn = c->db.acquire();
    const School s = requireSchool(*conn, r.user(), r.idParam("facility"));
    const int64_t grade = r.idParam("grade");
    if (grade < s.first_grade || grade > s.last_grade) {
      throw Error::notFound("fees.grade_not_found", "no such grade at this school");
    }
    return std::make_pair(s, static_cast<int>(grade));
  };

  ctx.addRoute(
      {"GET", "/web/fees/plan-edit/{facility}/{grade}", kEditPlan, [c, resolve](Request& r) {
         const auto [school, grade] = resolve(r);
         const int year = yearParam(r, c->clock);
         nlohmann::json data =
             formData(*c, r, school, year, grade,
                      storedPlan(*c, r, r.user().municipality_id, year, school, grade));
         if (r.queryParam("saved")) data["saved"] = tr(*c, r, "fees.edit.saved");
         return formPage(*c, r, data, 200);
       }});

  ctx.addRoute(
      {"POST", "/web/fees/plan-edit/{facility}/{grade}", kEditPlan, [c, resolve](Request& r) {
         const auto [school, grade] = resolve(r);
         const auto f = r.form();
         const auto year_field = parseTypedWhole(field(f, "fiscal_year"));
         if (!year_field || *year_field < 2000 || *year_field > 2100) {
           throw Error::badRequest("fees.invalid_form", "fiscal_year");
         }
         const int year = static_cast<int>(*year_field);
         PlanForm form = submittedPlan(r);
         if (field(f, "action") == "add_row") {
           if (form.rows.size() < kMaxRows) form.rows.emplace_back();
           return formPage(*c, r, formData(*c, r, school, year, grade, form), 200);
         }
         // Only the form's own parsing here: what makes a plan acceptable is the
         // service's to say (the same checks as POST /api/v1/fees/plans).
         PlanInput plan{school.id, year, grade, form.name, {}};
         std::vector<size_t> row_of_item;
         bool typo = false;
         for (size_t i = 0; i < form.rows.size(); ++i) {
           Row& row = form.rows[i];
           if (row.blank() || row.remove) continue;
           const auto price = parseTypedWhole(row.unit_price);
           const auto qty = parseTypedWhole(row.quantity);
           const auto term = parseTypedWhole(row.term);
           const auto id = row.id.empty() ? std::optional<int64_t>(0) : parseTypedWhole(row.id);
           if (!price || !qty || !term || !id) {
             row.error = tr(*c, r, "fees.edit.not_a_number");
             typo = true;
             continue;
           }
           plan.items.push_back(
               {*id, static_cast<int>(*term), row.name, *price, *qty, row.optional});
           row_of_item.push_back(i);
         }
         std::string message;
         if (typo) {
           message = tr(*c, r, "fees.edit.check_rows");
         } else {
           try {
             const Principal& p = r.user();
             AuditEntry by;
             by.actor_user_id = p.user_id;
             by.actor_role = p.role;
             by.request_id = r.request_id;
             c->svc.savePlan(p.municipality_id, plan, by);
             return Response::redirect("/web/fees/plan-edit/" + std::to_string(school.id) + "/" +
                                       std::to_string(grade) +
                                       "?fiscal_year=" + std::to_string(year) + "&saved=1");
           } catch (const Error& e) {
             if (e.status() != 422 && e.status() != 409) throw;
             message = refusal(*c, r, e, row_of_item, form);
           }
         }
         nlohmann::json data = formData(*c, r, school, year, grade, form);
         data["error"] = message;
         return formPage(*c, r, data, 422);
       }});
}

}  // namespace sukusuku::fees
