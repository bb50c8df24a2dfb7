// The shift plugin's routes: web pages for the head (generate, edit and pin by tap, re-solve,
// ratio chart, rule report, publish, print, CSV/XLSX, planned vs actual hours from staff
// clock-in, per-facility rule settings) and staff (requested days off before the deadline, the
// published rota), and the matching JSON API under /api/v1/shifts (openapi.json beside).
#pragma once

#include <memory>

#include "planner.h"
#include "sukusuku/plugin.h"
#include "sukusuku/push/notifier.h"
#include "sukusuku/services/planned_attendance.h"

namespace sukusuku::shifts::plugin {

struct RouteDeps {
  db::Database& db;
  Web& web;
  AuditLog& audit;
  const Clock& clock;
  Planner& planner;
  // Set in start(); null while the push core is absent (then publishing skips the push).
  std::shared_ptr<push::Notifier> notifier;
  // Set in start(); null without the messaging plugin (then the hours page shows no actuals).
  std::shared_ptr<services::StaffAttendance> attendance;
};

void addRoutes(PluginContext& ctx, std::shared_ptr<RouteDeps> deps);
// The settings pages (patterns, ratio settings, expected children) and their API: settings_routes.cc.
void addSettingsRoutes(PluginContext& ctx, std::shared_ptr<RouteDeps> deps);
// The facility a page is about: ?facility= (404 outside the principal's scope), else the first
// nursery the principal may see.
int64_t pageFacility(db::Connection& conn, const Request& r, const Clock& clock);

}  // namespace sukusuku::shifts::plugin
