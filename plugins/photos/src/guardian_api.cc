// The guardian API under /api/v1/photos: albums of their children's classes, the photos they may
// see (paged, cached thumbnails and watermarked previews), the cart, orders and signed downloads.
#include <sukusuku/api.h>
#include <sukusuku/error.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

// An image answer that the phone keeps: the content never changes under one URL, so the ETag is
// the rendition's content hash and a revalidation costs one 304.
Response imageResponse(const Request& r, const std::string& etag, const std::string& bytes,
                       const std::string& type) {
  std::string quoted = "\"" + etag + "\"";
  Response res;
  res.headers["ETag"] = quoted;
  res.headers["Cache-Control"] = "private, max-age=86400";
  if (r.header("if-none-match") == quoted) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  res.content_type = type;
  res.body = bytes;
  return res;
}

std::string bodyString(const nlohmann::json& body, const char* key, const std::string& fallback) {
  if (!body.contains(key)) return fallback;
  if (!body[key].is_string()) {
    throw Error::invalid("photos.invalid_field", std::string(key) + " must be a string",
                         {{"field", key}});
  }
  return body[key];
}

}  // namespace

void addGuardianApi(PluginContext& ctx, std::shared_ptr<PhotoService> svc) {
  auto& db = ctx.database();
  auto& blobs = ctx.blobs();

  ctx.addRoute({"GET", "/api/v1/photos/albums", "photos.browse", [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  auto conn = db.acquire();
                  auto classes = svc->guardianClassIds(*conn, p);
                  std::string d = svc->today();
                  nlohmann::json items = nlohmann::json::array();
                  for (int64_t c : classes) {
                    for (const auto& row : conn->query(
                             std::string("SELECT a.id, a.title, a.event_date, a.sales_from, "
                                         "a.sales_until, a.facility_id, a.class_id, "
                                         "(SELECT COUNT(*) FROM photos p WHERE p.album_id = a.id "
                                         "AND p.status = 'ready' AND ") +
                                 PhotoService::allowedCondition() +
                                 ") AS photo_count FROM photo_albums a WHERE a.municipality_id = "
                                 "? AND a.class_id = ? AND a.sales_from <= ? AND a.sales_until "
                                 ">= ? AND a.photos_deleted_at IS NULL ORDER BY a.event_date DESC",
                             {p.municipality_id, c, d, d})) {
                      items.push_back({{"id", row.getInt("id")},
                                       {"title", row.getText("title")},
                                       {"event_date", row.getText("event_date")},
                                       {"sales_from", row.getText("sales_from")},
                                       {"sales_until", row.getText("sales_until")},
                                       {"class_id", row.getInt("class_id")},
                                       {"photo_count", row.getInt("photo_count")}});
                    }
                  }
                  return Response::json({{"items", items}});
                }});

  ctx.addRoute(
      {"GET", "/api/v1/photos/albums/{album_id}/photos", "photos.browse", [svc, &db](Request& r) {
         const Principal& p = r.user();
         auto page = api::pageRequest(r);
         auto conn = db.acquire();
         Album a = svc->guardianAlbum(*conn, p, r.idParam("album_id"));
         nlohmann::json items = nlohmann::json::array();
         int64_t last = 0;
         for (const auto& row : conn->query(
                  std::string("SELECT p.id, p.width, p.height FROM photos p WHERE p.album_id = ? "
                              "AND p.status = 'ready' AND p.id > ? AND ") +
                      PhotoService::allowedCondition() + " ORDER BY p.id LIMIT ?",
                  {a.id, page.after_id, page.limit})) {
           std::string base = "/api/v1/photos/photos/" + std::to_string(row.getInt("id"));
           last = row.getInt("id");
           items.push_back({{"id", last},
                            {"width", row.getInt("width")},
                            {"height", row.getInt("height")},
                            {"thumb_url", base + "/thumb"},
                            {"preview_url", base + "/preview"}});
         }
         nlohmann::json out = api::page(items, page, last);
         out["album"] = a.toJson();
         out["on_sale"] = a.onSale(svc->today());
         return Response::json(out);
       }});

  for (const char* kind : {"thumb", "preview"}) {
    std::string k = kind;
    ctx.addRoute({"GET", "/api/v1/photos/photos/{photo_id}/" + k, "photos.browse",
                  [svc, &db, &blobs, k](Request& r) {
                    auto conn = db.acquire();
                    Photo ph = svc->guardianPhoto(*conn, r.user(), r.idParam("photo_id"));
                    const auto& key = k == "thumb" ? ph.thumb_key : ph.preview_key;
                    auto bytes = key ? blobs.get(*key) : std::nullopt;
                    if (!bytes) throw Error::notFound("photos.photo_not_found", "no such photo");
                    return imageResponse(r, ph.content_hash.substr(0, 32) + "-" + k, *bytes,
                                         "image/jpeg");
                  }});
  }

  ctx.addRoute({"GET", "/api/v1/photos/cart", "photos.browse", [svc, &db](Request& r) {
                  auto conn = db.acquire();
                  return Response::json(svc->cart(*conn, r.user()));
                }});

  ctx.addRoute({"POST", "/api/v1/photos/cart/items", "photos.browse", [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  auto body = r.json();
                  if (!body.is_object() || !body.contains("photo_id") ||
                      !body["photo_id"].is_number_integer()) {
                    throw Error::invalid("photos.invalid_field", "photo_id is required",
                                         {{"field", "photo_id"}});
                  }
                  std::string product = bodyString(body, "product", "digital");
                  if (!svc->settings().prices.count(product)) {
                    nlohmann::json allowed = nlohmann::json::array();
                    for (const auto& [name, _] : svc->settings().prices) allowed.push_back(name);
                    throw Error::invalid("photos.unknown_product", "no such print size or product",
                                         {{"field", "product"}, {"allowed", allowed}});
                  }
                  int64_t quantity = body.value("quantity", int64_t{1});
                  if (product == "digital") quantity = 1;
                  if (quantity < 1 || quantity > 20) {
                    throw Error::invalid("photos.invalid_quantity", "quantity must be 1 to 20",
                                         {{"field", "quantity"}});
                  }
                  int64_t photo_id = body["photo_id"];
                  db.transaction([&](db::Tx& tx) {
                    Photo ph = svc->guardianPhoto(tx, p, photo_id);
                    Album a = svc->album(tx, p.municipality_id, ph.album_id);
                    if (!a.onSale(svc->today())) {
                      throw Error::conflict("photos.not_on_sale", "this album is not on sale now");
                    }
                    tx.execute(tx.dialect().upsert("photo_cart_items",
                                                   {"municipality_id", "user_id", "household_id",
                                                    "photo_id", "product", "quantity",
                                                    "created_at"},
                                                   {"user_id", "photo_id", "product"},
                                                   {"quantity"}),
                               {p.municipality_id, p.user_id, p.household_id, photo_id, product,
                                quantity, svc->now()});
                  });
                  auto conn = db.acquire();
                  return Response::json(svc->cart(*conn, p), 201);
                }});

  ctx.addRoute({"DELETE", "/api/v1/photos/cart/items/{item_id}", "photos.browse",
                [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  auto conn = db.acquire();
                  auto res = conn->execute(
                      "DELETE FROM photo_cart_items WHERE id = ? AND user_id = ?",
                      {r.idParam("item_id"), p.user_id});
                  if (res.affected_rows == 0) {
                    throw Error::notFound("photos.cart_item_not_found", "no such cart item");
                  }
                  return Response::json(svc->cart(*conn, p));
                }});

  ctx.addRoute({"POST", "/api/v1/photos/orders", "photos.browse", [svc](Request& r) {
                  auto body = r.json();
                  if (!body.is_object()) body = nlohmann::json::object();
                  std::string method = bodyString(body, "method", "card");
                  std::string ret = bodyString(body, "return_url", "");
                  return Response::json(svc->placeOrder(r.user(), method, ret), 201);
                }});

  ctx.addRoute({"GET", "/api/v1/photos/orders", "photos.browse", [svc, &db](Request& r) {
                  const Principal& p = r.user();
                  auto page = api::pageRequest(r);
                  auto conn = db.acquire();
                  nlohmann::json items = nlohmann::json::array();
                  int64_t last = 0;
                  // Newest first would break id cursors; the app reverses if it wants.
                  for (const auto& row : conn->query(
                           "SELECT id FROM photo_orders WHERE municipality_id = ? AND "
                           "household_id = ? AND id > ? ORDER BY id LIMIT ?",
                           {p.municipality_id, p.household_id, page.after_id, page.limit})) {
                    last = row.getInt("id");
                    items.push_back(svc->order(*conn, last, false));
                  }
                  return Response::json(api::page(items, page, last));
                }});

  auto ownOrder = [&db](const Principal& p, int64_t id) {
    auto conn = db.acquire();
    auto row = conn->queryOne(
        "SELECT id FROM photo_orders WHERE id = ? AND municipality_id = ? AND household_id = ?",
        {id, p.municipality_id, p.household_id});
    if (!row) throw Error::notFound("photos.order_not_found", "no such order");
  };

  ctx.addRoute({"GET", "/api/v1/photos/orders/{order_id}", "photos.browse",
                [svc, &db, ownOrder](Request& r) {
                  int64_t id = r.idParam("order_id");
                  ownOrder(r.user(), id);
                  auto conn = db.acquire();
                  Response res = Response::json(svc->order(*conn, id, true));
                  // Download links expire: never serve a stale copy.
                  res.headers["Cache-Control"] = "no-store";
                  return res;
                }});

  ctx.addRoute({"POST", "/api/v1/photos/orders/{order_id}/cancel", "photos.browse",
                [svc, &db, ownOrder](Request& r) {
                  const Principal& p = r.user();
                  int64_t id = r.idParam("order_id");
                  ownOrder(p, id);
                  db.transaction([&](db::Tx& tx) {
                    auto o = tx.queryOne("SELECT status FROM photo_orders WHERE id = ?" +
                                             std::string(tx.dialect().forUpdate()),
                                         {id});
                    if (o->getText("status") != "pending") {
                      throw Error::conflict("photos.not_cancellable",
                                            "only an unpaid order can be cancelled",
                                            {{"status", o->getText("status")}});
                    }
                    tx.execute("UPDATE photo_orders SET status = 'cancelled', cancelled_at = ? "
                               "WHERE id = ?",
                               {svc->now(), id});
                  });
                  auto conn = db.acquire();
                  return Response::json(svc->order(*conn, id, false));
                }});

  // Signed, expiring links: the signature is the credential, so a browser or the app's
  // download manager can fetch the original without a token.
  ctx.addRoute({"GET", "/api/v1/photos/downloads/{item_id}", kPublic,
                [svc, &db, &blobs](Request& r) {
                  int64_t item = r.idParam("item_id");
                  std::string expires_s = r.queryParam("expires").value_or("");
                  std::string sig = r.queryParam("sig").value_or("");
                  if (expires_s.empty() || expires_s.size() > 12 ||
                      expires_s.find_first_not_of("0123456789") != std::string::npos ||
                      !svc->validLink(item, std::stoll(expires_s), sig)) {
                    throw Error::forbidden("photos.invalid_link", "this download link is not valid");
                  }
                  if (std::stoll(expires_s) < svc->ctx().clock().nowSeconds()) {
                    throw Error(410, "photos.link_expired",
                                "this download link has expired; open the order again");
                  }
                  auto conn = db.acquire();
                  auto row = conn->queryOne(
                      "SELECT i.product, i.photo_id, o.status, p.status AS photo_status, "
                      "p.original_key, p.format FROM photo_order_items i JOIN photo_orders o ON "
                      "o.id = i.order_id JOIN photos p ON p.id = i.photo_id WHERE i.id = ?",
                      {item});
                  if (!row || row->getText("product") != "digital" ||
                      (row->getText("status") != "paid" && row->getText("status") != "fulfilled") ||
                      row->getText("photo_status") != "ready" ||
                      !svc->allowed(*conn, row->getInt("photo_id"))) {
                    throw Error::notFound("photos.download_not_found", "nothing to download");
                  }
                  auto bytes = blobs.get(row->getText("original_key"));
                  if (!bytes) throw Error::notFound("photos.download_not_found", "nothing to download");
                  std::string ext = row->getText("format") == "png" ? "png" : "jpg";
                  Response res = Response::text(std::move(*bytes),
                                                ext == "png" ? "image/png" : "image/jpeg");
                  res.headers["Content-Disposition"] =
                      "attachment; filename=\"photo-" + std::to_string(row->getInt("photo_id")) +
                      "." + ext + "\"";
                  res.headers["Cache-Control"] = "private, no-store";
                  return res;
                }});
}

}  // namespace sukusuku::photos
