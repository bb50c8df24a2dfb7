#include "audience.h"

#include <algorithm>
#include <set>

#include <sukusuku/error.h>

namespace sukusuku::messaging {

namespace {

const char* kEnrolledAt =
    "FROM enrolments e JOIN children c ON c.id = e.child_id WHERE e.municipality_id = ? AND "
    "e.facility_id = ? AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)";

std::vector<int64_t> idsOf(const std::multimap<std::string, std::string>& fields,
                           const std::string& name) {
  std::set<int64_t> out;
  auto [b, e] = fields.equal_range(name);
  for (auto it = b; it != e; ++it) {
    for (int64_t id : splitIds(it->second)) out.insert(id);
  }
  return {out.begin(), out.end()};
}

Error badAudience(const std::string& message) {
  return Error::invalid("messaging.invalid_audience", message, {{"field", "audience"}});
}

}  // namespace

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

std::string joinIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::vector<int64_t> splitIds(const std::string& text) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(start, comma - start);
    if (!part.empty()) {
      int64_t v = 0;
      bool ok = part.size() <= 18;
      for (char c : part) {
        if (c < '0' || c > '9') ok = false;
      }
      if (!ok || (v = std::stoll(part)) <= 0) throw badAudience("ids are positive integers");
      out.push_back(v);
    }
    start = comma + 1;
  }
  return out;
}

AudienceChoice readAudience(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                            const std::multimap<std::string, std::string>& fields,
                            const std::string& date) {
  AudienceChoice choice;
  auto it = fields.find("audience");
  choice.kind = it == fields.end() || it->second.empty() ? "facility" : it->second;
  if (choice.kind == "facility") return choice;
  if (choice.kind == "classes") {
    choice.ids = idsOf(fields, "class_id");
    if (choice.ids.empty()) throw badAudience("choose at least one class");
    db::Params params = {municipality_id, facility_id};
    for (int64_t id : choice.ids) params.push_back(id);
    auto row = conn.queryOne(
        "SELECT COUNT(*) AS n FROM classes WHERE municipality_id = ? AND facility_id = ? AND id "
        "IN (" + placeholders(choice.ids.size()) + ")",
        params);
    if (!row || row->getInt("n") != static_cast<int64_t>(choice.ids.size())) {
      throw badAudience("a chosen class is not at this facility");
    }
    return choice;
  }
  if (choice.kind == "families") {
    choice.ids = idsOf(fields, "household_id");
    if (choice.ids.empty()) throw badAudience("choose at least one family");
    db::Params params = {municipality_id, facility_id, date, date};
    for (int64_t id : choice.ids) params.push_back(id);
    auto row = conn.queryOne(std::string("SELECT COUNT(DISTINCT c.household_id) AS n ") +
                                 kEnrolledAt + " AND c.household_id IN (" +
                                 placeholders(choice.ids.size()) + ")",
                             params);
    if (!row || row->getInt("n") != static_cast<int64_t>(choice.ids.size())) {
      throw badAudience("a chosen family has no child at this facility");
    }
    return choice;
  }
  throw badAudience("audience: facility, classes or families");
}

std::vector<std::pair<int64_t, int64_t>> audienceChildren(db::Connection& conn,
                                                          int64_t municipality_id,
                                                          int64_t facility_id,
                                                          const AudienceChoice& choice,
                                                          const std::string& date) {
  std::string sql = std::string("SELECT c.household_id, c.id ") + kEnrolledAt;
  db::Params params = {municipality_id, facility_id, date, date};
  if (choice.kind != "facility") {
    if (choice.ids.empty()) return {};
    sql += choice.kind == "classes" ? " AND e.class_id IN (" : " AND c.household_id IN (";
    sql += placeholders(choice.ids.size()) + ")";
    for (int64_t id : choice.ids) params.push_back(id);
  }
  std::set<std::pair<int64_t, int64_t>> out;
  for (const auto& r : conn.query(sql, params)) out.emplace(r.getInt("household_id"), r.getInt("id"));
  return {out.begin(), out.end()};
}

nlohmann::json facilityClasses(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                               const std::string& date) {
  int year = std::stoi(date.substr(0, 4));
  if (date.substr(5, 2) < "04") --year;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : conn.query(
           "SELECT id, name FROM classes WHERE municipality_id = ? AND facility_id = ? AND "
           "fiscal_year = ? ORDER BY age_group, id",
           {municipality_id, facility_id, static_cast<int64_t>(year)})) {
    out.push_back({{"id", r.getInt("id")}, {"name", r.getText("name")}});
  }
  return out;
}

nlohmann::json facilityFamilies(db::Connection& conn, int64_t municipality_id,
                                int64_t facility_id, const std::string& date) {
  std::map<int64_t, std::string> labels;
  for (const auto& r : conn.query(
           std::string("SELECT c.household_id, c.family_name, c.given_name, cl.name AS class_name ") +
               "FROM enrolments e JOIN children c ON c.id = e.child_id LEFT JOIN classes cl ON "
               "cl.id = e.class_id WHERE e.municipality_id = ? AND e.facility_id = ? AND "
               "e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY cl.age_group, "
               "c.family_name_kana, c.id",
           {municipality_id, facility_id, date, date})) {
    std::string& l = labels[r.getInt("household_id")];
    l += (l.empty() ? "" : "・") + r.getText("family_name") + " " + r.getText("given_name") + "（" +
         r.getOptText("class_name").value_or("") + "）";
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, label] : labels) out.push_back({{"id", id}, {"label", label}});
  std::sort(out.begin(), out.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["label"] < b["label"]; });
  return out;
}

}  // namespace sukusuku::messaging
