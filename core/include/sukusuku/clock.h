// Time, injectable. Everything that reads "now" asks a Clock, so tests can move time.
//
// Times are stored in UTC; business dates (deadlines, reports, the April–March fiscal year) are
// taken in Asia/Tokyo (JST, UTC+9, no daylight saving), which is what tokyoDate() gives.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace sukusuku {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;

  int64_t nowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  int64_t nowMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

// The real clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that stands still until told to move. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : ms_(toMs(start)) {}
  TimePoint now() const override { return TimePoint(std::chrono::milliseconds(ms_.load())); }
  void set(TimePoint t) { ms_ = toMs(t); }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  static int64_t toMs(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> ms_;
};

// "2026-11-25T04:59:10Z": the form times are stored in.
std::string formatUtc(TimePoint t);
// Parses formatUtc's form (and a trailing ".mmm" or "+00:00"); throws Error on anything else.
TimePoint parseUtc(const std::string& text);
// The calendar date in Asia/Tokyo as "YYYY-MM-DD".
std::string tokyoDate(TimePoint t);
// The Japanese fiscal year (April–March) that a Tokyo date falls in: 2027-03-31 -> 2026.
int fiscalYear(TimePoint t);

}  // namespace sukusuku
