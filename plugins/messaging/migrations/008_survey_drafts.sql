-- Surveys are drafted, then sent (draft: editable, no targets, nobody notified), and may be closed
-- by staff before their deadline. Surveys made before this change were sent on creation.
ALTER TABLE messaging_surveys ADD COLUMN status {{str}} NOT NULL DEFAULT 'sent';
ALTER TABLE messaging_surveys ADD COLUMN sent_at {{str}};
ALTER TABLE messaging_surveys ADD COLUMN closed_at {{str}};
ALTER TABLE messaging_surveys ADD COLUMN updated_at {{str}};
