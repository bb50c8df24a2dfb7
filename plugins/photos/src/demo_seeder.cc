// Demo data: one album on sale for the demo guardian's class, with a few generated photos, so
// that `deploy/dev.sh run` shows browsing, buying and the sandbox payment at once.
#include <iostream>

#include <glib.h>
#include <vips/vips8>

#include "photos.h"

namespace sukusuku::photos {

namespace {

std::string demoPhoto(int n) {
  vips::VImage xyz = vips::VImage::xyz(1200, 800);
  vips::VImage x = xyz[0], y = xyz[1];
  vips::VImage r = x * (180.0 / 1200) + 40 + 20 * n;
  vips::VImage g = y * (160.0 / 800) + 60;
  vips::VImage b = (x + y) * (100.0 / 2000) + 120 - 10 * n;
  vips::VImage img = r.bandjoin(g).bandjoin(b).cast(VIPS_FORMAT_UCHAR);
  vips::VImage label = vips::VImage::text(("DEMO " + std::to_string(n + 1)).c_str(),
                                          vips::VImage::option()->set("dpi", 300));
  vips::VImage mask = label.embed(80, 80, 1200, 800);
  img = (mask > 128).ifthenelse(std::vector<double>{255, 255, 255}, img)
            .copy(vips::VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(".jpg", &buf, &size, vips::VImage::option()->set("Q", 85));
  std::string out(static_cast<char*>(buf), size);
  g_free(buf);
  return out;
}

}  // namespace

void seedDemoAlbum(PhotoService& svc, db::Database& db) {
  std::optional<db::Row> row;
  {
    auto conn = db.acquire();
    row = conn->queryOne(
        "SELECT u.municipality_id, e.facility_id, e.class_id FROM users u JOIN guardians g ON "
        "g.user_id = u.id JOIN children c ON c.household_id = g.household_id JOIN enrolments e ON "
        "e.child_id = c.id WHERE u.login = 'guardian@demo.sukusuku.jp' AND e.class_id IS NOT NULL "
        "ORDER BY e.id LIMIT 1");
    if (!row) return;
    if (conn->queryOne("SELECT id FROM photo_albums WHERE class_id = ?",
                       {row->getInt("class_id")})) {
      return;  // seeded already
    }
  }
  Album a;
  a.municipality_id = row->getInt("municipality_id");
  a.facility_id = row->getInt("facility_id");
  a.class_id = row->getInt("class_id");
  a.title = "夏祭り";
  a.event_date = svc.dateDaysAgo(3);
  a.sales_from = svc.dateDaysAgo(1);
  a.sales_until = svc.dateDaysAgo(-30);
  a.id = db.transaction([&](db::Tx& tx) {
    return tx
        .execute("INSERT INTO photo_albums (municipality_id, facility_id, class_id, title, "
                 "event_date, sales_from, sales_until, created_by_user_id, created_at) VALUES "
                 "(?, ?, ?, ?, ?, ?, ?, 0, ?)",
                 {a.municipality_id, a.facility_id, a.class_id, a.title, a.event_date,
                  a.sales_from, a.sales_until, svc.now()})
        .last_insert_id;
  });
  std::vector<UploadedFile> files;
  for (int i = 0; i < 6; ++i) files.push_back({"files", "demo" + std::to_string(i) + ".jpg", demoPhoto(i)});
  Principal system;
  system.municipality_id = a.municipality_id;
  system.role = "system";
  svc.ingest(system, a, files, "demo");
  int n = svc.processPending(10);
  std::cout << "photos: demo album " << a.title << " with " << n << " photos\n";
}

}  // namespace sukusuku::photos
