#include "core_parts.h"

#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

void addAdminModule(Runtime& runtime) {
  runtime.addCoreModule("admin", [](PluginContext& ctx, Runtime& rt) {
    (void)ctx;
    (void)rt;
  });
}

}  // namespace sukusuku
