// The photos plugin's inside: one PhotoService shared by its routes, pages, jobs and commands.
// Private to plugins/photos/src.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sukusuku/plugin.h>
#include <sukusuku/services/payments.h>

#include "imaging.h"

namespace sukusuku::photos {

struct Settings {
  int64_t max_upload_bytes = 0;
  int64_t max_pixels = 0;
  int64_t max_files = 0;
  int64_t retention_days = 0;
  int64_t link_ttl_seconds = 0;
  int workers = 1;
  std::map<std::string, int64_t> prices;  // product -> yen; "digital" and print sizes
  RenderOptions render;

  static Settings fromConfig(Config& config);
};

struct Album {
  int64_t id = 0;
  int64_t municipality_id = 0;
  int64_t facility_id = 0;
  int64_t class_id = 0;
  std::string title;
  std::string event_date;
  std::string sales_from;
  std::string sales_until;
  std::optional<int64_t> print_batch_id;
  bool photos_deleted = false;

  bool onSale(const std::string& today) const {
    return sales_from <= today && today <= sales_until && !photos_deleted;
  }
  nlohmann::json toJson() const;
};

struct Photo {
  int64_t id = 0;
  int64_t municipality_id = 0;
  int64_t album_id = 0;
  std::string content_hash;
  std::string format;
  std::string status;
  std::string original_key;
  std::optional<std::string> thumb_key;
  std::optional<std::string> preview_key;
  int64_t width = 0;
  int64_t height = 0;
  bool withheld = false;
};

// A file part of a multipart/form-data body.
struct UploadedFile {
  std::string field;
  std::string filename;
  std::string bytes;
};

class PhotoService {
 public:
  PhotoService(PluginContext& ctx, Settings settings);
  ~PhotoService();

  PluginContext& ctx() { return ctx_; }
  db::Database& db() { return ctx_.database(); }
  const Settings& settings() const { return settings_; }
  std::string today() const;
  std::string now() const;
  std::string dateDaysAgo(int64_t days) const;

  // --- scope (anything out of scope is 404, never 403) ---
  Album album(db::Connection& conn, int64_t municipality_id, int64_t album_id);
  // Staff: the album's facility must be one of theirs; city roles: their municipality.
  Album staffAlbum(db::Connection& conn, const Principal& p, int64_t album_id);
  // Guardians: the album's class must be one their children are enrolled in today.
  Album guardianAlbum(db::Connection& conn, const Principal& p, int64_t album_id);
  std::vector<int64_t> guardianClassIds(db::Connection& conn, const Principal& p);
  Photo photo(db::Connection& conn, int64_t municipality_id, int64_t photo_id);
  // A ready photo a guardian may see: in one of their classes' albums and not withheld.
  Photo guardianPhoto(db::Connection& conn, const Principal& p, int64_t photo_id);

  // --- consent ---
  // SQL condition, true when photo alias `p` shows no child whose household's newest
  // photo_sales consent is a refusal.
  static const char* allowedCondition();
  bool allowed(db::Connection& conn, int64_t photo_id);
  // The tagged children whose household declined photo sales.
  std::vector<int64_t> decliningChildren(db::Connection& conn, int64_t photo_id);
  // Recomputes photos.withheld; on a change writes the audit row. Returns the new value.
  bool reconsider(db::Tx& tx, int64_t municipality_id, int64_t photo_id, int64_t actor,
                  const std::string& role, const std::string& request_id);
  // Every photo of albums still on sale or not yet batched (consents change). Returns changes.
  int reconsiderAll();

  // --- upload ---
  nlohmann::json ingest(const Principal& p, const Album& album,
                        const std::vector<UploadedFile>& files, const std::string& request_id);

  // --- renditions in the background ---
  // Claims and renders up to MAX photos; returns how many it finished (ready or failed).
  int processPending(int max);
  void wake();
  void startWorkers();
  void stopWorkers();

  // --- orders and payment ---
  void setPayments(std::shared_ptr<payments::Payments> p) { payments_ = std::move(p); }
  std::shared_ptr<payments::Payments> payments() const { return payments_; }
  nlohmann::json cart(db::Connection& conn, const Principal& p);
  nlohmann::json order(db::Connection& conn, int64_t order_id, bool with_links);
  nlohmann::json placeOrder(const Principal& p, const std::string& method,
                            const std::string& return_url);
  void onPayment(const Event& e);
  void refundOrder(const Principal& staff, int64_t order_id, const std::string& request_id);

  // --- fulfilment ---
  std::string downloadPath(int64_t item_id, int64_t expires) const;
  bool validLink(int64_t item_id, int64_t expires, const std::string& sig) const;
  // The end-of-sales batch of one album (CSV + ZIP in the blob store). Throws 409
  // photos.batch_exists when it was made already. Returns the batch row as JSON.
  nlohmann::json makePrintBatch(int64_t municipality_id, int64_t album_id, int64_t actor,
                                const std::string& role, const std::string& request_id);
  // Batches for every album whose sales ended and that has none yet.
  int batchEndedAlbums();
  nlohmann::json salesReport(db::Connection& conn, int64_t municipality_id,
                             const std::vector<int64_t>& facility_ids);
  // Deletes the photos (blobs and renditions) of albums whose sales ended more than
  // photos.retention_days ago; orders stay. Returns the number of photos deleted.
  int applyRetention();

 private:
  void workerLoop();
  std::string linkSecret() const;

  PluginContext& ctx_;
  Settings settings_;
  std::shared_ptr<payments::Payments> payments_;
  mutable std::once_flag secret_once_;
  mutable std::string link_secret_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int wakeups_ = 0;
  std::vector<std::thread> workers_;
};

// Routes and pages, one file each.
void addGuardianApi(PluginContext& ctx, std::shared_ptr<PhotoService> svc);
void addStaffPages(PluginContext& ctx, std::shared_ptr<PhotoService> svc);
void addCommands(PluginContext& ctx, std::shared_ptr<PhotoService> svc);
// An album with generated photos for the demo guardian's class (once).
void seedDemoAlbum(PhotoService& svc, db::Database& db);

// multipart/form-data: the file parts (with a filename) and the plain fields. Throws Error 400
// photos.invalid_upload when the body is not multipart or is malformed.
struct MultipartBody {
  std::vector<UploadedFile> files;
  std::multimap<std::string, std::string> fields;
};
MultipartBody parseMultipart(const std::string& content_type, const std::string& body);

std::string sha256Hex(const std::string& bytes);
std::string hmacHex(const std::string& key, const std::string& message);
std::string yen(int64_t amount);

}  // namespace sukusuku::photos
