#include <Poco/URI.h>

#include "cookies.h"
#include "crypto.h"
#include "routes.h"
#include "sukusuku/error.h"
#include "sukusuku/runtime.h"

namespace sukusuku::identity {

namespace {

constexpr int64_t kLoginCsrfMaxAge = 3600;

// Only our own pages: "/web..." without "//" or backslashes, so no open redirect.
std::string safeNext(const std::string& next) {
  if (next.rfind("/web", 0) != 0 || next.find("//") != std::string::npos ||
      next.find('\\') != std::string::npos) {
    return "/web";
  }
  for (unsigned char c : next) {
    if (c < 0x20 || c == 0x7f) return "/web";
  }
  return next;
}

std::string formField(const std::multimap<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

bool wellFormedToken(const std::string& token) {
  return token.size() >= 32 && token.size() <= 64 && base64UrlDecode(token).has_value();
}

}  // namespace

void addWebRoutes(PluginContext& ctx, Runtime& rt, std::shared_ptr<IdentityService> svc) {
  // The sign-in form. Before a session exists its CSRF token is double-submitted: the same random
  // value in an HttpOnly cookie and in the form, compared on POST.
  auto render = [&rt = rt, svc](const Request& r, const std::string& next, const std::string& login,
                                const std::string& error_code, int status) {
    std::string token = cookieValue(r, kLoginCsrfCookie);
    bool fresh = !wellFormedToken(token);
    if (fresh) token = randomToken(32);
    nlohmann::json data = {{"csrf_token", token}, {"next", safeNext(next)}, {"login", login}};
    if (!error_code.empty()) data["error"] = rt.i18n().t(r.language, "errors." + error_code);
    Response res = rt.web().page(r, "core/login", data, "auth.login.title", status);
    res.headers["Set-Cookie"] = setCookie(kLoginCsrfCookie, token, kLoginCsrfMaxAge,
                                          secureCookies(svc->settings().cookie_secure, r));
    return res;
  };

  ctx.addRoute({"GET", "/web/login", kPublic, [render](Request& r) {
                  return render(r, r.queryParam("next").value_or("/web"), "", "", 200);
                }});

  ctx.addRoute({"POST", "/web/login", kPublic, [render, svc](Request& r) {
                  auto form = r.form();
                  std::string cookie_token = cookieValue(r, kLoginCsrfCookie);
                  if (cookie_token.empty() ||
                      !constantTimeEquals(formField(form, "csrf_token"), cookie_token)) {
                    throw Error::forbidden("auth.csrf_failed",
                                           "the form has expired; reload the sign-in page");
                  }
                  std::string login = formField(form, "login");
                  std::string next = safeNext(formField(form, "next"));
                  int64_t user_id = 0;
                  try {
                    user_id = svc->checkCredentials(login, formField(form, "password"),
                                                    r.remote_addr, r.request_id);
                    if (!svc->loadUser(user_id).principal) {
                      throw Error::unauthorized("auth.invalid_credentials", "cannot sign in");
                    }
                  } catch (const Error& e) {
                    Response res = render(r, next, login, e.code(), e.status() == 429 ? 429 : 401);
                    if (e.details().contains("retry_after")) {
                      res.headers["Retry-After"] =
                          std::to_string(e.details()["retry_after"].get<int64_t>());
                    }
                    return res;
                  }
                  WebSession s = svc->createSession(user_id, r.header("user-agent"));
                  Response res = Response::redirect(next);
                  res.headers["Set-Cookie"] =
                      setCookie(kSessionCookie, s.cookie, svc->settings().session_ttl,
                                secureCookies(svc->settings().cookie_secure, r));
                  return res;
                }});

  ctx.addRoute({"POST", "/web/logout", kAuthenticated, [svc](Request& r) {
                  const Principal& p = r.user();
                  if (!p.session_id.empty()) svc->endSession(std::stoll(p.session_id));
                  Response res = Response::redirect("/web/login");
                  res.headers["Set-Cookie"] = setCookie(
                      kSessionCookie, "", 0, secureCookies(svc->settings().cookie_secure, r));
                  return res;
                }});
}

}  // namespace sukusuku::identity
