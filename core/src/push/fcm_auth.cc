// Service accounts, the OAuth 2.0 JWT-bearer flow and the token bucket.
#include <curl/curl.h>

#include <fstream>
#include <sstream>

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include "curl_util.h"
#include "sukusuku/push/fcm.h"

namespace sukusuku::push {

ServiceAccount ServiceAccount::fromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw std::invalid_argument("the service account is not a JSON object");
  }
  if (j.value("type", "") != "service_account") {
    throw std::invalid_argument("\"type\" is not \"service_account\"");
  }
  auto field = [&j](const char* name) {
    if (!j.contains(name) || !j[name].is_string() || j[name].get<std::string>().empty()) {
      throw std::invalid_argument(std::string("the service account has no \"") + name + "\"");
    }
    return j[name].get<std::string>();
  };
  ServiceAccount sa;
  sa.project_id = field("project_id");
  sa.private_key_id = field("private_key_id");
  sa.private_key = field("private_key");
  sa.client_email = field("client_email");
  sa.token_uri = field("token_uri");
  if (sa.private_key.find("-----BEGIN PRIVATE KEY-----") == std::string::npos) {
    throw std::invalid_argument("\"private_key\" is not a PKCS#8 PEM key");
  }
  if (sa.token_uri.rfind("https://", 0) != 0 && sa.token_uri.rfind("http://", 0) != 0) {
    throw std::invalid_argument("\"token_uri\" is not an http(s) URL");
  }
  return sa;
}

ServiceAccount ServiceAccount::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return fromJson(ss.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

// ---- rate limiter -----------------------------------------------------------------------------

RateLimiter::RateLimiter(double rate_per_minute, double burst)
    : per_second_(rate_per_minute / 60.0),
      burst_(burst > 0 ? burst : std::max(1.0, rate_per_minute / 60.0)),
      fixed_burst_(burst > 0),
      tokens_(burst_),
      last_(std::chrono::steady_clock::now()) {}

void RateLimiter::setRate(double rate_per_minute) {
  std::lock_guard lock(mu_);
  refill(std::chrono::steady_clock::now());
  per_second_ = rate_per_minute / 60.0;
  if (!fixed_burst_) burst_ = std::max(1.0, per_second_);
  tokens_ = std::min(tokens_, burst_);
}

double RateLimiter::ratePerSecond() const {
  std::lock_guard lock(mu_);
  return per_second_;
}

void RateLimiter::refill(SteadyTime now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
  last_ = now;
}

int RateLimiter::take(int want, SteadyTime now) {
  std::lock_guard lock(mu_);
  refill(now);
  int got = static_cast<int>(std::min<double>(want, std::floor(tokens_)));
  if (got <= 0) return 0;
  tokens_ -= got;
  return got;
}

std::chrono::microseconds RateLimiter::wait(SteadyTime now) {
  std::lock_guard lock(mu_);
  refill(now);
  if (tokens_ >= 1) return std::chrono::microseconds(0);
  return std::chrono::microseconds(
      static_cast<int64_t>(std::ceil((1 - tokens_) / per_second_ * 1e6)));
}

// ---- access tokens ----------------------------------------------------------------------------

AccessTokenSource::AccessTokenSource(ServiceAccount account, std::chrono::milliseconds timeout,
                                     std::string ca_file)
    : account_(std::move(account)), timeout_(timeout), ca_file_(std::move(ca_file)) {}

std::string AccessTokenSource::assertion(int64_t now) const {
  jwt::jwt_object obj{jwt::params::algorithm("RS256"),
                      jwt::params::secret(account_.private_key)};
  obj.header().add_header("kid", account_.private_key_id);
  obj.add_claim("iss", account_.client_email)
      .add_claim("scope", kScope)
      .add_claim("aud", account_.token_uri)
      .add_claim("iat", now)
      .add_claim("exp", now + 3600);
  std::error_code ec;
  std::string signed_jwt = obj.signature(ec);
  if (ec) throw std::runtime_error("cannot sign the OAuth assertion: " + ec.message());
  return signed_jwt;
}

std::string AccessTokenSource::token() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!token_.empty() && now < refresh_at_) return token_;
  int64_t epoch = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                     assertion(epoch);
  HttpAnswer answer = postOnce(account_.token_uri, form,
                               {"Content-Type: application/x-www-form-urlencoded"}, timeout_, ca_file_);
  ++fetches_;
  if (!answer.error.empty()) {
    throw std::runtime_error("OAuth token endpoint " + account_.token_uri + ": " + answer.error);
  }
  auto j = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || j.is_discarded() || !j.contains("access_token") ||
      !j["access_token"].is_string()) {
    throw std::runtime_error("OAuth token endpoint " + account_.token_uri + " answered " +
                             std::to_string(answer.status) + ": " + answer.body.substr(0, 300));
  }
  int64_t expires_in = j.value("expires_in", 3600);
  token_ = j["access_token"].get<std::string>();
  // Refreshed five minutes early (or halfway through a very short life).
  int64_t keep = expires_in > 600 ? expires_in - 300 : expires_in / 2;
  refresh_at_ = now + std::chrono::seconds(keep);
  return token_;
}

void AccessTokenSource::invalidate(const std::string& token) {
  std::lock_guard lock(mu_);
  if (token == token_) token_.clear();
}

int64_t AccessTokenSource::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace sukusuku::push
