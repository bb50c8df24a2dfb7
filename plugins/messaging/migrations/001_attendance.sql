-- Attendance (登降園), planned attendance (登降園予定), staff clock-in/out and the no-show alerts.
-- Dates are Asia/Tokyo business dates 'YYYY-MM-DD'; *_at times are UTC 'YYYY-MM-DDTHH:MM:SSZ';
-- plan times are Tokyo wall-clock 'HH:MM'.

-- The signing secret of the daily facility QR codes, one row, shared by every app node.
CREATE TABLE messaging_secrets (
  name {{str}} NOT NULL PRIMARY KEY,
  secret {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};

-- Every check-in and check-out, append-only. The first check-in and check-out of a child on a
-- date carry first_key ('check_in' / 'check_out'), unique per child and date, so two devices
-- checking the same child in at once produce exactly one row. A staff correction is a new row
-- (first_key NULL, corrects_id the row it corrects, reason required); the newest row per
-- (child, date, kind) is in force, and cancelled = 1 there means "did not happen".
-- source: qr (guardian's app at the entrance), staff (tablet), correction.
-- person_kind: guardian, pickup_person, other (with a guardian's pick-up note), staff.
CREATE TABLE messaging_attendance (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  kind {{str}} NOT NULL,
  at {{str}} NOT NULL,
  source {{str}} NOT NULL,
  person_kind {{str}} NOT NULL,
  person_id {{bigint}} NOT NULL DEFAULT 0,
  person_name {{str}} NOT NULL,
  note {{text}},
  first_key {{str}},
  corrects_id {{bigint}},
  cancelled {{bool}} NOT NULL DEFAULT 0,
  reason {{text}},
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_attendance_first ON messaging_attendance (child_id, date, first_key);
CREATE INDEX messaging_attendance_facility ON messaging_attendance (facility_id, date);

-- A guardian's note that someone other than the registered people picks the child up today.
CREATE TABLE messaging_pickup_notes (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  person_name {{str}} NOT NULL,
  relationship {{str}} NOT NULL,
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX messaging_pickup_notes_child ON messaging_pickup_notes (child_id, date);

-- Weekly pattern: weekday 1 (Monday) .. 7 (Sunday).
CREATE TABLE messaging_plan_patterns (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  weekday {{bigint}} NOT NULL,
  arrive_at {{str}} NOT NULL,
  leave_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_plan_patterns_day ON messaging_plan_patterns (child_id, weekday);

-- One date that differs from the pattern: other times, or absent = 1 (not coming).
CREATE TABLE messaging_plan_exceptions (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  absent {{bool}} NOT NULL DEFAULT 0,
  arrive_at {{str}},
  leave_at {{str}},
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_plan_exceptions_day ON messaging_plan_exceptions (child_id, date);

-- Staff clock-in/out (出退勤): one of each per staff member and date; corrections like above.
CREATE TABLE messaging_staff_clock (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  kind {{str}} NOT NULL,
  at {{str}} NOT NULL,
  first_key {{str}},
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_staff_clock_first ON messaging_staff_clock (staff_id, date, first_key);
CREATE INDEX messaging_staff_clock_facility ON messaging_staff_clock (facility_id, date);

-- Each unexplained non-arrival alerts the guardians once per child and date.
CREATE TABLE messaging_no_show_alerts (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  notification_id {{bigint}} NOT NULL DEFAULT 0,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_no_show_alerts_day ON messaging_no_show_alerts (child_id, date);
