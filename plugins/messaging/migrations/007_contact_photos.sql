-- Photos of a contact-book day (連絡帳の写真), home side (from guardians) or nursery side (from
-- staff). Only re-encoded renditions are kept (JPEG, upright, without metadata): display_key at
-- most 1600 px on the longest edge, thumb_key at most 320 px; the uploaded bytes are not kept.
CREATE TABLE messaging_contact_photos (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  date {{str}} NOT NULL,
  side {{str}} NOT NULL,
  width {{bigint}} NOT NULL,
  height {{bigint}} NOT NULL,
  size_bytes {{bigint}} NOT NULL,
  display_key {{str}} NOT NULL,
  thumb_key {{str}} NOT NULL,
  by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE INDEX messaging_contact_photos_day ON messaging_contact_photos (child_id, date, side);
