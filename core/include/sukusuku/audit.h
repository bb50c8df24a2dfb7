// The append-only audit log: who did what to which record, when.
//
// Written in the same transaction as the change it describes, so the record and the change
// commit or vanish together. Reads of a child's record by staff, every export and every
// permission change are audited. Rows are never updated or deleted by the application.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"

namespace sukusuku {

struct AuditEntry {
  int64_t municipality_id = 0;
  int64_t actor_user_id = 0;    // 0 for the system (jobs, CLI)
  std::string actor_role;       // "facility_staff", "system", ...
  std::string action;           // "child.read", "fees.export_debit", "role.granted"
  std::string target_type;      // "child", "file", "user"
  std::string target_id;
  nlohmann::json details = nlohmann::json::object();
  std::string request_id;
};

struct AuditRecord : AuditEntry {
  int64_t id = 0;
  std::string at;  // UTC, formatUtc()
};

class AuditLog {
 public:
  explicit AuditLog(const Clock& clock) : clock_(clock) {}
  void record(db::Connection& conn, const AuditEntry& entry);
  // Newest first, one municipality only; `action_prefix` filters ("fees.").
  std::vector<AuditRecord> list(db::Connection& conn, int64_t municipality_id,
                                const std::string& action_prefix = "", int limit = 100);

 private:
  const Clock& clock_;
};

}  // namespace sukusuku
