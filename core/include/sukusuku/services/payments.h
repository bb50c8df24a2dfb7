// Online payment (card, code payments, convenience-store) through a provider, shared by every
// plugin that takes money (photos, fees). Owned by the core's payments module.
//
// Flow: a plugin creates a payment for its own reference ("photos.order:17") and sends the parent
// to the returned checkout URL. The provider later calls the webhook (POST
// /api/v1/payments/webhook/<provider>), which the core verifies (HMAC signature over the raw body
// with a timestamp, replay window, each event id applied once) and turns into an in-process event
// published inside the transaction that records it:
//   "payment.succeeded" | "payment.failed" | "payment.refunded"
//   payload {"payment_id", "provider", "provider_payment_id", "reference", "amount_yen", "method"}
// A plugin subscribes and acts on references with its own prefix. The subscriber runs after the
// recording transaction commits, so it must be idempotent (look at its own state first).
//
// Find it with ctx.services().find<payments::Payments>("payments").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sukusuku::payments {

struct PaymentRequest {
  int64_t municipality_id = 0;
  int64_t user_id = 0;            // the payer
  std::string reference;          // "<plugin>.<thing>:<id>", unique per payment attempt
  int64_t amount_yen = 0;         // > 0
  std::string description;        // shown on the checkout page
  std::string method;             // "card", "paypay", "konbini", ... (provider-specific list)
  std::string return_url;         // where the checkout sends the parent back
};

struct Payment {
  int64_t id = 0;
  std::string provider;
  std::string provider_payment_id;
  std::string reference;
  int64_t amount_yen = 0;
  int64_t refunded_yen = 0;
  std::string method;
  std::string status;             // pending, succeeded, failed, refunded, partially_refunded
  std::string checkout_url;
};

class Payments {
 public:
  virtual ~Payments() = default;
  // The methods the configured provider offers, e.g. {"card","paypay","konbini"}.
  virtual std::vector<std::string> methods() const = 0;
  // Registers the payment with the provider (HTTP) and stores it as pending.
  // Throws Error(502, "payments.provider_unavailable") when the provider cannot be reached and
  // Error(422, "payments.invalid_request") for a bad amount or method.
  virtual Payment create(const PaymentRequest& request) = 0;
  // Asks the provider to refund (whole or part); the "payment.refunded" event follows by webhook.
  virtual void refund(int64_t payment_id, int64_t amount_yen, const std::string& reason) = 0;
  virtual Payment find(int64_t payment_id) = 0;
  virtual Payment findByReference(const std::string& reference) = 0;
};

}  // namespace sukusuku::payments
