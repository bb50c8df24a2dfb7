// Named permissions and the roles that hold them.
//
// The core and plugins declare permissions with the roles that hold them by default
// ("messaging.contact_book.write" -> facility_staff, facility_admin). A principal's permission
// set is the union over its roles. Scope (which municipality, facility, household) is checked
// separately, by the handler, against the principal's ids.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sukusuku {

namespace roles {
inline constexpr const char* kGuardian = "guardian";
inline constexpr const char* kFacilityStaff = "facility_staff";
inline constexpr const char* kFacilityAdmin = "facility_admin";
inline constexpr const char* kCityChildcare = "city_childcare_officer";
inline constexpr const char* kCityFinance = "city_finance_officer";
inline constexpr const char* kMunicipalityAdmin = "municipality_admin";
inline constexpr const char* kSystemOperator = "system_operator";
}  // namespace roles

struct PermissionDef {
  std::string name;
  std::string description;
  std::vector<std::string> default_roles;
  std::string owner;
};

class Permissions {
 public:
  // Every role this system knows, in order of increasing reach.
  static const std::vector<std::string>& allRoles();

  // Throws std::logic_error for a duplicate name, an unknown role or a reserved name.
  void add(PermissionDef def);
  bool exists(const std::string& name) const { return defs_.count(name) > 0; }
  std::set<std::string> forRole(const std::string& role) const;
  std::vector<PermissionDef> all() const;

 private:
  std::map<std::string, PermissionDef> defs_;
};

}  // namespace sukusuku
