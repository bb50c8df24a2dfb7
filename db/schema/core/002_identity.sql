-- The tenancy model every plugin shares: municipalities, facilities, classes, households,
-- children and their enrolments, guardians, staff, and the people who sign in (users) with their
-- roles. Every tenant-owned row carries municipality_id; queries are always scoped by it.
-- Dates are 'YYYY-MM-DD' (Asia/Tokyo business dates); times are UTC 'YYYY-MM-DDTHH:MM:SSZ'.

CREATE TABLE municipalities (
  id {{pk}},
  code {{str}} NOT NULL,            -- 全国地方公共団体コード, 6 digits
  name {{str}} NOT NULL,
  name_kana {{str}} NOT NULL,
  prefecture {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX municipalities_code ON municipalities (code);

-- kind: nursery (保育所), certified_centre (認定こども園), kindergarten (幼稚園),
-- elementary (小学校), junior_high (中学校)
CREATE TABLE facilities (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  code {{str}} NOT NULL,            -- the city's own facility number
  name {{str}} NOT NULL,
  name_kana {{str}} NOT NULL,
  address {{str}} NOT NULL,
  phone {{str}} NOT NULL,
  capacity {{bigint}} NOT NULL,
  opens_at {{str}} NOT NULL,        -- 'HH:MM'
  closes_at {{str}} NOT NULL,
  archived_at {{str}},
  created_at {{str}} NOT NULL,
  FOREIGN KEY (municipality_id) REFERENCES municipalities (id)
) {{table_opts}};
CREATE UNIQUE INDEX facilities_code ON facilities (municipality_id, code);

-- A class (nursery, by age group 0-5) or a school class (grade 1-9) in one fiscal year.
CREATE TABLE classes (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  fiscal_year {{bigint}} NOT NULL,
  name {{str}} NOT NULL,
  age_group {{bigint}},             -- nursery: age on April 1 (0-5)
  grade {{bigint}},                 -- schools: 1-6, 7-9
  room {{str}} NOT NULL,
  FOREIGN KEY (facility_id) REFERENCES facilities (id)
) {{table_opts}};
CREATE UNIQUE INDEX classes_name ON classes (facility_id, fiscal_year, name);

CREATE TABLE households (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  name {{str}} NOT NULL,            -- 世帯名
  postal_code {{str}} NOT NULL,
  address {{str}} NOT NULL,
  phone {{str}} NOT NULL,
  single_parent {{bool}} NOT NULL DEFAULT 0,
  resident_tax_exempt {{bool}},     -- NULL: not known
  income_yen {{bigint}},            -- NULL: not known
  income_year {{bigint}},
  dependants {{bigint}},
  external_id {{str}},              -- the city system's household number
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL,
  FOREIGN KEY (municipality_id) REFERENCES municipalities (id)
) {{table_opts}};
CREATE UNIQUE INDEX households_external ON households (municipality_id, external_id);

-- 就学援助 (school aid), effective by month; kind: yo_hogo (要保護) or jun_yo_hogo (準要保護).
CREATE TABLE household_school_aid (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  from_month {{str}} NOT NULL,      -- 'YYYY-MM'
  to_month {{str}},                 -- inclusive; NULL: open
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};
CREATE INDEX household_school_aid_household ON household_school_aid (household_id);

-- Consent history: append-only; the newest row per (household, kind) is in force.
-- kind: photo_sales, data_sharing
CREATE TABLE consents (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  granted {{bool}} NOT NULL,
  recorded_at {{str}} NOT NULL,
  recorded_by_user_id {{bigint}} NOT NULL,
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};
CREATE INDEX consents_household ON consents (household_id, kind, id);

CREATE TABLE children (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  family_name {{str}} NOT NULL,
  given_name {{str}} NOT NULL,
  family_name_kana {{str}} NOT NULL,
  given_name_kana {{str}} NOT NULL,
  birth_date {{str}} NOT NULL,
  sex {{str}} NOT NULL,             -- female, male, unspecified
  disability_grade {{bigint}} NOT NULL DEFAULT 0,
  external_id {{str}},              -- the city system's child number
  created_at {{str}} NOT NULL,
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};
CREATE INDEX children_household ON children (household_id);
CREATE UNIQUE INDEX children_external ON children (municipality_id, external_id);

-- Enrolment history: admission, transfer, graduation are rows, never overwritten.
-- certified_hours: standard (保育標準時間, up to 11 h) or short (保育短時間, up to 8 h); NULL at
-- schools. end_reason: graduation, transfer_out, withdrawal.
CREATE TABLE enrolments (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  class_id {{bigint}},
  starts_on {{str}} NOT NULL,
  ends_on {{str}},
  end_reason {{str}},
  certified_hours {{str}},
  FOREIGN KEY (child_id) REFERENCES children (id),
  FOREIGN KEY (facility_id) REFERENCES facilities (id)
) {{table_opts}};
CREATE INDEX enrolments_child ON enrolments (child_id, starts_on);
CREATE INDEX enrolments_facility ON enrolments (facility_id, class_id);

-- Everyone who signs in. login is an e-mail address or a staff code, unique system-wide.
-- status: active, locked (too many failed logins, until locked_until), disabled.
CREATE TABLE users (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,  -- 0 for system operators
  login {{str}} NOT NULL,
  password_hash {{str}},                -- Argon2id (libsodium); NULL until the user sets one
  display_name {{str}} NOT NULL,
  language {{str}} NOT NULL DEFAULT 'ja',
  status {{str}} NOT NULL DEFAULT 'active',
  failed_logins {{bigint}} NOT NULL DEFAULT 0,
  locked_until {{bigint}} NOT NULL DEFAULT 0,  -- epoch seconds
  tokens_valid_after {{bigint}} NOT NULL DEFAULT 0,  -- "log out everywhere": epoch seconds
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX users_login ON users (login);

-- Roles a user holds; facility roles name the facility, city roles do not.
CREATE TABLE user_roles (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  role {{str}} NOT NULL,
  facility_id {{bigint}} NOT NULL DEFAULT 0,
  granted_at {{str}} NOT NULL,
  granted_by_user_id {{bigint}} NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users (id)
) {{table_opts}};
CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, facility_id);

-- relationship: mother, father, grandmother, grandfather, other
CREATE TABLE guardians (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  user_id {{bigint}},
  family_name {{str}} NOT NULL,
  given_name {{str}} NOT NULL,
  family_name_kana {{str}} NOT NULL,
  given_name_kana {{str}} NOT NULL,
  relationship {{str}} NOT NULL,
  primary_payer {{bool}} NOT NULL DEFAULT 0,
  may_pick_up {{bool}} NOT NULL DEFAULT 1,
  phone {{str}} NOT NULL,
  email {{str}} NOT NULL,
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};
CREATE INDEX guardians_household ON guardians (household_id);
CREATE INDEX guardians_user ON guardians (user_id);

-- People other than guardians whom a household allows to pick up (grandparents, a sitter).
CREATE TABLE pickup_persons (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  name {{str}} NOT NULL,
  relationship {{str}} NOT NULL,
  phone {{str}} NOT NULL,
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};

CREATE TABLE staff (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  user_id {{bigint}},
  employee_code {{str}} NOT NULL,
  family_name {{str}} NOT NULL,
  given_name {{str}} NOT NULL,
  family_name_kana {{str}} NOT NULL,
  given_name_kana {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX staff_code ON staff (municipality_id, employee_code);

-- qualification: hoikushi (保育士), kangoshi (看護師), chorishi (調理員/調理師), eiyoushi (栄養士),
-- kyouin (教員), other
CREATE TABLE staff_qualifications (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  qualification {{str}} NOT NULL,
  FOREIGN KEY (staff_id) REFERENCES staff (id)
) {{table_opts}};
CREATE UNIQUE INDEX staff_qualifications_unique ON staff_qualifications (staff_id, qualification);

CREATE TABLE staff_assignments (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  starts_on {{str}} NOT NULL,
  ends_on {{str}},
  FOREIGN KEY (staff_id) REFERENCES staff (id),
  FOREIGN KEY (facility_id) REFERENCES facilities (id)
) {{table_opts}};
CREATE INDEX staff_assignments_facility ON staff_assignments (facility_id);

-- kind: full_time, part_time. Minutes and days bound what the shift plugin may plan.
CREATE TABLE staff_contracts (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  staff_id {{bigint}} NOT NULL,
  kind {{str}} NOT NULL,
  minutes_per_week {{bigint}} NOT NULL,
  days_per_week {{bigint}} NOT NULL,
  starts_on {{str}} NOT NULL,
  ends_on {{str}},
  FOREIGN KEY (staff_id) REFERENCES staff (id)
) {{table_opts}};
