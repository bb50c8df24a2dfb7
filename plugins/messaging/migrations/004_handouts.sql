-- Handouts and notices (お便り・配布物) from a facility to its families.
-- body: the rich-text markup as typed (see src/rich_text.h); HTML is made from it when shown.
-- priority: normal, urgent (closures, emergencies: the push core's urgent path).
-- audience: facility, classes, families; audience_ids: comma-separated class or household ids.
-- status: scheduled (editable, cancellable), sent, cancelled. send_at / sent_at: UTC.
-- Read receipts are the push core's inbox rows with source_ref 'messaging.handout:<id>'.
CREATE TABLE messaging_handouts (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  title {{str}} NOT NULL,
  body {{text}} NOT NULL,
  priority {{str}} NOT NULL,
  audience {{str}} NOT NULL,
  audience_ids {{text}} NOT NULL,
  status {{str}} NOT NULL,
  send_at {{str}} NOT NULL,
  sent_at {{str}},
  cancelled_at {{str}},
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL,
  last_reminded_at {{str}},
  reminders {{bigint}} NOT NULL DEFAULT 0
) {{table_opts}};
CREATE INDEX messaging_handouts_facility ON messaging_handouts (facility_id, id);
CREATE INDEX messaging_handouts_due ON messaging_handouts (status, send_at);

-- The families a sent handout went to (the audience resolved on the day it went out).
CREATE TABLE messaging_handout_households (
  handout_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  municipality_id {{bigint}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX messaging_handout_households_key ON messaging_handout_households (handout_id, household_id);
CREATE INDEX messaging_handout_households_household ON messaging_handout_households (household_id, handout_id);

-- Attachments (PDF, images), checked by content; the bytes live in the blob store under blob_key.
CREATE TABLE messaging_handout_attachments (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  handout_id {{bigint}} NOT NULL,
  filename {{str}} NOT NULL,
  content_type {{str}} NOT NULL,
  size_bytes {{bigint}} NOT NULL,
  blob_key {{str}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX messaging_handout_attachments_handout ON messaging_handout_attachments (handout_id);
