// Demo data for the eligibility plugin; see routes.h.
#include <cmath>

#include "notices.h"
#include "routes.h"

namespace sukusuku::eligibility_plugin {

namespace {

struct DemoShop {
  const char* name;
  const char* category;
  const char* offer;
  double north_m;  // offset from the town centre
  double east_m;
};

// Around すくすく市's centre; the offers are typical of 子育て支援パスポート shops.
constexpr DemoShop kSukusukuShops[] = {
    {"すくすくベーカリー", "food", "パスポート提示でパン1個サービス", 120, -80},
    {"駅前こども書店", "learning", "絵本10%引き", -200, 150},
    {"ひだまり薬局", "health", "おむつ・ミルク5%引き、授乳室あり", 350, 300},
    {"中央うどん", "food", "お子さまうどん半額、座敷あり", -420, -260},
    {"すくすくスーパー南店", "shopping", "毎月19日は子育て世帯ポイント2倍", -900, 650},
    {"ぞうさん写真館", "other", "七五三撮影10%引き", 800, -700},
    {"あおぞら公園カフェ", "food", "キッズドリンク無料", 1500, 1200},
    {"ピアノ教室ドレミ", "learning", "体験レッスン無料", -1600, -1400},
    {"みなみ小児科前ドラッグ", "health", "ベビー用品5%引き", 2400, -300},
    {"ふれあいボウル", "play", "小学生以下1ゲーム無料", -2800, 2200},
    {"すくすく眼鏡店", "shopping", "こどもメガネ15%引き", 4200, 3900},
    {"山のこどもの森", "play", "入園料 家族1人無料", 9000, -8000}};

constexpr DemoShop kTonariShops[] = {
    {"となり町パン工房", "food", "パスポート提示でラスク1袋", 100, 100},
    {"となり町こども服", "shopping", "子ども服10%引き", -300, 200}};

// 福山駅 area, for a believable map; the demo city itself is fictional.
constexpr double kCentreLat = 34.4894;
constexpr double kCentreLon = 133.3626;
constexpr double kTonariLat = 34.5503;
constexpr double kTonariLon = 133.2436;

template <size_t N>
void addShops(db::Tx& tx, int64_t municipality, double lat, double lon, const DemoShop (&shops)[N],
              const std::string& now) {
  for (const auto& s : shops) {
    double dlat = s.north_m / 111320.0;
    double dlon = s.east_m / (111320.0 * std::cos(lat * 3.14159265358979323846 / 180.0));
    tx.execute("INSERT INTO eligibility_shops (municipality_id, name, category, offer, address, "
               "lat, lon, created_by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
               {municipality, s.name, s.category, s.offer, std::string("中央町") + s.name,
                lat + dlat, lon + dlon, now});
  }
}

}  // namespace

void seedDemo(EligibilityContext& ctx,
              const std::function<std::string(const std::string&)>& hash) {
  int64_t city = 0;
  bool seeded = ctx.db->transaction([&](db::Tx& tx) {
    auto c = tx.queryOne("SELECT id FROM municipalities WHERE code = '349999'");
    auto t = tx.queryOne("SELECT id FROM municipalities WHERE code = '349998'");
    if (!c || !t) return false;  // no core demo data
    city = c->getInt("id");
    if (tx.queryOne("SELECT id FROM eligibility_shops WHERE municipality_id = ? LIMIT 1", {city})) {
      return false;
    }
    const std::string now = ctx.now();
    addShops(tx, city, kCentreLat, kCentreLon, kSukusukuShops, now);
    addShops(tx, t->getInt("id"), kTonariLat, kTonariLon, kTonariShops, now);

    // A couple expecting their first baby: no children yet, so a birth makes them newly
    // eligible for 児童手当 (the demo of pushing to the families it fits).
    int64_t h = tx.execute("INSERT INTO households (municipality_id, name, postal_code, address, "
                           "phone, single_parent, resident_tax_exempt, income_yen, income_year, "
                           "dependants, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, "
                           "?, 0, 0, 4200000, ?, 1, ?, ?, ?)",
                           {city, "森家", "720-0000", "すくすく市北町1番地", "090-0000-0000",
                            fiscalYear(ctx.clock->now()) - 1, "H-EXPECTING-1", now, now})
                    .last_insert_id;
    int64_t user = tx.execute("INSERT INTO users (municipality_id, login, password_hash, "
                              "display_name, language, status, created_at, updated_at) VALUES "
                              "(?, 'family@demo.sukusuku.jp', ?, '森 愛', 'ja', 'active', ?, ?)",
                              {city, hash ? db::Value(hash("sukusuku-demo")) : db::Value(), now,
                               now})
                       .last_insert_id;
    tx.execute("INSERT INTO user_roles (municipality_id, user_id, role, facility_id, granted_at, "
               "granted_by_user_id) VALUES (?, ?, 'guardian', 0, ?, 0)",
               {city, user, now});
    tx.execute("INSERT INTO guardians (municipality_id, household_id, user_id, family_name, "
               "given_name, family_name_kana, given_name_kana, relationship, primary_payer, "
               "may_pick_up, phone, email) VALUES (?, ?, ?, '森', '愛', 'モリ', 'アイ', "
               "'mother', 1, 1, '090-0000-0000', 'family@demo.sukusuku.jp')",
               {city, h, user});
    return true;
  });
  if (!seeded) return;
  // What the demo families already qualify for is known, not news: nobody is pushed for it.
  recheckAll(ctx, "baseline", /*baseline=*/true);
}

}  // namespace sukusuku::eligibility_plugin
