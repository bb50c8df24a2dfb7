// The admin module: web pages for the tenancy model (facilities, classes, children, households,
// staff, invitations), the audit log page, CSV bulk import (page and `sukusuku admin import`),
// and the web shell's flash messages.
//
// Who sees what (permissions below; scope through sukusuku/tenancy.h, out of scope is 404):
//   facility staff / admin  their own facilities, the children enrolled there and their households
//   city roles              everything of their own municipality
//   guardians, operators    none of these pages (403)
#include "core_parts.h"
#include "support.h"
#include "sukusuku/permissions.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

namespace {

// One-shot messages live in the database, keyed by the web session, so that they survive the
// redirect whichever node serves the next page.
constexpr const char* kFlashTable = R"sql(
CREATE TABLE web_flash (
  id {{pk}},
  session_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  message {{text}} NOT NULL,
  created_at {{bigint}} NOT NULL
) {{table_opts}};
CREATE INDEX web_flash_session ON web_flash (session_id, id);
)sql";

void installFlash(PluginContext& ctx) {
  auto& db = ctx.database();
  const Clock& clock = ctx.clock();
  Web& web = ctx.web();
  web.flash_store = [&db, &clock](const Request& r, const nlohmann::json& flash) {
    int64_t session = std::stoll(r.principal->session_id);
    db.transaction([&](db::Tx& tx) {
      tx.execute("DELETE FROM web_flash WHERE session_id = ?", {session});
      tx.execute(
          "INSERT INTO web_flash (session_id, kind, message, created_at) VALUES (?, ?, ?, ?)",
          {session, flash.value("kind", "info"), flash.value("message", ""), clock.nowSeconds()});
    });
  };
  web.flash_take = [&db](const Request& r) -> nlohmann::json {
    int64_t session = std::stoll(r.principal->session_id);
    auto conn = db.acquire();
    auto row = conn->queryOne(
        "SELECT id, kind, message FROM web_flash WHERE session_id = ? ORDER BY id DESC LIMIT 1",
        {session});
    if (!row) return nullptr;
    conn->execute("DELETE FROM web_flash WHERE session_id = ?", {session});
    return {{"kind", row->getText("kind")}, {"message", row->getText("message")}};
  };
  // Messages nobody came back for are dropped after a day.
  ctx.addJob({"admin.flash_cleanup", std::chrono::seconds(3600), std::chrono::seconds(600),
              [&db](TimePoint period) {
                int64_t cutoff =
                    std::chrono::duration_cast<std::chrono::seconds>(period.time_since_epoch())
                        .count() -
                    86400;
                db.transaction([&](db::Tx& tx) {
                  tx.execute("DELETE FROM web_flash WHERE created_at < ?", {cutoff});
                });
              }});
}

void declarePermissions(PluginContext& ctx) {
  using namespace roles;
  ctx.addPermission(admin::perm::kView,
                    "See facilities, classes, children and households in one's scope",
                    {kFacilityStaff, kFacilityAdmin, kCityChildcare, kCityFinance,
                     kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kFacilitiesEdit, "Create and change the city's facilities",
                    {kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kClassesEdit, "Create and change classes of a facility",
                    {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kChildrenEdit,
                    "Register children and record admissions, transfers and graduations",
                    {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kHouseholdsEdit,
                    "Change households, guardians, pick-up persons and consents",
                    {kFacilityStaff, kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kStaffView, "See staff, their assignments and contracts",
                    {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kStaffEdit,
                    "Register staff and change assignments, qualifications and contracts",
                    {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kRolesManage, "Grant and revoke sign-in roles",
                    {kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kExport, "Export lists of children as CSV",
                    {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kAuditView, "Read the municipality's audit log",
                    {kMunicipalityAdmin});
  ctx.addPermission(admin::perm::kSystemView,
                    "See the municipalities on this system and their sizes (no family data)",
                    {kSystemOperator});
  ctx.addPermission(admin::perm::kImport, "Import children, guardians and staff from CSV",
                    {kCityChildcare, kMunicipalityAdmin});
}

void addNavigation(PluginContext& ctx) {
  ctx.addNavItem({"admin.nav.facilities", "/web/admin/facilities", admin::perm::kView, 200});
  ctx.addNavItem({"admin.nav.classes", "/web/admin/classes", admin::perm::kView, 210});
  ctx.addNavItem({"admin.nav.children", "/web/admin/children", admin::perm::kView, 220});
  ctx.addNavItem({"admin.nav.households", "/web/admin/households", admin::perm::kView, 230});
  ctx.addNavItem({"admin.nav.staff", "/web/admin/staff", admin::perm::kStaffView, 240});
  ctx.addNavItem({"admin.nav.invitations", "/web/admin/invitations", admin::perm::kInvite, 250});
  ctx.addNavItem({"admin.nav.import", "/web/admin/import", admin::perm::kImport, 260});
  ctx.addNavItem({"admin.nav.audit", "/web/admin/audit", admin::perm::kAuditView, 270});
  ctx.addNavItem({"admin.nav.system", "/web/admin/system", admin::perm::kSystemView, 280});
}

}  // namespace

void addAdminModule(Runtime& runtime) {
  runtime.addCoreModule("admin", [](PluginContext& ctx, Runtime& rt) {
    ctx.addMigration(1, "web flash messages", kFlashTable);
    installFlash(ctx);
    declarePermissions(ctx);
    addNavigation(ctx);
    // Kept by the service registry for the runtime's life: the handlers hold references to it.
    auto deps = std::make_shared<admin::Deps>(
        admin::Deps{rt, ctx.database(), ctx.web(), ctx.audit(), ctx.clock()});
    rt.services().provide<admin::Deps>("admin.pages", deps);
    admin::addFacilityPages(ctx, *deps);
    admin::addChildPages(ctx, *deps);
    admin::addHouseholdPages(ctx, *deps);
    admin::addStaffPages(ctx, *deps);
    admin::addInvitationAndAuditPages(ctx, *deps);
    admin::addImport(ctx, *deps);
  });
}

}  // namespace sukusuku
