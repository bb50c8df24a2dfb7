// Shared pieces of the messaging plugin: its wiring context, Tokyo time helpers, enrolment look-up
// and input validation. Private to plugins/messaging.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sukusuku/plugin.h>
#include <sukusuku/push/notifier.h>

namespace sukusuku::messaging {

class CheckinBatcher;

// What every part of the plugin needs; lives as long as the plugin.
struct Env {
  PluginContext* ctx = nullptr;
  db::Database* db = nullptr;
  const Clock* clock = nullptr;
  Web* web = nullptr;
  std::shared_ptr<push::Notifier> notifier;  // null until the push core provides one
  std::string qr_secret;                     // loaded in start()
  std::string no_show_alert_time = "10:00";  // 'HH:MM' Tokyo
  std::shared_ptr<CheckinBatcher> checkins;  // group commit of the rush; null = one by one
};

// "HH:MM" of T in Asia/Tokyo.
std::string tokyoTime(TimePoint t);
// The ISO weekday (1 Monday .. 7 Sunday) of a 'YYYY-MM-DD' date; throws Error 422
// "messaging.invalid_date" for a malformed or impossible date.
int isoWeekday(const std::string& date);
// Days since 1970-01-01 of a valid date; the inverse is dateFromDays.
int64_t daysFromDate(const std::string& date);
std::string dateFromDays(int64_t days);
bool validDate(const std::string& date);
// 'HH:MM' with 00 <= HH <= 23, 00 <= MM <= 59.
bool validTime(const std::string& hhmm);
int minutesOf(const std::string& hhmm);  // "08:30" -> 510
std::string hhmm(int minutes);            // 510 -> "08:30"
// The UTC instant of a Tokyo DATE at HH:MM.
std::string utcAt(const std::string& date, const std::string& hhmm);
// Tokyo 'HH:MM' of a stored UTC time.
std::string tokyoTimeOfUtc(const std::string& utc);

// Throws Error 422 "messaging.invalid_date" / "messaging.invalid_time" naming FIELD.
std::string requireDate(const nlohmann::json& body, const char* field);
std::string requireTime(const nlohmann::json& body, const char* field);
std::string optionalText(const nlohmann::json& body, const char* field, size_t max_chars);

// A child's enrolment on a date.
struct Enrolment {
  int64_t child_id = 0;
  int64_t municipality_id = 0;
  int64_t facility_id = 0;
  int64_t class_id = 0;
  int64_t household_id = 0;
  std::string certified_hours;  // standard, short, or "" at schools
};
std::optional<Enrolment> enrolmentOn(db::Connection& conn, int64_t municipality_id,
                                     int64_t child_id, const std::string& date);

// The classes with a child enrolled at FACILITY on DATE, youngest age group first: id, name.
db::Rows classesAtFacility(db::Connection& conn, int64_t municipality_id, int64_t facility_id,
                           const std::string& date);

// Age on April 1 of the fiscal year DATE falls in (the nursery's age group).
int ageOnAprilFirst(const std::string& birth_date, const std::string& date);

// The facility a staff request works on: ?facility_id= when given and visible, else the
// principal's first facility. Throws 404 tenancy.facility_not_found.
int64_t staffFacility(db::Connection& conn, const Request& r);

std::string formField(const std::multimap<std::string, std::string>& form, const std::string& name);

// Wiring of each part; defined in its own file.
void addAttendance(Env& env);
void addPlanned(Env& env);
void addNotices(Env& env);
void addNoShowJob(Env& env);
void addContactBook(Env& env);
void addDemoSeeder(Env& env);

}  // namespace sukusuku::messaging
