#include "protocol.h"

#include <curl/curl.h>
#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "sukusuku/error.h"

namespace sukusuku::payments {

namespace {

void ensureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

std::string hex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.resize(n * 2);
  return out;
}

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

Error badSignature(const std::string& why) {
  return Error::badRequest("payments.invalid_signature", "webhook signature refused: " + why);
}

}  // namespace

std::string signPayload(const std::string& secret, int64_t timestamp, const std::string& body) {
  ensureSodium();
  std::string message = std::to_string(timestamp) + "." + body;
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return hex(mac, sizeof mac);
}

std::string signatureHeader(const std::string& secret, int64_t timestamp, const std::string& body) {
  return "t=" + std::to_string(timestamp) + ",v1=" + signPayload(secret, timestamp, body);
}

void verifySignature(const std::string& header, const std::string& body, const std::string& secret,
                     int64_t now, int64_t tolerance) {
  if (header.empty()) throw badSignature("no " + std::string(kSignatureHeader) + " header");
  std::string t, v1;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(start, end - start);
    size_t eq = part.find('=');
    if (eq != std::string::npos) {
      std::string k = part.substr(0, eq), v = part.substr(eq + 1);
      while (!k.empty() && k.front() == ' ') k.erase(0, 1);
      if (k == "t") t = v;
      if (k == "v1") v1 = v;
    }
    start = end + 1;
  }
  if (t.empty() || v1.empty() || t.size() > 12 ||
      t.find_first_not_of("0123456789") != std::string::npos) {
    throw badSignature("malformed header");
  }
  int64_t ts = std::stoll(t);
  std::string expected = signPayload(secret, ts, body);
  if (v1.size() != expected.size() ||
      sodium_memcmp(v1.data(), expected.data(), expected.size()) != 0) {
    throw badSignature("signature does not match");
  }
  if (std::llabs(now - ts) > tolerance) {
    throw Error::badRequest("payments.stale_webhook",
                            "webhook timestamp is outside the accepted window",
                            {{"tolerance_seconds", tolerance}});
  }
}

HttpReply postJson(const std::string& url, const std::string& body,
                   const std::map<std::string, std::string>& headers, long timeout_ms) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpReply reply;
  CURL* curl = curl_easy_init();
  if (!curl) {
    reply.error = "curl_easy_init failed";
    return reply;
  }
  struct curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 5000L));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    reply.status = static_cast<int>(status);
  } else {
    reply.error = curl_easy_strerror(rc);
    reply.body.clear();
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return reply;
}

std::string randomId(const std::string& prefix) {
  ensureSodium();
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return prefix + hex(bytes, sizeof bytes);
}

}  // namespace sukusuku::payments
