-- Authentication state: refresh tokens, web sessions, login throttling, invitations and password
-- reset codes. Secrets (tokens, session ids, codes) are stored only as SHA-256 hex digests, so a
-- copy of the database does not let anyone sign in. Times are epoch seconds (UTC) unless named *_at
-- text, as in 002.

-- Rotating refresh tokens. Every use marks the row used and inserts its successor in the same
-- family; presenting a used token again revokes the whole family (reuse detection).
CREATE TABLE refresh_tokens (
  id {{pk}},
  user_id {{bigint}} NOT NULL,
  family_id {{str}} NOT NULL,
  token_hash {{str}} NOT NULL,
  parent_id {{bigint}} NOT NULL DEFAULT 0,
  device_label {{str}} NOT NULL,
  created_at {{bigint}} NOT NULL,
  expires_at {{bigint}} NOT NULL,
  used_at {{bigint}},
  revoked_at {{bigint}},
  FOREIGN KEY (user_id) REFERENCES users (id)
) {{table_opts}};
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Staff and city web sessions (cookie sukusuku_session). csrf_token is echoed by every form.
CREATE TABLE web_sessions (
  id {{pk}},
  user_id {{bigint}} NOT NULL,
  session_hash {{str}} NOT NULL,
  csrf_token {{str}} NOT NULL,
  created_at {{bigint}} NOT NULL,
  expires_at {{bigint}} NOT NULL,
  last_seen {{bigint}} NOT NULL,
  revoked_at {{bigint}},
  user_agent {{str}} NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users (id)
) {{table_opts}};
CREATE UNIQUE INDEX web_sessions_hash ON web_sessions (session_hash);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Failed sign-in counters, one row per key: "login:<normalised login>" (whether or not the login
-- exists, so lockout does not reveal it) and "addr:<client address>". failures count within the
-- window that started at window_start; reaching the limit sets locked_until.
CREATE TABLE login_throttle (
  throttle_key {{str}} NOT NULL PRIMARY KEY,
  failures {{bigint}} NOT NULL DEFAULT 0,
  window_start {{bigint}} NOT NULL,
  locked_until {{bigint}} NOT NULL DEFAULT 0
) {{table_opts}};

-- Invitation codes a facility or the city office hands a guardian to register in the app.
CREATE TABLE invitations (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  guardian_id {{bigint}} NOT NULL DEFAULT 0,  -- 0: registration creates a new guardian row
  code_hash {{str}} NOT NULL,
  issued_by_user_id {{bigint}} NOT NULL,
  issued_at {{bigint}} NOT NULL,
  expires_at {{bigint}} NOT NULL,
  used_by_user_id {{bigint}},
  used_at {{bigint}},
  FOREIGN KEY (household_id) REFERENCES households (id)
) {{table_opts}};
CREATE UNIQUE INDEX invitations_code ON invitations (code_hash);
CREATE INDEX invitations_household ON invitations (municipality_id, household_id);

-- One-time password reset codes; a new request supersedes older ones, and a code dies after
-- a few wrong attempts.
CREATE TABLE password_reset_codes (
  id {{pk}},
  user_id {{bigint}} NOT NULL,
  code_hash {{str}} NOT NULL,
  created_at {{bigint}} NOT NULL,
  expires_at {{bigint}} NOT NULL,
  attempts {{bigint}} NOT NULL DEFAULT 0,
  used_at {{bigint}},
  FOREIGN KEY (user_id) REFERENCES users (id)
) {{table_opts}};
CREATE INDEX password_reset_codes_user ON password_reset_codes (user_id, id);
