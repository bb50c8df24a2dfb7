-- Per-facility rule settings (ルールの重み): whether a rule of the rota is hard (must hold) or
-- soft, and its weight. A rule without a row keeps the plugin's default (planner.h).
CREATE TABLE shift_rule_weights (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  rule_name {{str}} NOT NULL,                -- the engine's rule name, e.g. 'fairness'
  hard {{bool}} NOT NULL,
  weight {{bigint}} NOT NULL,
  updated_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX shift_rule_weights_rule ON shift_rule_weights (facility_id, rule_name);
