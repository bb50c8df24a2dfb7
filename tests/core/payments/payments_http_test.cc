// The payments core end to end: a payment is created through the provider protocol against the
// built-in sandbox, paid on the sandbox's checkout page, and settled by the signed webhook the
// sandbox POSTs back over HTTP. Forged, stale and replayed webhooks change nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include <sukusuku/http_server.h>
#include <sukusuku/services/payments.h>

#include "../http_client.h"
#include "../test_system.h"
#include "protocol.h"

namespace sukusuku::testing {
namespace {

const std::string kSecret = "test-webhook-secret";

class PaymentsHttpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sys_ = std::make_unique<TestSystem>(
        GetParam(), "", nullptr,
        std::vector<std::pair<std::string, std::string>>{{"http.port", "0"},
                                                         {"http.threads", "8"},
                                                         {"payments.webhook_secret", kSecret}});
    for (const char* type : {"payment.succeeded", "payment.failed", "payment.refunded"}) {
      sys_->rt->events().subscribe(type, "test", [this](const Event& e) {
        std::lock_guard lock(mu_);
        events_.push_back(e);
      });
    }
    sys_->rt->start();
    server_ = std::make_unique<HttpServer>(*sys_->rt);
    server_->start();
    payments_ = sys_->rt->services().find<payments::Payments>("payments");
    ASSERT_TRUE(payments_);
  }
  void TearDown() override {
    server_.reset();
    sys_.reset();
  }

  payments::Payment createPayment(const std::string& reference, int64_t amount = 1200) {
    return payments_->create({.municipality_id = 1,
                              .user_id = 7,
                              .reference = reference,
                              .amount_yen = amount,
                              .description = "写真 3枚",
                              .method = "card",
                              .return_url = "/web/done"});
  }
  // The checkout page's path, from the absolute checkout URL.
  std::string checkoutPath(const payments::Payment& p) {
    return p.checkout_url.substr(p.checkout_url.find("/web/"));
  }
  Reply payOnCheckout(const payments::Payment& p, const std::string& outcome = "pay") {
    return httpRequest(server_->port(), "POST", checkoutPath(p), "outcome=" + outcome,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  Reply webhook(const std::string& body, int64_t timestamp, const std::string& secret = kSecret,
                const std::string& provider = "sandbox") {
    return httpRequest(server_->port(), "POST", "/api/v1/payments/webhook/" + provider, body,
                       {{"Sukusuku-Signature", payments::signatureHeader(secret, timestamp, body)}});
  }
  std::string event(const std::string& id, const std::string& type, const payments::Payment& p,
                    int64_t refunded = 0) {
    return nlohmann::json{{"id", id},
                          {"type", type},
                          {"created", now()},
                          {"data",
                           {{"payment", p.provider_payment_id},
                            {"amount", p.amount_yen},
                            {"refunded_amount", refunded},
                            {"method", p.method},
                            {"reference", p.reference}}}}
        .dump();
  }
  int64_t now() const { return sys_->rt->clock().nowSeconds(); }
  std::vector<Event> events(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<Event> out;
    for (const auto& e : events_) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }
  // Waits (up to 10 s) for the payment to reach STATUS, for webhooks sent in the background.
  payments::Payment waitForStatus(int64_t id, const std::string& status) {
    for (int i = 0; i < 200; ++i) {
      auto p = payments_->find(id);
      if (p.status == status) return p;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return payments_->find(id);
  }

  void clearEvents() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

  void checkSandboxCheckoutPaysThroughTheSignedWebhook() {
    clearEvents();
    auto p = createPayment("test.order:1");
    EXPECT_EQ(p.status, "pending");
    EXPECT_EQ(p.provider, "sandbox");
    ASSERT_NE(p.checkout_url.find("/web/payments/sandbox/checkout/pay_"), std::string::npos);

    auto page = httpRequest(server_->port(), "GET", checkoutPath(p));
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("¥1,200"), std::string::npos);
    EXPECT_NE(page.body.find("sandbox-pay"), std::string::npos);

    auto paid = payOnCheckout(p);
    EXPECT_EQ(paid.status, 303);
    EXPECT_EQ(paid.header("Location"), "/web/done");
    auto after = payments_->find(p.id);
    EXPECT_EQ(after.status, "succeeded");
    auto ev = events("payment.succeeded");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].payload["reference"], "test.order:1");
    EXPECT_EQ(ev[0].payload["amount_yen"], 1200);
    EXPECT_EQ(ev[0].municipality_id, 1);

    // A second click on the settled page sends nothing again.
    EXPECT_EQ(payOnCheckout(p).status, 303);
    EXPECT_EQ(events("payment.succeeded").size(), 1u);
    EXPECT_EQ(payments_->findByReference("test.order:1").id, p.id);
  }

  void checkDeclinedCheckoutFailsThePayment() {
    clearEvents();
    auto p = createPayment("test.order:2");
    EXPECT_EQ(payOnCheckout(p, "fail").status, 303);
    EXPECT_EQ(payments_->find(p.id).status, "failed");
    EXPECT_EQ(events("payment.failed").size(), 1u);
    EXPECT_TRUE(events("payment.succeeded").empty());
  }

  void checkForgedSignatureIsRefusedAndChangesNothing() {
    clearEvents();
    auto p = createPayment("test.order:3");
    auto body = event("evt_forged", "payment.succeeded", p);
    auto r = webhook(body, now(), "not-the-secret");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.code(), "payments.invalid_signature");
    // A good signature over another body does not carry over to a tampered one.
    std::string header = payments::signatureHeader(kSecret, now(), body);
    std::string tampered = body;
    tampered.replace(tampered.find("1200"), 4, "9999");
    r = httpRequest(server_->port(), "POST", "/api/v1/payments/webhook/sandbox", tampered,
                    {{"Sukusuku-Signature", header}});
    EXPECT_EQ(r.code(), "payments.invalid_signature");
    r = httpRequest(server_->port(), "POST", "/api/v1/payments/webhook/sandbox", body);
    EXPECT_EQ(r.code(), "payments.invalid_signature");
    EXPECT_EQ(payments_->find(p.id).status, "pending");
    EXPECT_TRUE(events("payment.succeeded").empty());
  }

  void checkOutOfWindowTimestampIsRefused() {
    clearEvents();
    auto p = createPayment("test.order:4");
    auto body = event("evt_old", "payment.succeeded", p);
    auto r = webhook(body, now() - 3600);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.code(), "payments.stale_webhook");
    r = webhook(body, now() + 3600);
    EXPECT_EQ(r.code(), "payments.stale_webhook");
    EXPECT_EQ(payments_->find(p.id).status, "pending");
    // The same event, fresh, is then applied: a refused delivery left no dedupe row behind.
    EXPECT_EQ(webhook(body, now()).json()["status"], "applied");
  }

  void checkReplayedEventIsANoOpAndSuccessIsIdempotent() {
    clearEvents();
    auto p = createPayment("test.order:5");
    auto body = event("evt_once", "payment.succeeded", p);
    auto first = webhook(body, now());
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.json()["status"], "applied");
    auto replay = webhook(body, now());
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(replay.json()["status"], "duplicate");
    // A different event id saying the same thing changes nothing either.
    auto again = webhook(event("evt_twice", "payment.succeeded", p), now());
    EXPECT_EQ(again.json()["status"], "unchanged");
    // Nor does a late "failed" after success.
    EXPECT_EQ(webhook(event("evt_late_fail", "payment.failed", p), now()).json()["status"],
              "unchanged");
    EXPECT_EQ(events("payment.succeeded").size(), 1u);
    EXPECT_TRUE(events("payment.failed").empty());
    EXPECT_EQ(payments_->find(p.id).status, "succeeded");
    auto conn = sys_->rt->database().acquire();
    EXPECT_EQ(conn->query("SELECT COUNT(*) FROM audit_log WHERE action = 'payment.succeeded' AND "
                    "target_id = ?",
                    {std::to_string(p.id)})[0][0]
                  .asInt(),
              1);
  }

  void checkBadEventsAreRefused() {
    clearEvents();
    auto p = createPayment("test.order:6");
    auto r = webhook(event("evt_x", "payment.succeeded", p), now(), kSecret, "otherpay");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.code(), "payments.unknown_provider");
    payments::Payment ghost = p;
    ghost.provider_payment_id = "pay_doesnotexist";
    r = webhook(event("evt_ghost", "payment.succeeded", ghost), now());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.code(), "payments.unknown_payment");
    payments::Payment wrong_amount = p;
    wrong_amount.amount_yen = 1;
    r = webhook(event("evt_amount", "payment.succeeded", wrong_amount), now());
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.code(), "payments.amount_mismatch");
    r = webhook("{not json", now());
    EXPECT_EQ(r.code(), "payments.invalid_event");
    EXPECT_EQ(payments_->find(p.id).status, "pending");
  }

  void checkRefundsArriveByWebhook() {
    clearEvents();
    auto p = createPayment("test.order:7", 3000);
    EXPECT_THROW(payments_->refund(p.id, 100, "not paid yet"), Error);
    ASSERT_EQ(payOnCheckout(p).status, 303);
    try {
      payments_->refund(p.id, 5000, "too much");
      FAIL() << "refund above the amount accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "payments.invalid_request");
    }
    payments_->refund(p.id, 1000, "one print was damaged");
    auto partial = waitForStatus(p.id, "partially_refunded");
    EXPECT_EQ(partial.status, "partially_refunded");
    EXPECT_EQ(partial.refunded_yen, 1000);
    payments_->refund(p.id, 2000, "the rest");
    auto full = waitForStatus(p.id, "refunded");
    EXPECT_EQ(full.refunded_yen, 3000);
    auto ev = events("payment.refunded");
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].payload["refund_yen"], 1000);
    EXPECT_EQ(ev[1].payload["refund_yen"], 2000);
    EXPECT_EQ(ev[1].payload["refunded_yen"], 3000);
  }

  void checkCreateValidatesAndIsIdempotentPerReference() {
    clearEvents();
    auto p = createPayment("test.order:8");
    EXPECT_EQ(createPayment("test.order:8").id, p.id);
    try {
      createPayment("test.order:8", 999);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "payments.duplicate_reference");
    }
    try {
      payments_->create({.municipality_id = 1, .user_id = 7, .reference = "test.order:9",
                         .amount_yen = 100, .description = "", .method = "bitcoin",
                         .return_url = ""});
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 422);
    }
    EXPECT_EQ(payments_->methods().size(), 8u);
    // A provider that cannot be reached is a 502, and nothing is stored.
    sys_->rt->config().set("payments.endpoint", "http://127.0.0.1:1");
    try {
      createPayment("test.order:10");
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 502);
      EXPECT_EQ(e.code(), "payments.provider_unavailable");
    }
    EXPECT_THROW(payments_->findByReference("test.order:10"), Error);
  }

  std::unique_ptr<TestSystem> sys_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<payments::Payments> payments_;
  std::mutex mu_;
  std::vector<Event> events_;
};

// Each case sets up one system and runs several checks in it: a fresh MariaDB schema per case
// is the expensive part of these tests.
TEST_P(PaymentsHttpTest, SandboxCheckoutAndCreate) {
  checkSandboxCheckoutPaysThroughTheSignedWebhook();
  checkDeclinedCheckoutFailsThePayment();
  checkCreateValidatesAndIsIdempotentPerReference();  // last: it points the endpoint elsewhere
}

TEST_P(PaymentsHttpTest, WebhooksAreVerifiedAndAppliedOnce) {
  checkForgedSignatureIsRefusedAndChangesNothing();
  checkOutOfWindowTimestampIsRefused();
  checkReplayedEventIsANoOpAndSuccessIsIdempotent();
  checkBadEventsAreRefused();
}

TEST_P(PaymentsHttpTest, RefundsArriveByWebhook) { checkRefundsArriveByWebhook(); }

INSTANTIATE_TEST_SUITE_P(Backends, PaymentsHttpTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
