// End to end: the real `sukusuku` binary, started as an operator would, on a fresh data folder.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include "../core/test_system.h"

namespace sukusuku::testing {
namespace {

namespace fs = std::filesystem;

std::string binary() { return binaryDir() + "/bin/sukusuku"; }

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs the binary to completion from working directory CWD with extra environment.
Run runBinary(const std::vector<std::string>& args, const std::string& cwd,
              const Poco::Process::Env& env = {}) {
  Poco::Pipe out, err;
  auto handle = Poco::Process::launch(binary(), args, cwd, nullptr, &out, &err, env);
  Poco::PipeInputStream os(out), es(err);
  Run r;
  std::thread t([&] { Poco::StreamCopier::copyToString(es, r.err); });
  Poco::StreamCopier::copyToString(os, r.out);
  t.join();
  r.code = handle.wait();
  return r;
}

class Server {
 public:
  Server(const std::string& cwd, const Poco::Process::Env& env, std::vector<std::string> args = {})
      : out_(), handle_(launch(cwd, env, std::move(args))) {
    Poco::PipeInputStream in(out_);
    std::string line;
    while (std::getline(in, line)) {
      auto pos = line.find("listening on http://127.0.0.1:");
      if (pos != std::string::npos) {
        port_ = std::stoi(line.substr(pos + 30));
        break;
      }
    }
  }
  ~Server() {
    if (!stopped_) {
      ::kill(handle_.id(), SIGKILL);
      handle_.wait();
    }
  }
  int port() const { return port_; }
  int stop() {
    ::kill(handle_.id(), SIGTERM);
    stopped_ = true;
    return handle_.wait();
  }
  std::pair<int, std::string> get(const std::string& path) {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port_));
    Poco::Net::HTTPRequest req("GET", path, "HTTP/1.1");
    s.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::string body;
    Poco::StreamCopier::copyToString(s.receiveResponse(res), body);
    return {res.getStatus(), body};
  }

 private:
  Poco::ProcessHandle launch(const std::string& cwd, const Poco::Process::Env& env,
                             std::vector<std::string> args) {
    args.push_back("serve");
    return Poco::Process::launch(binary(), args, cwd, nullptr, &out_, nullptr, env);
  }
  Poco::Pipe out_;
  Poco::ProcessHandle handle_;
  int port_ = 0;
  bool stopped_ = false;
};

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sukusuku_e2e_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Poco::Process::Env env(const std::string& plugins = "") {
    return {{"SUKUSUKU_HTTP_PORT", "0"},
            {"SUKUSUKU_PLUGINS_DIR", plugins.empty() ? "" : testPluginsDir()},
            {"SUKUSUKU_PLUGINS_ENABLED", plugins},
            {"SUKUSUKU_LOG_LEVEL", "warning"}};
  }
  fs::path dir_;
};

TEST_F(E2eTest, ServeAnswersHealthReadinessAndMetricsOnSqliteWithNoSetup) {
  Server server(dir_.string(), env());
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.get("/healthz").first, 200);
  auto ready = server.get("/readyz");
  EXPECT_EQ(ready.first, 200) << ready.second;
  auto metrics = server.get("/metrics");
  EXPECT_EQ(metrics.first, 200);
  EXPECT_NE(metrics.second.find("sukusuku_http_requests_total"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "var" / "sukusuku.db")) << "SQLite under ./var by default";
  EXPECT_EQ(server.stop(), 0) << "SIGTERM is a clean shutdown";
}

TEST_F(E2eTest, FindsItsPluginsFromAnyWorkingDirectory) {
  // Plugins built beside the binary; here the test plugins, named by folder only through
  // plugins.dir while resources are found relative to the binary.
  Server server(dir_.string(), env("testplugin"));
  ASSERT_GT(server.port(), 0);
  auto page = server.get("/web/testplugin");
  EXPECT_EQ(page.first, 200);
  EXPECT_NE(page.second.find("テスト画面"), std::string::npos);
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(E2eTest, PluginsCommandListsVersionsAndPluginCommandsRun) {
  auto list = runBinary({"plugins"}, dir_.string(), env("testdep,testplugin"));
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("testplugin 1.2.3"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("testdep 0.1.0 (needs testplugin)"), std::string::npos) << list.out;

  auto hello = runBinary({"testplugin", "hello", "みんな"}, dir_.string(), env("testplugin"));
  EXPECT_EQ(hello.code, 0) << hello.err;
  EXPECT_EQ(hello.out, "こんにちは みんな\n");
  auto fail = runBinary({"testplugin", "fail"}, dir_.string(), env("testplugin"));
  EXPECT_EQ(fail.code, 2);
  EXPECT_NE(fail.err.find("refused on purpose"), std::string::npos);
  auto help = runBinary({"testplugin", "--help"}, dir_.string(), env("testplugin"));
  EXPECT_NE(help.out.find("hello  greets"), std::string::npos);
  auto unknown = runBinary({"nosuch", "verb"}, dir_.string(), env());
  EXPECT_EQ(unknown.code, 2);
}

TEST_F(E2eTest, ABrokenPluginStopsStartUpWithOneLineNamingIt) {
  auto r = runBinary({"serve"}, dir_.string(), env("testcycle_a,testcycle_b"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("sukusuku: plugin dependency cycle: testcycle_a -> testcycle_b -> "
                       "testcycle_a"),
            std::string::npos)
      << r.err;
  auto missing = runBinary({"serve"}, dir_.string(), env("ghost"));
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("plugin ghost: not found at"), std::string::npos) << missing.err;
}

TEST_F(E2eTest, MigrateSeedAndConfigCommands) {
  auto e = env("testplugin");
  auto m = runBinary({"migrate"}, dir_.string(), e);
  EXPECT_EQ(m.code, 0) << m.err;
  EXPECT_NE(m.out.find("applying testplugin 2 create ticks"), std::string::npos) << m.out;
  auto again = runBinary({"migrate"}, dir_.string(), e);
  EXPECT_NE(again.out.find("0 migration(s) applied"), std::string::npos);
  auto status = runBinary({"migrate", "--status"}, dir_.string(), e);
  EXPECT_NE(status.out.find("database is current"), std::string::npos);
  auto seed = runBinary({"seed-demo"}, dir_.string(), e);
  EXPECT_EQ(seed.code, 0) << seed.err;
  auto config = runBinary({"--set", "http.port=9999", "config"}, dir_.string(), {});
  EXPECT_EQ(config.code, 0);
  EXPECT_NE(config.out.find("http.port = 9999"), std::string::npos);
  EXPECT_NE(config.out.find("env SUKUSUKU_DATA_DIR"), std::string::npos);
  auto bad = runBinary({"--config", "/nonexistent.properties", "serve"}, dir_.string(), {});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("cannot read configuration file"), std::string::npos);
}

TEST_F(E2eTest, EligibilityPluginEvaluatesAHouseholdAndRefusesBrokenProgrammes) {
  auto e = env();
  e["SUKUSUKU_PLUGINS_ENABLED"] = "eligibility";  // the real plugin, found beside the binary
  std::ofstream(dir_ / "household.json")
      << R"({"municipality":"demo","single_parent":true,"resident_tax_exempt":false,)"
      << R"("income_yen":1500000,"dependants":1,"child_support_received_yen":0,)"
      << R"("guardians_supporting_over_18":false,"children":[{"birth_date":"2021-05-01",)"
      << R"("disability_grade":0,"in_licensed_care":true}]})";
  auto r = runBinary({"eligibility", "evaluate", "household.json", "--date", "2026-11-25"},
                     dir_.string(), e);
  ASSERT_EQ(r.code, 0) << r.err;
  auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["date"], "2026-11-25");
  std::map<std::string, std::string> status;
  for (const auto& res : out["results"]) status[res["programme"]] = res["status"];
  EXPECT_EQ(status.size(), 5u);
  EXPECT_EQ(status["jidou_teate"], "eligible");
  EXPECT_EQ(status["tokubetsu_jidou_fuyou_teate"], "not_eligible");

  fs::create_directories(dir_ / "programmes");
  std::ofstream(dir_ / "programmes" / "broken.json") << R"({"format": "nonsense"})";
  e["SUKUSUKU_ELIGIBILITY_PROGRAMMES_DIR"] = (dir_ / "programmes").string();
  auto broken = runBinary({"eligibility", "evaluate", "household.json"}, dir_.string(), e);
  EXPECT_NE(broken.code, 0);
  EXPECT_NE(broken.err.find("plugin eligibility: init failed: 1 broken programme file(s)"),
            std::string::npos)
      << broken.err;
  EXPECT_NE(broken.err.find("broken.json"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace sukusuku::testing
