// 口座振替: the Zengin 91 request per consignor and debit date, and the bank's result file.
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <unordered_map>

#include "batch_insert.h"
#include "phase_timer.h"
#include "fees_service.h"
#include "sukusuku/calendar.h"
#include "sukusuku/error.h"
#include "sukusuku/fees/billing.h"
#include "sukusuku/fees/zengin.h"

namespace sukusuku::fees {

namespace {

// Banks debit and transfer only on business days: a date given for a file must be one.
// 422 "fees.date_invalid" (not a date) / "fees.date_not_business_day" (details: the next one).
void requireBankBusinessDay(const std::string& date, const char* what) {
  bool holiday = false;
  try {
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') throw std::invalid_argument(date);
    holiday = calendar::isBankHoliday(date);
  } catch (const std::exception&) {
    throw Error::invalid("fees.date_invalid", std::string(what) + " date must be YYYY-MM-DD",
                         {{"date", date}});
  }
  if (holiday) {
    throw Error::invalid(
        "fees.date_not_business_day", std::string(what) + " date " + date + " is a bank holiday",
        {{"date", date}, {"next_business_day", calendar::nextBankBusinessDay(date)}});
  }
}


std::string sha256(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace

int64_t FeesService::storeFile(db::Connection& conn, int64_t city, const std::string& kind,
                               int fiscal_year, int instalment, const std::string& consignor_code,
                               const std::string& bank_date, int64_t records, int64_t total,
                               const std::string& bytes) {
  const std::string digest = sha256(bytes);
  db::Value key;
  std::string inline_bytes = bytes;
  if (blobs_ != nullptr) {
    // Content-addressed: a rolled-back transaction leaves at most an unreferenced copy.
    key = "fees/files/" + digest;
    blobs_->put(key.asText(), bytes);
    inline_bytes.clear();
  }
  return conn
      .execute("INSERT INTO fee_files (municipality_id, kind, fiscal_year, instalment, "
               "consignor_code, bank_date, record_count, total, sha256, content, content_key, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {city, kind, fiscal_year, instalment, consignor_code, bank_date, records, total,
                digest, db::Blob{inline_bytes}, key, formatUtc(clock_.now())})
      .last_insert_id;
}

StoredFile FeesService::storedFile(int64_t city, int64_t id) {
  auto row = db_.acquire()->queryOne(
      "SELECT id, kind, consignor_code, bank_date, sha256, content, content_key FROM fee_files "
      "WHERE id = ? AND municipality_id = ?",
      {id, city});
  if (!row) throw Error::notFound("fees.file_not_found", "no such file");
  StoredFile f{row->getInt("id"),  row->getText("kind"),   row->getText("consignor_code"),
               row->getText("bank_date"), row->getText("sha256"), row->getText("content")};
  const auto key = row->getOptText("content_key");
  if (key && !key->empty()) {
    auto bytes = blobs_ ? blobs_->get(*key) : std::nullopt;
    if (!bytes) throw Error::notFound("fees.file_not_found", "the file's bytes are missing");
    f.bytes = std::move(*bytes);
  }
  return f;
}

DebitExport FeesService::exportDebit(int64_t city, const ExportOptions& opt) {
  const std::vector<Consignor> consignors = this->consignors(city);  // the default first
  if (consignors.empty()) {
    throw Error::conflict("fees.settings_missing",
                          "set the consignor code and account (fee settings) first");
  }
  const auto schedule = instalments(city, opt.fiscal_year);
  if (opt.instalment < 1 || opt.instalment > static_cast<int>(schedule.size())) {
    throw Error::notFound("fees.instalment_not_found",
                          "no instalment " + std::to_string(opt.instalment));
  }
  DebitExport result;
  result.debit_date = opt.debit_date.empty() ? schedule[opt.instalment - 1].debit_date
                                             : opt.debit_date;
  requireBankBusinessDay(result.debit_date, "debit");
  // Routing: a mandate's bank code → the consignor listing it, else the default (index 0).
  std::unordered_map<std::string, size_t> by_bank;
  for (size_t i = 0; i < consignors.size(); ++i) {
    for (const auto& b : consignors[i].bank_codes) by_bank[b] = i;
  }
  PhaseTimer timer("export");
  db_.transaction([&](db::Tx& tx) {
    result.records = 0;
    result.total = 0;
    result.files.clear();
    struct Part {
      zengin::DebitFile file;
      std::vector<int64_t> bill_ids, amounts;
      int64_t total = 0;
    };
    std::vector<Part> parts(consignors.size());
    for (size_t i = 0; i < consignors.size(); ++i) {
      zengin::Header& h = parts[i].file.header;
      const Consignor& c = consignors[i];
      h.consignor_code = c.code;
      h.consignor_name = c.name;
      h.date_mmdd = result.debit_date.substr(5, 2) + result.debit_date.substr(8, 2);
      h.bank_code = c.bank_code;
      h.branch_code = c.branch_code;
      if (const Bank* b = banks_->bank(c.bank_code)) h.bank_name = b->kana;
      if (const BankBranch* b = banks_->branch(c.bank_code, c.branch_code)) {
        h.branch_name = b->kana;
      }
      h.account_type = c.account_type;
      h.account_number = c.account_number;
    }
    for (const auto& r : tx.query(
             "SELECT b.id, b.amount - b.paid - b.written_off AS due, m.household_id, m.bank_code, m.branch_code, "
             "m.account_type, m.account_number, m.holder_kana, m.debited_before "
             "FROM fee_bills b JOIN fee_mandates m ON m.household_id = b.household_id "
             "WHERE b.municipality_id = ? AND b.fiscal_year = ? AND b.instalment = ? AND "
             "b.payer_kind = 'household' AND m.status = 'active' AND b.amount > b.paid + b.written_off AND "
             "NOT EXISTS (SELECT 1 FROM fee_debit_lines l WHERE l.bill_id = b.id AND "
             "(l.result_code IS NULL OR l.result_code = 0)) ORDER BY b.id",
             {city, opt.fiscal_year, opt.instalment})) {
      zengin::DebitRecord rec;
      rec.bank_code = r.getText("bank_code");
      rec.branch_code = r.getText("branch_code");
      if (const Bank* b = banks_->bank(rec.bank_code)) rec.bank_name = b->kana;
      if (const BankBranch* b = banks_->branch(rec.bank_code, rec.branch_code)) {
        rec.branch_name = b->kana;
      }
      rec.account_type = static_cast<int>(r.getInt("account_type"));
      rec.account_number = r.getText("account_number");
      rec.holder_name = r.getText("holder_kana");
      rec.amount = r.getInt("due");
      rec.new_code = r.getInt("debited_before") ? 0 : 1;
      rec.customer_number = customerNumber(r.getInt("id"));
      const auto route = by_bank.find(rec.bank_code);
      Part& part = parts[route == by_bank.end() ? 0 : route->second];
      part.bill_ids.push_back(r.getInt("id"));
      part.amounts.push_back(rec.amount);
      part.total += rec.amount;
      part.file.records.push_back(std::move(rec));
    }
    timer.lap("read");
    // Files by consignor code; an export with no debit at all still writes the default's file.
    std::vector<size_t> order;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!parts[i].file.records.empty()) order.push_back(i);
    }
    if (order.empty()) order.push_back(0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return consignors[a].code < consignors[b].code; });
    // Every file row first: the batch owns the connection from its first add() to flush().
    for (size_t i : order) {
      Part& part = parts[i];
      ExportResult f;
      f.debit_date = result.debit_date;
      f.consignor_code = consignors[i].code;
      f.consignor_name = consignors[i].name;
      f.records = static_cast<int64_t>(part.file.records.size());
      f.total = part.total;
      f.bytes = zengin::writeDebitFile(part.file, {.crlf = opt.crlf});
      part.file.records.clear();
      f.file_id = storeFile(tx, city, "debit_request", opt.fiscal_year, opt.instalment,
                            f.consignor_code, result.debit_date, f.records, f.total, f.bytes);
      result.records += f.records;
      result.total += f.total;
      if (audit_) {
        audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                            .action = "fees.export_debit", .target_type = "file",
                            .target_id = std::to_string(f.file_id),
                            .details = {{"records", f.records}, {"total", f.total},
                                        {"consignor_code", f.consignor_code}},
                            .request_id = {}});
      }
      result.files.push_back(std::move(f));
    }
    timer.lap("file");
    BatchInsert lines(tx, "fee_debit_lines", {"municipality_id", "file_id", "bill_id", "amount"});
    for (size_t n = 0; n < order.size(); ++n) {
      const Part& part = parts[order[n]];
      const int64_t file_id = result.files[n].file_id;
      for (size_t k = 0; k < part.bill_ids.size(); ++k) {
        lines.add({city, file_id, part.bill_ids[k], part.amounts[k]});
      }
    }
    lines.flush();
    timer.lap("lines");
  });
  timer.lap("commit");
  return result;
}

ImportReport FeesService::importResult(int64_t city, const std::string& bytes) {
  PhaseTimer timer("import");
  const zengin::DebitFile file = zengin::readDebitFile(bytes);  // throws before any write
  timer.lap("parse");
  // The header's 委託者コード picks the consignor: only its request lines are reconciled.
  const std::string consignor = file.header.consignor_code;
  {
    auto conn = db_.acquire();
    if (!conn->queryOne("SELECT id FROM fee_consignors WHERE municipality_id = ? AND code = ?",
                        {city, consignor})) {
      throw Error::invalid("fees.consignor_mismatch",
                           "the file is for consignor " + consignor +
                               ", not one of this city's consignors",
                           {{"consignor_code", consignor}});
    }
  }
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);
  ImportReport report;
  db_.transaction([&](db::Tx& tx) {
    report = ImportReport{};
    report.consignor_code = consignor;
    report.records = static_cast<int64_t>(file.records.size());
    // The request lines this result can answer: files for this consignor and debit date.
    struct Open {
      int64_t line_id, amount, bill_amount, bill_paid, household_id, fiscal_year, instalment;
      bool answered;
    };
    std::unordered_map<int64_t, Open> lines;  // bill id → newest request line
    for (const auto& r : tx.query(
             "SELECT l.id, l.bill_id, l.amount, l.result_code, b.amount - b.written_off AS bill_amount, b.paid, "
             "b.household_id, b.fiscal_year, b.instalment FROM fee_debit_lines l "
             "JOIN fee_files f ON f.id = l.file_id JOIN fee_bills b ON b.id = l.bill_id "
             "WHERE f.municipality_id = ? AND f.kind = 'debit_request' AND f.consignor_code = ? "
             "AND substr(f.bank_date, 6, 2) || substr(f.bank_date, 9, 2) = ? ORDER BY l.id",
             {city, consignor, file.header.date_mmdd})) {
      lines[r.getInt("bill_id")] = {r.getInt("id"),          r.getInt("amount"),
                                    r.getInt("bill_amount"), r.getInt("paid"),
                                    r.getInt("household_id"), r.getInt("fiscal_year"),
                                    r.getInt("instalment"),   !r.isNull("result_code")};
    }
    timer.lap("lines read");
    report.file_id =
        storeFile(tx, city, "debit_result", 0, 0, consignor, file.header.date_mmdd,
                  report.records, file.trailer.amount, bytes);
    std::map<int, std::vector<int64_t>> line_ids_by_code;
    std::map<int64_t, std::vector<int64_t>> paid_bills_by_amount;
    std::vector<int64_t> debited_households;
    std::vector<int64_t> failed_households;
    std::map<std::string, std::vector<int64_t>> mandate_status;  // status → households
    BatchInsert receipts(tx, "fee_journal",
                         {"municipality_id", "fiscal_year", "kind", "bill_id", "household_id",
                          "payer_kind", "child_id", "facility_id", "instalment", "amount",
                          "items", "ref", "entry_month", "created_at"});
    const std::string ref = "file:" + std::to_string(report.file_id);
    for (const auto& rec : file.records) {
      const int64_t bill_id = billIdFromCustomerNumber(rec.customer_number);
      auto it = lines.find(bill_id);
      if (it == lines.end()) {
        report.unmatched.push_back({{"line", rec.line},
                                    {"customer_number", rec.customer_number},
                                    {"amount", rec.amount}, {"reason", "unknown_customer"}});
        continue;
      }
      Open& open = it->second;
      if (rec.amount != open.amount) {
        report.unmatched.push_back({{"line", rec.line},
                                    {"customer_number", rec.customer_number},
                                    {"amount", rec.amount}, {"expected", open.amount},
                                    {"reason", "amount_mismatch"}});
        continue;
      }
      if (open.answered) {
        report.already.push_back({{"line", rec.line}, {"bill_id", bill_id},
                                  {"reason", "result_already_imported"}});
        continue;
      }
      open.answered = true;
      line_ids_by_code[rec.result_code].push_back(open.line_id);
      if (rec.result_code == zengin::kDebited) {
        if (open.bill_paid >= open.bill_amount) {
          // Paid meanwhile (a slip, online): record the bank's answer, apply nothing twice.
          report.already.push_back({{"line", rec.line}, {"bill_id", bill_id},
                                    {"reason", "bill_already_settled"}});
          continue;
        }
        ++report.debited;
        report.debited_amount += rec.amount;
        open.bill_paid += rec.amount;
        paid_bills_by_amount[rec.amount].push_back(bill_id);
        debited_households.push_back(open.household_id);
        receipts.add({city, open.fiscal_year, "receipt", bill_id, open.household_id, "household",
                      0, 0, open.instalment, rec.amount, nullptr, ref, entry_month, now});
        continue;
      }
      ++report.failed[zengin::resultCodeKey(rec.result_code)];
      report.failed_amount += rec.amount;
      failed_households.push_back(open.household_id);
      switch (rec.result_code) {
        case zengin::kNoAccount:
        case zengin::kNoMandate:
          mandate_status["needs_fix"].push_back(open.household_id);
          break;
        case zengin::kStoppedByPayer:
        case zengin::kStoppedByConsignor:
          mandate_status["stopped"].push_back(open.household_id);
          break;
        case zengin::kOtherFailure:
          report.review.push_back({{"line", rec.line}, {"bill_id", bill_id}});
          break;
        default:  // 資金不足: the bill stays open for the next debit or a payment slip
          break;
      }
    }
    receipts.flush();
    timer.lap("receipts");
    for (const auto& [code, ids] : line_ids_by_code) {
      executeIn(tx, "UPDATE fee_debit_lines SET result_code = ?, result_file_id = ? WHERE id",
               {code, report.file_id}, ids);
    }
    timer.lap("lines updated");
    for (const auto& [amount, ids] : paid_bills_by_amount) {
      executeIn(tx, "UPDATE fee_bills SET paid = paid + ? WHERE id", {amount}, ids);
    }
    timer.lap("bills updated");
    executeIn(tx, "UPDATE fee_mandates SET debited_before = 1 WHERE household_id",
             {}, debited_households);
    for (const auto& [status, households] : mandate_status) {
      executeIn(tx, "UPDATE fee_mandates SET status = ?, updated_at = ? WHERE household_id",
               {status, now}, households);
    }
    if (notifier_ && !failed_households.empty()) {
      // The households whose debit failed are told to pay by slip or in the app.
      push::Notification n;
      n.municipality_id = city;
      n.category = "fees.debit_failed";
      n.title = {{"ja", "口座振替ができませんでした"}, {"en", "Direct debit failed"}};
      n.body = {{"ja", "学校教材費の口座振替ができませんでした。納付書またはアプリからお支払い"
                       "ください。口座の状態もご確認ください。"},
                {"en", "The school material fees could not be debited. Please pay with the "
                       "slip or in the app, and check the account."}};
      n.data = {{"route", "fees.statements"}};
      n.priority = push::Priority::kUrgent;
      n.source_ref = "fees.result:" + std::to_string(report.file_id);
      push::Audience audience;
      audience.households = failed_households;
      notifier_->notify(tx, n, audience);
    }
    timer.lap("updates");
    tx.execute("UPDATE fee_files SET summary = ? WHERE id = ?",
               {report.toJson().dump(), report.file_id});
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                          .action = "fees.import_result", .target_type = "file",
                          .target_id = std::to_string(report.file_id),
                          .details = {{"records", report.records}, {"debited", report.debited},
                                      {"consignor_code", consignor}},
                          .request_id = {}});
    }
    timer.lap("summary");
  });
  timer.lap("commit");
  return report;
}

RefundResult FeesService::exportRefunds(int64_t city, int fiscal_year,
                                        const std::string& transfer_date, bool crlf) {
  const auto s = settings(city);
  if (!s) {
    throw Error::conflict("fees.settings_missing",
                          "set the consignor code and account (fee settings) first");
  }
  requireBankBusinessDay(transfer_date, "transfer");
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);
  RefundResult result;
  db_.transaction([&](db::Tx& tx) {
    result = RefundResult{};
    zengin::TransferFile file;
    // Refunds go out from the default consignor's account (the city's 指定金融機関), whatever
    // bank collected the debit.
    file.header.consignor_code = s->consignor_code;
    file.header.consignor_name = s->consignor_name;
    file.header.date_mmdd = transfer_date.substr(5, 2) + transfer_date.substr(8, 2);
    file.header.bank_code = s->bank_code;
    file.header.branch_code = s->branch_code;
    if (const Bank* b = banks_->bank(s->bank_code)) file.header.bank_name = b->kana;
    if (const BankBranch* b = banks_->branch(s->bank_code, s->branch_code)) {
      file.header.branch_name = b->kana;
    }
    file.header.account_type = s->account_type;
    file.header.account_number = s->account_number;
    struct Owed {
      int64_t household_id, amount, last_bill;
    };
    std::vector<Owed> owed;
    for (const auto& r : tx.query(
             "SELECT household_id, SUM(paid) + SUM(written_off) - SUM(amount) AS credit, "
             "MAX(id) AS last_bill FROM fee_bills WHERE municipality_id = ? AND "
             "fiscal_year = ? AND payer_kind = 'household' GROUP BY household_id "
             "HAVING SUM(paid) + SUM(written_off) > SUM(amount) "
             "ORDER BY household_id",
             {city, fiscal_year})) {
      owed.push_back({r.getInt("household_id"), r.getInt("credit"), r.getInt("last_bill")});
    }
    BatchInsert journal(tx, "fee_journal",
                        {"municipality_id", "fiscal_year", "kind", "bill_id", "household_id",
                         "payer_kind", "child_id", "facility_id", "instalment", "amount", "items",
                         "ref", "entry_month", "created_at"});
    std::vector<int64_t> households;
    for (const auto& o : owed) {
      auto m = tx.queryOne("SELECT bank_code, branch_code, account_type, account_number, "
                           "holder_kana FROM fee_mandates WHERE household_id = ? AND "
                           "municipality_id = ?",
                           {o.household_id, city});
      if (m) {
        zengin::TransferRecord rec;
        rec.bank_code = m->getText("bank_code");
        rec.branch_code = m->getText("branch_code");
        if (const Bank* b = banks_->bank(rec.bank_code)) rec.bank_name = b->kana;
        if (const BankBranch* b = banks_->branch(rec.bank_code, rec.branch_code)) {
          rec.branch_name = b->kana;
        }
        rec.account_type = static_cast<int>(m->getInt("account_type"));
        rec.account_number = m->getText("account_number");
        rec.payee_name = m->getText("holder_kana");
        rec.amount = o.amount;
        rec.customer_code1 = std::to_string(o.household_id);
        file.records.push_back(std::move(rec));
        ++result.records;
        result.total += o.amount;
      } else {
        result.manual.push_back({{"household_id", o.household_id}, {"amount", o.amount}});
      }
      households.push_back(o.household_id);
    }
    // Added after the mandate reads: the batch may be loading while rows are added.
    for (const auto& o : owed) {
      journal.add({city, fiscal_year, "refund", o.last_bill, o.household_id, "household", 0, 0,
                   0, o.amount, nullptr, "refund:" + transfer_date, entry_month, now});
    }
    journal.flush();
    // The year's bills of a refunded household are settled: what was paid now equals what was
    // billed (the refund pays back the difference).
    executeIn(tx, "UPDATE fee_bills SET paid = amount - written_off WHERE municipality_id = ? AND "
                 "fiscal_year = ? AND payer_kind = 'household' AND household_id",
             {city, fiscal_year}, households);
    if (file.records.empty()) return;
    result.bytes = zengin::writeTransferFile(file, {.crlf = crlf});
    result.file_id =
        storeFile(tx, city, "transfer", fiscal_year, 0, s->consignor_code, transfer_date,
                  result.records, result.total, result.bytes);
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                          .action = "fees.export_refunds", .target_type = "file",
                          .target_id = std::to_string(result.file_id),
                          .details = {{"records", result.records}, {"total", result.total}}, .request_id = {}});
    }
  });
  return result;
}

}  // namespace sukusuku::fees
