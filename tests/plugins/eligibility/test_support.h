// Shared helpers for the eligibility engine tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "sukusuku/eligibility/engine.h"

namespace sukusuku::eligibility::testing {

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The programmes shipped in plugins/eligibility/programmes; fails the test if any is broken.
inline const RuleSet& shippedRules() {
  static const RuleSet rules = [] {
    std::vector<RuleError> errors;
    RuleSet loaded = RuleSet::loadDirectory(ELIGIBILITY_PROGRAMMES_DIR, errors);
    for (const RuleError& e : errors) ADD_FAILURE() << e.toString();
    return loaded;
  }();
  return rules;
}

inline Date date(const char* text) { return *parseDate(text); }

inline const ProgrammeResult& resultFor(const RuleSet& rules,
                                        const std::vector<ProgrammeResult>& results,
                                        const std::string& id) {
  for (const ProgrammeResult& r : results) {
    if (rules.programmes()[r.programme].id == id) return r;
  }
  throw std::runtime_error("no result for programme " + id);
}

}  // namespace sukusuku::eligibility::testing
