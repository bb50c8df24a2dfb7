#include "core_parts.h"

#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

void addPaymentsModule(Runtime& runtime) {
  runtime.addCoreModule("payments", [](PluginContext& ctx, Runtime& rt) {
    (void)ctx;
    (void)rt;
  });
}

}  // namespace sukusuku
