-- The push-notification core: what was said (notifications), to whom (inbox, one row per
-- recipient, the record whether or not a push worked), which devices still have to be told
-- (push_outbox, the transactional outbox the workers drain) and what each person wants
-- (push_preferences, push_opt_outs). Times named *_at are UTC text as in 002; *_ms are epoch
-- milliseconds, compared by the workers.

-- One row per Notifier::notify() call. title and body are JSON objects language -> text ("ja"
-- always present); data is the JSON object of deep-link strings sent as FCM `data`.
CREATE TABLE notifications (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  category {{str}} NOT NULL,          -- "<owner>.<kind>", the unit of opt-out
  source_ref {{str}} NOT NULL,        -- groups notifications for read receipts, "" for none
  priority {{str}} NOT NULL,          -- normal, urgent
  title {{text}} NOT NULL,
  body {{text}} NOT NULL,
  data {{text}} NOT NULL,
  sender_user_id {{bigint}} NOT NULL, -- 0: the system
  recipients {{bigint}} NOT NULL,
  pushes {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX notifications_source ON notifications (municipality_id, source_ref);

-- The in-app inbox. read_at is the read receipt the sender sees.
CREATE TABLE inbox (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  notification_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  read_at {{str}},
  FOREIGN KEY (notification_id) REFERENCES notifications (id)
) {{table_opts}};
CREATE UNIQUE INDEX inbox_recipient ON inbox (notification_id, user_id);
CREATE INDEX inbox_user ON inbox (user_id, id);
CREATE INDEX inbox_user_unread ON inbox (user_id, read_at);

-- One row per (recipient, device) still to be pushed. A worker claims due rows by moving
-- next_attempt_ms to the end of its lease (lease_owner, lease_until_ms); acknowledging sets the
-- final state. A worker that dies leaves its rows pending: they are due again when the lease
-- ends, so only what was not acknowledged is sent again.
-- state: pending, sent, failed (no retry: a permanent error or too many attempts),
-- pruned (the token is dead; the device row was deleted), skipped (device gone before sending).
CREATE TABLE push_outbox (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  notification_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  inbox_id {{bigint}} NOT NULL,       -- sent as data "inbox_id" so the app can mark it read
  device_id {{bigint}} NOT NULL,
  token {{text}} NOT NULL,
  language {{str}} NOT NULL,          -- the text to send: the device's, else the user's, else ja
  priority {{bigint}} NOT NULL,       -- 1 urgent, 0 normal; urgent rows are claimed first
  state {{str}} NOT NULL,
  attempts {{bigint}} NOT NULL DEFAULT 0,
  next_attempt_ms {{bigint}} NOT NULL,
  lease_owner {{str}},
  lease_until_ms {{bigint}} NOT NULL DEFAULT 0,
  last_error {{str}},
  created_at {{str}} NOT NULL,
  finished_at {{str}},
  FOREIGN KEY (notification_id) REFERENCES notifications (id)
) {{table_opts}};
CREATE INDEX push_outbox_due ON push_outbox (state, priority, next_attempt_ms);
CREATE INDEX push_outbox_notification ON push_outbox (notification_id, state);

-- Quiet hours in Asia/Tokyo minutes of the day (start inclusive, end exclusive; start > end
-- spans midnight). NULL: no quiet hours.
CREATE TABLE push_preferences (
  user_id {{bigint}} NOT NULL PRIMARY KEY,
  quiet_start_min {{bigint}},
  quiet_end_min {{bigint}},
  updated_at {{str}} NOT NULL
) {{table_opts}};

-- Categories a user does not want pushed (the inbox row is still written).
CREATE TABLE push_opt_outs (
  user_id {{bigint}} NOT NULL,
  category {{str}} NOT NULL,
  PRIMARY KEY (user_id, category)
) {{table_opts}};
