// Staff pages under /web/photos: albums, upload with progress, tagging, orders, reports, and the
// print batch downloads.
#include <set>

#include <Poco/String.h>

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

std::string field(const std::multimap<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? "" : Poco::trim(it->second);
}

bool isDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  int m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

bool wantsJson(const Request& r) {
  return r.header("accept").find("application/json") != std::string::npos;
}

// Pages answer errors as pages; a script (the uploader) or a test that asks for JSON gets the
// error envelope instead.
void addRoute(PluginContext& ctx, Route route) {
  Handler inner = std::move(route.handler);
  route.handler = [inner](Request& r) {
    try {
      return inner(r);
    } catch (const Error& e) {
      if (!wantsJson(r)) throw;
      return Response::json(e.toJson(), e.status());
    }
  };
  ctx.addRoute(std::move(route));
}

std::string statusLabel(I18n& i18n, const std::string& lang, const std::string& status) {
  return i18n.t(lang, "photos.status." + status);
}

}  // namespace

void addStaffPages(PluginContext& ctx, std::shared_ptr<PhotoService> svc) {
  auto& db = ctx.database();
  auto& web = ctx.web();
  auto& blobs = ctx.blobs();

  // Albums of the staff member's facilities, and the form for a new one.
  addRoute(ctx, {"GET", "/web/photos", "photos.manage", [svc, &db, &web](Request& r) {
                  const Principal& p = r.user();
                  auto conn = db.acquire();
                  std::string d = svc->today();
                  nlohmann::json albums = nlohmann::json::array(), classes = nlohmann::json::array();
                  for (int64_t f : tenancy::visibleFacilities(*conn, p, d)) {
                    for (const auto& a : conn->query(
                             "SELECT a.id, a.title, a.event_date, a.sales_from, a.sales_until, "
                             "c.name AS class_name, (SELECT COUNT(*) FROM photos p WHERE "
                             "p.album_id = a.id AND p.status <> 'deleted') AS photo_count "
                             "FROM photo_albums a JOIN classes c ON c.id = a.class_id WHERE "
                             "a.municipality_id = ? AND a.facility_id = ? ORDER BY a.event_date "
                             "DESC, a.id DESC",
                             {p.municipality_id, f})) {
                      albums.push_back({{"id", a.getInt("id")},
                                        {"title", a.getText("title")},
                                        {"event_date", a.getText("event_date")},
                                        {"sales", a.getText("sales_from") + " – " +
                                                      a.getText("sales_until")},
                                        {"class_name", a.getText("class_name")},
                                        {"photo_count", a.getInt("photo_count")}});
                    }
                    for (const auto& c : conn->query(
                             "SELECT c.id, c.name, f.name AS facility FROM classes c JOIN "
                             "facilities f ON f.id = c.facility_id WHERE c.facility_id = ? AND "
                             "c.municipality_id = ? AND c.fiscal_year = ? ORDER BY c.id",
                             {f, p.municipality_id, fiscalYear(svc->ctx().clock().now())})) {
                      classes.push_back({{"id", c.getInt("id")},
                                         {"label", c.getText("facility") + " " + c.getText("name")}});
                    }
                  }
                  return web.page(r, "photos/albums",
                                  {{"albums", albums},
                                   {"has_albums", !albums.empty()},
                                   {"classes", classes},
                                   {"today", d},
                                   {"error", r.queryParam("error").value_or("")}},
                                  "photos.albums.title");
                }});

  addRoute(ctx, 
      {"POST", "/web/photos/albums", "photos.manage", [svc, &db, &web](Request& r) {
         const Principal& p = r.user();
         auto form = r.form();
         std::string title = field(form, "title"), event_date = field(form, "event_date"),
                     from = field(form, "sales_from"), until = field(form, "sales_until");
         int64_t class_id = 0;
         try {
           class_id = std::stoll(field(form, "class_id"));
         } catch (const std::exception&) {
         }
         if (title.empty() || title.size() > 200) {
           throw Error::invalid("photos.invalid_title", "give the album a title (up to 200 bytes)");
         }
         if (!isDate(event_date) || !isDate(from) || !isDate(until) || until < from) {
           throw Error::invalid("photos.invalid_dates",
                                "dates are YYYY-MM-DD and the sales period must not end before it "
                                "starts");
         }
         int64_t id = db.transaction([&](db::Tx& tx) {
           auto c = tx.queryOne("SELECT facility_id FROM classes WHERE id = ? AND municipality_id = ?",
                                {class_id, p.municipality_id});
           if (!c || !tenancy::canSeeFacility(tx, p, c->getInt("facility_id"))) {
             throw Error::notFound("photos.class_not_found", "no such class");
           }
           int64_t album_id =
               tx.execute("INSERT INTO photo_albums (municipality_id, facility_id, class_id, title, "
                          "event_date, sales_from, sales_until, created_by_user_id, created_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          {p.municipality_id, c->getInt("facility_id"), class_id, title, event_date,
                           from, until, p.user_id, svc->now()})
                   .last_insert_id;
           svc->ctx().audit().record(tx, {.municipality_id = p.municipality_id,
                                          .actor_user_id = p.user_id,
                                          .actor_role = p.role,
                                          .action = "photos.album_created",
                                          .target_type = "photo_album",
                                          .target_id = std::to_string(album_id),
                                          .details = {{"class_id", class_id}},
                                          .request_id = r.request_id});
           return album_id;
         });
         if (wantsJson(r)) return Response::json({{"id", id}}, 201);
         return Response::redirect("/web/photos/albums/" + std::to_string(id));
       }});

  addRoute(ctx, 
      {"GET", "/web/photos/albums/{album_id}", "photos.manage", [svc, &db, &web](Request& r) {
         const Principal& p = r.user();
         auto conn = db.acquire();
         Album a = svc->staffAlbum(*conn, p, r.idParam("album_id"));
         nlohmann::json photos = nlohmann::json::array();
         int64_t ready = 0, processing = 0, withheld = 0;
         for (const auto& row : conn->query(
                  std::string("SELECT p.id, p.original_name, p.status, p.error_code, p.width, "
                              "p.height, (CASE WHEN ") +
                      PhotoService::allowedCondition() +
                      " THEN 0 ELSE 1 END) AS withheld, (SELECT COUNT(*) FROM photo_tags t WHERE "
                      "t.photo_id = p.id) AS tags FROM photos p WHERE p.album_id = ? AND p.status "
                      "<> 'deleted' ORDER BY p.id",
                  {a.id})) {
           std::string status = row.getText("status");
           bool w = row.getBool("withheld");
           ready += status == "ready";
           processing += status == "processing";
           withheld += w;
           photos.push_back({{"id", row.getInt("id")},
                             {"name", row.getText("original_name")},
                             {"status", status},
                             {"status_label", statusLabel(web.i18n(), r.language, status)},
                             {"ready", status == "ready"},
                             {"withheld", w},
                             {"tags", row.getInt("tags")},
                             {"size", std::to_string(row.getInt("width")) + "×" +
                                          std::to_string(row.getInt("height"))}});
         }
         nlohmann::json batch = nullptr;
         if (a.print_batch_id) {
           auto b = conn->queryOne("SELECT * FROM photo_print_batches WHERE id = ?",
                                   {*a.print_batch_id});
           if (b) {
             batch = {{"id", b->getInt("id")},
                      {"orders", b->getInt("orders")},
                      {"prints", b->getInt("prints")},
                      {"created_at", b->getText("created_at")}};
           }
         }
         return web.page(r, "photos/album",
                         {{"album", a.toJson()},
                          {"photos", photos},
                          {"ready", ready},
                          {"processing", processing},
                          {"withheld", withheld},
                          {"batch", batch},
                          {"can_batch", !a.print_batch_id && !a.photos_deleted},
                          {"max_upload_mb", svc->settings().max_upload_bytes / (1024 * 1024)}},
                         "photos.album.title");
       }});

  addRoute(ctx, {"POST", "/web/photos/albums/{album_id}/photos", "photos.manage",
                [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  Album a;
                  {
                    auto conn = db.acquire();
                    a = svc->staffAlbum(*conn, p, r.idParam("album_id"));
                  }
                  auto body = parseMultipart(r.header("content-type"), r.body);
                  auto result = svc->ingest(p, a, body.files, r.request_id);
                  if (wantsJson(r)) return Response::json(result);
                  return Response::redirect("/web/photos/albums/" + std::to_string(a.id));
                },
                "", svc->settings().max_upload_bytes});

  // Tagging: every photo of the album with the class's children as toggles; one save for all.
  addRoute(ctx, 
      {"GET", "/web/photos/albums/{album_id}/tags", "photos.manage", [svc, &db, &web](Request& r) {
         const Principal& p = r.user();
         auto conn = db.acquire();
         Album a = svc->staffAlbum(*conn, p, r.idParam("album_id"));
         std::string d = svc->today();
         auto kids = conn->query(
             "SELECT c.id, c.family_name, c.given_name FROM enrolments e JOIN children c ON "
             "c.id = e.child_id WHERE e.class_id = ? AND e.municipality_id = ? AND e.starts_on <= "
             "? AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY c.family_name_kana, "
             "c.given_name_kana, c.id",
             {a.class_id, p.municipality_id, d, d});
         std::map<int64_t, std::set<int64_t>> tagged;
         for (const auto& t : conn->query(
                  "SELECT t.photo_id, t.child_id FROM photo_tags t JOIN photos p ON p.id = "
                  "t.photo_id WHERE p.album_id = ?",
                  {a.id})) {
           tagged[t.getInt("photo_id")].insert(t.getInt("child_id"));
         }
         nlohmann::json photos = nlohmann::json::array();
         for (const auto& row : conn->query(
                  std::string("SELECT p.id, (CASE WHEN ") + PhotoService::allowedCondition() +
                      " THEN 0 ELSE 1 END) AS withheld FROM photos p WHERE p.album_id = ? AND "
                      "p.status = 'ready' ORDER BY p.id",
                  {a.id})) {
           int64_t id = row.getInt("id");
           nlohmann::json children = nlohmann::json::array();
           for (const auto& k : kids) {
             children.push_back({{"id", k.getInt("id")},
                                 {"name", k.getText("family_name") + " " + k.getText("given_name")},
                                 {"value", std::to_string(id) + ":" + std::to_string(k.getInt("id"))},
                                 {"checked", tagged[id].count(k.getInt("id")) > 0}});
           }
           photos.push_back({{"id", id}, {"withheld", row.getBool("withheld")}, {"children", children}});
         }
         db.transaction([&](db::Tx& tx) {
           svc->ctx().audit().record(tx, {.municipality_id = p.municipality_id,
                                          .actor_user_id = p.user_id,
                                          .actor_role = p.role,
                                          .action = "photos.class_children_read",
                                          .target_type = "class",
                                          .target_id = std::to_string(a.class_id),
                                          .details = {{"album_id", a.id},
                                                      {"children", kids.size()}},
                                          .request_id = r.request_id});
         });
         return web.page(r, "photos/tags", {{"album", a.toJson()}, {"photos", photos}},
                         "photos.tags.title");
       }});

  addRoute(ctx, 
      {"POST", "/web/photos/albums/{album_id}/tags", "photos.manage", [svc, &db](Request& r) {
         const Principal& p = r.user();
         auto form = r.form();
         Album a;
         std::set<int64_t> class_children;
         {
           auto conn = db.acquire();
           a = svc->staffAlbum(*conn, p, r.idParam("album_id"));
           std::string d = svc->today();
           for (const auto& k : conn->query(
                    "SELECT child_id FROM enrolments WHERE class_id = ? AND municipality_id = ? AND "
                    "starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?)",
                    {a.class_id, p.municipality_id, d, d})) {
             class_children.insert(k.getInt("child_id"));
           }
         }
         // "photo" lists the photos on the page; "tag" = "<photo>:<child>" for each ticked box.
         std::map<int64_t, std::set<int64_t>> wanted;
         for (auto [it, end] = form.equal_range("photo"); it != end; ++it) {
           try {
             wanted[std::stoll(it->second)];
           } catch (const std::exception&) {
             throw Error::badRequest("photos.invalid_tag", "bad photo id");
           }
         }
         for (auto [it, end] = form.equal_range("tag"); it != end; ++it) {
           auto colon = it->second.find(':');
           try {
             int64_t photo = std::stoll(it->second.substr(0, colon));
             int64_t child = std::stoll(it->second.substr(colon + 1));
             if (!wanted.count(photo) || !class_children.count(child)) {
               throw Error::invalid("photos.invalid_tag", "a tag names a photo or child "
                                                         "outside this album's class");
             }
             wanted[photo].insert(child);
           } catch (const std::invalid_argument&) {
             throw Error::badRequest("photos.invalid_tag", "bad tag");
           } catch (const std::out_of_range&) {
             throw Error::badRequest("photos.invalid_tag", "bad tag");
           }
         }
         int withheld = 0;
         db.transaction([&](db::Tx& tx) {
           withheld = 0;
           for (const auto& [photo, children] : wanted) {
             auto own = tx.queryOne("SELECT id FROM photos WHERE id = ? AND album_id = ?",
                                    {photo, a.id});
             if (!own) throw Error::notFound("photos.photo_not_found", "no such photo");
             std::set<int64_t> existing;
             for (const auto& t : tx.query("SELECT child_id FROM photo_tags WHERE photo_id = ?",
                                           {photo})) {
               existing.insert(t.getInt("child_id"));
             }
             for (int64_t c : existing) {
               if (!children.count(c)) {
                 tx.execute("DELETE FROM photo_tags WHERE photo_id = ? AND child_id = ?",
                            {photo, c});
               }
             }
             for (int64_t c : children) {
               if (!existing.count(c)) {
                 tx.execute("INSERT INTO photo_tags (municipality_id, photo_id, child_id, "
                            "tagged_by_user_id, tagged_at) VALUES (?, ?, ?, ?, ?)",
                            {p.municipality_id, photo, c, p.user_id, svc->now()});
               }
             }
             withheld += svc->reconsider(tx, p.municipality_id, photo, p.user_id, p.role,
                                         r.request_id);
           }
         });
         if (wantsJson(r)) {
           return Response::json({{"photos", wanted.size()}, {"withheld", withheld}});
         }
         return Response::redirect("/web/photos/albums/" + std::to_string(a.id) + "/tags");
       }});

  addRoute(ctx, {"GET", "/web/photos/photos/{photo_id}/thumb", "photos.manage",
                [svc, &db, &blobs](Request& r) {
                  auto conn = db.acquire();
                  Photo ph = svc->photo(*conn, r.user().municipality_id, r.idParam("photo_id"));
                  svc->staffAlbum(*conn, r.user(), ph.album_id);
                  auto bytes = ph.thumb_key ? blobs.get(*ph.thumb_key) : std::nullopt;
                  if (!bytes) throw Error::notFound("photos.photo_not_found", "no thumbnail yet");
                  Response res = Response::text(std::move(*bytes), "image/jpeg");
                  res.headers["Cache-Control"] = "private, max-age=86400";
                  return res;
                }});

  addRoute(ctx, {"POST", "/web/photos/albums/{album_id}/print-batch", "photos.manage",
                [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  Album a;
                  {
                    auto conn = db.acquire();
                    a = svc->staffAlbum(*conn, p, r.idParam("album_id"));
                  }
                  auto batch =
                      svc->makePrintBatch(p.municipality_id, a.id, p.user_id, p.role, r.request_id);
                  if (wantsJson(r)) return Response::json(batch, 201);
                  return Response::redirect("/web/photos/albums/" + std::to_string(a.id));
                }});

  for (const char* part : {"orders.csv", "originals.zip"}) {
    std::string name = part;
    addRoute(ctx, 
        {"GET", "/web/photos/batches/{batch_id}/" + name, "photos.manage",
         [svc, &db, &blobs, name](Request& r) {
           const Principal& p = r.user();
           auto conn = db.acquire();
           auto b = conn->queryOne(
               "SELECT * FROM photo_print_batches WHERE id = ? AND municipality_id = ?",
               {r.idParam("batch_id"), p.municipality_id});
           if (!b) throw Error::notFound("photos.batch_not_found", "no such batch");
           svc->staffAlbum(*conn, p, b->getInt("album_id"));
           bool csv = name == "orders.csv";
           auto bytes = blobs.get(b->getText(csv ? "csv_key" : "zip_key"));
           if (!bytes) throw Error::notFound("photos.batch_not_found", "the batch files are gone");
           db.transaction([&](db::Tx& tx) {
             svc->ctx().audit().record(tx, {.municipality_id = p.municipality_id,
                                            .actor_user_id = p.user_id,
                                            .actor_role = p.role,
                                            .action = "photos.print_batch_downloaded",
                                            .target_type = "photo_print_batch",
                                            .target_id = std::to_string(b->getInt("id")),
                                            .details = {{"file", name}},
                                            .request_id = r.request_id});
           });
           Response res = Response::text(std::move(*bytes),
                                         csv ? "text/csv; charset=utf-8" : "application/zip");
           res.headers["Content-Disposition"] =
               "attachment; filename=\"album-" + std::to_string(b->getInt("album_id")) + "-" +
               name + "\"";
           return res;
         }});
  }

  addRoute(ctx, {"GET", "/web/photos/orders", "photos.orders", [svc, &db, &web](Request& r) {
                  const Principal& p = r.user();
                  auto conn = db.acquire();
                  nlohmann::json orders = nlohmann::json::array();
                  for (int64_t f : tenancy::visibleFacilities(*conn, p, svc->today())) {
                    for (const auto& o : conn->query(
                             "SELECT DISTINCT o.id, o.status, o.total_yen, o.created_at, h.name "
                             "AS household FROM photo_orders o JOIN photo_order_items i ON "
                             "i.order_id = o.id JOIN photo_albums a ON a.id = i.album_id JOIN "
                             "households h ON h.id = o.household_id WHERE o.municipality_id = ? "
                             "AND a.facility_id = ? ORDER BY o.id DESC LIMIT 200",
                             {p.municipality_id, f})) {
                      std::string status = o.getText("status");
                      orders.push_back(
                          {{"id", o.getInt("id")},
                           {"status", status},
                           {"status_label", statusLabel(web.i18n(), r.language, status)},
                           {"total", yen(o.getInt("total_yen"))},
                           {"created_at", o.getText("created_at")},
                           {"household", o.getText("household")},
                           {"refundable", (status == "paid" || status == "fulfilled") &&
                                              p.has("photos.refund")}});
                    }
                  }
                  return web.page(r, "photos/orders",
                                  {{"orders", orders}, {"has_orders", !orders.empty()}},
                                  "photos.orders.title");
                }});

  addRoute(ctx, {"POST", "/web/photos/orders/{order_id}/refund", "photos.refund",
                [svc](Request& r) {
                  svc->refundOrder(r.user(), r.idParam("order_id"), r.request_id);
                  if (wantsJson(r)) return Response::json({{"status", "refund_requested"}});
                  return Response::redirect("/web/photos/orders");
                }});

  addRoute(ctx, {"GET", "/web/photos/reports", "photos.report", [svc, &db, &web](Request& r) {
                  const Principal& p = r.user();
                  auto conn = db.acquire();
                  auto rows = svc->salesReport(*conn, p.municipality_id,
                                               tenancy::visibleFacilities(*conn, p, svc->today()));
                  int64_t total = 0;
                  for (auto& row : rows) {
                    total += row["revenue_yen"].get<int64_t>();
                    row["revenue"] = yen(row["revenue_yen"]);
                    row["refunded"] = yen(row["refunded_yen"]);
                  }
                  if (wantsJson(r)) return Response::json({{"rows", rows}, {"total_yen", total}});
                  return web.page(r, "photos/report",
                                  {{"rows", rows}, {"has_rows", !rows.empty()}, {"total", yen(total)}},
                                  "photos.report.title");
                }});
}

}  // namespace sukusuku::photos
