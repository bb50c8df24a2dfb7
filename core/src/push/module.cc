#include "core_parts.h"

#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

void addPushModule(Runtime& runtime) {
  runtime.addCoreModule("push", [](PluginContext& ctx, Runtime& rt) {
    (void)ctx;
    (void)rt;
  });
}

}  // namespace sukusuku
