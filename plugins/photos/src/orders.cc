// Cart, orders and their payment: pending -> paid -> fulfilled, cancelled, refund_requested ->
// refunded. Payment goes through the core's "payments" service; its events move the order.
#include <sukusuku/error.h>

#include "photos.h"

namespace sukusuku::photos {

namespace {

constexpr const char* kReferencePrefix = "photos.order:";

}  // namespace

nlohmann::json PhotoService::cart(db::Connection& conn, const Principal& p) {
  std::string d = today();
  auto classes = guardianClassIds(conn, p);
  nlohmann::json items = nlohmann::json::array();
  int64_t total = 0;
  for (const auto& r : conn.query(
           std::string("SELECT ci.id, ci.photo_id, ci.product, ci.quantity, p.status, "
                       "a.class_id, a.sales_from, a.sales_until, a.title, (CASE WHEN ") +
               allowedCondition() +
               " THEN 1 ELSE 0 END) AS allowed FROM photo_cart_items ci "
               "JOIN photos p ON p.id = ci.photo_id JOIN photo_albums a ON a.id = p.album_id "
               "WHERE ci.user_id = ? AND ci.municipality_id = ? ORDER BY ci.id",
           {p.user_id, p.municipality_id})) {
    bool in_class = std::find(classes.begin(), classes.end(), r.getInt("class_id")) != classes.end();
    bool available = in_class && r.getBool("allowed") && r.getText("status") == "ready" &&
                     r.getText("sales_from") <= d && d <= r.getText("sales_until");
    auto price = settings_.prices.find(r.getText("product"));
    int64_t unit = price == settings_.prices.end() ? 0 : price->second;
    int64_t line = unit * r.getInt("quantity");
    if (available) total += line;
    nlohmann::json item = {{"id", r.getInt("id")},
                           {"product", r.getText("product")},
                           {"quantity", r.getInt("quantity")},
                           {"unit_yen", unit},
                           {"line_yen", line},
                           {"available", available}};
    // A photo that may no longer be shown is not described, only flagged.
    if (available) {
      item["photo_id"] = r.getInt("photo_id");
      item["album_title"] = r.getText("title");
      item["thumb_url"] = "/api/v1/photos/photos/" + std::to_string(r.getInt("photo_id")) +
                          "/thumb";
    }
    items.push_back(item);
  }
  nlohmann::json products = nlohmann::json::array();
  for (const auto& [name, price] : settings_.prices) {
    products.push_back({{"product", name}, {"unit_yen", price}});
  }
  return {{"items", items}, {"total_yen", total}, {"products", products}};
}

nlohmann::json PhotoService::order(db::Connection& conn, int64_t order_id, bool with_links) {
  auto o = conn.queryOne("SELECT * FROM photo_orders WHERE id = ?", {order_id});
  if (!o) throw Error::notFound("photos.order_not_found", "no such order");
  std::string status = o->getText("status");
  bool downloadable = with_links && (status == "paid" || status == "fulfilled");
  int64_t expires = ctx_.clock().nowSeconds() + settings_.link_ttl_seconds;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : conn.query(
           "SELECT i.id, i.photo_id, i.album_id, i.product, i.quantity, i.unit_yen, p.status "
           "FROM photo_order_items i JOIN photos p ON p.id = i.photo_id WHERE i.order_id = ? "
           "ORDER BY i.id",
           {order_id})) {
    nlohmann::json item = {{"id", r.getInt("id")},
                           {"photo_id", r.getInt("photo_id")},
                           {"album_id", r.getInt("album_id")},
                           {"product", r.getText("product")},
                           {"quantity", r.getInt("quantity")},
                           {"unit_yen", r.getInt("unit_yen")}};
    if (downloadable && r.getText("product") == "digital" && r.getText("status") == "ready") {
      item["download_url"] = downloadPath(r.getInt("id"), expires);
      item["download_expires_at"] = formatUtc(TimePoint(std::chrono::seconds(expires)));
    }
    items.push_back(item);
  }
  nlohmann::json out = {{"id", order_id},
                        {"status", status},
                        {"total_yen", o->getInt("total_yen")},
                        {"method", o->getText("method")},
                        {"created_at", o->getText("created_at")},
                        {"items", items}};
  for (const char* k : {"paid_at", "fulfilled_at", "cancelled_at", "refunded_at"}) {
    out[k] = o->isNull(k) ? nlohmann::json(nullptr) : nlohmann::json(o->getText(k));
  }
  return out;
}

nlohmann::json PhotoService::placeOrder(const Principal& p, const std::string& method,
                                        const std::string& return_url) {
  if (!payments_) {
    throw Error(503, "photos.payments_unavailable", "online payment is not available");
  }
  int64_t order_id = 0, total = 0, count = 0;
  std::vector<int64_t> cart_ids;
  db().transaction([&](db::Tx& tx) {
    cart_ids.clear();
    total = count = 0;
    nlohmann::json c = cart(tx, p);
    std::vector<nlohmann::json> lines;
    for (const auto& item : c["items"]) {
      if (!item["available"].get<bool>()) continue;
      lines.push_back(item);
      total += item["line_yen"].get<int64_t>();
      count += item["quantity"].get<int64_t>();
    }
    if (lines.empty()) throw Error::invalid("photos.cart_empty", "the cart has nothing to order");
    order_id = tx.execute(
                     "INSERT INTO photo_orders (municipality_id, household_id, user_id, status, "
                     "total_yen, method, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                     {p.municipality_id, p.household_id, p.user_id, total, method, now()})
                   .last_insert_id;
    for (const auto& item : lines) {
      int64_t photo_id = item["photo_id"];
      int64_t album_id =
          tx.queryOne("SELECT album_id FROM photos WHERE id = ?", {photo_id})->getInt("album_id");
      tx.execute(
          "INSERT INTO photo_order_items (municipality_id, order_id, photo_id, album_id, product, "
          "quantity, unit_yen) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {p.municipality_id, order_id, photo_id, album_id, item["product"].get<std::string>(),
           item["quantity"].get<int64_t>(), item["unit_yen"].get<int64_t>()});
      cart_ids.push_back(item["id"]);
    }
  });
  payments::Payment payment;
  try {
    payment = payments_->create({.municipality_id = p.municipality_id,
                                 .user_id = p.user_id,
                                 .reference = kReferencePrefix + std::to_string(order_id),
                                 .amount_yen = total,
                                 .description = "写真 " + std::to_string(count) + "点",
                                 .method = method,
                                 .return_url = return_url});
  } catch (...) {
    db().transaction([&](db::Tx& tx) {
      tx.execute("UPDATE photo_orders SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                 {now(), order_id});
    });
    throw;
  }
  db().transaction([&](db::Tx& tx) {
    tx.execute("UPDATE photo_orders SET payment_id = ? WHERE id = ?", {payment.id, order_id});
    // The ordered lines leave the cart; anything added meanwhile stays.
    for (int64_t id : cart_ids) {
      tx.execute("DELETE FROM photo_cart_items WHERE id = ? AND user_id = ?", {id, p.user_id});
    }
    ctx_.audit().record(tx, {.municipality_id = p.municipality_id,
                             .actor_user_id = p.user_id,
                             .actor_role = p.role,
                             .action = "photos.order_placed",
                             .target_type = "photo_order",
                             .target_id = std::to_string(order_id),
                             .details = {{"total_yen", total}, {"payment_id", payment.id}},
                             .request_id = ""});
  });
  auto conn = db().acquire();
  nlohmann::json out = order(*conn, order_id, false);
  out["checkout_url"] = payment.checkout_url;
  out["payment_id"] = payment.id;
  return out;
}

void PhotoService::onPayment(const Event& e) {
  std::string reference = e.payload.value("reference", "");
  if (reference.rfind(kReferencePrefix, 0) != 0) return;
  int64_t order_id = std::stoll(reference.substr(std::string(kReferencePrefix).size()));
  db().transaction([&](db::Tx& tx) {
    auto o = tx.queryOne("SELECT status, total_yen FROM photo_orders WHERE id = ? AND "
                         "municipality_id = ?" +
                             std::string(tx.dialect().forUpdate()),
                         {order_id, e.municipality_id});
    if (!o) return;
    std::string status = o->getText("status"), next;
    if (e.type == "payment.succeeded" && (status == "pending" || status == "cancelled")) {
      // Money received for a cancelled order still buys it: the parent paid.
      tx.execute("UPDATE photo_orders SET status = 'paid', paid_at = ? WHERE id = ?",
                 {now(), order_id});
      next = "paid";
    } else if (e.type == "payment.failed" && status == "pending") {
      tx.execute("UPDATE photo_orders SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                 {now(), order_id});
      next = "cancelled";
    } else if (e.type == "payment.refunded" &&
               e.payload.value("refunded_yen", int64_t{0}) >= o->getInt("total_yen") &&
               status != "refunded") {
      tx.execute("UPDATE photo_orders SET status = 'refunded', refunded_at = ? WHERE id = ?",
                 {now(), order_id});
      next = "refunded";
    }
    if (next.empty()) return;  // already applied (events are delivered at least once)
    ctx_.audit().record(tx, {.municipality_id = e.municipality_id,
                             .actor_user_id = 0,
                             .actor_role = "system",
                             .action = "photos.order_" + next,
                             .target_type = "photo_order",
                             .target_id = std::to_string(order_id),
                             .details = {{"payment_id", e.payload.value("payment_id", int64_t{0})},
                                         {"from", status}},
                             .request_id = ""});
  });
}

void PhotoService::refundOrder(const Principal& staff, int64_t order_id,
                               const std::string& request_id) {
  int64_t payment_id = 0, total = 0;
  {
    auto conn = db().acquire();
    auto o = conn->queryOne("SELECT * FROM photo_orders WHERE id = ? AND municipality_id = ?",
                            {order_id, staff.municipality_id});
    if (!o) throw Error::notFound("photos.order_not_found", "no such order");
    // Staff may refund orders with a photo of one of their facilities.
    auto facilities = conn->query(
        "SELECT DISTINCT a.facility_id FROM photo_order_items i JOIN photo_albums a ON "
        "a.id = i.album_id WHERE i.order_id = ?",
        {order_id});
    bool visible = false;
    for (const auto& f : facilities) {
      auto& ids = staff.facility_ids;
      if (staff.role != roles::kFacilityStaff && staff.role != roles::kFacilityAdmin) visible = true;
      if (std::find(ids.begin(), ids.end(), f.getInt("facility_id")) != ids.end()) visible = true;
    }
    if (!visible) throw Error::notFound("photos.order_not_found", "no such order");
    std::string status = o->getText("status");
    if (status != "paid" && status != "fulfilled") {
      throw Error::conflict("photos.not_refundable", "only a paid order can be refunded",
                            {{"status", status}});
    }
    payment_id = o->getInt("payment_id");
    total = o->getInt("total_yen");
  }
  if (!payments_) throw Error(503, "photos.payments_unavailable", "payment is not available");
  payments_->refund(payment_id, total, "photos order " + std::to_string(order_id));
  db().transaction([&](db::Tx& tx) {
    tx.execute("UPDATE photo_orders SET status = 'refund_requested' WHERE id = ? AND status IN "
               "('paid', 'fulfilled')",
               {order_id});
    ctx_.audit().record(tx, {.municipality_id = staff.municipality_id,
                             .actor_user_id = staff.user_id,
                             .actor_role = staff.role,
                             .action = "photos.order_refund_requested",
                             .target_type = "photo_order",
                             .target_id = std::to_string(order_id),
                             .details = {{"amount_yen", total}},
                             .request_id = request_id});
  });
}

}  // namespace sukusuku::photos
