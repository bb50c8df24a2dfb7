// Fulfilment: signed expiring download links, the end-of-sales print-vendor batch (CSV + ZIP),
// the sales report and the retention of photos.
#include <random>
#include <sstream>

#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>
#include <sukusuku/error.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

std::string csvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string PhotoService::linkSecret() const {
  std::call_once(secret_once_, [this] {
    std::string configured = ctx_.config().getString("photos.link_secret");
    if (!configured.empty()) {
      link_secret_ = configured;
      return;
    }
    // One random key per deployment, kept in the blob store so that every node shares it.
    const std::string key = "photos/keys/download-links.key";
    auto stored = ctx_.blobs().get(key);
    if (stored && stored->size() >= 32) {
      link_secret_ = *stored;
      return;
    }
    std::random_device rd;
    std::string fresh;
    for (int i = 0; i < 64; ++i) fresh += "0123456789abcdef"[rd() % 16];
    ctx_.blobs().put(key, fresh);
    link_secret_ = *ctx_.blobs().get(key);
  });
  return link_secret_;
}

std::string PhotoService::downloadPath(int64_t item_id, int64_t expires) const {
  std::string message = std::to_string(item_id) + "." + std::to_string(expires);
  return "/api/v1/photos/downloads/" + std::to_string(item_id) +
         "?expires=" + std::to_string(expires) + "&sig=" + hmacHex(linkSecret(), message);
}

bool PhotoService::validLink(int64_t item_id, int64_t expires, const std::string& sig) const {
  std::string message = std::to_string(item_id) + "." + std::to_string(expires);
  return constantTimeEquals(hmacHex(linkSecret(), message), sig);
}

nlohmann::json PhotoService::makePrintBatch(int64_t municipality_id, int64_t album_id,
                                            int64_t actor, const std::string& role,
                                            const std::string& request_id) {
  Album a;
  std::vector<db::Row> lines;
  std::string class_name;
  {
    auto conn = db().acquire();
    a = album(*conn, municipality_id, album_id);
    if (a.print_batch_id) {
      throw Error::conflict("photos.batch_exists", "this album's print batch was made already",
                            {{"batch_id", *a.print_batch_id}});
    }
    if (a.photos_deleted) throw Error::conflict("photos.album_closed", "the photos are deleted");
    auto cls = conn->queryOne("SELECT name FROM classes WHERE id = ?", {a.class_id});
    class_name = cls ? cls->getText("name") : "";
    lines = conn->query(
        "SELECT o.id AS order_id, o.paid_at, h.name AS household, i.photo_id, i.product, "
        "i.quantity, p.original_key, p.format FROM photo_order_items i "
        "JOIN photo_orders o ON o.id = i.order_id JOIN photos p ON p.id = i.photo_id "
        "JOIN households h ON h.id = o.household_id "
        "WHERE i.album_id = ? AND o.municipality_id = ? AND o.status = 'paid' "
        "AND i.product <> 'digital' ORDER BY o.id, i.id",
        {album_id, municipality_id});
  }
  std::ostringstream csv;
  csv << "\xEF\xBB\xBF";  // Excel opens UTF-8 with a BOM
  csv << "order_id,paid_at,household,class,photo_id,size,quantity,file\r\n";
  std::ostringstream zip_bytes;
  int64_t prints = 0;
  {
    Poco::Zip::Compress zip(zip_bytes, true);
    for (const auto& l : lines) {
      std::string ext = l.getText("format") == "png" ? "png" : "jpg";
      std::string file = std::to_string(l.getInt("order_id")) + "/" + l.getText("product") + "_" +
                         std::to_string(l.getInt("photo_id")) + "_x" +
                         std::to_string(l.getInt("quantity")) + "." + ext;
      csv << l.getInt("order_id") << "," << csvField(l.getText("paid_at")) << ","
          << csvField(l.getText("household")) << "," << csvField(class_name) << ","
          << l.getInt("photo_id") << "," << csvField(l.getText("product")) << ","
          << l.getInt("quantity") << "," << csvField(file) << "\r\n";
      prints += l.getInt("quantity");
      auto original = ctx_.blobs().get(l.getText("original_key"));
      if (!original) {
        throw Error::conflict("photos.original_missing", "an ordered original is missing",
                              {{"photo_id", l.getInt("photo_id")}});
      }
      std::istringstream in(*original);
      // JPEG and PNG are compressed already: stored, not deflated.
      zip.addFile(in, Poco::DateTime(), Poco::Path(file, Poco::Path::PATH_UNIX),
                  Poco::Zip::ZipCommon::CM_STORE);
    }
    zip.close();
  }
  std::string base = "photos/batches/" + std::to_string(municipality_id) + "/album-" +
                     std::to_string(album_id);
  ctx_.blobs().put(base + ".csv", csv.str());
  ctx_.blobs().put(base + ".zip", zip_bytes.str());
  nlohmann::json out;
  db().transaction([&](db::Tx& tx) {
    auto again = tx.queryOne("SELECT print_batch_id FROM photo_albums WHERE id = ?" +
                                 std::string(tx.dialect().forUpdate()),
                             {album_id});
    if (again && !again->isNull("print_batch_id")) {
      throw Error::conflict("photos.batch_exists", "this album's print batch was made already");
    }
    // Every paid order with a photo of this album is complete now: prints go to the vendor,
    // digital copies have been downloadable since payment.
    auto orders = tx.query(
        "SELECT DISTINCT o.id FROM photo_orders o JOIN photo_order_items i ON i.order_id = o.id "
        "WHERE i.album_id = ? AND o.status = 'paid'",
        {album_id});
    int64_t batch_id =
        tx.execute("INSERT INTO photo_print_batches (municipality_id, album_id, csv_key, zip_key, "
                   "orders, prints, created_by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   {municipality_id, album_id, base + ".csv", base + ".zip",
                    static_cast<int64_t>(orders.size()), prints, actor, now()})
            .last_insert_id;
    tx.execute("UPDATE photo_albums SET print_batch_id = ? WHERE id = ?", {batch_id, album_id});
    for (const auto& o : orders) {
      tx.execute("UPDATE photo_orders SET status = 'fulfilled', fulfilled_at = ? WHERE id = ? AND "
                 "status = 'paid'",
                 {now(), o.getInt("id")});
    }
    ctx_.audit().record(tx, {.municipality_id = municipality_id,
                             .actor_user_id = actor,
                             .actor_role = role,
                             .action = "photos.print_batch_exported",
                             .target_type = "photo_album",
                             .target_id = std::to_string(album_id),
                             .details = {{"batch_id", batch_id},
                                         {"orders", orders.size()},
                                         {"prints", prints}},
                             .request_id = request_id});
    out = {{"id", batch_id},  {"album_id", album_id},         {"orders", orders.size()},
           {"prints", prints}, {"csv_key", base + ".csv"}, {"zip_key", base + ".zip"}};
  });
  return out;
}

int PhotoService::batchEndedAlbums() {
  std::vector<std::pair<int64_t, int64_t>> due;
  {
    auto conn = db().acquire();
    for (const auto& r : conn->query(
             "SELECT id, municipality_id FROM photo_albums WHERE sales_until < ? AND "
             "print_batch_id IS NULL AND photos_deleted_at IS NULL ORDER BY id",
             {today()})) {
      due.emplace_back(r.getInt("municipality_id"), r.getInt("id"));
    }
  }
  int made = 0;
  for (const auto& [m, id] : due) {
    try {
      makePrintBatch(m, id, 0, "system", "");
      ++made;
    } catch (const Error& e) {
      ctx_.logger().warning("print batch for album %Ld: %s", id, std::string(e.what()));
    }
  }
  return made;
}

nlohmann::json PhotoService::salesReport(db::Connection& conn, int64_t municipality_id,
                                         const std::vector<int64_t>& facility_ids) {
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t f : facility_ids) {
    for (const auto& r : conn.query(
             "SELECT a.id, a.title, a.event_date, fa.name AS facility, "
             "COUNT(DISTINCT CASE WHEN o.status IN ('paid','fulfilled') THEN o.id END) AS orders, "
             "COALESCE(SUM(CASE WHEN o.status IN ('paid','fulfilled') THEN i.quantity * i.unit_yen "
             "END), 0) AS revenue, "
             "COALESCE(SUM(CASE WHEN o.status IN ('paid','fulfilled') AND i.product = 'digital' "
             "THEN i.quantity END), 0) AS digital, "
             "COALESCE(SUM(CASE WHEN o.status IN ('paid','fulfilled') AND i.product <> 'digital' "
             "THEN i.quantity END), 0) AS prints, "
             "COALESCE(SUM(CASE WHEN o.status = 'refunded' THEN i.quantity * i.unit_yen END), 0) "
             "AS refunded "
             "FROM photo_albums a JOIN facilities fa ON fa.id = a.facility_id "
             "LEFT JOIN photo_order_items i ON i.album_id = a.id "
             "LEFT JOIN photo_orders o ON o.id = i.order_id "
             "WHERE a.municipality_id = ? AND a.facility_id = ? "
             "GROUP BY a.id, a.title, a.event_date, fa.name ORDER BY a.event_date, a.id",
             {municipality_id, f})) {
      rows.push_back({{"facility_id", f},
                      {"facility", r.getText("facility")},
                      {"album_id", r.getInt("id")},
                      {"album", r.getText("title")},
                      {"event_date", r.getText("event_date")},
                      {"orders", r.getInt("orders")},
                      {"revenue_yen", r.getInt("revenue")},
                      {"digital", r.getInt("digital")},
                      {"prints", r.getInt("prints")},
                      {"refunded_yen", r.getInt("refunded")}});
    }
  }
  return rows;
}

int PhotoService::applyRetention() {
  std::string cutoff = dateDaysAgo(settings_.retention_days);
  std::vector<std::pair<int64_t, int64_t>> albums;
  {
    auto conn = db().acquire();
    for (const auto& r : conn->query(
             "SELECT id, municipality_id FROM photo_albums WHERE sales_until < ? AND "
             "photos_deleted_at IS NULL",
             {cutoff})) {
      albums.emplace_back(r.getInt("municipality_id"), r.getInt("id"));
    }
  }
  int deleted = 0;
  for (const auto& [m, album_id] : albums) {
    db::Rows photos;
    {
      auto conn = db().acquire();
      photos = conn->query(
          "SELECT id, original_key, thumb_key, preview_key FROM photos WHERE album_id = ? AND "
          "status <> 'deleted'",
          {album_id});
    }
    for (const auto& p : photos) {
      for (const char* k : {"original_key", "thumb_key", "preview_key"}) {
        if (!p.isNull(k)) ctx_.blobs().remove(p.getText(k));
      }
    }
    db().transaction([&](db::Tx& tx) {
      tx.execute("UPDATE photos SET status = 'deleted', thumb_key = NULL, preview_key = NULL, "
                 "deleted_at = ? WHERE album_id = ? AND status <> 'deleted'",
                 {now(), album_id});
      tx.execute("DELETE FROM photo_cart_items WHERE photo_id IN (SELECT id FROM photos WHERE "
                 "album_id = ?)",
                 {album_id});
      tx.execute("UPDATE photo_albums SET photos_deleted_at = ? WHERE id = ?", {now(), album_id});
      ctx_.audit().record(tx, {.municipality_id = m,
                               .actor_user_id = 0,
                               .actor_role = "system",
                               .action = "photos.retention_deleted",
                               .target_type = "photo_album",
                               .target_id = std::to_string(album_id),
                               .details = {{"photos", photos.size()},
                                           {"retention_days", settings_.retention_days}},
                               .request_id = ""});
    });
    deleted += static_cast<int>(photos.size());
  }
  return deleted;
}

}  // namespace sukusuku::photos
