// Firebase Cloud Messaging HTTP v1, spoken with libcurl.
//
// FCM takes one HTTP request per device message (the batch endpoints are gone), so a city-wide
// broadcast is fast only when many requests are in flight at once: FcmClient multiplexes them
// as HTTP/2 streams over a few connections (curl multi, CURLPIPE_MULTIPLEX, PIPEWAIT), up to
// connections × max_streams at a time, under a token-bucket RateLimiter that keeps the project
// under its quota (600,000 messages a minute by default). An https:// endpoint negotiates HTTP/2
// with ALPN; an http:// endpoint (the local test server) is spoken as HTTP/2 cleartext with prior
// knowledge, so tests exercise the same multiplexing.
//
// Access tokens come from the OAuth 2.0 service-account flow (AccessTokenSource): an RS256 JWT
// assertion signed with the service account's private key is exchanged at its token_uri; the
// token is cached and fetched again five minutes before it expires, or at once when FCM answers
// a plain 401 (one retry of that message).
//
// None of this touches the database: the outbox workers (outbox.h) claim rows, hand them to an
// FcmClient and acknowledge each result; the benchmark drives a client directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace sukusuku::push {

// The fields of a Google service-account JSON file that the flow needs.
struct ServiceAccount {
  std::string project_id;
  std::string private_key_id;
  std::string private_key;  // PKCS#8 PEM
  std::string client_email;
  std::string token_uri;

  // Throws std::invalid_argument naming the missing or malformed field.
  static ServiceAccount fromJson(const std::string& text);
  // Throws std::invalid_argument when the file cannot be read or is not a service account.
  static ServiceAccount fromFile(const std::string& path);
};

// A token bucket: RATE_PER_MINUTE tokens a minute, at most BURST in the bucket (default: one
// second's worth). Not aligned to clock minutes, as FCM's own quota is not. Thread-safe; share one
// per process so that all workers together stay under the quota.
class RateLimiter {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  explicit RateLimiter(double rate_per_minute, double burst = 0);
  // Takes up to WANT tokens; returns how many it took (0..WANT).
  int take(int want, SteadyTime now = std::chrono::steady_clock::now());
  // How long until one token is there (zero when one is there now).
  std::chrono::microseconds wait(SteadyTime now = std::chrono::steady_clock::now());
  double ratePerSecond() const;
  // Changes the rate (this node's share of the project quota changes as nodes come and go).
  void setRate(double rate_per_minute);

 private:
  void refill(SteadyTime now);
  mutable std::mutex mu_;
  double per_second_;
  double burst_;
  bool fixed_burst_;
  double tokens_;
  SteadyTime last_;
};

// OAuth 2.0 access tokens for FCM from a service account. Thread-safe.
class AccessTokenSource {
 public:
  static constexpr const char* kScope = "https://www.googleapis.com/auth/firebase.messaging";

  // CA_FILE: extra trusted certificates (PEM) for the token endpoint; "" for the system's.
  explicit AccessTokenSource(ServiceAccount account,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10),
                             std::string ca_file = "");
  // A valid token, fetched when none is cached or it expires within five minutes. Throws
  // std::runtime_error when the token endpoint cannot be reached or refuses the assertion.
  std::string token();
  // Forgets TOKEN after FCM refused it (a plain 401), so the next token() fetches a new one.
  void invalidate(const std::string& token);
  // The signed assertion (a JWT) for the token request at NOW (epoch seconds).
  std::string assertion(int64_t now) const;
  const ServiceAccount& account() const { return account_; }
  int64_t fetches() const;

 private:
  ServiceAccount account_;
  std::chrono::milliseconds timeout_;
  std::string ca_file_;
  mutable std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point refresh_at_;
  int64_t fetches_ = 0;
};

struct FcmOptions {
  std::string endpoint = "https://fcm.googleapis.com";
  int connections = 4;   // HTTP/2 connections to the endpoint
  int max_streams = 100;  // concurrent streams per connection
  std::chrono::milliseconds request_timeout{30000};
  std::shared_ptr<RateLimiter> limiter;  // null: unlimited
  std::string ca_file;  // extra trusted certificates (PEM), e.g. the local test server's
  // A send whose HTTP/2 stream broke before any answer (the server refused or reset the stream,
  // the connection went away) is sent again at once, up to this many times, before it is
  // reported as NETWORK (which the outbox retries later with backoff).
  int network_retries = 2;
};

// One device message. BODY is the whole request body, {"message":{"token":…,…}}
// (see messageBody()); TAG is the caller's id for it (an outbox row id).
struct FcmMessage {
  int64_t tag = 0;
  std::string token;
  std::string body;
};

enum class Outcome {
  kSent,
  kRetry,         // temporary: send again after retryDelay()
  kInvalidToken,  // the token is dead (UNREGISTERED, SENDER_ID_MISMATCH, a bad token): drop it
  kFailed,        // permanent for this message; the token stays
};

struct FcmResult {
  int64_t tag = 0;
  Outcome outcome = Outcome::kRetry;
  int http_status = 0;     // 0: no HTTP answer (connection, timeout, access token)
  std::string error_code;  // FCM errorCode, or HTTP_<status>, NETWORK, AUTH; "" when sent
  std::string detail;      // FCM's message or curl's error text
  std::string message_id;  // "projects/…/messages/…" when sent
  std::chrono::milliseconds retry_after{0};  // from a Retry-After header
  bool alarm = false;  // an operator must act: credentials or payload are wrong
  double seconds = 0;  // request latency
};

const char* outcomeName(Outcome outcome);

// Classifies one FCM answer (status, body, Retry-After) as the reference table says. A plain 401
// (no FcmError) comes out as kRetry with error_code "AUTH": the client refreshes the token.
FcmResult classify(int http_status, const std::string& body, std::chrono::milliseconds retry_after);

// The delay before attempt ATTEMPT + 1 after a temporary failure on attempt ATTEMPT (1-based):
// exponential from 1 s (from 60 s for QUOTA_EXCEEDED, the project quota), capped at 30 min,
// with random jitter of up to half the delay, and never shorter than RETRY_AFTER.
std::chrono::milliseconds retryDelay(int attempt, const std::string& error_code,
                                     std::chrono::milliseconds retry_after, std::mt19937_64& rng);

// The HTTP v1 request body for one device. BODY is cut to fit FCM's 4096-byte payload (the whole
// text is in the inbox); URGENT sends with high priority on Android and APNs.
std::string messageBody(const std::string& token, const std::string& title,
                        const std::string& body, const std::map<std::string, std::string>& data,
                        bool urgent);

// Sends messages over HTTP/2 with multiplexing. One client per thread (not thread-safe); the
// token source and the limiter may be shared.
class FcmClient {
 public:
  FcmClient(std::shared_ptr<AccessTokenSource> tokens, FcmOptions options);
  ~FcmClient();
  FcmClient(const FcmClient&) = delete;
  FcmClient& operator=(const FcmClient&) = delete;

  // Sends every message once (a plain 401 refreshes the access token and sends that message
  // again, once) and calls ON_RESULT for each as it completes, on this thread. Returns when all
  // are done. Never throws for a delivery problem: each one is a result.
  void send(const std::vector<FcmMessage>& messages,
            const std::function<void(const FcmResult&)>& on_result);
  // As above; ON_SWEEP is called after each round of completed transfers (and at least every
  // 100 ms while transfers are in flight) and returns how soon it wants to be called again
  // (zero: no hurry). The outbox acknowledges the results gathered so far there. If ON_RESULT
  // or ON_SWEEP throws, the transfers in flight are abandoned (their answers are never read) and
  // the exception propagates; the client stays usable.
  void send(const std::vector<FcmMessage>& messages,
            const std::function<void(const FcmResult&)>& on_result,
            const std::function<std::chrono::milliseconds()>& on_sweep);
  std::vector<FcmResult> send(const std::vector<FcmMessage>& messages);

  const FcmOptions& options() const { return options_; }
  std::string sendUrl() const;
  // Sends repeated at once after a broken stream (see FcmOptions::network_retries), in total.
  int64_t networkResends() const;

 private:
  void sendAll(const std::vector<FcmMessage>& messages,
               const std::function<void(const FcmResult&)>& on_result,
               const std::function<std::chrono::milliseconds()>& on_sweep);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<AccessTokenSource> tokens_;
  FcmOptions options_;
};

}  // namespace sukusuku::push
