// Walks every route the core and the shipped plugins register and proves none is open by
// accident: each declares a permission that exists, and the public ones are exactly the ones
// listed here, each for a stated reason.
#include <gtest/gtest.h>

#include <sukusuku/builtin.h>
#include <sukusuku/http_server.h>
#include <sukusuku/runtime.h>

#include "test_system.h"

namespace sukusuku::testing {
namespace {

// Public on purpose. Anything else public is a mistake.
bool allowedPublic(const Route& r) {
  const std::string& p = r.pattern;
  auto starts = [&p](const char* prefix) { return p.rfind(prefix, 0) == 0; };
  return p == "/healthz" || p == "/readyz" || p == "/metrics"  // probes; nginx keeps /metrics in
         || p == "/api/v1/openapi.json"                        // the published API description
         || starts("/static/")                                 // CSS, scripts, images
         || p == "/api/v1/auth/login" || p == "/api/v1/auth/refresh"  // signing in, tokens
         || p == "/api/v1/auth/register"                         // the invitation's first run
         || starts("/api/v1/auth/password-reset/")               // one-time reset codes
         || p == "/web/login"                                  // the login form
         // payments: the provider's webhook (its HMAC signature is the credential), and the
         // built-in sandbox provider's API (key header) and checkout pages (random ids)
         || starts("/api/v1/payments/webhook/") || starts("/api/v1/payments/sandbox/") ||
         starts("/web/payments/sandbox/")
         // photos: digital downloads through signed, expiring links (the HMAC is the credential)
         || p == "/api/v1/photos/downloads/{item_id}";
}

TEST(RouteWalk, EveryRouteDeclaresAKnownPermissionAndNothingIsOpenByAccident) {
  TestSystem sys("sqlite", "");
  // The real plugins, built beside the binary.
  // Every plugin the build made (the list comes from CMake).
  auto config = sys.makeConfig(SUKUSUKU_ALL_PLUGINS, {});
  config->set("plugins.dir", binaryDir() + "/lib/sukusuku/plugins");
  Runtime rt(std::move(config));
  addBuiltInModules(rt);
  rt.boot();
  HttpServer::addCoreRoutes(rt, nullptr);
  size_t checked = 0;
  for (const Route* r : rt.router().routes()) {
    ++checked;
    ASSERT_FALSE(r->permission.empty()) << r->method << " " << r->pattern;
    if (r->permission == kPublic) {
      EXPECT_TRUE(allowedPublic(*r)) << r->method << " " << r->pattern << " (owner " << r->owner
                                     << ") is public but not on the list";
    } else if (r->permission != kAuthenticated) {
      EXPECT_TRUE(rt.permissions().exists(r->permission))
          << r->pattern << " needs unknown permission " << r->permission;
    }
  }
  EXPECT_GE(checked, 8u);
  // /api/v1/me is the one "who am I"; the old duplicate must not come back.
  EXPECT_EQ(rt.router().match("GET", "/api/v1/auth/me").route, nullptr);
}

}  // namespace
}  // namespace sukusuku::testing
