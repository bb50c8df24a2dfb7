// CSV bulk import on every backend: the sample files of tests/core/admin/data in UTF-8 (with BOM)
// and Shift_JIS, a bad file with every kind of problem reported by line and column, nothing
// imported until the file is clean, the upload page and `sukusuku admin import`.
#include <fstream>
#include <sstream>

#include "admin_fixture.h"

namespace sukusuku::testing {
namespace {

class AdminImportTest : public AdminTest {
 protected:
  // The sample files name 2026-04-01 as the admission date: move it to this fiscal year so the
  // classes exist whatever the date of the run.
  std::string sample(const std::string& name) {
    std::string s = readTestFile(name);
    std::string fy = fiscalYear() + "-04-01";
    for (size_t at = s.find("2026-04-01"); at != std::string::npos;
         at = s.find("2026-04-01", at + fy.size())) {
      s.replace(at, 10, fy);
    }
    return s;
  }

  // Runs `sukusuku admin import ARGS` in process.
  int cli(const std::vector<std::string>& args, std::string* out = nullptr,
          std::string* err = nullptr) {
    for (const auto& set : sys_->rt->commands()) {
      if (set.plugin != "admin") continue;
      for (const auto& c : set.commands) {
        if (c.verb != "import") continue;
        std::ostringstream o, e;
        int rc = c.run(args, o, e);
        if (out) *out = o.str();
        if (err) *err = e.str();
        return rc;
      }
    }
    ADD_FAILURE() << "no admin import command";
    return -1;
  }

  std::string writeTemp(const std::string& name, const std::string& bytes) {
    std::string path = sys_->scratch.dataDir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  int64_t count(const std::string& table) {
    return scalar("SELECT COUNT(*) FROM " + table + " WHERE municipality_id = ?", {city_});
  }
};

TEST_P(AdminImportTest, CleanFilesInUtf8AndShiftJisImportAfterADryRun) {
  int64_t households = count("households"), guardians = count("guardians");
  // Dry run: a report, nothing written.
  auto dry = webUpload(kChildcare, "/web/admin/import", {{"kind", "guardians"}, {"dry_run", "1"}},
                       "file", "guardians.csv", sample("guardians.csv"));
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_NE(dry.body.find("utf-8-bom"), std::string::npos);
  EXPECT_NE(dry.body.find("問題はありません。"), std::string::npos);
  EXPECT_EQ(count("households"), households);
  // The real import.
  auto real = webUpload(kChildcare, "/web/admin/import", {{"kind", "guardians"}}, "file",
                        "guardians.csv", sample("guardians.csv"));
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_NE(real.body.find("4 行を登録しました。"), std::string::npos);
  EXPECT_EQ(count("households"), households + 3);
  EXPECT_EQ(count("guardians"), guardians + 4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM guardians g JOIN households h ON h.id = g.household_id "
                   "WHERE h.external_id = 'IMP-H001' AND h.name = '青木家'"),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM households WHERE external_id = 'IMP-H002' AND address = "
                   "'すくすく市北町2-3, 201号'"),
            1);

  // Children from a Shift_JIS (CP932) file, as older city systems export them.
  int64_t children = count("children");
  std::string sjis = sample("children_sjis.csv");
  auto kids = webUpload(kChildcare, "/web/admin/import", {{"kind", "children"}}, "file",
                        "children_sjis.csv", sjis);
  ASSERT_EQ(kids.status, 200) << kids.body;
  EXPECT_NE(kids.body.find("cp932"), std::string::npos);
  EXPECT_EQ(count("children"), children + 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM children c JOIN enrolments e ON e.child_id = c.id JOIN "
                   "classes cl ON cl.id = e.class_id WHERE c.external_id = 'IMP-C001' AND "
                   "c.given_name = '陽菜' AND c.birth_date = '2024-06-12' AND cl.name = 'ひよこ組' "
                   "AND e.certified_hours = 'standard'"),
            1);
  // The same file again: every row is a duplicate of the database; nothing more is written.
  auto twice = webUpload(kChildcare, "/web/admin/import", {{"kind", "children"}}, "file",
                         "children_sjis.csv", sjis);
  EXPECT_EQ(twice.status, 422);
  EXPECT_EQ(count("children"), children + 3);

  // Staff, by the CLI.
  int64_t staff = count("staff");
  std::string out, err;
  std::string path = writeTemp("staff.csv", sample("staff.csv"));
  EXPECT_EQ(cli({"staff", path, "--dry-run", "--municipality", "349999"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("dry run"), std::string::npos);
  EXPECT_EQ(count("staff"), staff);
  EXPECT_EQ(cli({"staff", path, "--municipality", "349999"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("3 imported"), std::string::npos);
  EXPECT_EQ(count("staff"), staff + 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM staff_qualifications q JOIN staff s ON s.id = q.staff_id "
                   "WHERE s.employee_code = 'IMP-S002'"),
            2);
  // The second run finds every code already there.
  EXPECT_EQ(cli({"staff", path, "--municipality", "349999"}, &out, &err), 2);
  EXPECT_NE(err.find(":2: employee_code:"), std::string::npos) << err;
  EXPECT_EQ(count("staff"), staff + 3);
  // Imports are audited, with who ran them.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.guardians' AND "
                   "actor_user_id = ?",
                   {userId(kChildcare)}),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'import.staff' AND "
                   "actor_role = 'system'"),
            1);
  // The neighbour town got nothing.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM households WHERE municipality_id = ? AND external_id "
                   "LIKE 'IMP-%'",
                   {town_}),
            0);
}

TEST_P(AdminImportTest, ABadFileReportsEveryProblemByLineAndColumnAndImportsNothing) {
  ASSERT_EQ(webUpload(kChildcare, "/web/admin/import", {{"kind", "guardians"}}, "file", "g.csv",
                      sample("guardians.csv"))
                .status,
            200);
  ASSERT_EQ(webUpload(kChildcare, "/web/admin/import", {{"kind", "children"}}, "file", "c.csv",
                      sample("children_sjis.csv"))
                .status,
            200);
  int64_t children = count("children"), enrolments = count("enrolments");
  std::string out, err;
  std::string path = writeTemp("bad.csv", sample("children_bad.csv"));
  // Not even a real run imports a file with problems.
  EXPECT_EQ(cli({"children", path, "--municipality", "349999"}, &out, &err), 2);
  EXPECT_NE(out.find("nothing imported"), std::string::npos);
  const std::vector<std::string> expected = {
      ":2: birth_date: ",              // 2024-02-30
      ":3: facility_code: ",           // X99
      ":4: class_name: ",              // ほし組 does not exist
      ":5: external_id: ",             // BAD-C003 twice in the file
      ":6: external_id: ",             // IMP-C001 already in the database
      ":7: family_name: ",             // Shift_JIS bytes in a UTF-8 file
      ":8: household_external_id: ",   // unknown household
      ":8: certified_hours: ",         // "long"
  };
  for (const auto& e : expected) EXPECT_NE(err.find(e), std::string::npos) << e << "\n" << err;
  EXPECT_NE(err.find("(import.duplicate_in_file)"), std::string::npos);
  EXPECT_NE(err.find("(import.duplicate_in_database)"), std::string::npos);
  EXPECT_NE(err.find("(import.bad_encoding)"), std::string::npos);
  EXPECT_NE(err.find("(import.unknown_class)"), std::string::npos);
  EXPECT_EQ(count("children"), children);
  EXPECT_EQ(count("enrolments"), enrolments);

  // The page shows the same, in Japanese, with lines and columns.
  auto page = webUpload(kChildcare, "/web/admin/import", {{"kind", "children"}}, "file",
                        "children_bad.csv", sample("children_bad.csv"));
  EXPECT_EQ(page.status, 422);
  EXPECT_NE(page.body.find("<td>7</td><td>family_name</td><td>文字化けしています"),
            std::string::npos);
  EXPECT_NE(page.body.find("<td>2</td><td>birth_date</td>"), std::string::npos);
  EXPECT_NE(page.body.find("何も登録していません"), std::string::npos);
  EXPECT_EQ(count("children"), children);

  // A missing column is named; rows are not even looked at.
  auto missing = webUpload(kChildcare, "/web/admin/import", {{"kind", "children"}}, "file",
                           "m.csv", sample("children_missing_column.csv"));
  EXPECT_EQ(missing.status, 422);
  EXPECT_NE(missing.body.find("<td>1</td><td>given_name_kana</td>"), std::string::npos);
  // A file in no encoding at all, and an empty upload.
  std::string garbage = "employee_code,family_name\n\xff\xfe\xfa,\x80\x81\n";
  EXPECT_EQ(cli({"staff", writeTemp("g.csv", garbage), "--municipality", "349999"}, &out, &err), 2);
  EXPECT_NE(err.find("(import.bad_encoding)"), std::string::npos);
  EXPECT_NE(err.find("(import.missing_column)"), std::string::npos);
  auto empty = webUpload(kChildcare, "/web/admin/import", {{"kind", "staff"}}, "file", "e.csv", "");
  EXPECT_EQ(empty.status, 422);
  // Bad arguments to the CLI are exit 2 with a usage line.
  EXPECT_EQ(cli({"pets", path, "--municipality", "349999"}, &out, &err), 2);
  EXPECT_NE(err.find("usage:"), std::string::npos);
  EXPECT_EQ(cli({"staff", path, "--municipality", "000000"}, &out, &err), 2);
  // Facility staff may not import.
  EXPECT_EQ(webUpload(kHead, "/web/admin/import", {{"kind", "staff"}}, "file", "s.csv",
                      sample("staff.csv"))
                .status,
            403);
}

SUKUSUKU_INSTANTIATE_BACKENDS(AdminImportTest);

}  // namespace
}  // namespace sukusuku::testing
