// Prometheus metrics: counters, gauges and histograms, rendered in the text exposition format
// at /metrics.
//
// Label values are bounded by construction (route templates, error codes, job names), never raw
// paths or ids. Thread-safe; an increment is a relaxed atomic add after the first lookup.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sukusuku {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(double by = 1) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + by, std::memory_order_relaxed)) {
    }
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound (and +Inf last), the sum and the count, read consistently enough
  // for monitoring (each field atomically).
  std::vector<uint64_t> cumulative() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

class Metrics {
 public:
  // The same (name, labels) always returns the same object; references stay valid for the
  // registry's life. A name used with two different types throws std::logic_error.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       const std::vector<double>& bounds = defaultLatencyBounds());
  // A gauge read when /metrics is scraped.
  void gauge(const std::string& name, const std::string& help, const Labels& labels,
             std::function<double()> read);

  std::string render() const;

  static const std::vector<double>& defaultLatencyBounds();  // seconds, 1 ms .. 10 s

 private:
  struct Family {
    std::string type;  // counter, gauge, histogram
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::map<std::string, std::function<double()>> gauges;
  };
  Family& family(const std::string& name, const std::string& type, const std::string& help);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace sukusuku
