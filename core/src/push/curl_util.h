// libcurl plumbing shared by the token source and the FCM client.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <vector>

namespace sukusuku::push {

// curl_global_init, once per process.
void ensureCurl();

// Sets the HTTP version for URL: HTTP/2 with prior knowledge for http:// (the h2c test server),
// HTTP/2 over TLS (ALPN) for https://.
void setHttpVersion(CURL* easy, const std::string& url);

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string error;  // non-empty when no HTTP answer came
};

// One blocking POST.
HttpAnswer postOnce(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers, std::chrono::milliseconds timeout,
                    const std::string& ca_file = "");

// A Retry-After value (delay-seconds or an HTTP-date) as a delay; zero when absent or invalid.
std::chrono::milliseconds parseRetryAfter(const std::string& value);

}  // namespace sukusuku::push
