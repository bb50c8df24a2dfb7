// The eligibility plugin: child-benefit programmes as data, evaluated for a household.
//
// Configuration:
//   eligibility.programmes_dir = /etc/sukusuku/programmes
//       Folder of programme files (*.json). Empty: the programmes shipped with Sukusuku, in
//       <resources.dir>/eligibility/programmes. A city adds its own programme by copying the
//       shipped ones and its file into one folder: no rebuild. A broken file stops start-up
//       with the file and the JSON path of the error, rather than evaluating wrongly.
//
// Commands:
//   sukusuku eligibility evaluate HOUSEHOLD.json [--date YYYY-MM-DD]
#include <sstream>

#include <sukusuku/plugin.h>

#include "sukusuku/eligibility/engine.h"

namespace {

class EligibilityPlugin final : public sukusuku::Plugin {
 public:
  sukusuku::PluginManifest manifest() const override {
    return {"eligibility", "0.1.0", {}, "child-benefit eligibility checks (rules as data)"};
  }

  void init(sukusuku::PluginContext& ctx) override {
    ctx.declareConfig("programmes_dir", "",
                      "Folder of programme files; empty = the shipped programmes");
    rules_dir_ = ctx.config().getString("eligibility.programmes_dir");
    if (rules_dir_.empty()) rules_dir_ = ctx.resourceDir() + "/programmes";

    std::vector<sukusuku::eligibility::RuleError> errors;
    auto rules = sukusuku::eligibility::RuleSet::loadDirectory(rules_dir_, errors);
    if (!errors.empty()) {
      std::ostringstream msg;
      msg << errors.size() << " broken programme file(s) in " << rules_dir_ << ": "
          << errors.front().toString();
      throw std::runtime_error(msg.str());
    }
    ctx.logger().information("%z programme(s) loaded from %s", rules.programmes().size(),
                             rules_dir_);

    std::string dir = rules_dir_;
    ctx.addCommand({"evaluate", "evaluate every programme for a household (JSON)",
                    "HOUSEHOLD.json [--date YYYY-MM-DD]\n"
                    "  Prints {\"date\",\"results\":[...]} with one result per programme.",
                    [dir](const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
                      return sukusuku::eligibility::runEvaluateCli(args, out, err, dir);
                    }});
  }

 private:
  std::string rules_dir_;
};

}  // namespace

SUKUSUKU_PLUGIN(EligibilityPlugin)
