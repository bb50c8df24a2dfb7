-- The journal keeps one secondary index, (municipality_id, fiscal_year, bill_id), instead of
-- (municipality_id, fiscal_year, child_id) and (bill_id): every query reads the journal by year
-- (ledger, billing run, school page) or by bill of a known year (statements, arrears), no query
-- reads it by child, and a billing run or result import appends in bill order, so the one index
-- grows at its end. 22% less server CPU per journal row (bench/fees). Rebuilt as a new table:
-- SQLite and MariaDB share no DROP INDEX syntax.
CREATE TABLE fee_journal_v3 (
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
  ref {{str}},
  entry_month {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
INSERT INTO fee_journal_v3 (id, municipality_id, fiscal_year, kind, bill_id, household_id,
  payer_kind, child_id, facility_id, instalment, amount, items, ref, entry_month, created_at)
  SELECT id, municipality_id, fiscal_year, kind, bill_id, household_id, payer_kind, child_id,
  facility_id, instalment, amount, items, ref, entry_month, created_at FROM fee_journal;
DROP TABLE fee_journal;
ALTER TABLE fee_journal_v3 RENAME TO fee_journal;
CREATE INDEX fee_journal_year_bill ON fee_journal (municipality_id, fiscal_year, bill_id);
