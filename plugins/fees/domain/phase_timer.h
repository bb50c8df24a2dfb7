// Timings of a long operation's phases, printed to stderr when SUKUSUKU_FEES_PROFILE is set
// (bench/fees sets it): "fees: bill: load pupils 0.41 s".
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sukusuku::fees {

class PhaseTimer {
 public:
  explicit PhaseTimer(std::string what)
      : what_(std::move(what)), on_(std::getenv("SUKUSUKU_FEES_PROFILE") != nullptr) {}
  void lap(const char* phase) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "fees: %s: %s %.2f s\n", what_.c_str(), phase,
                 std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::string what_;
  bool on_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace sukusuku::fees
