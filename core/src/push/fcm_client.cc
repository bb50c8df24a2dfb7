// The FCM HTTP v1 sender: classification of answers, backoff, message bodies, and the curl multi
// loop that keeps many HTTP/2 streams in flight.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "curl_util.h"
#include "sukusuku/push/fcm.h"
#include "texts.h"

namespace sukusuku::push {

// ---- classification ---------------------------------------------------------------------------

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSent:
      return "sent";
    case Outcome::kRetry:
      return "retry";
    case Outcome::kInvalidToken:
      return "invalid_token";
    case Outcome::kFailed:
      return "failed";
  }
  return "?";
}

FcmResult classify(int status, const std::string& body, std::chrono::milliseconds retry_after) {
  FcmResult r;
  r.http_status = status;
  r.retry_after = retry_after;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (status == 200) {
    r.outcome = Outcome::kSent;
    if (j.is_object() && j.contains("name") && j["name"].is_string()) r.message_id = j["name"];
    return r;
  }
  // Branch on details[].errorCode (FcmError), never on the status text.
  std::string code;
  bool token_violation = false;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& err = j["error"];
    if (err.contains("message") && err["message"].is_string()) r.detail = err["message"];
    if (err.contains("details") && err["details"].is_array()) {
      for (const auto& d : err["details"]) {
        if (!d.is_object()) continue;
        std::string type = d.value("@type", "");
        if (type.find("google.firebase.fcm.v1.FcmError") != std::string::npos &&
            d.contains("errorCode") && d["errorCode"].is_string()) {
          code = d["errorCode"];
        }
        if (type.find("google.rpc.BadRequest") != std::string::npos &&
            d.contains("fieldViolations") && d["fieldViolations"].is_array()) {
          for (const auto& v : d["fieldViolations"]) {
            if (v.is_object() && v.value("field", "") == "message.token") token_violation = true;
          }
        }
      }
    }
  }
  if (code.empty()) {
    if (status == 401) {
      r.outcome = Outcome::kRetry;  // usually an expired access token: refresh once, retry
      r.error_code = "AUTH";
    } else if (status == 429 || status >= 500) {
      r.outcome = Outcome::kRetry;
      r.error_code = status == 429 ? "QUOTA_EXCEEDED" : "HTTP_" + std::to_string(status);
    } else {
      r.outcome = Outcome::kFailed;
      r.error_code = "HTTP_" + std::to_string(status);
      r.alarm = true;
    }
    return r;
  }
  r.error_code = code;
  if (code == "UNREGISTERED") {
    r.outcome = Outcome::kInvalidToken;
  } else if (code == "INVALID_ARGUMENT") {
    // A dead token only when the violation is on the token; otherwise our payload is wrong.
    r.outcome = token_violation ? Outcome::kInvalidToken : Outcome::kFailed;
    r.alarm = !token_violation;
  } else if (code == "SENDER_ID_MISMATCH") {
    r.outcome = Outcome::kInvalidToken;
    r.alarm = true;
  } else if (code == "THIRD_PARTY_AUTH_ERROR") {
    r.outcome = Outcome::kFailed;  // APNs / web push credentials are broken; the token is fine
    r.alarm = true;
  } else if (code == "QUOTA_EXCEEDED" || code == "UNAVAILABLE" || code == "INTERNAL") {
    r.outcome = Outcome::kRetry;
  } else {
    // UNSPECIFIED_ERROR or a code this client does not know.
    r.outcome = status == 429 || status >= 500 ? Outcome::kRetry : Outcome::kFailed;
    r.alarm = r.outcome == Outcome::kFailed;
  }
  return r;
}

std::chrono::milliseconds retryDelay(int attempt, const std::string& error_code,
                                     std::chrono::milliseconds retry_after, std::mt19937_64& rng) {
  using std::chrono::milliseconds;
  const milliseconds cap = std::chrono::minutes(30);
  milliseconds base = error_code == "QUOTA_EXCEEDED" ? milliseconds(60000) : milliseconds(1000);
  int doublings = std::clamp(attempt - 1, 0, 20);
  milliseconds delay = std::min(cap, base * (int64_t{1} << doublings));
  // Jitter: a random part of up to half the delay, so that retries of a broadcast spread out.
  std::uniform_int_distribution<int64_t> jitter(0, delay.count() / 2);
  delay = std::min(cap, delay + milliseconds(jitter(rng)));
  return std::max(delay, retry_after);
}

std::string messageBody(const std::string& token, const std::string& title,
                        const std::string& body, const std::map<std::string, std::string>& data,
                        bool urgent) {
  nlohmann::json d = nlohmann::json::object();
  for (const auto& [k, v] : data) d[k] = v;
  nlohmann::json message = {
      {"token", token},
      {"notification", {{"title", title}, {"body", utf8Truncate(body, 1024)}}},
      {"android",
       {{"priority", urgent ? "high" : "normal"},
        {"notification", {{"channel_id", urgent ? "urgent" : "default"}}}}},
      {"apns",
       {{"headers", {{"apns-priority", urgent ? "10" : "5"}}},
        {"payload", {{"aps", {{"sound", "default"}}}}}}}};
  if (!d.empty()) message["data"] = d;
  return nlohmann::json{{"message", message}}.dump();
}

// ---- the multiplexing sender ------------------------------------------------------------------

namespace {

struct Transfer {
  CURL* easy = nullptr;
  const FcmMessage* message = nullptr;
  std::string response;
  std::string retry_after;
  bool auth_retried = false;
  int network_tries = 0;  // times this message was sent again after a broken stream
  bool opener = false;  // opened a connection with prior knowledge (h2c workaround)
  std::chrono::steady_clock::time_point started;
  char errbuf[CURL_ERROR_SIZE] = {0};
};

size_t writeBody(char* data, size_t size, size_t n, void* user) {
  static_cast<Transfer*>(user)->response.append(data, size * n);
  return size * n;
}

size_t readHeader(char* data, size_t size, size_t n, void* user) {
  size_t len = size * n;
  static const char kName[] = "retry-after:";
  constexpr size_t kNameLen = sizeof(kName) - 1;
  if (len > kNameLen) {
    bool match = true;
    for (size_t i = 0; i < kNameLen && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(data[i])) == kName[i];
    }
    if (match) static_cast<Transfer*>(user)->retry_after.assign(data + kNameLen, len - kNameLen);
  }
  return len;
}

}  // namespace

struct FcmClient::Impl {
  CURLM* multi = nullptr;
  std::vector<std::unique_ptr<Transfer>> all;
  std::vector<Transfer*> idle;
  std::set<Transfer*> inflight;
  curl_slist* headers = nullptr;
  std::string headers_token;
  // h2c on libcurl before 8.0: a transfer that asks for prior knowledge on a reused connection
  // fails ("Error in the HTTP2 framing layer", curl issue #10634). So each connection is opened
  // by one prior-knowledge transfer, and the others ask for plain HTTP/2 and only reuse them.
  bool h2c_workaround = false;
  bool warm = false;
  int64_t network_resends = 0;

  ~Impl() {
    abandon();
    for (auto& t : all) curl_easy_cleanup(t->easy);
    if (multi) curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }

  // Drops the transfers in flight (a callback threw): their streams are reset, their handles
  // closed (a handle mid-transfer cannot simply be reused), the connections kept.
  void abandon() {
    for (Transfer* t : inflight) {
      curl_multi_remove_handle(multi, t->easy);
      idle.erase(std::remove(idle.begin(), idle.end(), t), idle.end());
      discard(t);
    }
    inflight.clear();
    warm = false;
  }

  void setToken(const std::string& token) {
    if (token == headers_token && headers) return;
    // Only called with no transfer in flight that uses the old list.
    curl_slist_free_all(headers);
    headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=UTF-8");
    headers_token = token;
  }

  void discard(Transfer* t) {
    curl_easy_cleanup(t->easy);
    all.erase(std::remove_if(all.begin(), all.end(),
                             [t](const std::unique_ptr<Transfer>& p) { return p.get() == t; }),
              all.end());
  }

  Transfer* acquire(const std::string& url, const FcmOptions& o) {
    if (idle.empty()) {
      auto t = std::make_unique<Transfer>();
      t->easy = curl_easy_init();
      curl_easy_setopt(t->easy, CURLOPT_URL, url.c_str());
      curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
      curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, writeBody);
      curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t.get());
      curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, readHeader);
      curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t.get());
      curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t.get());
      curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
      curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, static_cast<long>(o.request_timeout.count()));
      if (!o.ca_file.empty()) curl_easy_setopt(t->easy, CURLOPT_CAINFO, o.ca_file.c_str());
      // SUKUSUKU_CURL_VERBOSE=1 traces every transfer on stderr (debugging only).
      if (const char* v = std::getenv("SUKUSUKU_CURL_VERBOSE"); v && *v == '1') {
        curl_easy_setopt(t->easy, CURLOPT_VERBOSE, 1L);
      }
      idle.push_back(t.get());
      all.push_back(std::move(t));
    }
    Transfer* t = idle.back();
    idle.pop_back();
    return t;
  }
};

FcmClient::FcmClient(std::shared_ptr<AccessTokenSource> tokens, FcmOptions options)
    : impl_(std::make_unique<Impl>()), tokens_(std::move(tokens)), options_(std::move(options)) {
  ensureCurl();
  options_.connections = std::max(1, options_.connections);
  options_.max_streams = std::max(1, options_.max_streams);
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
  impl_->h2c_workaround = options_.endpoint.rfind("http://", 0) == 0 &&
                          curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
  impl_->multi = curl_multi_init();
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(options_.connections));
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(options_.connections));
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_CONCURRENT_STREAMS,
                    static_cast<long>(options_.max_streams));
}

FcmClient::~FcmClient() = default;

int64_t FcmClient::networkResends() const { return impl_->network_resends; }

std::string FcmClient::sendUrl() const {
  return options_.endpoint + "/v1/projects/" + tokens_->account().project_id + "/messages:send";
}

std::vector<FcmResult> FcmClient::send(const std::vector<FcmMessage>& messages) {
  std::vector<FcmResult> results;
  results.reserve(messages.size());
  send(messages, [&results](const FcmResult& r) { results.push_back(r); });
  return results;
}

void FcmClient::send(const std::vector<FcmMessage>& messages,
                     const std::function<void(const FcmResult&)>& on_result) {
  send(messages, on_result, nullptr);
}

void FcmClient::send(const std::vector<FcmMessage>& messages,
                     const std::function<void(const FcmResult&)>& on_result,
                     const std::function<std::chrono::milliseconds()>& on_sweep) {
  if (messages.empty()) return;
  try {
    sendAll(messages, on_result, on_sweep);
  } catch (...) {
    impl_->abandon();
    throw;
  }
}

void FcmClient::sendAll(const std::vector<FcmMessage>& messages,
                        const std::function<void(const FcmResult&)>& on_result,
                        const std::function<std::chrono::milliseconds()>& on_sweep) {
  Impl& im = *impl_;
  const std::string url = sendUrl();
  struct Again {
    const FcmMessage* message;
    bool auth_retried;
    int network_tries;
  };
  auto failAll = [&](size_t from, const std::deque<Again>& again,
                     const std::string& why) {
    auto fail = [&](const FcmMessage* m) {
      FcmResult r;
      r.tag = m->tag;
      r.outcome = Outcome::kRetry;
      r.error_code = "AUTH";
      r.detail = why;
      r.alarm = true;
      on_result(r);
    };
    for (const auto& a : again) fail(a.message);
    for (size_t i = from; i < messages.size(); ++i) fail(&messages[i]);
  };
  std::string token;
  try {
    token = tokens_->token();
  } catch (const std::exception& e) {
    failAll(0, {}, e.what());
    return;
  }
  im.setToken(token);

  const int max_inflight = options_.connections * options_.max_streams;
  size_t next = 0;
  // Sent again: after a plain 401 (once, with a new token), or when the HTTP/2 stream broke
  // before any answer (refused or reset stream, connection gone; up to network_retries times).
  std::deque<Again> again;
  int active = 0;
  // Opening transfers (h2c workaround): one per connection, prior knowledge, no waiting to
  // multiplex, so that each opens its own connection; the rest start when they are done.
  bool warming = false, warm_failed = false;
  int again_tries = 0;  // network_tries of the message start() sends next
  auto start = [&](const FcmMessage* m, bool auth_retried) {
    Transfer* t = im.acquire(url, options_);
    t->opener = im.h2c_workaround && warming;
    if (t->opener) {
      curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
      curl_easy_setopt(t->easy, CURLOPT_PIPEWAIT, 0L);
    } else if (im.h2c_workaround) {
      curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_0);
      curl_easy_setopt(t->easy, CURLOPT_PIPEWAIT, 1L);
    } else {
      setHttpVersion(t->easy, url);
      curl_easy_setopt(t->easy, CURLOPT_PIPEWAIT, 1L);
    }
    t->message = m;
    t->response.clear();
    t->retry_after.clear();
    t->auth_retried = auth_retried;
    t->network_tries = again_tries;
    again_tries = 0;
    t->errbuf[0] = 0;
    t->started = std::chrono::steady_clock::now();
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, m->body.data());
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m->body.size()));
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, im.headers);
    curl_multi_add_handle(im.multi, t->easy);
    im.inflight.insert(t);
    ++active;
  };
  bool refresh_pending = false;  // a 401 asked for a new token; swap it when nothing is in flight

  while (next < messages.size() || active > 0 || !again.empty()) {
    // A new token is installed only between transfers: the header list is shared by all.
    if (refresh_pending && active == 0) {
      tokens_->invalidate(token);
      try {
        token = tokens_->token();
      } catch (const std::exception& e) {
        failAll(next, again, e.what());
        return;
      }
      im.setToken(token);
      refresh_pending = false;
    }
    if (warming && active == 0) {
      warming = false;
      im.warm = !warm_failed;
    }
    size_t pending = (messages.size() - next) + again.size();
    int room = refresh_pending ? 0 : max_inflight - active;
    if (im.h2c_workaround && !im.warm) {
      if (!warming && active == 0 && pending > 0) {
        warming = true;
        warm_failed = false;
        room = options_.connections;
      } else {
        room = 0;
      }
    }
    std::chrono::microseconds limiter_wait{0};
    if (room > 0 && pending > 0) {
      int want = static_cast<int>(std::min<size_t>(room, pending));
      int got = options_.limiter ? options_.limiter->take(want) : want;
      for (int i = 0; i < got; ++i) {
        if (!again.empty()) {
          again_tries = again.front().network_tries;
          start(again.front().message, again.front().auth_retried);
          again.pop_front();
        } else {
          start(&messages[next++], false);
        }
      }
      if (got < want) limiter_wait = options_.limiter->wait();
    }
    int running = 0;
    curl_multi_perform(im.multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(im.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      CURLcode rc = msg->data.result;
      curl_multi_remove_handle(im.multi, t->easy);
      im.inflight.erase(t);
      --active;
      FcmResult r;
      if (rc != CURLE_OK) {
        if (warming) warm_failed = true;
        if (im.h2c_workaround) im.warm = false;  // a connection may be gone: open them again
        r.outcome = Outcome::kRetry;
        r.error_code = "NETWORK";
        r.detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
      } else {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        r = classify(static_cast<int>(status), t->response, parseRetryAfter(t->retry_after));
      }
      r.tag = t->message->tag;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t->started)
                      .count();
      long answered = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &answered);
      bool broken_stream = rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM ||
                           rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
                           rc == CURLE_GOT_NOTHING;
      if (r.error_code == "AUTH" && r.http_status == 401 && !t->auth_retried) {
        again.push_back({t->message, true, t->network_tries});
        refresh_pending = true;
      } else if (broken_stream && answered == 0 && t->network_tries < options_.network_retries) {
        again.push_back({t->message, t->auth_retried, t->network_tries + 1});
        ++im.network_resends;
      } else {
        if (r.error_code == "AUTH") r.alarm = true;  // refused again with a fresh token
        on_result(r);
      }
      if (t->opener) {
        im.discard(t);  // a handle that asked for prior knowledge must not reuse a connection
      } else {
        im.idle.push_back(t);
      }
    }
    int timeout_ms = 100;
    if (on_sweep) {
      auto soon = on_sweep();
      if (soon.count() > 0) timeout_ms = static_cast<int>(std::clamp<int64_t>(soon.count(), 1, 100));
    }
    if (active == 0 && next >= messages.size() && again.empty()) break;
    if (limiter_wait.count() > 0) {
      timeout_ms = std::min(
          timeout_ms, static_cast<int>(std::clamp<int64_t>(limiter_wait.count() / 1000, 1, 100)));
    }
    if (active > 0) {
      curl_multi_poll(im.multi, nullptr, 0, timeout_ms, nullptr);
    } else if (limiter_wait.count() > 0) {
      std::this_thread::sleep_for(limiter_wait);
    }
  }
}

}  // namespace sukusuku::push
