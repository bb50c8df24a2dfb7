// The fees domain on the database: plans, mandates, billing runs (調定), debit files and their
// results, and the journal. Shared by the plugin (routes, CLI, demo data), the tests and the
// benchmark; the plugin library is the only thing the host loads.
//
// Every method is scoped to one municipality (CITY) and thread-safe (state is in the database;
// the bank table is immutable). Writes happen in one transaction each: a refused input changes
// nothing. Errors are sukusuku::Error with codes "fees.*".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/audit.h"
#include "sukusuku/blob_store.h"
#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"
#include "sukusuku/fees/bank_account.h"
#include "sukusuku/push/notifier.h"

namespace sukusuku::fees {

// The city's fee settings: its DEFAULT consignor (委託者) and policy. Other consignors (one per
// collecting bank that gave the city its own code) are Consignor rows.
struct Settings {
  std::string consignor_code;  // 委託者コード, 10 digits
  std::string consignor_name;  // kana
  std::string bank_code;
  std::string branch_code;
  int account_type = 1;
  std::string account_number;
  int limitation_years = 5;
};

// A consignor (委託者): the code a collecting bank gave the city, the kana name of the file header
// and the city's account at that bank that the debits are credited to. A mandate's bank code picks
// the consignor listing it in BANK_CODES, else the city's default one (exactly one per city).
struct Consignor {
  int64_t id = 0;
  std::string code;  // 委託者コード, 10 digits, unique in the city
  std::string name;  // any kana form in; stored as half-width bank kana (≤ 40 bank bytes)
  std::string bank_code;
  std::string branch_code;
  int account_type = 1;
  std::string account_number;
  std::vector<std::string> bank_codes;  // the banks it collects for (4 digits each)
  bool is_default = false;
  bool in_use = false;  // read only: a bank file was written or read under its code
  nlohmann::json toJson() const;
};

struct Instalment {
  int seq = 0;          // 1..n
  int month_index = 0;  // 0 = April
  std::string debit_date;
};

struct PlanItem {
  int64_t id = 0;
  int term = 0;  // 0 whole year, 1-3 学期
  std::string name;
  int64_t unit_price = 0;
  int64_t quantity = 0;
  bool optional = false;
};

struct PlanInput {
  int64_t facility_id = 0;
  int fiscal_year = 0;
  int grade = 0;
  std::string name;
  std::vector<PlanItem> items;
};

struct MandateInput {
  std::string bank_code;
  std::string branch_code;
  int account_type = 1;
  std::string account_number;
  // Japan Post Bank: give 記号 and 番号 instead of the four fields above.
  std::string japan_post_kigou;
  std::string japan_post_bangou;
  std::string holder_name;  // any kana form; stored as half-width bank kana
};

struct RunOptions {
  int fiscal_year = 0;
  int instalment = 0;
  bool dry_run = false;
  int64_t facility_id = 0;  // dry runs only: 0 = every school
};

struct RunSummary {
  int64_t run_id = 0;  // 0 for a dry run
  int64_t pupils = 0;
  int64_t entries = 0;      // journal entries written (or that would be)
  int64_t charged = 0;      // yen on household bills
  int64_t charged_city = 0; // yen on the city (就学援助)
  int64_t adjustments = 0;  // entries that change an earlier assessment
  int64_t bills = 0;        // bills created or changed
  nlohmann::json lines = nlohmann::json::array();  // dry run: what would be billed
  nlohmann::json toJson() const;
};

struct ExportOptions {
  int fiscal_year = 0;
  int instalment = 0;
  std::string debit_date;  // empty: the instalment's date
  bool crlf = true;
};

// One Zengin 91 request file: one consignor's debits of an instalment on one debit date.
struct ExportResult {
  int64_t file_id = 0;
  int64_t records = 0;
  int64_t total = 0;
  std::string bytes;
  std::string debit_date;
  std::string consignor_code;
  std::string consignor_name;  // half-width bank kana
};

// A file exchanged with the bank, as stored (fee_files).
struct StoredFile {
  int64_t id = 0;
  std::string kind;  // debit_request | debit_result | transfer
  std::string consignor_code;
  std::string bank_date;
  std::string sha256;
  std::string bytes;
};

// The request files of one export, by consignor code (ascending); RECORDS and TOTAL add them up.
struct DebitExport {
  std::string debit_date;
  int64_t records = 0;
  int64_t total = 0;
  std::vector<ExportResult> files;
};

struct ImportReport {
  int64_t file_id = 0;
  std::string consignor_code;  // the header's 委託者コード: whose request lines were reconciled
  int64_t records = 0;
  int64_t debited = 0;
  int64_t debited_amount = 0;
  std::map<std::string, int64_t> failed;  // result key → count
  int64_t failed_amount = 0;
  nlohmann::json unmatched = nlohmann::json::array();   // {line, customer_number, reason}
  nlohmann::json already = nlohmann::json::array();     // {line, bill_id, reason}
  nlohmann::json review = nlohmann::json::array();      // code 9: {line, bill_id}
  nlohmann::json toJson() const;
};

// A step of the reminder schedule: STEP 1 (督促) DAYS_AFTER_DUE 20, step 2 (催告) 50, …
struct ReminderStep {
  int step = 0;
  std::string name;
  int days_after_due = 0;
  bool push = true;
  bool letter = true;
};

// What a daily reminder run did: pushes sent and the letter batches to print ('DATE/STEP').
struct ReminderRun {
  int64_t pushes = 0;
  int64_t letters = 0;
  std::vector<std::string> batches;
  nlohmann::json toJson() const;
};

// 分納: one dated amount of an instalment plan for arrears.
struct PlanStep {
  std::string due_date;  // 'YYYY-MM-DD'
  int64_t amount = 0;
};

struct RefundResult {
  int64_t file_id = 0;  // 0 when nobody is owed a refund
  int64_t records = 0;
  int64_t total = 0;
  std::string bytes;
  nlohmann::json manual = nlohmann::json::array();  // {household_id, amount}
};

class FeesService {
 public:
  // BLOBS, when given, keeps bank files (tens of MB for a large city: more than one MariaDB
  // packet) under fees/files/<sha256>; without it they are stored in the fee_files row.
  FeesService(db::Database& db, const Clock& clock, std::shared_ptr<const BankTable> banks,
              AuditLog* audit = nullptr, BlobStore* blobs = nullptr);

  const BankTable& banks() const { return *banks_; }
  // The push core, when present: billing runs tell the households billed (in the run's
  // transaction) and push reminders reach the household. Null: no push (the default).
  void setNotifier(std::shared_ptr<push::Notifier> notifier) { notifier_ = std::move(notifier); }

  // The municipality with CODE (全国地方公共団体コード), or Error 404 "fees.city_not_found".
  int64_t cityByCode(const std::string& code);

  // Saves the city's policy and its DEFAULT consignor (created when the city has none): the
  // route of cities with one consignor. 422 "fees.settings_invalid" / "fees.account_invalid" /
  // "fees.kana_rejected" / "fees.bank_unknown" / "fees.branch_unknown" with {field}; 422
  // "fees.consignor_code_taken" when another consignor of the city has the code.
  void saveSettings(int64_t city, const Settings& settings);
  // The policy and the default consignor; nullopt when the city has no consignor.
  std::optional<Settings> settings(int64_t city);

  // 委託者: the city's consignors, the default first, then by code.
  std::vector<Consignor> consignors(int64_t city);
  // Adds (C.id 0) or changes a consignor, in one transaction with an audit row
  // ("fees.consignor_saved", by BY). The city's first consignor is its default; making one the
  // default makes the former default an ordinary one. 422 with {field}: "fees.consignor_invalid"
  // (code not 10 digits, empty or too long a name, a bank code in BANK_CODES that is not 4 digits
  // or not in the bank table, unsetting the default), "fees.kana_rejected", "fees.account_invalid",
  // "fees.bank_unknown", "fees.branch_unknown", "fees.consignor_code_taken" (code of another
  // consignor of the city), "fees.consignor_bank_taken" (a bank another consignor collects for,
  // {bank_code, consignor_code}); 404 "fees.consignor_not_found"; 409 "fees.consignor_in_use"
  // when the code of a consignor named by a bank file would change. Returns the id.
  int64_t saveConsignor(int64_t city, const Consignor& c, const AuditEntry& by = {});
  // 409 "fees.consignor_default" for the default, "fees.consignor_in_use" once a bank file
  // names its code; 404 "fees.consignor_not_found".
  void deleteConsignor(int64_t city, int64_t id, const AuditEntry& by = {});
  void setCap(int64_t city, int fiscal_year, int grade, int64_t cap_yen);
  // Several grades' caps in one transaction with one audit row ("fees.caps_saved", by BY); the
  // grades in REMOVED lose their cap (no limit; a grade in both is refused). Any cap invalid
  // (grade 1-9, not negative): 422 "fees.cap_invalid" with {grade}, nothing saved.
  void setCaps(int64_t city, int fiscal_year, const std::map<int, int64_t>& caps,
               const AuditEntry& by = {}, const std::set<int>& removed = {});
  // Replaces the schedule; Error 409 "fees.instalments_in_use" once bills exist for the year.
  // BY, when it names a role, gets an audit row ("fees.instalments_saved") in the same commit.
  void setInstalments(int64_t city, int fiscal_year, const std::vector<Instalment>& schedule,
                      const AuditEntry& by = {});
  std::vector<Instalment> instalments(int64_t city, int fiscal_year);

  // Creates or replaces the plan for (school, year, grade). Error 422 "fees.plan_over_cap" with
  // details {cap, total, over, items} when items (optional ones included) exceed the city's cap;
  // "fees.plan_invalid" for empty names, negative prices, a facility that is not a school of CITY.
  // BY names who saved it in the audit row (user, role, request id); empty: the system. Saving a
  // plan that was billed already changes nothing billed: the next run adjusts (adjustment entries).
  int64_t savePlan(int64_t city, const PlanInput& plan, const AuditEntry& by = {});
  nlohmann::json plans(int64_t city, int fiscal_year, int64_t facility_id = 0);
  // A guardian's application for an optional item (fees.item_not_optional, fees.child_not_found).
  void applyOptional(int64_t city, int64_t child_id, int64_t item_id);

  // Validates against the bank table and the bank character set; stores half-width kana.
  int64_t saveMandate(int64_t city, int64_t household_id, const MandateInput& mandate);
  nlohmann::json mandate(int64_t city, int64_t household_id);

  // 調定. Error 409 "fees.run_in_progress" while another run of CITY holds the run lock (on any
  // node); a lock left by a run whose node died is taken over (that run is marked
  // 'interrupted'); 404 "fees.instalment_not_found" for an unknown instalment.
  RunSummary bill(int64_t city, const RunOptions& options);

  // The Zengin 91 requests for the instalment's household bills with an active mandate that are
  // not already waiting in an earlier file: one file per consignor (the mandate's bank code picks
  // it, else the default), all in one transaction. A consignor with no debit gets no file, except
  // that an export with no debit at all writes the default's empty file. Error 409
  // "fees.settings_missing" without a consignor.
  DebitExport exportDebit(int64_t city, const ExportOptions& options);
  // Applies a bank result file in one transaction; the header's 委託者コード picks the consignor
  // and only its request lines of that debit date are reconciled. A file that does not parse or
  // names no consignor of the city changes nothing (422 "fees.file_invalid" /
  // "fees.consignor_mismatch" with {consignor_code}).
  ImportReport importResult(int64_t city, const std::string& bytes);
  // A stored bank file of CITY, bytes as written or received; 404 "fees.file_not_found" for
  // another city's or a missing one.
  StoredFile storedFile(int64_t city, int64_t id);

  // 還付 (paid from the DEFAULT consignor's account, under its code): every household whose bills
  // of the year hold more paid than billed (a transfer out
  // after paying ahead, a lowered plan) is paid back the difference: a "refund" journal entry,
  // its bills settled, and a Zengin 21 (総合振込) file to the mandate's account. Households
  // without a mandate are listed in `manual` for a refund by other means.
  RefundResult exportRefunds(int64_t city, int fiscal_year, const std::string& transfer_date,
                             bool crlf = true);

  // 督促: open household bills past their due date on TODAY ('YYYY-MM-DD'), by payer, with
  // the schools involved and the reminders sent so far.
  nlohmann::json arrears(int64_t city, int fiscal_year, const std::string& today,
                         int64_t facility_id = 0);
  // Records a reminder for an open bill (channel "push" or "letter"); returns the letter data.
  nlohmann::json remind(int64_t city, int64_t bill_id, const std::string& channel,
                        int64_t user_id);
  // A payment not made by direct debit (納付書 at a bank or konbini, online): a receipt on the
  // journal. Error 409 "fees.bill_settled" when nothing is due, 422 "fees.amount_invalid" when
  // AMOUNT is not 1..due.
  void recordPayment(int64_t city, int64_t bill_id, int64_t amount, const std::string& method,
                     int64_t user_id);
  // 不納欠損, in two steps by two people. reason "limitation" needs the limitation period
  // (settings.limitation_years after the due date) to have passed: 422 "fees.not_time_barred".
  int64_t requestWriteOff(int64_t city, int64_t bill_id, const std::string& reason,
                          const std::string& note, int64_t user_id);
  // Error 409 "fees.write_off_same_person" when the requester approves their own request.
  void approveWriteOff(int64_t city, int64_t write_off_id, int64_t user_id);

  // 督促 on a schedule. Replaces the city's steps (ascending days, 1-9 steps, a name, at least
  // one channel): 422 "fees.schedule_invalid".
  void setReminderSchedule(int64_t city, const std::vector<ReminderStep>& steps);
  std::vector<ReminderStep> reminderSchedule(int64_t city);
  // The daily job: every open household bill past its due date by a step's days gets that step
  // once (push and/or a letter in the day's batch), unless an active instalment plan covers it.
  // Running it again the same day, or later, sends nothing twice. Each reminder is a journal line.
  ReminderRun runReminders(int64_t city, const std::string& today);
  // The letters of a batch ('YYYY-MM-DD/STEP'), for printing.
  nlohmann::json letterBatch(int64_t city, const std::string& batch);

  // 分納: the household's open bills BILL_IDS paid off on STEPS (dates ascending, amounts > 0,
  // adding up to what is due on them). 422 "fees.plan_steps_invalid" with {due, scheduled};
  // 409 "fees.bill_in_plan" when a bill is already in an active plan; 404 for another
  // household's or city's bill.
  int64_t createArrearPlan(int64_t city, int64_t household_id, const std::vector<int64_t>& bill_ids,
                           const std::vector<PlanStep>& steps, const std::string& note,
                           int64_t user_id);
  // A plan with its steps, what has been paid on it (any way of paying the covered bills after
  // it was agreed, applied to the steps in order) and its status.
  nlohmann::json arrearPlan(int64_t city, int64_t plan_id);
  nlohmann::json arrearPlans(int64_t city, int64_t household_id = 0);
  // Marks plans completed (all paid) or broken (a step past its date on TODAY not covered): a
  // journal line and, for a broken plan, a push to the household. Returns the plans changed.
  nlohmann::json checkArrearPlans(int64_t city, const std::string& today);
  // Write-offs waiting for approval (or all), for the approval page.
  nlohmann::json writeOffs(int64_t city, const std::string& status = "requested");

  // Ledger totals for the year: per kind, per school and per month, and the collection rate.
  nlohmann::json ledger(int64_t city, int fiscal_year, int64_t facility_id = 0);
  // Bills of a household with their itemised journal lines (guardian statements).
  nlohmann::json statements(int64_t city, int64_t household_id, int fiscal_year);

 private:
  // True when CITY's run lock is older than kRunLockGraceSeconds and no transaction holds it
  // (its run died with its node): the lock is removed and that run marked 'interrupted'.
  bool takeOverDeadRun(int64_t city);
  static constexpr int64_t kRunLockGraceSeconds = 10;

  db::Database& db_;
  const Clock& clock_;
  std::shared_ptr<const BankTable> banks_;
  AuditLog* audit_;
  BlobStore* blobs_;
  std::shared_ptr<push::Notifier> notifier_;

 public:
  // Inserts a fee_files row for BYTES (in the row or the blob store); returns its id.
  int64_t storeFile(db::Connection& conn, int64_t city, const std::string& kind, int fiscal_year,
                    int instalment, const std::string& consignor_code,
                    const std::string& bank_date, int64_t records, int64_t total,
                    const std::string& bytes);
};

}  // namespace sukusuku::fees
