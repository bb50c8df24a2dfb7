// Broadcast throughput of the FCM client against the local FCM test server (which adds a fixed
// latency to every send), in one run:
//   - the multiplexed sender (FcmClient: CONNECTIONS HTTP/2 connections x STREAMS streams) on
//     every one of N device tokens, without a rate limit and then under the default project
//     quota limiter (600,000/min);
//   - a Go-Admin-SDK-like sender with 50 requests in flight, on a sample;
//   - a one-request-at-a-time sender, on a sample (its figure is extrapolated to N: stated).
// Also prints the CPU the server process and this process used, to tell which side was the
// bottleneck.
//
//   bench_push ENDPOINT CREDENTIALS N CONNECTIONS STREAMS SERVER_PIDS [NAIVE_SAMPLE] [POOL_SAMPLE]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <sukusuku/push/fcm.h>

using namespace sukusuku::push;

namespace {

// CPU seconds (user + system) of the processes in PIDS, from /proc.
double processCpu(const std::vector<int>& pids) {
  double total = 0;
  long ticks = sysconf(_SC_CLK_TCK);
  for (int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    std::vector<std::string> f;
    while (rest >> field) f.push_back(field);
    // After "pid (comm) ": state is f[0]; utime f[11], stime f[12]; cutime f[13], cstime f[14].
    if (f.size() > 14) total += (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(ticks);
  }
  return total;
}

double selfCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

struct Run {
  double seconds = 0;
  int64_t sent = 0, other = 0;
  int64_t resent = 0;  // sent again at once after a broken HTTP/2 stream (refused by the server)
  std::map<std::string, std::pair<int64_t, std::string>> failures;  // code -> count, a detail
  double server_cpu = 0, client_cpu = 0;
  double rate() const { return sent / seconds; }
};

Run sendAll(const std::shared_ptr<AccessTokenSource>& tokens, const std::string& endpoint,
            int connections, int streams, std::shared_ptr<RateLimiter> limiter,
            const std::vector<FcmMessage>& messages, const std::vector<int>& server_pids,
            int threads = 1) {
  FcmOptions o;
  o.endpoint = endpoint;
  o.connections = connections;
  o.max_streams = streams;
  o.limiter = std::move(limiter);
  if (const char* ca = std::getenv("FCM_CA_FILE")) o.ca_file = ca;
  threads = std::max(1, std::min<int>(threads, static_cast<int>(messages.size())));
  // THREADS clients side by side (as the outbox workers of a node are), each with its share.
  std::vector<std::unique_ptr<FcmClient>> clients;
  std::vector<std::vector<FcmMessage>> parts(threads);
  for (size_t i = 0; i < messages.size(); ++i) parts[i % threads].push_back(messages[i]);
  for (int i = 0; i < threads; ++i) {
    clients.push_back(std::make_unique<FcmClient>(tokens, o));
    // One warm-up message opens a connection and fetches the token outside the timing.
    clients.back()->send(std::vector<FcmMessage>{messages.front()});
  }
  Run r;
  std::mutex mu;
  double s0 = processCpu(server_pids), c0 = selfCpu();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      Run mine;
      clients[i]->send(parts[i], [&mine](const FcmResult& res) {
        if (res.outcome == Outcome::kSent) {
          ++mine.sent;
        } else {
          ++mine.other;
          auto& f = mine.failures[res.error_code + " (HTTP " + std::to_string(res.http_status) + ")"];
          if (f.first++ == 0) f.second = res.detail;
        }
      });
      std::lock_guard lock(mu);
      r.sent += mine.sent;
      r.other += mine.other;
      for (const auto& [k, v] : mine.failures) {
        auto& f = r.failures[k];
        if (f.first == 0) f.second = v.second;
        f.first += v.first;
      }
    });
  }
  for (auto& t : running) t.join();
  for (const auto& c : clients) r.resent += c->networkResends();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.server_cpu = processCpu(server_pids) - s0;
  r.client_cpu = selfCpu() - c0;
  return r;
}

void print(const char* name, const Run& r, int64_t n) {
  std::printf("%-44s %8lld msgs in %7.2f s = %9.0f msgs/s  (server CPU %.0f%%, client CPU %.0f%%)%s\n",
              name, static_cast<long long>(r.sent), r.seconds, r.rate(),
              100 * r.server_cpu / r.seconds, 100 * r.client_cpu / r.seconds,
              r.other ? " SOME FAILED" : "");
  if (r.resent) {
    std::printf("    %lld send(s) repeated at once after the server refused or broke their HTTP/2 "
                "stream before answering\n", static_cast<long long>(r.resent));
  }
  for (const auto& [code, f] : r.failures) {
    std::printf("    failed %lld x %s: %s\n", static_cast<long long>(f.first), code.c_str(),
                f.second.c_str());
  }
  (void)n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: bench_push ENDPOINT CREDENTIALS N CONNECTIONS STREAMS SERVER_PIDS "
                 "[NAIVE_SAMPLE] [POOL_SAMPLE]\n";
    return 2;
  }
  std::string endpoint = argv[1];
  const char* ca = std::getenv("FCM_CA_FILE");  // the test server's certificate
  auto tokens = std::make_shared<AccessTokenSource>(ServiceAccount::fromFile(argv[2]),
                                                    std::chrono::seconds(10), ca ? ca : "");
  int64_t n = std::stoll(argv[3]);
  int connections = std::stoi(argv[4]);
  int streams = std::stoi(argv[5]);
  std::vector<int> server_pids;
  {
    std::stringstream ss(argv[6]);
    std::string p;
    while (std::getline(ss, p, ',')) server_pids.push_back(std::stoi(p));
  }
  int64_t naive_sample = argc > 7 ? std::stoll(argv[7]) : 200;
  int64_t pool_sample = argc > 8 ? std::stoll(argv[8]) : 5000;

  std::vector<FcmMessage> messages;
  messages.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    std::string token = "bench-device-" + std::to_string(i) + "-" + std::string(120, 'x');
    messages.push_back({i + 1, token,
                        messageBody(token, "【緊急】臨時休園のお知らせ",
                                    "台風の接近により、明日は全園臨時休園とします。",
                                    {{"route", "notice"}, {"id", "12345"}}, true)});
  }
  auto sample = [&](int64_t k) {
    return std::vector<FcmMessage>(messages.begin(), messages.begin() + std::min(k, n));
  };

  std::printf("FCM broadcast benchmark: %lld device tokens, test server latency as configured\n",
              static_cast<long long>(n));
  int threads = 1;
  if (const char* t = std::getenv("BENCH_THREADS")) threads = std::max(1, std::atoi(t));
  Run mux = sendAll(tokens, endpoint, connections, streams, nullptr, messages, server_pids, threads);
  char label[128];
  std::snprintf(label, sizeof label, "multiplexed (%d x %d conn x %d streams), no limit", threads,
                connections, streams);
  print(label, mux, n);
  Run limited = sendAll(tokens, endpoint, connections, streams,
                        std::make_shared<RateLimiter>(600000), messages, server_pids, threads);
  print("multiplexed, under the 600,000/min limiter", limited, n);
  Run pool = sendAll(tokens, endpoint, 1, 50, nullptr, sample(pool_sample), server_pids);
  std::snprintf(label, sizeof label, "50 in flight (Go Admin SDK pool), %lld sample",
                static_cast<long long>(std::min(pool_sample, n)));
  print(label, pool, n);
  Run naive = sendAll(tokens, endpoint, 1, 1, nullptr, sample(naive_sample), server_pids);
  std::snprintf(label, sizeof label, "one at a time, %lld sample",
                static_cast<long long>(std::min(naive_sample, n)));
  print(label, naive, n);

  std::printf("\none-at-a-time for all %lld tokens (extrapolated from its sample): %.0f s\n",
              static_cast<long long>(n), n / naive.rate());
  std::printf("ratio multiplexed / one-at-a-time:       %.0fx\n", mux.rate() / naive.rate());
  std::printf("ratio multiplexed / 50-in-flight pool:   %.1fx\n", mux.rate() / pool.rate());
  std::printf("goal >= 10,000 msgs/s: %s (%.0f msgs/s; under the quota limiter %.0f msgs/s)\n",
              mux.rate() >= 10000 ? "met" : "NOT met", mux.rate(), limited.rate());
  double server_share = mux.server_cpu / mux.seconds;
  std::printf("bottleneck check: server used %.0f%% of a core over %zu process(es), client %.0f%%;"
              " %s\n",
              100 * server_share, server_pids.size(), 100 * mux.client_cpu / mux.seconds,
              server_share / server_pids.size() > 0.85
                  ? "the Node test server is saturated: the figure is its limit, not the client's"
                  : "the server was not saturated");
  return mux.other + limited.other + pool.other + naive.other ? 1 : 0;
}
