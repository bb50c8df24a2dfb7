#include "web_shell.h"

#include "sukusuku/permissions.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

void addWebShellModule(Runtime& runtime) {
  runtime.addCoreModule("web", [](PluginContext& ctx, Runtime&) {
    auto& web = ctx.web();
    auto& i18n = web.i18n();
    ctx.addRoute({"GET", "/web", kAuthenticated, [&web, &i18n](Request& req) {
                    const Principal& p = req.user();
                    nlohmann::json tiles = web.navFor(req);
                    return web.page(req, "core/home",
                                    {{"greeting", i18n.t(req.language, "home.greeting",
                                                         {{"name", p.display_name}})},
                                     {"role_label", i18n.t(req.language, "roles." + p.role)},
                                     {"tiles", tiles},
                                     {"no_tiles", tiles.empty()}},
                                    "home.title");
                  }});
  });
}

}  // namespace sukusuku
