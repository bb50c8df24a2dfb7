// The plugin host and the shared services on a real database (SQLite, and MariaDB when
// SUKUSUKU_TEST_MYSQL is set): every contribution point of the test plugin, start-up failures,
// jobs across nodes, events after commit, the audit log.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include <sukusuku/builtin.h>
#include <sukusuku/error.h>
#include <sukusuku/runtime.h>

#include "../fixtures/plugins/journal.h"
#include "test_system.h"

namespace sukusuku::testing {
namespace {

class RuntimeTest : public ::testing::TestWithParam<std::string> {};

int64_t count(Runtime& rt, const std::string& sql) {
  return rt.database().acquire()->query(sql)[0][0].asInt();
}

TEST_P(RuntimeTest, TestPluginUsesEveryContributionPoint) {
  TestSystem sys(GetParam(), "testdep,testplugin");
  Runtime& rt = *sys.rt;

  // Manifest, dependency order: testplugin before testdep although listed after it.
  ASSERT_EQ(rt.plugins().size(), 2u);
  EXPECT_EQ(rt.plugins()[0].manifest.name, "testplugin");
  EXPECT_EQ(rt.plugins()[0].manifest.version, "1.2.3");
  EXPECT_EQ(rt.plugins()[1].manifest.name, "testdep");

  // Migrations from code (v1) and from a resource file (v2), recorded and current.
  EXPECT_TRUE(rt.migrationsCurrent());
  EXPECT_EQ(count(rt, "SELECT COUNT(*) FROM schema_migrations WHERE owner = 'testplugin'"), 2);
  EXPECT_EQ(count(rt, "SELECT COUNT(*) FROM testplugin_ticks"), 0);

  // Config key declared with its default, overridable.
  EXPECT_EQ(rt.config().getString("testplugin.greeting"), "こんにちは");

  // Routes, each with its permission and owner.
  int owned = 0;
  for (const auto* r : rt.router().routes()) {
    if (r->owner == "testplugin") ++owned;
  }
  EXPECT_GE(owned, 7);  // 5 API routes, 1 page, 1 static folder
  auto secret = rt.router().match("GET", "/api/v1/testplugin/secret");
  ASSERT_NE(secret.route, nullptr);
  EXPECT_EQ(secret.route->permission, "testplugin.read_secret");

  // Permission with its default roles.
  EXPECT_TRUE(rt.permissions().forRole(roles::kFacilityStaff).count("testplugin.read_secret"));
  EXPECT_FALSE(rt.permissions().forRole(roles::kGuardian).count("testplugin.read_secret"));

  // Templates from code and from files, strings in both languages.
  EXPECT_TRUE(rt.templates().has("testplugin/inline"));
  EXPECT_TRUE(rt.templates().has("testplugin/page"));
  EXPECT_EQ(rt.i18n().t("ja", "testplugin.title"), "テスト画面");
  EXPECT_EQ(rt.i18n().t("en", "testplugin.title"), "Test page");

  // Navigation: the secret entry only for those holding the permission.
  Request anon;
  anon.path = "/web/testplugin";
  auto nav = rt.web().navFor(anon);
  ASSERT_EQ(nav.size(), 1u);
  EXPECT_EQ(nav[0]["label"], "テスト");
  EXPECT_TRUE(nav[0]["active"].get<bool>());
  Request staff = anon;
  auto p = std::make_shared<Principal>();
  p->permissions = {"testplugin.read_secret"};
  staff.principal = p;
  EXPECT_EQ(rt.web().navFor(staff).size(), 2u);

  // OpenAPI fragments from code and file merged.
  EXPECT_TRUE(rt.openApi()["paths"].contains("/api/v1/testplugin/notes/{note_id}"));
  EXPECT_TRUE(rt.openApi()["paths"].contains("/api/v1/testplugin/notes"));

  // CLI commands: the test plugin's one command set, beside the core modules' (notify, admin).
  auto set = std::find_if(rt.commands().begin(), rt.commands().end(),
                          [](const auto& c) { return c.plugin == "testplugin"; });
  ASSERT_NE(set, rt.commands().end());
  ASSERT_EQ(set->commands.size(), 2u);  // hello, fail
  std::ostringstream out, err;
  EXPECT_EQ(set->commands[0].run({"世界"}, out, err), 0);
  EXPECT_EQ(out.str(), "こんにちは 世界\n");

  // Services and life cycle order: init in dependency order, start likewise, stop in reverse.
  auto journal = rt.services().find<Journal>("testplugin.journal");
  ASSERT_NE(journal, nullptr);
  rt.start();
  rt.stop();
  EXPECT_EQ(journal->entries(),
            (std::vector<std::string>{"testplugin.init", "testdep.init", "testplugin.start",
                                      "testdep.start", "testdep.stop", "testplugin.stop"}));

  // Demo data.
  rt.seedDemo();
  EXPECT_EQ(count(rt, "SELECT COUNT(*) FROM testplugin_notes"), 1);
}

TEST_P(RuntimeTest, EventsAreDeliveredAfterCommitOnlyAndAuditCommitsWithTheChange) {
  TestSystem sys(GetParam(), "testplugin,testdep");
  Runtime& rt = *sys.rt;
  auto journal = rt.services().find<Journal>("testplugin.journal");
  const Route* create = rt.router().match("POST", "/api/v1/testplugin/notes").route;
  ASSERT_NE(create, nullptr);

  Request ok;
  ok.body = R"({"text":"おたより"})";
  auto res = create->handler(ok);
  EXPECT_EQ(res.status, 201);
  int64_t id = nlohmann::json::parse(res.body)["id"];
  auto entries = journal->entries();
  EXPECT_EQ(entries[entries.size() - 2], "event:" + std::to_string(id));
  EXPECT_EQ(entries.back(), "testdep.saw:" + std::to_string(id));

  size_t before = journal->entries().size();
  Request rollback;
  rollback.body = R"({"text":"rollback"})";
  EXPECT_THROW(create->handler(rollback), Error);
  EXPECT_EQ(journal->entries().size(), before) << "no event for a rolled-back write";
  EXPECT_EQ(count(rt, "SELECT COUNT(*) FROM testplugin_notes"), 1);

  auto conn = rt.database().acquire();
  auto audit = rt.audit().list(*conn, 1, "testplugin.");
  ASSERT_EQ(audit.size(), 1u) << "the audit row of the rolled-back write vanished with it";
  EXPECT_EQ(audit[0].target_id, std::to_string(id));
  EXPECT_TRUE(rt.audit().list(*conn, 2).empty()) << "another municipality sees nothing";
}

TEST_P(RuntimeTest, AJobRunsOncePerPeriodAcrossNodes) {
  auto clock = std::make_shared<ManualClock>(parseUtc("2026-11-25T00:00:10Z"));
  TestSystem sys(GetParam(), "testplugin", clock);
  // A second "node": another runtime on the same database with its own scheduler.
  Runtime node2(sys.makeConfig("testplugin", {{"node.id", "node2"}}), clock);
  addBuiltInModules(node2);
  node2.boot();
  auto ticks = [&] { return count(*sys.rt, "SELECT COUNT(*) FROM testplugin_ticks"); };

  sys.rt->jobs().runDue();
  node2.jobs().runDue();
  EXPECT_EQ(ticks(), 1);
  EXPECT_EQ(sys.rt->jobs().runDue() + node2.jobs().runDue(), 0) << "same period: nobody runs";
  clock->advance(std::chrono::seconds(60));
  node2.jobs().runDue();
  sys.rt->jobs().runDue();
  EXPECT_EQ(ticks(), 2);

  // Racing threads on two nodes: still once per period.
  for (int period = 0; period < 5; ++period) {
    clock->advance(std::chrono::seconds(60));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] { (t % 2 ? node2 : *sys.rt).jobs().runDue(); });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ticks(), 3 + period) << "period " << period;
  }
  EXPECT_EQ(count(*sys.rt, "SELECT runs FROM job_leases WHERE name = 'testplugin.tick'"), 7);
  // The hourly cleanup job of the API shell ran once in that hour, on one node.
  EXPECT_EQ(count(*sys.rt, "SELECT runs FROM job_leases WHERE name = 'api.idempotency_cleanup'"),
            1);
}

TEST_P(RuntimeTest, AMissingPluginStopsStartUpWithOneClearLine) {
  ScratchDatabase scratch(GetParam());
  auto expectStartupError = [&](const std::string& plugins, const std::string& fragment) {
    auto config = std::make_unique<Config>();
    config->set("db.url", scratch.url());
    config->set("data.dir", scratch.dataDir());
    config->set("plugins.dir", testPluginsDir());
    config->set("resources.dir", resourcesDir());
    config->set("plugins.enabled", plugins);
    Runtime rt(std::move(config));
    try {
      rt.boot();
      ADD_FAILURE() << plugins << " started";
    } catch (const StartupError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
  };
  expectStartupError("nosuchplugin", "plugin nosuchplugin: not found at");
  expectStartupError("testbroken", "plugin testbroken: init failed: the database of widgets");
  expectStartupError("testcycle_a,testcycle_b", "plugin dependency cycle: testcycle_a -> ");
  expectStartupError("testmisnamed", "calls itself 'calls_itself_something_else'");
  expectStartupError("testneedsghost", "needs plugin ghost, which is not enabled");
  expectStartupError("testbadroute", "must be under /api/v1/testbadroute");
  expectStartupError("../etc", "not a valid name");
  expectStartupError("testplugin,testplugin", "listed twice");
}

SUKUSUKU_INSTANTIATE_BACKENDS(RuntimeTest);

}  // namespace
}  // namespace sukusuku::testing
