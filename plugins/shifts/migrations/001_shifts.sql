-- Shift rostering (勤務表): facility settings, shift patterns, ratio settings with effective
-- dates, typed-in expected children, requested days off, roster months and their cells.

-- One row per facility that has configured its rota; defaults apply when absent.
CREATE TABLE shift_settings (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  slot_minutes {{bigint}} NOT NULL,          -- 15 or 30
  opens_at {{str}} NOT NULL,                 -- 'HH:MM'
  closes_at {{str}} NOT NULL,
  open_saturday {{bool}} NOT NULL,
  request_deadline_day {{bigint}} NOT NULL,  -- requests for month M close on this day of M-1
  max_consecutive_days {{bigint}} NOT NULL,
  min_rest_minutes {{bigint}} NOT NULL,      -- 勤務間インターバル
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_settings_facility ON shift_settings (facility_id);

-- 勤務パターン (早番・中番・遅番・パート), per facility.
CREATE TABLE shift_patterns (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  code {{str}} NOT NULL,
  name {{str}} NOT NULL,
  starts_at {{str}} NOT NULL,
  ends_at {{str}} NOT NULL,
  break_minutes {{bigint}} NOT NULL,
  part_time {{bool}} NOT NULL,
  sort_order {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_patterns_code ON shift_patterns (facility_id, code);

-- 配置基準: children per caregiver by age, per municipality, from an effective date.
CREATE TABLE shift_ratio_settings (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  effective_from {{str}} NOT NULL,           -- 'YYYY-MM-DD'
  age0 {{bigint}} NOT NULL,
  age1 {{bigint}} NOT NULL,
  age2 {{bigint}} NOT NULL,
  age3 {{bigint}} NOT NULL,
  age4 {{bigint}} NOT NULL,
  age5 {{bigint}} NOT NULL,
  rounding {{str}} NOT NULL,                 -- funding_tenths | ceil_per_group | ceil_total
  minimum_while_open {{bigint}} NOT NULL,
  qualified_percent {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_ratio_settings_date ON shift_ratio_settings (municipality_id, effective_from);

-- Typed-in expected children: CHILDREN of AGE from ARRIVE_AT to LEAVE_AT on WEEKDAY (0 = Monday).
-- When a facility has rows for a weekday they replace the certified hours of enrolled children.
CREATE TABLE shift_expected_children (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  weekday {{bigint}} NOT NULL,
  age {{bigint}} NOT NULL,
  arrive_at {{str}} NOT NULL,
  leave_at {{str}} NOT NULL,
  children {{bigint}} NOT NULL
) {{table_opts}};
CREATE INDEX shift_expected_children_facility ON shift_expected_children (facility_id, weekday);

-- 希望休: a staff member asks for a day off before the month's deadline.
CREATE TABLE shift_day_off_requests (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  on_date {{str}} NOT NULL,
  note {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_day_off_requests_day ON shift_day_off_requests (staff_id, on_date);
CREATE INDEX shift_day_off_requests_facility ON shift_day_off_requests (facility_id, on_date);

-- A facility's rota for one month. state: draft | published. solve_state: idle | queued |
-- running | done | failed (the background solver's progress).
CREATE TABLE shift_rosters (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  month {{str}} NOT NULL,                    -- 'YYYY-MM'
  state {{str}} NOT NULL,
  solve_state {{str}} NOT NULL,
  solve_message {{text}},
  objective {{bigint}},
  hard_violations {{bigint}},
  report_json {{text}},
  published_at {{str}},
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_rosters_month ON shift_rosters (facility_id, month);

-- One row per (staff, day) that holds a shift or is pinned; no row = off and free.
CREATE TABLE shift_roster_cells (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  roster_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  on_date {{str}} NOT NULL,
  pattern_id {{bigint}},                     -- NULL: off (休)
  pinned {{bool}} NOT NULL,
  FOREIGN KEY (roster_id) REFERENCES shift_rosters (id)
) {{table_opts}};
CREATE UNIQUE INDEX shift_roster_cells_cell ON shift_roster_cells (roster_id, staff_id, on_date);
