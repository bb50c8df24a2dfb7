-- Photo sales: albums per event and class, photos with their renditions, children tagged in
-- them, carts, orders and print-vendor batches. Every row carries municipality_id. Dates are
-- 'YYYY-MM-DD' (Asia/Tokyo), times UTC text. Money is integer yen.

-- One event's photos for one class, on sale from sales_from to sales_until (inclusive).
CREATE TABLE photo_albums (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  facility_id {{bigint}} NOT NULL,
  class_id {{bigint}} NOT NULL,
  title {{str}} NOT NULL,
  event_date {{str}} NOT NULL,
  sales_from {{str}} NOT NULL,
  sales_until {{str}} NOT NULL,
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  print_batch_id {{bigint}},           -- set when the end-of-sales batch is made
  photos_deleted_at {{str}}            -- set by the retention job
) {{table_opts}};
CREATE INDEX photo_albums_class ON photo_albums (municipality_id, class_id);
CREATE INDEX photo_albums_facility ON photo_albums (municipality_id, facility_id);

-- status: processing (renditions pending), ready, failed (the decoder refused it), deleted
-- (retention). Keys name blobs; content_hash (SHA-256 of the uploaded bytes) finds duplicates.
CREATE TABLE photos (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  album_id {{bigint}} NOT NULL,
  content_hash {{str}} NOT NULL,
  original_name {{str}} NOT NULL,
  format {{str}} NOT NULL,
  width {{bigint}} NOT NULL,
  height {{bigint}} NOT NULL,
  bytes {{bigint}} NOT NULL,
  original_key {{str}} NOT NULL,
  thumb_key {{str}},
  preview_key {{str}},
  status {{str}} NOT NULL,
  error_code {{str}},
  lease_until {{bigint}} NOT NULL DEFAULT 0,
  attempts {{bigint}} NOT NULL DEFAULT 0,
  withheld {{bool}} NOT NULL DEFAULT 0,
  uploaded_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL,
  processed_at {{str}},
  deleted_at {{str}},
  FOREIGN KEY (album_id) REFERENCES photo_albums (id)
) {{table_opts}};
CREATE UNIQUE INDEX photos_album_hash ON photos (album_id, content_hash);
CREATE INDEX photos_status ON photos (status, lease_until);

-- Children staff tagged as shown in a photo.
CREATE TABLE photo_tags (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  photo_id {{bigint}} NOT NULL,
  child_id {{bigint}} NOT NULL,
  tagged_by_user_id {{bigint}} NOT NULL,
  tagged_at {{str}} NOT NULL,
  FOREIGN KEY (photo_id) REFERENCES photos (id)
) {{table_opts}};
CREATE UNIQUE INDEX photo_tags_unique ON photo_tags (photo_id, child_id);
CREATE INDEX photo_tags_child ON photo_tags (child_id);

-- product: digital, or a print size (L, 2L, ...) from photos.prices.
CREATE TABLE photo_cart_items (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  photo_id {{bigint}} NOT NULL,
  product {{str}} NOT NULL,
  quantity {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX photo_cart_unique ON photo_cart_items (user_id, photo_id, product);

-- status: pending (awaiting payment), paid, fulfilled (in a print batch), cancelled,
-- refund_requested, refunded. Orders are kept when photos are deleted.
CREATE TABLE photo_orders (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  household_id {{bigint}} NOT NULL,
  user_id {{bigint}} NOT NULL,
  status {{str}} NOT NULL,
  total_yen {{bigint}} NOT NULL,
  method {{str}} NOT NULL,
  payment_id {{bigint}},
  created_at {{str}} NOT NULL,
  paid_at {{str}},
  fulfilled_at {{str}},
  cancelled_at {{str}},
  refunded_at {{str}}
) {{table_opts}};
CREATE INDEX photo_orders_household ON photo_orders (municipality_id, household_id, id);
CREATE INDEX photo_orders_status ON photo_orders (municipality_id, status);

CREATE TABLE photo_order_items (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  order_id {{bigint}} NOT NULL,
  photo_id {{bigint}} NOT NULL,
  album_id {{bigint}} NOT NULL,
  product {{str}} NOT NULL,
  quantity {{bigint}} NOT NULL,
  unit_yen {{bigint}} NOT NULL,
  FOREIGN KEY (order_id) REFERENCES photo_orders (id)
) {{table_opts}};
CREATE INDEX photo_order_items_order ON photo_order_items (order_id);
CREATE INDEX photo_order_items_album ON photo_order_items (album_id);

-- The end-of-sales print-vendor batch of one album: a CSV of orders and a ZIP of originals.
CREATE TABLE photo_print_batches (
  id {{pk}},
  municipality_id {{bigint}} NOT NULL,
  album_id {{bigint}} NOT NULL,
  csv_key {{str}} NOT NULL,
  zip_key {{str}} NOT NULL,
  orders {{bigint}} NOT NULL,
  prints {{bigint}} NOT NULL,
  created_by_user_id {{bigint}} NOT NULL,
  created_at {{str}} NOT NULL
) {{table_opts}};
CREATE UNIQUE INDEX photo_print_batches_album ON photo_print_batches (album_id);
