// Absence, late-arrival and early pick-up notices (欠席・遅刻・早退連絡).
#pragma once

#include <map>
#include <string>

#include "common.h"

namespace sukusuku::messaging {

nlohmann::json noticeJson(const db::Row& row);
// The notices in force (not cancelled) at FACILITY on DATE, by child, oldest first.
std::map<int64_t, std::vector<nlohmann::json>> noticesAtFacility(db::Connection& conn,
                                                                 int64_t municipality_id,
                                                                 int64_t facility_id,
                                                                 const std::string& date);

}  // namespace sukusuku::messaging
