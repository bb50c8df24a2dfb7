-- Several consignors (委託者) per municipality: each collecting bank (the city's 指定金融機関,
-- a 信用金庫, a JA…) gives the city its own 委託者コード and credits the city's account at that
-- bank. A mandate's bank code picks the consignor that lists it, else the city's default one.
-- fee_settings keeps the city's policy (limitation_years) and marks a city that collects fees;
-- its consignor columns stay as a copy of the default consignor (written with it, never read).
CREATE TABLE fee_consignors (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  code {{str}} NOT NULL,                    -- 委託者コード, 10 digits
  name {{str}} NOT NULL,                    -- half-width bank kana (UTF-8), ≤ 40 bank bytes
  bank_code {{str}} NOT NULL,               -- the city's receiving account at that bank
  branch_code {{str}} NOT NULL,
  account_type {{bigint}} NOT NULL,
  account_number {{str}} NOT NULL,
  is_default {{bool}} NOT NULL DEFAULT 0,   -- exactly one per municipality (FeesService)
  default_for {{bigint}},                   -- municipality_id for the default, else NULL: the
                                            -- unique index keeps a second default out
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX fee_consignors_code ON fee_consignors (municipality_id, code);
CREATE UNIQUE INDEX fee_consignors_default ON fee_consignors (default_for);

-- The banks a consignor collects for: a bank code belongs to at most one consignor of a city.
CREATE TABLE fee_consignor_banks (
  municipality_id {{bigint}} NOT NULL,
  bank_code {{str}} NOT NULL,
  consignor_id {{bigint}} NOT NULL,
  PRIMARY KEY (municipality_id, bank_code)
) {{table_opts}};
CREATE INDEX fee_consignor_banks_consignor ON fee_consignor_banks (consignor_id);

-- The one consignor of each existing city becomes its default.
INSERT INTO fee_consignors (municipality_id, code, name, bank_code, branch_code, account_type,
  account_number, is_default, default_for, created_at, updated_at)
  SELECT municipality_id, consignor_code, consignor_name, bank_code, branch_code, account_type,
  account_number, 1, municipality_id, updated_at, updated_at FROM fee_settings;
