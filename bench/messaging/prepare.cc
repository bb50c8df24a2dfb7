// Prepares the morning-rush benchmark: the demo city plus N synthetic families, each with a
// guardian login and one child at one of the demo nurseries, on the database the configuration
// names (SUKUSUKU_DB_URL, ...). Writes one line per child to OUT:
//   <access token> TAB {"child_id":…,"qr":"<today's entrance code>"}
// so that wrk can post real, authenticated check-ins of distinct children.
//   bench_messaging_prepare N OUT
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include <sukusuku/builtin.h>
#include <sukusuku/identity/identity_service.h>
#include <sukusuku/runtime.h>

namespace {

using sukusuku::db::Params;

std::string entranceCode(const std::string& secret, int64_t facility, const std::string& date) {
  std::string msg = "messaging.qr|" + std::to_string(facility) + "|" + date;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return "SK1-" + std::to_string(facility) + "-" + date.substr(0, 4) + date.substr(5, 2) +
         date.substr(8, 2) + "-" + hex;
}

int64_t nextId(sukusuku::db::Connection& conn, const std::string& table) {
  auto r = conn.queryOne("SELECT MAX(id) AS m FROM " + table);
  return r->getOptInt("m").value_or(0) + 1;
}

// INSERT INTO TABLE (COLS) VALUES (...), (...): ROWS rows of COLS.size() values each.
void insertMany(sukusuku::db::Connection& conn, const std::string& table,
                const std::vector<std::string>& cols, const std::vector<Params>& rows) {
  if (rows.empty()) return;
  std::string sql = "INSERT INTO " + table + " (";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? ", " : "") + cols[i];
  sql += ") VALUES ";
  std::string one = "(";
  for (size_t i = 0; i < cols.size(); ++i) one += i ? ", ?" : "?";
  one += ")";
  Params all;
  for (size_t r = 0; r < rows.size(); ++r) {
    sql += (r ? ", " : "") + one;
    all.insert(all.end(), rows[r].begin(), rows[r].end());
  }
  conn.execute(sql, all);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench_messaging_prepare N OUT\n";
    return 2;
  }
  int n = std::atoi(argv[1]);
  std::string out_path = argv[2];
  using namespace sukusuku;
  auto config = std::make_unique<Config>();
  Runtime::declareCoreKeys(*config);
  config->set("jobs.enabled", "false");
  Runtime rt(std::move(config));
  addBuiltInModules(rt);
  rt.boot();
  rt.migrate();
  rt.start();
  rt.seedDemo();
  auto identity = rt.services().find<identity::IdentityService>("identity");
  auto& db = rt.database();
  std::string now = formatUtc(rt.clock().now()), today = tokyoDate(rt.clock().now());
  int fy = fiscalYear(rt.clock().now());

  auto conn = db.acquire();
  int64_t city = conn->queryOne("SELECT id FROM municipalities WHERE code = '349999'")->getInt("id");
  std::vector<std::pair<int64_t, int64_t>> classes;  // facility, class (nursery 3-year-olds)
  for (const auto& r : conn->query(
           "SELECT f.id, c.id AS class_id FROM facilities f JOIN classes c ON c.facility_id = f.id "
           "WHERE f.municipality_id = ? AND f.kind = 'nursery' AND c.age_group = 3 ORDER BY f.id",
           {city})) {
    classes.emplace_back(r.getInt("id"), r.getInt("class_id"));
  }
  std::string secret =
      conn->queryOne("SELECT secret FROM messaging_secrets WHERE name = 'qr'")->getText("secret");

  std::ofstream out(out_path);
  const int kBatch = 400;
  for (int start = 0; start < n; start += kBatch) {
    int count = std::min(kBatch, n - start);
    db.transaction([&](db::Tx& tx) {
      int64_t h0 = nextId(tx, "households"), u0 = nextId(tx, "users"),
              g0 = nextId(tx, "guardians"), c0 = nextId(tx, "children"),
              e0 = nextId(tx, "enrolments"), r0 = nextId(tx, "user_roles");
      std::vector<Params> hs, us, gs, cs, es, rs;
      for (int i = 0; i < count; ++i) {
        int k = start + i;
        auto [facility, class_id] = classes[k % classes.size()];
        std::string tag = "B" + std::to_string(k);
        hs.push_back({h0 + i, city, "ベンチ家", "720-0000", "すくすく市ベンチ町", "090", 0,
                      "BH-" + std::to_string(h0 + i), now, now});
        us.push_back({u0 + i, city, "bench" + std::to_string(u0 + i) + "@bench.sukusuku.jp",
                      "ベンチ 保護者", now, now});
        rs.push_back({r0 + i, city, u0 + i, "guardian", 0, now, 0});
        gs.push_back({g0 + i, city, h0 + i, u0 + i, "ベンチ", "花子", "ベンチ", "ハナコ",
                      "mother", 1, 1, "090", "bench@example.jp"});
        cs.push_back({c0 + i, city, h0 + i, "ベンチ", "太郎", "ベンチ", "タロウ",
                      std::to_string(fy - 4) + "-06-01", "male", 0,
                      "BC-" + std::to_string(c0 + i), now});
        es.push_back({e0 + i, city, c0 + i, facility, class_id, std::to_string(fy) + "-04-01",
                      "standard"});
      }
      insertMany(tx, "households",
                 {"id", "municipality_id", "name", "postal_code", "address", "phone",
                  "single_parent", "external_id", "created_at", "updated_at"},
                 hs);
      insertMany(tx, "users",
                 {"id", "municipality_id", "login", "display_name", "created_at", "updated_at"},
                 us);
      insertMany(tx, "user_roles",
                 {"id", "municipality_id", "user_id", "role", "facility_id", "granted_at",
                  "granted_by_user_id"},
                 rs);
      insertMany(tx, "guardians",
                 {"id", "municipality_id", "household_id", "user_id", "family_name", "given_name",
                  "family_name_kana", "given_name_kana", "relationship", "primary_payer",
                  "may_pick_up", "phone", "email"},
                 gs);
      insertMany(tx, "children",
                 {"id", "municipality_id", "household_id", "family_name", "given_name",
                  "family_name_kana", "given_name_kana", "birth_date", "sex", "disability_grade",
                  "external_id", "created_at"},
                 cs);
      insertMany(tx, "enrolments",
                 {"id", "municipality_id", "child_id", "facility_id", "class_id", "starts_on",
                  "certified_hours"},
                 es);
      for (int i = 0; i < count; ++i) {
        int k = start + i;
        int64_t facility = classes[k % classes.size()].first;
        out << identity->keys().issue(u0 + i, 0, rt.clock().nowSeconds(), 3 * 3600) << "\t"
            << R"({"child_id":)" << (c0 + i) << R"(,"qr":")"
            << entranceCode(secret, facility, today) << "\"}\n";
      }
    });
  }
  std::cerr << n << " families ready in " << out_path << "\n";
  return 0;
}
