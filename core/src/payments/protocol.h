// The provider protocol ("Sukusuku Pay v1") that the payments core speaks to a provider and that
// the built-in sandbox (sandbox.h) serves. Private to core/src/payments.
//
//   POST {endpoint}/v1/payments                       header Sukusuku-Pay-Key: <payments.api_key>
//        {"amount":1200,"currency":"JPY","method":"card","reference":"photos.order:17",
//         "description":"…","return_url":"…","webhook_url":"…"}
//     -> 201 {"id":"pay_…","status":"pending","checkout_url":"…"}
//   POST {endpoint}/v1/payments/{id}/refunds           {"amount":600,"reason":"…"}
//     -> 202 {"id":"pay_…","refunded_amount":600}
//   webhook: POST webhook_url with the raw JSON body
//        {"id":"evt_…","type":"payment.succeeded|payment.failed|payment.refunded","created":T,
//         "data":{"payment":"pay_…","amount":1200,"refunded_amount":0,"method":"card",
//                 "reference":"…"}}
//     header Sukusuku-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook secret, "T.<body>")>
//     The receiver refuses a bad signature, a timestamp outside its tolerance, and applies each
//     event id once; it answers 2xx when the event is applied or was already applied.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace sukusuku::payments {

inline constexpr const char* kKeyHeader = "Sukusuku-Pay-Key";
inline constexpr const char* kSignatureHeader = "Sukusuku-Signature";

// Lower-case hex HMAC-SHA256 of "TIMESTAMP.BODY" under SECRET.
std::string signPayload(const std::string& secret, int64_t timestamp, const std::string& body);
// The Sukusuku-Signature header value for BODY sent at TIMESTAMP.
std::string signatureHeader(const std::string& secret, int64_t timestamp, const std::string& body);

// Checks a Sukusuku-Signature header against BODY. Throws Error 400 "payments.invalid_signature"
// when it is missing, malformed or does not match, and Error 400 "payments.stale_webhook" when
// its timestamp is more than TOLERANCE seconds away from NOW. Comparison is constant-time.
void verifySignature(const std::string& header, const std::string& body, const std::string& secret,
                     int64_t now, int64_t tolerance);

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
  std::string error;  // why there was no answer
};

// One HTTP(S) POST of BODY (JSON) with libcurl. Never throws for network trouble.
HttpReply postJson(const std::string& url, const std::string& body,
                   const std::map<std::string, std::string>& headers, long timeout_ms);

// 16 random bytes as lower-case hex, prefixed ("pay_", "evt_").
std::string randomId(const std::string& prefix);

}  // namespace sukusuku::payments
