-- Periodic job leases: one row per job; the node whose conditional UPDATE wins runs the period.
CREATE TABLE job_leases (
  name {{str}} NOT NULL PRIMARY KEY,
  owner {{str}} NOT NULL,
  lease_until {{bigint}} NOT NULL,
  last_period {{bigint}} NOT NULL,
  runs {{bigint}} NOT NULL DEFAULT 0,
  failures {{bigint}} NOT NULL DEFAULT 0,
  last_finished_at {{str}}
) {{table_opts}};

-- Append-only audit log. The application inserts and reads; it never updates or deletes.
CREATE TABLE audit_log (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  at {{str}} NOT NULL,
  actor_user_id {{bigint}} NOT NULL,
  actor_role {{str}} NOT NULL,
  action {{str}} NOT NULL,
  target_type {{str}} NOT NULL,
  target_id {{str}} NOT NULL,
  details {{text}} NOT NULL,
  request_id {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX audit_log_by_municipality ON audit_log (municipality_id, id);
