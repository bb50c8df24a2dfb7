#include "outreach.h"

#include <sukusuku/audit.h>
#include <sukusuku/clock.h>
#include <sukusuku/error.h>

#include "audience.h"

namespace sukusuku::messaging {

std::string utcOfLocalDateTime(const std::string& value, const std::string& field,
                               const std::string& code) {
  std::string v = value;
  if (v.size() == 19 && v.compare(16, 3, ":00") == 0) v = v.substr(0, 16);
  if (v.size() != 16 || (v[10] != 'T' && v[10] != ' ') || !validDate(v.substr(0, 10)) ||
      !validTime(v.substr(11, 5))) {
    throw Error::invalid(code, field + " must be YYYY-MM-DDTHH:MM (Tokyo)", {{"field", field}});
  }
  return utcAt(v.substr(0, 10), v.substr(11, 5));
}

std::string tokyoDateTime(const std::string& utc) {
  if (utc.empty()) return "";
  TimePoint t = parseUtc(utc);
  return tokyoDate(t) + " " + tokyoTime(t);
}

std::string localInputValue(const std::string& utc) {
  if (utc.empty()) return "";
  TimePoint t = parseUtc(utc);
  return tokyoDate(t) + "T" + tokyoTime(t);
}

size_t utf8Length(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string utf8Cut(const std::string& text, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (n == max) return text.substr(0, i) + "…";
      ++n;
    }
  }
  return text;
}

std::string requiredLine(const std::multimap<std::string, std::string>& fields,
                         const std::string& name, size_t max, const std::string& code) {
  auto it = fields.find(name);
  std::string v = it == fields.end() ? "" : it->second;
  while (!v.empty() && (v.back() == ' ' || v.back() == '\n' || v.back() == '\r')) v.pop_back();
  while (!v.empty() && (v.front() == ' ' || v.front() == '\n' || v.front() == '\r')) v.erase(0, 1);
  if (v.empty() || utf8Length(v) > max || v.find('\n') != std::string::npos) {
    throw Error::invalid(code, name + " is required, one line of at most " + std::to_string(max) +
                                   " characters",
                         {{"field", name}, {"max", max}});
  }
  return v;
}

std::set<std::string> readRefs(db::Connection& conn, int64_t municipality_id, int64_t user_id,
                               const std::vector<std::string>& refs) {
  std::set<std::string> out;
  if (refs.empty()) return out;
  db::Params params = {municipality_id, user_id};
  for (const auto& r : refs) params.push_back(r);
  for (const auto& row : conn.query(
           "SELECT n.source_ref FROM inbox i JOIN notifications n ON n.id = i.notification_id "
           "WHERE n.municipality_id = ? AND i.user_id = ? AND i.read_at IS NOT NULL AND "
           "n.source_ref IN (" + placeholders(refs.size()) + ")",
           params)) {
    out.insert(row.getText("source_ref"));
  }
  return out;
}

void markRefRead(db::Connection& conn, int64_t municipality_id, int64_t user_id,
                 const std::string& ref, const std::string& now) {
  std::vector<int64_t> ids;
  for (const auto& row : conn.query(
           "SELECT i.id FROM inbox i JOIN notifications n ON n.id = i.notification_id WHERE "
           "n.municipality_id = ? AND n.source_ref = ? AND i.user_id = ? AND i.read_at IS NULL",
           {municipality_id, ref, user_id})) {
    ids.push_back(row.getInt("id"));
  }
  for (int64_t id : ids) {
    conn.execute("UPDATE inbox SET read_at = ? WHERE id = ? AND read_at IS NULL", {now, id});
  }
}

std::map<int64_t, int64_t> householdsOfUsers(db::Connection& conn, int64_t municipality_id,
                                             const std::vector<int64_t>& users) {
  std::map<int64_t, int64_t> out;
  for (size_t at = 0; at < users.size(); at += 500) {
    size_t n = std::min<size_t>(500, users.size() - at);
    db::Params params = {municipality_id};
    for (size_t i = 0; i < n; ++i) params.push_back(users[at + i]);
    for (const auto& row : conn.query(
             "SELECT user_id, household_id FROM guardians WHERE municipality_id = ? AND user_id "
             "IN (" + placeholders(n) + ")",
             params)) {
      out[row.getInt("user_id")] = row.getInt("household_id");
    }
  }
  return out;
}

void auditOutreach(Env& env, db::Connection& conn, const Request& r,
                   const std::string& target_type, const std::string& action, int64_t id,
                   nlohmann::json details) {
  AuditEntry e;
  e.municipality_id = r.user().municipality_id;
  e.actor_user_id = r.user().user_id;
  e.actor_role = r.user().role;
  e.action = action;
  e.target_type = target_type;
  e.target_id = std::to_string(id);
  e.details = std::move(details);
  e.request_id = r.request_id;
  env.ctx->audit().record(conn, e);
}

Response remindHouseholds(Env& env, Request& r, Reminder what) {
  int64_t reached = 0;
  env.db->transaction([&](db::Tx& tx) {
    reached = 0;
    if (env.notifier && !what.households.empty()) {
      what.notification.sender_user_id = r.user().user_id;
      push::Audience a;
      a.households = what.households;
      reached = env.notifier->notify(tx, what.notification, a).recipients;
    }
    tx.execute("UPDATE " + what.table +
                   " SET reminders = reminders + 1, last_reminded_at = ? WHERE id = ?",
               {formatUtc(env.clock->now()), what.id});
    auditOutreach(env, tx, r, what.target_type, what.action, what.id,
                  {{"families", what.households.size()}, {"recipients", reached}});
  });
  env.web->flash(r, "success",
                 env.web->i18n().t(r.language, what.flash_key,
                                   {{"n", std::to_string(what.households.size())}}));
  if (r.header("accept").find("application/json") != std::string::npos) {
    return Response::json({{"families", what.households.size()}, {"recipients", reached}});
  }
  return Response::redirect(what.back);
}

}  // namespace sukusuku::messaging
