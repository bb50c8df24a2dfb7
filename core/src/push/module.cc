// The push-notification core as a built-in module: the "push.notifier" service, the inbox and
// preference routes, the home-screen card, password-reset codes by push, the outbox workers and
// the housekeeping job.
//
// Configuration (`sukusuku config` lists them with their defaults):
//   push.fcm.credentials     path to the Firebase service-account JSON; empty: push disabled
//                            (said once at start-up), notifications only go to the inbox
//   push.fcm.endpoint        FCM base URL (https://fcm.googleapis.com; http:// speaks h2c)
//   push.fcm.rate_per_minute the project's quota (600000), split between the live sending nodes
//   push.fcm.connections     HTTP/2 connections per worker; push.fcm.max_streams per connection
//   push.workers             outbox worker threads on this node (only under `sukusuku serve`)
//   push.batch_size          rows one worker claims at a time
//   push.lease_seconds       how long a claim is held before another node may take it over
//   push.max_attempts        retries of a temporary failure before the row is failed
//   push.stale_token_days    devices not refreshed for this long are dropped (270)
#include <chrono>

#include <Poco/Environment.h>
#include <Poco/Logger.h>
#include <Poco/Process.h>

#include "core_parts.h"
#include "inbox_routes.h"
#include "reset_code_delivery.h"
#include "sql_notifier.h"
#include "notify_command.h"
#include "strings.h"
#include "sukusuku/push/outbox.h"
#include "sukusuku/identity/identity_service.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

namespace {

void declareKeys(PluginContext& ctx) {
  ctx.declareConfig("fcm.credentials", "",
                    "Firebase service-account JSON file; empty disables push (inbox only)");
  ctx.declareConfig("fcm.endpoint", "https://fcm.googleapis.com",
                    "FCM HTTP v1 base URL; an http:// URL is spoken as HTTP/2 cleartext (tests)");
  ctx.declareConfig("fcm.rate_per_minute", "600000",
                    "FCM sends per minute for the whole project, shared by the sending nodes");
  ctx.declareConfig("fcm.ca_file", "",
                    "Extra trusted CA certificates (PEM) for FCM and its token endpoint; tests");
  ctx.declareConfig("fcm.connections", "4", "HTTP/2 connections each outbox worker opens to FCM");
  ctx.declareConfig("fcm.max_streams", "100", "Concurrent requests per HTTP/2 connection");
  ctx.declareConfig("workers", "2", "Outbox worker threads on this node (under `serve` only)");
  ctx.declareConfig("batch_size", "500", "Outbox rows one worker claims at a time");
  ctx.declareConfig("lease_seconds", "120",
                    "How long a claimed outbox row is held before another node may send it");
  ctx.declareConfig("max_attempts", "12",
                    "Attempts of a temporarily failing push before it is marked failed");
  ctx.declareConfig("stale_token_days", "270",
                    "Devices whose token was not refreshed for this many days are dropped");
}

// What the outbox machinery needs, built once at boot when credentials are configured.
struct PushMachinery {
  std::shared_ptr<push::AccessTokenSource> tokens;
  push::WorkerPool::Settings settings;
  std::unique_ptr<push::WorkerPool> pool;
};

std::shared_ptr<PushMachinery> buildMachinery(PluginContext& ctx) {
  Config& c = ctx.config();
  std::string file = c.getString("push.fcm.credentials");
  if (file.empty()) return nullptr;
  auto m = std::make_shared<PushMachinery>();
  try {
    m->tokens = std::make_shared<push::AccessTokenSource>(
        push::ServiceAccount::fromFile(file), std::chrono::seconds(10),
        c.getString("push.fcm.ca_file"));
  } catch (const std::exception& e) {
    throw StartupError(std::string("push.fcm.credentials: ") + e.what());
  }
  auto& s = m->settings;
  s.threads = static_cast<int>(c.getInt("push.workers"));
  s.node_id = c.getString("node.id");
  if (s.node_id.empty()) {
    s.node_id = Poco::Environment::nodeName() + "-" + std::to_string(Poco::Process::id());
  }
  s.outbox.batch_size = static_cast<int>(c.getInt("push.batch_size"));
  s.outbox.lease = std::chrono::seconds(c.getInt("push.lease_seconds"));
  s.outbox.max_attempts = static_cast<int>(c.getInt("push.max_attempts"));
  s.fcm.endpoint = c.getString("push.fcm.endpoint");
  s.fcm.connections = static_cast<int>(c.getInt("push.fcm.connections"));
  s.fcm.max_streams = static_cast<int>(c.getInt("push.fcm.max_streams"));
  s.fcm.ca_file = c.getString("push.fcm.ca_file");
  double rate = c.getDouble("push.fcm.rate_per_minute");
  if (rate > 0) {
    s.fcm.limiter = std::make_shared<push::RateLimiter>(rate);
    s.quota_per_minute = rate;  // shared by the live nodes (push_nodes heartbeats)
  }
  return m;
}

}  // namespace

void addPushModule(Runtime& runtime) {
  runtime.addCoreModule("push", [](PluginContext& ctx, Runtime& rt) {
    declareKeys(ctx);
    ctx.addStrings("ja", push::stringCatalogue("ja"));
    ctx.addStrings("en", push::stringCatalogue("en"));
    std::shared_ptr<PushMachinery> machinery = buildMachinery(ctx);
    bool push_enabled = machinery != nullptr;
    if (machinery) {
      machinery->pool = std::make_unique<push::WorkerPool>(
          ctx.database(), ctx.clock(), machinery->tokens, &ctx.metrics(), machinery->settings);
    }
    std::function<void()> wake;
    if (machinery) wake = [m = machinery.get()] { m->pool->wake(); };
    auto notifier = std::make_shared<push::SqlNotifier>(ctx.clock(), &ctx.metrics(), push_enabled,
                                                        std::move(wake));
    ctx.services().provide<push::Notifier>("push.notifier", notifier);
    push::addInboxRoutes(ctx);
    ctx.addOpenApi(push::openApiFragment());

    if (auto identity = ctx.services().find<identity::IdentityService>("identity")) {
      identity->setCodeDelivery(push::newPushCodeDelivery(ctx.database(), notifier, rt.i18n(),
                                                          ctx.clock(), push_enabled));
    }

    rt.addCoreLifecycle(
        "push",
        [&rt, machinery] {
          if (auto feed = rt.services().find<api::HomeFeed>("api.home_feed")) {
            push::addInboxCard(*feed);
          }
          auto& log = Poco::Logger::get("push");
          if (!machinery) {
            log.information(
                "push disabled: push.fcm.credentials is not set; notifications go to the in-app "
                "inbox only");
            return;
          }
          // Background workers run under `sukusuku serve` (where jobs run), not in commands.
          if (rt.config().getBool("jobs.enabled") && machinery->settings.threads > 0) {
            machinery->pool->start();
            log.information("push enabled: %d outbox worker(s) sending to %s for project %s",
                            machinery->settings.threads, machinery->settings.fcm.endpoint,
                            machinery->tokens->account().project_id);
          }
        },
        [machinery] {
          if (machinery) machinery->pool->stop();
        });

    // Devices whose token the app has not confirmed for push.stale_token_days are dead (FCM
    // expires Android tokens after 270 days unused); password-reset notifications are dropped a
    // day after they were sent, since they carry a code.
    auto& db = ctx.database();
    int64_t stale_days = ctx.config().getInt("push.stale_token_days");
    ctx.addJob({"push.stale_tokens", std::chrono::seconds(3600), std::chrono::seconds(600),
                [&db, stale_days](TimePoint period) {
                  std::string cutoff = formatUtc(period - std::chrono::hours(24 * stale_days));
                  std::string day_ago = formatUtc(period - std::chrono::hours(24));
                  db.transaction([&](db::Tx& tx) {
                    tx.execute("DELETE FROM devices WHERE refreshed_at < ?", {cutoff});
                    // Push-only texts (reset codes) whose pushes are all done (the workers
                    // clear them as they send; this catches failed and skipped ones).
                    tx.execute(
                        "UPDATE notifications SET push_body = NULL WHERE push_body IS NOT NULL "
                        "AND NOT EXISTS (SELECT 1 FROM push_outbox o WHERE o.notification_id = "
                        "notifications.id AND o.state = 'pending')");
                    std::string codes =
                        "SELECT id FROM notifications WHERE category = "
                        "'identity.password_reset' AND created_at < ?";
                    tx.execute("DELETE FROM push_outbox WHERE notification_id IN (" + codes + ")",
                               {day_ago});
                    tx.execute("DELETE FROM inbox WHERE notification_id IN (" + codes + ")",
                               {day_ago});
                    tx.execute(
                        "DELETE FROM notifications WHERE category = 'identity.password_reset' "
                        "AND created_at < ?",
                        {day_ago});
                  });
                }});
  });

  // `sukusuku notify …`: a command of its own, not a verb of a plugin.
  runtime.addCoreModule("notify", [](PluginContext& ctx, Runtime& rt) {
    push::addNotifyCommand(ctx, rt);
  });
}

}  // namespace sukusuku
