#include "sql_notifier.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "sukusuku/error.h"
#include "texts.h"

namespace sukusuku::push {

namespace {

// Ids bound per IN (...) list and rows per multi-row INSERT: well under SQLite's and MySQL's
// placeholder limits, large enough that a city-wide broadcast is a few hundred statements.
constexpr size_t kChunk = 500;
constexpr size_t kInsertRows = 200;

Error invalid(const std::string& message, const std::string& field) {
  return Error::invalid("push.invalid_notification", message, {{"field", field}});
}

std::string placeholders(size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s + ")";
}

// Runs SQL_PREFIX + "(?,…)" + SQL_SUFFIX for every chunk of IDS, with FIRST bound before the
// ids, and hands each row to FN.
template <class Fn>
void forEachChunk(db::Connection& conn, const std::string& sql_prefix,
                  const std::string& sql_suffix, const db::Params& first,
                  const std::vector<int64_t>& ids, Fn&& fn) {
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    size_t n = std::min(kChunk, ids.size() - at);
    db::Params params = first;
    for (size_t i = 0; i < n; ++i) params.emplace_back(ids[at + i]);
    for (const auto& row : conn.query(sql_prefix + placeholders(n) + sql_suffix, params)) fn(row);
  }
}

std::vector<int64_t> unique(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove_if(ids.begin(), ids.end(), [](int64_t id) { return id <= 0; }),
            ids.end());
  return ids;
}

// Every user id the audience names, before the municipality and status filter on users.
std::set<int64_t> resolveAudience(db::Connection& conn, int64_t municipality,
                                  const Audience& a, const std::string& today) {
  std::set<int64_t> users;
  auto add = [&users](const db::Row& row) {
    if (!row.isNull("user_id")) users.insert(row.getInt("user_id"));
  };
  if (a.whole_municipality) {
    for (const auto& row :
         conn.query("SELECT id AS user_id FROM users WHERE municipality_id = ?", {municipality})) {
      add(row);
    }
    return users;
  }
  for (int64_t id : unique(a.user_ids)) users.insert(id);
  forEachChunk(conn,
               "SELECT DISTINCT g.user_id FROM guardians g JOIN children c ON c.household_id = "
               "g.household_id WHERE g.municipality_id = ? AND c.municipality_id = ? AND "
               "g.user_id IS NOT NULL AND c.id IN ",
               "", {municipality, municipality}, unique(a.guardians_of_children), add);
  forEachChunk(conn,
               "SELECT DISTINCT user_id FROM guardians WHERE municipality_id = ? AND "
               "user_id IS NOT NULL AND household_id IN ",
               "", {municipality}, unique(a.households), add);
  const std::string enrolled =
      "SELECT DISTINCT g.user_id FROM enrolments e JOIN children c ON c.id = e.child_id "
      "JOIN guardians g ON g.household_id = c.household_id WHERE e.municipality_id = ? AND "
      "g.municipality_id = ? AND g.user_id IS NOT NULL AND e.starts_on <= ? AND "
      "(e.ends_on IS NULL OR e.ends_on >= ?) AND ";
  forEachChunk(conn, enrolled + "e.class_id IN ", "", {municipality, municipality, today, today},
               unique(a.classes), add);
  forEachChunk(conn, enrolled + "e.facility_id IN ", "",
               {municipality, municipality, today, today}, unique(a.facilities), add);
  forEachChunk(conn,
               "SELECT DISTINCT s.user_id FROM staff_assignments sa JOIN staff s ON s.id = "
               "sa.staff_id WHERE sa.municipality_id = ? AND s.municipality_id = ? AND "
               "s.user_id IS NOT NULL AND sa.starts_on <= ? AND (sa.ends_on IS NULL OR "
               "sa.ends_on >= ?) AND sa.facility_id IN ",
               "", {municipality, municipality, today, today}, unique(a.staff_of_facilities),
               add);
  return users;
}

struct Recipient {
  int64_t user_id = 0;
  std::string language;
  bool push = true;          // false: opted out of the category
  int64_t not_before_ms = 0;  // quiet hours end, 0: now
};

struct DeviceRow {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string token;
  std::string language;
};

// Multi-row INSERT of ROWS (each COLS.size() values) in chunks.
void insertRows(db::Tx& tx, const std::string& table, const std::vector<std::string>& cols,
                const std::vector<db::Params>& rows) {
  std::string head = "INSERT INTO " + table + " (";
  for (size_t i = 0; i < cols.size(); ++i) head += (i ? ", " : "") + cols[i];
  head += ") VALUES ";
  std::string one = placeholders(cols.size());
  for (size_t at = 0; at < rows.size(); at += kInsertRows) {
    size_t n = std::min(kInsertRows, rows.size() - at);
    std::string sql = head;
    db::Params params;
    params.reserve(n * cols.size());
    for (size_t i = 0; i < n; ++i) {
      sql += (i ? "," : "") + one;
      for (const auto& v : rows[at + i]) params.push_back(v);
    }
    tx.execute(sql, params);
  }
}

nlohmann::json toJson(const std::map<std::string, std::string>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

}  // namespace

SqlNotifier::SqlNotifier(const Clock& clock, Metrics* metrics, bool push_enabled,
                         std::function<void()> on_queued)
    : clock_(clock), push_enabled_(push_enabled), on_queued_(std::move(on_queued)) {
  if (metrics) {
    queued_ = &metrics->counter("sukusuku_push_queued_total",
                                "Device pushes queued in the outbox (committed)");
    notified_ = &metrics->counter("sukusuku_push_notifications_total",
                                  "Notifications committed (inbox rows written)");
  }
}

void SqlNotifier::validate(const Notification& n, const Audience& audience) {
  if (n.municipality_id <= 0) throw invalid("municipality_id is required", "municipality_id");
  if (n.category.empty() || n.category.size() > kMaxCategoryBytes ||
      n.category.find('.') == std::string::npos ||
      !std::all_of(n.category.begin(), n.category.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
      })) {
    throw invalid("category must be \"<owner>.<kind>\" in [a-z0-9_.], at most 64 bytes",
                  "category");
  }
  if (n.source_ref.size() > kMaxSourceRefBytes) {
    throw invalid("source_ref is longer than 200 bytes", "source_ref");
  }
  auto jaText = [](const std::map<std::string, std::string>& m) {
    auto it = m.find("ja");
    return it != m.end() && !it->second.empty();
  };
  if (!jaText(n.title)) throw invalid("a Japanese title (\"ja\") is required", "title");
  if (!jaText(n.body)) throw invalid("a Japanese body (\"ja\") is required", "body");
  auto checkTexts = [](const std::map<std::string, std::string>& m, const char* field,
                       size_t max) {
    for (const auto& [lang, text] : m) {
      if (lang.empty() || lang.size() > 8) throw invalid("bad language tag", field);
      if (!validUtf8(text)) throw invalid(std::string(field) + " is not UTF-8", field);
      if (utf8Length(text) > max) {
        throw invalid(std::string(field) + " is longer than " + std::to_string(max) +
                          " characters",
                      field);
      }
    }
  };
  checkTexts(n.title, "title", kMaxTitleChars);
  checkTexts(n.body, "body", kMaxBodyChars);
  if (!n.push_body.empty()) {
    if (!jaText(n.push_body)) throw invalid("a Japanese push body (\"ja\") is required", "push_body");
    checkTexts(n.push_body, "push_body", kMaxBodyChars);
  }
  size_t data_bytes = 0;
  for (const auto& [k, v] : n.data) {
    if (k.empty() || !validUtf8(k) || !validUtf8(v)) throw invalid("bad data entry", "data");
    // FCM reserves these keys in `data`.
    if (k == "from" || k == "notification" || k == "message_type" || k.rfind("google", 0) == 0 ||
        k.rfind("gcm", 0) == 0) {
      throw invalid("data key " + k + " is reserved by FCM", "data");
    }
    data_bytes += k.size() + v.size();
  }
  if (data_bytes > kMaxDataBytes) throw invalid("data is larger than 2048 bytes", "data");
  if (audience.empty()) throw invalid("the audience is empty", "audience");
}

NotifyResult SqlNotifier::notify(db::Tx& tx, const Notification& n, const Audience& audience) {
  validate(n, audience);
  TimePoint now = clock_.now();
  int64_t now_ms = clock_.nowMillis();
  std::string now_text = formatUtc(now);
  bool urgent = n.priority == Priority::kUrgent;

  // Audience -> active users of this municipality, each once, with their language.
  std::set<int64_t> candidates = resolveAudience(tx, n.municipality_id, audience, tokyoDate(now));
  std::vector<int64_t> ids(candidates.begin(), candidates.end());
  std::vector<Recipient> recipients;
  std::unordered_map<int64_t, size_t> index;
  forEachChunk(tx,
               "SELECT id, language FROM users WHERE municipality_id = ? AND status <> "
               "'disabled' AND id IN ",
               " ORDER BY id", {n.municipality_id}, ids, [&](const db::Row& row) {
                 index[row.getInt("id")] = recipients.size();
                 recipients.push_back({row.getInt("id"), row.getText("language")});
               });
  NotifyResult result;
  if (recipients.empty()) return result;
  ids.clear();
  for (const auto& r : recipients) ids.push_back(r.user_id);

  // Preferences bind normal messages only: urgent ones ignore opt-outs and quiet hours.
  if (!urgent) {
    forEachChunk(tx, "SELECT user_id FROM push_opt_outs WHERE category = ? AND user_id IN ", "",
                 {n.category}, ids,
                 [&](const db::Row& row) { recipients[index[row.getInt("user_id")]].push = false; });
    forEachChunk(tx,
                 "SELECT user_id, quiet_start_min, quiet_end_min FROM push_preferences WHERE "
                 "quiet_start_min IS NOT NULL AND quiet_end_min IS NOT NULL AND user_id IN ",
                 "", {}, ids, [&](const db::Row& row) {
                   recipients[index[row.getInt("user_id")]].not_before_ms = quietHoursEndMs(
                       now_ms, static_cast<int>(row.getInt("quiet_start_min")),
                       static_cast<int>(row.getInt("quiet_end_min")));
                 });
  }
  std::vector<DeviceRow> devices;
  if (push_enabled_) forEachChunk(tx,
               "SELECT id, user_id, token, language FROM devices WHERE municipality_id = ? AND "
               "user_id IN ",
               " ORDER BY id", {n.municipality_id}, ids, [&](const db::Row& row) {
                 devices.push_back({row.getInt("id"), row.getInt("user_id"),
                                    row.getText("token"), row.getText("language")});
               });
  std::vector<db::Params> outbox;
  int64_t priority = urgent ? 1 : 0;
  for (const auto& d : devices) {
    const Recipient& r = recipients[index[d.user_id]];
    if (!r.push) continue;
    // The phone's language when the notification has text in it, else the user's, else ja.
    std::string language = n.title.count(d.language) ? d.language
                           : n.title.count(r.language) ? r.language
                                                       : "ja";
    outbox.push_back({n.municipality_id, 0, d.user_id, 0, d.id, d.token, language, priority,
                      "pending", std::max(now_ms, r.not_before_ms), now_text});
  }

  int64_t notification_id =
      tx.execute(
            "INSERT INTO notifications (municipality_id, category, source_ref, priority, title, "
            "body, push_body, data, sender_user_id, recipients, pushes, created_at) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?)",
            {n.municipality_id, n.category, n.source_ref, urgent ? "urgent" : "normal",
             toJson(n.title).dump(), toJson(n.body).dump(),
             n.push_body.empty() || outbox.empty() ? db::Value() : db::Value(toJson(n.push_body).dump()),
             toJson(n.data).dump(),
             n.sender_user_id, static_cast<int64_t>(recipients.size()),
             static_cast<int64_t>(outbox.size()), now_text})
          .last_insert_id;
  std::vector<db::Params> inbox;
  inbox.reserve(recipients.size());
  for (const auto& r : recipients) {
    inbox.push_back({n.municipality_id, notification_id, r.user_id, now_text});
  }
  insertRows(tx, "inbox", {"municipality_id", "notification_id", "user_id", "created_at"}, inbox);
  if (!outbox.empty()) {
    std::unordered_map<int64_t, int64_t> inbox_ids;
    for (const auto& row : tx.query("SELECT id, user_id FROM inbox WHERE notification_id = ?",
                                    {notification_id})) {
      inbox_ids[row.getInt("user_id")] = row.getInt("id");
    }
    for (auto& row : outbox) {
      row[1] = notification_id;
      row[3] = inbox_ids[row[2].asInt()];
    }
    insertRows(tx, "push_outbox",
               {"municipality_id", "notification_id", "user_id", "inbox_id", "device_id", "token",
                "language", "priority", "state", "next_attempt_ms", "created_at"},
               outbox);
  }

  result.notification_id = notification_id;
  result.recipients = static_cast<int64_t>(recipients.size());
  result.pushes = static_cast<int64_t>(outbox.size());
  int64_t pushes = result.pushes;
  tx.afterCommit([this, pushes] {
    if (notified_) notified_->inc();
    if (queued_) queued_->inc(static_cast<double>(pushes));
    if (pushes > 0 && on_queued_) on_queued_();
  });
  return result;
}

Receipts SqlNotifier::receipts(db::Connection& conn, int64_t municipality_id,
                               const std::string& source_ref) {
  // A person who got several notifications with one source_ref (a reminder) counts once, as
  // read when they read any of them.
  std::map<int64_t, bool> read;
  for (const auto& row : conn.query(
           "SELECT i.user_id, i.read_at FROM inbox i JOIN notifications n ON n.id = "
           "i.notification_id WHERE n.municipality_id = ? AND n.source_ref = ? AND "
           "i.municipality_id = ?",
           {municipality_id, source_ref, municipality_id})) {
    bool& r = read[row.getInt("user_id")];
    r = r || !row.isNull("read_at");
  }
  Receipts out;
  for (const auto& [user, was_read] : read) {
    ++out.recipients;
    if (was_read) {
      ++out.read;
      out.read_user_ids.push_back(user);
    } else {
      out.unread_user_ids.push_back(user);
    }
  }
  return out;
}

}  // namespace sukusuku::push
