#include "payment_service.h"

#include <algorithm>

#include <Poco/Logger.h>

#include "protocol.h"
#include "sukusuku/error.h"
#include "sukusuku/runtime.h"

namespace sukusuku::payments {

namespace {

constexpr const char* kColumns =
    "id, municipality_id, provider, provider_payment_id, reference, amount_yen, refunded_yen, "
    "method, status, checkout_url";

Payment fromRow(const db::Row& r) {
  Payment p;
  p.id = r.getInt("id");
  p.provider = r.getText("provider");
  p.provider_payment_id = r.getText("provider_payment_id");
  p.reference = r.getText("reference");
  p.amount_yen = r.getInt("amount_yen");
  p.refunded_yen = r.getInt("refunded_yen");
  p.method = r.getText("method");
  p.status = r.getText("status");
  p.checkout_url = r.getText("checkout_url");
  return p;
}

Error unavailable(const std::string& why) {
  return Error(502, "payments.provider_unavailable",
               "the payment provider cannot be reached; try again later", {{"reason", why}});
}

// A provider answer: 2xx JSON, or the right Error.
nlohmann::json expectJson(const HttpReply& reply) {
  if (reply.status == 0) throw unavailable(reply.error);
  if (reply.status >= 500) throw unavailable("HTTP " + std::to_string(reply.status));
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.status >= 400) {
    std::string code = json.is_object() && json.contains("error") && json["error"].is_object()
                           ? json["error"].value("code", "")
                           : "";
    throw Error::invalid("payments.provider_refused", "the payment provider refused the request",
                         {{"status", reply.status}, {"provider_code", code}});
  }
  if (!json.is_object()) throw unavailable("the provider's answer is not JSON");
  return json;
}

}  // namespace

PaymentService::PaymentService(Runtime& rt) : rt_(rt) {}

std::vector<std::string> PaymentService::methods() const {
  return rt_.config().getList("payments.methods");
}

std::string PaymentService::provider() const { return rt_.config().getString("payments.provider"); }

std::string PaymentService::publicUrl() const {
  std::string url = rt_.config().getString("payments.public_url");
  if (url.empty()) url = "http://127.0.0.1:" + rt_.config().getString("http.port");
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string PaymentService::endpoint() const {
  std::string url = rt_.config().getString("payments.endpoint");
  if (url.empty()) url = publicUrl() + "/api/v1/payments/sandbox";
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string PaymentService::webhookSecret() const {
  return rt_.config().getString("payments.webhook_secret");
}

Payment PaymentService::create(const PaymentRequest& request) {
  if (request.amount_yen <= 0 || request.amount_yen > 10'000'000) {
    throw Error::invalid("payments.invalid_request", "the amount must be between 1 and 10,000,000 yen",
                         {{"field", "amount_yen"}});
  }
  auto allowed = methods();
  if (std::find(allowed.begin(), allowed.end(), request.method) == allowed.end()) {
    throw Error::invalid("payments.invalid_request", "this payment method is not offered",
                         {{"field", "method"}, {"allowed", allowed}});
  }
  if (request.reference.empty() || request.reference.size() > 200) {
    throw Error::invalid("payments.invalid_request", "a reference is required",
                         {{"field", "reference"}});
  }
  auto& db = rt_.database();
  {
    auto conn = db.acquire();
    auto existing = conn->queryOne(std::string("SELECT ") + kColumns +
                                       " FROM payments WHERE reference = ?",
                                   {request.reference});
    if (existing) {
      Payment p = fromRow(*existing);
      if (p.amount_yen != request.amount_yen || p.method != request.method) {
        throw Error::conflict("payments.duplicate_reference",
                              "a different payment already uses this reference");
      }
      return p;  // a retry of the same attempt
    }
  }
  std::string name = provider();
  nlohmann::json body = {{"amount", request.amount_yen},
                         {"currency", "JPY"},
                         {"method", request.method},
                         {"reference", request.reference},
                         {"description", request.description},
                         {"return_url", request.return_url},
                         {"webhook_url", publicUrl() + "/api/v1/payments/webhook/" + name}};
  auto json = expectJson(postJson(endpoint() + "/v1/payments", body.dump(),
                                  {{kKeyHeader, rt_.config().getString("payments.api_key")}},
                                  static_cast<long>(rt_.config().getInt("payments.timeout_ms"))));
  if (!json.contains("id") || !json["id"].is_string() || !json.contains("checkout_url") ||
      !json["checkout_url"].is_string()) {
    throw unavailable("the provider's answer lacks id or checkout_url");
  }
  std::string now = formatUtc(rt_.clock().now());
  return db.transaction([&](db::Tx& tx) {
    auto res = tx.execute(
        db.dialect().insertIgnore(
            "payments", {"municipality_id", "user_id", "provider", "provider_payment_id",
                         "reference", "amount_yen", "refunded_yen", "method", "status",
                         "description", "checkout_url", "created_at", "updated_at"}),
        {request.municipality_id, request.user_id, name, json["id"].get<std::string>(),
         request.reference, request.amount_yen, 0, request.method, "pending",
         request.description.substr(0, 250), json["checkout_url"].get<std::string>(), now, now});
    (void)res;
    auto row = tx.queryOne(std::string("SELECT ") + kColumns + " FROM payments WHERE reference = ?",
                           {request.reference});
    return fromRow(*row);
  });
}

void PaymentService::refund(int64_t payment_id, int64_t amount_yen, const std::string& reason) {
  Payment p = find(payment_id);
  if (p.status != "succeeded" && p.status != "partially_refunded") {
    throw Error::conflict("payments.not_refundable", "only a paid payment can be refunded",
                          {{"status", p.status}});
  }
  if (amount_yen <= 0 || amount_yen > p.amount_yen - p.refunded_yen) {
    throw Error::invalid("payments.invalid_request", "the refund amount is not available",
                         {{"field", "amount_yen"},
                          {"refundable_yen", p.amount_yen - p.refunded_yen}});
  }
  nlohmann::json body = {{"amount", amount_yen}, {"reason", reason}};
  expectJson(postJson(endpoint() + "/v1/payments/" + p.provider_payment_id + "/refunds",
                      body.dump(), {{kKeyHeader, rt_.config().getString("payments.api_key")}},
                      static_cast<long>(rt_.config().getInt("payments.timeout_ms"))));
}

Payment PaymentService::find(int64_t payment_id) {
  auto conn = rt_.database().acquire();
  auto row = conn->queryOne(std::string("SELECT ") + kColumns + " FROM payments WHERE id = ?",
                            {payment_id});
  if (!row) throw Error::notFound("payments.not_found", "no such payment");
  return fromRow(*row);
}

Payment PaymentService::findByReference(const std::string& reference) {
  auto conn = rt_.database().acquire();
  auto row = conn->queryOne(
      std::string("SELECT ") + kColumns + " FROM payments WHERE reference = ?", {reference});
  if (!row) throw Error::notFound("payments.not_found", "no such payment");
  return fromRow(*row);
}

nlohmann::json PaymentService::receiveWebhook(const std::string& name, const std::string& signature,
                                              const std::string& body) {
  if (name != provider()) {
    throw Error::notFound("payments.unknown_provider", "no such payment provider");
  }
  verifySignature(signature, body, webhookSecret(), rt_.clock().nowSeconds(),
                  rt_.config().getInt("payments.webhook_tolerance_seconds"));
  auto event = nlohmann::json::parse(body, nullptr, false);
  auto invalid = [](const std::string& why) {
    return Error::badRequest("payments.invalid_event", "the webhook event is malformed: " + why);
  };
  if (!event.is_object()) throw invalid("not a JSON object");
  if (!event.contains("id") || !event["id"].is_string() || event["id"].get<std::string>().empty() ||
      event["id"].get<std::string>().size() > 200) {
    throw invalid("id");
  }
  std::string type = event.value("type", "");
  if (type != "payment.succeeded" && type != "payment.failed" && type != "payment.refunded") {
    throw invalid("type");
  }
  if (!event.contains("data") || !event["data"].is_object() ||
      !event["data"].contains("payment") || !event["data"]["payment"].is_string()) {
    throw invalid("data.payment");
  }
  const auto& data = event["data"];
  std::string event_id = event["id"];
  std::string provider_payment_id = data["payment"];
  auto& db = rt_.database();
  std::string now = formatUtc(rt_.clock().now());
  return db.transaction([&](db::Tx& tx) -> nlohmann::json {
    auto row = tx.queryOne(std::string("SELECT ") + kColumns +
                               " FROM payments WHERE provider = ? AND provider_payment_id = ?" +
                               std::string(db.dialect().forUpdate()),
                           {name, provider_payment_id});
    if (!row) throw Error::notFound("payments.unknown_payment", "no such payment");
    Payment p = fromRow(*row);
    int64_t municipality = row->getInt("municipality_id");
    auto claimed = tx.execute(
        db.dialect().insertIgnore("payment_events", {"provider", "event_id", "event_type",
                                                     "payment_id", "received_at"}),
        {name, event_id, type, p.id, now});
    if (claimed.affected_rows == 0) return {{"status", "duplicate"}};

    std::string status = p.status;
    int64_t refunded = p.refunded_yen;
    int64_t refund_delta = 0;
    if (type == "payment.succeeded") {
      if (data.value("amount", int64_t{-1}) != p.amount_yen) {
        throw Error::invalid("payments.amount_mismatch",
                             "the event's amount differs from the payment's");
      }
      if (p.status == "pending" || p.status == "failed") status = "succeeded";
    } else if (type == "payment.failed") {
      if (p.status == "pending") status = "failed";
    } else {
      int64_t total = data.value("refunded_amount", int64_t{0});
      if (total <= 0 || total > p.amount_yen) {
        throw Error::invalid("payments.amount_mismatch", "the refunded amount is out of range");
      }
      if (total > p.refunded_yen && p.status != "pending" && p.status != "failed") {
        refund_delta = total - p.refunded_yen;
        refunded = total;
        status = total >= p.amount_yen ? "refunded" : "partially_refunded";
      }
    }
    if (status == p.status && refunded == p.refunded_yen) return {{"status", "unchanged"}};

    tx.execute("UPDATE payments SET status = ?, refunded_yen = ?, updated_at = ? WHERE id = ?",
               {status, refunded, now, p.id});
    nlohmann::json payload = {{"payment_id", p.id},
                              {"provider", name},
                              {"provider_payment_id", p.provider_payment_id},
                              {"reference", p.reference},
                              {"amount_yen", p.amount_yen},
                              {"method", p.method}};
    if (type == "payment.refunded") {
      payload["refunded_yen"] = refunded;
      payload["refund_yen"] = refund_delta;
    }
    rt_.audit().record(tx, {.municipality_id = municipality,
                            .actor_user_id = 0,
                            .actor_role = "system",
                            .action = type,
                            .target_type = "payment",
                            .target_id = std::to_string(p.id),
                            .details = {{"event_id", event_id},
                                        {"status", status},
                                        {"reference", p.reference},
                                        {"refunded_yen", refunded}},
                            .request_id = ""});
    rt_.events().publish(tx, {type, municipality, payload});
    return {{"status", "applied"}};
  });
}

}  // namespace sukusuku::payments
