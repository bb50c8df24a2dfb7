-- Eligibility: applications and their history, what each household was already told, and the
-- supporting shops (子育て応援団). Household facts themselves live in the identity core
-- (households, children, enrolments) and are never copied here except as a snapshot inside an
-- application, so an officer sees exactly what the family submitted.

-- status: submitted, under_review, approved, returned, rejected. A returned application can be
-- resubmitted by the family (back to submitted); approved and rejected are final.
CREATE TABLE eligibility_applications (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  programme {{str}} NOT NULL,
  status {{str}} NOT NULL,
  answers {{text}} NOT NULL,          -- what the family entered (JSON object)
  household {{text}} NOT NULL,        -- the household the answers were checked on (JSON)
  evaluation {{text}} NOT NULL,       -- the evaluator's result at submission (JSON)
  evaluated_on {{str}} NOT NULL,      -- 'YYYY-MM-DD' (Asia/Tokyo)
  officer_message {{text}},           -- the reason given with the last return or rejection
  submitted_by_user_id {{bigint}} NOT NULL,
  decided_by_user_id {{bigint}},
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX eligibility_applications_queue ON eligibility_applications (municipality_id, status, id);
CREATE INDEX eligibility_applications_household ON eligibility_applications (household_id, programme);

-- Every status change of an application, in order; the family sees this as its history.
CREATE TABLE eligibility_application_events (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  application_id {{bigint}} NOT NULL,
  from_status {{str}} NOT NULL,       -- '' for the first submission
  to_status {{str}} NOT NULL,
  actor_user_id {{bigint}} NOT NULL,
  actor_role {{str}} NOT NULL,
  message {{text}},
  at {{str}} NOT NULL,
  FOREIGN KEY (application_id) REFERENCES eligibility_applications (id)
) {{table_opts}};
CREATE INDEX eligibility_application_events_app ON eligibility_application_events (application_id, id);

-- What each household was already told: one row per (household, programme), written in the
-- same transaction as the push, so a family hears about a programme at most once.
-- via: push (sent through the push core), recorded (the push core was absent: recorded only),
-- baseline (already eligible when the city started using the plugin: never pushed).
CREATE TABLE eligibility_notices (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  programme {{str}} NOT NULL,
  via {{str}} NOT NULL,
  trigger_event {{str}} NOT NULL,     -- household.changed, child.born, daily, recheck, ...
  monthly_amount_yen {{bigint}} NOT NULL,
  notification_id {{bigint}} NOT NULL DEFAULT 0,
  evaluated_on {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX eligibility_notices_once ON eligibility_notices (household_id, programme);
CREATE INDEX eligibility_notices_municipality ON eligibility_notices (municipality_id, id);

-- 子育て応援団: shops that offer something to families with children.
CREATE TABLE eligibility_shops (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  name {{str}} NOT NULL,
  category {{str}} NOT NULL,          -- food, shopping, health, play, learning, other
  offer {{text}} NOT NULL,
  address {{str}} NOT NULL,
  lat {{real}} NOT NULL,
  lon {{real}} NOT NULL,
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX eligibility_shops_position ON eligibility_shops (municipality_id, lat, lon);
