// The "payments" service: payments.h over the provider protocol (protocol.h), and the webhook
// receiver that turns a provider's signed events into payment.* events. Private to
// core/src/payments.
//
// Configuration (declared by module.cc):
//   payments.provider = sandbox            the provider's name; also the webhook path segment
//   payments.endpoint =                    its API base URL; empty: the built-in sandbox here
//   payments.api_key = sandbox-key         sent as Sukusuku-Pay-Key
//   payments.webhook_secret = …            HMAC key of the webhook signatures
//   payments.methods = card,paypay,…       what parents may choose
//   payments.public_url =                  how the provider reaches this server (webhooks);
//                                          empty: http://127.0.0.1:<http.port>
//   payments.webhook_tolerance_seconds = 300
//   payments.timeout_ms = 10000
//
// Thread-safe. create() and refund() talk HTTP and run their own transactions: never call them
// inside a transaction (on SQLite the provider's answer may need the write lock you hold).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/services/payments.h"

namespace sukusuku {
class Runtime;
}

namespace sukusuku::payments {

class PaymentService final : public Payments {
 public:
  explicit PaymentService(Runtime& rt);

  std::vector<std::string> methods() const override;
  Payment create(const PaymentRequest& request) override;
  void refund(int64_t payment_id, int64_t amount_yen, const std::string& reason) override;
  Payment find(int64_t payment_id) override;
  Payment findByReference(const std::string& reference) override;

  // Applies one webhook delivery for PROVIDER: verifies the signature, records the event id once
  // and updates the payment, publishing payment.* inside the same transaction. Returns
  // {"status":"applied"|"unchanged"|"duplicate"}. Throws Error (400 signature/stale/invalid
  // event, 404 unknown provider or payment, 422 amount mismatch) and then changes nothing.
  nlohmann::json receiveWebhook(const std::string& provider, const std::string& signature,
                                const std::string& body);

  std::string provider() const;
  // The provider API's base URL (payments.endpoint, or the sandbox on this server).
  std::string endpoint() const;
  std::string publicUrl() const;
  std::string webhookSecret() const;

 private:
  Runtime& rt_;
};

}  // namespace sukusuku::payments
