// A small city for the fees tests: two schools, a few households (siblings at both schools,
// a household on school aid, one without a mandate) and a neighbour town, on a real Runtime with
// the fees plugin loaded, on the backend the test is parameterised with.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/test_system.h"
#include "fees_service.h"
#include "sukusuku/clock.h"
#include "sukusuku/error.h"
#include "sukusuku/fees/bank_account.h"

namespace sukusuku::fees::testing {

inline std::shared_ptr<const BankTable> bankTable() {
  static auto table = std::make_shared<const BankTable>(BankTable::load(FEES_BANK_TABLE));
  return table;
}

inline TimePoint utc(const std::string& s) { return parseUtc(s); }

// One migrated Runtime per backend for a whole suite (migrating a MariaDB database costs
// seconds); each test starts from empty data tables and the same clock.
class FeesTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() { systems().clear(); }

  void SetUp() override {
    clock_ = sharedClock();
    clock_->set(utc("2026-05-01T00:00:00Z"));
    auto& sys = systems()[GetParam()];
    if (!sys) {
      sys = std::make_unique<sukusuku::testing::TestSystem>(
          GetParam(), "fees", clock_,
          std::vector<std::pair<std::string, std::string>>{
              {"plugins.dir", sukusuku::testing::binaryDir() + "/lib/sukusuku/plugins"}});
    } else {
      clearData(sys->rt->database());
    }
    sys_ = sys.get();
    svc_ = std::make_unique<FeesService>(db(), *clock_, bankTable(), &sys_->rt->audit());
  }
  void TearDown() override { svc_.reset(); }

  // Every row the fees tests write, children before parents.
  static void clearData(db::Database& database) {
    static const char* const kTables[] = {
        "fee_arrear_plan_steps", "fee_arrear_plan_bills", "fee_arrear_plans",
        "fee_reminder_steps",    "fee_reminders",         "fee_write_offs",
        "fee_debit_lines",       "fee_files",             "fee_journal",
        "fee_bills",             "fee_runs",              "fee_run_locks",
        "fee_mandates",          "fee_applications",      "fee_plan_items",
        "fee_plans",             "fee_instalments",       "fee_caps",
        "fee_settings",          "fee_consignor_banks",   "fee_consignors",
        "household_school_aid",  "enrolments",
        "children",              "guardians",             "households",
        "classes",               "facilities",            "audit_log",
        "municipalities"};
    database.transaction([&](db::Tx& tx) {
      for (const char* table : kTables) tx.execute(std::string("DELETE FROM ") + table);
    });
  }

  static std::map<std::string, std::unique_ptr<sukusuku::testing::TestSystem>>& systems() {
    static std::map<std::string, std::unique_ptr<sukusuku::testing::TestSystem>> s;
    return s;
  }
  static std::shared_ptr<ManualClock> sharedClock() {
    static auto clock = std::make_shared<ManualClock>(utc("2026-05-01T00:00:00Z"));
    return clock;
  }

  db::Database& db() { return sys_->rt->database(); }
  FeesService& svc() { return *svc_; }

  int64_t insert(const std::string& sql, const db::Params& p) {
    auto conn = db().acquire();
    return conn->execute(sql, p).last_insert_id;
  }
  int64_t scalar(const std::string& sql, const db::Params& p = {}) {
    auto conn = db().acquire();
    auto row = conn->queryOne(sql, p);
    return row && !(*row)[0].isNull() ? (*row)[0].asInt() : 0;
  }

  int64_t city(const std::string& code, const std::string& name) {
    return insert("INSERT INTO municipalities (code, name, name_kana, prefecture, created_at) "
                  "VALUES (?, ?, 'シ', '広島県', '2026-04-01T00:00:00Z')",
                  {code, name});
  }
  int64_t school(int64_t city, const std::string& kind, const std::string& code) {
    return insert("INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, "
                  "phone, capacity, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, 'ガッコウ', "
                  "'', '', 600, '08:00', '17:00', '2026-04-01T00:00:00Z')",
                  {city, kind, code, code + "学校"});
  }
  int64_t klass(int64_t city, int64_t facility, int grade) {
    return insert("INSERT INTO classes (municipality_id, facility_id, fiscal_year, name, grade, "
                  "room) VALUES (?, ?, 2026, ?, ?, '')",
                  {city, facility, std::to_string(grade) + "年1組", grade});
  }
  int64_t household(int64_t city, const std::string& kana_family, const std::string& kana_given) {
    const int64_t h = insert("INSERT INTO households (municipality_id, name, postal_code, address, "
                             "phone, created_at, updated_at) VALUES (?, '家', '', '', '', "
                             "'2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z')",
                             {city});
    insert("INSERT INTO guardians (municipality_id, household_id, family_name, given_name, "
           "family_name_kana, given_name_kana, relationship, primary_payer, phone, email) "
           "VALUES (?, ?, '山田', '花子', ?, ?, 'mother', 1, '', '')",
           {city, h, kana_family, kana_given});
    return h;
  }
  int64_t pupil(int64_t city, int64_t household, int64_t facility, int64_t class_id,
                const std::string& starts = "2026-04-01", const db::Value& ends = nullptr) {
    const int64_t c = insert("INSERT INTO children (municipality_id, household_id, family_name, "
                             "given_name, family_name_kana, given_name_kana, birth_date, sex, "
                             "created_at) VALUES (?, ?, '山田', '太郎', 'ヤマダ', 'タロウ', "
                             "'2017-05-05', 'male', '2026-04-01T00:00:00Z')",
                             {city, household});
    insert("INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, starts_on, "
           "ends_on) VALUES (?, ?, ?, ?, ?, ?)",
           {city, c, facility, class_id, starts, ends});
    return c;
  }

  // 10 debits April … January on the 27th; settings for consignor 1234567890.
  void standardYear(int64_t city) {
    svc().saveSettings(city, {"1234567890", "スクスクシ", "0001", "001", 1, "7654321", 5});
    std::vector<Instalment> s;
    for (int m = 0; m < 10; ++m) {
      s.push_back({m + 1, m, std::string(m < 9 ? "2026-" : "2027-") +
                                 (m < 9 ? (m + 4 < 10 ? "0" : "") + std::to_string(m + 4)
                                        : std::string("01")) +
                                 "-27"});
    }
    svc().setInstalments(city, 2026, s);
  }

  // A plan of two items: 12,000 + 3,000 a year (1,500 per debit).
  int64_t simplePlan(int64_t city, int64_t facility, int grade, int64_t drill = 1000) {
    PlanInput p;
    p.facility_id = facility;
    p.fiscal_year = 2026;
    p.grade = grade;
    p.name = "計画";
    p.items = {{0, 0, "ドリル", drill, 12, false}, {0, 1, "校外学習", 3000, 1, false}};
    return svc().savePlan(city, p);
  }

  template <class F>
  std::string errorCode(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return "";
  }

  std::shared_ptr<ManualClock> clock_;
  sukusuku::testing::TestSystem* sys_ = nullptr;
  std::unique_ptr<FeesService> svc_;
};

}  // namespace sukusuku::fees::testing
