// The household profile the identity core already keeps (households, children, enrolments),
// read as the eligibility engine's household: families never type in again what the city knows.
//
// Mapping (db/schema/core/002_identity.sql -> household JSON, engine/include/.../household.h):
//   municipalities.prefecture + name  -> municipality ("広島県すくすく市")
//   households.single_parent, resident_tax_exempt, income_yen, dependants  (NULL stays unknown)
//   children.birth_date, disability_grade
//   in_licensed_care: enrolled on the date at a nursery or certified centre (認可保育所・認定こども園)
// child_support_received_yen and guardians_supporting_over_18 are not in the core schema: they
// stay unknown until the family states them in an application, and results that depend on them
// say needs_information.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sukusuku/db/database.h>

namespace sukusuku::eligibility_plugin {

struct ProfileChild {
  int64_t id = 0;
  std::string name;  // "佐藤 陽葵"
  std::string birth_date;
};

struct Profile {
  int64_t household_id = 0;
  int64_t municipality_id = 0;
  std::string name;                   // 世帯名
  nlohmann::json household;           // the engine's household JSON (CLI shape)
  std::vector<ProfileChild> children;  // same order as household["children"]
};

// One household of MUNICIPALITY_ID as on DATE ('YYYY-MM-DD'); nullopt when it is not there.
std::optional<Profile> loadProfile(db::Connection& conn, int64_t municipality_id,
                                   int64_t household_id, const std::string& date);

// Every household of MUNICIPALITY_ID (or only HOUSEHOLD_IDS when not empty), in id order, read
// with a fixed number of queries whatever the count.
std::vector<Profile> loadProfiles(db::Connection& conn, int64_t municipality_id,
                                  const std::string& date,
                                  const std::vector<int64_t>& household_ids = {});

}  // namespace sukusuku::eligibility_plugin
