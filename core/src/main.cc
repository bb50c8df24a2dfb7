// The `sukusuku` binary: the application server and the operator's command line.
#include <iostream>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/ServerApplication.h>

#include "sukusuku/builtin.h"
#include "sukusuku/error.h"
#include "sukusuku/http_server.h"
#include "sukusuku/runtime.h"

namespace sukusuku {
namespace {

constexpr const char* kUsage = R"(usage: sukusuku [--config FILE] [--set KEY=VALUE]... COMMAND [ARGS]

commands:
  serve              run the HTTP server (on SQLite, pending migrations are applied first)
  migrate [--status] apply pending database migrations, or list them
  seed-demo          create the demo municipality, facilities, people and logins
  plugins            list the loaded plugins with their versions
  routes             list every route with the permission it needs
  config             list every configuration key with its default and effective value
  notify ...         send a message to an audience's inboxes and phones; `sukusuku notify --help`
  PLUGIN VERB ...    a plugin's command; `sukusuku PLUGIN --help` lists its verbs

configuration: the file given by --config (or $SUKUSUKU_CONFIG), then environment variables
named after the keys (http.port -> SUKUSUKU_HTTP_PORT), then --set; `sukusuku config` shows all.
)";

void setUpLogging(const std::string& level) {
  Poco::AutoPtr<Poco::PatternFormatter> fmt(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %q %s: %t"));
  Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(fmt, console));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  for (const auto& name : {"sukusuku", "http", "access", "jobs", "events", "db"}) {
    Poco::Logger::get(name).setChannel(channel);
    Poco::Logger::get(name).setLevel(level);
  }
}

class App final : public Poco::Util::ServerApplication {
 public:
  App(std::unique_ptr<Config> config, std::vector<std::string> command)
      : config_(std::move(config)), command_(std::move(command)) {}

  int exitCode() const { return exit_code_; }

 protected:
  int main(const std::vector<std::string>&) override {
    try {
      exit_code_ = dispatch();
    } catch (const StartupError& e) {
      std::cerr << "sukusuku: " << e.what() << "\n";
      exit_code_ = 1;
    } catch (const Error& e) {
      std::cerr << "sukusuku: " << e.code() << ": " << e.what() << "\n";
      exit_code_ = e.status() < 500 ? 2 : 1;
    } catch (const std::exception& e) {
      std::cerr << "sukusuku: " << e.what() << "\n";
      exit_code_ = 1;
    }
    return exit_code_ == 0 ? EXIT_OK : EXIT_SOFTWARE;
  }

 private:
  int dispatch() {
    const std::string& cmd = command_.empty() ? std::string("help") : command_[0];
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::cout << kUsage;
      return 0;
    }
    Runtime::declareCoreKeys(*config_);
    if (cmd == "config") return printConfig();
    if (cmd != "serve") {
      config_->set("jobs.enabled", "false");
      // Commands print their own summary; the log says only what went wrong unless asked.
      if (config_->sourceOf("log.level") == "default") config_->set("log.level", "warning");
    }
    setUpLogging(config_->getString("log.level"));
    Runtime rt(std::move(config_));
    addBuiltInModules(rt);
    rt.boot();
    if (cmd == "serve") return serve(rt);
    if (cmd == "migrate") return migrate(rt);
    if (cmd == "seed-demo") {
      migrate(rt);
      rt.start();
      rt.seedDemo();
      std::cout << "demo data ready\n";
      return 0;
    }
    if (cmd == "plugins") {
      if (rt.plugins().empty()) std::cout << "no plugins enabled (plugins.enabled is empty)\n";
      for (const auto& p : rt.plugins()) {
        std::cout << p.manifest.name << " " << p.manifest.version;
        if (!p.manifest.depends_on.empty()) {
          std::cout << " (needs";
          for (const auto& d : p.manifest.depends_on) std::cout << " " << d;
          std::cout << ")";
        }
        std::cout << "  " << p.manifest.description << "\n";
      }
      return 0;
    }
    if (cmd == "routes") {
      HttpServer::addCoreRoutes(rt, nullptr);
      for (const auto* r : rt.router().routes()) {
        std::cout << r->method << " " << r->pattern << "  [" << r->permission << "]  "
                  << r->owner << "\n";
      }
      return 0;
    }
    return pluginCommand(rt, cmd);
  }

  int printConfig() {
    for (const auto& k : config_->keys()) {
      std::cout << k.name << " = " << config_->getString(k.name) << "\n    " << k.help
                << "\n    default: '" << k.default_value << "', from " << config_->sourceOf(k.name)
                << ", env " << Config::envName(k.name) << "\n";
    }
    return 0;
  }

  int migrate(Runtime& rt) {
    if (command_.size() > 1 && command_[1] == "--status") {
      std::cout << (rt.migrationsCurrent() ? "database is current\n" : "migrations pending\n");
      return 0;
    }
    int n = rt.migrate([](const db::Migration& m) {
      std::cout << "applying " << m.owner << " " << m.version << " " << m.name << "\n";
    });
    std::cout << n << " migration(s) applied\n";
    return 0;
  }

  int serve(Runtime& rt) {
    bool embedded = rt.database().backend() == db::Backend::kSqlite;
    if (embedded) {
      rt.migrate();
    } else if (!rt.migrationsCurrent()) {
      Poco::Logger::get("sukusuku")
          .warning("migrations are pending: run `sukusuku migrate`; /readyz reports not ready");
    }
    rt.start();
    HttpServer server(rt);
    HttpServer::addCoreRoutes(rt, server.shuttingDownFlag());
    server.start();
    std::cout << "sukusuku listening on http://" << rt.config().getString("http.host") << ":"
              << server.port() << "/" << std::endl;
    waitForTerminationRequest();
    Poco::Logger::get("sukusuku").information("shutting down");
    server.stop();
    rt.stop();
    return 0;
  }

  int pluginCommand(Runtime& rt, const std::string& plugin) {
    for (const auto& set : rt.commands()) {
      if (set.plugin != plugin) continue;
      // One command without a verb is a command of its own: `sukusuku notify ARGS`.
      if (set.commands.size() == 1 && set.commands[0].verb.empty()) {
        const CliCommand& c = set.commands[0];
        std::vector<std::string> args(command_.begin() + 1, command_.end());
        for (const auto& a : args) {
          if (a == "--help") {
            std::cout << "usage: sukusuku " << plugin << " " << c.usage << "\n";
            return 0;
          }
        }
        rt.start();
        return c.run(args, std::cout, std::cerr);
      }
      std::string verb = command_.size() > 1 ? command_[1] : "--help";
      if (verb == "--help" || verb == "help") {
        std::cout << "usage: sukusuku " << plugin << " VERB [ARGS]\n\n";
        for (const auto& c : set.commands) std::cout << "  " << c.verb << "  " << c.summary << "\n";
        return 0;
      }
      for (const auto& c : set.commands) {
        if (c.verb != verb) continue;
        std::vector<std::string> args(command_.begin() + 2, command_.end());
        for (const auto& a : args) {
          if (a == "--help") {
            std::cout << "usage: sukusuku " << plugin << " " << verb << " " << c.usage << "\n";
            return 0;
          }
        }
        rt.start();
        return c.run(args, std::cout, std::cerr);
      }
      std::cerr << "sukusuku: " << plugin << " has no command '" << verb
                << "'; try `sukusuku " << plugin << " --help`\n";
      return 2;
    }
    std::cerr << "sukusuku: unknown command '" << plugin
              << "' (no such command, or its plugin is not enabled); try `sukusuku help`\n";
    return 2;
  }

  std::unique_ptr<Config> config_;
  std::vector<std::string> command_;
  int exit_code_ = 0;
};

}  // namespace
}  // namespace sukusuku

int main(int argc, char** argv) {
  using namespace sukusuku;
  std::vector<std::string> poco_args = {argv[0]};
  std::vector<std::string> command;
  std::string config_path;
  if (const char* env = std::getenv("SUKUSUKU_CONFIG")) config_path = env;
  std::vector<std::pair<std::string, std::string>> sets;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (!command.empty()) {
      command.push_back(a);
    } else if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--set" && i + 1 < argc) {
      std::string kv = argv[++i];
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << "sukusuku: --set needs KEY=VALUE\n";
        return 2;
      }
      sets.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--daemon" || a.rfind("--pidfile", 0) == 0 || a.rfind("--umask", 0) == 0) {
      poco_args.push_back(a);
    } else {
      command.push_back(a);
    }
  }
  std::unique_ptr<Config> config;
  try {
    config = config_path.empty() ? std::make_unique<Config>() : Config::fromFile(config_path);
  } catch (const std::exception& e) {
    std::cerr << "sukusuku: " << e.what() << "\n";
    return 2;
  }
  for (const auto& [k, v] : sets) config->set(k, v);
  App app(std::move(config), command);
  std::vector<char*> pargv;
  for (auto& s : poco_args) pargv.push_back(s.data());
  app.run(static_cast<int>(pargv.size()), pargv.data());
  return app.exitCode();
}
