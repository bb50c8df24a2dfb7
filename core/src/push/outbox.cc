#include "sukusuku/push/outbox.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <Poco/Logger.h>

#include "texts.h"

namespace sukusuku::push {

namespace {

constexpr size_t kChunk = 500;

std::string placeholders(size_t n) {
  std::string s = "(";
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s + ")";
}

// Runs SQL_PREFIX "(?,…)" for each chunk of IDS with LEADING parameters bound first; returns the
// affected rows in total.
int64_t executeIn(db::Connection& conn, const std::string& sql_prefix, const db::Params& leading,
                  const std::vector<int64_t>& ids) {
  int64_t affected = 0;
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    size_t n = std::min(kChunk, ids.size() - at);
    db::Params params = leading;
    for (size_t i = 0; i < n; ++i) params.emplace_back(ids[at + i]);
    affected += conn.execute(sql_prefix + placeholders(n), params).affected_rows;
  }
  return affected;
}

db::Rows queryIn(db::Connection& conn, const std::string& sql_prefix, const std::vector<int64_t>& ids) {
  db::Rows out;
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    size_t n = std::min(kChunk, ids.size() - at);
    db::Params params(ids.begin() + static_cast<std::ptrdiff_t>(at),
                      ids.begin() + static_cast<std::ptrdiff_t>(at + n));
    for (auto& row : conn.query(sql_prefix + placeholders(n), params)) out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

DeliveryStats& DeliveryStats::operator+=(const DeliveryStats& o) {
  claimed += o.claimed;
  sent += o.sent;
  retried += o.retried;
  failed += o.failed;
  pruned += o.pruned;
  skipped += o.skipped;
  lost_lease += o.lost_lease;
  return *this;
}

OutboxWorker::OutboxWorker(db::Database& db, const Clock& clock,
                           std::shared_ptr<FcmClient> client, Metrics* metrics,
                           OutboxOptions options)
    : db_(db),
      clock_(clock),
      client_(std::move(client)),
      metrics_(metrics),
      options_(std::move(options)),
      rng_(std::random_device{}()) {
  options_.batch_size = std::max(1, options_.batch_size);
  options_.max_attempts = std::max(1, options_.max_attempts);
}

std::vector<ClaimedPush> OutboxWorker::claim(std::optional<int64_t> notification_id) {
  std::vector<ClaimedPush> claimed;
  db_.transaction([&](db::Tx& tx) {
    claimed.clear();
    int64_t now = clock_.nowMillis();
    int64_t lease_end = now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease).count();
    std::string filter = notification_id ? " AND notification_id = ?" : "";
    std::vector<int64_t> ids;
    // Urgent rows first, then normal ones, each oldest due first.
    for (int priority : {1, 0}) {
      int64_t room = options_.batch_size - static_cast<int64_t>(ids.size());
      if (room <= 0) break;
      db::Params params{priority, now};
      if (notification_id) params.emplace_back(*notification_id);
      params.emplace_back(room);
      for (const auto& row : tx.query(
               "SELECT id FROM push_outbox WHERE state = 'pending' AND priority = ? AND "
               "next_attempt_ms <= ?" + filter + " ORDER BY next_attempt_ms LIMIT ?" +
                   std::string(tx.dialect().forUpdateSkipLocked()),
               params)) {
        ids.push_back(row.getInt("id"));
      }
    }
    if (ids.empty()) return;
    executeIn(tx,
              "UPDATE push_outbox SET lease_owner = ?, lease_until_ms = ?, next_attempt_ms = ?, "
              "attempts = attempts + 1 WHERE id IN ",
              {options_.owner, lease_end, lease_end}, ids);
    for (const auto& row : queryIn(tx,
                                   "SELECT id, notification_id, user_id, inbox_id, device_id, "
                                   "token, language, attempts, priority FROM push_outbox WHERE "
                                   "id IN ",
                                   ids)) {
      claimed.push_back({row.getInt("id"), row.getInt("notification_id"), row.getInt("user_id"),
                         row.getInt("device_id"), row.getInt("inbox_id"), row.getText("token"),
                         row.getText("language"), static_cast<int>(row.getInt("attempts")),
                         row.getInt("priority") > 0});
    }
  });
  std::sort(claimed.begin(), claimed.end(), [](const ClaimedPush& a, const ClaimedPush& b) {
    return a.urgent != b.urgent ? a.urgent : a.id < b.id;
  });
  return claimed;
}

void OutboxWorker::loadTexts(const std::vector<ClaimedPush>& rows) {
  std::set<int64_t> missing;
  for (const auto& r : rows) {
    if (!texts_.count(r.notification_id)) missing.insert(r.notification_id);
  }
  if (missing.empty()) return;
  if (texts_.size() + missing.size() > 256) texts_.clear();
  auto conn = db_.acquire();
  for (const auto& row :
       queryIn(*conn, "SELECT id, title, body, push_body, data, priority FROM notifications WHERE "
                       "id IN ",
               std::vector<int64_t>(missing.begin(), missing.end()))) {
    Texts t;
    t.title = nlohmann::json::parse(row.getText("title"), nullptr, false);
    t.body = nlohmann::json::parse(row.getText("body"), nullptr, false);
    auto data = nlohmann::json::parse(row.getText("data"), nullptr, false);
    if (data.is_object()) {
      for (auto it = data.begin(); it != data.end(); ++it) {
        if (it->is_string()) t.data[it.key()] = it->get<std::string>();
      }
    }
    t.urgent = row.getText("priority") == "urgent";
    if (!row.isNull("push_body")) {
      t.push_body = nlohmann::json::parse(row.getText("push_body"), nullptr, false);
    }
    texts_[row.getInt("id")] = std::move(t);
  }
}

const OutboxWorker::Texts& OutboxWorker::texts(int64_t notification_id) {
  static const Texts kNone;
  auto it = texts_.find(notification_id);
  return it == texts_.end() ? kNone : it->second;
}

DeliveryStats OutboxWorker::deliver(const std::vector<ClaimedPush>& rows) {
  DeliveryStats stats;
  stats.claimed = static_cast<int64_t>(rows.size());
  if (rows.empty()) return stats;
  loadTexts(rows);

  // A device deleted (logged out, pruned) or handed to another user since notify() is skipped.
  std::unordered_map<int64_t, std::pair<int64_t, std::string>> devices;
  {
    std::set<int64_t> ids;
    for (const auto& r : rows) ids.insert(r.device_id);
    auto conn = db_.acquire();
    for (const auto& row : queryIn(*conn, "SELECT id, user_id, token FROM devices WHERE id IN ",
                                   std::vector<int64_t>(ids.begin(), ids.end()))) {
      devices[row.getInt("id")] = {row.getInt("user_id"), row.getText("token")};
    }
  }
  std::vector<int64_t> skipped;
  std::vector<FcmMessage> messages;
  std::unordered_map<int64_t, const ClaimedPush*> by_id;
  messages.reserve(rows.size());
  for (const auto& r : rows) {
    by_id[r.id] = &r;
    auto d = devices.find(r.device_id);
    if (d == devices.end() || d->second.first != r.user_id || d->second.second != r.token) {
      skipped.push_back(r.id);
      continue;
    }
    const Texts& t = texts(r.notification_id);
    auto data = t.data;
    data["notification_id"] = std::to_string(r.notification_id);
    data["inbox_id"] = std::to_string(r.inbox_id);
    messages.push_back({r.id, r.token,
                        messageBody(r.token, textIn(t.title, r.language),
                                    textIn(t.push_body.is_object() ? t.push_body : t.body,
                                           r.language),
                                    data, t.urgent)});
  }

  // Each answer is acknowledged as it arrives: the answers gathered since the last commit are
  // written in one short transaction as soon as there are ack_batch of them or the oldest is
  // ack_delay old (checked after every round of completed transfers). A crash therefore
  // re-sends only rows whose answer had not been committed: at most ack_batch rows, or those
  // answered in the last ack_delay, plus the commit in progress.
  using Steady = std::chrono::steady_clock;
  std::vector<FcmResult> answered;
  Steady::time_point oldest{};
  std::map<std::string, int> alarms;
  auto flush = [&] {
    if (answered.empty() && skipped.empty()) return;
    for (const auto& r : answered) {
      if (r.alarm) ++alarms[r.error_code];
    }
    stats += acknowledge(answered, skipped, by_id);
    answered.clear();
    skipped.clear();
    if (options_.after_ack) options_.after_ack(stats);
  };
  flush();  // the skipped rows, before anything is sent
  if (!messages.empty()) {
    client_->send(
        messages,
        [&](const FcmResult& r) {
          if (answered.empty()) oldest = Steady::now();
          answered.push_back(r);
        },
        [&]() -> std::chrono::milliseconds {
          if (answered.empty()) return std::chrono::milliseconds(0);
          auto age = Steady::now() - oldest;
          if (static_cast<int>(answered.size()) >= options_.ack_batch ||
              age >= options_.ack_delay) {
            flush();
            return std::chrono::milliseconds(0);
          }
          return std::max(std::chrono::milliseconds(1),
                          std::chrono::duration_cast<std::chrono::milliseconds>(
                              options_.ack_delay - age));
        });
  }
  flush();
  stats.claimed = static_cast<int64_t>(rows.size());

  auto& log = Poco::Logger::get("push");
  for (const auto& [code, count] : alarms) {
    log.error("FCM alarm: %d send(s) answered %s; check the service account, the APNs/web push "
              "credentials in Firebase, or the payload",
              count, code);
  }
  if (stats.lost_lease > 0) {
    log.warning("%Ld outbox row(s) were acknowledged after their lease ended (worker %s too slow)",
                static_cast<long long>(stats.lost_lease), options_.owner);
  }
  return stats;
}

DeliveryStats OutboxWorker::acknowledge(
    const std::vector<FcmResult>& results, const std::vector<int64_t>& skipped,
    const std::unordered_map<int64_t, const ClaimedPush*>& by_id) {
  std::string now_text = formatUtc(clock_.now());
  int64_t now_ms = clock_.nowMillis();
  std::vector<int64_t> sent;
  for (const auto& r : results) {
    if (r.outcome == Outcome::kSent) sent.push_back(r.tag);
  }
  DeliveryStats stats;
  // Only rows this worker still holds: a row whose lease ran out may be another worker's now.
  db_.transaction([&](db::Tx& tx) {
    DeliveryStats s;
    const std::string owned = " lease_owner = ? AND state = 'pending' AND id IN ";
    int64_t acked = executeIn(
        tx, "UPDATE push_outbox SET state = 'sent', finished_at = ?, last_error = NULL, "
            "lease_owner = NULL WHERE" + owned,
        {now_text, options_.owner}, sent);
    s.sent = acked;
    s.lost_lease += static_cast<int64_t>(sent.size()) - acked;
    acked = executeIn(tx,
                      "UPDATE push_outbox SET state = 'skipped', finished_at = ?, last_error = "
                      "'device gone', lease_owner = NULL WHERE" + owned,
                      {now_text, options_.owner}, skipped);
    s.skipped = acked;
    s.lost_lease += static_cast<int64_t>(skipped.size()) - acked;
    for (const auto& r : results) {
      if (r.outcome == Outcome::kSent) continue;
      const ClaimedPush& row = *by_id.at(r.tag);
      std::string error = r.error_code + (r.detail.empty() ? "" : ": " + r.detail);
      if (error.size() > 250) error = utf8Truncate(error, 250);
      std::string state;
      int64_t next = 0;
      if (r.outcome == Outcome::kInvalidToken) {
        state = "pruned";
      } else if (r.outcome == Outcome::kFailed || row.attempts >= options_.max_attempts) {
        state = "failed";
      } else {
        state = "pending";
        next = now_ms + retryDelay(row.attempts, r.error_code, r.retry_after, rng_).count();
      }
      int64_t n = tx.execute(
                        "UPDATE push_outbox SET state = ?, next_attempt_ms = CASE WHEN ? > 0 THEN "
                        "? ELSE next_attempt_ms END, last_error = ?, lease_owner = NULL, "
                        "finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END WHERE id = ? "
                        "AND lease_owner = ? AND state = 'pending'",
                        {state, next, next, error, state, now_text, row.id, options_.owner})
                        .affected_rows;
      if (n == 0) {
        ++s.lost_lease;
        continue;
      }
      if (state == "pruned") {
        tx.execute("DELETE FROM devices WHERE id = ? AND token = ?", {row.device_id, row.token});
        ++s.pruned;
      } else if (state == "failed") {
        ++s.failed;
      } else {
        ++s.retried;
      }
    }
    // A push-only text (a reset code) is dropped once none of its pushes is pending.
    std::set<int64_t> secret;
    for (const auto& r : results) {
      int64_t nid = by_id.at(r.tag)->notification_id;
      if (texts(nid).push_body.is_object()) secret.insert(nid);
    }
    for (int64_t nid : secret) {
      tx.execute(
          "UPDATE notifications SET push_body = NULL WHERE id = ? AND NOT EXISTS (SELECT 1 FROM "
          "push_outbox o WHERE o.notification_id = ? AND o.state = 'pending')",
          {nid, nid});
    }
    stats = s;
  });

  if (metrics_) {
    auto& latency = metrics_->histogram("sukusuku_push_send_seconds",
                                        "FCM send request latency");
    for (const auto& r : results) {
      latency.observe(r.seconds);
      if (r.outcome == Outcome::kSent) continue;
      const char* name = r.outcome == Outcome::kRetry ? "sukusuku_push_retried_total"
                         : r.outcome == Outcome::kInvalidToken ? "sukusuku_push_pruned_total"
                                                               : "sukusuku_push_failed_total";
      metrics_->counter(name, "FCM sends that did not succeed, by FCM error code",
                        {{"code", r.error_code}})
          .inc();
    }
    if (stats.sent > 0) {
      metrics_->counter("sukusuku_push_sent_total", "Pushes FCM accepted")
          .inc(static_cast<double>(stats.sent));
    }
    if (stats.lost_lease > 0) {
      metrics_->counter("sukusuku_push_lost_leases_total",
                        "Rows acknowledged after another worker took them over")
          .inc(static_cast<double>(stats.lost_lease));
    }
  }
  return stats;
}

DeliveryStats OutboxWorker::runOnce(std::optional<int64_t> notification_id) {
  return deliver(claim(notification_id));
}

OutboxProgress outboxProgress(db::Connection& conn, int64_t notification_id, int64_t now_ms,
                              bool count_due_later) {
  OutboxProgress p;
  for (const auto& row : conn.query(
           "SELECT state, COUNT(*) AS n FROM push_outbox WHERE notification_id = ? GROUP BY state",
           {notification_id})) {
    int64_t n = row.getInt("n");
    std::string state = row.getText("state");
    p.total += n;
    if (state == "pending") p.pending = n;
    if (state == "sent") p.sent = n;
    if (state == "failed") p.failed = n;
    if (state == "pruned") p.pruned = n;
    if (state == "skipped") p.skipped = n;
  }
  if (!count_due_later || p.pending == 0) return p;
  p.due_later = conn.queryOne(
                        "SELECT COUNT(*) AS n FROM push_outbox WHERE notification_id = ? AND state "
                        "= 'pending' AND next_attempt_ms > ?",
                        {notification_id, now_ms + 60000})
                    ->getInt("n");
  return p;
}

// ---- the quota across nodes -------------------------------------------------------------------

QuotaShare::QuotaShare(db::Database& db, const Clock& clock, std::string node_id,
                       double quota_per_minute, std::shared_ptr<RateLimiter> limiter,
                       std::chrono::milliseconds live)
    : db_(db),
      clock_(clock),
      node_id_(std::move(node_id)),
      quota_(quota_per_minute),
      limiter_(std::move(limiter)),
      live_(live) {}

std::pair<double, int> QuotaShare::heartbeat() {
  int64_t now = clock_.nowMillis();
  int nodes = 1;
  db_.transaction([&](db::Tx& tx) {
    tx.execute("DELETE FROM push_nodes WHERE node_id = ?", {node_id_});
    tx.execute("INSERT INTO push_nodes (node_id, heartbeat_ms, started_at) VALUES (?, ?, ?)",
               {node_id_, now, formatUtc(clock_.now())});
    nodes = static_cast<int>(
        tx.queryOne("SELECT COUNT(*) AS n FROM push_nodes WHERE heartbeat_ms >= ?",
                    {now - live_.count()})
            ->getInt("n"));
    // Rows of nodes long gone (a day) are dropped.
    tx.execute("DELETE FROM push_nodes WHERE heartbeat_ms < ?", {now - 86400000});
  });
  nodes = std::max(1, nodes);
  double share = quota_ / nodes;
  if (limiter_ && quota_ > 0) limiter_->setRate(share);
  return {share, nodes};
}

void QuotaShare::leave() {
  db_.transaction(
      [&](db::Tx& tx) { tx.execute("DELETE FROM push_nodes WHERE node_id = ?", {node_id_}); });
}

// ---- the background pool ----------------------------------------------------------------------

WorkerPool::WorkerPool(db::Database& db, const Clock& clock,
                       std::shared_ptr<AccessTokenSource> tokens, Metrics* metrics,
                       Settings settings)
    : db_(db),
      clock_(clock),
      tokens_(std::move(tokens)),
      metrics_(metrics),
      settings_(std::move(settings)) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty()) return;
  stopping_ = false;
  if (settings_.quota_per_minute > 0 && settings_.fcm.limiter) {
    quota_ = std::make_unique<QuotaShare>(db_, clock_, settings_.node_id,
                                          settings_.quota_per_minute, settings_.fcm.limiter);
    try {
      quota_->heartbeat();
    } catch (const std::exception& e) {
      Poco::Logger::get("push").error("push quota heartbeat: %s", std::string(e.what()));
    }
    threads_.emplace_back([this] { beat(); });
  }
  for (int i = 0; i < settings_.threads; ++i) threads_.emplace_back([this, i] { loop(i); });
}

void WorkerPool::beat() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, QuotaShare::kInterval, [&] { return stopping_; })) break;
    }
    try {
      quota_->heartbeat();
    } catch (const std::exception& e) {
      Poco::Logger::get("push").error("push quota heartbeat: %s", std::string(e.what()));
    }
  }
  try {
    quota_->leave();
  } catch (const std::exception& e) {
    Poco::Logger::get("push").warning("push quota: leaving: %s", std::string(e.what()));
  }
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

void WorkerPool::loop(int index) {
  OutboxOptions options = settings_.outbox;
  options.owner = settings_.node_id + "-w" + std::to_string(index);
  auto client = std::make_shared<FcmClient>(tokens_, settings_.fcm);
  OutboxWorker worker(db_, clock_, client, metrics_, options);
  auto& log = Poco::Logger::get("push");
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakes_;
    }
    bool idle = true;
    try {
      idle = worker.runOnce().claimed == 0;
    } catch (const std::exception& e) {
      log.error("outbox worker %s: %s", options.owner, std::string(e.what()));
    }
    if (idle) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || wakes_ != seen; });
    }
  }
}

}  // namespace sukusuku::push
