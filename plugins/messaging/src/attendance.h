// Attendance (登降園): check-in and check-out records, append-only, with staff corrections, and
// the daily facility QR code guardians scan at the entrance.
//
// Rules:
//  - A child can be checked in once and out once per date (a unique key); a second check-in,
//    even from another device at the same instant, is 409 messaging.already_checked_in.
//  - A check-out needs a check-in in force first (409 messaging.not_checked_in).
//  - The pick-up person must be a guardian allowed to pick up or a registered pick-up person of
//    the household; anyone else only with a guardian's pick-up note for that date
//    (422 messaging.pickup_not_authorised).
//  - Staff corrections add a row naming the row they correct; the newest row per child, date and
//    kind is in force. Nothing is updated or deleted.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sukusuku/error.h>

#include "common.h"

namespace sukusuku::messaging {

// HMAC-SHA256 based code for FACILITY_ID on DATE: "SK1-<facility>-<yyyymmdd>-<32 hex>".
std::string qrToken(const std::string& secret, int64_t facility_id, const std::string& date);
// The facility a scanned code is for. Throws 422 messaging.qr_invalid (malformed or forged) or
// messaging.qr_expired (a valid code of another day than TODAY).
int64_t verifyQrToken(const std::string& secret, const std::string& token,
                      const std::string& today);
// Reads the plugin's signing secret, creating it on first use (shared through the database).
std::string loadOrCreateSecret(db::Database& db, const Clock& clock);

struct Mark {
  int64_t municipality_id = 0;
  int64_t child_id = 0;
  int64_t facility_id = 0;       // where it happens (must be the child's facility on the date)
  std::string date;
  std::string kind;              // check_in, check_out
  std::string source;            // qr, staff
  std::string person_kind;       // guardian, pickup_person, other, staff
  int64_t person_id = 0;
  std::string person_name;
  std::string note;
  int64_t by_user_id = 0;
};

struct ChildDay {
  std::optional<nlohmann::json> check_in;   // the row in force, null when none / cancelled
  std::optional<nlohmann::json> check_out;
};

nlohmann::json attendanceRowJson(const db::Row& row);
// The rows in force for every child at FACILITY on DATE.
std::map<int64_t, ChildDay> dayAtFacility(db::Connection& conn, int64_t municipality_id,
                                          int64_t facility_id, const std::string& date);
ChildDay dayOfChild(db::Connection& conn, int64_t municipality_id, int64_t child_id,
                    const std::string& date);

// Records a check-in or check-out (rules above) and returns the row as JSON.
nlohmann::json recordMark(Env& env, const Mark& mark);
// A guardian marking their own child (MARK without person_id/name), as the rush sends it.
struct GuardianMark {
  Mark mark;
  int64_t household_id = 0;
  int64_t user_id = 0;
};

struct MarkOutcome {
  enum class Kind {
    kAlone,    // nothing written: take the checks one by one (recordMark) for the precise answer
    kWritten,  // recorded; ROW is the new row as attendanceRowJson gives it
    kRefused,  // the day's rules refuse it (409 already checked in/out, not checked in): ERROR
  };
  Kind kind = Kind::kAlone;
  nlohmann::json row;
  std::optional<Error> error;
};

// The morning-rush path for many guardians at once, inside the caller's transaction TX: one
// locked read checks every mark's household, town, enrolment on its date at MARK.facility_id and
// the caller's guardian row (and may_pick_up for a check-out); one read takes the children's day
// rows; one multi-row INSERT (per power-of-two chunk) records what the rules allow. A mark that
// does not pass the checks, or a second mark of a child already in MARKS, is kAlone. Events are
// published when TX commits.
std::vector<MarkOutcome> recordGuardianMarks(Env& env, db::Tx& tx,
                                             const std::vector<GuardianMark>& marks,
                                             const std::string& now);

// The day's rules for a new mark of KIND given the rows in force (the 409s above).
std::optional<Error> dayRuleError(const ChildDay& day, const std::string& kind);

// The morning-rush path of a guardian marking their own child (MARK without person_id/name):
// one locked read checks household, town, today's enrolment at MARK.facility_id and the caller's
// guardian row (and may_pick_up for a check-out), then records like recordMark. nullopt, with
// nothing written, when any of that does not hold: the caller then takes the checks one by one
// for the precise error.
std::optional<nlohmann::json> recordGuardianMarkFast(Env& env, Mark mark, int64_t household_id,
                                                     int64_t user_id);

}  // namespace sukusuku::messaging
