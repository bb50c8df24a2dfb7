#include "authenticator.h"

#include <Poco/String.h>

#include "cookies.h"
#include "crypto.h"
#include "sukusuku/error.h"
#include "sukusuku/runtime.h"

namespace sukusuku::identity {

namespace {

bool underWeb(const std::string& path) { return path == "/web" || path.rfind("/web/", 0) == 0; }

bool unsafe(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// The csrf_token field of a multipart/form-data body (upload forms cannot set headers without
// scripts): the part named csrf_token, up to the next boundary.
std::string multipartCsrfToken(const Request& request, const std::string& type) {
  size_t b = type.find("boundary=");
  if (b == std::string::npos) return "";
  std::string boundary = request.header("content-type").substr(b + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty()) return "";
  const std::string& body = request.body;
  const std::string delimiter = "--" + boundary;
  for (size_t at = body.find(delimiter); at != std::string::npos;
       at = body.find(delimiter, at + delimiter.size())) {
    size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string::npos) return "";
    std::string headers = Poco::toLower(body.substr(at, headers_end - at));
    if (headers.find("name=\"csrf_token\"") == std::string::npos) continue;
    size_t end = body.find("\r\n" + delimiter, headers_end + 4);
    if (end == std::string::npos) return "";
    return body.substr(headers_end + 4, end - headers_end - 4);
  }
  return "";
}

std::string submittedCsrfToken(const Request& request) {
  std::string token = request.header("x-csrf-token");
  if (!token.empty()) return token;
  std::string type = Poco::toLower(request.header("content-type"));
  if (type.rfind("multipart/form-data", 0) == 0) return multipartCsrfToken(request, type);
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0) return "";
  auto form = request.form();
  auto it = form.find("csrf_token");
  return it == form.end() ? "" : it->second;
}

}  // namespace

std::shared_ptr<const Principal> IdentityAuthenticator::authenticate(const Request& request) {
  std::string authorization = request.header("authorization");
  if (!authorization.empty()) {
    if (authorization.size() < 8 || Poco::icompare(authorization.substr(0, 7), "bearer ") != 0) {
      throw Error::unauthorized("auth.invalid_token", "only Bearer tokens are accepted");
    }
    AccessClaims claims = service_->verifyAccessToken(Poco::trim(authorization.substr(7)));
    UserState state = service_->loadUser(claims.user_id);
    if (!state.principal) {
      throw Error::unauthorized("auth.invalid_token", "this account cannot sign in");
    }
    if (claims.token_version != state.tokens_valid_after) {
      throw Error::unauthorized("auth.token_revoked", "this sign-in has ended; sign in again");
    }
    return state.principal;
  }
  if (!underWeb(request.path)) return nullptr;
  std::string cookie = cookieValue(request, kSessionCookie);
  if (cookie.empty()) return nullptr;
  auto session = service_->findSession(cookie);
  if (!session) return nullptr;
  UserState state = service_->loadUser(session->user_id);
  if (!state.principal) return nullptr;
  state.principal->session_id = std::to_string(session->id);
  if (unsafe(request.method) && !(request.method == "POST" && request.path == "/web/login")) {
    if (!constantTimeEquals(submittedCsrfToken(request), session->csrf_token)) {
      throw Error::forbidden("auth.csrf_failed",
                             "the form has expired or did not come from this site; reload it");
    }
  }
  return state.principal;
}

std::string csrfTokenFor(IdentityService& service, const Request& request) {
  if (!request.principal || request.principal->session_id.empty()) return "";
  auto session = service.findSession(cookieValue(request, kSessionCookie));
  return session ? session->csrf_token : "";
}

}  // namespace sukusuku::identity
