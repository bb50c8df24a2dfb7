// Demo data for the messaging plugin (`sukusuku seed-demo`): a weekday plan for every nursery
// child of すくすく市, and for ひまわり保育所 the attendance of the last five weekdays, a few
// notices and contact-book days, so the staff pages have something to show. Deterministic;
// does nothing when plans already exist.
#include "common.h"

namespace sukusuku::messaging {

void addDemoSeeder(Env& env) {
  const Clock* clock = env.clock;
  env.ctx->addDemoSeeder([clock](db::Database& db) {
    db.transaction([&](db::Tx& tx) {
      auto city = tx.queryOne("SELECT id FROM municipalities WHERE code = '349999'");
      if (!city) return;
      int64_t m = city->getInt("id");
      if (tx.queryOne("SELECT id FROM messaging_plan_patterns WHERE municipality_id = ? LIMIT 1",
                      {m})) {
        return;
      }
      std::string now = formatUtc(clock->now()), today = tokyoDate(clock->now());
      auto children = tx.query(
          "SELECT e.child_id, e.facility_id, f.name FROM enrolments e JOIN facilities f ON f.id = "
          "e.facility_id WHERE e.municipality_id = ? AND f.kind IN ('nursery', "
          "'certified_centre') AND e.ends_on IS NULL ORDER BY e.child_id",
          {m});
      // Shaped like a real nursery day: most children come at 08:30–09:00 and go at
      // 16:00–17:00, a few come at 07:00 or stay until 18:30. The shifts plugin rosters staff
      // from these plans, so they must fit the demo facility's ten caregivers.
      const char* arrivals[] = {"07:00", "07:30", "07:30", "08:00", "08:00", "08:00", "08:30",
                                "08:30", "08:30", "08:30", "08:30", "08:30", "08:30", "09:00",
                                "09:00", "09:00", "09:00", "09:00", "09:00", "09:00"};
      const char* departures[] = {"16:00", "16:00", "16:00", "16:00", "16:00", "16:00", "16:30",
                                  "16:30", "16:30", "16:30", "16:30", "17:00", "17:00", "17:00",
                                  "17:00", "17:30", "17:30", "17:30", "18:00", "18:30"};
      auto arriveOf = [&](int64_t id) { return arrivals[(id * 7) % 20]; };
      auto leaveOf = [&](int64_t id) { return departures[(id * 13 + 5) % 20]; };
      for (const auto& c : children) {
        int64_t id = c.getInt("child_id");
        for (int wd = 1; wd <= 5; ++wd) {
          tx.execute(
              "INSERT INTO messaging_plan_patterns (municipality_id, child_id, weekday, "
              "arrive_at, leave_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
              {m, id, wd, arriveOf(id), leaveOf(id), now});
        }
      }
      // ひまわり: the last five weekdays before today, plus this morning's early arrivals.
      int64_t today_days = daysFromDate(today);
      int done = 0;
      for (int64_t d = today_days - 1; done < 5 && d > today_days - 10; --d) {
        std::string date = dateFromDays(d);
        if (isoWeekday(date) > 5) continue;
        ++done;
        for (const auto& c : children) {
          if (c.getText("name") != "ひまわり保育所") continue;
          int64_t id = c.getInt("child_id");
          if ((id + d) % 11 == 0) continue;  // absent that day
          int in = minutesOf(arriveOf(id)) + static_cast<int>((id * 7 + d) % 20) - 10;
          int out = minutesOf(leaveOf(id)) + static_cast<int>((id * 3 + d) % 40) - 15;
          for (auto [kind, minutes] : {std::pair<const char*, int>{"check_in", in},
                                       std::pair<const char*, int>{"check_out", out}}) {
            tx.execute(
                "INSERT INTO messaging_attendance (municipality_id, facility_id, child_id, date, "
                "kind, at, source, person_kind, person_id, person_name, first_key, by_user_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, 'staff', 'staff', 0, 'デモ', ?, 0, ?)",
                {m, c.getInt("facility_id"), id, date, kind, utcAt(date, hhmm(minutes)), kind,
                 now});
          }
          if (id % 4 == 0) {
            tx.execute(
                "INSERT INTO messaging_contact_entries (municipality_id, facility_id, child_id, "
                "date, side, fields, text, by_user_id, created_at, updated_at, read_at) VALUES "
                "(?, ?, ?, ?, 'home', ?, ?, 0, ?, ?, ?)",
                {m, c.getInt("facility_id"), id, date,
                 R"({"temperature":36.5,"breakfast":"all","mood":"good"})",
                 "朝ごはんをしっかり食べました。", now, now, now});
            tx.execute(
                "INSERT INTO messaging_contact_entries (municipality_id, facility_id, child_id, "
                "date, side, fields, text, by_user_id, created_at, updated_at, read_at) VALUES "
                "(?, ?, ?, ?, 'nursery', ?, ?, 0, ?, ?, ?)",
                {m, c.getInt("facility_id"), id, date,
                 R"({"lunch":"most","nap_start":"12:45","nap_end":"14:45"})",
                 "お散歩で落ち葉を集めました。", now, now, now});
          }
        }
      }
      // Today: two notices at ひまわり and a home note waiting for a reply.
      int n = 0;
      for (const auto& c : children) {
        if (c.getText("name") != "ひまわり保育所" || c.getInt("child_id") % 9 != 1) continue;
        int64_t id = c.getInt("child_id");
        if (n == 0) {
          tx.execute(
              "INSERT INTO messaging_notices (municipality_id, facility_id, child_id, date, kind, "
              "reason, symptoms, temperature_dc, by_user_id, created_at) VALUES (?, ?, ?, ?, "
              "'absence', 'illness', 'fever,cough', 382, 0, ?)",
              {m, c.getInt("facility_id"), id, today, now});
        } else if (n == 1) {
          tx.execute(
              "INSERT INTO messaging_notices (municipality_id, facility_id, child_id, date, kind, "
              "reason, at_time, by_user_id, created_at) VALUES (?, ?, ?, ?, 'late', 'family', "
              "'10:30', 0, ?)",
              {m, c.getInt("facility_id"), id, today, now});
        } else if (n < 5) {
          tx.execute(
              "INSERT INTO messaging_contact_entries (municipality_id, facility_id, child_id, "
              "date, side, fields, text, by_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, "
              "'home', ?, ?, 0, ?, ?)",
              {m, c.getInt("facility_id"), id, today,
               R"({"temperature":36.8,"bedtime":"21:00","wake_time":"06:45","mood":"normal"})",
               "少し寝不足です。様子を見てください。", now, now});
        } else {
          break;
        }
        ++n;
      }
    });
  });
}

}  // namespace sukusuku::messaging
