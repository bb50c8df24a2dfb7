// Demo data for handouts and surveys (`sukusuku seed-demo`): at ひまわり保育所 a sent monthly
// handout to every family (through the push core, so the inbox and the receipts are real) and an
// open survey about the year-end party. Does nothing when a handout exists already.
#include <set>

#include "audience.h"
#include "outreach.h"

namespace sukusuku::messaging {

void addOutreachDemo(Env& env) {
  PluginContext* ctx = env.ctx;
  const Clock* clock = env.clock;
  ctx->addDemoSeeder([ctx, clock](db::Database& db) {
    auto notifier = ctx->services().find<push::Notifier>("push.notifier");
    db.transaction([&](db::Tx& tx) {
      auto f = tx.queryOne(
          "SELECT f.id, f.municipality_id FROM facilities f JOIN municipalities m ON m.id = "
          "f.municipality_id WHERE m.code = '349999' AND f.name = 'ひまわり保育所'");
      if (!f || tx.queryOne("SELECT id FROM messaging_handouts LIMIT 1")) return;
      int64_t m = f->getInt("municipality_id"), facility = f->getInt("id");
      auto staff = tx.queryOne("SELECT id FROM users WHERE login = 'staff@demo.sukusuku.jp'");
      int64_t by = staff ? staff->getInt("id") : 0;
      std::string now = formatUtc(clock->now()), today = tokyoDate(clock->now());
      std::set<int64_t> households;
      for (const auto& [h, c] : audienceChildren(tx, m, facility, AudienceChoice{}, today)) {
        (void)c;
        households.insert(h);
      }
      int64_t handout =
          tx.execute("INSERT INTO messaging_handouts (municipality_id, facility_id, title, body, "
                     "priority, audience, audience_ids, status, send_at, sent_at, "
                     "created_by_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'normal', "
                     "'facility', '', 'sent', ?, ?, ?, ?, ?)",
                     {m, facility, "12月の園だより",
                      "朝晩冷え込むようになりました。\n\n**12月の行事**\n- 12日 おゆうぎ会\n- 24日 "
                      "クリスマス会\n\n着替えを多めにご用意ください。",
                      now, now, by, now, now})
              .last_insert_id;
      for (int64_t h : households) {
        tx.execute("INSERT INTO messaging_handout_households (handout_id, household_id, "
                   "municipality_id) VALUES (?, ?, ?)",
                   {handout, h, m});
      }
      int64_t survey =
          tx.execute("INSERT INTO messaging_surveys (municipality_id, facility_id, title, "
                     "description, per_kind, audience, audience_ids, deadline, "
                     "created_by_user_id, created_at) VALUES (?, ?, ?, ?, 'household', "
                     "'facility', '', ?, ?, ?)",
                     {m, facility, "おゆうぎ会の参加について", "ご家族の参加人数をお知らせください。",
                      utcAt(dateFromDays(daysFromDate(today) + 7), "17:00"), by, now})
              .last_insert_id;
      tx.execute("INSERT INTO messaging_survey_questions (survey_id, position, kind, label, "
                 "options, required) VALUES (?, 1, 'single', 'おゆうぎ会に参加しますか', ?, 1)",
                 {survey, nlohmann::json({"参加", "不参加", "未定"}).dump()});
      tx.execute("INSERT INTO messaging_survey_questions (survey_id, position, kind, label, "
                 "options, required) VALUES (?, 2, 'multiple', '参加するご家族', ?, 0)",
                 {survey, nlohmann::json({"父", "母", "祖父母", "きょうだい"}).dump()});
      tx.execute("INSERT INTO messaging_survey_questions (survey_id, position, kind, label, "
                 "options, required) VALUES (?, 3, 'text', 'ご意見・ご要望', '[]', 0)",
                 {survey});
      for (int64_t h : households) {
        tx.execute("INSERT INTO messaging_survey_targets (survey_id, household_id, child_id, "
                   "municipality_id) VALUES (?, ?, 0, ?)",
                   {survey, h, m});
      }
      if (notifier && !households.empty()) {
        push::Audience a;
        a.households.assign(households.begin(), households.end());
        push::Notification n;
        n.municipality_id = m;
        n.category = "messaging.handout";
        n.title = {{"ja", "【お便り】12月の園だより"}, {"en", "[Notice] December newsletter"}};
        n.body = {{"ja", "朝晩冷え込むようになりました。"}, {"en", "It is getting cold."}};
        n.data = {{"route", "messaging.handout"}, {"id", std::to_string(handout)}};
        n.source_ref = "messaging.handout:" + std::to_string(handout);
        n.sender_user_id = by;
        notifier->notify(tx, n, a);
        n.category = "messaging.survey";
        n.title = {{"ja", "【アンケート】おゆうぎ会の参加について"}, {"en", "[Survey] The play day"}};
        n.body = {{"ja", "回答をお願いします。"}, {"en", "Please answer."}};
        n.data = {{"route", "messaging.survey"}, {"id", std::to_string(survey)}};
        n.source_ref = "messaging.survey:" + std::to_string(survey);
        notifier->notify(tx, n, a);
      }
    });
  });
}

}  // namespace sukusuku::messaging
