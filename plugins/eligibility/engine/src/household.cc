#include "sukusuku/eligibility/household.h"

#include "sukusuku/eligibility/error.h"

namespace sukusuku::eligibility {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw EligibilityError(kInvalidHousehold, field + ": " + message, {{"field", field}});
}

// The value at `key`, or nullptr when absent or null (unknown).
const nlohmann::json* find(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<bool> readBool(const nlohmann::json& object, const char* key,
                             const std::string& path) {
  const nlohmann::json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) fail(path, "must be true or false");
  return value->get<bool>();
}

std::optional<int64_t> readCount(const nlohmann::json& object, const char* key,
                                 const std::string& path, int64_t max) {
  const nlohmann::json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) fail(path, "must be a whole number");
  if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max)) {
    fail(path, "is implausibly large");
  }
  const int64_t n = value->get<int64_t>();
  if (n < 0) fail(path, "must not be negative");
  if (n > max) fail(path, "is implausibly large");
  return n;
}

Child readChild(const nlohmann::json& json, int index) {
  const std::string prefix = "children[" + std::to_string(index) + "]";
  if (!json.is_object()) fail(prefix, "must be an object");
  Child child;
  if (const nlohmann::json* birth = find(json, "birth_date")) {
    const std::string path = prefix + ".birth_date";
    if (!birth->is_string()) fail(path, "must be a date YYYY-MM-DD");
    child.birth_date = parseDate(birth->get<std::string>());
    if (!child.birth_date) fail(path, "must be a date YYYY-MM-DD");
  }
  if (auto grade = readCount(json, "disability_grade", prefix + ".disability_grade", 1000)) {
    if (*grade > 2) fail(prefix + ".disability_grade", "must be 0 (none), 1 or 2");
    child.disability_grade = static_cast<int>(*grade);
  }
  child.in_licensed_care = readBool(json, "in_licensed_care", prefix + ".in_licensed_care");
  return child;
}

}  // namespace

std::string childFieldPath(int child_index, const char* field) {
  return "children[" + std::to_string(child_index) + "]." + field;
}

Household householdFromJson(const nlohmann::json& json) {
  if (!json.is_object()) fail("$", "the household must be a JSON object");
  // Ten trillion yen: beyond any household, small enough to stay exact in a double.
  constexpr int64_t kMaxYen = 10'000'000'000'000;
  Household household;
  if (const nlohmann::json* municipality = find(json, "municipality")) {
    if (!municipality->is_string()) fail("municipality", "must be a string");
    household.municipality = municipality->get<std::string>();
  }
  household.single_parent = readBool(json, "single_parent", "single_parent");
  household.resident_tax_exempt = readBool(json, "resident_tax_exempt", "resident_tax_exempt");
  household.income_yen = readCount(json, "income_yen", "income_yen", kMaxYen);
  if (auto dependants = readCount(json, "dependants", "dependants", 100)) {
    household.dependants = static_cast<int>(*dependants);
  }
  household.child_support_received_yen =
      readCount(json, "child_support_received_yen", "child_support_received_yen", kMaxYen);
  household.guardians_supporting_over_18 =
      readBool(json, "guardians_supporting_over_18", "guardians_supporting_over_18");

  const nlohmann::json* children = find(json, "children");
  if (children == nullptr)
    fail("children", "is required (use [] for a household without children)");
  if (!children->is_array()) fail("children", "must be a list");
  if (children->size() > static_cast<size_t>(kMaxChildren)) {
    fail("children", "lists more than " + std::to_string(kMaxChildren) + " children");
  }
  household.children.reserve(children->size());
  for (size_t i = 0; i < children->size(); ++i) {
    household.children.push_back(readChild((*children)[i], static_cast<int>(i)));
  }
  return household;
}

void validateHouseholdOn(const Household& household, Date date) {
  for (size_t i = 0; i < household.children.size(); ++i) {
    const auto& birth = household.children[i].birth_date;
    if (birth && *birth > date) {
      fail(childFieldPath(static_cast<int>(i), "birth_date"),
           "is after the evaluation date " + formatDate(date));
    }
  }
}

}  // namespace sukusuku::eligibility
