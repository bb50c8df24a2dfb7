#include "demo.h"

#include "sukusuku/fees/billing.h"

namespace sukusuku::fees {

void seedFeesDemo(FeesService& service, db::Database& db, const Clock& clock) {
  int64_t city = 0;
  {
    auto conn = db.acquire();
    auto row = conn->queryOne("SELECT id FROM municipalities WHERE code = '349999'");
    if (!row) return;
    city = row->getInt("id");
    if (conn->queryOne("SELECT municipality_id FROM fee_settings WHERE municipality_id = ?",
                       {city})) {
      return;  // already seeded
    }
  }
  const int fy = fiscalYear(clock.now());
  service.saveSettings(city, {"1234567890", "スクスクシ キョウイクイインカイ", "0001", "001", 1,
                              "1234567", 5});
  // A second consignor: 広島信用金庫 collects its own customers' debits under its own code and
  // credits the city's account there; every other bank goes through the default consignor.
  {
    Consignor shinkin;
    shinkin.code = "2345678901";
    shinkin.name = "スクスクシ キョウイクイインカイ";
    shinkin.bank_code = "1750";
    const Bank* b = service.banks().bank("1750");
    if (b != nullptr && !b->branches.empty()) {
      shinkin.branch_code = b->branches.begin()->first;
      shinkin.account_number = "2345678";
      shinkin.bank_codes = {"1750"};
      service.saveConsignor(city, shinkin);
    }
  }
  std::vector<Instalment> schedule;
  for (int m = 0; m < 10; ++m) {  // 10 debits, April … January, on the 27th
    schedule.push_back({m + 1, m, fiscalMonth(fy, m) + "-27"});
  }
  service.setInstalments(city, fy, schedule);
  for (int grade = 1; grade <= 9; ++grade) service.setCap(city, fy, grade, grade <= 6 ? 30000 : 45000);

  auto conn = db.acquire();
  for (const auto& r : conn->query(
           "SELECT DISTINCT c.facility_id, c.grade FROM classes c JOIN facilities f ON "
           "f.id = c.facility_id WHERE f.municipality_id = ? AND c.fiscal_year = ? AND "
           "c.grade IS NOT NULL ORDER BY c.facility_id, c.grade",
           {city, fy})) {
    const int grade = static_cast<int>(r.getInt("grade"));
    const bool junior = grade >= 7;
    PlanInput plan;
    plan.facility_id = r.getInt("facility_id");
    plan.fiscal_year = fy;
    plan.grade = grade;
    plan.name = std::to_string(junior ? grade - 6 : grade) + "年 教材費等執行計画";
    plan.items = {{0, 1, "漢字ドリル", 450, 2, false},
                  {0, 0, "計算ドリル", 520, 2, false},
                  {0, 0, "業者テスト", 180, 12, false},
                  {0, 0, junior ? "資料集" : "図工材料セット", junior ? 1800 : 1300, 1, false},
                  {0, 2, "校外学習バス代", junior ? 2400 : 1600, 1, false},
                  {0, 0, "デジタル教材", 1200, 1, false}};
    if (grade == 6 || grade == 9) plan.items.push_back({0, 3, "卒業アルバム", 9000, 1, false});
    if (grade == 3 || grade == 8) plan.items.push_back({0, 0, "リコーダー", 1500, 1, true});
    service.savePlan(city, plan);
  }
  // Mandates for nine households in ten with a pupil at a school, at a few banks (one a
  // 信用金庫 with its own consignor) and Japan Post.
  const std::vector<std::pair<std::string, std::string>> branches = {
      {"0001", "001"}, {"0005", ""}, {"0009", ""}, {"1750", ""}};
  int n = 0;
  for (const auto& r : conn->query(
           "SELECT DISTINCT g.household_id, g.family_name_kana, g.given_name_kana FROM guardians g "
           "JOIN children ch ON ch.household_id = g.household_id "
           "JOIN enrolments e ON e.child_id = ch.id JOIN facilities f ON f.id = e.facility_id "
           "WHERE g.municipality_id = ? AND g.primary_payer = 1 AND "
           "f.kind IN ('elementary', 'junior_high') ORDER BY g.household_id",
           {city})) {
    if (++n % 10 == 0) continue;  // no mandate: pays by slip
    MandateInput m;
    m.holder_name = r.getText("family_name_kana") + " " + r.getText("given_name_kana");
    m.account_number = std::to_string(1000000 + n * 7919 % 8999999);
    if (n % 5 == 4) {
      m.japan_post_kigou = "10120";
      m.japan_post_bangou = std::to_string(10000000 + n * 131) ;
    } else {
      const auto& [bank, branch] = branches[n % branches.size()];
      m.bank_code = bank;
      m.branch_code = branch;
      if (branch.empty()) {
        const Bank* b = service.banks().bank(bank);
        if (b == nullptr || b->branches.empty()) continue;
        m.branch_code = b->branches.begin()->first;
      }
    }
    try {
      service.saveMandate(city, r.getInt("household_id"), m);
    } catch (const std::exception&) {
      // A demo name the banks would refuse: that household pays by slip.
    }
  }
}

}  // namespace sukusuku::fees
