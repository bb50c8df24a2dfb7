// The ledger (歳入の帳簿) read back from the journal: totals per kind, school, item and month.
#include <map>

#include "fees_service.h"
#include "sukusuku/error.h"

namespace sukusuku::fees {

namespace {

void addItems(const std::string& json, int64_t sign, std::map<int64_t, int64_t>& into) {
  if (json.empty()) return;
  const nlohmann::json parsed = nlohmann::json::parse(json);  // outlives the loop's proxy
  for (const auto& [k, v] : parsed.items()) {
    into[std::stoll(k)] += sign * v.get<int64_t>();
  }
}

}  // namespace

nlohmann::json FeesService::ledger(int64_t city, int fiscal_year, int64_t facility_id) {
  auto conn = db_.acquire();
  nlohmann::json out;
  out["fiscal_year"] = fiscal_year;
  std::map<std::string, int64_t> kinds;
  int64_t assessed_household = 0;
  int64_t assessed_city = 0;
  for (const auto& r : conn->query(
           "SELECT kind, payer_kind, SUM(amount) AS total, COUNT(*) AS n FROM fee_journal "
           "WHERE municipality_id = ? AND fiscal_year = ? AND (? = 0 OR facility_id = ?) "
           "GROUP BY kind, payer_kind ORDER BY kind, payer_kind",
           {city, fiscal_year, facility_id, facility_id})) {
    const std::string kind = r.getText("kind");
    kinds[kind] += r.getInt("total");
    if (kind == "charge" || kind == "adjustment") {
      (r.getText("payer_kind") == "city" ? assessed_city : assessed_household) += r.getInt("total");
    }
  }
  out["totals"] = kinds;
  out["assessed_household"] = assessed_household;
  out["assessed_city"] = assessed_city;
  // Bills carry what was collected; per school, a bill's payment is shared out by the charges
  // on it (receipts are per bill, since one bill covers siblings at several schools).
  int64_t billed = 0;
  int64_t paid = 0;
  int64_t written_off = 0;
  for (const auto& r : conn->query("SELECT SUM(amount) AS billed, SUM(paid) AS paid, "
                                   "SUM(written_off) AS written_off FROM "
                                   "fee_bills WHERE municipality_id = ? AND fiscal_year = ? AND "
                                   "payer_kind = 'household'",
                                   {city, fiscal_year})) {
    billed = r.isNull("billed") ? 0 : r.getInt("billed");
    paid = r.isNull("paid") ? 0 : r.getInt("paid");
    written_off = r.isNull("written_off") ? 0 : r.getInt("written_off");
  }
  out["billed_household"] = billed;
  out["collected"] = paid;
  out["written_off"] = written_off;
  out["outstanding"] = billed - paid - written_off;
  out["collection_rate"] = billed > 0 ? static_cast<double>(paid) / static_cast<double>(billed) : 0.0;

  nlohmann::json schools = nlohmann::json::array();
  for (const auto& r : conn->query(
           "SELECT j.facility_id, f.name, SUM(j.amount) AS assessed, "
           "SUM(CASE WHEN b.paid >= b.amount - b.written_off AND b.written_off = 0 AND j.payer_kind = 'household' THEN j.amount "
           "ELSE 0 END) AS collected, "
           "SUM(CASE WHEN j.payer_kind = 'city' THEN j.amount ELSE 0 END) AS city "
           "FROM fee_journal j JOIN fee_bills b ON b.id = j.bill_id "
           "JOIN facilities f ON f.id = j.facility_id "
           "WHERE j.municipality_id = ? AND j.fiscal_year = ? AND "
           "j.kind IN ('charge', 'adjustment') AND (? = 0 OR j.facility_id = ?) "
           "GROUP BY j.facility_id, f.name ORDER BY j.facility_id",
           {city, fiscal_year, facility_id, facility_id})) {
    const int64_t assessed = r.getInt("assessed");
    const int64_t city_part = r.getInt("city");
    const int64_t household = assessed - city_part;
    schools.push_back({{"facility_id", r.getInt("facility_id")},
                       {"name", r.getText("name")},
                       {"assessed", assessed},
                       {"assessed_city", city_part},
                       {"collected", r.getInt("collected")},
                       {"collection_rate",
                        household > 0 ? static_cast<double>(r.getInt("collected")) /
                                            static_cast<double>(household)
                                      : 0.0}});
  }
  out["schools"] = schools;

  std::map<std::string, std::map<std::string, int64_t>> months;
  for (const auto& r : conn->query(
           "SELECT entry_month, kind, SUM(amount) AS total FROM fee_journal WHERE "
           "municipality_id = ? AND fiscal_year = ? AND (? = 0 OR facility_id = ?) "
           "GROUP BY entry_month, kind ORDER BY entry_month",
           {city, fiscal_year, facility_id, facility_id})) {
    months[r.getText("entry_month")][r.getText("kind")] = r.getInt("total");
  }
  out["months"] = months;

  std::map<int64_t, int64_t> items;
  for (const auto& r : conn->query(
           "SELECT items FROM fee_journal WHERE municipality_id = ? AND fiscal_year = ? AND "
           "kind IN ('charge', 'adjustment') AND (? = 0 OR facility_id = ?)",
           {city, fiscal_year, facility_id, facility_id})) {
    addItems(r.getText("items"), 1, items);
  }
  nlohmann::json item_rows = nlohmann::json::array();
  for (const auto& r : conn->query(
           "SELECT i.id, i.name, p.facility_id, p.grade FROM fee_plan_items i JOIN fee_plans p "
           "ON p.id = i.plan_id WHERE p.municipality_id = ? AND p.fiscal_year = ? ORDER BY i.id",
           {city, fiscal_year})) {
    auto it = items.find(r.getInt("id"));
    if (it == items.end()) continue;
    item_rows.push_back({{"item_id", r.getInt("id")}, {"name", r.getText("name")},
                         {"facility_id", r.getInt("facility_id")}, {"grade", r.getInt("grade")},
                         {"assessed", it->second}});
  }
  out["items"] = item_rows;
  return out;
}

nlohmann::json FeesService::statements(int64_t city, int64_t household_id, int fiscal_year) {
  auto conn = db_.acquire();
  std::map<int64_t, std::string> item_names;
  for (const auto& r : conn->query("SELECT i.id, i.name FROM fee_plan_items i JOIN fee_plans p "
                                   "ON p.id = i.plan_id WHERE p.municipality_id = ? AND "
                                   "p.fiscal_year = ?",
                                   {city, fiscal_year})) {
    item_names[r.getInt("id")] = r.getText("name");
  }
  nlohmann::json bills = nlohmann::json::array();
  for (const auto& b : conn->query(
           "SELECT id, instalment, amount, paid, due_date FROM fee_bills WHERE "
           "municipality_id = ? AND fiscal_year = ? AND household_id = ? AND "
           "payer_kind = 'household' ORDER BY instalment",
           {city, fiscal_year, household_id})) {
    nlohmann::json lines = nlohmann::json::array();
    nlohmann::json payments = nlohmann::json::array();
    for (const auto& j : conn->query(
             "SELECT j.kind, j.child_id, j.facility_id, j.amount, j.items, j.created_at, "
             "c.given_name FROM fee_journal j LEFT JOIN children c ON c.id = j.child_id "
             "WHERE j.municipality_id = ? AND j.fiscal_year = ? AND j.bill_id = ? ORDER BY j.id",
             {city, fiscal_year, b.getInt("id")})) {
      const std::string kind = j.getText("kind");
      if (kind == "charge" || kind == "adjustment") {
        std::map<int64_t, int64_t> items;
        addItems(j.getText("items"), 1, items);
        nlohmann::json item_lines = nlohmann::json::array();
        for (const auto& [id, yen] : items) {
          item_lines.push_back({{"item_id", id}, {"name", item_names[id]}, {"amount", yen}});
        }
        lines.push_back({{"kind", kind}, {"child_id", j.getInt("child_id")},
                         {"child", j.isNull("given_name") ? "" : j.getText("given_name")},
                         {"amount", j.getInt("amount")}, {"items", item_lines}});
      } else {
        payments.push_back({{"kind", kind}, {"amount", j.getInt("amount")},
                            {"at", j.getText("created_at")}});
      }
    }
    const int64_t amount = b.getInt("amount");
    const int64_t paid = b.getInt("paid");
    bills.push_back({{"bill_id", b.getInt("id")}, {"instalment", b.getInt("instalment")},
                     {"amount", amount}, {"paid", paid}, {"due_date", b.getText("due_date")},
                     {"status", paid >= amount ? "paid" : "open"}, {"lines", lines},
                     {"payments", payments}});
  }
  return {{"fiscal_year", fiscal_year}, {"household_id", household_id}, {"bills", bills}};
}

}  // namespace sukusuku::fees
