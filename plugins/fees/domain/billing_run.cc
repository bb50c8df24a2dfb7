// 調定: assess every pupil of the municipality's plans for one instalment.
#include <Poco/Logger.h>
#include <algorithm>
#include <future>
#include <unordered_map>
#include <unordered_set>

#include "batch_insert.h"
#include "phase_timer.h"
#include "fees_service.h"
#include "sukusuku/error.h"
#include "sukusuku/fees/billing.h"

namespace sukusuku::fees {

namespace {

struct PlanItems {
  std::vector<int64_t> item_ids;
  std::vector<int64_t> annual;
  std::vector<bool> optional;
};

struct Pupil {
  int64_t child_id = 0;
  int64_t facility_id = 0;
  int64_t household_id = 0;
  int grade = 0;
  EnrolledSpan span{12, -1};
};

// Items JSON {"id":yen,…} written and read without a general parser: the billing run writes
// and reads hundreds of thousands of them.
std::string itemsJson(const std::vector<std::pair<int64_t, int64_t>>& items) {
  std::string s = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) s += ',';
    s += '"' + std::to_string(items[i].first) + "\":" + std::to_string(items[i].second);
  }
  return s + "}";
}

void addItems(const std::string& json, std::unordered_map<int64_t, int64_t>& into) {
  size_t pos = 0;
  while ((pos = json.find('"', pos)) != std::string::npos) {
    const size_t end = json.find('"', pos + 1);
    const int64_t id = std::stoll(json.substr(pos + 1, end - pos - 1));
    const size_t colon = json.find(':', end);
    size_t stop = json.find_first_of(",}", colon);
    into[id] += std::stoll(json.substr(colon + 1, stop - colon - 1));
    pos = stop;
  }
}

struct Key {
  int64_t a, b;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<int64_t>()(k.a * 1000003 + k.b);
  }
};

// Thrown to roll a dry run back after it has computed everything.
struct DryRunRollback {};

struct Delta {
  Pupil pupil;
  bool city = false;
  int64_t amount = 0;
  bool adjustment = false;
  std::vector<std::pair<int64_t, int64_t>> items;
};

}  // namespace

bool FeesService::takeOverDeadRun(int64_t city) {
  const TimePoint now = clock_.now();
  const bool mysql = db_.acquire()->dialect().name() == "mysql";
  return db_.transaction([&](db::Tx& tx) -> bool {
    auto held = tx.queryOne("SELECT run_id, started_at FROM fee_run_locks WHERE "
                            "municipality_id = ?" + std::string(tx.dialect().forUpdate()),
                            {city});
    if (!held) return true;  // released meanwhile: try again
    // MariaDB: NOWAIT fails at once while the run's billing transaction holds its fee_runs row.
    // SQLite: this transaction has the database's write lock, so no billing transaction runs.
    if (mysql) {
      try {
        tx.query("SELECT id FROM fee_runs WHERE id = ? FOR UPDATE NOWAIT", {held->getInt("run_id")});
      } catch (const db::DbError&) {
        return false;  // a live run
      }
    }
    TimePoint started;
    try {
      started = parseUtc(held->getText("started_at"));
    } catch (const Error&) {
      return false;
    }
    if (now - started < std::chrono::seconds(kRunLockGraceSeconds)) return false;
    const int64_t dead = held->getInt("run_id");
    tx.execute("DELETE FROM fee_run_locks WHERE municipality_id = ? AND run_id = ?", {city, dead});
    tx.execute("UPDATE fee_runs SET status = 'interrupted', finished_at = ?, summary = ? WHERE "
               "id = ? AND status = 'running'",
               {formatUtc(now), nlohmann::json({{"error", "the node running it stopped"}}).dump(),
                dead});
    Poco::Logger::get("fees").warning("billing run %Ld of municipality %Ld was interrupted (its "
                                      "node stopped); its lock is taken over",
                                      static_cast<long long>(dead), static_cast<long long>(city));
    return true;
  });
}

RunSummary FeesService::bill(int64_t city, const RunOptions& opt) {
  const auto schedule = instalments(city, opt.fiscal_year);
  if (opt.instalment < 1 || opt.instalment > static_cast<int>(schedule.size())) {
    throw Error::notFound("fees.instalment_not_found",
                          "no instalment " + std::to_string(opt.instalment) + " in fiscal year " +
                              std::to_string(opt.fiscal_year));
  }
  std::vector<int> months;
  for (const auto& s : schedule) months.push_back(s.month_index);
  const size_t k = static_cast<size_t>(opt.instalment - 1);
  const std::string bill_month = fiscalMonth(opt.fiscal_year, months[k]);
  const std::string due_date = schedule[k].debit_date;
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);

  // One run at a time per municipality, on every node: the lock row's primary key decides. The
  // run's billing transaction holds the lock row FOR UPDATE (below), so a row older than a few
  // seconds that nobody holds belongs to a run whose node died (MariaDB rolled its transaction
  // back when the connection dropped): the next run takes it over instead of waiting for ever.
  int64_t run_id = 0;
  if (!opt.dry_run) {
    for (int attempt = 0;; ++attempt) {
    try {
      run_id = db_.transaction([&](db::Tx& tx) {
        tx.execute("INSERT INTO fee_run_locks (municipality_id, run_id, started_at) VALUES (?, 0, ?)",
                   {city, now});
        const int64_t id =
            tx.execute("INSERT INTO fee_runs (municipality_id, fiscal_year, instalment, dry_run, "
                       "status, started_at) VALUES (?, ?, ?, 0, 'running', ?)",
                       {city, opt.fiscal_year, opt.instalment, now})
                .last_insert_id;
        tx.execute("UPDATE fee_run_locks SET run_id = ? WHERE municipality_id = ?", {id, city});
        return id;
      });
      break;
    } catch (const db::DbError& e) {
      if (e.kind() != db::DbError::Kind::kUnique) throw;
      if (attempt == 0 && takeOverDeadRun(city)) continue;
      auto conn = db_.acquire();
      auto held = conn->queryOne("SELECT run_id, started_at FROM fee_run_locks WHERE "
                                 "municipality_id = ?",
                                 {city});
      throw Error::conflict("fees.run_in_progress", "another billing run is in progress",
                            {{"run_id", held ? held->getInt("run_id") : 0},
                             {"started_at", held ? held->getText("started_at") : ""}});
    }
    }
  }
  auto release = [&](const std::string& status, const nlohmann::json& summary) {
    if (opt.dry_run) return;
    db_.transaction([&](db::Tx& tx) {
      tx.execute("DELETE FROM fee_run_locks WHERE municipality_id = ? AND run_id = ?",
                 {city, run_id});
      tx.execute("UPDATE fee_runs SET status = ?, summary = ?, finished_at = ? WHERE id = ?",
                 {status, summary.dump(), formatUtc(clock_.now()), run_id});
    });
  };

  RunSummary summary;
  summary.run_id = run_id;
  try {
    db_.transaction([&](db::Tx& tx) {
      // The run's own row, held until this transaction ends: other nodes see the run alive
      // (takeOverDeadRun); contenders for the lock row are not blocked by it.
      if (run_id > 0) {
        tx.query("SELECT id FROM fee_runs WHERE id = ?" + std::string(tx.dialect().forUpdate()),
                 {run_id});
      }
      PhaseTimer timer("bill");
      summary = RunSummary{};
      summary.run_id = run_id;
      // Plans of the year: (school, grade) → items with their annual amounts.
      std::unordered_map<Key, PlanItems, KeyHash> plans;
      for (const auto& r : tx.query(
               "SELECT p.facility_id, p.grade, i.id, i.unit_price * i.quantity AS annual, "
               "i.optional FROM fee_plans p JOIN fee_plan_items i ON i.plan_id = p.id "
               "WHERE p.municipality_id = ? AND p.fiscal_year = ? ORDER BY i.id",
               {city, opt.fiscal_year})) {
        auto& p = plans[{r.getInt("facility_id"), r.getInt("grade")}];
        p.item_ids.push_back(r.getInt("id"));
        p.annual.push_back(r.getInt("annual"));
        p.optional.push_back(r.getInt("optional") != 0);
      }
      timer.lap("plans");
      std::unordered_set<Key, KeyHash> applied;
      for (const auto& r : tx.query("SELECT child_id, item_id FROM fee_applications WHERE "
                                    "municipality_id = ?",
                                    {city})) {
        applied.insert({r.getInt("child_id"), r.getInt("item_id")});
      }
      // Pupils: their enrolments at planned schools in the year, merged per (child, school).
      // Classes of the year are few: kept in memory, and the children's households and the
      // enrolments are read in two plain scans (a three-way join cost several times as much).
      // On MariaDB the children are read on a second connection while this one reads the
      // enrolments (both committed data, as every statement of this READ COMMITTED transaction
      // sees); SQLite reads them in turn.
      const std::string children_sql =
          "SELECT id, household_id FROM children WHERE municipality_id = ?";
      std::future<db::Rows> children_rows;
      if (tx.dialect().name() == "mysql") {
        children_rows = std::async(std::launch::async, [&, city] {
          return db_.acquire()->query(children_sql, {city});
        });
      }
      std::unordered_map<int64_t, int> class_grades;
      for (const auto& r : tx.query("SELECT id, grade FROM classes WHERE municipality_id = ? AND "
                                    "fiscal_year = ? AND grade IS NOT NULL",
                                    {city, opt.fiscal_year})) {
        class_grades[r.getInt("id")] = static_cast<int>(r.getInt("grade"));
      }
      std::unordered_map<Key, Pupil, KeyHash> pupils;
      for (const auto& r : tx.query(
               "SELECT child_id, facility_id, class_id, starts_on, ends_on FROM enrolments "
               "WHERE municipality_id = ?",
               {city})) {
        if (r.isNull("class_id")) continue;
        const auto grade_it = class_grades.find(r.getInt("class_id"));
        if (grade_it == class_grades.end()) continue;
        const int64_t facility = r.getInt("facility_id");
        if (opt.facility_id != 0 && facility != opt.facility_id) continue;
        const int grade = grade_it->second;
        if (!plans.count({facility, grade})) continue;
        const int first = std::max(0, fiscalMonthIndex(opt.fiscal_year, r.getText("starts_on")));
        const int last = r.isNull("ends_on")
                             ? 11
                             : std::min(11, fiscalMonthIndex(opt.fiscal_year, r.getText("ends_on")));
        if (first > 11 || last < 0 || last < first) continue;
        Pupil& p = pupils[{r.getInt("child_id"), facility}];
        p.child_id = r.getInt("child_id");
        p.facility_id = facility;
        p.grade = grade;
        p.span.first_month = std::min(p.span.first_month, first);
        p.span.last_month = std::max(p.span.last_month, last);
      }
      {
        std::unordered_map<int64_t, int64_t> household_of;
        household_of.reserve(pupils.size() + 16);
        const db::Rows children =
            children_rows.valid() ? children_rows.get() : tx.query(children_sql, {city});
        for (const auto& r : children) household_of.emplace(r[0].asInt(), r[1].asInt());
        for (auto& [key, p] : pupils) {
          const auto h = household_of.find(p.child_id);
          p.household_id = h == household_of.end() ? 0 : h->second;  // 0: looked up below
        }
      }
      timer.lap("pupils");
      // What the journal already assessed through this instalment, per (child, school).
      std::unordered_map<Key, std::unordered_map<int64_t, int64_t>, KeyHash> assessed;
      std::unordered_set<Key, KeyHash> assessed_this;
      for (const auto& r : tx.query(
               "SELECT child_id, facility_id, instalment, items FROM fee_journal WHERE "
               "municipality_id = ? AND fiscal_year = ? AND instalment <= ? AND "
               "kind IN ('charge', 'adjustment')",
               {city, opt.fiscal_year, opt.instalment})) {
        const Key key{r.getInt("child_id"), r.getInt("facility_id")};
        addItems(r.getText("items"), assessed[key]);
        if (r.getInt("instalment") == opt.instalment) assessed_this.insert(key);
        if (!pupils.count(key)) {
          // Billed before but no longer enrolled in a planned class: settle to zero.
          Pupil gone;
          gone.child_id = key.a;
          gone.facility_id = key.b;
          pupils[key] = gone;
        }
      }
      timer.lap("journal read");
      // School aid (就学援助) in the instalment's month: the city pays.
      std::unordered_set<int64_t> aided;
      for (const auto& r : tx.query("SELECT household_id FROM household_school_aid WHERE "
                                    "municipality_id = ? AND from_month <= ? AND "
                                    "(to_month IS NULL OR to_month >= ?)",
                                    {city, bill_month, bill_month})) {
        aided.insert(r.getInt("household_id"));
      }

      timer.lap("aid");
      std::vector<Delta> deltas;
      deltas.reserve(pupils.size());
      std::vector<std::pair<int64_t, int64_t>> target;  // (item, cumulative yen), by item
      for (auto& [key, pupil] : pupils) {
        const auto prev_it = assessed.find(key);
        const PlanItems* plan = nullptr;
        if (auto it = plans.find({pupil.facility_id, pupil.grade}); it != plans.end()) {
          plan = &it->second;
        }
        Delta d;
        d.pupil = pupil;
        target.clear();
        if (plan) {
          for (size_t i = 0; i < plan->item_ids.size(); ++i) {
            if (plan->optional[i] && !applied.count({pupil.child_id, plan->item_ids[i]})) continue;
            target.emplace_back(plan->item_ids[i],
                                cumulativeTarget(plan->annual[i], months, k, pupil.span));
          }
        }
        if (prev_it == assessed.end()) {
          for (const auto& [item, want] : target) {
            if (want != 0) d.items.emplace_back(item, want);
          }
        } else {
          const auto& had = prev_it->second;
          for (const auto& [item, want] : target) {
            const auto h = had.find(item);
            const int64_t before = h == had.end() ? 0 : h->second;
            if (want != before) d.items.emplace_back(item, want - before);
          }
          for (const auto& [item, before] : had) {
            const bool planned = std::any_of(target.begin(), target.end(),
                                             [&](const auto& t) { return t.first == item; });
            if (!planned && before != 0) d.items.emplace_back(item, -before);
          }
        }
        if (d.items.empty()) continue;
        std::sort(d.items.begin(), d.items.end());
        for (const auto& [_, v] : d.items) d.amount += v;
        if (pupil.household_id == 0) {
          // A pupil no longer enrolled: the household comes from the child.
          auto h = tx.queryOne("SELECT household_id FROM children WHERE id = ?", {pupil.child_id});
          d.pupil.household_id = h ? h->getInt("household_id") : 0;
        }
        d.city = aided.count(d.pupil.household_id) > 0;
        d.adjustment = assessed_this.count(key) > 0;
        deltas.push_back(std::move(d));
      }
      std::sort(deltas.begin(), deltas.end(), [](const Delta& a, const Delta& b) {
        return std::tie(a.pupil.household_id, a.pupil.child_id, a.pupil.facility_id) <
               std::tie(b.pupil.household_id, b.pupil.child_id, b.pupil.facility_id);
      });
      timer.lap("deltas");
      summary.pupils = static_cast<int64_t>(pupils.size());
      summary.entries = static_cast<int64_t>(deltas.size());
      for (const auto& d : deltas) {
        (d.city ? summary.charged_city : summary.charged) += d.amount;
        if (d.adjustment) ++summary.adjustments;
      }
      if (opt.dry_run) {
        for (const auto& d : deltas) {
          if (summary.lines.size() >= 1000) break;
          nlohmann::json items = nlohmann::json::object();
          for (const auto& [item, v] : d.items) items[std::to_string(item)] = v;
          summary.lines.push_back({{"child_id", d.pupil.child_id},
                                   {"facility_id", d.pupil.facility_id},
                                   {"household_id", d.pupil.household_id},
                                   {"payer", d.city ? "city" : "household"},
                                   {"kind", d.adjustment ? "adjustment" : "charge"},
                                   {"amount", d.amount}, {"items", items}});
        }
        throw DryRunRollback{};  // a dry run writes nothing
      }
      // Bills: one per payer (household, or the city) for this instalment.
      std::map<std::pair<std::string, int64_t>, int64_t> bill_delta;
      for (const auto& d : deltas) {
        bill_delta[{d.city ? "city" : "household", d.city ? 0 : d.pupil.household_id}] += d.amount;
      }
      std::map<std::pair<std::string, int64_t>, int64_t> bill_ids;
      for (const auto& r : tx.query("SELECT id, payer_kind, household_id FROM fee_bills WHERE "
                                    "municipality_id = ? AND fiscal_year = ? AND instalment = ?",
                                    {city, opt.fiscal_year, opt.instalment})) {
        bill_ids[{r.getText("payer_kind"), r.getInt("household_id")}] = r.getInt("id");
      }
      BatchInsert new_bills(tx, "fee_bills",
                            {"municipality_id", "fiscal_year", "instalment", "payer_kind",
                             "household_id", "amount", "paid", "due_date", "created_at"});
      bool inserted = false;
      std::map<int64_t, std::vector<int64_t>> changed_by_delta;  // delta → bill ids
      for (const auto& [key, amount] : bill_delta) {
        if (auto it = bill_ids.find(key); it != bill_ids.end()) {
          changed_by_delta[amount].push_back(it->second);
        } else {
          new_bills.add({city, opt.fiscal_year, opt.instalment, key.first, key.second, amount, 0,
                         due_date, now});
          inserted = true;
        }
      }
      new_bills.flush();
      timer.lap("bills written");
      for (const auto& [amount, ids] : changed_by_delta) {
        executeIn(tx, "UPDATE fee_bills SET amount = amount + ? WHERE id", {amount}, ids);
      }
      if (inserted) {
        for (const auto& r : tx.query("SELECT id, payer_kind, household_id FROM fee_bills WHERE "
                                      "municipality_id = ? AND fiscal_year = ? AND instalment = ?",
                                      {city, opt.fiscal_year, opt.instalment})) {
          bill_ids[{r.getText("payer_kind"), r.getInt("household_id")}] = r.getInt("id");
        }
      }
      timer.lap("bills read");
      summary.bills = static_cast<int64_t>(bill_delta.size());
      BatchInsert journal(tx, "fee_journal",
                          {"municipality_id", "fiscal_year", "kind", "bill_id", "household_id",
                           "payer_kind", "child_id", "facility_id", "instalment", "amount",
                           "items", "ref", "entry_month", "created_at"});
      const std::string ref = "run:" + std::to_string(run_id);
      for (const auto& d : deltas) {
        const std::string payer = d.city ? "city" : "household";
        journal.add({city, opt.fiscal_year, d.adjustment ? "adjustment" : "charge",
                     bill_ids.at({payer, d.city ? 0 : d.pupil.household_id}),
                     d.pupil.household_id, payer, d.pupil.child_id, d.pupil.facility_id,
                     opt.instalment, d.amount, itemsJson(d.items), ref, entry_month, now});
      }
      journal.flush();
      timer.lap("journal written");
      if (notifier_) {
        push::Audience audience;
        for (const auto& [key, amount] : bill_delta) {
          if (key.first == "household" && amount > 0) audience.households.push_back(key.second);
        }
        if (!audience.empty()) {
          push::Notification n;
          n.municipality_id = city;
          n.category = "fees.statement";
          n.title = {{"ja", "学校教材費のお知らせ"}, {"en", "School material fees"}};
          n.body = {{"ja", "第" + std::to_string(opt.instalment) + "期の請求額が確定しました。"
                           "アプリで明細をご確認ください。"},
                    {"en", "Instalment " + std::to_string(opt.instalment) +
                               " has been billed. See the statement in the app."}};
          n.data = {{"route", "fees.statements"}, {"fiscal_year", std::to_string(opt.fiscal_year)}};
          n.source_ref = "fees.run:" + std::to_string(run_id);
          notifier_->notify(tx, n, audience);
        }
      }
      if (audit_) {
        audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                            .action = "fees.billing_run", .target_type = "fee_run",
                            .target_id = std::to_string(run_id),
                            .details = {{"instalment", opt.instalment},
                                        {"entries", summary.entries}}, .request_id = {}});
      }
      // Done and unlocked in the same commit as the charges: no moment where they are written
      // but the run still looks unfinished.
      if (!opt.dry_run) {
        nlohmann::json done = summary.toJson();
        done.erase("lines");
        tx.execute("DELETE FROM fee_run_locks WHERE municipality_id = ? AND run_id = ?",
                   {city, run_id});
        tx.execute("UPDATE fee_runs SET status = 'done', summary = ?, finished_at = ? WHERE id = ?",
                   {done.dump(), formatUtc(clock_.now()), run_id});
      }
    });
  } catch (const DryRunRollback&) {
    return summary;
  } catch (const std::exception& e) {
    try {
      release("failed", {{"error", e.what()}});
    } catch (...) {
    }
    throw;
  } catch (...) {
    try {
      release("failed", {{"error", "unknown"}});
    } catch (...) {
    }
    throw;
  }
  return summary;
}

}  // namespace sukusuku::fees
