-- Absence, late-arrival and early pick-up notices (欠席・遅刻・早退連絡) from guardians.
-- kind: absence, late, early_pickup. reason: illness, family, other.
-- symptoms: comma-separated codes (fever, cough, runny_nose, vomiting, diarrhea, rash, other).
-- temperature_dc: tenths of a degree Celsius (38.5 °C -> 385), NULL when not given.
-- at_time: 'HH:MM' Tokyo; late: expected arrival, early_pickup: pick-up time.
CREATE TABLE messaging_notices (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  kind {{str}} NOT NULL,
  reason {{str}} NOT NULL,
  symptoms {{str}} NOT NULL DEFAULT '',
  temperature_dc {{bigint}},
  at_time {{str}},
  note {{text}},
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  acknowledged_by_user_id {{bigint}},
  acknowledged_at {{str}},
  cancelled_at {{str}}
) {{table_opts}};
CREATE INDEX messaging_notices_facility ON messaging_notices (facility_id, date);
CREATE INDEX messaging_notices_child ON messaging_notices (child_id, date);
