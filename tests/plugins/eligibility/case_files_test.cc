// Runs every case in cases/*.json: a household and a date in, the expected result of one
// programme (or the expected refusal) out. The files are written for people who know the
// benefits, so each case is a test named after its file and position.
#include <algorithm>
#include <filesystem>

#include "test_support.h"

namespace sukusuku::eligibility {
namespace {

using testing::shippedRules;

struct Case {
  std::string file;
  size_t index = 0;
  std::string programme;
  nlohmann::json spec;
};

std::vector<Case> loadCases() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ELIGIBILITY_CASES_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const auto& path : files) {
    const nlohmann::json doc = nlohmann::json::parse(testing::readFile(path.string()));
    for (size_t i = 0; i < doc.at("cases").size(); ++i) {
      cases.push_back(Case{path.stem().string(), i, doc.at("programme"), doc["cases"][i]});
    }
  }
  return cases;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << ".json#" << c.index << " " << c.spec.value("name", "");
}

class CaseFileTest : public ::testing::TestWithParam<Case> {};

TEST_P(CaseFileTest, MatchesExpectedResult) {
  const Case& c = GetParam();
  const nlohmann::json& spec = c.spec;
  SCOPED_TRACE(c.file + ".json case " + std::to_string(c.index) + ": " +
               spec.at("name").get<std::string>());
  const Date on = testing::date(spec.at("date").get<std::string>().c_str());
  const RuleSet& rules = shippedRules();

  if (spec.contains("expect_error")) {
    try {
      const Household household = householdFromJson(spec.at("household"));
      rules.evaluate(household, on);
      FAIL() << "expected the household to be refused";
    } catch (const EligibilityError& e) {
      EXPECT_EQ(e.code(), spec["expect_error"]["code"]);
      EXPECT_EQ(e.details().value("field", ""), spec["expect_error"]["field"]) << e.what();
    }
    return;
  }

  const Household household = householdFromJson(spec.at("household"));
  const std::vector<ProgrammeResult> results = rules.evaluate(household, on);
  const ProgrammeResult& result = testing::resultFor(rules, results, c.programme);
  const nlohmann::json& expect = spec.at("expect");
  EXPECT_EQ(statusName(result.status), expect.at("status").get<std::string>());
  EXPECT_EQ(result.monthly_amount_yen, expect.at("monthly_amount_yen").get<int64_t>());
  if (expect.contains("missing_fields")) {
    EXPECT_EQ(result.missing_fields, expect["missing_fields"].get<std::vector<std::string>>());
  }
  if (expect.contains("facts")) {
    const nlohmann::json json = rules.resultsToJson(on, {result})["results"][0];
    for (const auto& [name, value] : expect["facts"].items()) {
      EXPECT_EQ(nlohmann::json(json["facts"][name]), value) << "fact " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CaseFileTest, ::testing::ValuesIn(loadCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.file + "_" + std::to_string(info.param.index);
                         });

}  // namespace
}  // namespace sukusuku::eligibility
