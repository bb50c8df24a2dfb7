// The household an eligibility question is asked about.
//
// Every field is optional on purpose: a field the caller did not give is *unknown*, and the
// evaluator answers "needs_information" naming it — but only when that field actually decides the
// outcome — instead of guessing a default. Only `children` is required (an empty list is a valid
// answer; a missing list is not).
//
// JSON shape (extra fields are ignored, null means unknown):
//   {"municipality": "東京都世田谷区", "single_parent": false, "resident_tax_exempt": false,
//    "income_yen": 3200000,              // 所得 (income after deductions), not gross pay
//    "dependants": 2,                    // 扶養親族等の数 of the recipient
//    "child_support_received_yen": 0,    // 養育費 received per year
//    "guardians_supporting_over_18": true,  // 監護相当・生計費の負担 for children aged 19–22
//    "children": [{"birth_date": "2018-05-01", "disability_grade": 0, "in_licensed_care": false}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/eligibility/date.h"

namespace sukusuku::eligibility {

struct Child {
  std::optional<Date> birth_date;
  std::optional<int> disability_grade;  // 0 none, 1 or 2 (特別児童扶養手当 grades)
  std::optional<bool> in_licensed_care;  // attends licensed ECEC (認可保育所・認定こども園等)
};

struct Household {
  std::optional<std::string> municipality;
  std::optional<bool> single_parent;                  // ひとり親
  std::optional<bool> resident_tax_exempt;            // 住民税非課税世帯
  std::optional<int64_t> income_yen;                  // 所得
  std::optional<int> dependants;                      // 扶養親族等の数
  std::optional<int64_t> child_support_received_yen;  // 養育費 (yearly)
  std::optional<bool> guardians_supporting_over_18;
  std::vector<Child> children;
};

// The most children a household may list; bounds the work one evaluation can cause.
inline constexpr int kMaxChildren = 20;

// Reads and validates a household. Throws EligibilityError(kInvalidHousehold) with
// details.field = the offending path on: wrong types, a missing children list, negative income,
// support or dependants, a disability grade other than 0/1/2, an invalid date, too many children.
Household householdFromJson(const nlohmann::json& json);

// Checks what depends on the evaluation date: no child may be born after `date`.
// Throws EligibilityError(kInvalidHousehold) naming the child's birth_date.
void validateHouseholdOn(const Household& household, Date date);

// The path used in needs_information and error details: "income_yen", "children[1].birth_date".
std::string childFieldPath(int child_index, const char* field);

}  // namespace sukusuku::eligibility
