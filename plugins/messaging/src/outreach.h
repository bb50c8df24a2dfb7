// What handouts and surveys share: Tokyo date-time fields of staff forms, text limits, the read
// state of a guardian's inbox rows for one source_ref, and the wiring functions.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common.h"

namespace sukusuku::messaging {

// "YYYY-MM-DDTHH:MM" (an <input type="datetime-local"> in Tokyo time) as a UTC timestamp.
// Throws Error 422 CODE naming FIELD for anything else.
std::string utcOfLocalDateTime(const std::string& value, const std::string& field,
                               const std::string& code);
// "2026-11-26 07:30" (Tokyo) of a stored UTC timestamp, and the datetime-local form value.
std::string tokyoDateTime(const std::string& utc);
std::string localInputValue(const std::string& utc);

// Code points of UTF-8 TEXT.
size_t utf8Length(const std::string& text);
// TEXT cut to at most MAX code points (with "…" when cut).
std::string utf8Cut(const std::string& text, size_t max);
// A required single-line field of at most MAX code points; Error 422 CODE otherwise.
std::string requiredLine(const std::multimap<std::string, std::string>& fields,
                         const std::string& name, size_t max, const std::string& code);

// The source_refs among REFS that USER has read in the push inbox (any notification read).
std::set<std::string> readRefs(db::Connection& conn, int64_t municipality_id, int64_t user_id,
                               const std::vector<std::string>& refs);
// Marks every inbox row of USER for REF read (the first read keeps its time).
void markRefRead(db::Connection& conn, int64_t municipality_id, int64_t user_id,
                 const std::string& ref, const std::string& now);

// Households per user for the users of a receipt ({user -> household}); users who are not
// guardians in the municipality are left out.
std::map<int64_t, int64_t> householdsOfUsers(db::Connection& conn, int64_t municipality_id,
                                             const std::vector<int64_t>& users);

// An audit row of the staff member asking R about TARGET_TYPE #ID (messaging_handout, _survey).
void auditOutreach(Env& env, db::Connection& conn, const Request& r,
                   const std::string& target_type, const std::string& action, int64_t id,
                   nlohmann::json details = nlohmann::json::object());

// The one-tap reminder of handouts and surveys.
struct Reminder {
  std::string table;        // messaging_handouts, messaging_surveys (reminders, last_reminded_at)
  std::string target_type;  // for the audit row
  std::string action;       // audit action
  std::string flash_key;    // i18n key of the flash, with {n} = families
  std::string back;         // page to return to
  int64_t id = 0;
  std::vector<int64_t> households;  // the families not yet reached
  push::Notification notification;
};
// Sends the reminder to its households (nobody without a notifier), bumps the row's reminder
// counter and audits it in one transaction; then JSON {families, recipients} for a JSON caller,
// else a flash and a redirect back.
Response remindHouseholds(Env& env, Request& r, Reminder what);

void addHandouts(Env& env);
void addSurveys(Env& env);
void addOutreachDemo(Env& env);

}  // namespace sukusuku::messaging
