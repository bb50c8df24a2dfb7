#include "sukusuku/metrics.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sukusuku {

namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labelText(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=\"" + escapeLabel(v) + "\"";
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream ss;
  ss.precision(12);
  ss << v;
  return ss.str();
}

std::string withLabels(const std::string& name, const std::string& labels,
                       const std::string& extra = "") {
  std::string all = labels;
  if (!extra.empty()) all = all.empty() ? extra : all + "," + extra;
  return all.empty() ? name : name + "{" + all + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

const std::vector<double>& Metrics::defaultLatencyBounds() {
  static const std::vector<double> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,   0.25,   0.5,   1,    2.5,   5,    10};
  return kBounds;
}

Metrics::Family& Metrics::family(const std::string& name, const std::string& type,
                                 const std::string& help) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  } else if (f.type != type) {
    throw std::logic_error("metric " + name + " is a " + f.type + ", not a " + type);
  }
  return f;
}

Counter& Metrics::counter(const std::string& name, const std::string& help,
                          const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& f = family(name, "counter", help);
  auto& c = f.counters[labelText(labels)];
  if (!c) c = std::make_unique<Counter>();
  return *c;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard lock(mu_);
  auto& f = family(name, "histogram", help);
  auto& h = f.histograms[labelText(labels)];
  if (!h) h = std::make_unique<Histogram>(bounds);
  return *h;
}

void Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels,
                    std::function<double()> read) {
  std::lock_guard lock(mu_);
  auto& f = family(name, "gauge", help);
  f.gauges[labelText(labels)] = std::move(read);
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, f] : families_) {
    out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
    for (const auto& [labels, c] : f.counters) {
      out << withLabels(name, labels) << ' ' << number(c->value()) << '\n';
    }
    for (const auto& [labels, read] : f.gauges) {
      double v = 0;
      try {
        v = read();
      } catch (const std::exception&) {
        v = NAN;
      }
      out << withLabels(name, labels) << ' ' << (std::isnan(v) ? "NaN" : number(v)) << '\n';
    }
    for (const auto& [labels, h] : f.histograms) {
      auto cum = h->cumulative();
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        out << withLabels(name + "_bucket", labels, "le=\"" + number(h->bounds()[i]) + "\"")
            << ' ' << cum[i] << '\n';
      }
      out << withLabels(name + "_bucket", labels, "le=\"+Inf\"") << ' ' << cum.back() << '\n';
      out << withLabels(name + "_sum", labels) << ' ' << number(h->sum()) << '\n';
      out << withLabels(name + "_count", labels) << ' ' << h->count() << '\n';
    }
  }
  return out.str();
}

}  // namespace sukusuku
