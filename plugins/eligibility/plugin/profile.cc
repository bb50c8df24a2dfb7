#include "profile.h"

#include <map>

namespace sukusuku::eligibility_plugin {

namespace {

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

nlohmann::json optionalBool(const db::Row& row, const char* column) {
  if (row.isNull(column)) return nullptr;
  return row.getInt(column) != 0;
}

nlohmann::json optionalInt(const db::Row& row, const char* column) {
  if (row.isNull(column)) return nullptr;
  return row.getInt(column);
}

}  // namespace

std::vector<Profile> loadProfiles(db::Connection& conn, int64_t municipality_id,
                                  const std::string& date,
                                  const std::vector<int64_t>& household_ids) {
  std::vector<Profile> out;
  auto m = conn.queryOne("SELECT prefecture, name FROM municipalities WHERE id = ?",
                         {municipality_id});
  if (!m) return out;
  const std::string municipality = m->getText("prefecture") + m->getText("name");

  std::string filter;
  db::Params params = {municipality_id};
  if (!household_ids.empty()) {
    filter = " AND h.id IN (" + placeholders(household_ids.size()) + ")";
    for (int64_t id : household_ids) params.emplace_back(id);
  }
  auto households = conn.query(
      "SELECT h.id, h.name, h.single_parent, h.resident_tax_exempt, h.income_yen, h.dependants "
      "FROM households h WHERE h.municipality_id = ?" + filter + " ORDER BY h.id",
      params);
  std::map<int64_t, size_t> index;
  for (const auto& h : households) {
    Profile p;
    p.household_id = h.getInt("id");
    p.municipality_id = municipality_id;
    p.name = h.getText("name");
    p.household = {{"municipality", municipality},
                   {"single_parent", optionalBool(h, "single_parent")},
                   {"resident_tax_exempt", optionalBool(h, "resident_tax_exempt")},
                   {"income_yen", optionalInt(h, "income_yen")},
                   {"dependants", optionalInt(h, "dependants")},
                   {"child_support_received_yen", nullptr},
                   {"guardians_supporting_over_18", nullptr},
                   {"children", nlohmann::json::array()}};
    index[p.household_id] = out.size();
    out.push_back(std::move(p));
  }
  if (out.empty()) return out;

  db::Params child_params = {date, date, municipality_id};
  std::string child_filter;
  if (!household_ids.empty()) {
    child_filter = " AND c.household_id IN (" + placeholders(household_ids.size()) + ")";
    for (int64_t id : household_ids) child_params.emplace_back(id);
  }
  auto children = conn.query(
      "SELECT c.id, c.household_id, c.family_name, c.given_name, c.birth_date, "
      "c.disability_grade, (SELECT COUNT(*) FROM enrolments e JOIN facilities f ON "
      "f.id = e.facility_id WHERE e.child_id = c.id AND e.starts_on <= ? AND "
      "(e.ends_on IS NULL OR e.ends_on >= ?) AND f.kind IN ('nursery', 'certified_centre')) "
      "AS licensed FROM children c WHERE c.municipality_id = ?" + child_filter +
          " ORDER BY c.household_id, c.birth_date, c.id",
      child_params);
  for (const auto& c : children) {
    auto it = index.find(c.getInt("household_id"));
    if (it == index.end()) continue;
    Profile& p = out[it->second];
    p.household["children"].push_back({{"birth_date", c.getText("birth_date")},
                                       {"disability_grade", c.getInt("disability_grade")},
                                       {"in_licensed_care", c.getInt("licensed") > 0}});
    p.children.push_back({c.getInt("id"), c.getText("family_name") + " " + c.getText("given_name"),
                          c.getText("birth_date")});
  }
  return out;
}

std::optional<Profile> loadProfile(db::Connection& conn, int64_t municipality_id,
                                   int64_t household_id, const std::string& date) {
  auto all = loadProfiles(conn, municipality_id, date, {household_id});
  if (all.empty()) return std::nullopt;
  return std::move(all.front());
}

}  // namespace sukusuku::eligibility_plugin
