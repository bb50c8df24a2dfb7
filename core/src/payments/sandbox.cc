#include "sandbox.h"

#include <chrono>
#include <ctime>

#include <Poco/Logger.h>

#include "payment_service.h"
#include "protocol.h"
#include "sukusuku/error.h"
#include "sukusuku/runtime.h"

namespace sukusuku::payments {

namespace {

const char* kCheckoutTemplate = R"(<section class="sandbox-checkout">
<p class="notice">{{t.payments.sandbox.notice}}</p>
<dl>
  <dt>{{t.payments.sandbox.description}}</dt><dd id="sandbox-description">{{description}}</dd>
  <dt>{{t.payments.sandbox.amount}}</dt><dd id="sandbox-amount">{{amount}}</dd>
  <dt>{{t.payments.sandbox.method}}</dt><dd>{{method}}</dd>
  <dt>{{t.payments.sandbox.status}}</dt><dd id="sandbox-status">{{status}}</dd>
</dl>
{{#pending}}<form method="post" action="/web/payments/sandbox/checkout/{{id}}">
  <input type="hidden" name="csrf_token" value="{{csrf_token}}">
  <button type="submit" name="outcome" value="pay" id="sandbox-pay">{{t.payments.sandbox.pay}}</button>
  <button type="submit" name="outcome" value="fail" id="sandbox-fail" class="secondary">{{t.payments.sandbox.fail}}</button>
</form>{{/pending}}
{{^pending}}{{#return_url}}<p><a id="sandbox-return" href="{{return_url}}">{{t.payments.sandbox.back}}</a></p>{{/return_url}}{{/pending}}
</section>
)";

nlohmann::json strings(bool ja) {
  if (ja) {
    return {{"payments",
             {{"sandbox",
               {{"title", "お支払い（サンドボックス）"},
                {"notice", "これは開発用の模擬決済です。実際の請求は行われません。"},
                {"description", "内容"},
                {"amount", "金額"},
                {"method", "支払方法"},
                {"status", "状態"},
                {"pay", "支払う"},
                {"fail", "支払わない"},
                {"back", "戻る"}}}}}};
  }
  return {{"payments",
           {{"sandbox",
             {{"title", "Payment (sandbox)"},
              {"notice", "This is a simulated payment for development. Nobody is charged."},
              {"description", "For"},
              {"amount", "Amount"},
              {"method", "Method"},
              {"status", "Status"},
              {"pay", "Pay"},
              {"fail", "Decline"},
              {"back", "Back"}}}}}};
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

bool safeReturnUrl(const std::string& url) {
  if (url.rfind("/", 0) == 0 && url.rfind("//", 0) != 0) return true;
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

nlohmann::json eventBody(const std::string& type, const db::Row& p) {
  return {{"id", randomId("evt_")},
          {"type", type},
          {"created", static_cast<int64_t>(std::time(nullptr))},
          {"data",
           {{"payment", p.getText("public_id")},
            {"amount", p.getInt("amount_yen")},
            {"refunded_amount", p.getInt("refunded_yen")},
            {"method", p.getText("method")},
            {"reference", p.getText("reference")}}}};
}

Response providerError(int status, const std::string& code, const std::string& message) {
  return Response::json({{"error", {{"code", code}, {"message", message}}}}, status);
}

}  // namespace

WebhookSender::WebhookSender() : thread_([this] { loop(); }) {}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool WebhookSender::deliverNow(const std::string& url, const std::string& secret,
                               const std::string& body) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto reply = postJson(url, body, {{kSignatureHeader, signatureHeader(secret, now, body)}}, 10000);
  if (reply.status < 200 || reply.status >= 300) {
    Poco::Logger::get("payments").warning("sandbox webhook to %s: %s", url,
                                          reply.status ? "HTTP " + std::to_string(reply.status) +
                                                             " " + reply.body
                                                       : reply.error);
    return false;
  }
  return true;
}

void WebhookSender::enqueue(std::string url, std::string secret, std::string body) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(url), std::move(secret), std::move(body), 0});
  }
  cv_.notify_all();
}

void WebhookSender::loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    bool ok = deliverNow(job.url, job.secret, job.body);
    lock.lock();
    if (!ok && ++job.attempts < 5) {
      // Back off, but wake at once for shutdown.
      cv_.wait_for(lock, std::chrono::milliseconds(200 << job.attempts),
                   [this] { return stopping_; });
      if (stopping_) return;
      queue_.push_back(std::move(job));
    }
  }
}

void addSandboxProvider(PluginContext& ctx, Runtime& rt) {
  ctx.addTemplate("sandbox_checkout", kCheckoutTemplate);
  ctx.addStrings("ja", strings(true));
  ctx.addStrings("en", strings(false));
  auto sender = std::make_shared<WebhookSender>();
  auto& db = rt.database();

  auto checkKey = [&rt](const Request& r) {
    return r.header("sukusuku-pay-key") == rt.config().getString("payments.api_key");
  };

  ctx.addRoute({"POST", "/api/v1/payments/sandbox/v1/payments", kPublic,
                [&rt, &db, checkKey](Request& r) {
                  if (!checkKey(r)) return providerError(401, "unauthorized", "bad API key");
                  auto in = nlohmann::json::parse(r.body, nullptr, false);
                  if (!in.is_object() || !in.contains("amount") ||
                      !in["amount"].is_number_integer() || in["amount"].get<int64_t>() <= 0 ||
                      in.value("currency", "") != "JPY" || !in.contains("webhook_url") ||
                      !in["webhook_url"].is_string()) {
                    return providerError(400, "invalid_request", "amount, JPY, webhook_url");
                  }
                  std::string id = randomId("pay_");
                  db.transaction([&](db::Tx& tx) {
                    tx.execute(
                        "INSERT INTO payment_sandbox_payments (public_id, amount_yen, "
                        "refunded_yen, method, reference, description, return_url, webhook_url, "
                        "status, created_at) VALUES (?, ?, 0, ?, ?, ?, ?, ?, 'pending', ?)",
                        {id, in["amount"].get<int64_t>(), in.value("method", "card"),
                         in.value("reference", ""), in.value("description", "").substr(0, 250),
                         in.value("return_url", ""), in["webhook_url"].get<std::string>(),
                         formatUtc(rt.clock().now())});
                  });
                  std::string host = r.header("host");
                  if (host.empty()) host = "127.0.0.1:" + rt.config().getString("http.port");
                  return Response::json({{"id", id},
                                         {"status", "pending"},
                                         {"checkout_url",
                                          "http://" + host + "/web/payments/sandbox/checkout/" + id}},
                                        201);
                }});

  ctx.addRoute(
      {"POST", "/api/v1/payments/sandbox/v1/payments/{id}/refunds", kPublic,
       [&rt, &db, checkKey, sender](Request& r) {
         if (!checkKey(r)) return providerError(401, "unauthorized", "bad API key");
         auto in = nlohmann::json::parse(r.body, nullptr, false);
         if (!in.is_object() || !in.contains("amount") || !in["amount"].is_number_integer()) {
           return providerError(400, "invalid_request", "amount");
         }
         int64_t amount = in["amount"];
         std::string id = r.param("id");
         std::optional<db::Row> after;
         std::string refusal;
         db.transaction([&](db::Tx& tx) {
           auto row = tx.queryOne("SELECT * FROM payment_sandbox_payments WHERE public_id = ?" +
                                      std::string(db.dialect().forUpdate()),
                                  {id});
           if (!row) {
             refusal = "not_found";
             return;
           }
           if (row->getText("status") != "succeeded" || amount <= 0 ||
               amount > row->getInt("amount_yen") - row->getInt("refunded_yen")) {
             refusal = "not_refundable";
             return;
           }
           tx.execute("UPDATE payment_sandbox_payments SET refunded_yen = refunded_yen + ? "
                      "WHERE public_id = ?",
                      {amount, id});
           after = tx.queryOne("SELECT * FROM payment_sandbox_payments WHERE public_id = ?", {id});
         });
         if (refusal == "not_found") return providerError(404, "not_found", "no such payment");
         if (!refusal.empty()) return providerError(409, refusal, "cannot refund that amount");
         sender->enqueue(after->getText("webhook_url"),
                         rt.config().getString("payments.webhook_secret"),
                         eventBody("payment.refunded", *after).dump());
         return Response::json({{"id", id}, {"refunded_amount", after->getInt("refunded_yen")}},
                               202);
       }});

  auto render = [&rt, &db](const Request& r, const std::string& id) {
    auto conn = db.acquire();
    auto row = conn->queryOne("SELECT * FROM payment_sandbox_payments WHERE public_id = ?", {id});
    if (!row) throw Error::notFound("payments.not_found", "no such payment");
    std::string status = row->getText("status");
    std::string ret = row->getText("return_url");
    return rt.web().page(r, "payments/sandbox_checkout",
                         {{"id", id},
                          {"description", row->getText("description")},
                          {"amount", yen(row->getInt("amount_yen"))},
                          {"method", row->getText("method")},
                          {"status", status},
                          {"pending", status == "pending"},
                          {"return_url", safeReturnUrl(ret) ? ret : ""}},
                         "payments.sandbox.title");
  };

  ctx.addRoute({"GET", "/web/payments/sandbox/checkout/{id}", kPublic,
                [render](Request& r) { return render(r, r.param("id")); }});

  ctx.addRoute(
      {"POST", "/web/payments/sandbox/checkout/{id}", kPublic,
       [&rt, &db, sender](Request& r) {
         std::string id = r.param("id");
         auto form = r.form();
         auto it = form.find("outcome");
         std::string outcome = it == form.end() ? "" : it->second;
         if (outcome != "pay" && outcome != "fail") {
           throw Error::badRequest("payments.invalid_outcome", "choose pay or fail");
         }
         std::optional<db::Row> settled;
         bool found = false;
         db.transaction([&](db::Tx& tx) {
           auto row = tx.queryOne("SELECT * FROM payment_sandbox_payments WHERE public_id = ?" +
                                      std::string(db.dialect().forUpdate()),
                                  {id});
           if (!row) return;
           found = true;
           if (row->getText("status") != "pending") return;  // a double click: settled already
           tx.execute("UPDATE payment_sandbox_payments SET status = ? WHERE public_id = ?",
                      {outcome == "pay" ? "succeeded" : "failed", id});
           settled = tx.queryOne("SELECT * FROM payment_sandbox_payments WHERE public_id = ?",
                                 {id});
         });
         if (!found) throw Error::notFound("payments.not_found", "no such payment");
         std::string ret = "/web/payments/sandbox/checkout/" + id;
         if (settled) {
           std::string body =
               eventBody(outcome == "pay" ? "payment.succeeded" : "payment.failed", *settled)
                   .dump();
           std::string url = settled->getText("webhook_url");
           std::string secret = rt.config().getString("payments.webhook_secret");
           if (!WebhookSender::deliverNow(url, secret, body)) sender->enqueue(url, secret, body);
           if (safeReturnUrl(settled->getText("return_url"))) ret = settled->getText("return_url");
         }
         return Response::redirect(ret);
       }});
}

}  // namespace sukusuku::payments
