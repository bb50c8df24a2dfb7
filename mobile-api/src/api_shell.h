// The guardian API shell (/api/v1): the core's own endpoints for the app.
//
//   GET    /api/v1/me                  the signed-in person, household, children, facilities
//   POST   /api/v1/devices             register a push token {token, platform, app_version,
//                                      language?}; re-registering refreshes it
//   DELETE /api/v1/devices/{id}        unregister (own devices only)
//   GET    /api/v1/home                cards plugins add through the "api.home_feed" service
//   GET    /api/v1/openapi.json        the OpenAPI 3.1 document of core and plugins
#pragma once

namespace sukusuku {

class Runtime;

void addApiShellModule(Runtime& runtime);

}  // namespace sukusuku
