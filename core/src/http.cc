#include "sukusuku/http.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "sukusuku/error.h"

namespace sukusuku {

const std::string& Request::param(const std::string& name) const {
  auto it = path_params.find(name);
  if (it == path_params.end()) {
    throw Error::badRequest("request.missing_parameter", "missing path parameter: " + name);
  }
  return it->second;
}

int64_t Request::idParam(const std::string& name) const {
  const std::string& text = param(name);
  int64_t value = 0;
  bool ok = !text.empty() && text.size() <= 18;
  for (char c : text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    value = value * 10 + (c - '0');
  }
  if (!ok || value <= 0) throw Error::notFound("request.not_found", "no such " + name);
  return value;
}

std::optional<std::string> Request::queryParam(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json Request::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error::badRequest("request.invalid_json", "the request body is not valid JSON",
                            {{"position", e.byte}});
  }
}

std::multimap<std::string, std::string> Request::form() const {
  std::multimap<std::string, std::string> out;
  size_t i = 0;
  while (i <= body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = pair.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
      for (auto* s : {&key, &value}) {
        for (char& c : *s) {
          if (c == '+') c = ' ';
        }
      }
      std::string dk, dv;
      try {
        Poco::URI::decode(key, dk);
        Poco::URI::decode(value, dv);
      } catch (const Poco::Exception&) {
        throw Error::badRequest("request.invalid_form", "the form body is not URL-encoded");
      }
      out.emplace(std::move(dk), std::move(dv));
    }
    i = amp + 1;
  }
  return out;
}

const Principal& Request::user() const {
  if (!principal) throw Error::unauthorized("auth.required", "sign-in required");
  return *principal;
}

Response Response::json(const nlohmann::json& value, int status) {
  Response r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::html(std::string body, int status) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::text(std::string body, std::string content_type, int status) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::redirect(const std::string& location, int status) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.headers["Location"] = location;
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace sukusuku
