#include "sukusuku/multipart.h"

#include <Poco/String.h>

#include "sukusuku/error.h"

namespace sukusuku::web {

namespace {

std::string headerAttr(const std::string& headers, const std::string& key) {
  std::string lower = Poco::toLower(headers);
  for (const std::string& lead : {std::string("; "), std::string(";")}) {
    size_t k = lower.find(lead + key + "=\"");
    if (k == std::string::npos) continue;
    size_t v = k + lead.size() + key.size() + 2;
    size_t e = headers.find('"', v);
    if (e != std::string::npos) return headers.substr(v, e - v);
  }
  return "";
}

}  // namespace

PostedForm readPostedForm(const Request& r, const std::string& error_code) {
  PostedForm out;
  std::string type = r.header("content-type");
  std::string lower = Poco::toLower(type);
  if (lower.rfind("multipart/form-data", 0) != 0) {
    out.fields = r.form();
    return out;
  }
  size_t b = lower.find("boundary=");
  if (b == std::string::npos) {
    throw Error::badRequest(error_code, "multipart body without a boundary");
  }
  std::string boundary = type.substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"') {
    boundary = boundary.substr(1, boundary.size() - 2);
  }
  if (boundary.empty()) {
    throw Error::badRequest(error_code, "multipart body without a boundary");
  }
  const std::string delim = "--" + boundary;
  size_t at = r.body.find(delim);
  if (at == std::string::npos) {
    throw Error::badRequest(error_code, "the multipart body has no parts");
  }
  while (at != std::string::npos) {
    size_t start = at + delim.size();
    if (r.body.compare(start, 2, "--") == 0) break;
    size_t headers_end = r.body.find("\r\n\r\n", start);
    if (headers_end == std::string::npos) break;
    size_t next = r.body.find("\r\n" + delim, headers_end + 4);
    if (next == std::string::npos) {
      throw Error::badRequest(error_code, "the multipart body is cut short");
    }
    std::string headers = r.body.substr(start, headers_end - start);
    std::string name = headerAttr(headers, "name");
    std::string value = r.body.substr(headers_end + 4, next - headers_end - 4);
    if (Poco::toLower(headers).find("filename=") != std::string::npos) {
      if (!value.empty()) {
        out.files.push_back({name, headerAttr(headers, "filename"), std::move(value)});
      }
    } else {
      out.fields.emplace(name, std::move(value));
    }
    at = next + 2;
  }
  return out;
}

}  // namespace sukusuku::web
