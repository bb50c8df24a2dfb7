#include "contact_photos.h"

#include <algorithm>

#include <sukusuku/blob_store.h>
#include <sukusuku/error.h>

namespace sukusuku::messaging {

namespace {

constexpr int kDisplayEdge = 1600;
constexpr int kThumbEdge = 320;
const std::vector<std::string> kPhotoTypes = {"image/jpeg", "image/png", "image/webp"};

// The media type a file name claims by its extension, "" when it claims none of ours.
std::string claimedType(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  auto ends = [&name](const std::string& ext) {
    return name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  if (ends(".png")) return "image/png";
  if (ends(".webp")) return "image/webp";
  return "";
}

const char* kColumns =
    "SELECT id, child_id, facility_id, date, side, width, height, display_key, thumb_key FROM "
    "messaging_contact_photos ";

nlohmann::json photoJson(const db::Row& row, const std::string& base_url) {
  std::string url = base_url + "/" + std::to_string(row.getInt("id"));
  return {{"id", row.getInt("id")},
          {"url", url},
          {"thumb_url", url + "?size=thumb"},
          {"width", row.getInt("width")},
          {"height", row.getInt("height")}};
}

}  // namespace

ContactPhotos::ContactPhotos(Env& env)
    : env_(env),
      max_bytes_(std::max<int64_t>(1024, env.ctx->config().getInt("messaging.photo_max_bytes"))),
      max_pixels_(std::max<int64_t>(1, env.ctx->config().getInt("messaging.photo_max_pixels"))) {}

std::vector<ReadyPhoto> ContactPhotos::prepare(const std::vector<PhotoUpload>& uploads) const {
  std::vector<ReadyPhoto> out;
  for (const auto& u : uploads) {
    if (static_cast<int64_t>(u.bytes.size()) > max_bytes_) {
      throw Error::invalid("messaging.photo_too_large", "a photo is larger than the limit",
                           {{"max_bytes", max_bytes_}, {"size", u.bytes.size()}});
    }
    std::string claimed = claimedType(u.filename);
    images::Header h = images::readHeader(u.bytes, kPhotoTypes, max_pixels_, "messaging.photo");
    if (!claimed.empty() && claimed != h.type) {
      throw Error::invalid("messaging.photo_type", "the file's name and its content disagree",
                           {{"detected", h.type}, {"claimed", claimed}});
    }
    ReadyPhoto p;
    p.display = images::boundedJpeg(u.bytes, kDisplayEdge, 85, "messaging.photo");
    p.thumb = images::boundedJpeg(p.display.jpeg, kThumbEdge, 80, "messaging.photo");
    out.push_back(std::move(p));
  }
  return out;
}

void ContactPhotos::checkCount(db::Connection& conn, int64_t child, const std::string& date,
                               const std::string& side, const std::set<int64_t>& removing,
                               size_t adding) const {
  int64_t kept = 0;
  for (const auto& row : conn.query("SELECT id FROM messaging_contact_photos WHERE child_id = ? "
                                    "AND date = ? AND side = ?",
                                    {child, date, side})) {
    kept += removing.count(row.getInt("id")) ? 0 : 1;
  }
  if (kept + static_cast<int64_t>(adding) > kMaxPhotosPerEntry) {
    throw Error::invalid("messaging.too_many_photos", "too many photos for one day's entry",
                         {{"field", "photos"}, {"max", kMaxPhotosPerEntry}});
  }
}

std::vector<int64_t> ContactPhotos::store(db::Connection& tx, const Principal& p,
                                          int64_t facility, int64_t child,
                                          const std::string& date, const std::string& side,
                                          const std::vector<ReadyPhoto>& ready) const {
  std::vector<int64_t> ids;
  std::string now = formatUtc(env_.clock->now());
  for (const auto& photo : ready) {
    int64_t id = tx.execute(
                       "INSERT INTO messaging_contact_photos (municipality_id, facility_id, "
                       "child_id, date, side, width, height, size_bytes, display_key, thumb_key, "
                       "by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?)",
                       {p.municipality_id, facility, child, date, side, photo.display.width,
                        photo.display.height, static_cast<int64_t>(photo.display.jpeg.size()),
                        p.user_id, now})
                     .last_insert_id;
    std::string key = "messaging/contact/" + std::to_string(p.municipality_id) + "/" +
                      std::to_string(child) + "/" + std::to_string(id);
    tx.execute("UPDATE messaging_contact_photos SET display_key = ?, thumb_key = ? WHERE id = ?",
               {key + ".jpg", key + ".thumb.jpg", id});
    env_.ctx->blobs().put(key + ".jpg", photo.display.jpeg);
    env_.ctx->blobs().put(key + ".thumb.jpg", photo.thumb.jpeg);
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::string> ContactPhotos::remove(db::Connection& tx, int64_t child,
                                               const std::string& date, const std::string& side,
                                               const std::set<int64_t>& ids) const {
  std::vector<std::string> keys;
  for (int64_t id : ids) {
    auto row = tx.queryOne("SELECT display_key, thumb_key FROM messaging_contact_photos WHERE id "
                           "= ? AND child_id = ? AND date = ? AND side = ?",
                           {id, child, date, side});
    if (!row) continue;
    keys.push_back(row->getText("display_key"));
    keys.push_back(row->getText("thumb_key"));
    tx.execute("DELETE FROM messaging_contact_photos WHERE id = ?", {id});
  }
  return keys;
}

void ContactPhotos::removeBlobs(const std::vector<std::string>& keys) const {
  for (const auto& k : keys) env_.ctx->blobs().remove(k);
}

std::map<std::string, nlohmann::json> ContactPhotos::list(db::Connection& conn, int64_t child,
                                                          const std::string& from,
                                                          const std::string& to,
                                                          const std::string& base_url) const {
  std::map<std::string, nlohmann::json> out;
  for (const auto& row : conn.query(std::string(kColumns) +
                                        "WHERE child_id = ? AND date >= ? AND date <= ? ORDER BY "
                                        "date, side, id",
                                    {child, from, to})) {
    auto& list = out[row.getText("date") + "|" + row.getText("side")];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back(photoJson(row, base_url));
  }
  return out;
}

std::map<int64_t, std::map<std::string, nlohmann::json>> ContactPhotos::ofFacilityDay(
    db::Connection& conn, int64_t municipality, int64_t facility, const std::string& date) const {
  std::map<int64_t, std::map<std::string, nlohmann::json>> out;
  for (const auto& row : conn.query(std::string(kColumns) +
                                        "WHERE facility_id = ? AND date = ? AND municipality_id = "
                                        "? ORDER BY id",
                                    {facility, date, municipality})) {
    auto& list = out[row.getInt("child_id")][row.getText("side")];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back(photoJson(row, "/web/messaging/contact-book/photos"));
  }
  return out;
}

db::Row ContactPhotos::find(db::Connection& conn, int64_t municipality, int64_t id) const {
  auto row = conn.queryOne(std::string(kColumns) + "WHERE id = ? AND municipality_id = ?",
                           {id, municipality});
  if (!row) throw Error::notFound("messaging.photo_not_found", "no such photo");
  return *row;
}

Response ContactPhotos::image(const db::Row& photo, const Request& r) const {
  bool thumb = r.queryParam("size").value_or("") == "thumb";
  auto bytes = env_.ctx->blobs().get(photo.getText(thumb ? "thumb_key" : "display_key"));
  if (!bytes) throw Error::notFound("messaging.photo_not_found", "the file is missing");
  Response out = Response::text(std::move(*bytes), "image/jpeg");
  out.headers["X-Content-Type-Options"] = "nosniff";
  out.headers["Cache-Control"] = "private, max-age=300";
  return out;
}

}  // namespace sukusuku::messaging
