-- The push core, second step (005 is applied on installs and stays as it was).

-- What the phone is shown instead of body, when that differs from what the inbox keeps: a
-- password-reset code goes to the phone only, while the inbox row says that a code was sent.
-- JSON language -> text like body, or NULL (the phone shows body). Cleared once no push of the
-- notification is pending any more (the hourly push.stale_tokens job).
ALTER TABLE notifications ADD COLUMN push_body {{text}};

-- The nodes whose outbox workers are sending, so that they share the project's FCM quota
-- (push.fcm.rate_per_minute): each node writes its heartbeat every few seconds and takes
-- quota / (nodes seen within the last 15 s). A node that stops deletes its row; a node that
-- dies drops out when its heartbeat is old.
CREATE TABLE push_nodes (
  node_id {{str}} NOT NULL PRIMARY KEY,
  heartbeat_ms {{bigint}} NOT NULL,
  started_at {{str}} NOT NULL
) {{table_opts}};
