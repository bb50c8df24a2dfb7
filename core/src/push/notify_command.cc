// `sukusuku notify`: an operator's message to an audience (an emergency broadcast), written
// through the notifier like any plugin's, then pushed from this process until its outbox rows
// are done, with a progress line and a summary.
#include "notify_command.h"

#include <unistd.h>

#include <atomic>
#include <iomanip>
#include <mutex>
#include <set>
#include <thread>

#include <Poco/Environment.h>

#include "sql_notifier.h"
#include "sukusuku/error.h"
#include "sukusuku/push/notifier.h"
#include "sukusuku/push/outbox.h"

namespace sukusuku::push {

namespace {

constexpr const char* kUsage =
    "AUDIENCE --title TEXT --body TEXT [OPTIONS]\n"
    "  Writes one notification to the inbox of everyone in AUDIENCE and pushes it to their\n"
    "  devices now, printing progress and a summary (sent, failed, pruned).\n"
    "AUDIENCE (one kind):\n"
    "  --municipality CODE|ID   everyone of the municipality (全国地方公共団体コード or id)\n"
    "  --facility ID            guardians of children enrolled there (repeatable)\n"
    "  --class ID               guardians of children in the class (repeatable)\n"
    "  --staff-of FACILITY_ID   staff assigned to the facility (repeatable)\n"
    "  --user ID                these people (repeatable)\n"
    "  (facility, class, staff and user ids may be mixed; all must be of one municipality)\n"
    "OPTIONS:\n"
    "  --title-en TEXT --body-en TEXT   English texts for people who use English\n"
    "  --urgent                 ignore opt-outs and quiet hours (closures, emergencies)\n"
    "  --category CAT           default push.broadcast\n"
    "  --data KEY=VALUE         deep-link data for the app (repeatable)\n"
    "  --wait SECONDS           stop driving the outbox after this long (default 300); what is\n"
    "                           left is sent by the server's workers; 0 only queues it";

struct Args {
  std::string municipality;
  Audience audience;
  Notification n;
  int wait_seconds = 300;
};

int64_t positiveId(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    int64_t id = std::stoll(v, &used);
    if (used == v.size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw Error::badRequest("push.bad_argument", flag + " needs a positive id, not '" + v + "'");
}

Args parse(const std::vector<std::string>& argv) {
  Args a;
  a.n.category = "push.broadcast";
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argv.size()) throw Error::badRequest("push.bad_argument", flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--municipality") {
      a.municipality = value();
    } else if (flag == "--facility") {
      a.audience.facilities.push_back(positiveId(flag, value()));
    } else if (flag == "--class") {
      a.audience.classes.push_back(positiveId(flag, value()));
    } else if (flag == "--staff-of") {
      a.audience.staff_of_facilities.push_back(positiveId(flag, value()));
    } else if (flag == "--user") {
      a.audience.user_ids.push_back(positiveId(flag, value()));
    } else if (flag == "--title") {
      a.n.title["ja"] = value();
    } else if (flag == "--body") {
      a.n.body["ja"] = value();
    } else if (flag == "--title-en") {
      a.n.title["en"] = value();
    } else if (flag == "--body-en") {
      a.n.body["en"] = value();
    } else if (flag == "--urgent") {
      a.n.priority = Priority::kUrgent;
    } else if (flag == "--category") {
      a.n.category = value();
    } else if (flag == "--data") {
      std::string kv = value();
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw Error::badRequest("push.bad_argument", "--data needs KEY=VALUE");
      }
      a.n.data[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (flag == "--wait") {
      std::string v = value();
      a.wait_seconds = v == "0" ? 0 : static_cast<int>(positiveId(flag, v));
    } else {
      throw Error::badRequest("push.bad_argument", "unknown argument " + flag);
    }
  }
  bool narrow = !a.audience.empty();
  if (a.municipality.empty() == !narrow) {
    throw Error::badRequest("push.bad_argument",
                            narrow ? "--municipality names everyone; do not combine it with "
                                     "--facility, --class, --staff-of or --user"
                                   : "name an audience: --municipality, --facility, --class, "
                                     "--staff-of or --user");
  }
  if (a.n.title.count("en") != a.n.body.count("en")) {
    throw Error::badRequest("push.bad_argument", "give both --title-en and --body-en, or neither");
  }
  return a;
}

// The municipality every id of the audience belongs to; exit 2 when they disagree or are unknown.
int64_t municipalityOf(db::Connection& conn, const Args& a) {
  if (!a.municipality.empty()) {
    auto row = conn.queryOne("SELECT id FROM municipalities WHERE code = ?", {a.municipality});
    if (!row && a.municipality.find_first_not_of("0123456789") == std::string::npos &&
        a.municipality.size() < 6) {
      row = conn.queryOne("SELECT id FROM municipalities WHERE id = ?",
                          {std::stoll(a.municipality)});
    }
    if (!row) {
      throw Error::notFound("push.municipality_not_found",
                            "no municipality with code or id " + a.municipality);
    }
    return row->getInt("id");
  }
  std::set<int64_t> found;
  auto lookup = [&](const char* table, const std::vector<int64_t>& ids, const char* what) {
    for (int64_t id : ids) {
      auto row = conn.queryOne(std::string("SELECT municipality_id FROM ") + table +
                                   " WHERE id = ?",
                               {id});
      if (!row) {
        throw Error::notFound("push.audience_not_found",
                              std::string("no ") + what + " " + std::to_string(id));
      }
      found.insert(row->getInt("municipality_id"));
    }
  };
  lookup("facilities", a.audience.facilities, "facility");
  lookup("facilities", a.audience.staff_of_facilities, "facility");
  lookup("classes", a.audience.classes, "class");
  lookup("users", a.audience.user_ids, "user");
  if (found.size() != 1 || *found.begin() <= 0) {
    throw Error::badRequest("push.bad_argument",
                            "the audience spans several municipalities; send one per municipality");
  }
  return *found.begin();
}

void printProgress(std::ostream& out, const OutboxProgress& p, double seconds) {
  out << "  " << std::fixed << std::setprecision(1) << seconds << " s: sent " << p.sent << " / "
      << p.total << ", failed " << p.failed << ", pruned " << p.pruned << ", pending "
      << p.pending << "\n"
      << std::flush;
}

int run(Runtime& rt, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  Args a;
  int64_t municipality = 0;
  try {
    a = parse(argv);
    municipality = municipalityOf(*rt.database().acquire(), a);
    a.n.municipality_id = municipality;
    if (a.wait_seconds < 0) a.wait_seconds = 0;
    if (!a.municipality.empty()) {
      a.audience = Audience();
      a.audience.whole_municipality = true;
    }
    SqlNotifier::validate(a.n, a.audience);
  } catch (const Error& e) {
    err << "sukusuku notify: " << e.what() << "\n";
    return 2;
  }
  a.n.source_ref = "push.notify:" + formatUtc(rt.clock().now());

  auto notifier = rt.services().find<Notifier>("push.notifier");
  NotifyResult r = rt.database().transaction([&](db::Tx& tx) {
    NotifyResult result = notifier->notify(tx, a.n, a.audience);
    rt.audit().record(tx, {.municipality_id = municipality,
                           .actor_role = "system",
                           .action = "push.broadcast",
                           .target_type = "notification",
                           .target_id = std::to_string(result.notification_id),
                           .details = {{"recipients", result.recipients},
                                       {"pushes", result.pushes},
                                       {"urgent", a.n.priority == Priority::kUrgent},
                                       {"category", a.n.category}},
                           .request_id = "cli"});
    return result;
  });
  out << "notification " << r.notification_id << ": " << r.recipients << " inbox(es), "
      << r.pushes << " device push(es) queued\n";
  std::string credentials = rt.config().getString("push.fcm.credentials");
  if (credentials.empty()) {
    out << "push is disabled (push.fcm.credentials is not set): the message is in the inbox "
           "only\n";
    return 0;
  }
  if (r.pushes == 0) return 0;
  if (a.wait_seconds == 0) {
    out << "queued only (--wait 0): the server nodes' push workers deliver it\n";
    return 0;
  }

  FcmOptions fcm;
  fcm.endpoint = rt.config().getString("push.fcm.endpoint");
  fcm.connections = static_cast<int>(rt.config().getInt("push.fcm.connections"));
  fcm.max_streams = static_cast<int>(rt.config().getInt("push.fcm.max_streams"));
  double rate = rt.config().getDouble("push.fcm.rate_per_minute");
  if (rate > 0) fcm.limiter = std::make_shared<RateLimiter>(rate);
  fcm.ca_file = rt.config().getString("push.fcm.ca_file");
  auto tokens = std::make_shared<AccessTokenSource>(ServiceAccount::fromFile(credentials),
                                                    std::chrono::seconds(10), fcm.ca_file);
  OutboxOptions options;
  std::string owner = "cli-" + Poco::Environment::nodeName() + "-" + std::to_string(::getpid());
  options.batch_size = static_cast<int>(rt.config().getInt("push.batch_size"));
  options.lease = std::chrono::seconds(rt.config().getInt("push.lease_seconds"));
  options.max_attempts = static_cast<int>(rt.config().getInt("push.max_attempts"));
  // This command sends too: it takes its share of the project quota like a node.
  std::unique_ptr<QuotaShare> quota;
  if (fcm.limiter) {
    quota = std::make_unique<QuotaShare>(rt.database(), rt.clock(), owner, rate, fcm.limiter);
    quota->heartbeat();
  }
  auto last_beat = std::chrono::steady_clock::now();

  // push.workers senders side by side (as under `serve`), each with its own connections, claiming
  // this notification's rows; this thread prints progress and keeps the quota heartbeat.
  int senders = std::max<int>(1, static_cast<int>(rt.config().getInt("push.workers")));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> idle_rounds{0};  // claims that found nothing due
  std::mutex error_mu;
  std::string error;
  std::vector<std::thread> threads;
  for (int i = 0; i < senders; ++i) {
    threads.emplace_back([&, i] {
      OutboxOptions mine = options;
      mine.owner = owner + "-w" + std::to_string(i);
      try {
        OutboxWorker worker(rt.database(), rt.clock(), std::make_shared<FcmClient>(tokens, fcm),
                            nullptr, mine);
        while (!stop) {
          if (worker.runOnce(r.notification_id).claimed == 0) {
            ++idle_rounds;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mu);
        if (error.empty()) error = e.what();
        stop = true;
      }
    });
  }

  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::seconds(a.wait_seconds);
  auto last_print = started;
  OutboxProgress p;
  while (true) {
    // Counting the outbox rows of a 100,000-device broadcast is not free: twice a second.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto now = std::chrono::steady_clock::now();
    p = outboxProgress(*rt.database().acquire(), r.notification_id, rt.clock().nowMillis(),
                       idle_rounds.exchange(0) > 0);
    if (p.due_later == 0 && p.pending > 0) p.due_later = -1;  // not counted: not done yet
    if (now - last_print >= std::chrono::seconds(1)) {
      printProgress(out, p, std::chrono::duration<double>(now - started).count());
      last_print = now;
    }
    if (quota && now - last_beat >= QuotaShare::kInterval) {
      quota->heartbeat();
      last_beat = now;
    }
    if (stop || p.pending == 0 || p.pending == p.due_later || now >= deadline) break;
  }
  stop = true;
  for (auto& t : threads) t.join();
  if (!error.empty()) err << "sending stopped: " << error << "\n";
  p = outboxProgress(*rt.database().acquire(), r.notification_id, rt.clock().nowMillis());
  if (quota) quota->leave();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << "done in " << std::fixed << std::setprecision(1) << seconds << " s: sent " << p.sent
      << ", failed " << p.failed << ", pruned " << p.pruned << " (dead tokens removed), skipped "
      << p.skipped << ", still queued " << p.pending << "\n";
  if (p.pending > 0) {
    out << "  the " << p.pending
        << " still queued (quiet hours, retries after errors) are sent by the server's outbox "
           "workers\n";
  }
  return p.failed > 0 ? 1 : 0;
}

}  // namespace

void addNotifyCommand(PluginContext& ctx, Runtime& rt) {
  ctx.addCommand({"", "send a message to an audience's inboxes and phones (emergency broadcast)",
                  kUsage,
                  [&rt](const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err) { return run(rt, args, out, err); }});
}

}  // namespace sukusuku::push
