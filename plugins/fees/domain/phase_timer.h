// Timings of a long operation's phases, printed to stderr when SUKUSUKU_FEES_PROFILE is set
// (bench/fees sets it): "fees: bill: load pupils 0.41 s (client cpu 0.12 s)"; the rest of the
// wall time is the database's. With SUKUSUKU_FEES_SERVER_PID (a local mariadbd's pid) also the
// server's CPU time, which a loaded machine stretches less than the wall time.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace sukusuku::fees {

class PhaseTimer {
 public:
  explicit PhaseTimer(std::string what)
      : what_(std::move(what)), on_(std::getenv("SUKUSUKU_FEES_PROFILE") != nullptr) {}
  void lap(const char* phase) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    const double cpu = threadCpu();
    const double server = serverCpu();
    std::fprintf(stderr, "fees: %s: %s %.2f s (client cpu %.2f s, server cpu %.2f s)\n",
                 what_.c_str(), phase, std::chrono::duration<double>(now - last_).count(),
                 cpu - last_cpu_, server - last_server_);
    last_ = now;
    last_cpu_ = cpu;
    last_server_ = server;
  }

 private:
  static double threadCpu() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }

  static double serverCpu() {
    const char* pid = std::getenv("SUKUSUKU_FEES_SERVER_PID");
    if (pid == nullptr) return 0;
    std::ifstream in(std::string("/proc/") + pid + "/stat");
    std::string line;
    std::getline(in, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(line.substr(close + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; fields >> f; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
      if (i == 15) break;
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  std::string what_;
  bool on_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double last_cpu_ = threadCpu();
  double last_server_ = serverCpu();
};

}  // namespace sukusuku::fees
