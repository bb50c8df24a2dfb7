#include "sukusuku/clock.h"

#include <cstdio>
#include <ctime>

#include "sukusuku/error.h"

namespace sukusuku {

namespace {

constexpr int64_t kTokyoOffsetSeconds = 9 * 3600;

std::tm utcTm(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

int64_t epochSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string formatUtc(TimePoint t) {
  std::tm tm = utcTm(epochSeconds(t));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

TimePoint parseUtc(const std::string& text) {
  int y, mo, d, h, mi, s;
  char tail[16] = {0};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &s, tail);
  std::string rest = tail;
  if (n >= 7 && rest.size() > 1 && rest[0] == '.') {
    size_t k = 1;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
    rest = rest.substr(k);
  }
  if (n < 7 || (rest != "Z" && rest != "+00:00") || mo < 1 || mo > 12 || d < 1 || d > 31 ||
      h > 23 || mi > 59 || s > 60) {
    throw Error::badRequest("time.invalid", "not a UTC time: " + text);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return TimePoint(std::chrono::seconds(timegm(&tm)));
}

std::string tokyoDate(TimePoint t) {
  std::tm tm = utcTm(epochSeconds(t) + kTokyoOffsetSeconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

int fiscalYear(TimePoint t) {
  std::tm tm = utcTm(epochSeconds(t) + kTokyoOffsetSeconds);
  int year = tm.tm_year + 1900;
  return tm.tm_mon + 1 >= 4 ? year : year - 1;
}

}  // namespace sukusuku
