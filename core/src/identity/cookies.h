// Cookie reading and writing for the web sign-in. Private to core/src/identity.
#pragma once

#include <string>

#include "sukusuku/http.h"

namespace sukusuku::identity {

inline constexpr const char* kSessionCookie = "sukusuku_session";
// The pre-session CSRF token of the sign-in form (double-submit: cookie == form field).
inline constexpr const char* kLoginCsrfCookie = "sukusuku_login_csrf";

// The value of cookie NAME in the request's Cookie header, or "".
std::string cookieValue(const Request& request, const std::string& name);

// A Set-Cookie value: Path=/, HttpOnly, SameSite=Lax, Max-Age=MAX_AGE (0 deletes), and Secure
// when SECURE.
std::string setCookie(const std::string& name, const std::string& value, int64_t max_age,
                      bool secure);

// Whether cookies for this request get Secure, per auth.cookie_secure (auto|true|false): auto
// means "when the proxy says the client used https" (X-Forwarded-Proto).
bool secureCookies(const std::string& setting, const Request& request);

}  // namespace sukusuku::identity
