#include "common.h"

#include <cstdio>

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

namespace sukusuku::messaging {

namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

bool parseDate(const std::string& s, int& y, int& m, int& d) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  y = std::stoi(s.substr(0, 4));
  m = std::stoi(s.substr(5, 2));
  d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

}  // namespace

std::string tokyoTime(TimePoint t) {
  int64_t s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  s += 9 * 3600;
  int64_t sod = ((s % 86400) + 86400) % 86400;
  return hhmm(static_cast<int>(sod / 60));
}

bool validDate(const std::string& date) {
  int y, m, d;
  return parseDate(date, y, m, d);
}

int64_t daysFromDate(const std::string& date) {
  int y, m, d;
  if (!parseDate(date, y, m, d)) {
    throw Error::invalid("messaging.invalid_date", "not a date (YYYY-MM-DD): " + date);
  }
  return daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string dateFromDays(int64_t days) {
  int y, m, d;
  civilFromDays(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

int isoWeekday(const std::string& date) {
  int64_t z = daysFromDate(date);
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((z % 7) + 7 + 3) % 7) + 1;
}

bool validTime(const std::string& t) {
  if (t.size() != 5 || t[2] != ':') return false;
  for (size_t i : {0, 1, 3, 4}) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return std::stoi(t.substr(0, 2)) <= 23 && std::stoi(t.substr(3, 2)) <= 59;
}

int minutesOf(const std::string& t) { return std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2)); }

std::string hhmm(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::string utcAt(const std::string& date, const std::string& t) {
  int64_t secs = daysFromDate(date) * 86400 + minutesOf(t) * 60 - 9 * 3600;
  return formatUtc(TimePoint(std::chrono::seconds(secs)));
}

std::string tokyoTimeOfUtc(const std::string& utc) { return tokyoTime(parseUtc(utc)); }

std::string requireDate(const nlohmann::json& body, const char* field) {
  if (!body.contains(field) || !body[field].is_string() || !validDate(body[field])) {
    throw Error::invalid("messaging.invalid_date", std::string(field) + " must be YYYY-MM-DD",
                         {{"field", field}});
  }
  return body[field];
}

std::string requireTime(const nlohmann::json& body, const char* field) {
  if (!body.contains(field) || !body[field].is_string() || !validTime(body[field])) {
    throw Error::invalid("messaging.invalid_time", std::string(field) + " must be HH:MM",
                         {{"field", field}});
  }
  return body[field];
}

std::string optionalText(const nlohmann::json& body, const char* field, size_t max_chars) {
  if (!body.contains(field) || body[field].is_null()) return "";
  if (!body[field].is_string()) {
    throw Error::invalid("messaging.invalid_text", std::string(field) + " must be text",
                         {{"field", field}});
  }
  std::string s = body[field];
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  if (chars > max_chars) {
    throw Error::invalid("messaging.text_too_long",
                         std::string(field) + " is longer than " + std::to_string(max_chars),
                         {{"field", field}, {"max", max_chars}});
  }
  return s;
}

db::Rows classesAtFacility(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                           const std::string& date) {
  return conn.query(
      "SELECT DISTINCT cl.id, cl.name, cl.age_group FROM classes cl JOIN enrolments e ON "
      "e.class_id = cl.id WHERE e.facility_id = ? AND e.municipality_id = ? AND "
      "e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY cl.age_group, cl.id",
      {facility_id, municipality_id, date, date});
}

std::optional<Enrolment> enrolmentOn(db::Connection& conn, int64_t municipality_id,
                                     int64_t child_id, const std::string& date) {
  auto row = conn.queryOne(
      "SELECT e.facility_id, e.class_id, e.certified_hours, c.household_id FROM enrolments e "
      "JOIN children c ON c.id = e.child_id WHERE e.child_id = ? AND e.municipality_id = ? AND "
      "e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY e.starts_on DESC "
      "LIMIT 1",
      {child_id, municipality_id, date, date});
  if (!row) return std::nullopt;
  Enrolment e;
  e.child_id = child_id;
  e.municipality_id = municipality_id;
  e.facility_id = row->getInt("facility_id");
  e.class_id = row->getOptInt("class_id").value_or(0);
  e.household_id = row->getInt("household_id");
  e.certified_hours = row->getOptText("certified_hours").value_or("");
  return e;
}

int ageOnAprilFirst(const std::string& birth_date, const std::string& date) {
  int by, bm, bd, y, m, d;
  if (!parseDate(birth_date, by, bm, bd) || !parseDate(date, y, m, d)) return 0;
  int fy = m >= 4 ? y : y - 1;
  int age = fy - by;
  if (bm > 4 || (bm == 4 && bd > 1)) --age;
  return age < 0 ? 0 : age;
}

int64_t staffFacility(db::Connection& conn, const Request& r) {
  const Principal& p = r.user();
  int64_t facility = 0;
  if (auto q = r.queryParam("facility_id"); q && !q->empty()) {
    try {
      facility = std::stoll(*q);
    } catch (const std::exception&) {
      throw Error::notFound("tenancy.facility_not_found", "no such facility");
    }
  } else if (!p.facility_ids.empty()) {
    facility = p.facility_ids.front();
  } else {
    throw Error::notFound("tenancy.facility_not_found", "choose a facility (?facility_id=)");
  }
  tenancy::requireFacility(conn, p, facility);
  return facility;
}

std::string formField(const std::multimap<std::string, std::string>& form,
                      const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

}  // namespace sukusuku::messaging
