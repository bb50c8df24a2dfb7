#include "routes.h"

namespace sukusuku::identity {

nlohmann::json openApiFragment() {
  auto body = [](nlohmann::json properties, nlohmann::json required) {
    return nlohmann::json{
        {"required", true},
        {"content",
         {{"application/json",
           {{"schema",
             {{"type", "object"}, {"required", required}, {"properties", properties}}}}}}}};
  };
  const nlohmann::json str = {{"type", "string"}};
  const nlohmann::json err = {{"$ref", "#/components/responses/Error"}};
  const nlohmann::json pair = {
      {"description", "a new token pair"},
      {"content",
       {{"application/json", {{"schema", {{"$ref", "#/components/schemas/TokenPair"}}}}}}}};
  auto op = [&](const char* id, const char* summary, nlohmann::json request,
                nlohmann::json responses, bool bearer) {
    nlohmann::json o = {{"tags", {"auth"}},
                        {"operationId", id},
                        {"summary", summary},
                        {"responses", std::move(responses)}};
    if (!request.is_null()) o["requestBody"] = std::move(request);
    o["security"] = bearer ? nlohmann::json::array({{{"bearer", nlohmann::json::array()}}})
                           : nlohmann::json::array();
    return o;
  };
  nlohmann::json paths = {
      {"/api/v1/auth/login",
       {{"post",
         op("login",
            "Sign in; 429 auth.locked / auth.throttled with Retry-After after repeated "
            "failures",
            body({{"login", str}, {"password", str}, {"device", str}}, {"login", "password"}),
            {{"200", pair}, {"401", err}, {"429", err}}, false)}}},
      {"/api/v1/auth/refresh",
       {{"post", op("refreshTokens",
                    "Rotate a refresh token; reusing a rotated one revokes its family "
                    "(auth.refresh_reused)",
                    body({{"refresh_token", str}}, {"refresh_token"}),
                    {{"200", pair}, {"401", err}}, false)}}},
      {"/api/v1/auth/logout",
       {{"post", op("logout", "End this device's sign-in",
                    body({{"refresh_token", str}}, nlohmann::json::array()),
                    {{"204", {{"description", "signed out"}}}, {"401", err}}, true)}}},
      {"/api/v1/auth/logout-all",
       {{"post", op("logoutAll", "End every sign-in of this account, on every device", nullptr,
                    {{"204", {{"description", "signed out everywhere"}}}, {"401", err}}, true)}}},
      {"/api/v1/auth/register",
       {{"post", op("register", "Create a guardian account with an invitation code",
                    body({{"invitation_code", str},
                          {"login", str},
                          {"password", str},
                          {"display_name", str},
                          {"language", str}},
                         {"invitation_code", "login", "password", "display_name"}),
                    {{"201", pair}, {"409", err}, {"422", err}, {"429", err}}, false)}}},
      {"/api/v1/auth/password-reset/request",
       {{"post",
         op("requestPasswordReset",
            "Send a one-time code to the account, if it exists (202 either way); 429 "
            "auth.reset_throttled with Retry-After after a few requests for the same login",
            body({{"login", str}}, {"login"}),
            {{"202", {{"description", "accepted"}}}, {"429", err}}, false)}}},
      {"/api/v1/auth/password-reset/confirm",
       {{"post",
         op("confirmPasswordReset", "Set a new password with the code; signs out everywhere",
            body({{"login", str}, {"code", str}, {"new_password", str}},
                 {"login", "code", "new_password"}),
            {{"204", {{"description", "password changed"}}}, {"400", err}, {"422", err}}, false)}}},
  };
  nlohmann::json schemas = {
      {"TokenPair",
       {{"type", "object"},
        {"required", {"access_token", "token_type", "expires_in", "refresh_token"}},
        {"properties",
         {{"access_token", {{"type", "string"}, {"description", "JWT, send as Bearer"}}},
          {"token_type", {{"type", "string"}, {"enum", {"Bearer"}}}},
          {"expires_in", {{"type", "integer"}, {"description", "seconds"}}},
          {"refresh_token",
           {{"type", "string"},
            {"description", "single use: each refresh returns a new one"}}}}}}}};
  return {{"paths", paths},
          {"components", {{"schemas", schemas}}},
          {"tags", {{{"name", "auth"}, {"description", "Signing in, tokens and password reset"}}}}};
}

}  // namespace sukusuku::identity
