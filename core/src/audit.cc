#include "sukusuku/audit.h"

namespace sukusuku {

void AuditLog::record(db::Connection& conn, const AuditEntry& e) {
  conn.execute(
      "INSERT INTO audit_log (municipality_id, at, actor_user_id, actor_role, action, "
      "target_type, target_id, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e.municipality_id, formatUtc(clock_.now()), e.actor_user_id, e.actor_role, e.action,
       e.target_type, e.target_id, e.details.dump(), e.request_id});
}

std::vector<AuditRecord> AuditLog::list(db::Connection& conn, int64_t municipality_id,
                                        const std::string& action_prefix, int limit) {
  auto rows = conn.query(
      "SELECT id, municipality_id, at, actor_user_id, actor_role, action, target_type, "
      "target_id, details, request_id FROM audit_log WHERE municipality_id = ? AND action LIKE ? "
      "ORDER BY id DESC LIMIT ?",
      {municipality_id, action_prefix + "%", limit});
  std::vector<AuditRecord> out;
  for (const auto& r : rows) {
    AuditRecord a;
    a.id = r.getInt("id");
    a.municipality_id = r.getInt("municipality_id");
    a.at = r.getText("at");
    a.actor_user_id = r.getInt("actor_user_id");
    a.actor_role = r.getText("actor_role");
    a.action = r.getText("action");
    a.target_type = r.getText("target_type");
    a.target_id = r.getText("target_id");
    a.details = nlohmann::json::parse(r.getText("details"), nullptr, false);
    a.request_id = r.getText("request_id");
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace sukusuku
