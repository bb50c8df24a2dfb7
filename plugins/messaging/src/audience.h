// Who a handout or survey is for (配布先): the whole facility, some of its classes, or chosen
// families. The choice is kept as written; it is resolved to the children enrolled on the day it
// goes out, so a family that joins later does not see an old notice and one that left keeps it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <sukusuku/db/database.h>

namespace sukusuku::messaging {

struct AudienceChoice {
  std::string kind = "facility";  // facility, classes, families
  std::vector<int64_t> ids;       // class ids or household ids
};

// From form fields audience=facility|classes|families, class_id=…, household_id=… (repeated).
// Every id must be a class of FACILITY / a household with a child enrolled there on DATE.
// Throws Error 422 "messaging.invalid_audience" otherwise.
AudienceChoice readAudience(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                            const std::multimap<std::string, std::string>& fields,
                            const std::string& date);

// (household, child) of every child in the audience enrolled at FACILITY on DATE, sorted.
std::vector<std::pair<int64_t, int64_t>> audienceChildren(db::Connection& conn,
                                                          int64_t municipality_id,
                                                          int64_t facility_id,
                                                          const AudienceChoice& choice,
                                                          const std::string& date);

// For compose forms: the facility's classes of DATE's fiscal year [{id,name}] and its families
// [{id,label}] (label: the children's names and classes).
nlohmann::json facilityClasses(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                               const std::string& date);
nlohmann::json facilityFamilies(db::Connection& conn, int64_t municipality_id,
                                int64_t facility_id, const std::string& date);

std::string joinIds(const std::vector<int64_t>& ids);
std::vector<int64_t> splitIds(const std::string& text);
// "?, ?, ?" for N values.
std::string placeholders(size_t n);

}  // namespace sukusuku::messaging
