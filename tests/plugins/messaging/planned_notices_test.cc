// Planned attendance (guardian API and the service the shifts plugin uses), the no-show alert
// job, and absence/late/early pick-up notices with their validation, acknowledgement and the
// facility's daily summary, on every backend.
#include <sukusuku/push/notifier.h>
#include <sukusuku/services/planned_attendance.h>

#include "messaging_fixture.h"

namespace sukusuku::testing {
namespace {

class PlannedNoticesTest : public MessagingTest {
 protected:
  std::string childUri(int64_t child, const std::string& tail) {
    return "/api/v1/messaging/children/" + std::to_string(child) + tail;
  }
  Reply setPattern(int64_t child, const std::string& arrive, const std::string& leave) {
    nlohmann::json days = nlohmann::json::array();
    for (int wd = 1; wd <= 5; ++wd) {
      days.push_back({{"weekday", wd}, {"arrive_at", arrive}, {"leave_at", leave}});
    }
    return api("PUT", childUri(child, "/plan/pattern"), guardianUser(), {{"days", days}});
  }
  Reply notice(const nlohmann::json& body) {
    return api("POST", "/api/v1/messaging/notices", guardianUser(), body);
  }
  int64_t notices() { return scalar("SELECT COUNT(*) FROM messaging_notices"); }
};

TEST_P(PlannedNoticesTest, WeeklyPatternWithExceptionsFeedsTheService) {
  int64_t child = ownChild();
  ASSERT_EQ(setPattern(child, "08:30", "17:00").status, 200);
  // Friday 2026-11-27: leaves early; Monday 2026-11-30: not coming.
  ASSERT_EQ(api("PUT", childUri(child, "/plan/dates/2026-11-27"), guardianUser(),
                {{"arrive_at", "08:30"}, {"leave_at", "12:00"}})
                .status,
            200);
  ASSERT_EQ(
      api("PUT", childUri(child, "/plan/dates/2026-11-30"), guardianUser(), {{"absent", true}})
          .status,
      200);
  auto plan = api("GET", childUri(child, "/plan?from=2026-11-25&to=2026-11-30"), guardianUser());
  ASSERT_EQ(plan.status, 200) << plan.body;
  auto dates = plan.json()["dates"];
  ASSERT_EQ(dates.size(), 6u);
  EXPECT_EQ(dates[0]["arrive_at"], "08:30");  // Wed
  EXPECT_EQ(dates[2]["leave_at"], "12:00");   // Fri, exception
  EXPECT_EQ(dates[3]["expected"], false);     // Sat
  EXPECT_EQ(dates[5]["expected"], false);     // Mon, absent
  EXPECT_EQ(dates[5]["exception"], true);

  // Bad input changes nothing.
  EXPECT_EQ(setPattern(child, "17:00", "08:30").json()["error"]["code"],
            "messaging.leave_before_arrival");
  EXPECT_EQ(api("PUT", childUri(child, "/plan/pattern"), guardianUser(),
                {{"days", {{{"weekday", 8}, {"arrive_at", "08:00"}, {"leave_at", "09:00"}}}}})
                .code(),
            "messaging.invalid_pattern");
  EXPECT_EQ(api("PUT", childUri(child, "/plan/dates/2026-11-20"), guardianUser(),
                {{"absent", true}})
                .code(),
            "messaging.date_in_past");
  EXPECT_EQ(api("PUT", childUri(otherChild(), "/plan/pattern"), guardianUser(),
                {{"days", nlohmann::json::array()}})
                .status,
            404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_plan_patterns WHERE child_id = ?", {child}), 5);

  auto service = sys_->rt->services().find<services::PlannedAttendance>(
      "messaging.planned_attendance");
  ASSERT_TRUE(service);
  int64_t city = scalar("SELECT municipality_id FROM facilities WHERE id = ?", {himawari()});
  auto friday = service->expectedChildren(city, himawari(), "2026-11-27");
  ASSERT_EQ(friday.size(), 1u);
  EXPECT_EQ(friday[0].child_id, child);
  EXPECT_EQ(friday[0].leave_at, "12:00");
  EXPECT_TRUE(service->expectedChildren(city, himawari(), "2026-11-30").empty());
  EXPECT_TRUE(service->expectedChildren(city + 999, himawari(), "2026-11-27").empty());
  auto slots = service->demandBySlot(city, himawari(), "2026-11-27", 60);
  int at_nine = 0, at_one = 0;
  for (const auto& s : slots) {
    if (s.starts_at == "09:00") at_nine = s.total();
    if (s.starts_at == "13:00") at_one = s.total();
  }
  EXPECT_EQ(at_nine, 1);
  EXPECT_EQ(at_one, 0);
  EXPECT_THROW(service->demandBySlot(city, himawari(), "2026-11-27", 7), Error);
}

TEST_P(PlannedNoticesTest, UnexplainedNonArrivalAlertsGuardiansOnceAfterTheConfiguredTime) {
  int64_t child = ownChild(), other = otherChild();
  ASSERT_EQ(setPattern(child, "08:30", "17:00").status, 200);
  // The other child is expected too, but its guardian sent an absence notice (written directly:
  // the demo guardian cannot speak for another family).
  {
    auto conn = db().acquire();
    conn->execute(
        "INSERT INTO messaging_plan_patterns (municipality_id, child_id, weekday, arrive_at, "
        "leave_at, updated_at) SELECT municipality_id, id, 3, '08:00', '16:00', 'x' FROM children "
        "WHERE id = ?",
        {other});
    conn->execute(
        "INSERT INTO messaging_notices (municipality_id, facility_id, child_id, date, kind, "
        "reason, by_user_id, created_at) SELECT municipality_id, ?, id, ?, 'absence', 'family', "
        "0, 'x' FROM children WHERE id = ?",
        {himawari(), today(), other});
  }
  auto& jobs = sys_->rt->jobs();
  clock_->set(parseUtc("2026-11-25T00:30:00Z"));  // 09:30 Tokyo: too early
  jobs.runDue();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_no_show_alerts"), 0);
  clock_->set(parseUtc("2026-11-25T01:05:00Z"));  // 10:05
  jobs.runDue();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_no_show_alerts"), 1);
  EXPECT_EQ(scalar("SELECT child_id FROM messaging_no_show_alerts"), child);
  clock_->advance(std::chrono::minutes(2));
  jobs.runDue();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_no_show_alerts"), 1);  // once
  if (sys_->rt->services().find<push::Notifier>("push.notifier")) {
    EXPECT_GT(scalar("SELECT notification_id FROM messaging_no_show_alerts"), 0);
  }
  // The board shows who has not arrived yet and who is absent with the reason.
  auto b = boardChild(child);
  EXPECT_EQ(b["status"], "not_arrived");
  EXPECT_EQ(b["overdue"], true);
  auto o = boardChild(other);
  EXPECT_EQ(o["status"], "absent");
  EXPECT_EQ(o["notices"][0]["reason_label"], "家庭の事情");
}

TEST_P(PlannedNoticesTest, NoticesAreValidatedAcknowledgedAndSummarised) {
  int64_t child = ownChild();
  nlohmann::json ill = {{"child_id", child},       {"date", today()},
                        {"kind", "absence"},       {"reason", "illness"},
                        {"symptoms", {"fever", "cough"}}, {"temperature", 38.4}};
  auto bad = ill;
  bad["temperature"] = 60;
  EXPECT_EQ(notice(bad).code(), "messaging.temperature_out_of_range");
  bad["temperature"] = 33.9;
  EXPECT_EQ(notice(bad).code(), "messaging.temperature_out_of_range");
  bad = ill;
  bad["symptoms"] = nlohmann::json::array();
  EXPECT_EQ(notice(bad).code(), "messaging.symptoms_required");
  bad = ill;
  bad["symptoms"] = {"plague"};
  EXPECT_EQ(notice(bad).code(), "messaging.invalid_symptom");
  bad = ill;
  bad["kind"] = "holiday";
  EXPECT_EQ(notice(bad).code(), "messaging.invalid_kind");
  bad = ill;
  bad["date"] = "2026-11-24";
  EXPECT_EQ(notice(bad).code(), "messaging.date_in_past");
  bad = ill;
  bad["date"] = "2026-02-30";
  EXPECT_EQ(notice(bad).code(), "messaging.invalid_date");
  bad = ill;
  bad["child_id"] = otherChild();
  EXPECT_EQ(notice(bad).status, 404);
  EXPECT_EQ(notice({{"child_id", child}, {"date", today()}, {"kind", "late"}, {"reason", "family"}})
                .code(),
            "messaging.invalid_time");
  EXPECT_EQ(notices(), 0);

  auto r = notice(ill);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["temperature"], 38.4);
  EXPECT_EQ(r.json()["acknowledged"], false);
  int64_t id = r.json()["id"];

  // Another family at the same nursery is ill with a fever too (written directly).
  {
    auto conn = db().acquire();
    conn->execute(
        "INSERT INTO messaging_notices (municipality_id, facility_id, child_id, date, kind, "
        "reason, symptoms, temperature_dc, by_user_id, created_at) SELECT municipality_id, ?, "
        "id, ?, 'absence', 'illness', 'fever,diarrhea', 391, 0, 'x' FROM children WHERE id = ?",
        {himawari(), today(), otherChild()});
  }
  auto list = web("GET", "/web/messaging/notices?format=json", staffUser());
  ASSERT_EQ(list.status, 200) << list.body;
  auto summary = list.json()["summary"];
  EXPECT_EQ(summary["total"], 2);
  EXPECT_EQ(summary["unacknowledged"], 2);
  std::map<std::string, int> by_symptom;
  for (const auto& s : summary["by_symptom"]) by_symptom[s["key"]] = s["count"];
  EXPECT_EQ(by_symptom, (std::map<std::string, int>{{"cough", 1}, {"diarrhea", 1}, {"fever", 2}}));

  auto ack = web("POST", "/web/messaging/notices/" + std::to_string(id) + "/acknowledge",
                 staffUser());
  EXPECT_EQ(ack.status, 303);
  EXPECT_EQ(web("GET", "/web/messaging/notices?format=json", staffUser())
                .json()["summary"]["unacknowledged"],
            1);
  auto html = web("GET", "/web/messaging/notices", staffUser());
  EXPECT_NE(html.body.find("発熱"), std::string::npos);
  EXPECT_NE(html.body.find("38.4℃"), std::string::npos);
  // The neighbour town's staff cannot acknowledge it.
  EXPECT_EQ(web("POST", "/web/messaging/notices/" + std::to_string(id) + "/acknowledge",
                tonariStaff())
                .status,
            404);
  // The guardian sees the acknowledgement; the board shows the child absent.
  auto mine = api("GET", "/api/v1/messaging/notices?child_id=" + std::to_string(child),
                  guardianUser());
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.json()["items"].size(), 1u);
  EXPECT_EQ(mine.json()["items"][0]["acknowledged"], true);
  EXPECT_EQ(boardChild(child)["status"], "absent");

  // Withdrawn: the child is expected again.
  ASSERT_EQ(api("POST", "/api/v1/messaging/notices/" + std::to_string(id) + "/cancel",
                guardianUser())
                .status,
            200);
  EXPECT_NE(boardChild(child)["status"], "absent");
}

INSTANTIATE_TEST_SUITE_P(Backends, PlannedNoticesTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
