// PhotoService: settings, scope, consent and the background renditions.
#include <chrono>
#include <sstream>

#include <Poco/SHA2Engine.h>
#include <sukusuku/clock.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

std::map<std::string, int64_t> parsePrices(const std::vector<std::string>& items) {
  std::map<std::string, int64_t> out;
  for (const auto& item : items) {
    auto colon = item.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw std::runtime_error("photos.prices: '" + item + "' is not product:yen");
    }
    int64_t price = std::stoll(item.substr(colon + 1));
    if (price <= 0) throw std::runtime_error("photos.prices: price must be positive: " + item);
    out[item.substr(0, colon)] = price;
  }
  if (!out.count("digital")) throw std::runtime_error("photos.prices: needs a digital price");
  return out;
}

Album albumFromRow(const db::Row& r) {
  Album a;
  a.id = r.getInt("id");
  a.municipality_id = r.getInt("municipality_id");
  a.facility_id = r.getInt("facility_id");
  a.class_id = r.getInt("class_id");
  a.title = r.getText("title");
  a.event_date = r.getText("event_date");
  a.sales_from = r.getText("sales_from");
  a.sales_until = r.getText("sales_until");
  a.print_batch_id = r.getOptInt("print_batch_id");
  a.photos_deleted = !r.isNull("photos_deleted_at");
  return a;
}

Error albumNotFound() { return Error::notFound("photos.album_not_found", "no such album"); }
Error photoNotFound() { return Error::notFound("photos.photo_not_found", "no such photo"); }

}  // namespace

Settings Settings::fromConfig(Config& c) {
  Settings s;
  s.max_upload_bytes = c.getInt("photos.max_upload_bytes");
  s.max_pixels = c.getInt("photos.max_pixels");
  s.max_files = c.getInt("photos.max_files_per_upload");
  s.retention_days = c.getInt("photos.retention_days");
  s.link_ttl_seconds = c.getInt("photos.download_link_ttl_seconds");
  s.workers = static_cast<int>(c.getInt("photos.workers"));
  s.prices = parsePrices(c.getList("photos.prices"));
  s.render.thumb_size = static_cast<int>(c.getInt("photos.thumb_size"));
  s.render.preview_size = static_cast<int>(c.getInt("photos.preview_size"));
  return s;
}

nlohmann::json Album::toJson() const {
  return {{"id", id},
          {"facility_id", facility_id},
          {"class_id", class_id},
          {"title", title},
          {"event_date", event_date},
          {"sales_from", sales_from},
          {"sales_until", sales_until}};
}

std::string sha256Hex(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string hmacHex(const std::string& key, const std::string& message) {
  constexpr size_t kBlock = 64;
  std::string k = key;
  if (k.size() > kBlock) {
    Poco::SHA2Engine e(Poco::SHA2Engine::SHA_256);
    e.update(k.data(), static_cast<unsigned>(k.size()));
    const auto& d = e.digest();
    k.assign(d.begin(), d.end());
  }
  k.resize(kBlock, '\0');
  std::string ipad(kBlock, '\0'), opad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  Poco::SHA2Engine inner(Poco::SHA2Engine::SHA_256);
  inner.update(ipad.data(), kBlock);
  inner.update(message.data(), static_cast<unsigned>(message.size()));
  const auto& ih = inner.digest();
  Poco::SHA2Engine outer(Poco::SHA2Engine::SHA_256);
  outer.update(opad.data(), kBlock);
  outer.update(ih.data(), static_cast<unsigned>(ih.size()));
  return Poco::DigestEngine::digestToHex(outer.digest());
}

std::string yen(int64_t v) {
  std::string digits = std::to_string(v), out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n && n % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return "¥" + out;
}

PhotoService::PhotoService(PluginContext& ctx, Settings settings)
    : ctx_(ctx), settings_(std::move(settings)) {}

PhotoService::~PhotoService() { stopWorkers(); }

std::string PhotoService::today() const { return tokyoDate(ctx_.clock().now()); }
std::string PhotoService::now() const { return formatUtc(ctx_.clock().now()); }
std::string PhotoService::dateDaysAgo(int64_t days) const {
  return tokyoDate(ctx_.clock().now() - std::chrono::hours(24 * days));
}

Album PhotoService::album(db::Connection& conn, int64_t municipality_id, int64_t album_id) {
  auto row = conn.queryOne("SELECT * FROM photo_albums WHERE id = ? AND municipality_id = ?",
                           {album_id, municipality_id});
  if (!row) throw albumNotFound();
  return albumFromRow(*row);
}

Album PhotoService::staffAlbum(db::Connection& conn, const Principal& p, int64_t album_id) {
  if (p.role == roles::kGuardian) throw albumNotFound();
  Album a = album(conn, p.municipality_id, album_id);
  if (!tenancy::canSeeFacility(conn, p, a.facility_id)) throw albumNotFound();
  return a;
}

std::vector<int64_t> PhotoService::guardianClassIds(db::Connection& conn, const Principal& p) {
  std::vector<int64_t> out;
  if (p.role != roles::kGuardian || p.household_id == 0) return out;
  std::string d = today();
  for (const auto& r : conn.query(
           "SELECT DISTINCT e.class_id FROM enrolments e JOIN children c ON c.id = e.child_id "
           "WHERE c.household_id = ? AND c.municipality_id = ? AND e.class_id IS NOT NULL "
           "AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)",
           {p.household_id, p.municipality_id, d, d})) {
    out.push_back(r.getInt("class_id"));
  }
  return out;
}

Album PhotoService::guardianAlbum(db::Connection& conn, const Principal& p, int64_t album_id) {
  Album a = album(conn, p.municipality_id, album_id);
  auto classes = guardianClassIds(conn, p);
  if (std::find(classes.begin(), classes.end(), a.class_id) == classes.end()) throw albumNotFound();
  return a;
}

Photo PhotoService::photo(db::Connection& conn, int64_t municipality_id, int64_t photo_id) {
  auto r = conn.queryOne("SELECT * FROM photos WHERE id = ? AND municipality_id = ?",
                         {photo_id, municipality_id});
  if (!r) throw photoNotFound();
  Photo p;
  p.id = r->getInt("id");
  p.municipality_id = r->getInt("municipality_id");
  p.album_id = r->getInt("album_id");
  p.content_hash = r->getText("content_hash");
  p.format = r->getText("format");
  p.status = r->getText("status");
  p.original_key = r->getText("original_key");
  p.thumb_key = r->getOptText("thumb_key");
  p.preview_key = r->getOptText("preview_key");
  p.width = r->getInt("width");
  p.height = r->getInt("height");
  p.withheld = r->getBool("withheld");
  return p;
}

Photo PhotoService::guardianPhoto(db::Connection& conn, const Principal& p, int64_t photo_id) {
  Photo ph = photo(conn, p.municipality_id, photo_id);
  try {
    guardianAlbum(conn, p, ph.album_id);
  } catch (const Error&) {
    throw photoNotFound();
  }
  if (ph.status != "ready" || !allowed(conn, photo_id)) throw photoNotFound();
  return ph;
}

const char* PhotoService::allowedCondition() {
  return "NOT EXISTS (SELECT 1 FROM photo_tags t JOIN children ch ON ch.id = t.child_id "
         "JOIN consents cs ON cs.household_id = ch.household_id AND cs.kind = 'photo_sales' "
         "WHERE t.photo_id = p.id AND cs.granted = 0 AND cs.id = (SELECT MAX(c2.id) FROM "
         "consents c2 WHERE c2.household_id = ch.household_id AND c2.kind = 'photo_sales'))";
}

bool PhotoService::allowed(db::Connection& conn, int64_t photo_id) {
  return conn
      .queryOne(std::string("SELECT p.id FROM photos p WHERE p.id = ? AND ") + allowedCondition(),
                {photo_id})
      .has_value();
}

std::vector<int64_t> PhotoService::decliningChildren(db::Connection& conn, int64_t photo_id) {
  std::vector<int64_t> out;
  for (const auto& r : conn.query(
           "SELECT t.child_id FROM photo_tags t JOIN children ch ON ch.id = t.child_id "
           "JOIN consents cs ON cs.household_id = ch.household_id AND cs.kind = 'photo_sales' "
           "WHERE t.photo_id = ? AND cs.granted = 0 AND cs.id = (SELECT MAX(c2.id) FROM consents "
           "c2 WHERE c2.household_id = ch.household_id AND c2.kind = 'photo_sales') "
           "ORDER BY t.child_id",
           {photo_id})) {
    out.push_back(r.getInt("child_id"));
  }
  return out;
}

bool PhotoService::reconsider(db::Tx& tx, int64_t municipality_id, int64_t photo_id, int64_t actor,
                              const std::string& role, const std::string& request_id) {
  auto row = tx.queryOne("SELECT withheld FROM photos WHERE id = ? AND municipality_id = ?" +
                             std::string(tx.dialect().forUpdate()),
                         {photo_id, municipality_id});
  if (!row) return false;
  bool was = row->getBool("withheld");
  auto declining = decliningChildren(tx, photo_id);
  bool now_withheld = !declining.empty();
  if (now_withheld != was) {
    tx.execute("UPDATE photos SET withheld = ? WHERE id = ?", {now_withheld, photo_id});
    ctx_.audit().record(
        tx, {.municipality_id = municipality_id,
             .actor_user_id = actor,
             .actor_role = role,
             .action = now_withheld ? "photos.photo_withheld" : "photos.photo_released",
             .target_type = "photo",
             .target_id = std::to_string(photo_id),
             .details = {{"reason", now_withheld ? "photo_sales consent declined" : "no "
                                                                                    "declined "
                                                                                    "consent"},
                         {"children", declining}},
             .request_id = request_id});
  }
  return now_withheld;
}

int PhotoService::reconsiderAll() {
  std::string d = today();
  std::vector<std::pair<int64_t, int64_t>> ids;
  {
    auto conn = db().acquire();
    for (const auto& r : conn->query(
             "SELECT p.id, p.municipality_id FROM photos p JOIN photo_albums a ON a.id = p.album_id "
             "WHERE p.status <> 'deleted' AND (a.sales_until >= ? OR a.print_batch_id IS NULL)",
             {d})) {
      ids.emplace_back(r.getInt("municipality_id"), r.getInt("id"));
    }
  }
  int changes = 0;
  for (const auto& [m, id] : ids) {
    db().transaction([&](db::Tx& tx) {
      auto before = tx.queryOne("SELECT withheld FROM photos WHERE id = ?", {id});
      bool after = reconsider(tx, m, id, 0, "system", "");
      if (before && before->getBool("withheld") != after) ++changes;
    });
  }
  return changes;
}

// --- renditions ---

int PhotoService::processPending(int max) {
  int done = 0;
  auto& blobs = ctx_.blobs();
  for (int n = 0; n < max; ++n) {
    int64_t now_s = ctx_.clock().nowSeconds();
    std::optional<db::Row> claimed;
    db().transaction([&](db::Tx& tx) {
      claimed.reset();
      auto row = tx.queryOne(
          "SELECT id, municipality_id, album_id, original_key, format, content_hash, attempts "
          "FROM photos WHERE status = 'processing' AND lease_until < ? ORDER BY id LIMIT 1" +
              std::string(tx.dialect().forUpdateSkipLocked()),
          {now_s});
      if (!row) return;
      tx.execute("UPDATE photos SET lease_until = ?, attempts = attempts + 1 WHERE id = ?",
                 {now_s + 300, row->getInt("id")});
      claimed = row;
    });
    if (!claimed) break;
    int64_t id = claimed->getInt("id");
    std::string key = claimed->getText("original_key");
    std::string base = key.substr(0, key.rfind('.'));
    std::string status = "ready", error_code, format = claimed->getText("format");
    std::optional<std::string> thumb_key, preview_key;
    std::string new_key = key;
    try {
      auto original = blobs.get(key);
      if (!original) throw Error::invalid("photos.original_missing", "the original is gone");
      if (format == "heic") {
        // Browsers and print vendors want JPEG; re-encoding also drops the HEIC's metadata.
        *original = heicToJpeg(*original);
        new_key = base + ".jpg";
        blobs.put(new_key, *original);
        format = "jpeg";
      }
      Renditions r = render(*original, settings_.render);
      thumb_key = base + ".thumb.jpg";
      preview_key = base + ".preview.jpg";
      blobs.put(*thumb_key, r.thumb_jpeg);
      blobs.put(*preview_key, r.preview_jpeg);
    } catch (const Error& e) {
      status = "failed";
      error_code = e.code();
    } catch (const std::exception& e) {
      ctx_.logger().error("photo %Ld: rendering failed: %s", id, std::string(e.what()));
      if (claimed->getInt("attempts") + 1 < 3) continue;  // the lease expires; try again later
      status = "failed";
      error_code = "photos.render_failed";
    }
    db().transaction([&](db::Tx& tx) {
      tx.execute(
          "UPDATE photos SET status = ?, error_code = ?, thumb_key = ?, preview_key = ?, "
          "original_key = ?, format = ?, processed_at = ? WHERE id = ? AND status = 'processing'",
          {status, error_code.empty() ? db::Value() : db::Value(error_code), thumb_key, preview_key,
           new_key, format, now(), id});
    });
    if (new_key != key) blobs.remove(key);
    ++done;
  }
  return done;
}

void PhotoService::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void PhotoService::startWorkers() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

void PhotoService::stopWorkers() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void PhotoService::workerLoop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
    }
    int done = 0;
    try {
      done = processPending(1);
    } catch (const std::exception& e) {
      ctx_.logger().warning("photo worker: %s", std::string(e.what()));
    }
    if (done > 0) continue;
    std::unique_lock lock(mu_);
    int seen = wakeups_;
    cv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_ || wakeups_ != seen; });
  }
}

}  // namespace sukusuku::photos
