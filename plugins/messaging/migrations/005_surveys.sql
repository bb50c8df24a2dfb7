-- Surveys (アンケート) from a facility to its families.
-- per: household (one answer per family) or child (one answer per child in the audience).
-- audience / audience_ids as in messaging_handouts. deadline: UTC; answers are editable until then.
CREATE TABLE messaging_surveys (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  title {{str}} NOT NULL,
  description {{text}} NOT NULL,
  per_kind {{str}} NOT NULL,
  audience {{str}} NOT NULL,
  audience_ids {{text}} NOT NULL,
  deadline {{str}} NOT NULL,
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  last_reminded_at {{str}},
  reminders {{bigint}} NOT NULL DEFAULT 0
) {{table_opts}};
CREATE INDEX messaging_surveys_facility ON messaging_surveys (facility_id, id);

-- kind: single, multiple, text, date. options: JSON array of labels (choice questions).
CREATE TABLE messaging_survey_questions (
  id {{pk}},
  survey_id {{bigint}} NOT NULL,
  position {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  label {{text}} NOT NULL,
  options {{text}} NOT NULL,
  required {{bigint}} NOT NULL
) {{table_opts}};
CREATE INDEX messaging_survey_questions_survey ON messaging_survey_questions (survey_id, position);

-- Who is asked: (household, child) pairs resolved when the survey went out; child_id 0 when the
-- survey is answered per household.
CREATE TABLE messaging_survey_targets (
  survey_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  municipality_id {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_survey_targets_key ON messaging_survey_targets (survey_id, household_id, child_id);
CREATE INDEX messaging_survey_targets_household ON messaging_survey_targets (household_id, survey_id);

-- One answer per target; answers: JSON object question id -> value (string, [strings], date).
CREATE TABLE messaging_survey_responses (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  survey_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  answers {{text}} NOT NULL,
  answered_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_survey_responses_key ON messaging_survey_responses (survey_id, household_id, child_id);
