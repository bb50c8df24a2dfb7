-- Fees (学校教材費の公会計). Money is integer yen. The journal is append-only: corrections are
-- new entries (adjustments, reversals), never updates or deletes.

-- Per municipality: the consignor (委託者) the bank gave the city, its account, and policy.
CREATE TABLE fee_settings (
  municipality_id {{bigint}} NOT NULL PRIMARY KEY,
  consignor_code {{str}} NOT NULL,          -- 委託者コード, 10 digits
  consignor_name {{str}} NOT NULL,          -- kana, as written in the header
  bank_code {{str}} NOT NULL,
  branch_code {{str}} NOT NULL,
  account_type {{bigint}} NOT NULL,
  account_number {{str}} NOT NULL,
  limitation_years {{bigint}} NOT NULL DEFAULT 5,  -- 時効: years after the due date
  updated_at {{str}} NOT NULL
) {{table_opts}};

-- The city's cap on a grade's annual plan (上限額).
CREATE TABLE fee_caps (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  grade {{bigint}} NOT NULL,
  cap_yen {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_caps_key ON fee_caps (municipality_id, fiscal_year, grade);

-- Instalment schedule (納期): seq 1..n, the fiscal month it bills (0 = April) and the debit date.
CREATE TABLE fee_instalments (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  seq {{bigint}} NOT NULL,
  month_index {{bigint}} NOT NULL,
  debit_date {{str}} NOT NULL               -- 'YYYY-MM-DD', also the due date
) {{table_opts}};
CREATE UNIQUE INDEX fee_instalments_key ON fee_instalments (municipality_id, fiscal_year, seq);

-- 教材費等執行計画: one per school, fiscal year and grade.
CREATE TABLE fee_plans (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  grade {{bigint}} NOT NULL,
  name {{str}} NOT NULL,
  version {{bigint}} NOT NULL DEFAULT 1,
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_plans_key ON fee_plans (municipality_id, facility_id, fiscal_year, grade);

-- term: 1-3 (学期) or 0 for the whole year; optional items are billed only to pupils applied.
CREATE TABLE fee_plan_items (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  plan_id {{bigint}} NOT NULL,
  term {{bigint}} NOT NULL DEFAULT 0,
  name {{str}} NOT NULL,
  unit_price {{bigint}} NOT NULL,
  quantity {{bigint}} NOT NULL,
  optional {{bool}} NOT NULL DEFAULT 0,
  FOREIGN KEY (plan_id) REFERENCES fee_plans (id)
) {{table_opts}};
CREATE INDEX fee_plan_items_plan ON fee_plan_items (plan_id);

-- Optional items a guardian applied for (申込).
CREATE TABLE fee_applications (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  item_id {{bigint}} NOT NULL,
  applied_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_applications_key ON fee_applications (child_id, item_id);

-- 口座振替依頼: one per household. status: active, needs_fix (2/4 from the bank), stopped (3/8).
CREATE TABLE fee_mandates (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  bank_code {{str}} NOT NULL,
  branch_code {{str}} NOT NULL,
  account_type {{bigint}} NOT NULL,
  account_number {{str}} NOT NULL,
  holder_kana {{str}} NOT NULL,             -- half-width bank kana (UTF-8), fits 30 bank bytes
  status {{str}} NOT NULL,
  debited_before {{bool}} NOT NULL DEFAULT 0,  -- 0: the next file says 新規コード 1
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_mandates_household ON fee_mandates (household_id);

-- One billing run at a time per municipality, across nodes: a run inserts this row first and
-- deletes it when done; a second insert hits the primary key.
CREATE TABLE fee_run_locks (
  municipality_id {{bigint}} NOT NULL PRIMARY KEY,
  run_id {{bigint}} NOT NULL,
  started_at {{str}} NOT NULL
) {{table_opts}};

CREATE TABLE fee_runs (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  instalment {{bigint}} NOT NULL,
  dry_run {{bool}} NOT NULL,
  status {{str}} NOT NULL,                  -- running, done, failed
  summary {{text}},
  started_at {{str}} NOT NULL,
  finished_at {{str}}
) {{table_opts}};

-- A bill (請求): one per payer and instalment across siblings and schools (名寄せ).
-- payer_kind: household, or city (就学援助: household_id 0). amount follows the journal.
CREATE TABLE fee_bills (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  instalment {{bigint}} NOT NULL,
  payer_kind {{str}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  amount {{bigint}} NOT NULL,
  paid {{bigint}} NOT NULL DEFAULT 0,
  written_off {{bigint}} NOT NULL DEFAULT 0,  -- 不納欠損
  due_date {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_bills_key ON fee_bills (municipality_id, fiscal_year, instalment, payer_kind, household_id);
CREATE INDEX fee_bills_household ON fee_bills (household_id);

-- The journal (仕訳). kind: charge (調定), adjustment (調定の増減), receipt (収入), refund (還付),
-- write_off (不納欠損), reversal. items: {"item_id": yen, …} for charges and adjustments.
CREATE TABLE fee_journal (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  bill_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  payer_kind {{str}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  instalment {{bigint}} NOT NULL,
  amount {{bigint}} NOT NULL,
  items {{text}},
  ref {{str}},                              -- run:ID, file:ID, reason
  entry_month {{str}} NOT NULL,             -- 'YYYY-MM' (Tokyo), for monthly reports
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX fee_journal_year ON fee_journal (municipality_id, fiscal_year, child_id);
CREATE INDEX fee_journal_bill ON fee_journal (bill_id);

-- Files exchanged with the bank. kind: debit_request (91), debit_result (91), transfer (21).
CREATE TABLE fee_files (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  instalment {{bigint}} NOT NULL,
  consignor_code {{str}} NOT NULL,
  bank_date {{str}} NOT NULL,               -- debit / transfer date 'YYYY-MM-DD'
  record_count {{bigint}} NOT NULL,
  total {{bigint}} NOT NULL,
  sha256 {{str}} NOT NULL,
  content {{blob}} NOT NULL,                -- the bytes, or empty when kept in the blob store
  content_key {{str}},                      -- blob store key (fees/files/<sha256>)
  summary {{text}},
  created_at {{str}} NOT NULL
) {{table_opts}};

-- The lines of a debit request and what the bank said about each.
CREATE TABLE fee_debit_lines (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  file_id {{bigint}} NOT NULL,
  bill_id {{bigint}} NOT NULL,
  amount {{bigint}} NOT NULL,
  result_code {{bigint}},                   -- NULL until the result file is imported
  result_file_id {{bigint}}
) {{table_opts}};
CREATE UNIQUE INDEX fee_debit_lines_key ON fee_debit_lines (file_id, bill_id);
CREATE INDEX fee_debit_lines_bill ON fee_debit_lines (bill_id);

-- 督促: each reminder sent for a bill (push and/or printed letter).
CREATE TABLE fee_reminders (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  bill_id {{bigint}} NOT NULL,
  channel {{str}} NOT NULL,                 -- push, letter
  sent_at {{str}} NOT NULL,
  sent_by_user_id {{bigint}} NOT NULL
) {{table_opts}};
CREATE INDEX fee_reminders_bill ON fee_reminders (bill_id);

-- 不納欠損: a write-off is requested with a reason and applied only when a second person approves.
-- reason: limitation (時効), bankruptcy, whereabouts_unknown, other. status: requested, approved.
CREATE TABLE fee_write_offs (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  bill_id {{bigint}} NOT NULL,
  amount {{bigint}} NOT NULL,
  reason {{str}} NOT NULL,
  note {{text}},
  status {{str}} NOT NULL,
  requested_by_user_id {{bigint}} NOT NULL,
  approved_by_user_id {{bigint}},
  requested_at {{str}} NOT NULL,
  approved_at {{str}}
) {{table_opts}};
CREATE INDEX fee_write_offs_bill ON fee_write_offs (bill_id);
