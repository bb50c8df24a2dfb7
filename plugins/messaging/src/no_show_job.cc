// The no-show alert (未登園アラート): at messaging.no_show_alert_time (Tokyo), every child expected
// by the plan to have arrived by now, with no check-in and no absence or late notice, gets one
// push to the guardians ("お子さまの登園が確認できていません"). Once per child and date, kept in
// messaging_no_show_alerts, so a rerun or a second node sends nothing more.
#include <set>

#include "attendance.h"
#include "notices.h"
#include "planned.h"

namespace sukusuku::messaging {

namespace {

int sendAlerts(Env& env, TimePoint now) {
  std::string today = tokyoDate(now), time = tokyoTime(now);
  if (time < env.no_show_alert_time) return 0;
  std::vector<std::pair<int64_t, int64_t>> facilities;  // municipality, facility
  {
    auto conn = env.db->acquire();
    for (const auto& r : conn->query(
             "SELECT municipality_id, id FROM facilities WHERE kind IN ('nursery', "
             "'certified_centre') AND archived_at IS NULL ORDER BY id")) {
      facilities.emplace_back(r.getInt("municipality_id"), r.getInt("id"));
    }
  }
  int sent = 0;
  std::string created = formatUtc(now);
  for (const auto& [city, facility] : facilities) {
    auto conn = env.db->acquire();
    auto plans = plansAtFacility(*conn, city, facility, today);
    if (plans.empty()) continue;
    auto notices = noticesAtFacility(*conn, city, facility, today);
    auto days = dayAtFacility(*conn, city, facility, today);
    std::set<int64_t> alerted;
    for (const auto& r : conn->query(
             "SELECT child_id FROM messaging_no_show_alerts WHERE municipality_id = ? AND date = ?",
             {city, today})) {
      alerted.insert(r.getInt("child_id"));
    }
    for (const auto& [child, plan] : plans) {
      if (!plan.expected || plan.arrive_at > time || alerted.count(child)) continue;
      if (days.count(child) && days[child].check_in) continue;
      bool explained = false;
      for (const auto& n : notices[child]) {
        if (n["kind"] == "absence" || n["kind"] == "late") explained = true;
      }
      if (explained) continue;
      env.db->transaction([&](db::Tx& tx) {
        auto res = tx.execute(tx.dialect().insertIgnore("messaging_no_show_alerts",
                                                        {"municipality_id", "child_id", "date",
                                                         "created_at"}),
                              {city, child, today, created});
        if (res.affected_rows == 0) return;  // another run got there first
        if (!env.notifier) return;
        push::Notification n;
        n.municipality_id = city;
        n.category = "messaging.no_show";
        n.title = {{"ja", "登園が確認できていません"}, {"en", "Your child has not arrived"}};
        n.body = {{"ja", "本日の登園予定時刻（" + plan.arrive_at +
                             "）を過ぎています。お休みや遅刻の場合はアプリから連絡してください。"},
                  {"en", "The planned arrival (" + plan.arrive_at +
                             ") has passed. If your child is absent or late, please tell the "
                             "nursery in the app."}};
        n.data = {{"route", "messaging.attendance"}, {"child_id", std::to_string(child)}};
        n.source_ref = "messaging.no_show:" + std::to_string(child) + ":" + today;
        push::Audience a;
        a.guardians_of_children = {child};
        auto result = env.notifier->notify(tx, n, a);
        tx.execute(
            "UPDATE messaging_no_show_alerts SET notification_id = ? WHERE child_id = ? AND "
            "date = ?",
            {result.notification_id, child, today});
      });
      ++sent;
    }
  }
  return sent;
}

}  // namespace

void addNoShowJob(Env& env) {
  env.ctx->addJob({"messaging.no_show_alerts", std::chrono::seconds(60), std::chrono::seconds(300),
                   [&env](TimePoint) { sendAlerts(env, env.clock->now()); }});
}

}  // namespace sukusuku::messaging
