#include "sukusuku/demo_data.h"

#include <cstdio>
#include <map>
#include <random>

#include "sukusuku/permissions.h"

namespace sukusuku {

namespace {

struct Name {
  const char* kanji;
  const char* kana;
};

// Common family names and given names, with their readings (katakana, as city systems keep
// them: bank files need the reading).
constexpr Name kFamily[] = {
    {"佐藤", "サトウ"},   {"鈴木", "スズキ"},     {"高橋", "タカハシ"}, {"田中", "タナカ"},
    {"伊藤", "イトウ"},   {"渡辺", "ワタナベ"},   {"山本", "ヤマモト"}, {"中村", "ナカムラ"},
    {"小林", "コバヤシ"}, {"加藤", "カトウ"},     {"吉田", "ヨシダ"},   {"山田", "ヤマダ"},
    {"佐々木", "ササキ"}, {"山口", "ヤマグチ"},   {"松本", "マツモト"}, {"井上", "イノウエ"},
    {"木村", "キムラ"},   {"林", "ハヤシ"},       {"斎藤", "サイトウ"}, {"清水", "シミズ"},
    {"山崎", "ヤマザキ"}, {"森", "モリ"},         {"池田", "イケダ"},   {"橋本", "ハシモト"},
    {"阿部", "アベ"},     {"石川", "イシカワ"},   {"藤田", "フジタ"},   {"前田", "マエダ"},
    {"後藤", "ゴトウ"},   {"岡田", "オカダ"},     {"長谷川", "ハセガワ"}, {"村上", "ムラカミ"}};
constexpr Name kGirl[] = {{"陽葵", "ヒマリ"}, {"凛", "リン"},     {"詩", "ウタ"},
                          {"結菜", "ユイナ"}, {"杏", "アン"},     {"芽依", "メイ"},
                          {"紬", "ツムギ"},   {"葵", "アオイ"},   {"さくら", "サクラ"},
                          {"美咲", "ミサキ"}, {"花子", "ハナコ"}, {"彩", "アヤ"}};
constexpr Name kBoy[] = {{"蓮", "レン"},     {"碧", "アオイ"},   {"湊", "ミナト"},
                         {"陽翔", "ハルト"}, {"蒼", "ソウ"},     {"樹", "イツキ"},
                         {"大和", "ヤマト"}, {"悠真", "ユウマ"}, {"颯太", "ソウタ"},
                         {"健太", "ケンタ"}, {"翔", "ショウ"},   {"大輝", "ダイキ"}};
constexpr Name kMother[] = {{"恵", "メグミ"},     {"由美", "ユミ"},   {"直子", "ナオコ"},
                            {"愛", "アイ"},       {"真由美", "マユミ"}, {"智子", "トモコ"},
                            {"麻衣", "マイ"},     {"千尋", "チヒロ"}};
constexpr Name kFather[] = {{"健一", "ケンイチ"}, {"大輔", "ダイスケ"}, {"誠", "マコト"},
                            {"剛", "ツヨシ"},     {"拓也", "タクヤ"},   {"翔太", "ショウタ"},
                            {"浩二", "コウジ"},   {"隆", "タカシ"}};

constexpr const char* kDemoCode = "349999";    // すくすく市 (demo)
constexpr const char* kNeighbourCode = "349998";  // となり町 (demo)
constexpr const char* kPassword = "sukusuku-demo";

class Seeder {
 public:
  Seeder(db::Tx& tx, const Clock& clock,
         const std::function<std::string(const std::string&)>& hash)
      : tx_(tx), now_(formatUtc(clock.now())), fy_(fiscalYear(clock.now())), hash_(hash) {}

  std::vector<DemoLogin> run() {
    int64_t city = municipality(kDemoCode, "すくすく市", "スクスクシ");
    struct FacilitySpec {
      const char* kind;
      const char* code;
      const char* name;
      const char* kana;
      int children_per_class;
    };
    const FacilitySpec specs[] = {
        {"nursery", "N01", "ひまわり保育所", "ヒマワリホイクショ", 7},
        {"nursery", "N02", "さくら保育所", "サクラホイクショ", 7},
        {"nursery", "N03", "たんぽぽ保育所", "タンポポホイクショ", 6},
        {"nursery", "N04", "もみじ保育所", "モミジホイクショ", 6},
        {"certified_centre", "C01", "すくすくこども園", "スクスクコドモエン", 7},
        {"elementary", "E01", "すくすく市立中央小学校", "スクスクシリツチュウオウショウガッコウ", 8},
        {"elementary", "E02", "すくすく市立東小学校", "スクスクシリツヒガシショウガッコウ", 8},
        {"junior_high", "J01", "すくすく市立中央中学校", "スクスクシリツチュウオウチュウガッコウ", 10}};
    std::vector<int64_t> facility_ids;
    for (const auto& s : specs) {
      int64_t f = facility(city, s.kind, s.code, s.name, s.kana);
      facility_ids.push_back(f);
      populate(city, f, s.kind, s.children_per_class);
      staffFor(city, f, s.kind, s.code);
    }

    std::vector<DemoLogin> logins;
    int64_t himawari = facility_ids[0];
    logins.push_back(login(city, roles::kGuardian, "guardian@demo.sukusuku.jp", "保護者 デモ",
                           0, "ひまわり保育所"));
    // The demo guardian is the first household of ひまわり保育所.
    tx_.execute("UPDATE guardians SET user_id = ? WHERE id = ?",
                {last_user_, first_guardian_of_[himawari]});
    logins.push_back(login(city, roles::kFacilityStaff, "staff@demo.sukusuku.jp",
                           "保育士 デモ", himawari, "ひまわり保育所"));
    tx_.execute("UPDATE staff SET user_id = ? WHERE id = ?", {last_user_, first_staff_of_[himawari]});
    logins.push_back(login(city, roles::kFacilityAdmin, "head@demo.sukusuku.jp", "園長 デモ",
                           himawari, "ひまわり保育所"));
    logins.push_back(login(city, roles::kCityChildcare, "kodomo@demo.sukusuku.jp",
                           "こども課 デモ", 0, "すくすく市"));
    logins.push_back(login(city, roles::kCityFinance, "zaimu@demo.sukusuku.jp", "会計課 デモ", 0,
                           "すくすく市"));
    logins.push_back(login(city, roles::kMunicipalityAdmin, "admin@demo.sukusuku.jp",
                           "市管理者 デモ", 0, "すくすく市"));
    logins.push_back(login(0, roles::kSystemOperator, "operator@demo.sukusuku.jp", "運用 デモ", 0,
                           "(system)"));

    // A neighbour town, to try that one city never sees another's data.
    int64_t town = municipality(kNeighbourCode, "となり町", "トナリチョウ");
    int64_t tonari = facility(town, "nursery", "N01", "となり保育所", "トナリホイクショ");
    populate(town, tonari, "nursery", 3);
    staffFor(town, tonari, "nursery", "TN01");
    logins.push_back(login(town, roles::kFacilityStaff, "staff@tonari.demo.sukusuku.jp",
                           "となり保育士 デモ", tonari, "となり保育所"));
    tx_.execute("UPDATE staff SET user_id = ? WHERE id = ?", {last_user_, first_staff_of_[tonari]});

    // Four more full-time 保育士 for each of the city's nurseries and the centre: with a third
    // of the children under three, the staffing ratios need about fourteen people to cover a
    // 07:00–19:00 day six days a week. Added last so the names seeded above stay the same.
    for (size_t k = 0; k < std::size(specs); ++k) {
      const std::string kind = specs[k].kind;
      if (kind != "nursery" && kind != "certified_centre") continue;
      for (int i = 10; i < 14; ++i)
        addStaff(city, facility_ids[k], specs[k].code, i, "hoikushi", false);
    }
    return logins;
  }

 private:
  template <size_t N>
  const Name& pick(const Name (&names)[N]) {
    return names[rng_() % N];
  }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  int64_t municipality(const char* code, const char* name, const char* kana) {
    return tx_
        .execute("INSERT INTO municipalities (code, name, name_kana, prefecture, created_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 {code, name, kana, "広島県", now_})
        .last_insert_id;
  }

  int64_t facility(int64_t city, const char* kind, const char* code, const char* name,
                   const char* kana) {
    bool school = std::string(kind) == "elementary" || std::string(kind) == "junior_high";
    return tx_
        .execute(
            "INSERT INTO facilities (municipality_id, kind, code, name, name_kana, address, phone, "
            "capacity, opens_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {city, kind, code, name, kana, std::string("すくすく市中央町") + code, "084-000-0000",
             school ? 480 : 90, school ? "08:00" : "07:00", school ? "17:00" : "19:00", now_})
        .last_insert_id;
  }

  // Classes of this fiscal year and their children, each in a household with guardians.
  void populate(int64_t city, int64_t facility, const std::string& kind, int per_class) {
    struct ClassSpec {
      std::string name;
      int age;    // age on April 1 of the fiscal year
      int grade;  // 0 for nursery classes
    };
    std::vector<ClassSpec> classes;
    if (kind == "nursery" || kind == "certified_centre") {
      const char* names[] = {"ひよこ組", "りす組", "うさぎ組", "ぱんだ組", "きりん組", "ぞう組"};
      for (int age = 0; age <= 5; ++age) classes.push_back({names[age], age, 0});
    } else if (kind == "elementary") {
      for (int g = 1; g <= 6; ++g) classes.push_back({std::to_string(g) + "年1組", g + 5, g});
    } else {
      for (int g = 1; g <= 3; ++g) classes.push_back({std::to_string(g) + "年1組", g + 11, g + 6});
    }
    bool nursery = kind == "nursery" || kind == "certified_centre";
    for (const auto& c : classes) {
      int64_t class_id =
          tx_.execute("INSERT INTO classes (municipality_id, facility_id, fiscal_year, name, "
                      "age_group, grade, room) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      {city, facility, fy_, c.name, nursery ? db::Value(c.age) : db::Value(),
                       nursery ? db::Value() : db::Value(c.grade), c.name})
              .last_insert_id;
      for (int i = 0; i < per_class; ++i) {
        // One household in five has a younger sibling at the same facility.
        int64_t household = newHousehold(city, facility, !nursery);
        child(city, household, facility, class_id, c.age, nursery);
        if (nursery && c.age >= 2 && chance(20)) {
          child(city, household, facility, 0, c.age - 2, nursery);
        }
      }
    }
  }

  int64_t newHousehold(int64_t city, int64_t facility, bool school) {
    family_ = pick(kFamily);
    bool single = chance(12);
    int64_t income = single ? 1200000 + static_cast<int64_t>(rng_() % 20) * 100000
                            : 3000000 + static_cast<int64_t>(rng_() % 60) * 100000;
    int64_t h =
        tx_.execute(
               "INSERT INTO households (municipality_id, name, postal_code, address, phone, "
               "single_parent, resident_tax_exempt, income_yen, income_year, dependants, "
               "external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {city, std::string(family_.kanji) + "家", "720-0000",
                "すくすく市南町" + std::to_string(++household_no_) + "番地", "090-0000-0000",
                single, income < 2000000, income, fy_ - 1, single ? 1 : 2,
                "H" + std::to_string(city) + "-" + std::to_string(household_no_), now_, now_})
            .last_insert_id;
    const Name& mother = pick(kMother);
    int64_t g = guardian(city, h, mother, "mother", true);
    if (!first_guardian_of_.count(facility)) first_guardian_of_[facility] = g;
    if (!single) guardian(city, h, pick(kFather), "father", false);
    tx_.execute("INSERT INTO consents (municipality_id, household_id, kind, granted, recorded_at, "
                "recorded_by_user_id) VALUES (?, ?, 'photo_sales', ?, ?, 0)",
                {city, h, !chance(6), now_});
    if (school && (single || income < 2500000)) {
      tx_.execute("INSERT INTO household_school_aid (municipality_id, household_id, kind, "
                  "from_month, to_month) VALUES (?, ?, 'jun_yo_hogo', ?, NULL)",
                  {city, h, std::to_string(fy_) + "-04"});
    }
    return h;
  }

  int64_t guardian(int64_t city, int64_t household, const Name& given, const char* relationship,
                   bool payer) {
    return tx_
        .execute("INSERT INTO guardians (municipality_id, household_id, family_name, given_name, "
                 "family_name_kana, given_name_kana, relationship, primary_payer, may_pick_up, "
                 "phone, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                 {city, household, family_.kanji, given.kanji, family_.kana, given.kana,
                  relationship, payer, "090-0000-0000",
                  "family" + std::to_string(household) + "@example.jp"})
        .last_insert_id;
  }

  void child(int64_t city, int64_t household, int64_t facility, int64_t class_id, int age,
             bool nursery) {
    if (class_id == 0) class_id = classFor(facility, age);
    bool girl = chance(50);
    const Name& given = girl ? pick(kGirl) : pick(kBoy);
    // Born between April 2 of (fy - age - 1) and April 1 of (fy - age): age `age` on April 1.
    int day_of_year = static_cast<int>(rng_() % 365);
    int month = (3 + day_of_year / 30) % 12 + 1;
    int year = fy_ - age - (month >= 4 ? 1 : 0);
    char birth[16];
    std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", year, month, day_of_year % 28 + 1);
    int64_t c = tx_.execute(
                       "INSERT INTO children (municipality_id, household_id, family_name, "
                       "given_name, family_name_kana, given_name_kana, birth_date, sex, "
                       "disability_grade, external_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                       "?, ?, ?, ?)",
                       {city, household, family_.kanji, given.kanji, family_.kana, given.kana,
                        birth, girl ? "female" : "male", chance(2) ? 2 : 0,
                        "C" + std::to_string(city) + "-" + std::to_string(++child_no_), now_})
                    .last_insert_id;
    tx_.execute("INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, "
                "starts_on, certified_hours) VALUES (?, ?, ?, ?, ?, ?)",
                {city, c, facility, class_id, std::to_string(fy_) + "-04-01",
                 nursery ? db::Value(chance(75) ? "standard" : "short") : db::Value()});
  }

  int64_t classFor(int64_t facility, int age) {
    auto row = tx_.queryOne(
        "SELECT id FROM classes WHERE facility_id = ? AND fiscal_year = ? AND age_group = ?",
        {facility, fy_, age});
    return row ? row->getInt("id") : 0;
  }

  void staffFor(int64_t city, int64_t facility, const std::string& kind, const char* code) {
    bool school = kind == "elementary" || kind == "junior_high";
    int count = school ? 6 : 10;
    for (int i = 0; i < count; ++i) {
      const char* qualification =
          school ? "kyouin" : (i < count - 2 ? "hoikushi" : (i == count - 2 ? "kangoshi" : "chorishi"));
      addStaff(city, facility, code, i, qualification, !school && i >= count - 3);
    }
  }

  void addStaff(int64_t city, int64_t facility, const char* code, int i,
                const char* qualification, bool part) {
    family_ = pick(kFamily);
    const Name& given = chance(80) ? pick(kMother) : pick(kFather);
    int64_t s = tx_.execute(
                       "INSERT INTO staff (municipality_id, employee_code, family_name, "
                       "given_name, family_name_kana, given_name_kana, created_at) VALUES (?, ?, "
                       "?, ?, ?, ?, ?)",
                       {city, std::string(code) + "-" + std::to_string(i + 1), family_.kanji,
                        given.kanji, family_.kana, given.kana, now_})
                    .last_insert_id;
    if (!first_staff_of_.count(facility)) first_staff_of_[facility] = s;
    tx_.execute("INSERT INTO staff_qualifications (municipality_id, staff_id, qualification) "
                "VALUES (?, ?, ?)",
                {city, s, qualification});
    tx_.execute("INSERT INTO staff_assignments (municipality_id, staff_id, facility_id, "
                "starts_on) VALUES (?, ?, ?, ?)",
                {city, s, facility, std::to_string(fy_) + "-04-01"});
    tx_.execute("INSERT INTO staff_contracts (municipality_id, staff_id, kind, "
                "minutes_per_week, days_per_week, starts_on) VALUES (?, ?, ?, ?, ?, ?)",
                {city, s, part ? "part_time" : "full_time", part ? 1200 : 2400, part ? 3 : 5,
                 std::to_string(fy_) + "-04-01"});
  }

  DemoLogin login(int64_t city, const std::string& role, const std::string& login,
                  const std::string& name, int64_t facility, const std::string& where) {
    last_user_ =
        tx_.execute("INSERT INTO users (municipality_id, login, password_hash, display_name, "
                    "language, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'ja', "
                    "'active', ?, ?)",
                    {city, login, hash_ ? db::Value(hash_(kPassword)) : db::Value(), name, now_,
                     now_})
            .last_insert_id;
    tx_.execute("INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
                "granted_by_user_id) VALUES (?, ?, ?, ?, ?, 0)",
                {city, last_user_, role, facility, now_});
    return {role, login, hash_ ? kPassword : "", where};
  }

  db::Tx& tx_;
  std::string now_;
  int fy_;
  const std::function<std::string(const std::string&)>& hash_;
  std::mt19937 rng_{20261125};
  Name family_ = kFamily[0];
  int household_no_ = 0;
  int child_no_ = 0;
  int64_t last_user_ = 0;
  std::map<int64_t, int64_t> first_guardian_of_;
  std::map<int64_t, int64_t> first_staff_of_;
};

}  // namespace

std::vector<DemoLogin> seedDemoTenancy(
    db::Database& db, const Clock& clock,
    const std::function<std::string(const std::string&)>& hash_password) {
  return db.transaction([&](db::Tx& tx) -> std::vector<DemoLogin> {
    if (tx.queryOne("SELECT id FROM municipalities WHERE code = ?", {kDemoCode})) return {};
    return Seeder(tx, clock, hash_password).run();
  });
}

}  // namespace sukusuku
