#include "sukusuku/error.h"
#include "sukusuku/permissions.h"
#include "sukusuku/tenancy.h"

namespace sukusuku::tenancy {

namespace {

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

// Enrolled at one of FACILITIES on DATE.
bool enrolledAt(db::Connection& conn, int64_t child_id, const std::vector<int64_t>& facilities,
                const std::string& date) {
  if (facilities.empty()) return false;
  db::Params params = {child_id, date, date};
  for (int64_t f : facilities) params.emplace_back(f);
  auto rows = conn.query(
      "SELECT 1 FROM enrolments WHERE child_id = ? AND starts_on <= ? AND "
      "(ends_on IS NULL OR ends_on >= ?) AND facility_id IN (" +
          placeholders(facilities.size()) + ") LIMIT 1",
      params);
  return !rows.empty();
}

}  // namespace

bool isCityRole(const std::string& role) {
  return role == roles::kCityChildcare || role == roles::kCityFinance ||
         role == roles::kMunicipalityAdmin;
}

bool isFacilityRole(const std::string& role) {
  return role == roles::kFacilityStaff || role == roles::kFacilityAdmin;
}

bool canSeeChild(db::Connection& conn, const Principal& p, int64_t child_id,
                 const std::string& date) {
  auto row = conn.queryOne("SELECT municipality_id, household_id FROM children WHERE id = ?",
                           {child_id});
  if (!row || row->getInt("municipality_id") != p.municipality_id) return false;
  if (p.role == roles::kGuardian) {
    return p.household_id != 0 && row->getInt("household_id") == p.household_id;
  }
  if (isFacilityRole(p.role)) return enrolledAt(conn, child_id, p.facility_ids, date);
  return isCityRole(p.role);
}

void requireChild(db::Connection& conn, const Principal& p, int64_t child_id,
                  const std::string& date) {
  if (!canSeeChild(conn, p, child_id, date)) {
    throw Error::notFound("tenancy.child_not_found", "no such child");
  }
}

bool canSeeFacility(db::Connection& conn, const Principal& p, int64_t facility_id) {
  auto row = conn.queryOne("SELECT municipality_id FROM facilities WHERE id = ?", {facility_id});
  if (!row || row->getInt("municipality_id") != p.municipality_id) return false;
  if (isCityRole(p.role)) return true;
  if (isFacilityRole(p.role)) {
    for (int64_t f : p.facility_ids) {
      if (f == facility_id) return true;
    }
  }
  return false;
}

void requireFacility(db::Connection& conn, const Principal& p, int64_t facility_id) {
  if (!canSeeFacility(conn, p, facility_id)) {
    throw Error::notFound("tenancy.facility_not_found", "no such facility");
  }
}

bool canSeeHousehold(db::Connection& conn, const Principal& p, int64_t household_id,
                     const std::string& date) {
  auto row = conn.queryOne("SELECT municipality_id FROM households WHERE id = ?", {household_id});
  if (!row || row->getInt("municipality_id") != p.municipality_id) return false;
  if (p.role == roles::kGuardian) return p.household_id == household_id;
  if (isCityRole(p.role)) return true;
  if (!isFacilityRole(p.role) || p.facility_ids.empty()) return false;
  // Staff see a household while one of its children is enrolled at their facility.
  db::Params params = {household_id, date, date};
  for (int64_t f : p.facility_ids) params.emplace_back(f);
  return !conn.query("SELECT 1 FROM children c JOIN enrolments e ON e.child_id = c.id "
                     "WHERE c.household_id = ? AND e.starts_on <= ? AND "
                     "(e.ends_on IS NULL OR e.ends_on >= ?) AND e.facility_id IN (" +
                         placeholders(p.facility_ids.size()) + ") LIMIT 1",
                     params)
              .empty();
}

void requireHousehold(db::Connection& conn, const Principal& p, int64_t household_id,
                      const std::string& date) {
  if (!canSeeHousehold(conn, p, household_id, date)) {
    throw Error::notFound("tenancy.household_not_found", "no such household");
  }
}

std::vector<int64_t> visibleFacilities(db::Connection& conn, const Principal& p,
                                       const std::string& date) {
  std::vector<int64_t> out;
  if (isFacilityRole(p.role)) return p.facility_ids;
  db::Rows rows;
  if (isCityRole(p.role)) {
    rows = conn.query("SELECT id FROM facilities WHERE municipality_id = ? ORDER BY id",
                      {p.municipality_id});
  } else if (p.role == roles::kGuardian) {
    rows = conn.query(
        "SELECT DISTINCT e.facility_id FROM enrolments e JOIN children c ON c.id = e.child_id "
        "WHERE c.household_id = ? AND c.municipality_id = ? AND e.starts_on <= ? AND "
        "(e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY e.facility_id",
        {p.household_id, p.municipality_id, date, date});
  }
  for (const auto& r : rows) out.push_back(r[0].asInt());
  return out;
}

}  // namespace sukusuku::tenancy
