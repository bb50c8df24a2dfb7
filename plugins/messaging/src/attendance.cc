#include "attendance.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include <sukusuku/error.h>

namespace sukusuku::messaging {

namespace {

std::string hex(const unsigned char* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string compactDate(const std::string& date) {
  return date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2);
}

const char* kSelect =
    "SELECT id, child_id, facility_id, date, kind, at, source, person_kind, person_id, "
    "person_name, note, corrects_id, cancelled, reason, by_user_id FROM messaging_attendance ";

void foldRow(const db::Row& row, std::map<int64_t, ChildDay>& out) {
  ChildDay& day = out[row.getInt("child_id")];
  std::optional<nlohmann::json> value;
  if (!row.getBool("cancelled")) value = attendanceRowJson(row);
  if (row.getText("kind") == "check_in") {
    day.check_in = value;
  } else {
    day.check_out = value;
  }
}

void fold(const db::Rows& rows, std::map<int64_t, ChildDay>& out) {
  for (const auto& row : rows) foldRow(row, out);  // ordered by id: the newest row per kind wins
}

}  // namespace

std::string qrToken(const std::string& secret, int64_t facility_id, const std::string& date) {
  std::string message = "messaging.qr|" + std::to_string(facility_id) + "|" + date;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return "SK1-" + std::to_string(facility_id) + "-" + compactDate(date) + "-" + hex(mac, 16);
}

int64_t verifyQrToken(const std::string& secret, const std::string& token,
                      const std::string& today) {
  auto invalid = [] {
    return Error::invalid("messaging.qr_invalid", "this is not a check-in code of a facility");
  };
  if (token.size() > 80 || token.rfind("SK1-", 0) != 0) throw invalid();
  size_t a = 4, b = token.find('-', a);
  if (b == std::string::npos || b == a || b - a > 18) throw invalid();
  size_t c = token.find('-', b + 1);
  if (c == std::string::npos || c - b - 1 != 8) throw invalid();
  std::string fac = token.substr(a, b - a), ymd = token.substr(b + 1, 8);
  for (char ch : fac + ymd) {
    if (ch < '0' || ch > '9') throw invalid();
  }
  std::string date = ymd.substr(0, 4) + "-" + ymd.substr(4, 2) + "-" + ymd.substr(6, 2);
  if (!validDate(date)) throw invalid();
  int64_t facility = std::stoll(fac);
  std::string expected = qrToken(secret, facility, date);
  if (expected.size() != token.size() ||
      sodium_memcmp(expected.data(), token.data(), token.size()) != 0) {
    throw invalid();
  }
  if (date != today) {
    throw Error::invalid("messaging.qr_expired",
                         "this code is not today's; scan the code at the entrance again",
                         {{"code_date", date}, {"today", today}});
  }
  return facility;
}

std::string loadOrCreateSecret(db::Database& db, const Clock& clock) {
  auto conn = db.acquire();
  auto row = conn->queryOne("SELECT secret FROM messaging_secrets WHERE name = 'qr'");
  if (row) return row->getText("secret");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  conn->execute(conn->dialect().insertIgnore("messaging_secrets", {"name", "secret", "created_at"}),
                {"qr", hex(bytes, sizeof bytes), formatUtc(clock.now())});
  return conn->queryOne("SELECT secret FROM messaging_secrets WHERE name = 'qr'")->getText("secret");
}

nlohmann::json attendanceRowJson(const db::Row& row) {
  return {{"id", row.getInt("id")},
          {"child_id", row.getInt("child_id")},
          {"facility_id", row.getInt("facility_id")},
          {"date", row.getText("date")},
          {"kind", row.getText("kind")},
          {"at", row.getText("at")},
          {"time", tokyoTimeOfUtc(row.getText("at"))},
          {"source", row.getText("source")},
          {"person_kind", row.getText("person_kind")},
          {"person_id", row.getInt("person_id")},
          {"person_name", row.getText("person_name")},
          {"note", row.getOptText("note").value_or("")},
          {"corrects_id", row.getOptInt("corrects_id").value_or(0)},
          {"cancelled", row.getBool("cancelled")},
          {"reason", row.getOptText("reason").value_or("")},
          {"by_user_id", row.getInt("by_user_id")}};
}

std::map<int64_t, ChildDay> dayAtFacility(db::Connection& conn, int64_t municipality_id,
                                          int64_t facility_id, const std::string& date) {
  std::map<int64_t, ChildDay> out;
  fold(conn.query(std::string(kSelect) +
                      "WHERE municipality_id = ? AND facility_id = ? AND date = ? ORDER BY id",
                  {municipality_id, facility_id, date}),
       out);
  return out;
}

ChildDay dayOfChild(db::Connection& conn, int64_t municipality_id, int64_t child_id,
                    const std::string& date) {
  std::map<int64_t, ChildDay> out;
  fold(conn.query(std::string(kSelect) +
                      "WHERE municipality_id = ? AND child_id = ? AND date = ? ORDER BY id",
                  {municipality_id, child_id, date}),
       out);
  return out[child_id];
}

namespace {

// The row just written, as attendanceRowJson would read it back (no second round trip).
nlohmann::json insertedRowJson(const Mark& m, int64_t id, const std::string& now) {
  return {{"id", id},
          {"child_id", m.child_id},
          {"facility_id", m.facility_id},
          {"date", m.date},
          {"kind", m.kind},
          {"at", now},
          {"time", tokyoTimeOfUtc(now)},
          {"source", m.source},
          {"person_kind", m.person_kind},
          {"person_id", m.person_id},
          {"person_name", m.person_name},
          {"note", m.note},
          {"corrects_id", 0},
          {"cancelled", false},
          {"reason", ""},
          {"by_user_id", m.by_user_id}};
}

}  // namespace

std::optional<Error> dayRuleError(const ChildDay& day, const std::string& kind) {
  if (kind == "check_in" && day.check_in) {
    return Error::conflict("messaging.already_checked_in", "the child is already checked in",
                           {{"record", *day.check_in}});
  }
  if (kind == "check_out") {
    if (!day.check_in) {
      return Error::conflict("messaging.not_checked_in", "the child has not been checked in today");
    }
    if (day.check_out) {
      return Error::conflict("messaging.already_checked_out", "the child is already checked out",
                             {{"record", *day.check_out}});
    }
  }
  return std::nullopt;
}

namespace {

const char* const kInsertAttendance =
    "INSERT INTO messaging_attendance (municipality_id, facility_id, child_id, date, kind, at, "
    "source, person_kind, person_id, person_name, note, first_key, by_user_id, created_at) "
    "VALUES ";
const char* const kAttendanceRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

db::Params attendanceRowParams(const Mark& m, const std::string& now, bool earlier_of_kind) {
  // first_key stays NULL when an earlier row for this kind was cancelled by a correction, so the
  // unique key does not block the new one.
  return {m.municipality_id, m.facility_id, m.child_id, m.date, m.kind, now, m.source,
          m.person_kind, m.person_id, m.person_name,
          m.note.empty() ? db::Value() : db::Value(m.note),
          earlier_of_kind ? db::Value() : db::Value(m.kind), m.by_user_id, now};
}

Event markEvent(const Mark& m, const std::string& now) {
  return Event{m.kind == "check_in" ? "attendance.checked_in" : "attendance.checked_out",
               m.municipality_id,
               {{"child_id", m.child_id},
                {"facility_id", m.facility_id},
                {"date", m.date},
                {"at", now}}};
}

// With the child's row locked (or SQLite's write lock held): the rules on the day's rows, the
// insert and the event. The day's rows answer both "in force?" and "first of its kind?".
nlohmann::json insertLocked(Env& env, db::Tx& tx, const Mark& m, const std::string& now) {
  auto rows = tx.query(std::string(kSelect) +
                           "WHERE municipality_id = ? AND child_id = ? AND date = ? ORDER BY id",
                       {m.municipality_id, m.child_id, m.date});
  std::map<int64_t, ChildDay> folded;
  fold(rows, folded);
  if (auto error = dayRuleError(folded[m.child_id], m.kind)) throw *error;
  bool earlier = std::any_of(rows.begin(), rows.end(),
                             [&](const db::Row& r) { return r.getText("kind") == m.kind; });
  auto res = tx.execute(std::string(kInsertAttendance) + kAttendanceRow,
                        attendanceRowParams(m, now, earlier));
  env.ctx->events().publish(tx, markEvent(m, now));
  return insertedRowJson(m, res.last_insert_id, now);
}

// Another device won the race for the same child and day (the unique key said so).
template <typename F>
auto uniqueAsConflict(const Mark& m, F&& write) -> decltype(write()) {
  try {
    return write();
  } catch (const db::DbError& e) {
    if (e.kind() != db::DbError::Kind::kUnique) throw;
    if (m.kind == "check_in") {
      throw Error::conflict("messaging.already_checked_in", "the child is already checked in");
    }
    throw Error::conflict("messaging.already_checked_out", "the child is already checked out");
  }
}

}  // namespace

nlohmann::json recordMark(Env& env, const Mark& m) {
  const std::string now = formatUtc(env.clock->now());
  return uniqueAsConflict(m, [&] {
    return env.db->transaction([&](db::Tx& tx) {
      // One writer per child at a time: under READ COMMITTED each statement below sees what
      // committed before it, so without this lock a concurrent check-in could commit between
      // the reads and both would pass them. (SQLite's write lock already serialises.)
      tx.query("SELECT id FROM children WHERE id = ?" + std::string(tx.dialect().forUpdate()),
               {m.child_id});
      auto enrolment = enrolmentOn(tx, m.municipality_id, m.child_id, m.date);
      if (!enrolment || enrolment->facility_id != m.facility_id) {
        throw Error::invalid("messaging.not_enrolled_here",
                             "the child is not enrolled at this facility today",
                             {{"child_id", m.child_id}, {"facility_id", m.facility_id}});
      }
      return insertLocked(env, tx, m, now);
    });
  });
}

namespace {

// "?, ?, ..." for N values, padded to the next power of two by repeating the first value, so a
// batch of any size reuses one of a few prepared statements (the connector caches 128).
std::string inList(const std::vector<int64_t>& values, db::Params& params) {
  size_t n = 1;
  while (n < values.size()) n *= 2;
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += i ? ", ?" : "?";
    params.push_back(values[i < values.size() ? i : 0]);
  }
  return out;
}

std::vector<int64_t> distinct(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Inserts ROWS (marks of distinct children) and returns their ids in the same order: one
// multi-row INSERT per power-of-two chunk; a chunk of more than one row reads its ids back
// (the children's rows are locked, so the rows at NOW for them are these).
std::vector<int64_t> insertMarks(db::Tx& tx, const std::vector<std::pair<Mark, bool>>& rows,
                                 const std::string& now) {
  std::vector<int64_t> ids(rows.size());
  size_t done = 0;
  while (done < rows.size()) {
    size_t chunk = 1;
    while (chunk * 2 <= rows.size() - done && chunk < 64) chunk *= 2;
    std::string sql = kInsertAttendance;
    db::Params params;
    std::vector<int64_t> children;
    for (size_t i = done; i < done + chunk; ++i) {
      sql += i > done ? std::string(", ") + kAttendanceRow : kAttendanceRow;
      for (auto& v : attendanceRowParams(rows[i].first, now, rows[i].second)) {
        params.push_back(std::move(v));
      }
      children.push_back(rows[i].first.child_id);
    }
    auto res = tx.execute(sql, params);
    if (chunk == 1) {
      ids[done] = res.last_insert_id;
    } else {
      db::Params p{now};
      std::map<std::pair<int64_t, std::string>, int64_t> newest;
      for (const auto& r : tx.query("SELECT id, child_id, kind FROM messaging_attendance WHERE "
                                    "at = ? AND child_id IN (" + inList(children, p) + ")",
                                    p)) {
        int64_t& id = newest[{r.getInt("child_id"), r.getText("kind")}];
        id = std::max(id, r.getInt("id"));
      }
      for (size_t i = done; i < done + chunk; ++i) {
        ids[i] = newest[{rows[i].first.child_id, rows[i].first.kind}];
      }
    }
    done += chunk;
  }
  return ids;
}

}  // namespace

std::vector<MarkOutcome> recordGuardianMarks(Env& env, db::Tx& tx,
                                             const std::vector<GuardianMark>& marks,
                                             const std::string& now) {
  std::vector<MarkOutcome> out(marks.size());
  std::map<std::string, std::vector<size_t>> by_date;  // a batch may straddle midnight
  for (size_t i = 0; i < marks.size(); ++i) by_date[marks[i].mark.date].push_back(i);
  for (const auto& [date, members] : by_date) {
    std::vector<int64_t> children, users;
    for (size_t i : members) {
      children.push_back(marks[i].mark.child_id);
      users.push_back(marks[i].user_id);
    }
    children = distinct(children);
    users = distinct(users);
    // One locked read for every check of the rush: the children (household, town), their
    // enrolments in force on DATE and the callers' guardian rows in their households. FOR
    // UPDATE locks the children's rows as recordMark does.
    db::Params p{date, date};
    std::string sql =
        "SELECT c.id AS child_id, c.municipality_id, c.household_id, e.facility_id, "
        "e.starts_on, g.id AS guardian_id, g.user_id, g.family_name, g.given_name, "
        "g.may_pick_up FROM children c JOIN enrolments e ON e.child_id = c.id AND "
        "e.municipality_id = c.municipality_id AND e.starts_on <= ? AND (e.ends_on IS NULL OR "
        "e.ends_on >= ?) JOIN guardians g ON g.household_id = c.household_id AND "
        "g.municipality_id = c.municipality_id AND g.user_id IN (" + inList(users, p) + ")";
    sql += " WHERE c.id IN (" + inList(children, p) + ") ORDER BY c.id" +
           std::string(tx.dialect().forUpdate());
    auto found = tx.query(sql, p);
    db::Params q{date};
    auto day_rows = tx.query(std::string(kSelect) + "WHERE date = ? AND child_id IN (" +
                                 inList(children, q) + ") ORDER BY id",
                             q);
    std::map<int64_t, std::vector<const db::Row*>> rows_of;
    for (const auto& r : day_rows) rows_of[r.getInt("child_id")].push_back(&r);

    std::set<int64_t> seen;  // a second mark of a child in this batch goes alone, after it
    std::vector<std::pair<Mark, bool>> rows;
    std::vector<size_t> written;
    for (size_t i : members) {
      const GuardianMark& g = marks[i];
      const Mark& m = g.mark;
      // The newest enrolment in force, then the lowest guardian id: as the one-by-one path.
      const db::Row* best = nullptr;
      for (const auto& r : found) {
        if (r.getInt("child_id") != m.child_id || r.getInt("municipality_id") != m.municipality_id ||
            r.getInt("household_id") != g.household_id || r.getInt("user_id") != g.user_id) {
          continue;
        }
        if (!best || r.getText("starts_on") > best->getText("starts_on") ||
            (r.getText("starts_on") == best->getText("starts_on") &&
             r.getInt("guardian_id") < best->getInt("guardian_id"))) {
          best = &r;
        }
      }
      if (!best || best->getInt("facility_id") != m.facility_id) continue;  // alone
      if (m.kind == "check_out" && !best->getBool("may_pick_up")) continue;
      if (!seen.insert(m.child_id).second) continue;
      std::map<int64_t, ChildDay> folded;
      bool earlier = false;
      for (const db::Row* r : rows_of[m.child_id]) {
        foldRow(*r, folded);
        earlier = earlier || r->getText("kind") == m.kind;
      }
      if (auto error = dayRuleError(folded[m.child_id], m.kind)) {
        out[i].kind = MarkOutcome::Kind::kRefused;
        out[i].error = std::move(error);
        continue;
      }
      Mark filled = m;
      filled.person_id = best->getInt("guardian_id");
      filled.person_name = best->getText("family_name") + " " + best->getText("given_name");
      rows.emplace_back(std::move(filled), earlier);
      written.push_back(i);
    }
    std::vector<int64_t> ids = insertMarks(tx, rows, now);
    for (size_t k = 0; k < written.size(); ++k) {
      MarkOutcome& o = out[written[k]];
      o.kind = MarkOutcome::Kind::kWritten;
      o.row = insertedRowJson(rows[k].first, ids[k], now);
      env.ctx->events().publish(tx, markEvent(rows[k].first, now));
    }
  }
  return out;
}

std::optional<nlohmann::json> recordGuardianMarkFast(Env& env, Mark m, int64_t household_id,
                                                     int64_t user_id) {
  const std::string now = formatUtc(env.clock->now());
  MarkOutcome o = uniqueAsConflict(m, [&] {
    return env.db->transaction([&](db::Tx& tx) {
      return recordGuardianMarks(env, tx, {GuardianMark{m, household_id, user_id}}, now).at(0);
    });
  });
  if (o.kind == MarkOutcome::Kind::kRefused) throw *o.error;
  if (o.kind == MarkOutcome::Kind::kAlone) return std::nullopt;
  return o.row;
}

}  // namespace sukusuku::messaging
