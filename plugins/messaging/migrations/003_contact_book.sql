-- The contact book (連絡帳): per child and date one home side (written by a guardian) and one
-- nursery side (written by staff). fields holds the side's validated values as JSON; text is
-- the free text, kept apart so the history can be searched. The author may edit their side
-- on the day; read_at is when the other side first read it.
CREATE TABLE messaging_contact_entries (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  side {{str}} NOT NULL,
  fields {{text}} NOT NULL,
  text {{text}} NOT NULL,
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  updated_at {{str}} NOT NULL,
  read_at {{str}},
  read_by_user_id {{bigint}}
) {{table_opts}};
CREATE UNIQUE INDEX messaging_contact_entries_day ON messaging_contact_entries (child_id, date, side);
CREATE INDEX messaging_contact_entries_facility ON messaging_contact_entries (facility_id, date);
