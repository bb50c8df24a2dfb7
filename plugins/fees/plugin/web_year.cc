#include "web_year.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include <sukusuku/error.h>

#include "sukusuku/fees/billing.h"
#include "web_pages.h"
#include "web_plans.h"

namespace sukusuku::fees {

namespace {

constexpr const char* kManage = "fees.manage";
constexpr int kScheduleRows = 12;

using Form = std::multimap<std::string, std::string>;

std::string field(const Form& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

struct Page {
  Web& web;
  db::Database& db;
  const Clock& clock;
  FeesService& svc;
};

std::string tr(const Page& p, const Request& r, const std::string& key,
               const std::map<std::string, std::string>& args = {}) {
  return p.web.i18n().t(r.language, key, args);
}

// CAPS and SCHEDULE as strings (what is stored, or what was typed).
struct Values {
  std::map<int, std::string> caps;                            // grade -> yen
  std::set<int> removed;                                      // grades ticked "no cap"
  std::vector<std::pair<std::string, std::string>> schedule;  // month index, debit date
};

Values stored(const Page& p, int64_t city, int year) {
  Values v;
  auto conn = p.db.acquire();
  for (const auto& r : conn->query("SELECT grade, cap_yen FROM fee_caps WHERE municipality_id = ? "
                                   "AND fiscal_year = ?",
                                   {city, year}))
    v.caps[static_cast<int>(r.getInt("grade"))] = std::to_string(r.getInt("cap_yen"));
  for (const Instalment& in : p.svc.instalments(city, year))
    v.schedule.push_back({std::to_string(in.month_index), in.debit_date});
  return v;
}

Values typed(const Request& r) {
  const Form f = r.form();
  Values v;
  for (int g = 1; g <= 9; ++g) {
    v.caps[g] = field(f, "cap_" + std::to_string(g));
    if (!field(f, "remove_cap_" + std::to_string(g)).empty()) v.removed.insert(g);
  }
  for (int i = 0; i < kScheduleRows; ++i) {
    const std::string k = std::to_string(i);
    v.schedule.push_back({field(f, "month_" + k), field(f, "date_" + k)});
  }
  return v;
}

Response render(const Page& p, const Request& r, int year, const Values& v,
                const std::string& error, int status) {
  const int64_t city = r.user().municipality_id;
  std::map<int, int64_t> largest;  // grade -> the largest plan total (optional items included)
  for (const auto& plan : p.svc.plans(city, year)) {
    int64_t all = 0;
    for (const auto& it : plan["items"]) all += it["amount"].get<int64_t>();
    int64_t& l = largest[plan["grade"].get<int>()];
    l = std::max(l, all);
  }
  nlohmann::json caps = nlohmann::json::array();
  for (int g = 1; g <= 9; ++g) {
    const std::string value = v.caps.count(g) ? v.caps.at(g) : "";
    const auto cap = parseTypedWhole(value);
    nlohmann::json row{{"grade", g},
                       {"label", tr(p, r, g <= 6 ? "fees.year.elementary" : "fees.year.junior",
                                    {{"n", std::to_string(g <= 6 ? g : g - 6)}})},
                       {"value", value},
                       {"remove", v.removed.count(g) > 0}};
    if (largest.count(g)) {
      row["largest"] = largest[g];
      row["has_plans"] = true;
      row["over"] = cap && largest[g] > *cap;
    }
    caps.push_back(row);
  }
  nlohmann::json schedule = nlohmann::json::array();
  for (int i = 0; i < kScheduleRows; ++i) {
    const auto& [month, date] = i < static_cast<int>(v.schedule.size())
                                    ? v.schedule[i]
                                    : std::pair<std::string, std::string>{};
    nlohmann::json months = nlohmann::json::array();
    for (int m = 0; m < 12; ++m)
      months.push_back({{"value", std::to_string(m)},
                        {"label", fiscalMonth(year, m)},
                        {"selected", month == std::to_string(m)}});
    schedule.push_back({{"index", i},
                        {"seq", i + 1},
                        {"date", date},
                        {"months", months},
                        {"unset", month.empty()}});
  }
  bool billed = false;
  {
    auto conn = p.db.acquire();
    billed = conn->queryOne(
                     "SELECT id FROM fee_bills WHERE municipality_id = ? AND "
                     "fiscal_year = ? LIMIT 1",
                     {city, year})
                 .has_value();
  }
  nlohmann::json data{
      {"fiscal_year", year}, {"caps", caps}, {"schedule", schedule}, {"billed", billed}};
  if (!error.empty()) data["error"] = error;
  if (auto saved = r.queryParam("saved")) {
    data["saved"] =
        tr(p, r, *saved == "caps" ? "fees.year.caps_saved" : "fees.year.schedule_saved");
  }
  return p.web.page(r, "fees/year_settings", data, "fees.year.title", status);
}

int yearOf(const std::string& text) {
  const auto y = parseTypedWhole(text);
  if (!y || *y < 2000 || *y > 2100) throw Error::badRequest("fees.invalid_form", "fiscal_year");
  return static_cast<int>(*y);
}

}  // namespace

void addYearSettingsPages(PluginContext& ctx, std::shared_ptr<FeesService> svc) {
  ctx.addNavItem({"fees.year.nav", "/web/fees/year-settings", kManage, 66});
  auto p = std::make_shared<Page>(Page{ctx.web(), ctx.database(), ctx.clock(), *svc});

  ctx.addRoute({"GET", "/web/fees/year-settings", kManage, [p](Request& r) {
                  const auto q = r.queryParam("fiscal_year");
                  const int year = q && !q->empty() ? yearOf(*q) : fiscalYear(p->clock.now());
                  return render(*p, r, year, stored(*p, r.user().municipality_id, year), "", 200);
                }});

  ctx.addRoute({"POST", "/web/fees/year-settings", kManage, [p](Request& r) {
                  const Form f = r.form();
                  const int year = yearOf(field(f, "fiscal_year"));
                  const int64_t city = r.user().municipality_id;
                  const std::string action = field(f, "action");
                  Values v = typed(r);
                  const Values saved = stored(*p, city, year);
                  const std::string again =
                      "/web/fees/year-settings?fiscal_year=" + std::to_string(year) + "&saved=";
                  if (action == "fill10") {  // ten debits, April-January, on the 27th
                    v.caps = saved.caps;
                    v.schedule.clear();
                    for (int m = 0; m < 10; ++m)
                      v.schedule.push_back({std::to_string(m), fiscalMonth(year, m) + "-27"});
                    return render(*p, r, year, v, "", 200);
                  }
                  if (action == "caps") {
                    v.schedule = saved.schedule;
                    std::map<int, int64_t> caps;
                    for (const auto& [grade, text] : v.caps) {
                      // Ticked "no cap": removed, whatever was typed; blank: left as it is.
                      if (text.empty() || v.removed.count(grade)) continue;
                      const auto cap = parseTypedWhole(text);
                      if (!cap) {
                        return render(*p, r, year, v,
                                      tr(*p, r, "fees.year.cap_not_a_number",
                                         {{"grade", std::to_string(grade)}}),
                                      422);
                      }
                      caps[grade] = *cap;
                    }
                    try {
                      p->svc.setCaps(city, year, caps, actorOf(r), v.removed);
                    } catch (const Error& e) {
                      if (e.status() != 422) throw;
                      return render(*p, r, year, v,
                                    tr(*p, r, "fees.year.refused", {{"code", e.code()}}), 422);
                    }
                    return Response::redirect(again + "caps");
                  }
                  if (action == "schedule") {
                    v.caps = saved.caps;
                    std::vector<Instalment> schedule;
                    for (const auto& [month, date] : v.schedule) {
                      if (month.empty() && date.empty()) continue;
                      const auto m = parseTypedWhole(month);
                      if (!m || *m > 11 || date.empty()) {
                        return render(*p, r, year, v,
                                      tr(*p, r, "fees.year.row_incomplete",
                                         {{"row", std::to_string(schedule.size() + 1)}}),
                                      422);
                      }
                      schedule.push_back(
                          {static_cast<int>(schedule.size() + 1), static_cast<int>(*m), date});
                    }
                    try {
                      p->svc.setInstalments(city, year, schedule, actorOf(r));
                    } catch (const Error& e) {
                      if (e.status() != 422 && e.status() != 409) throw;
                      std::string msg;
                      if (e.code() == "fees.instalments_in_use") {
                        msg = tr(*p, r, "fees.year.in_use");
                      } else if (e.details().contains("instalment")) {
                        msg = tr(*p, r, "fees.year.row_invalid",
                                 {{"row", e.details()["instalment"].dump()}});
                      } else {
                        msg = tr(*p, r, "fees.year.schedule_invalid");
                      }
                      return render(*p, r, year, v, msg, e.status());
                    }
                    return Response::redirect(again + "schedule");
                  }
                  throw Error::badRequest("fees.invalid_form", "action: caps, schedule or fill10");
                }});
}

}  // namespace sukusuku::fees
