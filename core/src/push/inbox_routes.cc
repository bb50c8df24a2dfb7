// The in-app inbox and push preferences of the signed-in person, under /api/v1/inbox and
// /api/v1/push/preferences. Every query is bound to the caller's user id, so another person's
// inbox row is simply not found (404).
#include "inbox_routes.h"

#include <set>

#include "sql_notifier.h"
#include "sukusuku/api.h"
#include "sukusuku/error.h"
#include "texts.h"

namespace sukusuku::push {

namespace {

nlohmann::json parsedOr(const std::string& text, nlohmann::json fallback) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

const char* kItemColumns =
    "SELECT i.id, i.notification_id, i.created_at, i.read_at, n.category, n.priority, n.title, "
    "n.body, n.data, n.source_ref FROM inbox i JOIN notifications n ON n.id = i.notification_id ";

nlohmann::json itemOf(const db::Row& row, const std::string& language) {
  nlohmann::json title = parsedOr(row.getText("title"), nlohmann::json::object());
  nlohmann::json body = parsedOr(row.getText("body"), nlohmann::json::object());
  return {{"id", row.getInt("id")},
          {"notification_id", row.getInt("notification_id")},
          {"category", row.getText("category")},
          {"priority", row.getText("priority")},
          {"title", textIn(title, language)},
          {"body", textIn(body, language)},
          {"data", parsedOr(row.getText("data"), nlohmann::json::object())},
          {"source_ref", row.getText("source_ref")},
          {"created_at", row.getText("created_at")},
          {"read_at", row.isNull("read_at") ? nlohmann::json(nullptr)
                                            : nlohmann::json(row.getText("read_at"))}};
}

nlohmann::json itemById(db::Connection& conn, const Principal& p, int64_t id) {
  auto row = conn.queryOne(std::string(kItemColumns) + "WHERE i.id = ? AND i.user_id = ?",
                           {id, p.user_id});
  if (!row) throw Error::notFound("push.inbox_item_not_found", "no such inbox item");
  return itemOf(*row, p.language);
}

int64_t unreadCount(db::Connection& conn, int64_t user_id) {
  return conn
      .queryOne("SELECT COUNT(*) AS n FROM inbox WHERE user_id = ? AND read_at IS NULL",
                {user_id})
      ->getInt("n");
}

Error invalidPreferences(const std::string& message, const std::string& field) {
  return Error::invalid("push.invalid_preferences", message, {{"field", field}});
}

nlohmann::json preferencesOf(db::Connection& conn, int64_t user_id) {
  nlohmann::json muted = nlohmann::json::array();
  for (const auto& row : conn.query(
           "SELECT category FROM push_opt_outs WHERE user_id = ? ORDER BY category", {user_id})) {
    muted.push_back(row.getText("category"));
  }
  nlohmann::json quiet = nullptr;
  if (auto row = conn.queryOne(
          "SELECT quiet_start_min, quiet_end_min FROM push_preferences WHERE user_id = ? AND "
          "quiet_start_min IS NOT NULL AND quiet_end_min IS NOT NULL",
          {user_id})) {
    quiet = {{"start", formatMinuteOfDay(static_cast<int>(row->getInt("quiet_start_min")))},
             {"end", formatMinuteOfDay(static_cast<int>(row->getInt("quiet_end_min")))}};
  }
  // The categories this person has received, so that the app can offer a switch for each.
  nlohmann::json known = nlohmann::json::array();
  for (const auto& row : conn.query(
           "SELECT DISTINCT n.category FROM inbox i JOIN notifications n ON n.id = "
           "i.notification_id WHERE i.user_id = ? ORDER BY n.category",
           {user_id})) {
    known.push_back(row.getText("category"));
  }
  return {{"muted_categories", muted}, {"quiet_hours", quiet}, {"known_categories", known}};
}

struct PreferencesUpdate {
  std::set<std::string> muted;
  std::optional<std::pair<int, int>> quiet;
};

PreferencesUpdate parsePreferences(const nlohmann::json& body) {
  if (!body.is_object()) throw invalidPreferences("the body must be a JSON object", "");
  PreferencesUpdate u;
  if (!body.contains("muted_categories") || !body["muted_categories"].is_array()) {
    throw invalidPreferences("muted_categories must be an array of categories",
                             "muted_categories");
  }
  if (body["muted_categories"].size() > 200) {
    throw invalidPreferences("at most 200 muted categories", "muted_categories");
  }
  for (const auto& c : body["muted_categories"]) {
    if (!c.is_string()) {
      throw invalidPreferences("muted_categories must be strings", "muted_categories");
    }
    std::string cat = c.get<std::string>();
    try {
      Notification probe;
      probe.municipality_id = 1;
      probe.category = cat;
      probe.title["ja"] = probe.body["ja"] = "-";
      Audience everyone;
      everyone.whole_municipality = true;
      SqlNotifier::validate(probe, everyone);
    } catch (const Error&) {
      throw invalidPreferences("not a category: " + cat, "muted_categories");
    }
    u.muted.insert(cat);
  }
  if (body.contains("quiet_hours") && !body["quiet_hours"].is_null()) {
    const auto& q = body["quiet_hours"];
    auto minute = [&q](const char* name) {
      if (!q.is_object() || !q.contains(name) || !q[name].is_string()) {
        throw invalidPreferences(std::string("quiet_hours.") + name + " must be \"HH:MM\"",
                                 std::string("quiet_hours.") + name);
      }
      auto m = parseMinuteOfDay(q[name].get<std::string>());
      if (!m) {
        throw invalidPreferences(std::string("quiet_hours.") + name + " must be \"HH:MM\"",
                                 std::string("quiet_hours.") + name);
      }
      return *m;
    };
    int start = minute("start"), end = minute("end");
    if (start == end) {
      throw invalidPreferences("quiet hours must not start and end at the same time",
                               "quiet_hours");
    }
    u.quiet = std::make_pair(start, end);
  }
  return u;
}

}  // namespace

void addInboxRoutes(PluginContext& ctx) {
  db::Database& db = ctx.database();
  const Clock& clock = ctx.clock();

  ctx.addRoute({"GET", "/api/v1/inbox", kAuthenticated, [&db](Request& req) {
                  const Principal& p = req.user();
                  api::PageRequest page = api::pageRequest(req);
                  bool unread_only = req.queryParam("unread").value_or("") == "true";
                  // Newest first: the cursor is the smallest id of the previous page.
                  std::string sql = std::string(kItemColumns) + "WHERE i.user_id = ?";
                  db::Params params{p.user_id};
                  if (page.after_id > 0) {
                    sql += " AND i.id < ?";
                    params.emplace_back(page.after_id);
                  }
                  if (unread_only) sql += " AND i.read_at IS NULL";
                  sql += " ORDER BY i.id DESC LIMIT ?";
                  params.emplace_back(page.limit);
                  auto conn = db.acquire();
                  nlohmann::json items = nlohmann::json::array();
                  int64_t last = 0;
                  for (const auto& row : conn->query(sql, params)) {
                    items.push_back(itemOf(row, p.language));
                    last = row.getInt("id");
                  }
                  nlohmann::json out = api::page(std::move(items), page, last);
                  out["unread"] = unreadCount(*conn, p.user_id);
                  return Response::json(out);
                }});

  ctx.addRoute({"GET", "/api/v1/inbox/unread-count", kAuthenticated, [&db](Request& req) {
                  auto conn = db.acquire();
                  return Response::json({{"unread", unreadCount(*conn, req.user().user_id)}});
                }});

  ctx.addRoute({"GET", "/api/v1/inbox/{inbox_id}", kAuthenticated, [&db](Request& req) {
                  auto conn = db.acquire();
                  return Response::json(itemById(*conn, req.user(), req.idParam("inbox_id")));
                }});

  ctx.addRoute({"POST", "/api/v1/inbox/{inbox_id}/read", kAuthenticated,
                [&db, &clock](Request& req) {
                  const Principal& p = req.user();
                  int64_t id = req.idParam("inbox_id");
                  // The first read is the receipt; reading again keeps its time.
                  db.transaction([&](db::Tx& tx) {
                    tx.execute(
                        "UPDATE inbox SET read_at = ? WHERE id = ? AND user_id = ? AND read_at "
                        "IS NULL",
                        {formatUtc(clock.now()), id, p.user_id});
                  });
                  auto conn = db.acquire();
                  return Response::json(itemById(*conn, p, id));
                }});

  ctx.addRoute({"POST", "/api/v1/inbox/read-all", kAuthenticated, [&db, &clock](Request& req) {
                  const Principal& p = req.user();
                  int64_t marked = db.transaction([&](db::Tx& tx) {
                    return tx
                        .execute(
                            "UPDATE inbox SET read_at = ? WHERE user_id = ? AND read_at IS NULL",
                            {formatUtc(clock.now()), p.user_id})
                        .affected_rows;
                  });
                  return Response::json({{"marked", marked}, {"unread", 0}});
                }});

  ctx.addRoute({"GET", "/api/v1/push/preferences", kAuthenticated, [&db](Request& req) {
                  auto conn = db.acquire();
                  return Response::json(preferencesOf(*conn, req.user().user_id));
                }});

  ctx.addRoute({"PUT", "/api/v1/push/preferences", kAuthenticated, [&db, &clock](Request& req) {
                  const Principal& p = req.user();
                  PreferencesUpdate u = parsePreferences(req.json());
                  db.transaction([&](db::Tx& tx) {
                    tx.execute("DELETE FROM push_opt_outs WHERE user_id = ?", {p.user_id});
                    for (const auto& c : u.muted) {
                      tx.execute("INSERT INTO push_opt_outs (user_id, category) VALUES (?, ?)",
                                 {p.user_id, c});
                    }
                    db::Value start, end;
                    if (u.quiet) {
                      start = u.quiet->first;
                      end = u.quiet->second;
                    }
                    tx.execute(tx.dialect().upsert(
                                   "push_preferences",
                                   {"user_id", "quiet_start_min", "quiet_end_min", "updated_at"},
                                   {"user_id"}, {"quiet_start_min", "quiet_end_min", "updated_at"}),
                               {p.user_id, start, end, formatUtc(clock.now())});
                  });
                  auto conn = db.acquire();
                  return Response::json(preferencesOf(*conn, p.user_id));
                }});
}

void addInboxCard(api::HomeFeed& feed) {
  feed.add("push", [](const Principal& p, db::Connection& conn) {
    std::vector<api::Card> cards;
    int64_t unread = unreadCount(conn, p.user_id);
    if (unread == 0) return cards;
    auto latest = conn.queryOne(std::string(kItemColumns) +
                                    "WHERE i.user_id = ? AND i.read_at IS NULL ORDER BY i.id DESC "
                                    "LIMIT 1",
                                {p.user_id});
    api::Card card;
    card.kind = "push.unread_inbox";
    card.priority = 20;
    card.at = latest ? latest->getText("created_at") : "";
    card.data = {{"unread", unread}};
    if (latest) card.data["latest"] = itemOf(*latest, p.language);
    cards.push_back(std::move(card));
    return cards;
  });
}

}  // namespace sukusuku::push
