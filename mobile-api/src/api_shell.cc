// The guardian API shell: who am I, devices for push, the home feed, the OpenAPI document.
#include "api_shell.h"

#include "sukusuku/api.h"
#include "sukusuku/error.h"
#include "sukusuku/permissions.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"

namespace sukusuku {

namespace {

nlohmann::json meOf(db::Connection& conn, const Principal& p, const std::string& today) {
  nlohmann::json me = {{"user",
                        {{"id", p.user_id},
                         {"display_name", p.display_name},
                         {"language", p.language},
                         {"role", p.role},
                         {"municipality_id", p.municipality_id}}},
                       {"household", nullptr},
                       {"children", nlohmann::json::array()},
                       {"facilities", nlohmann::json::array()}};
  if (p.role == roles::kGuardian && p.household_id != 0) {
    if (auto h = conn.queryOne(
            "SELECT id, name, postal_code, address, phone FROM households "
            "WHERE id = ? AND municipality_id = ?",
            {p.household_id, p.municipality_id})) {
      me["household"] = {{"id", h->getInt("id")},
                         {"name", h->getText("name")},
                         {"postal_code", h->getText("postal_code")},
                         {"address", h->getText("address")},
                         {"phone", h->getText("phone")}};
    }
    auto children = conn.query(
        "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, "
        "c.birth_date, e.facility_id, e.class_id, cl.name AS class_name, e.certified_hours "
        "FROM children c LEFT JOIN enrolments e ON e.child_id = c.id AND e.starts_on <= ? AND "
        "(e.ends_on IS NULL OR e.ends_on >= ?) LEFT JOIN classes cl ON cl.id = e.class_id "
        "WHERE c.household_id = ? AND c.municipality_id = ? ORDER BY c.birth_date, c.id",
        {today, today, p.household_id, p.municipality_id});
    for (const auto& c : children) {
      me["children"].push_back(
          {{"id", c.getInt("id")},
           {"family_name", c.getText("family_name")},
           {"given_name", c.getText("given_name")},
           {"family_name_kana", c.getText("family_name_kana")},
           {"given_name_kana", c.getText("given_name_kana")},
           {"birth_date", c.getText("birth_date")},
           {"facility_id", c.isNull("facility_id") ? nlohmann::json(nullptr)
                                                   : nlohmann::json(c.getInt("facility_id"))},
           {"class_id", c.isNull("class_id") ? nlohmann::json(nullptr)
                                             : nlohmann::json(c.getInt("class_id"))},
           {"class_name", c.getOptText("class_name").value_or("")},
           {"certified_hours", c.getOptText("certified_hours").value_or("")}});
    }
  }
  for (int64_t f : tenancy::visibleFacilities(conn, p, today)) {
    if (auto row = conn.queryOne("SELECT id, kind, name, opens_at, closes_at FROM facilities "
                                 "WHERE id = ? AND municipality_id = ?",
                                 {f, p.municipality_id})) {
      me["facilities"].push_back({{"id", row->getInt("id")},
                                  {"kind", row->getText("kind")},
                                  {"name", row->getText("name")},
                                  {"opens_at", row->getText("opens_at")},
                                  {"closes_at", row->getText("closes_at")}});
    }
  }
  return me;
}

void checkDevice(const nlohmann::json& body) {
  auto field = [&body](const char* name, size_t max) {
    if (!body.contains(name) || !body[name].is_string() || body[name].get<std::string>().empty() ||
        body[name].get<std::string>().size() > max) {
      throw Error::invalid("api.device_invalid", std::string(name) + " is required",
                           {{"field", name}});
    }
  };
  field("token", 4096);
  field("platform", 16);
  field("app_version", 32);
  std::string platform = body["platform"];
  if (platform != "ios" && platform != "android" && platform != "web") {
    throw Error::invalid("api.device_invalid", "platform must be ios, android or web",
                         {{"field", "platform"}});
  }
}

}  // namespace

void addApiShellModule(Runtime& runtime) {
  runtime.addCoreModule("api", [](PluginContext& ctx, Runtime& rt) {
    auto feed = std::make_shared<api::HomeFeed>();
    ctx.services().provide<api::HomeFeed>("api.home_feed", feed);
    auto& db = ctx.database();
    const Clock& clock = ctx.clock();

    ctx.addRoute({"GET", "/api/v1/me", kAuthenticated, [&db, &clock](Request& req) {
                    auto conn = db.acquire();
                    return Response::json(meOf(*conn, req.user(), tokyoDate(clock.now())));
                  }});

    ctx.addRoute({"POST", "/api/v1/devices", kAuthenticated, [&db, &clock](Request& req) {
                    auto body = req.json();
                    checkDevice(body);
                    const Principal& p = req.user();
                    std::string now = formatUtc(clock.now());
                    std::string language = body.value("language", p.language);
                    if (language.size() > 8) language = p.language;
                    int64_t id = db.transaction([&](db::Tx& tx) {
                      // A token belongs to the newest user that registers it.
                      tx.execute(
                          db.dialect().upsert(
                              "devices",
                              {"municipality_id", "user_id", "token", "platform", "app_version",
                               "language", "created_at", "refreshed_at"},
                              {"token"},
                              {"municipality_id", "user_id", "platform", "app_version",
                               "language", "refreshed_at"}),
                          {p.municipality_id, p.user_id, body["token"].get<std::string>(),
                           body["platform"].get<std::string>(),
                           body["app_version"].get<std::string>(), language, now, now});
                      return tx.queryOne("SELECT id FROM devices WHERE token = ?",
                                         {body["token"].get<std::string>()})
                          ->getInt("id");
                    });
                    return Response::json({{"id", id}, {"refreshed_at", now}}, 201);
                  }});

    ctx.addRoute({"DELETE", "/api/v1/devices/{device_id}", kAuthenticated, [&db](Request& req) {
                    int64_t id = req.idParam("device_id");
                    int64_t gone = db.transaction([&](db::Tx& tx) {
                      return tx
                          .execute("DELETE FROM devices WHERE id = ? AND user_id = ?",
                                   {id, req.user().user_id})
                          .affected_rows;
                    });
                    if (gone == 0) throw Error::notFound("api.device_not_found", "no such device");
                    return Response::noContent();
                  }});

    ctx.addRoute({"GET", "/api/v1/home", kAuthenticated, [&db, feed](Request& req) {
                    auto conn = db.acquire();
                    nlohmann::json cards = nlohmann::json::array();
                    for (const auto& c : feed->cardsFor(req.user(), *conn)) {
                      cards.push_back({{"kind", c.kind}, {"at", c.at}, {"data", c.data}});
                    }
                    return Response::json({{"cards", cards}});
                  }});

    ctx.addRoute({"GET", "/api/v1/openapi.json", kPublic,
                  [&rt](Request&) { return Response::json(rt.openApi()); }});

    // Idempotency records are kept a day.
    ctx.addJob({"api.idempotency_cleanup", std::chrono::seconds(3600), std::chrono::seconds(600),
                [&db](TimePoint period) {
                  int64_t cutoff = std::chrono::duration_cast<std::chrono::seconds>(
                                       period.time_since_epoch())
                                       .count() -
                                   86400;
                  db.transaction([&](db::Tx& tx) {
                    tx.execute("DELETE FROM idempotency_keys WHERE created_at < ?", {cutoff});
                  });
                }});
  });
}

}  // namespace sukusuku
