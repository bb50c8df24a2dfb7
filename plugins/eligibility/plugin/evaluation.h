// Evaluating a household for people: the engine's results in one language.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "context.h"

namespace sukusuku::eligibility_plugin {

// The engine's result JSON (RuleSet::resultsToJson) with every text in LANGUAGE: "name" and
// "benefit.text" become strings, each reason {"condition","outcome","text"}.
nlohmann::json localize(const nlohmann::ordered_json& results, const std::string& language);

// Parses HOUSEHOLD_JSON, evaluates it on DATE ('YYYY-MM-DD') and localizes. Throws
// eligibility::EligibilityError for an impossible household.
nlohmann::json evaluateJson(const EligibilityContext& ctx, const nlohmann::json& household_json,
                            const std::string& date, const std::string& language);

}  // namespace sukusuku::eligibility_plugin
