#include "sukusuku/runtime.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <Poco/ClassLoader.h>
#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>
#include <Poco/Process.h>

#include "sukusuku/error.h"
#include "static_files.h"

namespace sukusuku {

namespace fs = std::filesystem;

namespace {

using PluginLoader = Poco::ClassLoader<Plugin>;

// Plugins are never unloaded (their code may still be referenced by callbacks and static
// destructors at exit), so the loader lives for the whole process.
PluginLoader& loader() {
  static PluginLoader* instance = new PluginLoader();
  return *instance;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw StartupError("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string executableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path().string();
  return exe.parent_path().string();
}

bool validPluginName(const std::string& name) {
  if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

// ---- configuration ----------------------------------------------------------------------------

void Runtime::declareCoreKeys(Config& c) {
  auto key = [&c](const char* name, const char* def, const char* help) {
    c.declare({name, def, help, "core"});
  };
  key("http.host", "127.0.0.1", "Address the HTTP server listens on");
  key("http.port", "8080", "TCP port of the HTTP server (0 picks a free one)");
  key("http.threads", "128",
      "Worker threads. Poco holds one per open keep-alive connection: size for the concurrent "
      "connections expected (nginx upstream keepalive + bursts)");
  key("http.max_queued", "2048", "Accepted connections waiting for a worker before refusal");
  key("http.keep_alive_timeout_ms", "5000", "Idle keep-alive connections close after this");
  key("http.read_timeout_ms", "10000",
      "A client that sends nothing for this long while a request is being read is cut off");
  key("http.body_timeout_ms", "60000", "Whole-body read limit: slower uploads get 408");
  key("http.max_body_bytes", "10485760", "Largest request body accepted (routes may raise it)");
  key("http.shutdown_timeout_ms", "10000",
      "On shutdown, in-flight requests get this long to finish");
  key("http.trust_proxy", "false",
      "Take the client address from X-Forwarded-For (only behind our own nginx)");
  key("http.idempotency_claim_seconds", "60",
      "An Idempotency-Key whose first request recorded no answer for this long (its node died "
      "mid-request) is taken over by the next retry instead of answering 409 for ever");
  key("data.dir", "./var", "Folder for the SQLite file and the local blob store");
  key("db.url", "",
      "Database URL: sqlite:PATH or mysql://user:pass@host:port/db; empty = SQLite in data.dir");
  key("db.pool_size", "32", "Database connections per node");
  key("db.acquire_timeout_ms", "5000", "Wait for a pooled connection before 503");
  key("plugins.dir", "", "Folder of plugin libraries; empty = <binary>/../lib/sukusuku/plugins");
  key("plugins.enabled", "", "Comma-separated plugin names to load, e.g. messaging,fees");
  key("resources.dir", "",
      "Folder of templates, strings, migrations and static files; empty = <binary>/../share/"
      "sukusuku");
  key("blobs.dir", "", "Local blob store folder; empty = <data.dir>/blobs");
  key("log.level", "information", "fatal, critical, error, warning, notice, information, debug");
  key("log.access", "true", "Write one access-log line per request");
  key("jobs.enabled", "true", "Run periodic jobs on this node");
  key("node.id", "", "Name of this node in leases and logs; empty = host name and process id");
  key("auth.jwt.keys_file", "",
      "JSON list of JWT keys [{kid, alg: HS256|RS256, secret (base64url) | private_key_file, "
      "public_key_file}]; empty = an HS256 key generated once in <data.dir>/keys/jwt-keys.json");
  key("auth.jwt.active_kid", "",
      "Key id that signs new access tokens; empty = the first key that can sign. Rotate by "
      "adding a key, activating it, and removing the old one after auth.access_ttl_seconds");
  key("auth.access_ttl_seconds", "900", "Lifetime of API access tokens (JWT)");
  key("auth.refresh_ttl_days", "60", "Lifetime of a refresh token; each use rotates it");
  key("auth.session_ttl_hours", "12", "Lifetime of a staff web session");
  key("auth.login.max_failures", "5",
      "Wrong passwords for one login before it is locked for auth.login.lockout_minutes");
  key("auth.login.max_failures_per_address", "50",
      "Failed sign-ins (and invitation or reset codes) from one client address before it is "
      "throttled for auth.login.lockout_minutes. Behind nginx set http.trust_proxy, or every "
      "client shares the proxy's address");
  key("auth.login.lockout_minutes", "15", "Lockout period, and the window failures count in");
  key("auth.invitation_ttl_days", "14", "How long a guardian invitation code stays valid");
  key("auth.cookie_secure", "auto",
      "Secure flag on cookies: true, false, or auto = when X-Forwarded-Proto is https");
}

std::string Runtime::pluginsDir() const {
  std::string dir = config_->getString("plugins.dir");
  if (!dir.empty()) return dir;
  return (fs::path(executableDir()) / ".." / "lib" / "sukusuku" / "plugins")
      .lexically_normal()
      .string();
}

std::string Runtime::resourcesDir() const {
  std::string dir = config_->getString("resources.dir");
  if (!dir.empty()) return dir;
  return (fs::path(executableDir()) / ".." / "share" / "sukusuku").lexically_normal().string();
}

std::string Runtime::dataDir() const { return config_->getString("data.dir"); }

// ---- the context handed to plugins -------------------------------------------------------------

class Runtime::Context final : public PluginContext {
 public:
  Context(Runtime& rt, std::string owner, std::string resource_dir, bool core)
      : rt_(rt), owner_(std::move(owner)), resource_dir_(std::move(resource_dir)), core_(core) {}

  const std::string& pluginName() const override { return owner_; }
  std::string resourceDir() const override { return resource_dir_; }
  Config& config() override { return *rt_.config_; }
  db::Database& database() override { return *rt_.db_; }
  const Clock& clock() override { return *rt_.clock_; }
  EventBus& events() override { return rt_.events_; }
  BlobStore& blobs() override { return *rt_.blobs_; }
  AuditLog& audit() override { return *rt_.audit_; }
  Metrics& metrics() override { return rt_.metrics_; }
  ServiceRegistry& services() override { return rt_.services_; }
  Web& web() override { return *rt_.web_; }
  Poco::Logger& logger() override { return Poco::Logger::get(owner_); }

  void declareConfig(const std::string& key, const std::string& default_value,
                     const std::string& help) override {
    requireInit("declareConfig");
    rt_.config_->declare({owner_ + "." + key, default_value, help, owner_});
  }
  void addMigration(int version, const std::string& name, const std::string& sql) override {
    requireInit("addMigration");
    rt_.migrations_->add({owner_, version, name, sql});
  }
  void addRoute(Route route) override {
    requireInit("addRoute");
    if (!core_) {
      std::string api = "/api/v1/" + owner_, web = "/web/" + owner_;
      auto under = [&route](const std::string& prefix) {
        return route.pattern == prefix || route.pattern.rfind(prefix + "/", 0) == 0;
      };
      if (!under(api) && !under(web)) {
        throw StartupError("plugin " + owner_ + ": route " + route.pattern + " must be under " +
                           api + " or " + web);
      }
    }
    if (route.permission != kPublic && route.permission != kAuthenticated &&
        !rt_.permissions_.exists(route.permission)) {
      throw StartupError(owner_ + ": route " + route.method + " " + route.pattern +
                         " needs undeclared permission " + route.permission);
    }
    route.owner = owner_;
    rt_.router_.add(std::move(route));
  }
  void addNavItem(NavItem item) override {
    requireInit("addNavItem");
    item.owner = owner_;
    rt_.web_->addNav(std::move(item));
  }
  void addTemplate(const std::string& name, const std::string& text) override {
    requireInit("addTemplate");
    rt_.templates_.add(owner_ + "/" + name, text);
  }
  void addStrings(const std::string& language, const nlohmann::json& catalogue) override {
    requireInit("addStrings");
    rt_.i18n_.add(language, catalogue, owner_);
  }
  void addPermission(const std::string& name, const std::string& description,
                     const std::vector<std::string>& default_roles) override {
    requireInit("addPermission");
    if (!core_ && name.rfind(owner_ + ".", 0) != 0) {
      throw StartupError("plugin " + owner_ + ": permission " + name + " must start with '" +
                         owner_ + ".'");
    }
    rt_.permissions_.add({name, description, default_roles, owner_});
  }
  void subscribe(const std::string& event_type, EventBus::Subscriber fn) override {
    requireInit("subscribe");
    rt_.events_.subscribe(event_type, owner_, std::move(fn));
  }
  void addJob(JobSpec job) override {
    requireInit("addJob");
    job.owner = owner_;
    rt_.jobs_->add(std::move(job));
  }
  void addCommand(CliCommand command) override {
    requireInit("addCommand");
    auto it = std::find_if(rt_.commands_.begin(), rt_.commands_.end(),
                           [this](const PluginCommandSet& s) { return s.plugin == owner_; });
    if (it == rt_.commands_.end()) {
      rt_.commands_.push_back({owner_, {}});
      it = std::prev(rt_.commands_.end());
    }
    for (const auto& c : it->commands) {
      if (c.verb == command.verb) throw StartupError(owner_ + ": command twice: " + c.verb);
    }
    it->commands.push_back(std::move(command));
  }
  void addOpenApi(const nlohmann::json& fragment) override {
    requireInit("addOpenApi");
    auto& doc = rt_.openapi_;
    if (fragment.contains("paths")) {
      for (auto it = fragment["paths"].begin(); it != fragment["paths"].end(); ++it) {
        if (doc["paths"].contains(it.key())) {
          throw StartupError(owner_ + ": OpenAPI path defined twice: " + it.key());
        }
        doc["paths"][it.key()] = *it;
      }
    }
    if (fragment.contains("components")) {
      for (auto sec = fragment["components"].begin(); sec != fragment["components"].end();
           ++sec) {
        for (auto it = sec->begin(); it != sec->end(); ++it) {
          if (doc["components"][sec.key()].contains(it.key())) {
            throw StartupError(owner_ + ": OpenAPI component defined twice: " + it.key());
          }
          doc["components"][sec.key()][it.key()] = *it;
        }
      }
    }
    if (fragment.contains("tags")) {
      for (const auto& tag : fragment["tags"]) doc["tags"].push_back(tag);
    }
  }
  void addDemoSeeder(std::function<void(db::Database&)> seeder) override {
    requireInit("addDemoSeeder");
    rt_.seeders_.emplace_back(owner_, std::move(seeder));
  }

  void closeInit() { in_init_ = false; }

 private:
  void requireInit(const char* what) const {
    if (!in_init_) throw std::logic_error(owner_ + ": " + what + " is only allowed in init()");
  }

  Runtime& rt_;
  std::string owner_;
  std::string resource_dir_;
  bool core_;
  bool in_init_ = true;
};

struct Runtime::PluginSlot {
  std::string name;
  std::string path;
  Plugin* plugin = nullptr;  // owned by the process-wide loader's library; never deleted early
  std::unique_ptr<Plugin> owned;
  PluginManifest manifest;
  Context* context = nullptr;
};

// ---- life cycle -------------------------------------------------------------------------------

Runtime::Runtime(std::unique_ptr<Config> config, std::shared_ptr<const Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  if (!clock_) clock_ = std::make_shared<SystemClock>();
  declareCoreKeys(*config_);
  openapi_ = {{"openapi", "3.1.0"},
              {"info",
               {{"title", "Sukusuku guardian API"},
                {"version", "1"},
                {"description", "The JSON API of the Sukusuku parent app."},
                {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-Sukusuku"}}}}},
              {"servers", nlohmann::json::array({{{"url", "/"}}})},
              {"paths", nlohmann::json::object()},
              {"components", {{"schemas", nlohmann::json::object()}}},
              {"tags", nlohmann::json::array()}};
}

Runtime::~Runtime() {
  try {
    stop();
  } catch (...) {
  }
}

void Runtime::addCoreModule(const std::string& name, CoreModule module) {
  if (db_) throw std::logic_error("core module " + name + " added after boot()");
  core_modules_.emplace_back(name, std::move(module));
}

void Runtime::contribute(const std::string& owner, const std::string& resource_dir, bool core,
                         const std::function<void(PluginContext&)>& fn) {
  auto ctx = std::make_unique<Context>(*this, owner, resource_dir, core);
  loadResources(*ctx);
  fn(*ctx);
  ctx->closeInit();
  contexts_.push_back(std::move(ctx));
}

void Runtime::loadResources(Context& ctx) {
  fs::path dir = ctx.resourceDir();
  if (!fs::is_directory(dir)) return;
  const std::string& owner = ctx.pluginName();
  try {
    if (fs::is_directory(dir / "migrations")) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir / "migrations")) {
        if (e.path().extension() == ".sql") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::string stem = f.stem().string();
        size_t digits = 0;
        while (digits < stem.size() && std::isdigit(static_cast<unsigned char>(stem[digits]))) {
          ++digits;
        }
        if (digits == 0) {
          throw StartupError(owner + ": migration file name must start with its version: " +
                             f.string());
        }
        std::string name = stem.substr(digits);
        std::replace(name.begin(), name.end(), '_', ' ');
        migrations_->add({owner, std::stoi(stem.substr(0, digits)),
                          name.empty() ? stem : name.substr(name.find_first_not_of(' ')),
                          readFile(f)});
      }
    }
    if (fs::is_directory(dir / "templates")) {
      for (const auto& e : fs::recursive_directory_iterator(dir / "templates")) {
        if (e.path().extension() != ".mustache") continue;
        fs::path rel = fs::relative(e.path(), dir / "templates");
        std::string name = rel.replace_extension().generic_string();
        templates_.add(owner + "/" + name, readFile(e.path()));
      }
    }
    if (fs::is_directory(dir / "i18n")) {
      for (const auto& e : fs::directory_iterator(dir / "i18n")) {
        if (e.path().extension() != ".json") continue;
        auto catalogue = nlohmann::json::parse(readFile(e.path()), nullptr, false);
        if (catalogue.is_discarded() || !catalogue.is_object()) {
          throw StartupError(owner + ": " + e.path().string() + " is not a JSON object");
        }
        i18n_.add(e.path().stem().string(), catalogue, owner);
      }
    }
    if (fs::is_regular_file(dir / "openapi.json")) {
      auto doc = nlohmann::json::parse(readFile(dir / "openapi.json"), nullptr, false);
      if (doc.is_discarded()) throw StartupError(owner + ": openapi.json is not valid JSON");
      ctx.addOpenApi(doc);
    }
    if (fs::is_directory(dir / "static")) {
      Route r;
      r.method = "GET";
      r.pattern = "/static/" + owner + "/{*path}";
      r.permission = kPublic;
      r.owner = owner;
      r.handler = makeStaticHandler((dir / "static").string());
      router_.add(std::move(r));
    }
  } catch (const StartupError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartupError(owner + ": bad resource in " + dir.string() + ": " + e.what());
  }
}

void Runtime::boot() {
  auto& log = Poco::Logger::get("sukusuku");
  std::string data_dir = dataDir();
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) throw StartupError("cannot create data.dir " + data_dir + ": " + ec.message());

  std::string url = config_->getString("db.url");
  if (url.empty()) url = "sqlite:" + (fs::path(data_dir) / "sukusuku.db").string();
  db::PoolOptions pool;
  pool.max_connections = static_cast<int>(config_->getInt("db.pool_size"));
  pool.acquire_timeout = std::chrono::milliseconds(config_->getInt("db.acquire_timeout_ms"));
  try {
    db_ = db::Database::open(url, pool);
  } catch (const std::exception& e) {
    std::string shown = url.substr(0, url.find('@') == std::string::npos ? url.size()
                                                                         : url.find("://") + 3);
    throw StartupError("cannot open the database (" + shown + "…): " + e.what());
  }
  migrations_ = std::make_unique<db::MigrationRunner>(*db_);
  auto pool_gauge = [this](const char* name, const char* help, auto field) {
    metrics_.gauge(name, help, {}, [this, field] { return static_cast<double>(db_->stats().*field); });
  };
  pool_gauge("sukusuku_db_pool_connections", "Database connections open", &db::PoolStats::size);
  pool_gauge("sukusuku_db_pool_in_use", "Database connections lent out", &db::PoolStats::in_use);
  pool_gauge("sukusuku_db_pool_max", "Database pool size limit", &db::PoolStats::max_size);
  pool_gauge("sukusuku_db_pool_waiting", "Threads waiting for a connection",
             &db::PoolStats::waiting);
  pool_gauge("sukusuku_db_pool_timeouts_total", "Connection requests that timed out",
             &db::PoolStats::timeouts_total);
  metrics_.gauge("sukusuku_events_delivered_total", "Events delivered to subscribers", {},
                 [this] { return static_cast<double>(events_.deliveredCount()); });
  metrics_.gauge("sukusuku_events_failed_total", "Event deliveries that threw", {},
                 [this] { return static_cast<double>(events_.failedCount()); });

  std::string blob_dir = config_->getString("blobs.dir");
  if (blob_dir.empty()) blob_dir = (fs::path(data_dir) / "blobs").string();
  blobs_ = newLocalBlobStore(blob_dir);
  audit_ = std::make_unique<AuditLog>(*clock_);
  web_ = std::make_unique<Web>(templates_, i18n_);
  std::string node = config_->getString("node.id");
  if (node.empty()) {
    node = Poco::Environment::nodeName() + "-" + std::to_string(Poco::Process::id());
  }
  jobs_ = std::make_unique<JobScheduler>(*db_, *clock_, node, &metrics_);

  // The core's own resources (schema, layout, strings), then the built-in modules, then plugins.
  contribute("core", (fs::path(resourcesDir()) / "core").string(), true, [](PluginContext&) {});
  for (const auto& [name, module] : core_modules_) {
    contribute(name, (fs::path(resourcesDir()) / name).string(), true,
               [this, &module](PluginContext& ctx) { module(ctx, *this); });
  }
  loadPlugins();
  log.information("booted with %z plugin(s), %z route(s)", loaded_.size(),
                  router_.routes().size());
}

void Runtime::loadPlugins() {
  std::vector<std::string> enabled = config_->getList("plugins.enabled");
  std::string dir = pluginsDir();
  std::map<std::string, std::unique_ptr<PluginSlot>> by_name;
  for (const auto& name : enabled) {
    if (!validPluginName(name)) throw StartupError("plugin '" + name + "': not a valid name");
    if (by_name.count(name)) throw StartupError("plugin " + name + ": listed twice");
    auto slot = std::make_unique<PluginSlot>();
    slot->name = name;
    slot->path = (fs::path(dir) / ("libsukusuku_" + name + ".so")).string();
    if (!fs::exists(slot->path)) {
      throw StartupError("plugin " + name + ": not found at " + slot->path);
    }
    try {
      loader().loadLibrary(slot->path);
      const auto* manifest = loader().findManifest(slot->path);
      if (!manifest || manifest->size() != 1) {
        throw StartupError("plugin " + name + ": " + slot->path +
                           " must export exactly one sukusuku::Plugin");
      }
      slot->owned.reset(manifest->begin()->create());
      slot->plugin = slot->owned.get();
    } catch (const StartupError&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw StartupError("plugin " + name + ": cannot load " + slot->path + ": " +
                         e.displayText());
    } catch (const std::exception& e) {
      throw StartupError("plugin " + name + ": cannot load " + slot->path + ": " + e.what());
    }
    slot->manifest = slot->plugin->manifest();
    if (slot->manifest.name != name) {
      throw StartupError("plugin " + name + ": the library calls itself '" +
                         slot->manifest.name + "'");
    }
    by_name[name] = std::move(slot);
  }

  // Dependency order: depth-first, refusing unknown dependencies and cycles.
  std::vector<std::string> order;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (state[name] == 2) return;
    if (state[name] == 1) {
      std::string cycle;
      auto it = std::find(stack.begin(), stack.end(), name);
      for (; it != stack.end(); ++it) cycle += *it + " -> ";
      throw StartupError("plugin dependency cycle: " + cycle + name);
    }
    state[name] = 1;
    stack.push_back(name);
    for (const auto& dep : by_name[name]->manifest.depends_on) {
      if (!by_name.count(dep)) {
        throw StartupError("plugin " + name + " needs plugin " + dep + ", which is not enabled");
      }
      visit(dep);
    }
    stack.pop_back();
    state[name] = 2;
    order.push_back(name);
  };
  for (const auto& name : enabled) visit(name);

  for (const auto& name : order) {
    auto slot = std::move(by_name[name]);
    PluginSlot* s = slot.get();
    slots_.push_back(std::move(slot));
    try {
      contribute(name, (fs::path(resourcesDir()) / name).string(), false,
                 [s](PluginContext& ctx) { s->plugin->init(ctx); });
    } catch (const StartupError&) {
      throw;
    } catch (const std::exception& e) {
      throw StartupError("plugin " + name + ": init failed: " + e.what());
    }
    s->context = contexts_.back().get();
    loaded_.push_back({s->manifest, s->path});
  }
}

int Runtime::migrate(const std::function<void(const db::Migration&)>& progress) {
  return migrations_->applyAll(progress);
}

bool Runtime::migrationsCurrent() { return migrations_->current(); }

void Runtime::start() {
  if (started_) return;
  for (auto& slot : slots_) {
    try {
      slot->plugin->start(*slot->context);
    } catch (const std::exception& e) {
      throw StartupError("plugin " + slot->name + ": start failed: " + e.what());
    }
  }
  started_ = true;
  if (config_->getBool("jobs.enabled")) jobs_->start();
}

void Runtime::stop() {
  if (jobs_) jobs_->stop();
  if (!started_) return;
  started_ = false;
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    try {
      (*it)->plugin->stop();
    } catch (const std::exception& e) {
      Poco::Logger::get("sukusuku").error("plugin %s: stop failed: %s", (*it)->name,
                                          std::string(e.what()));
    }
  }
}

void Runtime::seedDemo() {
  for (const auto& [owner, seeder] : seeders_) {
    Poco::Logger::get("sukusuku").information("seeding demo data: %s", owner);
    seeder(*db_);
  }
}

}  // namespace sukusuku
