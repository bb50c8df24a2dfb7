#include "cookies.h"

#include <Poco/String.h>

namespace sukusuku::identity {

std::string cookieValue(const Request& request, const std::string& name) {
  std::string header = request.header("cookie");
  size_t i = 0;
  while (i < header.size()) {
    size_t semi = header.find(';', i);
    if (semi == std::string::npos) semi = header.size();
    std::string pair = Poco::trim(header.substr(i, semi - i));
    size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.compare(0, eq, name) == 0 && eq == name.size()) {
      return pair.substr(eq + 1);
    }
    i = semi + 1;
  }
  return "";
}

std::string setCookie(const std::string& name, const std::string& value, int64_t max_age,
                      bool secure) {
  std::string out = name + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) +
                    "; HttpOnly; SameSite=Lax";
  if (secure) out += "; Secure";
  return out;
}

bool secureCookies(const std::string& setting, const Request& request) {
  if (setting == "true") return true;
  if (setting == "false") return false;
  return Poco::toLower(Poco::trim(request.header("x-forwarded-proto"))) == "https";
}

}  // namespace sukusuku::identity
