#include "sukusuku/builtin.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "api_shell.h"
#include "core_parts.h"
#include "web_shell.h"
#include "sukusuku/demo_data.h"
#include "sukusuku/identity/module.h"
#include "sukusuku/runtime.h"
#include "sukusuku/services/password_hasher.h"

namespace sukusuku {

namespace {

// The tenancy model's contributions: its demo data (the schema itself is core migration 002).
void addTenancyModule(Runtime& runtime) {
  runtime.addCoreModule("tenancy", [](PluginContext& ctx, Runtime& rt) {
    ctx.addDemoSeeder([&rt](db::Database& db) {
      auto hasher = rt.services().find<services::PasswordHasher>("identity.password_hasher");
      std::function<std::string(const std::string&)> hash;
      if (hasher) hash = [hasher](const std::string& p) { return hasher->hash(p); };
      auto logins = seedDemoTenancy(db, rt.clock(), hash);
      if (logins.empty()) {
        std::cout << "demo municipality already present; nothing added\n";
        return;
      }
      auto path = std::filesystem::path(rt.dataDir()) / "demo-logins.txt";
      std::ofstream out(path);
      out << "Demo logins (password for all: " << logins[0].password << ")\n";
      for (const auto& l : logins) {
        out << "  " << l.role << std::string(24 - std::min<size_t>(23, l.role.size()), ' ')
            << l.login << "  (" << l.where << ")\n";
      }
      std::cout << "demo data created; logins written to " << path.string() << "\n";
    });
  });
}

}  // namespace

void addBuiltInModules(Runtime& runtime) {
  addIdentityModule(runtime);
  addTenancyModule(runtime);
  addPushModule(runtime);
  addPaymentsModule(runtime);
  addApiShellModule(runtime);
  addWebShellModule(runtime);
  addAdminModule(runtime);
}

}  // namespace sukusuku
