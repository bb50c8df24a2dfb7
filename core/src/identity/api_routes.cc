#include "routes.h"

#include "sukusuku/error.h"
#include "sukusuku/runtime.h"

namespace sukusuku::identity {

namespace {

std::string field(const nlohmann::json& body, const char* name, bool required = true) {
  if (!body.is_object() || !body.contains(name) || body[name].is_null()) {
    if (!required) return "";
    throw Error::invalid("request.missing_field", std::string("missing field: ") + name,
                         {{"field", name}});
  }
  if (!body[name].is_string()) {
    throw Error::invalid("request.invalid_field", std::string(name) + " must be a string",
                         {{"field", name}});
  }
  return body[name].get<std::string>();
}

int64_t idField(const nlohmann::json& body, const char* name, bool required = true) {
  if (!body.is_object() || !body.contains(name) || body[name].is_null()) {
    if (!required) return 0;
    throw Error::invalid("request.missing_field", std::string("missing field: ") + name,
                         {{"field", name}});
  }
  if (!body[name].is_number_integer() || body[name].get<int64_t>() <= 0) {
    throw Error::invalid("request.invalid_field", std::string(name) + " must be a positive id",
                         {{"field", name}});
  }
  return body[name].get<int64_t>();
}

// Sign-in errors that carry a retry time answer with Retry-After.
Handler withRetryAfter(Handler h) {
  return [h = std::move(h)](Request& r) {
    try {
      return h(r);
    } catch (const Error& e) {
      if (e.details().contains("retry_after")) return retryAfterResponse(e);
      throw;
    }
  };
}

}  // namespace

Response retryAfterResponse(const Error& e) {
  Response res = Response::json(e.toJson(), e.status());
  res.headers["Retry-After"] = std::to_string(e.details()["retry_after"].get<int64_t>());
  return res;
}

void addApiRoutes(PluginContext& ctx, std::shared_ptr<IdentityService> svc) {
  ctx.addRoute({"POST", "/api/v1/auth/login", kPublic, withRetryAfter([svc](Request& r) {
                  auto body = r.json();
                  std::string device = field(body, "device", false);
                  return Response::json(svc->login(field(body, "login"), field(body, "password"),
                                                   device.empty() ? "app" : device, r.remote_addr,
                                                   r.request_id)
                                            .toJson());
                })});
  ctx.addRoute({"POST", "/api/v1/auth/refresh", kPublic, [svc](Request& r) {
                  auto body = r.json();
                  return Response::json(
                      svc->refresh(field(body, "refresh_token"), r.request_id).toJson());
                }});
  ctx.addRoute({"POST", "/api/v1/auth/logout", kAuthenticated, [svc](Request& r) {
                  auto body = r.body.empty() ? nlohmann::json::object() : r.json();
                  std::string token = field(body, "refresh_token", false);
                  if (!token.empty()) svc->logout(r.user().user_id, token);
                  return Response::noContent();
                }});
  ctx.addRoute({"POST", "/api/v1/auth/logout-all", kAuthenticated, [svc](Request& r) {
                  svc->logoutAll(r.user(), r.request_id);
                  return Response::noContent();
                }});
  ctx.addRoute({"POST", "/api/v1/auth/register", kPublic, withRetryAfter([svc](Request& r) {
                  auto body = r.json();
                  Registration reg;
                  reg.invitation_code = field(body, "invitation_code");
                  reg.login = field(body, "login");
                  reg.password = field(body, "password");
                  reg.display_name = field(body, "display_name");
                  reg.language = field(body, "language", false);
                  return Response::json(
                      svc->registerGuardian(reg, r.remote_addr, r.request_id).toJson(), 201);
                })});
  ctx.addRoute({"POST", "/api/v1/auth/password-reset/request", kPublic,
                withRetryAfter([svc](Request& r) {
                  auto body = r.json();
                  svc->requestPasswordReset(field(body, "login"), r.request_id);
                  return Response::json({{"status", "accepted"}}, 202);
                })});
  ctx.addRoute(
      {"POST", "/api/v1/auth/password-reset/confirm", kPublic, withRetryAfter([svc](Request& r) {
         auto body = r.json();
         svc->confirmPasswordReset(field(body, "login"), field(body, "code"),
                                   field(body, "new_password"), r.remote_addr, r.request_id);
         return Response::noContent();
       })});
  ctx.addRoute(
      {"POST", "/api/v1/identity/invitations", "identity.invitations.issue", [svc](Request& r) {
         auto body = r.json();
         Invitation inv = svc->issueInvitation(r.user(), idField(body, "household_id"),
                                               idField(body, "guardian_id", false), r.request_id);
         return Response::json(
             {{"id", inv.id},
              {"code", inv.code},
              {"expires_at", formatUtc(TimePoint(std::chrono::seconds(inv.expires_at)))}},
             201);
       }});
}

}  // namespace sukusuku::identity
