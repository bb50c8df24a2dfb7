// Evaluation semantics that the case files do not show directly: a city's own programme loaded
// from data, three-valued logic, result invariants, the JSON shape and thread-safety.
#include <random>
#include <thread>

#include "test_support.h"

namespace sukusuku::eligibility {
namespace {

using testing::date;
using testing::resultFor;

constexpr const char* kCityProgramme = R"json({
  "format": "sukusuku.eligibility.programme/1",
  "id": "a_city_kosodate_bonus", "scope": "municipal",
  "name": {"ja": "A市子育て応援金", "en": "A City child bonus"},
  "benefit": {"kind": "monthly_allowance", "ja": "月額", "en": "Monthly"},
  "in_force_from": "2025-04-01",
  "sources": {"ordinance": {"title": "A市子育て応援金条例", "url": "https://example.jp/a-city"}},
  "parameters": {
    "amount": {"type": "number", "unit": "yen/month",
               "versions": [{"from": "2025-04-01", "value": 5000, "source": "ordinance"},
                            {"from": "2026-04-01", "value": 6000, "source": "ordinance"}]},
    "cities": {"type": "string_list",
               "versions": [{"from": "2025-04-01", "value": ["A市"], "source": "ordinance"}]}},
  "child_definitions": [{"name": "young", "expr": "age(child.birth_date, date) < 6"}],
  "household_definitions": [{"name": "young_children", "expr": "count(c in children: c.young)",
                             "report": true}],
  "conditions": [
    {"id": "resident", "require": "household.municipality in params.cities",
     "met": {"ja": "A市に住んでいます", "en": "You live in A City"},
     "not_met": {"ja": "A市の住民ではありません", "en": "You do not live in A City"}},
    {"id": "has_young_child", "require": "young_children > 0",
     "met": {"ja": "6歳未満の子がいます", "en": "You have a child under 6"},
     "not_met": {"ja": "6歳未満の子がいません", "en": "No child under 6"}}],
  "monthly_amount_yen": "young_children * params.amount"
})json";

RuleSet cityRules() {
  std::vector<RuleError> errors;
  RuleSet rules = RuleSet::fromTexts({{"a_city.json", kCityProgramme}}, errors);
  EXPECT_TRUE(errors.empty());
  return rules;
}

Household household(const char* json) { return householdFromJson(nlohmann::json::parse(json)); }

TEST(EvaluatorTest, CityProgrammeFromDataWithDatedParameters) {
  const RuleSet rules = cityRules();
  const Household h = household(
      R"({"municipality": "A市", "children": [{"birth_date": "2021-05-01"},
                                              {"birth_date": "2023-05-01"}]})");
  EXPECT_EQ(rules.evaluate(h, date("2025-06-01"))[0].monthly_amount_yen, 10000);
  EXPECT_EQ(rules.evaluate(h, date("2026-06-01"))[0].monthly_amount_yen, 12000);
  EXPECT_EQ(rules.evaluate(h, date("2025-03-31"))[0].status, Status::kNotInForce);
}

TEST(EvaluatorTest, AFailedConditionDecidesEvenWhenOthersAreUnknown) {
  const RuleSet rules = cityRules();
  const auto results =
      rules.evaluate(household(R"({"municipality": "B町", "children": [{}]})"), date("2025-06-01"));
  EXPECT_EQ(results[0].status, Status::kNotEligible);
  EXPECT_EQ(results[0].monthly_amount_yen, 0);
  EXPECT_TRUE(results[0].missing_fields.empty());
  EXPECT_EQ(results[0].conditions[0], Outcome::kNotMet);
  EXPECT_EQ(results[0].conditions[1], Outcome::kUnknown);
}

TEST(EvaluatorTest, NeedsInformationNamesEveryDecidingField) {
  const RuleSet rules = cityRules();
  const auto results = rules.evaluate(
      household(R"({"children": [{}, {"birth_date": "2010-01-01"}]})"), date("2025-06-01"));
  EXPECT_EQ(results[0].status, Status::kNeedsInformation);
  EXPECT_EQ(results[0].missing_fields,
            (std::vector<std::string>{"children[0].birth_date", "municipality"}));
}

TEST(EvaluatorTest, EmptyHouseholdAsksOnlyWhatMatters) {
  const RuleSet& rules = testing::shippedRules();
  const Household h = household(R"({"children": [{"birth_date": "2015-05-05"}]})");
  const auto results = rules.evaluate(h, date("2024-12-01"));
  EXPECT_EQ(resultFor(rules, results, "jidou_teate").status, Status::kEligible);
  const ProgrammeResult& fuyou = resultFor(rules, results, "jidou_fuyou_teate");
  EXPECT_EQ(fuyou.status, Status::kNeedsInformation);
  // Whether the household is single-parent decides first; income and support follow.
  EXPECT_EQ(fuyou.missing_fields,
            (std::vector<std::string>{"child_support_received_yen", "dependants", "income_yen",
                                      "single_parent"}));
  // Both the disability and the income limit are open; either may decide.
  EXPECT_EQ(resultFor(rules, results, "tokubetsu_jidou_fuyou_teate").missing_fields,
            (std::vector<std::string>{"children[0].disability_grade", "dependants", "income_yen"}));
}

TEST(EvaluatorTest, RefusesChildBornAfterTheDate) {
  const Household h = household(R"({"children": [{"birth_date": "2025-01-02"}]})");
  try {
    testing::shippedRules().evaluate(h, date("2025-01-01"));
    FAIL() << "expected a refusal";
  } catch (const EligibilityError& e) {
    EXPECT_EQ(e.code(), kInvalidHousehold);
    EXPECT_EQ(e.details()["field"], "children[0].birth_date");
  }
}

TEST(EvaluatorTest, JsonHasTheCliShape) {
  const RuleSet& rules = testing::shippedRules();
  const Household h = household(
      R"({"municipality": "東京都中野区", "single_parent": true, "resident_tax_exempt": true,
          "income_yen": 1200000, "dependants": 1, "child_support_received_yen": 0,
          "guardians_supporting_over_18": true,
          "children": [{"birth_date": "2022-04-10", "disability_grade": 0,
                        "in_licensed_care": true}]})");
  const Date on = date("2024-12-01");
  const nlohmann::ordered_json json = rules.resultsToJson(on, rules.evaluate(h, on));
  EXPECT_EQ(json["date"], "2024-12-01");
  ASSERT_EQ(json["results"].size(), 5u);
  for (const auto& r : json["results"]) {
    EXPECT_TRUE(r["programme"].is_string());
    const bool disability_programme = r["programme"] == "tokubetsu_jidou_fuyou_teate";
    EXPECT_EQ(r["status"], disability_programme ? "not_eligible" : "eligible") << r["programme"];
    EXPECT_TRUE(r["monthly_amount_yen"].is_number_integer());
    ASSERT_FALSE(r["reasons"].empty());
    for (const auto& reason : r["reasons"]) {
      EXPECT_FALSE(reason["ja"].get<std::string>().empty());
      EXPECT_FALSE(reason["en"].get<std::string>().empty());
    }
    for (const auto& p : r["parameters"]) {
      EXPECT_TRUE(p.contains("effective_from"));
      EXPECT_FALSE(p["source"]["title"].get<std::string>().empty());
    }
  }
  // The 2-year-old in a tax-exempt household: fee waived, not a cash amount.
  const auto& mushouka = json["results"][0];
  EXPECT_EQ(mushouka["programme"], "hoikuryo_mushouka");
  EXPECT_EQ(mushouka["benefit"]["kind"], "fee_waiver");
  EXPECT_EQ(mushouka["monthly_amount_yen"], 0);
}

// Random households: whatever the input, statuses and amounts keep their promises.
TEST(EvaluatorTest, ResultInvariantsHoldForRandomHouseholds) {
  const RuleSet& rules = testing::shippedRules();
  std::mt19937 rng(20241201);
  const Date on = date("2025-02-15");
  std::vector<ProgrammeResult> results;
  for (int n = 0; n < 3000; ++n) {
    Household h;
    auto maybe = [&] { return rng() % 8 != 0; };  // fields go missing one time in eight
    if (maybe()) h.municipality = rng() % 2 ? "東京都練馬区" : "神奈川県横浜市";
    if (maybe()) h.single_parent = rng() % 3 == 0;
    if (maybe()) h.resident_tax_exempt = rng() % 4 == 0;
    if (maybe()) h.income_yen = static_cast<int64_t>(rng() % 6'000'000);
    if (maybe()) h.dependants = static_cast<int>(rng() % 5);
    if (maybe()) h.child_support_received_yen = static_cast<int64_t>(rng() % 3) * 300'000;
    if (maybe()) h.guardians_supporting_over_18 = rng() % 2 == 0;
    for (unsigned c = rng() % 5; c > 0; --c) {
      Child child;
      if (maybe()) child.birth_date = Date{on.days - static_cast<int32_t>(rng() % (25 * 365))};
      if (maybe()) child.disability_grade = static_cast<int>(rng() % 10 == 0 ? 1 + rng() % 2 : 0);
      if (maybe()) child.in_licensed_care = rng() % 2 == 0;
      h.children.push_back(child);
    }
    rules.evaluateInto(h, on, results);
    for (const ProgrammeResult& r : results) {
      const std::string& id = rules.programmes()[r.programme].id;
      SCOPED_TRACE(id);
      if (r.status != Status::kEligible) {
        EXPECT_EQ(r.monthly_amount_yen, 0);
      }
      EXPECT_EQ(r.status == Status::kNeedsInformation, !r.missing_fields.empty());
      if (r.status == Status::kEligible &&
          rules.programmes()[r.programme].benefit_kind == "monthly_allowance") {
        EXPECT_GT(r.monthly_amount_yen, 0);
      }
    }
  }
}

TEST(EvaluatorTest, ConcurrentEvaluationsAgree) {
  const RuleSet& rules = testing::shippedRules();
  const Household h = household(
      R"({"guardians_supporting_over_18": true, "children": [{"birth_date": "2004-06-01"},
          {"birth_date": "2008-05-10"}, {"birth_date": "2014-09-01"}]})");
  int64_t amounts[2] = {0, 0};
  auto run = [&](int slot) {
    for (int i = 0; i < 2000; ++i) {
      amounts[slot] +=
          resultFor(rules, rules.evaluate(h, date("2024-12-01")), "jidou_teate").monthly_amount_yen;
    }
  };
  std::thread a(run, 0);
  std::thread b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(amounts[0], 2000 * 40000);
  EXPECT_EQ(amounts[1], 2000 * 40000);
}

}  // namespace
}  // namespace sukusuku::eligibility
