// The `evaluate` command, called in-process and as the built sukusuku-eligibility executable.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "test_support.h"

namespace sukusuku::eligibility {
namespace {

namespace fs = std::filesystem;

// A household file in a fresh temporary directory.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("eligibility_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // The first case of the 児童手当 file: the CFA example with a supported 20-year-old.
  std::string cfaExample() {
    const nlohmann::json cases =
        nlohmann::json::parse(testing::readFile(ELIGIBILITY_CASES_DIR "/jidou_teate.json"));
    return write("household.json", cases["cases"][0]["household"].dump());
  }

  int run(const std::vector<std::string>& args,
          const std::string& rules = ELIGIBILITY_PROGRAMMES_DIR) {
    out_.str("");
    err_.str("");
    return runEvaluateCli(args, out_, err_, rules);
  }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, PrintsOneResultPerProgramme) {
  ASSERT_EQ(run({"evaluate", cfaExample(), "--date", "2024-12-01"}), 0) << err_.str();
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  EXPECT_EQ(json["date"], "2024-12-01");
  std::vector<std::string> ids;
  for (const auto& r : json["results"]) ids.push_back(r["programme"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"hoikuryo_mushouka", "jidou_fuyou_teate", "jidou_teate",
                                           "kodomo_iryouhi", "tokubetsu_jidou_fuyou_teate"}));
  EXPECT_EQ(json["results"][2]["monthly_amount_yen"], 40000);
}

TEST_F(CliTest, AcceptsArgumentsWithoutTheVerbAndDateWithEquals) {
  EXPECT_EQ(run({cfaExample(), "--date=2024-12-01"}), 0) << err_.str();
}

TEST_F(CliTest, DefaultsToTodayInTokyo) {
  ASSERT_EQ(run({"evaluate", cfaExample()}), 0) << err_.str();
  EXPECT_EQ(nlohmann::json::parse(out_.str())["date"], formatDate(tokyoToday()));
}

TEST_F(CliTest, BadInputExitsTwoWithAMessage) {
  const std::string household = cfaExample();
  EXPECT_EQ(run({"evaluate"}), 2);
  EXPECT_EQ(run({"evaluate", household, "--date", "2024-02-30"}), 2);
  EXPECT_NE(err_.str().find(kInvalidDate), std::string::npos);
  EXPECT_EQ(run({"evaluate", household, "--frobnicate"}), 2);
  EXPECT_EQ(run({"evaluate", (dir_ / "absent.json").string()}), 2);
  EXPECT_EQ(run({"evaluate", write("bad.json", "{not json")}), 2);
  EXPECT_EQ(run({"evaluate", write("neg.json", R"({"income_yen": -5, "children": []})")}), 2);
  EXPECT_NE(err_.str().find("eligibility.invalid_household: income_yen"), std::string::npos)
      << err_.str();
  EXPECT_EQ(run({"evaluate", household, "--date", "2000-01-01"}), 2);
  EXPECT_NE(err_.str().find("children[0].birth_date"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(CliTest, BrokenRulesDirectoryRefusesToEvaluate) {
  const fs::path rules = dir_ / "rules";
  fs::create_directories(rules);
  for (const auto& entry : fs::directory_iterator(ELIGIBILITY_PROGRAMMES_DIR)) {
    fs::copy_file(entry.path(), rules / entry.path().filename());
  }
  std::ofstream(rules / "zz_city.json") << R"({"format": "sukusuku.eligibility.programme/1"})";
  EXPECT_EQ(run({"evaluate", cfaExample(), "--date", "2024-12-01"}, rules.string()), 1);
  EXPECT_NE(err_.str().find("zz_city.json: /id: is required"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(CliTest, BuiltExecutablePrintsTheResultJson) {
  const std::string command = std::string("\"") + ELIGIBILITY_TOOL + "\" evaluate \"" +
                              cfaExample() + "\" --date 2024-12-01";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << output;
  const nlohmann::json json = nlohmann::json::parse(output);
  ASSERT_EQ(json["results"].size(), 5u);
  for (const auto& r : json["results"]) {
    if (r["programme"] == "jidou_teate") {
      EXPECT_EQ(r["status"], "eligible");
      EXPECT_EQ(r["monthly_amount_yen"], 40000);
    }
    if (r["programme"] == "jidou_fuyou_teate") {
      EXPECT_EQ(r["status"], "not_eligible");
      EXPECT_EQ(r["monthly_amount_yen"], 0);
    }
  }
}

}  // namespace
}  // namespace sukusuku::eligibility
