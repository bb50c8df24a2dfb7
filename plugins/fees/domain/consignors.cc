// 委託者: the consignors of a city (one per collecting bank that gave the city a code), the
// default one that the single-settings route edits, and the city's fee policy.
#include <algorithm>
#include <set>

#include "fees_service.h"
#include "sukusuku/error.h"
#include "sukusuku/fees/kana.h"

namespace sukusuku::fees {

namespace {

bool digitsOnly(const std::string& s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789") == std::string::npos;
}

// The consignor with its fields checked and normalised (half-width kana, 7-digit account, sorted
// unique bank codes). CODE_ERROR is the error code for a bad code or name.
Consignor normalised(const BankTable& banks, const Consignor& in, const std::string& code_error) {
  Consignor c = in;
  if (!digitsOnly(c.code, 10)) {
    throw Error::invalid(code_error, "the consignor code must be 10 digits",
                         {{"field", "code"}, {"value", c.code}});
  }
  const std::string kana = toBankKana(c.name, "name");
  if (kana.empty() || kana.size() > 40) {
    throw Error::invalid(code_error,
                         "the consignor name must be 1-40 bank bytes, it is " +
                             std::to_string(kana.size()),
                         {{"field", "name"}, {"bytes", kana.size()}});
  }
  c.name = bankBytesToUtf8(kana);
  const BankAccount acct =
      normaliseAccount(c.bank_code, c.branch_code, c.account_type, c.account_number);
  banks.requireBranch(acct.bank_code, acct.branch_code);
  c.bank_code = acct.bank_code;
  c.branch_code = acct.branch_code;
  c.account_type = acct.account_type;
  c.account_number = acct.account_number;
  std::set<std::string> codes;
  for (const auto& b : c.bank_codes) {
    if (!digitsOnly(b, 4) || banks.bank(b) == nullptr) {
      throw Error::invalid("fees.consignor_invalid",
                           "the bank code '" + b + "' is not a bank of the bank table",
                           {{"field", "bank_codes"}, {"bank_code", b}});
    }
    codes.insert(b);
  }
  c.bank_codes.assign(codes.begin(), codes.end());
  return c;
}

// Keeps fee_settings (the city's policy row, which also marks a city collecting fees) with a
// copy of the default consignor; LIMITATION_YEARS < 0 keeps the stored one (5 for a new row).
void writeSettingsRow(db::Tx& tx, int64_t city, const Consignor& d, int limitation_years,
                      const std::string& now) {
  if (limitation_years < 0) {
    auto row = tx.queryOne("SELECT limitation_years FROM fee_settings WHERE municipality_id = ?",
                           {city});
    limitation_years = row ? static_cast<int>(row->getInt("limitation_years")) : 5;
  }
  tx.execute(tx.dialect().upsert("fee_settings",
                                 {"municipality_id", "consignor_code", "consignor_name",
                                  "bank_code", "branch_code", "account_type", "account_number",
                                  "limitation_years", "updated_at"},
                                 {"municipality_id"},
                                 {"consignor_code", "consignor_name", "bank_code", "branch_code",
                                  "account_type", "account_number", "limitation_years",
                                  "updated_at"}),
             {city, d.code, d.name, d.bank_code, d.branch_code, d.account_type, d.account_number,
              limitation_years, now});
}

bool codeInUse(db::Tx& tx, int64_t city, const std::string& code) {
  return tx.queryOne("SELECT id FROM fee_files WHERE municipality_id = ? AND consignor_code = ? "
                     "LIMIT 1",
                     {city, code})
      .has_value();
}

}  // namespace

nlohmann::json Consignor::toJson() const {
  return {{"id", id},
          {"code", code},
          {"name", name},
          {"bank_code", bank_code},
          {"branch_code", branch_code},
          {"account_type", account_type},
          {"account_number", account_number},
          {"bank_codes", bank_codes},
          {"is_default", is_default},
          {"in_use", in_use}};
}

void FeesService::saveSettings(int64_t city, const Settings& s) {
  Consignor in{0, s.consignor_code, s.consignor_name, s.bank_code, s.branch_code,
               s.account_type, s.account_number, {}, true, false};
  const Consignor c = normalised(*banks_, in, "fees.settings_invalid");
  if (s.limitation_years < 0) {
    throw Error::invalid("fees.settings_invalid", "limitation years must not be negative",
                         {{"field", "limitation_years"}});
  }
  const std::string now = formatUtc(clock_.now());
  db_.transaction([&](db::Tx& tx) {
    auto current = tx.queryOne("SELECT id, code FROM fee_consignors WHERE municipality_id = ? "
                               "AND is_default = 1",
                               {city});
    auto same = tx.queryOne("SELECT id FROM fee_consignors WHERE municipality_id = ? AND code = ?",
                            {city, c.code});
    if (same && (!current || same->getInt("id") != current->getInt("id"))) {
      throw Error::invalid("fees.consignor_code_taken",
                           "another consignor of the city has the code " + c.code,
                           {{"field", "consignor_code"}});
    }
    if (current) {
      tx.execute("UPDATE fee_consignors SET code = ?, name = ?, bank_code = ?, branch_code = ?, "
                 "account_type = ?, account_number = ?, updated_at = ? WHERE id = ?",
                 {c.code, c.name, c.bank_code, c.branch_code, c.account_type, c.account_number,
                  now, current->getInt("id")});
    } else {
      tx.execute("INSERT INTO fee_consignors (municipality_id, code, name, bank_code, "
                 "branch_code, account_type, account_number, is_default, default_for, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                 {city, c.code, c.name, c.bank_code, c.branch_code, c.account_type,
                  c.account_number, city, now, now});
    }
    writeSettingsRow(tx, city, c, s.limitation_years, now);
  });
}

std::optional<Settings> FeesService::settings(int64_t city) {
  auto conn = db_.acquire();
  auto row = conn->queryOne(
      "SELECT c.code, c.name, c.bank_code, c.branch_code, c.account_type, c.account_number, "
      "s.limitation_years FROM fee_consignors c LEFT JOIN fee_settings s ON "
      "s.municipality_id = c.municipality_id WHERE c.municipality_id = ? AND c.is_default = 1",
      {city});
  if (!row) return std::nullopt;
  Settings s;
  s.consignor_code = row->getText("code");
  s.consignor_name = row->getText("name");
  s.bank_code = row->getText("bank_code");
  s.branch_code = row->getText("branch_code");
  s.account_type = static_cast<int>(row->getInt("account_type"));
  s.account_number = row->getText("account_number");
  s.limitation_years = row->isNull("limitation_years")
                           ? 5
                           : static_cast<int>(row->getInt("limitation_years"));
  return s;
}

std::vector<Consignor> FeesService::consignors(int64_t city) {
  auto conn = db_.acquire();
  std::vector<Consignor> out;
  std::map<int64_t, size_t> index;
  for (const auto& r : conn->query(
           "SELECT c.*, (SELECT COUNT(*) FROM fee_files f WHERE f.municipality_id = "
           "c.municipality_id AND f.consignor_code = c.code) AS files FROM fee_consignors c "
           "WHERE c.municipality_id = ? ORDER BY c.is_default DESC, c.code",
           {city})) {
    Consignor c;
    c.id = r.getInt("id");
    c.code = r.getText("code");
    c.name = r.getText("name");
    c.bank_code = r.getText("bank_code");
    c.branch_code = r.getText("branch_code");
    c.account_type = static_cast<int>(r.getInt("account_type"));
    c.account_number = r.getText("account_number");
    c.is_default = r.getInt("is_default") != 0;
    c.in_use = r.getInt("files") > 0;
    index[c.id] = out.size();
    out.push_back(std::move(c));
  }
  for (const auto& r : conn->query("SELECT consignor_id, bank_code FROM fee_consignor_banks "
                                   "WHERE municipality_id = ? ORDER BY bank_code",
                                   {city})) {
    auto it = index.find(r.getInt("consignor_id"));
    if (it != index.end()) out[it->second].bank_codes.push_back(r.getText("bank_code"));
  }
  return out;
}

int64_t FeesService::saveConsignor(int64_t city, const Consignor& in, const AuditEntry& by) {
  const Consignor c = normalised(*banks_, in, "fees.consignor_invalid");
  const std::string now = formatUtc(clock_.now());
  return db_.transaction([&](db::Tx& tx) {
    std::optional<db::Row> existing;
    if (c.id != 0) {
      existing = tx.queryOne("SELECT id, code, is_default FROM fee_consignors WHERE id = ? AND "
                             "municipality_id = ?",
                             {c.id, city});
      if (!existing) throw Error::notFound("fees.consignor_not_found", "no such consignor");
    }
    auto same = tx.queryOne("SELECT id FROM fee_consignors WHERE municipality_id = ? AND code = ?",
                            {city, c.code});
    if (same && same->getInt("id") != c.id) {
      throw Error::invalid("fees.consignor_code_taken",
                           "another consignor of the city has the code " + c.code,
                           {{"field", "code"}});
    }
    const bool was_default = existing && existing->getInt("is_default") != 0;
    if (was_default && !c.is_default) {
      throw Error::invalid("fees.consignor_invalid",
                           "the city needs a default consignor: make another one the default",
                           {{"field", "is_default"}});
    }
    if (existing && existing->getText("code") != c.code &&
        codeInUse(tx, city, existing->getText("code"))) {
      throw Error::conflict("fees.consignor_in_use",
                            "bank files name the code " + existing->getText("code") +
                                "; it can no longer change (add a new consignor instead)",
                            {{"field", "code"}});
    }
    for (const auto& b : c.bank_codes) {
      auto owner = tx.queryOne(
          "SELECT c.id, c.code FROM fee_consignor_banks b JOIN fee_consignors c ON "
          "c.id = b.consignor_id WHERE b.municipality_id = ? AND b.bank_code = ?",
          {city, b});
      if (owner && owner->getInt("id") != c.id) {
        throw Error::invalid("fees.consignor_bank_taken",
                             "bank " + b + " is collected by consignor " + owner->getText("code"),
                             {{"field", "bank_codes"},
                              {"bank_code", b},
                              {"consignor_code", owner->getText("code")}});
      }
    }
    const bool first = !tx.queryOne("SELECT id FROM fee_consignors WHERE municipality_id = ? "
                                    "LIMIT 1",
                                    {city})
                            .has_value();
    const bool make_default = c.is_default || first;
    if (make_default) {
      tx.execute("UPDATE fee_consignors SET is_default = 0, default_for = NULL WHERE "
                 "municipality_id = ?",
                 {city});
    }
    const db::Value default_for = make_default ? db::Value(city) : db::Value(nullptr);
    int64_t id = c.id;
    if (existing) {
      tx.execute("UPDATE fee_consignors SET code = ?, name = ?, bank_code = ?, branch_code = ?, "
                 "account_type = ?, account_number = ?, is_default = ?, default_for = ?, "
                 "updated_at = ? WHERE id = ?",
                 {c.code, c.name, c.bank_code, c.branch_code, c.account_type, c.account_number,
                  make_default, default_for, now, id});
    } else {
      id = tx.execute("INSERT INTO fee_consignors (municipality_id, code, name, bank_code, "
                      "branch_code, account_type, account_number, is_default, default_for, "
                      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {city, c.code, c.name, c.bank_code, c.branch_code, c.account_type,
                       c.account_number, make_default, default_for, now, now})
               .last_insert_id;
    }
    tx.execute("DELETE FROM fee_consignor_banks WHERE consignor_id = ?", {id});
    for (const auto& b : c.bank_codes) {
      tx.execute("INSERT INTO fee_consignor_banks (municipality_id, bank_code, consignor_id) "
                 "VALUES (?, ?, ?)",
                 {city, b, id});
    }
    if (make_default) writeSettingsRow(tx, city, c, -1, now);
    if (audit_) {
      audit_->record(tx, {.municipality_id = city,
                          .actor_user_id = by.actor_user_id,
                          .actor_role = by.actor_role.empty() ? "system" : by.actor_role,
                          .action = "fees.consignor_saved",
                          .target_type = "fee_consignor",
                          .target_id = std::to_string(id),
                          .details = {{"code", c.code},
                                      {"bank_codes", c.bank_codes},
                                      {"is_default", make_default},
                                      {"created", !existing.has_value()}},
                          .request_id = by.request_id});
    }
    return id;
  });
}

void FeesService::deleteConsignor(int64_t city, int64_t id, const AuditEntry& by) {
  db_.transaction([&](db::Tx& tx) {
    auto row = tx.queryOne("SELECT code, is_default FROM fee_consignors WHERE id = ? AND "
                           "municipality_id = ?",
                           {id, city});
    if (!row) throw Error::notFound("fees.consignor_not_found", "no such consignor");
    if (row->getInt("is_default") != 0) {
      throw Error::conflict("fees.consignor_default",
                            "the default consignor cannot be deleted: make another one the "
                            "default first");
    }
    if (codeInUse(tx, city, row->getText("code"))) {
      throw Error::conflict("fees.consignor_in_use",
                            "bank files name the code " + row->getText("code") +
                                "; the consignor is kept for their results");
    }
    tx.execute("DELETE FROM fee_consignor_banks WHERE consignor_id = ?", {id});
    tx.execute("DELETE FROM fee_consignors WHERE id = ?", {id});
    if (audit_) {
      audit_->record(tx, {.municipality_id = city,
                          .actor_user_id = by.actor_user_id,
                          .actor_role = by.actor_role.empty() ? "system" : by.actor_role,
                          .action = "fees.consignor_deleted",
                          .target_type = "fee_consignor",
                          .target_id = std::to_string(id),
                          .details = {{"code", row->getText("code")}},
                          .request_id = by.request_id});
    }
  });
}

}  // namespace sukusuku::fees
