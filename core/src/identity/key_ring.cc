#include "sukusuku/identity/key_ring.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include "crypto.h"
#include "sukusuku/error.h"

namespace sukusuku::identity {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMinSecretBytes = 32;
constexpr size_t kMaxTokenBytes = 8192;
constexpr int64_t kClockSkewSeconds = 60;

Error invalidToken(const std::string& why) {
  return Error::unauthorized("auth.invalid_token", "the access token is not valid: " + why);
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool isInt(const nlohmann::json& j) { return j.is_number_integer() || j.is_number_unsigned(); }

}  // namespace

KeyRing::KeyRing(std::vector<JwtKey> keys, const std::string& active_kid) : keys_(std::move(keys)) {
  std::set<std::string> seen;
  for (const auto& k : keys_) {
    if (k.kid.empty() || k.kid.size() > 64) throw std::invalid_argument("a key needs a short kid");
    if (!seen.insert(k.kid).second) throw std::invalid_argument("kid used twice: " + k.kid);
    if (k.alg == "HS256") {
      if (k.verify_key.size() < kMinSecretBytes) {
        throw std::invalid_argument("key " + k.kid + ": HS256 secret shorter than 32 bytes");
      }
    } else if (k.alg == "RS256") {
      if (k.verify_key.find("-----BEGIN PUBLIC KEY-----") == std::string::npos) {
        throw std::invalid_argument("key " + k.kid + ": RS256 needs a public key PEM");
      }
    } else {
      throw std::invalid_argument("key " + k.kid + ": algorithm must be HS256 or RS256, not '" +
                                  k.alg + "'");
    }
  }
  for (const auto& k : keys_) {
    if (active_kid.empty() ? !k.signing_key.empty() : k.kid == active_kid) {
      if (k.signing_key.empty()) throw std::invalid_argument("key " + k.kid + " cannot sign");
      active_ = k.kid;
      break;
    }
  }
  if (active_.empty()) {
    throw std::invalid_argument(active_kid.empty() ? "no key can sign tokens"
                                                   : "auth.jwt.active_kid " + active_kid +
                                                         " is not in the key ring");
  }
}

KeyRing KeyRing::fromFile(const std::string& path, const std::string& active_kid) {
  auto doc = nlohmann::json::parse(readText(path), nullptr, false);
  if (doc.is_object() && doc.contains("keys")) doc = doc["keys"];
  if (!doc.is_array()) throw std::invalid_argument(path + ": not a JSON list of keys");
  fs::path dir = fs::path(path).parent_path();
  auto pem = [&dir](const nlohmann::json& k, const char* field) -> std::string {
    if (!k.contains(field)) return "";
    fs::path p = k[field].get<std::string>();
    return readText(p.is_absolute() ? p : dir / p);
  };
  std::vector<JwtKey> keys;
  try {
    for (const auto& k : doc) {
      JwtKey key;
      key.kid = k.at("kid").get<std::string>();
      key.alg = k.at("alg").get<std::string>();
      if (key.alg == "HS256") {
        auto secret = base64UrlDecode(k.at("secret").get<std::string>());
        if (!secret) throw std::invalid_argument("key " + key.kid + ": secret is not base64url");
        key.signing_key = key.verify_key = *secret;
      } else {
        key.signing_key = pem(k, "private_key_file");
        key.verify_key = pem(k, "public_key_file");
      }
      keys.push_back(std::move(key));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  return KeyRing(std::move(keys), active_kid);
}

void KeyRing::generateFile(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  nlohmann::json doc = nlohmann::json::array(
      {{{"kid", "hs-" + randomToken(6)}, {"alg", "HS256"}, {"secret", randomToken(32)}}});
  std::string tmp = path + ".tmp";
  {
    // Created 0600 before any secret is written.
    mode_t old = ::umask(077);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::umask(old);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << doc.dump(2) << "\n";
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  fs::rename(tmp, path);
}

std::string KeyRing::issue(int64_t user_id, int64_t token_version, int64_t now, int64_t ttl) const {
  const JwtKey* key = nullptr;
  for (const auto& k : keys_) {
    if (k.kid == active_) key = &k;
  }
  jwt::jwt_object obj{jwt::params::algorithm(key->alg), jwt::params::secret(key->signing_key)};
  obj.header().add_header("kid", key->kid);
  obj.add_claim("iss", kTokenIssuer)
      .add_claim("aud", kTokenAudience)
      .add_claim("sub", std::to_string(user_id))
      .add_claim("iat", now)
      .add_claim("exp", now + ttl)
      .add_claim("tv", token_version);
  std::error_code ec;
  std::string token = obj.signature(ec);
  if (ec) throw std::runtime_error("cannot sign a token: " + ec.message());
  return token;
}

AccessClaims KeyRing::verify(const std::string& token, int64_t now) const {
  if (token.empty() || token.size() > kMaxTokenBytes) throw invalidToken("size");
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string::npos || token.find('.', d2 + 1) != std::string::npos ||
      d2 + 1 == token.size()) {
    throw invalidToken("format");
  }
  // The header is read here, before cpp-jwt sees the token, to pin the algorithm to the key.
  auto header_json = base64UrlDecode(token.substr(0, d1));
  if (!header_json) throw invalidToken("header encoding");
  auto header = nlohmann::json::parse(*header_json, nullptr, false);
  if (!header.is_object() || !header.contains("kid") || !header["kid"].is_string() ||
      !header.contains("alg") || !header["alg"].is_string()) {
    throw invalidToken("header");
  }
  const JwtKey* key = nullptr;
  for (const auto& k : keys_) {
    if (k.kid == header["kid"].get<std::string>()) key = &k;
  }
  if (!key) throw invalidToken("unknown key");
  if (header["alg"].get<std::string>() != key->alg) throw invalidToken("algorithm");

  std::error_code ec;
  // Expiry is checked below against our clock, so cpp-jwt's system-clock check is neutralised.
  auto obj = jwt::decode(token, jwt::params::algorithms({key->alg}), ec,
                         jwt::params::secret(key->verify_key), jwt::params::verify(true),
                         jwt::params::leeway(std::numeric_limits<uint32_t>::max() / 2));
  if (ec) throw invalidToken("signature");

  const nlohmann::json& claims = obj.payload().create_json_obj();
  for (const char* name : {"exp", "iat", "tv"}) {
    if (!claims.contains(name) || !isInt(claims[name]))
      throw invalidToken(std::string("no ") + name);
  }
  if (claims.value("iss", nlohmann::json()) != kTokenIssuer) throw invalidToken("issuer");
  if (claims.value("aud", nlohmann::json()) != kTokenAudience) throw invalidToken("audience");
  if (!claims.contains("sub") || !claims["sub"].is_string()) throw invalidToken("subject");
  AccessClaims out;
  try {
    size_t used = 0;
    const std::string& sub = claims["sub"].get_ref<const std::string&>();
    out.user_id = std::stoll(sub, &used);
    if (used != sub.size() || out.user_id <= 0) throw invalidToken("subject");
  } catch (const std::logic_error&) {
    throw invalidToken("subject");
  }
  out.issued_at = claims["iat"].get<int64_t>();
  out.expires_at = claims["exp"].get<int64_t>();
  out.token_version = claims["tv"].get<int64_t>();
  out.kid = key->kid;
  if (out.expires_at <= now) {
    throw Error::unauthorized("auth.token_expired", "the access token has expired");
  }
  if (out.issued_at > now + kClockSkewSeconds) throw invalidToken("issued in the future");
  return out;
}

}  // namespace sukusuku::identity
