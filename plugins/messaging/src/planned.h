// Planned attendance (登降園予定): weekly pattern plus per-date exceptions, and the service
// "messaging.planned_attendance" (core/include/sukusuku/services/planned_attendance.h).
#pragma once

#include <map>
#include <optional>
#include <string>

#include <sukusuku/services/planned_attendance.h>

#include "common.h"

namespace sukusuku::messaging {

struct DayPlan {
  bool expected = false;
  bool absent_exception = false;  // the guardian said "not coming" for this date
  std::string arrive_at, leave_at;
};

// The plan of every child enrolled at FACILITY on DATE that has one (pattern or exception).
std::map<int64_t, DayPlan> plansAtFacility(db::Connection& conn, int64_t municipality_id,
                                           int64_t facility_id, const std::string& date);

std::shared_ptr<services::PlannedAttendance> makePlannedAttendance(db::Database& db);

}  // namespace sukusuku::messaging
