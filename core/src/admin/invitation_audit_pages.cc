// Invitations (招待コード) for the app's first run: issue one for a household (the code is shown
// once, on the page that issued it) and list the outstanding ones. And the municipality
// administrator's view of the audit log.
#include "sukusuku/error.h"
#include "sukusuku/identity/identity_service.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

std::string tokyoTime(int64_t epoch) {
  // Shown in Japan time: "2026-11-25 14:05".
  std::string utc = formatUtc(TimePoint(std::chrono::seconds(epoch + 9 * 3600)));
  return utc.substr(0, 10) + " " + utc.substr(11, 5);
}

FormView issueForm(const Deps& d, const Request& r, db::Connection& conn,
                   const std::string& household_id) {
  FormView f("invite", "/web/admin/invitations", d.t(r, "admin.invitations.issue"));
  f.text("household_id", d.t(r, "admin.children.household_id"), household_id, "number");
  std::vector<std::pair<std::string, std::string>> guardians = {
      {"", d.t(r, "admin.invitations.new_guardian")}};
  if (!household_id.empty()) {
    for (const auto& g : conn.query(
             "SELECT id, family_name, given_name FROM guardians WHERE household_id = ? AND "
             "municipality_id = ? AND user_id IS NULL ORDER BY id",
             {std::atoll(household_id.c_str()), r.user().municipality_id})) {
      guardians.emplace_back(std::to_string(g.getInt("id")),
                             g.getText("family_name") + " " + g.getText("given_name"));
    }
  }
  f.select("guardian_id", d.t(r, "admin.invitations.guardian"), guardians, "");
  return f;
}

Response invitationsPage(const Deps& d, Request& r, std::optional<Form> failed = std::nullopt,
                         const std::string& issued_code = "", const std::string& expires = "") {
  const Principal& p = r.user();
  auto conn = d.db.acquire();
  int64_t now = d.clock.nowSeconds();
  db::Params params = {p.municipality_id, now};
  std::string sql =
      "SELECT i.id, i.household_id, i.issued_at, i.expires_at, h.name AS household, u.display_name "
      "AS issuer, g.family_name, g.given_name FROM invitations i JOIN households h ON h.id = "
      "i.household_id LEFT JOIN users u ON u.id = i.issued_by_user_id LEFT JOIN guardians g ON "
      "g.id = i.guardian_id WHERE i.municipality_id = ? AND i.used_at IS NULL AND i.expires_at > ?";
  if (!tenancy::isCityRole(p.role)) {
    sql += " AND i.household_id IN (SELECT c.household_id FROM children c JOIN enrolments e ON "
           "e.child_id = c.id WHERE e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) "
           "AND e.facility_id IN ";
    params.emplace_back(d.today());
    params.emplace_back(d.today());
    sql += inList(p.facility_ids, params) + ")";
  }
  sql += " ORDER BY i.id DESC LIMIT 500";
  json rows = json::array();
  for (const auto& i : conn->query(sql, params)) {
    rows.push_back(
        {{"cells",
          {cell(i.getText("household"),
                "/web/admin/households/" + std::to_string(i.getInt("household_id"))),
           cell(i.isNull("family_name")
                    ? d.t(r, "admin.invitations.new_guardian")
                    : i.getText("family_name") + " " + i.getText("given_name")),
           cell(tokyoTime(i.getInt("issued_at"))), cell(tokyoTime(i.getInt("expires_at"))),
           cell(i.getOptText("issuer").value_or(""))}}});
  }
  std::string household = r.queryParam("household_id").value_or("");
  if (failed) household = failed->raw("household_id");
  FormView form = issueForm(d, r, *conn, household);
  if (failed) form.from(*failed);
  json sections = json::array();
  if (!issued_code.empty()) {
    sections.push_back(section(d.t(r, "admin.invitations.issued"),
                               {{"code", issued_code},
                                {"text", d.t(r, "admin.invitations.issued_note",
                                             {{"expires", expires}})}}));
  }
  sections.push_back(section(d.t(r, "admin.invitations.issue"), {{"form", form.toJson()}}));
  sections.push_back(section(
      d.t(r, "admin.invitations.outstanding"),
      {{"table", table({d.t(r, "admin.children.household"), d.t(r, "admin.invitations.guardian"),
                        d.t(r, "admin.invitations.issued_at"),
                        d.t(r, "admin.invitations.expires_at"),
                        d.t(r, "admin.invitations.issued_by")},
                       rows, d.t(r, "admin.empty"))}}));
  return renderPage(d, r, {{"intro", d.t(r, "admin.invitations.intro")}, {"sections", sections}},
                    "admin.invitations.title", failed ? 422 : (issued_code.empty() ? 200 : 201));
}

}  // namespace

void addInvitationAndAuditPages(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/invitations", perm::kInvite,
                [&d](Request& r) { return invitationsPage(d, r); }});

  ctx.addRoute({"POST", "/web/admin/invitations", perm::kInvite, [&d](Request& r) {
                  Form f(d, r);
                  auto household = f.integer("household_id", true, 1, INT64_MAX);
                  auto guardian = f.integer("guardian_id", false, 1, INT64_MAX);
                  if (!f.ok()) return invitationsPage(d, r, f);
                  auto identity = d.rt.services().find<identity::IdentityService>("identity");
                  if (!identity) throw Error(503, "admin.identity_missing", "identity is not loaded");
                  try {
                    identity::Invitation inv =
                        identity->issueInvitation(r.user(), *household, guardian.value_or(0),
                                                  r.request_id);
                    return invitationsPage(d, r, std::nullopt, inv.code,
                                           tokyoTime(inv.expires_at));
                  } catch (const Error& e) {
                    if (e.code() == "tenancy.household_not_found") {
                      f.fail("household_id", "unknown_household");
                    } else if (e.code() == "auth.guardian_invalid") {
                      f.fail("guardian_id", "guardian_invalid");
                    } else {
                      throw;
                    }
                    return invitationsPage(d, r, f);
                  }
                }});

  // The operator's view: which municipalities run on this system and how big they are. Counts
  // only, never a family's data.
  ctx.addRoute({"GET", "/web/admin/system", perm::kSystemView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  json rows = json::array();
                  for (const auto& m : conn->query(
                           "SELECT m.code, m.name, m.prefecture, (SELECT COUNT(*) FROM facilities f "
                           "WHERE f.municipality_id = m.id) AS facilities, (SELECT COUNT(*) FROM "
                           "children c WHERE c.municipality_id = m.id) AS children, (SELECT "
                           "COUNT(*) FROM users u WHERE u.municipality_id = m.id) AS users FROM "
                           "municipalities m ORDER BY m.code")) {
                    rows.push_back({{"cells",
                                     {cell(m.getText("code")), cell(m.getText("name")),
                                      cell(m.getText("prefecture")),
                                      cell(std::to_string(m.getInt("facilities"))),
                                      cell(std::to_string(m.getInt("children"))),
                                      cell(std::to_string(m.getInt("users")))}}});
                  }
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"table", table({d.t(r, "admin.system.code"),
                                                       d.t(r, "admin.system.name"),
                                                       d.t(r, "admin.system.prefecture"),
                                                       d.t(r, "admin.nav.facilities"),
                                                       d.t(r, "admin.nav.children"),
                                                       d.t(r, "admin.system.users")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.system.title");
                }});

  ctx.addRoute({"GET", "/web/admin/audit", perm::kAuditView, [&d](Request& r) {
                  const Principal& p = r.user();
                  std::string prefix = r.queryParam("action").value_or("");
                  auto conn = d.db.acquire();
                  auto entries = d.audit.list(*conn, p.municipality_id, prefix, 300);
                  std::map<int64_t, std::string> names;
                  json rows = json::array();
                  for (const auto& e : entries) {
                    if (e.actor_user_id && !names.count(e.actor_user_id)) {
                      auto u = conn->queryOne("SELECT display_name FROM users WHERE id = ? AND "
                                              "municipality_id = ?",
                                              {e.actor_user_id, p.municipality_id});
                      names[e.actor_user_id] = u ? u->getText("display_name") : "#" + std::to_string(e.actor_user_id);
                    }
                    std::string actor = e.actor_user_id ? names[e.actor_user_id]
                                                        : d.t(r, "admin.system_actor");
                    std::string details = e.details.is_object() && !e.details.empty()
                                              ? e.details.dump()
                                              : "";
                    rows.push_back({{"cells",
                                     {cell(e.at), cell(actor), cell(e.actor_role), cell(e.action),
                                      cell(e.target_type + " " + e.target_id), cell(details)}}});
                  }
                  FormView filters("audit-filters", "/web/admin/audit", d.t(r, "admin.form.show"));
                  filters.get().select(
                      "action", d.t(r, "admin.audit.action"),
                      {{"", d.t(r, "admin.all")},
                       {"child.read", d.t(r, "admin.audit.child_reads")},
                       {"children.exported", d.t(r, "admin.audit.exports")},
                       {"role.", d.t(r, "admin.audit.roles")},
                       {"staff.", d.t(r, "admin.audit.staff")},
                       {"import.", d.t(r, "admin.audit.imports")},
                       {"auth.", d.t(r, "admin.audit.auth")}},
                      prefix);
                  return renderPage(
                      d, r,
                      {{"intro", d.t(r, "admin.audit.intro")},
                       {"filters", filters.toJson()},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.audit.at"),
                                                       d.t(r, "admin.audit.actor"),
                                                       d.t(r, "admin.staff.role"),
                                                       d.t(r, "admin.audit.action"),
                                                       d.t(r, "admin.audit.target"),
                                                       d.t(r, "admin.audit.details")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.audit.title");
                }});
}

}  // namespace sukusuku::admin
