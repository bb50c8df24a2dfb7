// 督促 and 不納欠損: the unpaid list, reminders, payments by slip or online, and write-offs.
#include "fees_service.h"
#include "sukusuku/error.h"

namespace sukusuku::fees {

namespace {

struct OpenBill {
  int64_t household_id, amount, paid, written_off, fiscal_year, instalment;
  std::string due_date;
  int64_t due() const { return amount - paid - written_off; }
};

OpenBill loadBill(db::Connection& conn, int64_t city, int64_t bill_id) {
  auto r = conn.queryOne("SELECT household_id, amount, paid, written_off, fiscal_year, "
                         "instalment, due_date FROM fee_bills WHERE id = ? AND "
                         "municipality_id = ? AND payer_kind = 'household'" +
                             std::string(conn.dialect().forUpdate()),
                         {bill_id, city});
  if (!r) throw Error::notFound("fees.bill_not_found", "no such bill");
  return {r->getInt("household_id"), r->getInt("amount"),      r->getInt("paid"),
          r->getInt("written_off"),  r->getInt("fiscal_year"), r->getInt("instalment"),
          r->getText("due_date")};
}

}  // namespace

nlohmann::json FeesService::arrears(int64_t city, int fiscal_year, const std::string& today,
                                    int64_t facility_id) {
  auto conn = db_.acquire();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : conn->query(
           "SELECT b.id, b.household_id, b.instalment, b.amount - b.paid - b.written_off AS due, "
           "b.due_date, h.name AS household, "
           "(SELECT COUNT(*) FROM fee_reminders r WHERE r.bill_id = b.id) AS reminders, "
           "(SELECT g.family_name || ' ' || g.given_name FROM guardians g WHERE "
           " g.household_id = b.household_id AND g.primary_payer = 1 ORDER BY g.id LIMIT 1) "
           " AS payer, "
           "(SELECT m.status FROM fee_mandates m WHERE m.household_id = b.household_id) AS mandate "
           "FROM fee_bills b JOIN households h ON h.id = b.household_id "
           "WHERE b.municipality_id = ? AND b.fiscal_year = ? AND b.payer_kind = 'household' "
           "AND b.amount > b.paid + b.written_off AND b.due_date < ? "
           "AND (? = 0 OR EXISTS (SELECT 1 FROM fee_journal j WHERE "
           " j.municipality_id = b.municipality_id AND j.fiscal_year = b.fiscal_year AND "
           " j.bill_id = b.id AND "
           " j.facility_id = ?)) ORDER BY b.household_id, b.instalment",
           {city, fiscal_year, today, facility_id, facility_id})) {
    nlohmann::json schools = nlohmann::json::array();
    for (const auto& s : conn->query("SELECT DISTINCT f.id, f.name FROM fee_journal j JOIN "
                                     "facilities f ON f.id = j.facility_id WHERE "
                                     "j.municipality_id = ? AND j.fiscal_year = ? AND "
                                     "j.bill_id = ? ORDER BY f.id",
                                     {city, fiscal_year, r.getInt("id")})) {
      schools.push_back({{"id", s.getInt("id")}, {"name", s.getText("name")}});
    }
    out.push_back({{"bill_id", r.getInt("id")},
                   {"household_id", r.getInt("household_id")},
                   {"household", r.getText("household")},
                   {"payer", r.isNull("payer") ? "" : r.getText("payer")},
                   {"instalment", r.getInt("instalment")},
                   {"due", r.getInt("due")},
                   {"due_date", r.getText("due_date")},
                   {"reminders", r.getInt("reminders")},
                   {"mandate", r.isNull("mandate") ? "none" : r.getText("mandate")},
                   {"schools", schools}});
  }
  return out;
}

nlohmann::json FeesService::remind(int64_t city, int64_t bill_id, const std::string& channel,
                                   int64_t user_id) {
  if (channel != "push" && channel != "letter") {
    throw Error::invalid("fees.channel_invalid", "channel is push or letter");
  }
  return db_.transaction([&](db::Tx& tx) {
    const OpenBill b = loadBill(tx, city, bill_id);
    if (b.due() <= 0) throw Error::conflict("fees.bill_settled", "nothing is due on this bill");
    tx.execute("INSERT INTO fee_reminders (municipality_id, bill_id, channel, sent_at, "
               "sent_by_user_id) VALUES (?, ?, ?, ?, ?)",
               {city, bill_id, channel, formatUtc(clock_.now()), user_id});
    if (channel == "push" && notifier_) {
      push::Notification n;
      n.municipality_id = city;
      n.category = "fees.reminder";
      n.title = {{"ja", "学校教材費の納付について"}, {"en", "School material fees overdue"}};
      n.body = {{"ja", "納期限 " + b.due_date + " の教材費 " + std::to_string(b.due()) +
                           " 円が未納です。納付書またはアプリからお支払いください。"},
                {"en", std::to_string(b.due()) + " yen due on " + b.due_date +
                           " is unpaid. Please pay with the slip or in the app."}};
      n.data = {{"route", "fees.statements"}, {"bill_id", std::to_string(bill_id)}};
      n.priority = push::Priority::kUrgent;
      n.source_ref = "fees.reminder:" + std::to_string(bill_id);
      n.sender_user_id = user_id;
      push::Audience audience;
      audience.households = {b.household_id};
      notifier_->notify(tx, n, audience);
    }
    auto h = tx.queryOne("SELECT name, postal_code, address FROM households WHERE id = ?",
                         {b.household_id});
    return nlohmann::json{{"bill_id", bill_id},
                          {"household_id", b.household_id},
                          {"household", h ? h->getText("name") : ""},
                          {"postal_code", h ? h->getText("postal_code") : ""},
                          {"address", h ? h->getText("address") : ""},
                          {"due", b.due()},
                          {"due_date", b.due_date},
                          {"fiscal_year", b.fiscal_year},
                          {"instalment", b.instalment}};
  });
}

void FeesService::recordPayment(int64_t city, int64_t bill_id, int64_t amount,
                                const std::string& method, int64_t user_id) {
  const std::string now = formatUtc(clock_.now());
  db_.transaction([&](db::Tx& tx) {
    const OpenBill b = loadBill(tx, city, bill_id);
    if (b.due() <= 0) throw Error::conflict("fees.bill_settled", "nothing is due on this bill");
    if (amount <= 0 || amount > b.due()) {
      throw Error::invalid("fees.amount_invalid",
                           "amount must be 1.." + std::to_string(b.due()) + " yen",
                           {{"due", b.due()}});
    }
    tx.execute("UPDATE fee_bills SET paid = paid + ? WHERE id = ?", {amount, bill_id});
    tx.execute("INSERT INTO fee_journal (municipality_id, fiscal_year, kind, bill_id, "
               "household_id, payer_kind, child_id, facility_id, instalment, amount, items, ref, "
               "entry_month, created_at) VALUES (?, ?, 'receipt', ?, ?, 'household', 0, 0, ?, ?, "
               "NULL, ?, ?, ?)",
               {city, b.fiscal_year, bill_id, b.household_id, b.instalment, amount,
                "payment:" + method, tokyoDate(clock_.now()).substr(0, 7), now});
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_user_id = user_id,
                          .actor_role = user_id ? "city_finance_officer" : "system",
                          .action = "fees.payment_recorded", .target_type = "fee_bill",
                          .target_id = std::to_string(bill_id),
                          .details = {{"amount", amount}, {"method", method}}, .request_id = {}});
    }
  });
}

int64_t FeesService::requestWriteOff(int64_t city, int64_t bill_id, const std::string& reason,
                                     const std::string& note, int64_t user_id) {
  static const std::vector<std::string> kReasons = {"limitation", "bankruptcy",
                                                    "whereabouts_unknown", "other"};
  if (std::find(kReasons.begin(), kReasons.end(), reason) == kReasons.end()) {
    throw Error::invalid("fees.reason_invalid",
                         "reason is limitation, bankruptcy, whereabouts_unknown or other");
  }
  if (reason == "other" && note.empty()) {
    throw Error::invalid("fees.reason_invalid", "a write-off for another reason needs a note");
  }
  const auto s = settings(city);
  const int years = s ? s->limitation_years : 5;
  const std::string today = tokyoDate(clock_.now());
  return db_.transaction([&](db::Tx& tx) {
    const OpenBill b = loadBill(tx, city, bill_id);
    if (b.due() <= 0) throw Error::conflict("fees.bill_settled", "nothing is due on this bill");
    if (reason == "limitation") {
      const std::string barred =
          std::to_string(std::stoi(b.due_date.substr(0, 4)) + years) + b.due_date.substr(4);
      if (today < barred) {
        throw Error::invalid("fees.not_time_barred",
                             "the claim is time-barred only from " + barred,
                             {{"time_barred_from", barred}, {"limitation_years", years}});
      }
    }
    if (tx.queryOne("SELECT id FROM fee_write_offs WHERE bill_id = ? AND status = 'requested'",
                    {bill_id})) {
      throw Error::conflict("fees.write_off_pending", "a write-off is already waiting for approval");
    }
    return tx.execute("INSERT INTO fee_write_offs (municipality_id, bill_id, amount, reason, note, "
                      "status, requested_by_user_id, requested_at) VALUES (?, ?, ?, ?, ?, "
                      "'requested', ?, ?)",
                      {city, bill_id, b.due(), reason, note, user_id, formatUtc(clock_.now())})
        .last_insert_id;
  });
}

void FeesService::approveWriteOff(int64_t city, int64_t write_off_id, int64_t user_id) {
  const std::string now = formatUtc(clock_.now());
  db_.transaction([&](db::Tx& tx) {
    auto w = tx.queryOne("SELECT bill_id, amount, reason, status, requested_by_user_id FROM "
                         "fee_write_offs WHERE id = ? AND municipality_id = ?",
                         {write_off_id, city});
    if (!w || w->getText("status") != "requested") {
      throw Error::notFound("fees.write_off_not_found", "no write-off waiting for approval");
    }
    if (w->getInt("requested_by_user_id") == user_id) {
      throw Error::conflict("fees.write_off_same_person",
                            "a write-off is approved by someone other than who asked for it");
    }
    const int64_t bill_id = w->getInt("bill_id");
    const OpenBill b = loadBill(tx, city, bill_id);
    const int64_t amount = std::min(w->getInt("amount"), b.due());
    if (amount <= 0) throw Error::conflict("fees.bill_settled", "nothing is due on this bill");
    tx.execute("UPDATE fee_bills SET written_off = written_off + ? WHERE id = ?", {amount, bill_id});
    tx.execute("UPDATE fee_write_offs SET status = 'approved', approved_by_user_id = ?, "
               "approved_at = ? WHERE id = ?",
               {user_id, now, write_off_id});
    tx.execute("INSERT INTO fee_journal (municipality_id, fiscal_year, kind, bill_id, "
               "household_id, payer_kind, child_id, facility_id, instalment, amount, items, ref, "
               "entry_month, created_at) VALUES (?, ?, 'write_off', ?, ?, 'household', 0, 0, ?, "
               "?, NULL, ?, ?, ?)",
               {city, b.fiscal_year, bill_id, b.household_id, b.instalment, amount,
                "write_off:" + w->getText("reason"), tokyoDate(clock_.now()).substr(0, 7), now});
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_user_id = user_id,
                          .actor_role = "city_finance_officer", .action = "fees.write_off",
                          .target_type = "fee_bill", .target_id = std::to_string(bill_id),
                          .details = {{"amount", amount}, {"reason", w->getText("reason")}}, .request_id = {}});
    }
  });
}

}  // namespace sukusuku::fees
