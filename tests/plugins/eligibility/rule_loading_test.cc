// Malformed programme files are refused as a whole, with the file and the JSON pointer of the
// problem in the message.
#include <functional>

#include "test_support.h"

namespace sukusuku::eligibility {
namespace {

using nlohmann::json;

json minimalProgramme() {
  return json::parse(R"json({
    "format": "sukusuku.eligibility.programme/1",
    "id": "city_bonus",
    "scope": "municipal",
    "name": {"ja": "市の子育て応援金", "en": "City child bonus"},
    "benefit": {"kind": "monthly_allowance", "ja": "月額", "en": "Monthly"},
    "in_force_from": "2025-04-01",
    "sources": {"ordinance": {"title": "市子育て応援金条例"}},
    "parameters": {
      "amount": {"type": "number", "unit": "yen/month",
                 "versions": [{"from": "2025-04-01", "value": 5000, "source": "ordinance"}]},
      "cities": {"type": "string_list",
                 "versions": [{"from": "2025-04-01", "value": ["A市", "B町"], "source": "ordinance"}]}
    },
    "child_definitions": [{"name": "young", "expr": "age(child.birth_date, date) < 6"}],
    "household_definitions": [{"name": "young_children", "expr": "count(c in children: c.young)",
                               "report": true}],
    "conditions": [
      {"id": "resident", "require": "household.municipality in params.cities",
       "met": {"ja": "市内在住", "en": "Resident"}, "not_met": {"ja": "市外", "en": "Not resident"}},
      {"id": "has_young_child", "require": "young_children > 0",
       "met": {"ja": "6歳未満の子がいます", "en": "Has a child under 6"},
       "not_met": {"ja": "6歳未満の子がいません", "en": "No child under 6"}}],
    "monthly_amount_yen": "young_children * params.amount"
  })json");
}

struct Broken {
  const char* what;
  std::function<void(json&)> mutate;
  const char* path;     // expected JSON pointer
  const char* message;  // expected fragment of the message
};

void PrintTo(const Broken& broken, std::ostream* os) { *os << broken.what; }

class BrokenRuleTest : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenRuleTest, IsRefusedWithFileAndPath) {
  json programme = minimalProgramme();
  GetParam().mutate(programme);
  std::vector<RuleError> errors;
  const RuleSet rules = RuleSet::fromTexts({{"city_bonus.json", programme.dump()}}, errors);
  EXPECT_TRUE(rules.programmes().empty()) << "a broken programme must not be loaded";
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "city_bonus.json");
  EXPECT_EQ(errors[0].path, GetParam().path) << errors[0].toString();
  EXPECT_NE(errors[0].message.find(GetParam().message), std::string::npos) << errors[0].toString();
  EXPECT_NE(errors[0].toString().find(std::string("city_bonus.json: ") + GetParam().path),
            std::string::npos);
}

const Broken kBroken[] = {
    {"misspelt key", [](json& p) { p["conditons"] = p["conditions"]; }, "/conditons",
     "unknown key"},
    {"no conditions", [](json& p) { p["conditions"] = json::array(); }, "/conditions", "non-empty"},
    {"missing reason", [](json& p) { p["conditions"][1].erase("not_met"); },
     "/conditions/1/not_met", "is required"},
    {"reason without English", [](json& p) { p["conditions"][0]["met"].erase("en"); },
     "/conditions/0/met/en", "is required"},
    {"unknown household field",
     [](json& p) { p["conditions"][0]["require"] = "household.municipalty in params.cities"; },
     "/conditions/0/require", "unknown household field 'municipalty'"},
    {"type error", [](json& p) { p["conditions"][1]["require"] = "young_children + 1"; },
     "/conditions/1/require", "must be a bool"},
    {"comparing a date with a number",
     [](json& p) { p["child_definitions"][0]["expr"] = "child.birth_date < 6"; },
     "/child_definitions/0/expr", "cannot compare date with number"},
    {"syntax error", [](json& p) { p["monthly_amount_yen"] = "young_children * (params.amount"; },
     "/monthly_amount_yen", "expected ')'"},
    {"unknown parameter", [](json& p) { p["monthly_amount_yen"] = "params.amout"; },
     "/monthly_amount_yen", "unknown parameter 'amout'"},
    {"forward reference", [](json& p) { p["child_definitions"][0]["expr"] = "child.later"; },
     "/child_definitions/0/expr", "unknown child field or definition 'later'"},
    {"undeclared source",
     [](json& p) { p["parameters"]["amount"]["versions"][0]["source"] = "nowhere"; },
     "/parameters/amount/versions/0/source", "undeclared source"},
    {"versions out of order",
     [](json& p) {
       p["parameters"]["amount"]["versions"].push_back(
           {{"from", "2025-01-01"}, {"value", 1}, {"source", "ordinance"}});
     },
     "/parameters/amount/versions/1/from", "ascending"},
    {"parameter not in force",
     [](json& p) { p["parameters"]["amount"]["versions"][0]["from"] = "2026-04-01"; },
     "/parameters/amount/versions/0/from", "starts after in_force_from"},
    {"wrong value type",
     [](json& p) { p["parameters"]["amount"]["versions"][0]["value"] = "5000"; },
     "/parameters/amount/versions/0/value", "must be a number"},
    {"bad date", [](json& p) { p["in_force_from"] = "2025-02-30"; }, "/in_force_from",
     "YYYY-MM-DD"},
    {"cash benefit without amount", [](json& p) { p.erase("monthly_amount_yen"); },
     "/monthly_amount_yen", "required"},
    {"reserved name", [](json& p) { p["household_definitions"][0]["name"] = "date"; },
     "/household_definitions/0/name", "reserved"},
    {"duplicate condition id", [](json& p) { p["conditions"][1]["id"] = "resident"; },
     "/conditions/1/id", "used twice"},
    {"unknown format", [](json& p) { p["format"] = "openfisca"; }, "/format", "must be"},
};

INSTANTIATE_TEST_SUITE_P(Malformed, BrokenRuleTest, ::testing::ValuesIn(kBroken),
                         [](const ::testing::TestParamInfo<Broken>& info) {
                           std::string name = info.param.what;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(RuleLoadingTest, MinimalProgrammeLoads) {
  std::vector<RuleError> errors;
  const RuleSet rules =
      RuleSet::fromTexts({{"city_bonus.json", minimalProgramme().dump()}}, errors);
  EXPECT_TRUE(errors.empty()) << errors[0].toString();
  ASSERT_EQ(rules.programmes().size(), 1u);
}

TEST(RuleLoadingTest, InvalidJsonNamesTheFile) {
  std::vector<RuleError> errors;
  const RuleSet rules = RuleSet::fromTexts({{"broken.json", "{\"id\": "}}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "broken.json");
  EXPECT_NE(errors[0].message.find("not valid JSON"), std::string::npos);
}

TEST(RuleLoadingTest, DuplicateIdRefusesTheSecondFileOnly) {
  std::vector<RuleError> errors;
  const std::string text = minimalProgramme().dump();
  const RuleSet rules = RuleSet::fromTexts({{"a.json", text}, {"b.json", text}}, errors);
  ASSERT_EQ(rules.programmes().size(), 1u);
  EXPECT_EQ(rules.programmes()[0].file, "a.json");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "b.json");
  EXPECT_EQ(errors[0].path, "/id");
}

TEST(RuleLoadingTest, BrokenFileLeavesTheOthersLoaded) {
  json broken = minimalProgramme();
  broken["id"] = "other";
  broken["conditions"][0]["require"] = "nonsense(";
  std::vector<RuleError> errors;
  const RuleSet rules = RuleSet::fromTexts(
      {{"good.json", minimalProgramme().dump()}, {"bad.json", broken.dump()}}, errors);
  ASSERT_EQ(rules.programmes().size(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].toString().rfind("bad.json: /conditions/0/require: column", 0), 0u)
      << errors[0].toString();
}

TEST(RuleLoadingTest, MissingDirectoryIsAnError) {
  std::vector<RuleError> errors;
  RuleSet::loadDirectory("/nonexistent/eligibility/rules", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "/nonexistent/eligibility/rules");
}

TEST(RuleLoadingTest, ShippedProgrammesAllLoad) {
  std::vector<std::string> ids;
  for (const ProgrammeInfo& p : testing::shippedRules().programmes()) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"hoikuryo_mushouka", "jidou_fuyou_teate", "jidou_teate",
                                           "kodomo_iryouhi", "tokubetsu_jidou_fuyou_teate"}));
}

}  // namespace
}  // namespace sukusuku::eligibility
