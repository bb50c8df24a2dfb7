// The built-in sandbox payment provider (payments.provider = sandbox): it serves the provider
// protocol of protocol.h on this very server, so that development, the demo and the tests pay
// through the same HTTP path a real provider takes.
//
//   POST /api/v1/payments/sandbox/v1/payments               create (Sukusuku-Pay-Key checked)
//   POST /api/v1/payments/sandbox/v1/payments/{id}/refunds  refund
//   GET  /web/payments/sandbox/checkout/{id}                the checkout page a parent sees
//   POST /web/payments/sandbox/checkout/{id}                outcome=pay|fail: settles the
//        payment, POSTs the signed webhook over real HTTP, then sends the parent to return_url
//
// Checkout ids are 128-bit random, so the pages are public the way a real provider's are.
// Refund webhooks go out from a background sender (the caller may still be waiting on its own
// request); a failed delivery is retried a few times with back-off.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace sukusuku {
class PluginContext;
class Runtime;
}  // namespace sukusuku

namespace sukusuku::payments {


// Adds the sandbox's routes, template and strings.
void addSandboxProvider(PluginContext& ctx, Runtime& rt);

// Sends signed webhooks in the background. Joined on destruction.
class WebhookSender {
 public:
  WebhookSender();
  ~WebhookSender();
  // POSTs BODY signed with SECRET to URL now; true when the receiver answered 2xx.
  static bool deliverNow(const std::string& url, const std::string& secret,
                         const std::string& body);
  // Queues a delivery (retried up to 5 times).
  void enqueue(std::string url, std::string secret, std::string body);

 private:
  struct Job {
    std::string url, secret, body;
    int attempts = 0;
  };
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sukusuku::payments
