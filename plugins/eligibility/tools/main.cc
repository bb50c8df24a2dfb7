// sukusuku-eligibility: the engine's CLI on its own, for tests and benchmarks; the platform's
// `sukusuku eligibility evaluate` calls the same runEvaluateCli().
//   sukusuku-eligibility [--rules DIR] evaluate HOUSEHOLD.json [--date YYYY-MM-DD]
// DIR defaults to the programmes shipped in the source tree (SUKUSUKU_ELIGIBILITY_RULES_DIR).
#include <iostream>
#include <string>
#include <vector>

#include "sukusuku/eligibility/engine.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string rules_dir = SUKUSUKU_ELIGIBILITY_RULES_DIR;
  if (args.size() >= 2 && args[0] == "--rules") {
    rules_dir = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  return sukusuku::eligibility::runEvaluateCli(args, std::cout, std::cerr, rules_dir);
}
