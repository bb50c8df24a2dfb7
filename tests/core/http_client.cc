#include "http_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/StreamCopier.h>

namespace sukusuku::testing {

namespace {

void percentEncode(const std::string& s, std::string& out) {
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

}  // namespace

std::string formEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    percentEncode(k, out);
    out += '=';
    percentEncode(v, out);
  }
  return out;
}

Reply httpRequest(int port, const std::string& method, const std::string& uri,
                  const std::string& body, const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest req(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    if (!req.has("Content-Type")) req.setContentType("application/json");
  }
  session.sendRequest(req) << body;
  Reply r;
  std::istream& in = session.receiveResponse(r.headers);
  Poco::StreamCopier::copyToString(in, r.body);
  r.status = r.headers.getStatus();
  return r;
}

}  // namespace sukusuku::testing
