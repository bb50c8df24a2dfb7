// Fees at ten times the pioneer city: 300,000 pupils in 620 schools on MariaDB.
//
//   bench_fees MYSQL_SERVER_URL [PUPILS]      e.g. mysql://root@127.0.0.1:3307/ 300000
//
// Creates a scratch database, migrates it with the fees plugin, generates the city (not timed),
// then times
//   1. the billing run for instalment 1 plus the Zengin 91 export (goal <= 10 s; two consignors:
//      the default and a 信用金庫 for one household in four, so two files),
//   2. the import and reconciliation of the bank's result files, 3% failures (goal <= 10 s),
// and, as the anchor in the same run, a plain multi-row INSERT of as many journal-sized rows and
// a SELECT reading them back (the floor of what the database can do). Prints rows/s and ratios.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include <sukusuku/builtin.h>
#include <sukusuku/runtime.h>

#include "../../plugins/fees/domain/batch_insert.h"
#include "fees_service.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/zengin.h"

using namespace sukusuku;
using Clock_ = std::chrono::steady_clock;

static double since(Clock_::time_point t) {
  return std::chrono::duration<double>(Clock_::now() - t).count();
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_fees MYSQL_SERVER_URL [PUPILS]\n";
    return 2;
  }
  std::string server = argv[1];
  if (server.back() != '/') server += '/';
  const int pupils = argc > 2 ? std::atoi(argv[2]) : 300000;
  ::setenv("SUKUSUKU_FEES_PROFILE", "1", 0);  // phase timings on stderr
  const std::string name = "sukusuku_bench_fees_" + std::to_string(::getpid());
  {
    auto admin = db::Database::open(server);
    admin->acquire()->execute("CREATE DATABASE " + name);
  }
  int status = 0;
  try {
    auto config = std::make_unique<Config>();
    config->set("db.url", server + name);
    config->set("data.dir", "/tmp/" + name);
    config->set("plugins.dir", SUKUSUKU_BENCH_PLUGINS_DIR);
    config->set("resources.dir", SUKUSUKU_BENCH_RESOURCES_DIR);
    config->set("plugins.enabled", "fees");
    config->set("jobs.enabled", "false");
    auto clock = std::make_shared<ManualClock>(parseUtc("2026-04-20T00:00:00Z"));
    Runtime rt(std::move(config), clock);
    addBuiltInModules(rt);
    rt.boot();
    rt.migrate();
    db::Database& db = rt.database();
    fees::FeesService svc(db, *clock,
                          std::make_shared<const fees::BankTable>(
                              fees::BankTable::load(FEES_BANK_TABLE)),
                          nullptr, &rt.blobs());

    // ---- the city (not timed) ----
    auto t0 = Clock_::now();
    const int schools = 620;
    int64_t city = 0;
    std::vector<int64_t> school_ids, class_ids;
    db.transaction([&](db::Tx& tx) {
      city = tx.execute("INSERT INTO municipalities (code, name, name_kana, prefecture, "
                        "created_at) VALUES ('349990', 'ベンチ市', 'ベンチシ', '東京都', 'x')")
                 .last_insert_id;
      for (int s = 0; s < schools; ++s) {
        const bool junior = s % 3 == 2;
        const int64_t f =
            tx.execute("INSERT INTO facilities (municipality_id, kind, code, name, name_kana, "
                       "address, phone, capacity, opens_at, closes_at, created_at) VALUES (?, ?, "
                       "?, ?, 'ｶﾞｯｺｳ', '', '', 900, '08:00', '17:00', 'x')",
                       {city, junior ? "junior_high" : "elementary", "S" + std::to_string(s),
                        "学校" + std::to_string(s)})
                .last_insert_id;
        school_ids.push_back(f);
        for (int g = junior ? 7 : 1; g <= (junior ? 9 : 6); ++g) {
          class_ids.push_back(tx.execute("INSERT INTO classes (municipality_id, facility_id, "
                                         "fiscal_year, name, grade, room) VALUES (?, ?, 2026, ?, "
                                         "?, '')",
                                         {city, f, std::to_string(g) + "年", g})
                                  .last_insert_id);
        }
      }
    });
    fees::Settings settings{"1234567890", "ベンチシ", "0001", "001", 1, "1234567", 5};
    svc.saveSettings(city, settings);
    // A second consignor (委託者), a 信用金庫 collecting its own customers (one household in
    // four): the export writes two files, the import reads two.
    const std::string shinkin_branch = svc.banks().bank("1750")->branches.begin()->first;
    svc.saveConsignor(city, {0, "2345678901", "ベンチシ", "1750", shinkin_branch, 1, "2345678",
                             {"1750"}, false, false});
    std::vector<fees::Instalment> schedule;
    for (int m = 0; m < 10; ++m) schedule.push_back({m + 1, m, fees::fiscalMonth(2026, m) + "-27"});
    svc.setInstalments(city, 2026, schedule);
    {
      auto conn = db.acquire();
      for (const auto& r : conn->query("SELECT id, facility_id, grade FROM classes WHERE "
                                       "municipality_id = ?",
                                       {city})) {
        fees::PlanInput p{r.getInt("facility_id"), 2026, static_cast<int>(r.getInt("grade")),
                          "計画", {}};
        p.items = {{0, 0, "ドリル", 450, 2, false}, {0, 0, "テスト", 180, 12, false},
                   {0, 0, "教材", 1300, 1, false}, {0, 2, "校外学習", 1600, 1, false},
                   {0, 0, "デジタル教材", 1200, 1, false}};
        svc.savePlan(city, p);
      }
    }
    // Households: two pupils in one household in three (siblings across schools).
    std::mt19937 rng(42);
    db.transaction([&](db::Tx& tx) {
      fees::BatchInsert households(tx, "households",
                                   {"municipality_id", "name", "postal_code", "address", "phone",
                                    "created_at", "updated_at"});
      const int n_households = pupils * 2 / 3 + 1;
      for (int h = 0; h < n_households; ++h) households.add({city, "家", "", "", "", "x", "x"});
      households.flush();
      // Ids read back: bulk loads leave gaps in AUTO_INCREMENT between loads.
      std::vector<int64_t> hid;
      for (const auto& r : tx.query("SELECT id FROM households WHERE municipality_id = ? ORDER "
                                    "BY id",
                                    {city})) {
        hid.push_back(r[0].asInt());
      }
      fees::BatchInsert children(tx, "children",
                                 {"municipality_id", "household_id", "family_name", "given_name",
                                  "family_name_kana", "given_name_kana", "birth_date", "sex",
                                  "created_at"});
      for (int p = 0; p < pupils; ++p) {
        const int64_t h = hid[p < n_households ? p : (p - n_households) * 2 % n_households];
        children.add({city, h, "山田", "太郎", "ヤマダ", "タロウ", "2015-05-05", "male", "x"});
      }
      children.flush();
      std::vector<int64_t> cid;
      for (const auto& r : tx.query("SELECT id FROM children WHERE municipality_id = ? ORDER BY id",
                                    {city})) {
        cid.push_back(r[0].asInt());
      }
      auto conn_classes = tx.query("SELECT id, facility_id FROM classes WHERE municipality_id = ?",
                                   {city});
      fees::BatchInsert enrol(tx, "enrolments", {"municipality_id", "child_id", "facility_id",
                                                 "class_id", "starts_on"});
      for (int p = 0; p < pupils; ++p) {
        const auto& cl = conn_classes[rng() % conn_classes.size()];
        enrol.add({city, cid[p], cl.getInt("facility_id"), cl.getInt("id"), "2026-04-01"});
      }
      enrol.flush();
      fees::BatchInsert mandates(tx, "fee_mandates",
                                 {"municipality_id", "household_id", "bank_code", "branch_code",
                                  "account_type", "account_number", "holder_kana", "status",
                                  "debited_before", "created_at", "updated_at"});
      for (int h = 0; h < n_households; ++h) {
        if (h % 20 == 0) continue;  // one in twenty pays by slip
        const bool shinkin = h % 4 == 3;
        mandates.add({city, hid[h], shinkin ? "1750" : "0001",
                      shinkin ? shinkin_branch : std::string("001"), 1,
                      std::to_string(1000000 + h),
                      "ﾔﾏﾀﾞ ﾊﾅｺ", "active", 0, "x", "x"});
      }
      mandates.flush();
      fees::BatchInsert aid(tx, "household_school_aid",
                            {"municipality_id", "household_id", "kind", "from_month"});
      for (int h = 0; h < n_households; h += 7) aid.add({city, hid[h], "jun_yo_hogo", "2026-04"});
      aid.flush();
    });
    std::printf("generated %d pupils in %d schools in %.1f s\n", pupils, schools, since(t0));

    // ---- 1. billing run + debit export ----
    auto t1 = Clock_::now();
    const fees::RunSummary run = svc.bill(city, {2026, 1, false, 0});
    const double bill_s = since(t1);
    auto t2 = Clock_::now();
    const fees::DebitExport exp = svc.exportDebit(city, {2026, 1, "", true});
    const double export_s = since(t2);
    const double run_s = bill_s + export_s;
    std::printf("bulk loads: %s\n",
                fees::loadDataState().load() == fees::LoadData::kWorks
                    ? "LOAD DATA LOCAL INFILE"
                    : "multi-row INSERT (LOAD DATA LOCAL refused or disabled)");
    std::printf("billing run: %lld pupils, %lld entries, %lld bills in %.2f s; export %lld "
                "debits in %.2f s; total %.2f s = %.0f pupils/s (goal <= 10 s)\n",
                static_cast<long long>(run.pupils), static_cast<long long>(run.entries),
                static_cast<long long>(run.bills), bill_s, static_cast<long long>(exp.records),
                export_s, run_s, pupils / run_s);

    for (const auto& f : exp.files) {
      std::printf("  file of consignor %s: %lld debits, %lld yen\n", f.consignor_code.c_str(),
                  static_cast<long long>(f.records), static_cast<long long>(f.total));
    }

    // ---- 2. result import + reconciliation: each consignor's result file ----
    std::vector<std::string> results;
    for (const auto& f : exp.files) {
      fees::zengin::DebitFile result = fees::zengin::readDebitFile(f.bytes);
      for (size_t i = 0; i < result.records.size(); ++i) {
        if (i % 33 == 0) result.records[i].result_code = 1 + static_cast<int>(i % 4);
      }
      results.push_back(fees::zengin::writeDebitFile(result, {}, true));
    }
    fees::ImportReport rep;
    auto t3 = Clock_::now();
    for (const auto& bytes : results) {
      const fees::ImportReport one = svc.importResult(city, bytes);
      rep.records += one.records;
      rep.debited += one.debited;
      for (const auto& u : one.unmatched) rep.unmatched.push_back(u);
    }
    const double import_s = since(t3);
    std::printf("result import: %lld lines in %zu files, %lld debited, %zu unmatched in %.2f s = "
                "%.0f lines/s (goal <= 10 s)\n",
                static_cast<long long>(rep.records), results.size(),
                static_cast<long long>(rep.debited), rep.unmatched.size(), import_s,
                rep.records / import_s);

    // ---- anchor: raw multi-row INSERT and SELECT of as many journal-sized rows ----
    auto conn = db.acquire();
    conn->execute("CREATE TABLE bench_anchor (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                  "a BIGINT, b BIGINT, c BIGINT, d VARCHAR(64), e VARCHAR(255))");
    auto t4 = Clock_::now();
    // The anchor is the plain way: 500-row multi-row INSERTs with bound parameters (as the
    // first version of the plugin wrote its journal), one prepared statement reused.
    db.transaction([&](db::Tx& tx) {
      std::string one_batch = "INSERT INTO bench_anchor (a, b, c, d, e) VALUES ";
      for (int r = 0; r < 500; ++r) one_batch += r ? ", (?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)";
      db::Params params;
      for (int i = 0; i < pupils; ++i) {
        for (db::Value v : {db::Value(i), db::Value(i * 7), db::Value(1500), db::Value("run:1"),
                            db::Value("{\"1\":150,\"2\":300}")}) {
          params.push_back(std::move(v));
        }
        if (params.size() == 2500) {
          tx.execute(one_batch, params);
          params.clear();
        }
      }
      if (!params.empty()) {
        std::string rest = "INSERT INTO bench_anchor (a, b, c, d, e) VALUES ";
        for (size_t r = 0; r < params.size() / 5; ++r) rest += r ? ", (?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)";
        tx.execute(rest, params);
      }
    });
    const double anchor_write = since(t4);
    // The same rows through the plugin's BatchInsert (1000-row literal statements on MariaDB).
    conn->execute("CREATE TABLE bench_anchor2 (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                  "a BIGINT, b BIGINT, c BIGINT, d VARCHAR(64), e VARCHAR(255))");
    auto t4b = Clock_::now();
    db.transaction([&](db::Tx& tx) {
      fees::BatchInsert anchor(tx, "bench_anchor2", {"a", "b", "c", "d", "e"});
      for (int i = 0; i < pupils; ++i) anchor.add({i, i * 7, 1500, "run:1", "{\"1\":150,\"2\":300}"});
      anchor.flush();
    });
    const double literal_write = since(t4b);
    std::printf("anchor via the plugin's BatchInsert (LOAD DATA LOCAL where allowed): INSERT %d rows %.2f s\n", pupils,
                literal_write);
    auto t5 = Clock_::now();
    const auto rows = conn->query("SELECT id, a, b, c, d, e FROM bench_anchor");
    const double anchor_read = since(t5);
    std::printf("anchor: INSERT %d rows %.2f s, SELECT %zu rows %.2f s\n", pupils, anchor_write,
                rows.size(), anchor_read);
    std::printf("ratio billing run+export / anchor INSERT: %.2f\n", run_s / anchor_write);
    std::printf("ratio import / (anchor INSERT + SELECT): %.2f\n",
                import_s / (anchor_write + anchor_read));
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    status = 1;
  }
  auto admin = db::Database::open(server);
  admin->acquire()->execute("DROP DATABASE " + name);
  return status;
}
