// The identity core's HTTP routes. Private to core/src/identity.
#pragma once

#include <memory>

#include "sukusuku/identity/identity_service.h"
#include "sukusuku/plugin.h"

namespace sukusuku::identity {

// /api/v1/auth/* and /api/v1/identity/invitations.
void addApiRoutes(PluginContext& ctx, std::shared_ptr<IdentityService> service);
// /web/login and /web/logout.
void addWebRoutes(PluginContext& ctx, Runtime& runtime, std::shared_ptr<IdentityService> service);

// The OpenAPI paths and schemas of the /api/v1/auth routes (the app's contract).
nlohmann::json openApiFragment();

// An Error carrying details.retry_after as a response with a Retry-After header.
Response retryAfterResponse(const Error& error);

}  // namespace sukusuku::identity
