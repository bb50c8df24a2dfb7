-- Extended care (延長保育): each facility's settings and the monthly report (延長保育月報) with its
-- revisions. Times are Tokyo wall-clock 'HH:MM'; money is integer yen; months are 'YYYY-MM'.

-- One row per facility. The standard-time band (保育標準時間, e.g. 07:00-18:00) and the short-time
-- band (保育短時間, e.g. 08:30-16:30); minutes outside a child's band are extended care. Each
-- side of a day (before the band, after it) within grace_minutes counts nothing; beyond it the
-- whole side counts, rounded up to rounding_unit minutes; each unit costs fee_per_unit yen;
-- monthly_cap (NULL: none) caps one child's monthly fee.
CREATE TABLE messaging_extcare_settings (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  standard_start {{str}} NOT NULL,
  standard_end {{str}} NOT NULL,
  short_start {{str}} NOT NULL,
  short_end {{str}} NOT NULL,
  rounding_unit {{bigint}} NOT NULL,
  grace_minutes {{bigint}} NOT NULL,
  fee_per_unit {{bigint}} NOT NULL,
  monthly_cap {{bigint}},
  updated_by {{bigint}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_extcare_settings_facility ON messaging_extcare_settings (facility_id);

-- A stored revision of a facility's month: reviewed (確認済み), then finalised (確定). A
-- finalised revision is never changed again; a later correction makes revision + 1, whose
-- `changes` (JSON) say what differs from the previous finalised one. `settings` (JSON) are the
-- settings the revision was computed with.
CREATE TABLE messaging_extcare_reports (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  month {{str}} NOT NULL,
  revision {{bigint}} NOT NULL,
  status {{str}} NOT NULL,
  settings {{text}} NOT NULL,
  changes {{text}},
  total_minutes {{bigint}} NOT NULL,
  total_units {{bigint}} NOT NULL,
  total_fee {{bigint}} NOT NULL,
  reviewed_by {{bigint}} NOT NULL,
  reviewed_at {{str}} NOT NULL,
  finalised_by {{bigint}},
  finalised_at {{str}},
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_extcare_reports_rev ON messaging_extcare_reports (facility_id, month, revision);

-- The day lines of a stored revision: one per child and attended day. flag: no_check_out,
-- no_check_in, no_certification (NULL when the day is complete).
CREATE TABLE messaging_extcare_report_lines (
  id {{pk}},
  report_id {{bigint}} NOT NULL,
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  child_name {{str}} NOT NULL,
  class_name {{str}} NOT NULL,
  certified {{str}} NOT NULL,
  date {{str}} NOT NULL,
  check_in {{str}},
  check_out {{str}},
  minutes_before {{bigint}} NOT NULL,
  minutes_after {{bigint}} NOT NULL,
  units {{bigint}} NOT NULL,
  flag {{str}}
) {{table_opts}};
CREATE INDEX messaging_extcare_report_lines_report ON messaging_extcare_report_lines (report_id);
