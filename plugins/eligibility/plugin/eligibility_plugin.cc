// The eligibility plugin: child-benefit programmes as data, evaluated for the families the
// identity core knows, applied for in the app, reviewed by the city, and pushed to the
// families they newly fit.
//
// Configuration:
//   eligibility.programmes_dir = /etc/sukusuku/programmes
//       Folder of programme files (*.json). Empty: the programmes shipped with Sukusuku, in
//       <resources.dir>/eligibility/programmes. A city adds its own programme by copying the
//       shipped ones and its file into one folder: no rebuild. A broken file stops start-up
//       with the file and the JSON path of every error, rather than evaluating wrongly.
//   eligibility.daily_recheck = true
//       Re-evaluate every household once a day (children turning 3, 18, …) and push what is new.
//
// Events consumed (payload {"household_id": N, …}; Event::municipality_id names the tenant).
// Each re-evaluates that household and pushes programmes it is newly eligible for (notices.h):
//   household.changed         anything about a household changed (published by whoever edits
//                             households: the identity core's admin pages, imports)
//   child.born                a child was added at birth; also published here by the city's
//                             birth form (/web/eligibility/households/{id}) and
//                             POST /api/v1/eligibility/households/{id}/births
//   household.income_updated  a new income year (所得) or tax status was recorded; payload
//                             also carries "income_year"
// A new programme or amount is a deployment, not an event: run
// `sukusuku eligibility recheck [--municipality CODE]` after it.
//
// Events published: child.born (above).
//
// Push categories (push core): eligibility.newly_eligible, eligibility.application_status.
//
// Commands:
//   sukusuku eligibility evaluate HOUSEHOLD.json [--date YYYY-MM-DD]
//   sukusuku eligibility recheck [--municipality CODE] [--baseline]
#include <iostream>
#include <sstream>

#include <sukusuku/api.h>
#include <sukusuku/plugin.h>
#include <sukusuku/services/password_hasher.h>

#include "notices.h"
#include "routes.h"

namespace {

using sukusuku::eligibility_plugin::EligibilityContext;

int runRecheck(EligibilityContext& ctx, const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  std::string code;
  bool baseline = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--municipality" && i + 1 < args.size()) {
      code = args[++i];
    } else if (args[i].rfind("--municipality=", 0) == 0) {
      code = args[i].substr(15);
    } else if (args[i] == "--baseline") {
      baseline = true;
    } else {
      err << "error: unexpected argument " << args[i]
          << "\nusage: recheck [--municipality CODE] [--baseline]\n";
      return 2;
    }
  }
  sukusuku::eligibility_plugin::RecheckSummary s;
  if (code.empty()) {
    s = recheckAll(ctx, baseline ? "baseline" : "recheck", baseline);
  } else {
    auto row = ctx.db->acquire()->queryOne("SELECT id FROM municipalities WHERE code = ?", {code});
    if (!row) {
      err << "error: eligibility.unknown_municipality: no municipality with code " << code << "\n";
      return 2;
    }
    s = recheck(ctx, row->getInt("id"), {}, baseline ? "baseline" : "recheck", baseline);
  }
  out << "households evaluated: " << s.households << "\n"
      << "households skipped (impossible records): " << s.skipped << "\n"
      << (baseline ? "recorded as already known: " : "newly eligible: ") << s.newly_eligible
      << "\n"
      << "pushed: " << s.notified << (ctx.notifier ? "" : " (push core not present)") << "\n";
  return 0;
}

class EligibilityPlugin final : public sukusuku::Plugin {
 public:
  sukusuku::PluginManifest manifest() const override {
    return {"eligibility", "0.2.0", {}, "child-benefit eligibility, applications and shops"};
  }

  void init(sukusuku::PluginContext& plugin) override {
    using namespace sukusuku;
    plugin.declareConfig("programmes_dir", "",
                         "Folder of programme files; empty = the shipped programmes");
    plugin.declareConfig("daily_recheck", "true",
                         "Re-evaluate every household daily and push newly eligible programmes");
    rules_dir_ = plugin.config().getString("eligibility.programmes_dir");
    if (rules_dir_.empty()) rules_dir_ = plugin.resourceDir() + "/programmes";

    std::vector<eligibility::RuleError> errors;
    ctx_->rules = eligibility::RuleSet::loadDirectory(rules_dir_, errors);
    if (!errors.empty()) {
      std::ostringstream msg;
      msg << errors.size() << " broken programme file(s) in " << rules_dir_ << ":";
      for (const auto& e : errors) msg << "\n  " << e.toString();
      throw std::runtime_error(msg.str());
    }
    plugin.logger().information("%z programme(s) loaded from %s",
                                ctx_->rules.programmes().size(), rules_dir_);
    ctx_->db = &plugin.database();
    ctx_->clock = &plugin.clock();
    ctx_->audit = &plugin.audit();
    ctx_->events = &plugin.events();
    ctx_->web = &plugin.web();
    ctx_->log = &plugin.logger();

    plugin.addPermission("eligibility.view_own", "see what my household may receive",
                         {roles::kGuardian});
    plugin.addPermission("eligibility.apply", "apply for a programme and follow the applications",
                         {roles::kGuardian});
    plugin.addPermission("eligibility.review", "review benefit applications of the municipality",
                         {roles::kCityChildcare, roles::kMunicipalityAdmin});
    plugin.addPermission("eligibility.households.record",
                         "record births in the municipality's households",
                         {roles::kCityChildcare, roles::kMunicipalityAdmin});
    plugin.addPermission("eligibility.shops.search", "find supporting shops (子育て応援団)",
                         {roles::kGuardian, roles::kFacilityStaff, roles::kFacilityAdmin,
                          roles::kCityChildcare, roles::kCityFinance, roles::kMunicipalityAdmin});
    plugin.addPermission("eligibility.shops.manage", "add supporting shops",
                         {roles::kCityChildcare, roles::kMunicipalityAdmin});

    sukusuku::eligibility_plugin::addApiRoutes(plugin, ctx_);
    sukusuku::eligibility_plugin::addWebRoutes(plugin, ctx_);
    plugin.addNavItem({"eligibility.nav.queue", "/web/eligibility/applications",
                       "eligibility.review", 40});
    plugin.addNavItem({"eligibility.nav.shops", "/web/eligibility/shops",
                       "eligibility.shops.manage", 45});

    auto ctx = ctx_;
    for (const char* type : {"household.changed", "child.born", "household.income_updated"}) {
      std::string trigger = type;
      plugin.subscribe(type, [ctx, trigger](const Event& e) {
        int64_t household = e.payload.value("household_id", int64_t{0});
        if (household <= 0 || e.municipality_id <= 0) return;
        sukusuku::eligibility_plugin::recheck(*ctx, e.municipality_id, {household}, trigger);
      });
    }
    if (plugin.config().getString("eligibility.daily_recheck") != "false") {
      plugin.addJob({"eligibility.daily_recheck", std::chrono::hours(24), std::chrono::hours(2),
                     [ctx](TimePoint) { sukusuku::eligibility_plugin::recheckAll(*ctx, "daily"); }});
    }

    std::string dir = rules_dir_;
    plugin.addCommand({"evaluate", "evaluate every programme for a household (JSON)",
                       "HOUSEHOLD.json [--date YYYY-MM-DD]\n"
                       "  Prints {\"date\",\"results\":[...]} with one result per programme.",
                       [dir](const std::vector<std::string>& args, std::ostream& out,
                             std::ostream& err) {
                         return eligibility::runEvaluateCli(args, out, err, dir);
                       }});
    plugin.addCommand({"recheck", "re-evaluate households and push newly eligible programmes",
                       "[--municipality CODE] [--baseline]\n"
                       "  After a new programme or amount: every household (of one municipality)\n"
                       "  is evaluated today; families newly eligible are told once.\n"
                       "  --baseline records what households already get, telling no one.",
                       [ctx](const std::vector<std::string>& args, std::ostream& out,
                             std::ostream& err) { return runRecheck(*ctx, args, out, err); }});

    services_ = &plugin.services();
    plugin.addDemoSeeder([ctx, this](db::Database&) {
      auto hasher = services_->find<services::PasswordHasher>("identity.password_hasher");
      std::function<std::string(const std::string&)> hash;
      if (hasher) hash = [hasher](const std::string& p) { return hasher->hash(p); };
      sukusuku::eligibility_plugin::seedDemo(*ctx, hash);
    });
  }

  void start(sukusuku::PluginContext& plugin) override {
    using namespace sukusuku;
    ctx_->notifier = plugin.services().find<push::Notifier>("push.notifier");
    if (!ctx_->notifier) {
      plugin.logger().information("push core absent: newly eligible families are recorded, "
                                  "not notified");
    }
    if (auto feed = plugin.services().find<api::HomeFeed>("api.home_feed")) {
      auto ctx = ctx_;
      feed->add("eligibility", [ctx](const Principal& p, db::Connection& conn) {
        return sukusuku::eligibility_plugin::homeCards(*ctx, p, conn);
      });
    }
  }

 private:
  std::shared_ptr<EligibilityContext> ctx_ = std::make_shared<EligibilityContext>();
  std::string rules_dir_;
  sukusuku::ServiceRegistry* services_ = nullptr;
};

}  // namespace

SUKUSUKU_PLUGIN(EligibilityPlugin)
