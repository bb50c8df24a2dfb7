#include <fstream>
#include <iostream>
#include <sstream>

#include "sukusuku/eligibility/engine.h"

namespace sukusuku::eligibility {

namespace {

constexpr const char* kUsage =
    "usage: evaluate HOUSEHOLD.json [--date YYYY-MM-DD]\n"
    "  Prints every programme's result for the household as JSON.\n"
    "  HOUSEHOLD.json may be '-' for standard input; the date defaults to today (Asia/Tokyo).\n";

int badInput(std::ostream& err, const std::string& message) {
  err << "error: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int runEvaluateCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::string& rules_dir) {
  size_t i = !args.empty() && args[0] == "evaluate" ? 1 : 0;
  std::string household_path;
  std::optional<Date> date;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (arg == "--date" || arg.starts_with("--date=")) {
      std::string value;
      if (arg == "--date") {
        if (i + 1 >= args.size()) return badInput(err, "--date needs a value YYYY-MM-DD");
        value = args[++i];
      } else {
        value = arg.substr(7);
      }
      date = parseDate(value);
      if (!date)
        return badInput(err,
                        std::string(kInvalidDate) + ": '" + value + "' is not a date YYYY-MM-DD");
    } else if (arg.starts_with("--")) {
      return badInput(err, "unknown option " + arg);
    } else if (household_path.empty()) {
      household_path = arg;
    } else {
      return badInput(err, "unexpected argument " + arg);
    }
  }
  if (household_path.empty()) return badInput(err, "HOUSEHOLD.json is required");

  std::string text;
  if (household_path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    text = buffer.str();
  } else {
    std::ifstream in(household_path, std::ios::binary);
    if (!in) return badInput(err, "cannot read " + household_path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }

  std::vector<RuleError> errors;
  const RuleSet rules = RuleSet::loadDirectory(rules_dir, errors);
  if (!errors.empty()) {
    err << "error: " << kInvalidRules << ": refusing to evaluate with broken programme files\n";
    for (const RuleError& e : errors) err << "  " << e.toString() << "\n";
    return 1;
  }

  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    const Household household = householdFromJson(json);
    const Date on = date.value_or(tokyoToday());
    out << rules.resultsToJson(on, rules.evaluate(household, on)).dump(2) << "\n";
    return 0;
  } catch (const nlohmann::json::parse_error& e) {
    err << "error: " << kInvalidHousehold << ": " << household_path << " is not valid JSON ("
        << e.what() << ")\n";
    return 2;
  } catch (const EligibilityError& e) {
    err << "error: " << e.code() << ": " << e.what() << "\n";
    return 2;
  }
}

}  // namespace sukusuku::eligibility
