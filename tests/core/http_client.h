// A small blocking HTTP client for tests that talk to a server on this machine.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

namespace sukusuku::testing {

struct Reply {
  int status = 0;
  std::string body;
  Poco::Net::HTTPResponse headers;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  // The error envelope's code.
  std::string code() const { return json()["error"]["code"]; }
  std::string header(const std::string& name) const { return headers.get(name, ""); }
};

// One request on a fresh connection to 127.0.0.1:PORT. A POST (or any request with a body)
// is sent with its Content-Length and, unless HEADERS name one, Content-Type application/json.
Reply httpRequest(int port, const std::string& method, const std::string& uri,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {});

// FIELDS as an application/x-www-form-urlencoded body: every byte but ASCII letters, digits and
// "-_." percent-encoded, in the order given.
std::string formEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace sukusuku::testing
