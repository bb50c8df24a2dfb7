-- The guardian API shell: devices registered for push, and Idempotency-Key replay records.

-- One row per app installation. The push core sends to these tokens; a token is moved to the
-- newest user that registers it (a shared tablet, a phone handed down).
CREATE TABLE devices (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  token {{str}} NOT NULL,
  platform {{str}} NOT NULL,        -- ios, android, web
  app_version {{str}} NOT NULL,
  language {{str}} NOT NULL,
  created_at {{str}} NOT NULL,
  refreshed_at {{str}} NOT NULL,    -- last time the app confirmed the token
  FOREIGN KEY (user_id) REFERENCES users (id)
) {{table_opts}};
CREATE UNIQUE INDEX devices_token ON devices (token);
CREATE INDEX devices_user ON devices (user_id);

-- A POST with an Idempotency-Key runs once per (user, key); a retry gets the stored answer.
-- status 0 marks a request still being processed.
CREATE TABLE idempotency_keys (
  id {{pk}},
  user_id {{bigint}} NOT NULL,
  idem_key {{str}} NOT NULL,
  request_hash {{str}} NOT NULL,
  status {{bigint}} NOT NULL,
  response_body {{text}},
  created_at {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX idempotency_keys_unique ON idempotency_keys (user_id, idem_key);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
