// The photos plugin: staff upload an event's photos once; parents of the class browse and buy
// them; prints go to the vendor in one batch at the end of the sales period.
//
// Configuration (photos.*):
//   max_upload_bytes = 268435456     one upload request (many photos); larger is 413 at once
//   max_pixels = 100000000           width x height above this is refused (decompression bombs)
//   max_files_per_upload = 300
//   prices = digital:300,L:150,2L:350,A4:900   product:yen; "digital" is the download
//   thumb_size = 320, preview_size = 1024       longest edge of the renditions
//   workers = 1                      background rendition threads on this node (0: none)
//   retention_days = 365             photos are deleted this long after their sales end
//   download_link_ttl_seconds = 86400
//   link_secret =                    HMAC key of download links; empty: one kept in the blob store
//
// Commands: sukusuku photos process | print-batches | retention | reconsider | report
#include <iostream>
#include <sstream>

#include <sukusuku/plugin.h>

#include "photos.h"

namespace sukusuku::photos {

void addCommands(PluginContext& ctx, std::shared_ptr<PhotoService> svc) {
  ctx.addCommand({"process", "render pending thumbnails and previews now",
                  "  Renders every photo still waiting for its renditions; prints the count.",
                  [svc](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
                    int total = 0, n = 0;
                    while ((n = svc->processPending(50)) > 0) total += n;
                    out << total << " photo(s) processed\n";
                    return 0;
                  }});
  ctx.addCommand({"print-batches", "make the print-vendor batch of every album whose sales ended",
                  "  CSV of orders and ZIP of originals per album, in the blob store.",
                  [svc](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
                    out << svc->batchEndedAlbums() << " batch(es) made\n";
                    return 0;
                  }});
  ctx.addCommand({"retention", "delete photos whose retention period is over (orders stay)", "",
                  [svc](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
                    out << svc->applyRetention() << " photo(s) deleted\n";
                    return 0;
                  }});
  ctx.addCommand({"reconsider", "re-apply photo-sales consents to every open album", "",
                  [svc](const std::vector<std::string>&, std::ostream& out, std::ostream&) {
                    out << svc->reconsiderAll() << " photo(s) changed\n";
                    return 0;
                  }});
  ctx.addCommand(
      {"report", "sales per facility and event as JSON", "MUNICIPALITY_ID",
       [svc](const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
         if (args.size() != 1) {
           err << "usage: sukusuku photos report MUNICIPALITY_ID\n";
           return 2;
         }
         int64_t m = std::stoll(args[0]);
         auto conn = svc->db().acquire();
         std::vector<int64_t> facilities;
         for (const auto& r : conn->query("SELECT id FROM facilities WHERE municipality_id = ? "
                                          "ORDER BY id",
                                          {m})) {
           facilities.push_back(r.getInt("id"));
         }
         out << svc->salesReport(*conn, m, facilities).dump(2) << "\n";
         return 0;
       }});
}

}  // namespace sukusuku::photos

namespace {

using sukusuku::photos::PhotoService;

class PhotosPlugin final : public sukusuku::Plugin {
 public:
  sukusuku::PluginManifest manifest() const override {
    return {"photos", "0.1.0", {}, "event photo sales: upload, consent, orders, print batches"};
  }

  void init(sukusuku::PluginContext& ctx) override {
    ctx.declareConfig("max_upload_bytes", "268435456", "Largest upload request (bytes)");
    ctx.declareConfig("max_pixels", "100000000",
                      "Largest image (width x height); more is refused as a decompression bomb");
    ctx.declareConfig("max_files_per_upload", "300", "Photos in one upload request");
    ctx.declareConfig("prices", "digital:300,L:150,2L:350,KG:200,A4:900",
                      "product:yen, comma-separated; digital is the download");
    ctx.declareConfig("thumb_size", "320", "Thumbnail longest edge (px)");
    ctx.declareConfig("preview_size", "1024", "Watermarked preview longest edge (px)");
    ctx.declareConfig("workers", "1", "Rendition threads on this node (0: this node renders none)");
    ctx.declareConfig("retention_days", "365", "Days after the sales end until photos are deleted");
    ctx.declareConfig("download_link_ttl_seconds", "86400", "Lifetime of a download link");
    ctx.declareConfig("link_secret", "", "HMAC key of download links; empty: generated, shared "
                                         "through the blob store");
    sukusuku::photos::initVips();
    svc_ = std::make_shared<PhotoService>(ctx, sukusuku::photos::Settings::fromConfig(ctx.config()));

    using namespace sukusuku::roles;
    ctx.addPermission("photos.manage", "Create albums, upload and tag photos, make print batches",
                      {kFacilityStaff, kFacilityAdmin});
    ctx.addPermission("photos.orders", "See photo orders of one's facilities",
                      {kFacilityStaff, kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
    ctx.addPermission("photos.refund", "Refund a paid photo order", {kFacilityAdmin});
    ctx.addPermission("photos.report", "Photo sales reports",
                      {kFacilityAdmin, kCityChildcare, kMunicipalityAdmin});
    ctx.addPermission("photos.browse", "Browse and buy photos of one's children's classes",
                      {kGuardian});
    ctx.addNavItem({"photos.nav.albums", "/web/photos", "photos.manage", 40});
    ctx.addNavItem({"photos.nav.orders", "/web/photos/orders", "photos.orders", 41});
    ctx.addNavItem({"photos.nav.reports", "/web/photos/reports", "photos.report", 42});

    sukusuku::photos::addGuardianApi(ctx, svc_);
    sukusuku::photos::addStaffPages(ctx, svc_);
    sukusuku::photos::addCommands(ctx, svc_);

    auto svc = svc_;
    for (const char* type : {"payment.succeeded", "payment.failed", "payment.refunded"}) {
      ctx.subscribe(type, [svc](const sukusuku::Event& e) { svc->onPayment(e); });
    }
    ctx.addJob({"photos.end_of_sales", std::chrono::seconds(3600), std::chrono::seconds(1800),
                [svc](sukusuku::TimePoint) { svc->batchEndedAlbums(); }});
    ctx.addJob({"photos.retention", std::chrono::seconds(86400), std::chrono::seconds(3600),
                [svc](sukusuku::TimePoint) { svc->applyRetention(); }});
    ctx.addJob({"photos.consent_sweep", std::chrono::seconds(3600), std::chrono::seconds(1800),
                [svc](sukusuku::TimePoint) { svc->reconsiderAll(); }});
    ctx.addDemoSeeder([svc](sukusuku::db::Database& db) { seedDemoAlbum(*svc, db); });
    // Renditions left behind by a node that stopped mid-way are picked up by the workers.
  }

  void start(sukusuku::PluginContext& ctx) override {
    svc_->setPayments(ctx.services().find<sukusuku::payments::Payments>("payments"));
    svc_->startWorkers();
  }

  void stop() override {
    if (svc_) svc_->stopWorkers();
  }

 private:
  std::shared_ptr<PhotoService> svc_;
};

}  // namespace

SUKUSUKU_PLUGIN(PhotosPlugin)
