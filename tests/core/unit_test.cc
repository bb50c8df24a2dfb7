// Unit tests of the core pieces that need no database: router, config, metrics, clock, blobs,
// strings and templates.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include <sukusuku/blob_store.h>
#include <sukusuku/coalescer.h>
#include <sukusuku/clock.h>
#include <sukusuku/config.h>
#include <sukusuku/error.h>
#include <sukusuku/metrics.h>
#include <sukusuku/router.h>
#include <sukusuku/web.h>

namespace sukusuku {
namespace {

Route route(const std::string& method, const std::string& pattern, std::string tag = "") {
  if (tag.empty()) tag = method + " " + pattern;
  return {method, pattern, kPublic, [tag](Request&) { return Response::text(tag); }};
}

std::string call(const Router::Match& m) {
  Request r;
  r.path_params = m.params;
  return m.route->handler(r).body;
}

TEST(Router, MatchesLiteralsAndCapturesParameters) {
  Router router;
  router.add(route("GET", "/api/v1/children/{child_id}"));
  router.add(route("GET", "/api/v1/children/{child_id}/notes/{note_id}"));
  router.add(route("GET", "/api/v1/children/new"));

  auto m = router.match("GET", "/api/v1/children/42/notes/7");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("child_id"), "42");
  EXPECT_EQ(m.params.at("note_id"), "7");

  auto lit = router.match("GET", "/api/v1/children/new");
  ASSERT_NE(lit.route, nullptr);
  EXPECT_EQ(call(lit), "GET /api/v1/children/new");
  EXPECT_TRUE(lit.params.empty());

  auto trailing = router.match("GET", "/api/v1/children/42/");
  ASSERT_NE(trailing.route, nullptr);
  EXPECT_EQ(trailing.params.at("child_id"), "42");
}

TEST(Router, DistinguishesNotFoundFromMethodNotAllowed) {
  Router router;
  router.add(route("GET", "/a/{id}"));
  router.add(route("DELETE", "/a/{id}"));
  auto missing = router.match("GET", "/b");
  EXPECT_EQ(missing.route, nullptr);
  EXPECT_TRUE(missing.allowed_methods.empty());
  auto wrong = router.match("POST", "/a/1");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allowed_methods, (std::vector<std::string>{"DELETE", "GET"}));
  EXPECT_NE(router.match("HEAD", "/a/1").route, nullptr) << "HEAD falls back to GET";
}

TEST(Router, BacktracksFromALiteralDeadEnd) {
  Router router;
  router.add(route("GET", "/x/new/edit", "literal"));
  router.add(route("GET", "/x/{id}/view", "capture"));
  auto m = router.match("GET", "/x/new/view");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(call(m), "capture");
  EXPECT_EQ(m.params.at("id"), "new");
}

TEST(Router, RestCaptureTakesTheRemainingPath) {
  Router router;
  router.add(route("GET", "/static/core/{*path}"));
  auto m = router.match("GET", "/static/core/img/logo.svg");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("path"), "img/logo.svg");
  EXPECT_EQ(router.match("GET", "/static/core").route, nullptr);
}

TEST(Router, RefusesDuplicatesConflictingNamesAndMissingPermission) {
  Router router;
  router.add(route("GET", "/a/{id}"));
  EXPECT_THROW(router.add(route("GET", "/a/{id}")), std::logic_error);
  EXPECT_THROW(router.add(route("POST", "/a/{other}")), std::logic_error);
  Route open = route("GET", "/open");
  open.permission.clear();
  EXPECT_THROW(router.add(open), std::logic_error);
  EXPECT_THROW(router.add(route("GET", "no-slash")), std::logic_error);
}

TEST(Config, PrecedenceIsOverrideThenEnvironmentThenFileThenDefault) {
  Config c(std::map<std::string, std::string>{{"http.port", "9000"}});
  c.declare({"http.port", "8080", "port", "core"});
  c.declare({"http.host", "127.0.0.1", "host", "core"});
  EXPECT_EQ(c.getInt("http.port"), 9000);
  EXPECT_EQ(c.sourceOf("http.port"), "file");
  EXPECT_EQ(c.getString("http.host"), "127.0.0.1");
  EXPECT_EQ(c.sourceOf("http.host"), "default");
  ::setenv("SUKUSUKU_HTTP_PORT", "9100", 1);
  EXPECT_EQ(c.getInt("http.port"), 9100);
  EXPECT_EQ(c.sourceOf("http.port"), "env SUKUSUKU_HTTP_PORT");
  c.set("http.port", "9200");
  EXPECT_EQ(c.getInt("http.port"), 9200);
  ::unsetenv("SUKUSUKU_HTTP_PORT");
}

TEST(Config, EnvironmentNamesFollowTheKeys) {
  EXPECT_EQ(Config::envName("http.port"), "SUKUSUKU_HTTP_PORT");
  EXPECT_EQ(Config::envName("data.dir"), "SUKUSUKU_DATA_DIR");
  EXPECT_EQ(Config::envName("push.fcm.endpoint"), "SUKUSUKU_PUSH_FCM_ENDPOINT");
}

TEST(Config, RefusesUndeclaredKeysAndBadValues) {
  Config c;
  c.declare({"a.n", "12x", "", "core"});
  c.declare({"a.flag", "maybe", "", "core"});
  c.declare({"a.list", " x, y ,,z ", "", "core"});
  EXPECT_THROW(c.getString("nobody.declared.this"), std::logic_error);
  try {
    c.getInt("a.n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "config.invalid");
  }
  EXPECT_THROW(c.getBool("a.flag"), Error);
  EXPECT_EQ(c.getList("a.list"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_THROW(c.declare({"a.n", "other", "", "core"}), std::logic_error);
}

TEST(Config, ReadsAPropertiesFile) {
  auto path = std::filesystem::temp_directory_path() / "sukusuku_config_test.properties";
  std::ofstream(path) << "# comment\nhttp.port = 8181\nplugins.enabled = fees, photos\n";
  auto c = Config::fromFile(path.string());
  c->declare({"http.port", "8080", "", "core"});
  c->declare({"plugins.enabled", "", "", "core"});
  EXPECT_EQ(c->getInt("http.port"), 8181);
  EXPECT_EQ(c->getList("plugins.enabled"), (std::vector<std::string>{"fees", "photos"}));
  std::filesystem::remove(path);
  EXPECT_THROW(Config::fromFile("/nonexistent/sukusuku.properties"), Error);
}

TEST(Metrics, RendersPrometheusTextFormat) {
  Metrics m;
  m.counter("req_total", "Requests", {{"route", "/a/{id}"}, {"status", "2xx"}}).inc();
  m.counter("req_total", "Requests", {{"route", "/a/{id}"}, {"status", "2xx"}}).inc(2);
  m.histogram("lat_seconds", "Latency", {{"route", "/a"}}, {0.1, 1}).observe(0.05);
  m.histogram("lat_seconds", "Latency", {{"route", "/a"}}, {0.1, 1}).observe(0.5);
  m.gauge("pool", "Pool", {}, [] { return 3.0; });
  std::string text = m.render();
  EXPECT_NE(text.find("# TYPE req_total counter"), std::string::npos);
  EXPECT_NE(text.find("req_total{route=\"/a/{id}\",status=\"2xx\"} 3"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count{route=\"/a\"} 2"), std::string::npos);
  EXPECT_NE(text.find("pool 3"), std::string::npos);
  EXPECT_THROW(m.gauge("req_total", "x", {}, [] { return 1.0; }), std::logic_error);
}

TEST(Metrics, CountsCorrectlyUnderConcurrency) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) m.counter("c", "c").inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.counter("c", "c").value(), 40000);
}

TEST(Clock, TokyoDatesAndFiscalYears) {
  // 2027-03-31T15:00:00Z is 2027-04-01 00:00 in Tokyo: a new fiscal year.
  TimePoint t = parseUtc("2027-03-31T15:00:00Z");
  EXPECT_EQ(tokyoDate(t), "2027-04-01");
  EXPECT_EQ(fiscalYear(t), 2027);
  EXPECT_EQ(fiscalYear(parseUtc("2027-03-31T14:59:59Z")), 2026);
  EXPECT_EQ(formatUtc(t), "2027-03-31T15:00:00Z");
  EXPECT_EQ(formatUtc(parseUtc("2026-11-25T04:59:10.123Z")), "2026-11-25T04:59:10Z");
  EXPECT_THROW(parseUtc("2026-13-01T00:00:00Z"), Error);
  EXPECT_THROW(parseUtc("yesterday"), Error);
  ManualClock clock(t);
  clock.advance(std::chrono::hours(24));
  EXPECT_EQ(tokyoDate(clock.now()), "2027-04-02");
}

TEST(BlobStore, PutsAtomicallyAndRefusesUnsafeKeys) {
  auto root = std::filesystem::temp_directory_path() / "sukusuku_blob_test";
  std::filesystem::remove_all(root);
  auto store = newLocalBlobStore(root.string());
  std::string bytes("\0\x01写真", 8);
  store->put("photos/12/a.jpg", bytes);
  EXPECT_EQ(store->get("photos/12/a.jpg"), bytes);
  EXPECT_EQ(store->size("photos/12/a.jpg"), 8);
  store->put("photos/12/a.jpg", "v2");
  EXPECT_EQ(store->get("photos/12/a.jpg"), "v2");
  store->put("photos/13/b.png", "x");
  EXPECT_EQ(store->list("photos/12/"), (std::vector<std::string>{"photos/12/a.jpg"}));
  store->remove("photos/12/a.jpg");
  EXPECT_FALSE(store->exists("photos/12/a.jpg"));
  store->remove("photos/12/a.jpg");  // removing twice is fine
  for (const char* bad : {"../etc/passwd", "/abs", "a//b", "a/../b", ".hidden", "a b", "a/"}) {
    EXPECT_THROW(store->put(bad, "x"), Error) << bad;
  }
  std::filesystem::remove_all(root);
}

TEST(I18n, FallsBackToJapaneseThenToTheKey) {
  I18n i18n;
  i18n.add("ja", {{"fees", {{"title", "教材費"}, {"only_ja", "日本語だけ"}}}}, "fees");
  i18n.add("en", {{"fees", {{"title", "Material fees"}}}}, "fees");
  EXPECT_EQ(i18n.t("en", "fees.title"), "Material fees");
  EXPECT_EQ(i18n.t("en", "fees.only_ja"), "日本語だけ");
  EXPECT_EQ(i18n.t("en", "fees.missing"), "fees.missing");
  EXPECT_THROW(i18n.add("ja", {{"fees", {{"title", "別"}}}}, "photos"), std::logic_error);
  EXPECT_EQ(i18n.negotiate("", "en-US,en;q=0.9"), "en");
  EXPECT_EQ(i18n.negotiate("", "fr-FR,fr;q=0.9"), "ja");
  EXPECT_EQ(i18n.negotiate("en", "ja"), "en");
  EXPECT_EQ(i18n.t("ja", "x.y", {{"n", "3"}}), "x.y");
  i18n.add("ja", {{"x", {{"read", "{n}人中{m}人が既読"}}}}, "core");
  EXPECT_EQ(i18n.t("ja", "x.read", {{"n", "25"}, {"m", "23"}}), "25人中23人が既読");
}

TEST(Templates, EscapesRendersPartialsAndRejectsBrokenTemplates) {
  Templates t;
  t.add("a/item", "<li>{{name}}</li>");
  t.add("a/list", "<ul>{{#items}}{{> a/item}}{{/items}}</ul>{{{raw}}}");
  std::string html = t.render(
      "a/list", {{"items", {{{"name", "<script>"}}, {{"name", "花子"}}}}, {"raw", "<b>ok</b>"}});
  EXPECT_EQ(html, "<ul><li>&lt;script&gt;</li><li>花子</li></ul><b>ok</b>");
  EXPECT_THROW(t.add("a/broken", "{{#open}} never closed"), std::runtime_error);
  EXPECT_THROW(t.add("a/item", "again"), std::logic_error);
  EXPECT_THROW(t.render("a/none", {}), std::out_of_range);
}

TEST(Templates, RenderConcurrentlyWithoutInterference) {
  Templates t;
  t.add("p", "{{#rows}}[{{v}}]{{/rows}}");
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      nlohmann::json rows = nlohmann::json::array();
      std::string expect;
      for (int i = 0; i < 20; ++i) {
        rows.push_back({{"v", k * 100 + i}});
        expect += "[" + std::to_string(k * 100 + i) + "]";
      }
      for (int n = 0; n < 300; ++n) {
        if (t.render("p", {{"rows", rows}}) != expect) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

// A fetch the test can hold open, recording the keys of every call.
struct HeldFetch {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  std::vector<std::vector<int>> calls;
  std::atomic<int> running{0};
  std::unordered_map<int, std::string> operator()(const std::vector<int>& keys) {
    std::unique_lock lock(mu);
    calls.push_back(keys);
    ++running;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    --running;
    if (std::find(keys.begin(), keys.end(), -1) != keys.end()) {
      throw std::runtime_error("database gone");
    }
    std::unordered_map<int, std::string> out;
    for (int k : keys) {
      if (k != 0) out[k] = "v" + std::to_string(k);
    }
    return out;
  }
};

TEST(Coalescer, ALoneCallerFetchesAtOnceOnItsOwnThread) {
  HeldFetch fetch;
  Coalescer<int, std::string> c([&](const std::vector<int>& k) { return fetch(k); }, 8, 1);
  EXPECT_EQ(c.get(7), "v7");
  EXPECT_EQ(c.get(0), "");  // not found: the default value
  ASSERT_EQ(fetch.calls.size(), 2u);
  EXPECT_EQ(fetch.calls[0], std::vector<int>{7});
}

TEST(Coalescer, CallersArrivingDuringAFetchShareTheNextOneAndEachGetsItsOwnValue) {
  HeldFetch fetch;
  fetch.open = false;
  Coalescer<int, std::string> c([&](const std::vector<int>& k) { return fetch(k); }, 4, 1);
  std::vector<std::string> got(11);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = c.get(100); });
  {
    std::unique_lock lock(fetch.mu);
    fetch.cv.wait(lock, [&] { return fetch.running == 1; });
  }
  // Ten more while the first fetch is held: 4 + 4 + 2 keys in three queued rounds (two ask for
  // the same key).
  for (int i = 1; i <= 10; ++i) {
    threads.emplace_back([&, i] { got[i] = c.get(i == 10 ? 1 : i); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::lock_guard lock(fetch.mu);
    EXPECT_EQ(fetch.calls.size(), 1u);  // nobody fetched beside the held leader
    fetch.open = true;
    fetch.cv.notify_all();
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(got[0], "v100");
  for (int i = 1; i < 10; ++i) EXPECT_EQ(got[i], "v" + std::to_string(i));
  EXPECT_EQ(got[10], "v1");
  ASSERT_EQ(fetch.calls.size(), 4u);  // 1 + 10 keys in rounds of at most 4
  size_t keys = 0;
  for (size_t i = 1; i < fetch.calls.size(); ++i) {
    EXPECT_LE(fetch.calls[i].size(), 4u);
    keys += fetch.calls[i].size();
  }
  EXPECT_EQ(keys, 10u);
}

TEST(Coalescer, AFailedFetchFailsEveryCallerOfItsRoundAndNoOther) {
  HeldFetch fetch;
  fetch.open = false;
  Coalescer<int, std::string> c([&](const std::vector<int>& k) { return fetch(k); }, 8, 1);
  std::string first;
  std::thread leader([&] { first = c.get(5); });
  {
    std::unique_lock lock(fetch.mu);
    fetch.cv.wait(lock, [&] { return fetch.running == 1; });
  }
  std::atomic<int> failed{0};
  std::vector<std::thread> round;
  for (int k : {-1, 6}) {
    round.emplace_back([&, k] {
      try {
        c.get(k);
      } catch (const std::runtime_error&) {
        ++failed;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(fetch.mu);
    fetch.open = true;
    fetch.cv.notify_all();
  }
  leader.join();
  for (auto& t : round) t.join();
  EXPECT_EQ(first, "v5");
  EXPECT_EQ(failed, 2);  // -1 broke the fetch it shared with 6
  EXPECT_EQ(c.get(6), "v6");  // the next round is fine
}

}  // namespace
}  // namespace sukusuku
