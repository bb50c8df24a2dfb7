-- 督促 on a schedule, and 分納 (instalment plans for arrears).

-- The reminder schedule: step 1 (督促) at +20 days after the due date, step 2 (催告) at +50, …
-- channels: "push", "letter" or "push,letter".
CREATE TABLE fee_reminder_steps (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  step {{bigint}} NOT NULL,
  name {{str}} NOT NULL,
  days_after_due {{bigint}} NOT NULL,
  channels {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_reminder_steps_key ON fee_reminder_steps (municipality_id, step);

-- A scheduled reminder is sent once per bill, step and channel (manual ones have no step);
-- batch groups the letters of one day's step for printing ('YYYY-MM-DD/step').
ALTER TABLE fee_reminders ADD COLUMN step {{bigint}};
ALTER TABLE fee_reminders ADD COLUMN batch {{str}};
CREATE UNIQUE INDEX fee_reminders_step ON fee_reminders (bill_id, step, channel);
CREATE INDEX fee_reminders_batch ON fee_reminders (municipality_id, batch);

-- 分納: a household's open bills paid off on an agreed schedule. What counts as paid on the plan
-- is what the covered bills received after it was agreed (any way of paying), applied to the
-- steps in order. status: active, completed, broken (a step past its date not covered),
-- cancelled.
CREATE TABLE fee_arrear_plans (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  total {{bigint}} NOT NULL,
  settled_before {{bigint}} NOT NULL,       -- paid + written off on the bills when agreed
  status {{str}} NOT NULL,
  note {{text}},
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  closed_at {{str}}
) {{table_opts}};
CREATE INDEX fee_arrear_plans_household ON fee_arrear_plans (municipality_id, household_id);

CREATE TABLE fee_arrear_plan_bills (
  id {{pk}},
  plan_id {{bigint}} NOT NULL,
  bill_id {{bigint}} NOT NULL
) {{table_opts}};
CREATE INDEX fee_arrear_plan_bills_plan ON fee_arrear_plan_bills (plan_id);
CREATE INDEX fee_arrear_plan_bills_bill ON fee_arrear_plan_bills (bill_id);

CREATE TABLE fee_arrear_plan_steps (
  id {{pk}},
  plan_id {{bigint}} NOT NULL,
  seq {{bigint}} NOT NULL,
  due_date {{str}} NOT NULL,
  amount {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_arrear_plan_steps_key ON fee_arrear_plan_steps (plan_id, seq);
