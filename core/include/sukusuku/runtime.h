// The running system: configuration, database, shared services, router and plugins, wired once.
//
// `sukusuku` builds one Runtime per process; tests build one per case. Plugins do not see this
// class, only the PluginContext it hands them. Life:
//
//   Runtime rt(config);   // declares the core keys
//   addBuiltInModules(rt); // identity, API shell, ... (core/include/sukusuku/builtin.h)
//   rt.boot();            // opens the database and blob store, loads and init()s plugins
//   rt.migrate();         // applies pending migrations (or rt.migrationsCurrent() to check)
//   rt.start();           // start()s plugins in dependency order
//   ...                   // serve, run a command
//   rt.stop();            // stop()s plugins in reverse order (also done by the destructor)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/audit.h"
#include "sukusuku/blob_store.h"
#include "sukusuku/cli.h"
#include "sukusuku/clock.h"
#include "sukusuku/config.h"
#include "sukusuku/db/database.h"
#include "sukusuku/db/migrations.h"
#include "sukusuku/events.h"
#include "sukusuku/jobs.h"
#include "sukusuku/metrics.h"
#include "sukusuku/permissions.h"
#include "sukusuku/plugin.h"
#include "sukusuku/router.h"
#include "sukusuku/services.h"
#include "sukusuku/web.h"

namespace sukusuku {

// Thrown when start-up cannot go on; what() is the one line an operator needs.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedPlugin {
  PluginManifest manifest;
  std::string path;
};

struct PluginCommandSet {
  std::string plugin;
  std::vector<CliCommand> commands;
};

class Runtime;

// A part of the core built into the binary (identity, push, the API shell): it contributes
// through the same context as a plugin, before any plugin, and may also reach the runtime (to
// install the authenticator, for instance).
using CoreModule = std::function<void(PluginContext& ctx, Runtime& runtime)>;

class Runtime {
 public:
  explicit Runtime(std::unique_ptr<Config> config, std::shared_ptr<const Clock> clock = nullptr);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Core modules added before boot() contribute as owner NAME, in the order added, with
  // resources from <resources.dir>/NAME; unlike plugins they may route and name permissions
  // anywhere.
  void addCoreModule(const std::string& name, CoreModule module);
  // Background work of a core module (the push core's outbox workers): START runs in start(),
  // before any plugin's start(); STOP runs in stop(), after every plugin's stop(), in reverse
  // order of registration. May be called from a core module's function during boot().
  void addCoreLifecycle(const std::string& name, std::function<void()> start,
                        std::function<void()> stop);

  void boot();
  int migrate(const std::function<void(const db::Migration&)>& progress = {});
  bool migrationsCurrent();
  void start();
  void stop();
  // Runs the core's and then every plugin's demo seeders, in dependency order.
  void seedDemo();

  Config& config() { return *config_; }
  db::Database& database() { return *db_; }
  const Clock& clock() const { return *clock_; }
  EventBus& events() { return events_; }
  JobScheduler& jobs() { return *jobs_; }
  BlobStore& blobs() { return *blobs_; }
  AuditLog& audit() { return *audit_; }
  Metrics& metrics() { return metrics_; }
  ServiceRegistry& services() { return services_; }
  Permissions& permissions() { return permissions_; }
  Router& router() { return router_; }
  Web& web() { return *web_; }
  I18n& i18n() { return i18n_; }
  Templates& templates() { return templates_; }
  const std::vector<LoadedPlugin>& plugins() const { return loaded_; }
  const std::vector<PluginCommandSet>& commands() const { return commands_; }
  const nlohmann::json& openApi() const { return openapi_; }
  void setAuthenticator(std::shared_ptr<Authenticator> auth) { authenticator_ = std::move(auth); }
  Authenticator* authenticator() const { return authenticator_.get(); }

  // Where plugin libraries and resources are, resolved from the configuration and the binary.
  std::string pluginsDir() const;
  std::string resourcesDir() const;
  std::string dataDir() const;

  // Declares the core's configuration keys on CONFIG (used by `sukusuku config` too).
  static void declareCoreKeys(Config& config);

 private:
  class Context;
  void loadPlugins();
  void contribute(const std::string& owner, const std::string& resource_dir, bool core,
                  const std::function<void(PluginContext&)>& fn);
  void loadResources(Context& ctx);

  std::unique_ptr<Config> config_;
  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<db::MigrationRunner> migrations_;
  EventBus events_;
  std::unique_ptr<JobScheduler> jobs_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<AuditLog> audit_;
  Metrics metrics_;
  ServiceRegistry services_;
  Permissions permissions_;
  Router router_;
  I18n i18n_;
  Templates templates_;
  std::unique_ptr<Web> web_;
  std::shared_ptr<Authenticator> authenticator_;
  nlohmann::json openapi_;

  struct PluginSlot;
  std::vector<std::unique_ptr<PluginSlot>> slots_;  // dependency order
  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<LoadedPlugin> loaded_;
  std::vector<PluginCommandSet> commands_;
  std::vector<std::pair<std::string, std::function<void(db::Database&)>>> seeders_;
  std::vector<std::pair<std::string, CoreModule>> core_modules_;
  struct CoreLifecycle {
    std::string name;
    std::function<void()> start, stop;
  };
  std::vector<CoreLifecycle> core_lifecycles_;
  bool started_ = false;
};

}  // namespace sukusuku
