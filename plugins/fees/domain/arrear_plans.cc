// 督促 on a schedule (a daily job), 分納 (instalment plans for arrears) and the write-off list.
// Every step is a journal line (amount 0 where no money moves), so the ledger shows the history.
#include <algorithm>
#include <map>
#include <set>

#include "fees_service.h"
#include "sukusuku/error.h"

namespace sukusuku::fees {

namespace {

bool isDate(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const int m = std::stoi(d.substr(5, 2));
  const int day = std::stoi(d.substr(8, 2));
  return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

// Days since 1970-01-01 for 'YYYY-MM-DD' (proleptic Gregorian), and back.
int64_t dayNumber(const std::string& d) {
  int y = std::stoi(d.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(d.substr(5, 2)));
  const unsigned day = static_cast<unsigned>(std::stoi(d.substr(8, 2)));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

void journalLine(db::Connection& tx, int64_t city, int64_t fiscal_year, const std::string& kind,
                 int64_t bill_id, int64_t household_id, int64_t instalment, int64_t amount,
                 const std::string& ref, const std::string& entry_month, const std::string& now) {
  tx.execute("INSERT INTO fee_journal (municipality_id, fiscal_year, kind, bill_id, household_id, "
             "payer_kind, child_id, facility_id, instalment, amount, items, ref, entry_month, "
             "created_at) VALUES (?, ?, ?, ?, ?, 'household', 0, 0, ?, ?, NULL, ?, ?, ?)",
             {city, fiscal_year, kind, bill_id, household_id, instalment, amount, ref,
              entry_month, now});
}

}  // namespace

nlohmann::json ReminderRun::toJson() const {
  return {{"pushes", pushes}, {"letters", letters}, {"batches", batches}};
}

void FeesService::setReminderSchedule(int64_t city, const std::vector<ReminderStep>& steps) {
  if (steps.empty() || steps.size() > 9) {
    throw Error::invalid("fees.schedule_invalid", "a reminder schedule has 1 to 9 steps");
  }
  int last = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    if (s.name.empty() || (!s.push && !s.letter) || s.days_after_due <= last ||
        s.days_after_due > 3650) {
      throw Error::invalid("fees.schedule_invalid",
                           "each step needs a name, a channel and more days than the one before",
                           {{"step", i + 1}});
    }
    last = s.days_after_due;
  }
  db_.transaction([&](db::Tx& tx) {
    tx.execute("DELETE FROM fee_reminder_steps WHERE municipality_id = ?", {city});
    for (size_t i = 0; i < steps.size(); ++i) {
      const auto& s = steps[i];
      std::string channels = s.push ? "push" : "";
      if (s.letter) channels += channels.empty() ? "letter" : ",letter";
      tx.execute("INSERT INTO fee_reminder_steps (municipality_id, step, name, days_after_due, "
                 "channels) VALUES (?, ?, ?, ?, ?)",
                 {city, static_cast<int64_t>(i + 1), s.name, s.days_after_due, channels});
    }
  });
}

std::vector<ReminderStep> FeesService::reminderSchedule(int64_t city) {
  auto conn = db_.acquire();
  std::vector<ReminderStep> out;
  for (const auto& r : conn->query("SELECT step, name, days_after_due, channels FROM "
                                   "fee_reminder_steps WHERE municipality_id = ? ORDER BY step",
                                   {city})) {
    const std::string ch = r.getText("channels");
    out.push_back({static_cast<int>(r.getInt("step")), r.getText("name"),
                   static_cast<int>(r.getInt("days_after_due")),
                   ch.find("push") != std::string::npos, ch.find("letter") != std::string::npos});
  }
  return out;
}

ReminderRun FeesService::runReminders(int64_t city, const std::string& today) {
  if (!isDate(today)) throw Error::invalid("fees.date_invalid", "date must be YYYY-MM-DD");
  const auto steps = reminderSchedule(city);
  ReminderRun run;
  if (steps.empty()) return run;
  const int64_t day = dayNumber(today);
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);
  db_.transaction([&](db::Tx& tx) {
    run = ReminderRun{};
    // Steps each bill has had, with the day the step was sent.
    std::map<std::pair<int64_t, int>, int64_t> sent;
    for (const auto& r : tx.query("SELECT bill_id, step, MIN(batch) AS batch FROM "
                                  "fee_reminders WHERE municipality_id = ? AND step IS NOT NULL "
                                  "GROUP BY bill_id, step",
                                  {city})) {
      sent[{r.getInt("bill_id"), static_cast<int>(r.getInt("step"))}] =
          dayNumber(r.getText("batch").substr(0, 10));
    }
    std::set<std::string> batches;
    for (const auto& r : tx.query(
             "SELECT b.id, b.household_id, b.fiscal_year, b.instalment, b.due_date, "
             "b.amount - b.paid - b.written_off AS due FROM fee_bills b "
             "WHERE b.municipality_id = ? AND b.payer_kind = 'household' AND "
             "b.amount > b.paid + b.written_off AND b.due_date < ? AND NOT EXISTS ("
             " SELECT 1 FROM fee_arrear_plan_bills pb JOIN fee_arrear_plans p ON "
             " p.id = pb.plan_id WHERE pb.bill_id = b.id AND p.status = 'active') "
             "ORDER BY b.id",
             {city, today})) {
      const int64_t bill = r.getInt("id");
      const int64_t overdue = day - dayNumber(r.getText("due_date"));
      // The lowest step not yet sent, if its day has come and the step before it was sent at
      // least the gap between the two steps ago: never two steps at once, never one skipped.
      for (size_t i = 0; i < steps.size(); ++i) {
        const auto& s = steps[i];
        if (sent.count({bill, s.step})) continue;
        if (overdue < s.days_after_due) break;
        if (i > 0) {
          const auto prev = sent.find({bill, steps[i - 1].step});
          if (prev == sent.end() ||
              day - prev->second < s.days_after_due - steps[i - 1].days_after_due) {
            break;
          }
        }
        const std::string batch = today + "/" + std::to_string(s.step);
        for (const char* channel : {"push", "letter"}) {
          const bool on = std::string(channel) == "push" ? s.push : s.letter;
          if (!on) continue;
          tx.execute("INSERT INTO fee_reminders (municipality_id, bill_id, channel, sent_at, "
                     "sent_by_user_id, step, batch) VALUES (?, ?, ?, ?, 0, ?, ?)",
                     {city, bill, channel, now, s.step, batch});
        }
        journalLine(tx, city, r.getInt("fiscal_year"), "reminder", bill, r.getInt("household_id"),
                    r.getInt("instalment"), 0, "reminder:" + std::to_string(s.step) + ":" + s.name,
                    entry_month, now);
        if (s.letter) {
          ++run.letters;
          batches.insert(batch);
        }
        if (s.push) {
          ++run.pushes;
          if (notifier_) {
            push::Notification n;
            n.municipality_id = city;
            n.category = "fees.reminder";
            n.title = {{"ja", s.name + ": 学校教材費"}, {"en", "School material fees overdue"}};
            n.body = {{"ja", "納期限 " + r.getText("due_date") + " の教材費 " +
                                 std::to_string(r.getInt("due")) +
                                 " 円が未納です。納付書またはアプリからお支払いください。"},
                      {"en", std::to_string(r.getInt("due")) + " yen due on " +
                                 r.getText("due_date") +
                                 " is unpaid. Please pay with the slip or in the app."}};
            n.data = {{"route", "fees.statements"}, {"bill_id", std::to_string(bill)}};
            n.priority = push::Priority::kUrgent;
            n.source_ref = "fees.reminder:" + std::to_string(bill) + ":" + std::to_string(s.step);
            push::Audience audience;
            audience.households = {r.getInt("household_id")};
            notifier_->notify(tx, n, audience);
          }
        }
        break;
      }
    }
    run.batches.assign(batches.begin(), batches.end());
    if (audit_ && (run.pushes > 0 || run.letters > 0)) {
      audit_->record(tx, {.municipality_id = city, .actor_role = "system",
                          .action = "fees.reminders", .target_type = "fee_reminders",
                          .target_id = today, .details = run.toJson(), .request_id = {}});
    }
  });
  return run;
}

nlohmann::json FeesService::letterBatch(int64_t city, const std::string& batch) {
  auto conn = db_.acquire();
  nlohmann::json letters = nlohmann::json::array();
  for (const auto& r : conn->query(
           "SELECT r.bill_id, r.step, s.name AS step_name, b.household_id, b.fiscal_year, "
           "b.instalment, b.due_date, b.amount - b.paid - b.written_off AS due, h.name, "
           "h.postal_code, h.address FROM fee_reminders r JOIN fee_bills b ON b.id = r.bill_id "
           "JOIN households h ON h.id = b.household_id LEFT JOIN fee_reminder_steps s ON "
           "s.municipality_id = r.municipality_id AND s.step = r.step "
           "WHERE r.municipality_id = ? AND r.batch = ? AND r.channel = 'letter' ORDER BY r.id",
           {city, batch})) {
    letters.push_back({{"bill_id", r.getInt("bill_id")},
                       {"step", r.getInt("step")},
                       {"step_name", r.isNull("step_name") ? "" : r.getText("step_name")},
                       {"household_id", r.getInt("household_id")},
                       {"household", r.getText("name")},
                       {"postal_code", r.getText("postal_code")},
                       {"address", r.getText("address")},
                       {"fiscal_year", r.getInt("fiscal_year")},
                       {"instalment", r.getInt("instalment")},
                       {"due_date", r.getText("due_date")},
                       {"due", r.getInt("due")}});
  }
  return letters;
}

int64_t FeesService::createArrearPlan(int64_t city, int64_t household_id,
                                      const std::vector<int64_t>& bill_ids,
                                      const std::vector<PlanStep>& steps, const std::string& note,
                                      int64_t user_id) {
  if (bill_ids.empty()) {
    throw Error::invalid("fees.plan_steps_invalid", "an instalment plan covers at least one bill");
  }
  if (steps.empty() || steps.size() > 60) {
    throw Error::invalid("fees.plan_steps_invalid", "an instalment plan has 1 to 60 payments");
  }
  int64_t scheduled = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!isDate(steps[i].due_date) || steps[i].amount <= 0 ||
        (i > 0 && steps[i].due_date <= steps[i - 1].due_date)) {
      throw Error::invalid("fees.plan_steps_invalid",
                           "each payment needs a later date than the one before and an amount",
                           {{"step", i + 1}});
    }
    scheduled += steps[i].amount;
  }
  const std::set<int64_t> unique(bill_ids.begin(), bill_ids.end());
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);
  return db_.transaction([&](db::Tx& tx) {
    int64_t due = 0;
    int64_t settled = 0;
    int64_t fiscal_year = 0;
    int64_t instalment = 0;
    for (int64_t bill : unique) {
      auto b = tx.queryOne("SELECT household_id, amount, paid, written_off, fiscal_year, "
                           "instalment FROM fee_bills WHERE id = ? AND municipality_id = ? AND "
                           "payer_kind = 'household'" +
                               std::string(tx.dialect().forUpdate()),
                           {bill, city});
      if (!b || b->getInt("household_id") != household_id) {
        throw Error(404, "fees.bill_not_found", "no such bill of this household",
                    {{"bill_id", bill}});
      }
      const int64_t open = b->getInt("amount") - b->getInt("paid") - b->getInt("written_off");
      if (open <= 0) {
        throw Error::conflict("fees.bill_settled", "nothing is due on this bill",
                              {{"bill_id", bill}});
      }
      if (tx.queryOne("SELECT p.id FROM fee_arrear_plan_bills pb JOIN fee_arrear_plans p ON "
                      "p.id = pb.plan_id WHERE pb.bill_id = ? AND p.status = 'active'",
                      {bill})) {
        throw Error::conflict("fees.bill_in_plan", "the bill is in an active instalment plan",
                              {{"bill_id", bill}});
      }
      due += open;
      settled += b->getInt("paid") + b->getInt("written_off");
      if (fiscal_year == 0) {
        fiscal_year = b->getInt("fiscal_year");
        instalment = b->getInt("instalment");
      }
    }
    if (scheduled != due) {
      throw Error::invalid("fees.plan_steps_invalid",
                           "the payments add up to " + std::to_string(scheduled) + " yen, " +
                               std::to_string(due) + " yen is due",
                           {{"due", due}, {"scheduled", scheduled}});
    }
    const int64_t plan =
        tx.execute("INSERT INTO fee_arrear_plans (municipality_id, household_id, total, "
                   "settled_before, status, note, created_by_user_id, created_at) VALUES "
                   "(?, ?, ?, ?, 'active', ?, ?, ?)",
                   {city, household_id, due, settled, note, user_id, now})
            .last_insert_id;
    for (int64_t bill : unique) {
      tx.execute("INSERT INTO fee_arrear_plan_bills (plan_id, bill_id) VALUES (?, ?)",
                 {plan, bill});
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      tx.execute("INSERT INTO fee_arrear_plan_steps (plan_id, seq, due_date, amount) VALUES "
                 "(?, ?, ?, ?)",
                 {plan, static_cast<int64_t>(i + 1), steps[i].due_date, steps[i].amount});
    }
    journalLine(tx, city, fiscal_year, "arrear_plan", *unique.begin(), household_id, instalment, 0,
                "plan:" + std::to_string(plan), entry_month, now);
    if (audit_) {
      audit_->record(tx, {.municipality_id = city, .actor_user_id = user_id,
                          .actor_role = "city_finance_officer", .action = "fees.arrear_plan",
                          .target_type = "fee_arrear_plan", .target_id = std::to_string(plan),
                          .details = {{"household_id", household_id}, {"total", due},
                                      {"payments", steps.size()}},
                          .request_id = {}});
    }
    return plan;
  });
}

nlohmann::json FeesService::arrearPlan(int64_t city, int64_t plan_id) {
  auto conn = db_.acquire();
  auto p = conn->queryOne("SELECT id, household_id, total, settled_before, status, note, "
                          "created_at, closed_at FROM fee_arrear_plans WHERE id = ? AND "
                          "municipality_id = ?",
                          {plan_id, city});
  if (!p) throw Error::notFound("fees.plan_not_found", "no such instalment plan");
  nlohmann::json bills = nlohmann::json::array();
  int64_t settled_now = 0;
  for (const auto& r : conn->query("SELECT b.id, b.instalment, b.due_date, b.amount, b.paid, "
                                   "b.written_off FROM fee_arrear_plan_bills pb JOIN fee_bills b "
                                   "ON b.id = pb.bill_id WHERE pb.plan_id = ? ORDER BY b.id",
                                   {plan_id})) {
    settled_now += r.getInt("paid") + r.getInt("written_off");
    bills.push_back({{"bill_id", r.getInt("id")}, {"instalment", r.getInt("instalment")},
                     {"due_date", r.getText("due_date")},
                     {"due", r.getInt("amount") - r.getInt("paid") - r.getInt("written_off")}});
  }
  const int64_t paid = std::max<int64_t>(0, settled_now - p->getInt("settled_before"));
  const std::string today = tokyoDate(clock_.now());
  nlohmann::json steps = nlohmann::json::array();
  int64_t left = paid;
  for (const auto& r : conn->query("SELECT seq, due_date, amount FROM fee_arrear_plan_steps "
                                   "WHERE plan_id = ? ORDER BY seq",
                                   {plan_id})) {
    const int64_t amount = r.getInt("amount");
    const int64_t covered = std::min(left, amount);
    left -= covered;
    const std::string due_date = r.getText("due_date");
    std::string state = covered == amount ? "paid"
                        : due_date < today ? "overdue"
                        : covered > 0      ? "partly_paid"
                                           : "open";
    steps.push_back({{"seq", r.getInt("seq")}, {"due_date", due_date}, {"amount", amount},
                     {"paid", covered}, {"state", state}});
  }
  return {{"id", p->getInt("id")},
          {"household_id", p->getInt("household_id")},
          {"total", p->getInt("total")},
          {"paid", paid},
          {"status", p->getText("status")},
          {"note", p->isNull("note") ? "" : p->getText("note")},
          {"created_at", p->getText("created_at")},
          {"closed_at", p->isNull("closed_at") ? "" : p->getText("closed_at")},
          {"bills", bills},
          {"steps", steps}};
}

nlohmann::json FeesService::arrearPlans(int64_t city, int64_t household_id) {
  std::vector<int64_t> ids;
  {
    auto conn = db_.acquire();
    for (const auto& r : conn->query("SELECT id FROM fee_arrear_plans WHERE municipality_id = ? "
                                     "AND (? = 0 OR household_id = ?) ORDER BY id DESC LIMIT 200",
                                     {city, household_id, household_id})) {
      ids.push_back(r.getInt("id"));
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (int64_t id : ids) out.push_back(arrearPlan(city, id));
  return out;
}

nlohmann::json FeesService::checkArrearPlans(int64_t city, const std::string& today) {
  if (!isDate(today)) throw Error::invalid("fees.date_invalid", "date must be YYYY-MM-DD");
  std::vector<int64_t> active;
  {
    auto conn = db_.acquire();
    for (const auto& r : conn->query("SELECT id FROM fee_arrear_plans WHERE municipality_id = ? "
                                     "AND status = 'active' ORDER BY id",
                                     {city})) {
      active.push_back(r.getInt("id"));
    }
  }
  nlohmann::json changed = nlohmann::json::array();
  const std::string now = formatUtc(clock_.now());
  const std::string entry_month = tokyoDate(clock_.now()).substr(0, 7);
  for (int64_t id : active) {
    db_.transaction([&](db::Tx& tx) {
      auto p = tx.queryOne("SELECT household_id, total, settled_before, status FROM "
                           "fee_arrear_plans WHERE id = ?" +
                               std::string(tx.dialect().forUpdate()),
                           {id});
      if (!p || p->getText("status") != "active") return;
      int64_t settled_now = 0;
      int64_t first_bill = 0;
      int64_t fiscal_year = 0;
      int64_t instalment = 0;
      for (const auto& r : tx.query("SELECT b.id, b.paid, b.written_off, b.fiscal_year, "
                                    "b.instalment FROM fee_arrear_plan_bills pb JOIN fee_bills b "
                                    "ON b.id = pb.bill_id WHERE pb.plan_id = ? ORDER BY b.id",
                                    {id})) {
        settled_now += r.getInt("paid") + r.getInt("written_off");
        if (first_bill == 0) {
          first_bill = r.getInt("id");
          fiscal_year = r.getInt("fiscal_year");
          instalment = r.getInt("instalment");
        }
      }
      const int64_t paid = settled_now - p->getInt("settled_before");
      std::string status;
      std::string missed;
      if (paid >= p->getInt("total")) {
        status = "completed";
      } else {
        int64_t through = 0;
        for (const auto& r : tx.query("SELECT due_date, amount FROM fee_arrear_plan_steps WHERE "
                                      "plan_id = ? ORDER BY seq",
                                      {id})) {
          through += r.getInt("amount");
          if (r.getText("due_date") < today && paid < through) {
            status = "broken";
            missed = r.getText("due_date");
            break;
          }
        }
      }
      if (status.empty()) return;
      tx.execute("UPDATE fee_arrear_plans SET status = ?, closed_at = ? WHERE id = ?",
                 {status, now, id});
      const int64_t household = p->getInt("household_id");
      journalLine(tx, city, fiscal_year, "arrear_plan_" + status, first_bill, household,
                  instalment, 0, "plan:" + std::to_string(id), entry_month, now);
      if (status == "broken" && notifier_) {
        push::Notification n;
        n.municipality_id = city;
        n.category = "fees.reminder";
        n.title = {{"ja", "分納のお支払いについて"}, {"en", "Instalment plan payment missed"}};
        n.body = {{"ja", missed + " の分納のお支払いが確認できません。市の担当窓口にご連絡ください。"},
                  {"en", "The payment due on " + missed +
                             " under your instalment plan has not arrived. Please contact the "
                             "city office."}};
        n.data = {{"route", "fees.statements"}, {"plan_id", std::to_string(id)}};
        n.priority = push::Priority::kUrgent;
        n.source_ref = "fees.plan_broken:" + std::to_string(id);
        push::Audience audience;
        audience.households = {household};
        notifier_->notify(tx, n, audience);
      }
      changed.push_back({{"plan_id", id}, {"household_id", household}, {"status", status},
                         {"paid", paid}, {"missed", missed}});
    });
  }
  return changed;
}

nlohmann::json FeesService::writeOffs(int64_t city, const std::string& status) {
  auto conn = db_.acquire();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : conn->query(
           "SELECT w.id, w.bill_id, w.amount, w.reason, w.note, w.status, "
           "w.requested_by_user_id, w.approved_by_user_id, w.requested_at, w.approved_at, "
           "b.household_id, b.instalment, b.due_date, h.name AS household FROM fee_write_offs w "
           "JOIN fee_bills b ON b.id = w.bill_id JOIN households h ON h.id = b.household_id "
           "WHERE w.municipality_id = ? AND (? = '' OR w.status = ?) ORDER BY w.id DESC LIMIT 500",
           {city, status, status})) {
    out.push_back({{"id", r.getInt("id")},
                   {"bill_id", r.getInt("bill_id")},
                   {"amount", r.getInt("amount")},
                   {"reason", r.getText("reason")},
                   {"note", r.isNull("note") ? "" : r.getText("note")},
                   {"status", r.getText("status")},
                   {"requested_by_user_id", r.getInt("requested_by_user_id")},
                   {"approved_by_user_id",
                    r.isNull("approved_by_user_id") ? 0 : r.getInt("approved_by_user_id")},
                   {"requested_at", r.getText("requested_at")},
                   {"household_id", r.getInt("household_id")},
                   {"household", r.getText("household")},
                   {"instalment", r.getInt("instalment")},
                   {"due_date", r.getText("due_date")}});
  }
  return out;
}

}  // namespace sukusuku::fees
