#include "sukusuku/permissions.h"

#include <algorithm>
#include <stdexcept>

#include "sukusuku/http.h"

namespace sukusuku {

const std::vector<std::string>& Permissions::allRoles() {
  static const std::vector<std::string> kRoles = {
      roles::kGuardian,      roles::kFacilityStaff,     roles::kFacilityAdmin,
      roles::kCityChildcare, roles::kCityFinance,       roles::kMunicipalityAdmin,
      roles::kSystemOperator};
  return kRoles;
}

void Permissions::add(PermissionDef def) {
  if (def.name == kPublic || def.name == kAuthenticated || def.name.empty()) {
    throw std::logic_error("reserved permission name: '" + def.name + "'");
  }
  if (defs_.count(def.name)) throw std::logic_error("permission declared twice: " + def.name);
  for (const auto& role : def.default_roles) {
    const auto& known = allRoles();
    if (std::find(known.begin(), known.end(), role) == known.end()) {
      throw std::logic_error("permission " + def.name + " names unknown role " + role);
    }
  }
  defs_[def.name] = std::move(def);
}

std::set<std::string> Permissions::forRole(const std::string& role) const {
  std::set<std::string> out;
  for (const auto& [name, def] : defs_) {
    if (std::find(def.default_roles.begin(), def.default_roles.end(), role) !=
        def.default_roles.end()) {
      out.insert(name);
    }
  }
  return out;
}

std::vector<PermissionDef> Permissions::all() const {
  std::vector<PermissionDef> out;
  for (const auto& [name, def] : defs_) out.push_back(def);
  return out;
}

}  // namespace sukusuku
