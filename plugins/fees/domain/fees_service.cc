#include "fees_service.h"

#include "sukusuku/error.h"
#include "sukusuku/fees/kana.h"

namespace sukusuku::fees {

FeesService::FeesService(db::Database& db, const Clock& clock,
                         std::shared_ptr<const BankTable> banks, AuditLog* audit,
                         BlobStore* blobs)
    : db_(db), clock_(clock), banks_(std::move(banks)), audit_(audit), blobs_(blobs) {}

int64_t FeesService::cityByCode(const std::string& code) {
  auto conn = db_.acquire();
  auto row = conn->queryOne("SELECT id FROM municipalities WHERE code = ?", {code});
  if (!row) throw Error::notFound("fees.city_not_found", "no municipality with code " + code);
  return row->getInt("id");
}

void FeesService::setCap(int64_t city, int fiscal_year, int grade, int64_t cap_yen) {
  if (cap_yen < 0 || grade < 1 || grade > 9) {
    throw Error::invalid("fees.cap_invalid", "a cap is for grade 1-9 and not negative");
  }
  db_.transaction([&](db::Tx& tx) {
    tx.execute(tx.dialect().upsert("fee_caps",
                                   {"municipality_id", "fiscal_year", "grade", "cap_yen"},
                                   {"municipality_id", "fiscal_year", "grade"}, {"cap_yen"}),
               {city, fiscal_year, grade, cap_yen});
  });
}

void FeesService::setCaps(int64_t city, int fiscal_year, const std::map<int, int64_t>& caps,
                          const AuditEntry& by, const std::set<int>& removed) {
  for (const auto& [grade, cap] : caps) {
    if (cap < 0 || grade < 1 || grade > 9 || removed.count(grade)) {
      throw Error::invalid("fees.cap_invalid",
                           removed.count(grade) ? "a cap is either set or removed"
                                                : "a cap is for grade 1-9 and not negative",
                           {{"grade", grade}});
    }
  }
  for (int grade : removed) {
    if (grade < 1 || grade > 9) {
      throw Error::invalid("fees.cap_invalid", "a cap is for grade 1-9", {{"grade", grade}});
    }
  }
  db_.transaction([&](db::Tx& tx) {
    nlohmann::json saved = nlohmann::json::object();
    for (const auto& [grade, cap] : caps) {
      tx.execute(tx.dialect().upsert("fee_caps",
                                     {"municipality_id", "fiscal_year", "grade", "cap_yen"},
                                     {"municipality_id", "fiscal_year", "grade"}, {"cap_yen"}),
                 {city, fiscal_year, grade, cap});
      saved[std::to_string(grade)] = cap;
    }
    nlohmann::json gone = nlohmann::json::array();
    for (int grade : removed) {
      const auto r = tx.execute("DELETE FROM fee_caps WHERE municipality_id = ? AND "
                                "fiscal_year = ? AND grade = ?",
                                {city, fiscal_year, grade});
      if (r.affected_rows > 0) gone.push_back(grade);
    }
    if (audit_ && !by.actor_role.empty()) {
      audit_->record(tx, {.municipality_id = city,
                          .actor_user_id = by.actor_user_id,
                          .actor_role = by.actor_role,
                          .action = "fees.caps_saved",
                          .target_type = "fiscal_year",
                          .target_id = std::to_string(fiscal_year),
                          .details = {{"caps", saved}, {"removed", gone}},
                          .request_id = by.request_id});
    }
  });
}

void FeesService::setInstalments(int64_t city, int fiscal_year,
                                 const std::vector<Instalment>& schedule, const AuditEntry& by) {
  if (schedule.empty() || schedule.size() > 12) {
    throw Error::invalid("fees.instalments_invalid", "a schedule has 1 to 12 instalments");
  }
  int previous = -1;
  for (size_t i = 0; i < schedule.size(); ++i) {
    const auto& in = schedule[i];
    if (in.month_index <= previous || in.month_index > 11) {
      throw Error::invalid("fees.instalments_invalid",
                           "instalment months must rise within April-March",
                           {{"instalment", i + 1}});
    }
    previous = in.month_index;
    if (in.debit_date.size() != 10 || in.debit_date[4] != '-' || in.debit_date[7] != '-') {
      throw Error::invalid("fees.instalments_invalid", "debit date must be YYYY-MM-DD",
                           {{"instalment", i + 1}});
    }
  }
  db_.transaction([&](db::Tx& tx) {
    if (tx.queryOne("SELECT id FROM fee_bills WHERE municipality_id = ? AND fiscal_year = ? "
                    "LIMIT 1",
                    {city, fiscal_year})) {
      throw Error::conflict("fees.instalments_in_use",
                            "bills exist for this year; the schedule can no longer change");
    }
    tx.execute("DELETE FROM fee_instalments WHERE municipality_id = ? AND fiscal_year = ?",
               {city, fiscal_year});
    for (size_t i = 0; i < schedule.size(); ++i) {
      tx.execute("INSERT INTO fee_instalments (municipality_id, fiscal_year, seq, month_index, "
                 "debit_date) VALUES (?, ?, ?, ?, ?)",
                 {city, fiscal_year, static_cast<int64_t>(i + 1), schedule[i].month_index,
                  schedule[i].debit_date});
    }
    if (audit_ && !by.actor_role.empty()) {
      audit_->record(tx, {.municipality_id = city,
                          .actor_user_id = by.actor_user_id,
                          .actor_role = by.actor_role,
                          .action = "fees.instalments_saved",
                          .target_type = "fiscal_year",
                          .target_id = std::to_string(fiscal_year),
                          .details = {{"instalments", schedule.size()}},
                          .request_id = by.request_id});
    }
  });
}

std::vector<Instalment> FeesService::instalments(int64_t city, int fiscal_year) {
  auto conn = db_.acquire();
  std::vector<Instalment> out;
  for (const auto& r : conn->query("SELECT seq, month_index, debit_date FROM fee_instalments "
                                   "WHERE municipality_id = ? AND fiscal_year = ? ORDER BY seq",
                                   {city, fiscal_year})) {
    out.push_back({static_cast<int>(r.getInt("seq")), static_cast<int>(r.getInt("month_index")),
                   r.getText("debit_date")});
  }
  return out;
}

int64_t FeesService::savePlan(int64_t city, const PlanInput& plan, const AuditEntry& by) {
  if (plan.items.empty() || plan.name.empty() || plan.grade < 1 || plan.grade > 9) {
    throw Error::invalid("fees.plan_invalid", "a plan needs a name, a grade 1-9 and items");
  }
  int64_t total = 0;
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const auto& it = plan.items[i];
    if (it.name.empty() || it.unit_price < 0 || it.quantity <= 0 || it.term < 0 || it.term > 3) {
      throw Error::invalid("fees.plan_invalid",
                           "item " + std::to_string(i + 1) +
                               ": needs a name, a price >= 0, a quantity > 0 and a term 0-3",
                           {{"item", i + 1}});
    }
    total += it.unit_price * it.quantity;
    items.push_back({{"name", it.name}, {"amount", it.unit_price * it.quantity}});
  }
  const std::string now = formatUtc(clock_.now());
  return db_.transaction([&](db::Tx& tx) {
    auto facility = tx.queryOne("SELECT kind FROM facilities WHERE id = ? AND municipality_id = ?",
                                {plan.facility_id, city});
    if (!facility || (facility->getText("kind") != "elementary" &&
                      facility->getText("kind") != "junior_high")) {
      throw Error::invalid("fees.plan_invalid", "the facility is not a school of this city",
                           {{"field", "facility_id"}});
    }
    auto cap = tx.queryOne("SELECT cap_yen FROM fee_caps WHERE municipality_id = ? AND "
                           "fiscal_year = ? AND grade = ?",
                           {city, plan.fiscal_year, plan.grade});
    if (cap && total > cap->getInt("cap_yen")) {
      const int64_t c = cap->getInt("cap_yen");
      throw Error::invalid("fees.plan_over_cap",
                           "the plan totals " + std::to_string(total) + " yen, over the cap of " +
                               std::to_string(c) + " yen by " + std::to_string(total - c),
                           {{"cap", c}, {"total", total}, {"over", total - c}, {"items", items}});
    }
    auto existing = tx.queryOne("SELECT id FROM fee_plans WHERE municipality_id = ? AND "
                                "facility_id = ? AND fiscal_year = ? AND grade = ?",
                                {city, plan.facility_id, plan.fiscal_year, plan.grade});
    int64_t id = 0;
    if (existing) {
      id = existing->getInt("id");
      tx.execute("UPDATE fee_plans SET name = ?, version = version + 1, updated_at = ? WHERE id = ?",
                 {plan.name, now, id});
    } else {
      id = tx.execute("INSERT INTO fee_plans (municipality_id, facility_id, fiscal_year, grade, "
                      "name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                      {city, plan.facility_id, plan.fiscal_year, plan.grade, plan.name, now, now})
               .last_insert_id;
    }
    // Items keep their ids when given (so applications and the journal keep pointing at them);
    // items left out are removed only when nothing was billed for them yet.
    std::vector<int64_t> kept;
    for (const auto& it : plan.items) {
      if (it.id > 0) {
        auto r = tx.execute("UPDATE fee_plan_items SET term = ?, name = ?, unit_price = ?, "
                            "quantity = ?, optional = ? WHERE id = ? AND plan_id = ?",
                            {it.term, it.name, it.unit_price, it.quantity, it.optional, it.id, id});
        if (r.affected_rows == 0) {
          throw Error::invalid("fees.plan_invalid", "item " + std::to_string(it.id) +
                                                        " does not belong to this plan");
        }
        kept.push_back(it.id);
      } else {
        kept.push_back(tx.execute("INSERT INTO fee_plan_items (municipality_id, plan_id, term, "
                                  "name, unit_price, quantity, optional) VALUES (?, ?, ?, ?, ?, "
                                  "?, ?)",
                                  {city, id, it.term, it.name, it.unit_price, it.quantity,
                                   it.optional})
                           .last_insert_id);
      }
    }
    std::string keep_list;
    db::Params params{id};
    for (int64_t k : kept) {
      keep_list += keep_list.empty() ? "?" : ", ?";
      params.push_back(k);
    }
    // A removed item keeps its row at price 0 so earlier charges for it are adjusted to zero.
    tx.execute("UPDATE fee_plan_items SET unit_price = 0 WHERE plan_id = ? AND id NOT IN (" +
                   keep_list + ")",
               params);
    if (audit_) {
      audit_->record(tx, {.municipality_id = city,
                          .actor_user_id = by.actor_user_id,
                          .actor_role = by.actor_role.empty() ? "system" : by.actor_role,
                          .action = "fees.plan_saved",
                          .target_type = "fee_plan",
                          .target_id = std::to_string(id),
                          .details = {{"total", total},
                                      {"facility_id", plan.facility_id},
                                      {"fiscal_year", plan.fiscal_year},
                                      {"grade", plan.grade}},
                          .request_id = by.request_id});
    }
    return id;
  });
}

nlohmann::json FeesService::plans(int64_t city, int fiscal_year, int64_t facility_id) {
  auto conn = db_.acquire();
  nlohmann::json out = nlohmann::json::array();
  std::map<int64_t, size_t> index;
  for (const auto& r : conn->query(
           "SELECT p.id, p.facility_id, f.name AS facility, p.grade, p.name, p.version, "
           "i.id AS item_id, i.term, i.name AS item, i.unit_price, i.quantity, i.optional "
           "FROM fee_plans p JOIN facilities f ON f.id = p.facility_id "
           "JOIN fee_plan_items i ON i.plan_id = p.id "
           "WHERE p.municipality_id = ? AND p.fiscal_year = ? AND (? = 0 OR p.facility_id = ?) "
           "ORDER BY f.code, p.grade, i.id",
           {city, fiscal_year, facility_id, facility_id})) {
    const int64_t id = r.getInt("id");
    if (!index.count(id)) {
      index[id] = out.size();
      out.push_back({{"id", id}, {"facility_id", r.getInt("facility_id")},
                     {"facility", r.getText("facility")}, {"grade", r.getInt("grade")},
                     {"name", r.getText("name")}, {"version", r.getInt("version")},
                     {"total", 0}, {"items", nlohmann::json::array()}});
    }
    auto& p = out[index[id]];
    const int64_t amount = r.getInt("unit_price") * r.getInt("quantity");
    if (r.getInt("optional") == 0) p["total"] = p["total"].get<int64_t>() + amount;
    p["items"].push_back({{"id", r.getInt("item_id")}, {"term", r.getInt("term")},
                          {"name", r.getText("item")}, {"unit_price", r.getInt("unit_price")},
                          {"quantity", r.getInt("quantity")}, {"amount", amount},
                          {"optional", r.getInt("optional") != 0}});
  }
  return out;
}

void FeesService::applyOptional(int64_t city, int64_t child_id, int64_t item_id) {
  db_.transaction([&](db::Tx& tx) {
    auto item = tx.queryOne("SELECT optional FROM fee_plan_items WHERE id = ? AND "
                            "municipality_id = ?",
                            {item_id, city});
    if (!item) throw Error::notFound("fees.item_not_found", "no such item");
    if (item->getInt("optional") == 0) {
      throw Error::invalid("fees.item_not_optional", "this item is not optional");
    }
    if (!tx.queryOne("SELECT id FROM children WHERE id = ? AND municipality_id = ?",
                     {child_id, city})) {
      throw Error::notFound("fees.child_not_found", "no such child");
    }
    tx.execute(tx.dialect().insertIgnore("fee_applications",
                                         {"municipality_id", "child_id", "item_id", "applied_at"}),
               {city, child_id, item_id, formatUtc(clock_.now())});
  });
}

int64_t FeesService::saveMandate(int64_t city, int64_t household_id, const MandateInput& in) {
  BankAccount acct;
  if (!in.japan_post_kigou.empty() || !in.japan_post_bangou.empty()) {
    acct = fromJapanPost(in.japan_post_kigou, in.japan_post_bangou);
  } else {
    acct = normaliseAccount(in.bank_code, in.branch_code, in.account_type, in.account_number);
  }
  banks_->requireBranch(acct.bank_code, acct.branch_code);
  const std::string kana = toBankKana(in.holder_name, "holder_name");
  if (kana.empty() || kana.size() > 30) {
    throw Error::invalid("fees.holder_name_length",
                         "the account holder's name must be 1-30 bank bytes, it is " +
                             std::to_string(kana.size()),
                         {{"field", "holder_name"}, {"bytes", kana.size()}});
  }
  const std::string now = formatUtc(clock_.now());
  return db_.transaction([&](db::Tx& tx) {
    if (!tx.queryOne("SELECT id FROM households WHERE id = ? AND municipality_id = ?",
                     {household_id, city})) {
      throw Error::notFound("fees.household_not_found", "no such household");
    }
    auto existing = tx.queryOne("SELECT id FROM fee_mandates WHERE household_id = ?",
                                {household_id});
    int64_t id;
    if (existing) {
      id = existing->getInt("id");
      tx.execute("UPDATE fee_mandates SET bank_code = ?, branch_code = ?, account_type = ?, "
                 "account_number = ?, holder_kana = ?, status = 'active', debited_before = 0, "
                 "updated_at = ? WHERE id = ?",
                 {acct.bank_code, acct.branch_code, acct.account_type, acct.account_number,
                  bankBytesToUtf8(kana), now, id});
    } else {
      id = tx.execute("INSERT INTO fee_mandates (municipality_id, household_id, bank_code, "
                      "branch_code, account_type, account_number, holder_kana, status, "
                      "debited_before, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                      "'active', 0, ?, ?)",
                      {city, household_id, acct.bank_code, acct.branch_code, acct.account_type,
                       acct.account_number, bankBytesToUtf8(kana), now, now})
               .last_insert_id;
    }
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                          .action = "fees.mandate_saved", .target_type = "household",
                          .target_id = std::to_string(household_id), .request_id = {}});
    }
    return id;
  });
}

nlohmann::json FeesService::mandate(int64_t city, int64_t household_id) {
  auto conn = db_.acquire();
  auto r = conn->queryOne("SELECT * FROM fee_mandates WHERE household_id = ? AND "
                          "municipality_id = ?",
                          {household_id, city});
  if (!r) return {{"status", "none"}};
  const std::string number = r->getText("account_number");
  const BankBranch* branch = banks_->branch(r->getText("bank_code"), r->getText("branch_code"));
  const Bank* bank = banks_->bank(r->getText("bank_code"));
  return {{"status", r->getText("status")},
          {"bank_code", r->getText("bank_code")},
          {"bank_name", bank ? bank->name : ""},
          {"branch_code", r->getText("branch_code")},
          {"branch_name", branch ? branch->name : ""},
          {"account_type", r->getInt("account_type")},
          {"account_number_masked", "****" + number.substr(number.size() - 3)},
          {"holder_kana", r->getText("holder_kana")}};
}

nlohmann::json RunSummary::toJson() const {
  return {{"run_id", run_id},       {"pupils", pupils},   {"entries", entries},
          {"charged", charged},     {"charged_city", charged_city},
          {"adjustments", adjustments}, {"bills", bills}, {"lines", lines}};
}

nlohmann::json ImportReport::toJson() const {
  return {{"file_id", file_id},   {"records", records},     {"debited", debited},
          {"debited_amount", debited_amount}, {"failed", failed},
          {"failed_amount", failed_amount},   {"unmatched", unmatched},
          {"already_settled", already},       {"review", review}};
}

}  // namespace sukusuku::fees
