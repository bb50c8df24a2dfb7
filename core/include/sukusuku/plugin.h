// The plugin contract.
//
// A plugin is a shared library in plugins.dir, loaded at start-up with Poco::ClassLoader when its
// name is listed in plugins.enabled. It exports exactly one class derived from Plugin with
// SUKUSUKU_PLUGIN(ClassName) (at global namespace scope). Life of a plugin:
//
//   manifest()  read right after loading: name, version, the plugins it needs
//   init(ctx)   in dependency order: declare config keys and contribute migrations, routes, pages,
//               navigation, templates, strings, permissions, event handlers, jobs, CLI commands,
//               services, OpenAPI fragments and demo data
//   start(ctx)  in dependency order, after all migrations ran: look up other plugins' services
//   stop()      in reverse order at shutdown
//
// Resources travel beside the library in <resources.dir>/<plugin>/ and are picked up by
// convention, with no code: migrations/NNN_name.sql (version NNN), templates/NAME.mustache
// (template "<plugin>/NAME"), i18n/LANG.json, static/ (served at /static/<plugin>/…) and
// openapi.json. A plugin missing, failing to load, with an unknown dependency or in a dependency
// cycle stops start-up with one line naming it and why.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <Poco/ClassLibrary.h>
#include <Poco/Logger.h>
#include <nlohmann/json.hpp>

#include "sukusuku/audit.h"
#include "sukusuku/blob_store.h"
#include "sukusuku/cli.h"
#include "sukusuku/clock.h"
#include "sukusuku/config.h"
#include "sukusuku/db/database.h"
#include "sukusuku/events.h"
#include "sukusuku/http.h"
#include "sukusuku/jobs.h"
#include "sukusuku/metrics.h"
#include "sukusuku/permissions.h"
#include "sukusuku/services.h"
#include "sukusuku/web.h"

namespace sukusuku {

struct PluginManifest {
  std::string name;     // [a-z][a-z0-9_]*, also the CLI word and the resource folder
  std::string version;  // semantic version
  std::vector<std::string> depends_on;
  std::string description;
};

// What the host hands a plugin. Owned by the host; valid for the plugin's life. Contributions
// are only accepted during init().
class PluginContext {
 public:
  virtual ~PluginContext() = default;

  virtual const std::string& pluginName() const = 0;
  // <resources.dir>/<plugin name>
  virtual std::string resourceDir() const = 0;

  virtual Config& config() = 0;
  virtual db::Database& database() = 0;
  virtual const Clock& clock() = 0;
  virtual EventBus& events() = 0;
  virtual BlobStore& blobs() = 0;
  virtual AuditLog& audit() = 0;
  virtual Metrics& metrics() = 0;
  virtual ServiceRegistry& services() = 0;
  virtual Web& web() = 0;
  virtual Poco::Logger& logger() = 0;

  // Declares "<plugin>.<key>" with its default and help; read it with config().
  virtual void declareConfig(const std::string& key, const std::string& default_value,
                             const std::string& help) = 0;
  virtual void addMigration(int version, const std::string& name, const std::string& sql) = 0;
  virtual void addRoute(Route route) = 0;
  virtual void addNavItem(NavItem item) = 0;
  virtual void addTemplate(const std::string& name, const std::string& text) = 0;
  virtual void addStrings(const std::string& language, const nlohmann::json& catalogue) = 0;
  // A named permission and the roles that hold it unless a municipality changes that.
  virtual void addPermission(const std::string& name, const std::string& description,
                             const std::vector<std::string>& default_roles) = 0;
  virtual void subscribe(const std::string& event_type, EventBus::Subscriber fn) = 0;
  virtual void addJob(JobSpec job) = 0;
  virtual void addCommand(CliCommand command) = 0;
  virtual void addOpenApi(const nlohmann::json& fragment) = 0;
  // Run by `sukusuku seed-demo` in dependency order, after the core's demo data.
  virtual void addDemoSeeder(std::function<void(db::Database&)> seeder) = 0;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual PluginManifest manifest() const = 0;
  virtual void init(PluginContext& ctx) = 0;
  virtual void start(PluginContext& ctx) { (void)ctx; }
  virtual void stop() {}
};

}  // namespace sukusuku

// Exports CLASS as this library's plugin. Use once per plugin library, at global scope.
#define SUKUSUKU_PLUGIN(CLASS)             \
  POCO_BEGIN_MANIFEST(sukusuku::Plugin)    \
  POCO_EXPORT_CLASS(CLASS)                 \
  POCO_END_MANIFEST
