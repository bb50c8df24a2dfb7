// Eligibility engine: child-benefit rules as data, evaluated for a household on a date.
//
// A *programme* (児童手当, 児童扶養手当, a city's own subsidy, …) is one JSON file: dated
// parameters with their legal sources, definitions over the household and each child, the
// conditions a household must meet — each with a plain-language reason in Japanese and English —
// and, for cash benefits, the monthly amount. The file format and the expression language are
// described in plugins/eligibility/README.md (in detail: engine/src/programme_loader.h and
// expression.h). A city adds a programme by dropping a file into the rules directory, without
// recompiling anything.
//
// Files are validated and compiled when loaded. A broken file is refused as a whole — its
// errors name the file and the JSON pointer of the offending value — so that a programme is never
// evaluated from half-understood rules. Evaluation never reads JSON: it walks the compiled form.
//
// Results. For every programme exactly one of:
//   eligible           all conditions met; monthly_amount_yen is the cash amount per month (may be
//                      0 only for benefits that are not cash: benefit_kind says which)
//   not_eligible       at least one condition is not met; monthly_amount_yen is 0, and the
//                      reasons say which condition failed. Never to be read as "eligible for 0
//                      yen".
//   needs_information  no condition failed, but a field the caller left out decides the outcome
//                      or the amount; missing_fields names exactly those fields.
//   not_in_force       the evaluation date precedes the earliest rules encoded for the programme;
//                      the engine does not guess at older law.
// benefit_kind is "monthly_allowance" (cash, monthly_amount_yen is meaningful), "fee_waiver" or
// "medical_subsidy" (in kind: monthly_amount_yen is always 0; the benefit text and the reported
// facts say what is granted).
//
// Thread-safety: a RuleSet is immutable after loading; evaluate() may be called concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/eligibility/date.h"
#include "sukusuku/eligibility/error.h"
#include "sukusuku/eligibility/household.h"

namespace sukusuku::eligibility {

struct LocalizedText {
  std::string ja;
  std::string en;
};

struct ConditionInfo {
  std::string id;
  LocalizedText met;      // why the condition holds, for the person reading the result
  LocalizedText not_met;  // why it does not: the reason a household is not eligible
};

struct ProgrammeInfo {
  std::string id;     // "jidou_teate"; unique in a rule set
  std::string file;   // where it was loaded from
  std::string scope;  // "national" or "municipal"
  LocalizedText name;
  std::string benefit_kind;  // "monthly_allowance", "fee_waiver" or "medical_subsidy"
  LocalizedText benefit;
  Date in_force_from;
  std::vector<ConditionInfo> conditions;
  std::vector<std::string> reported_facts;  // household definitions shown with each result
};

enum class Status : uint8_t { kEligible, kNotEligible, kNeedsInformation, kNotInForce };
// "eligible", "not_eligible", "needs_information", "not_in_force".
const char* statusName(Status status);

enum class Outcome : uint8_t { kMet, kNotMet, kUnknown, kNotEvaluated };
const char* outcomeName(Outcome outcome);

struct FactValue {
  double value = 0;  // dates as day numbers, bools as 0/1
  bool known = false;
};

struct ProgrammeResult {
  size_t programme = 0;  // index into RuleSet::programmes()
  Status status = Status::kNotEligible;
  int64_t monthly_amount_yen = 0;
  std::vector<Outcome> conditions;          // one per ConditionInfo, same order
  std::vector<std::string> missing_fields;  // sorted, unique; only for kNeedsInformation
  std::vector<FactValue> facts;             // one per reported fact, same order
};

class RuleSet {
 public:
  // Loads every *.json file in `directory`, in file-name order. Files with errors are left out
  // and described in `errors`; so are duplicate programme ids (the later file is refused).
  static RuleSet loadDirectory(const std::filesystem::path& directory,
                               std::vector<RuleError>& errors);
  // Same, from (file name, JSON text) pairs; for tests and for rules kept elsewhere.
  static RuleSet fromTexts(const std::vector<std::pair<std::string, std::string>>& files,
                           std::vector<RuleError>& errors);

  RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;
  ~RuleSet();

  const std::vector<ProgrammeInfo>& programmes() const;

  // Every programme's result for `household` on `date`, in programmes() order.
  // Throws EligibilityError(kInvalidHousehold) if a child is born after `date`.
  std::vector<ProgrammeResult> evaluate(const Household& household, Date date) const;
  // The same, reusing `results`' storage; what a hot loop should call.
  void evaluateInto(const Household& household, Date date,
                    std::vector<ProgrammeResult>& results) const;

  // {"date":"YYYY-MM-DD","results":[{"programme","name","status","monthly_amount_yen","benefit",
  //   "reasons":[{"condition","outcome","ja","en"}],"missing_fields","facts",
  //   "parameters":[{"name","value","unit","effective_from","source"}]}]}
  nlohmann::ordered_json resultsToJson(Date date,
                                       const std::vector<ProgrammeResult>& results) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `[evaluate] HOUSEHOLD.json [--date YYYY-MM-DD]` (HOUSEHOLD.json may be "-" for stdin): loads
// the programmes in `rules_dir`, prints the results as JSON on `out`. The date defaults to today
// in Asia/Tokyo. Returns 0 on success, 2 for bad input (arguments, household, date) with a
// message on `err`, 1 when the rules directory holds a broken programme.
int runEvaluateCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::string& rules_dir);

}  // namespace sukusuku::eligibility
