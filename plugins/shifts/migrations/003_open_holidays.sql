-- Licensed nurseries close on national holidays and at the year end (12/29–1/3); a facility
-- that offers 休日保育 opens on them.
ALTER TABLE shift_settings ADD COLUMN open_holidays {{bool}} NOT NULL DEFAULT 0;
