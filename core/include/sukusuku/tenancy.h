// Who may see what: the scope checks every handler that touches a child, household or facility
// makes, in one place, so that one family, facility or city never sees another's data.
//
//   guardian                 the children of their own household
//   facility_staff / _admin  children enrolled (on the date) at one of their facilities
//   city roles               everything in their own municipality
//   system_operator          runs the system; sees no family data
//
// A record outside the principal's scope is reported as missing (404), not forbidden, so that
// ids of other families' children are not even confirmed to exist.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sukusuku/db/database.h"
#include "sukusuku/http.h"

namespace sukusuku::tenancy {

bool isCityRole(const std::string& role);
bool isFacilityRole(const std::string& role);

// True when PRINCIPAL may see CHILD_ID on DATE ('YYYY-MM-DD', Asia/Tokyo).
bool canSeeChild(db::Connection& conn, const Principal& principal, int64_t child_id,
                 const std::string& date);
// Throws Error 404 "tenancy.child_not_found" unless canSeeChild.
void requireChild(db::Connection& conn, const Principal& principal, int64_t child_id,
                  const std::string& date);

bool canSeeFacility(db::Connection& conn, const Principal& principal, int64_t facility_id);
// Throws Error 404 "tenancy.facility_not_found" unless canSeeFacility.
void requireFacility(db::Connection& conn, const Principal& principal, int64_t facility_id);

bool canSeeHousehold(db::Connection& conn, const Principal& principal, int64_t household_id,
                     const std::string& date);
// Throws Error 404 "tenancy.household_not_found" unless canSeeHousehold.
void requireHousehold(db::Connection& conn, const Principal& principal, int64_t household_id,
                      const std::string& date);

// The facilities a principal works with: staff their own, city roles every facility of the
// municipality, guardians those where their children are enrolled on DATE.
std::vector<int64_t> visibleFacilities(db::Connection& conn, const Principal& principal,
                                       const std::string& date);

}  // namespace sukusuku::tenancy
