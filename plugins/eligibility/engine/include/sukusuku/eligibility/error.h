// Errors the eligibility engine reports to its callers.
//
// EligibilityError mirrors sukusuku::Error (a stable code, a message for people, JSON details) so
// the plugin can map it one-to-one onto the API envelope without this library depending on the
// core. Codes are part of the API: never reuse or rename them.
//   eligibility.invalid_household  a household field is malformed or impossible;
//                                  details.field is its path ("children[1].birth_date")
//   eligibility.invalid_date       the evaluation date is not YYYY-MM-DD
//   eligibility.invalid_rules      a programme file is broken; details.errors lists file + path
//
// RuleError is one problem found while loading a programme file: the file, the JSON pointer of
// the offending value inside it ("/conditions/2/require") and what is wrong.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace sukusuku::eligibility {

inline constexpr const char* kInvalidHousehold = "eligibility.invalid_household";
inline constexpr const char* kInvalidDate = "eligibility.invalid_date";
inline constexpr const char* kInvalidRules = "eligibility.invalid_rules";

class EligibilityError : public std::runtime_error {
 public:
  EligibilityError(std::string code, const std::string& message,
                   nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(message), code_(std::move(code)), details_(std::move(details)) {}

  const std::string& code() const { return code_; }
  const nlohmann::json& details() const { return details_; }

  // {"error":{"code","message","details"}}, the envelope the API uses.
  nlohmann::json toJson() const {
    return {{"error", {{"code", code_}, {"message", what()}, {"details", details_}}}};
  }

 private:
  std::string code_;
  nlohmann::json details_;
};

struct RuleError {
  std::string file;     // as given to the loader
  std::string path;     // JSON pointer inside the file; "" for the whole file
  std::string message;  // what is wrong, for the person who maintains the rules

  // "jidou_teate.json: /conditions/2/require: unknown name 'househld'"
  std::string toString() const {
    return file + ": " + (path.empty() ? std::string("/") : path) + ": " + message;
  }
};

}  // namespace sukusuku::eligibility
