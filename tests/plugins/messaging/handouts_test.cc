// Handouts (お便り) on every backend: attachments checked by content (nothing stored when
// refused), families in the audience only, read receipts from the push inbox ("1/2"), the
// one-tap reminder reaching only the family that has not read it, scheduled sending by the job
// (editable and cancellable until then), urgent notices, and other families / towns kept apart.
#include "outreach_fixture.h"

namespace sukusuku::testing {
namespace {

class HandoutsTest : public OutreachTest {
 protected:
  int64_t handouts() { return scalar("SELECT COUNT(*) FROM messaging_handouts"); }
  int64_t attachments() { return scalar("SELECT COUNT(*) FROM messaging_handout_attachments"); }
  nlohmann::json staffView(int64_t id) {
    auto r = web("GET", "/web/messaging/handouts/" + std::to_string(id) + "?format=json",
                 staffUser());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  int64_t idFromRedirect(const Reply& r) {
    std::string loc = r.header("Location");
    return std::stoll(loc.substr(loc.rfind('/') + 1));
  }
  size_t blobs() {
    size_t n = 0;
    auto dir = std::filesystem::path(sys_->scratch.dataDir());
    if (!std::filesystem::exists(dir)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().string().find("handouts") != std::string::npos) ++n;
    }
    return n;
  }
};

TEST_P(HandoutsTest, ANoticeShowsReadReceiptsAndRemindsOnlyTheFamilyThatHasNotRead) {
  int64_t mine = householdOf(guardianUser());
  auto others = otherHouseholds(2);
  ASSERT_EQ(others.size(), 2u);
  int64_t second = guardianOf(others[0], "second@example.jp");
  int64_t outsider = guardianOf(others[1], "outsider@example.jp");
  std::string fac = std::to_string(himawari());
  std::vector<Part> form = {{"facility_id", fac},
                            {"title", "12月の園だより"},
                            {"body", "<script>alert(1)</script> **持ち物** のお知らせ\n\n- 上履き\n- "
                                     "[園のサイト](https://example.jp/en)"},
                            {"audience", "families"},
                            {"household_id", std::to_string(mine)},
                            {"household_id", std::to_string(others[0])}};

  // Refused uploads store nothing: a text file named .pdf, a PNG named .pdf, too large a file.
  auto bad = form;
  bad.push_back({"attachments", "just text, not a PDF", "dayori.pdf", "application/pdf"});
  auto r = upload("/web/messaging/handouts", staffUser(), bad);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("messaging.attachment_type"), std::string::npos);
  // The compose form again: the title and the chosen family kept, the message by the files.
  EXPECT_NE(r.body.find("value=\"12月の園だより\""), std::string::npos);
  EXPECT_NE(r.body.find("value=\"" + std::to_string(mine) + "\" checked"), std::string::npos);
  EXPECT_NE(r.body.find("data-field=\"attachments\""), std::string::npos);
  bad = form;
  bad.push_back({"attachments", pngBytes(), "dayori.pdf", "application/pdf"});
  EXPECT_EQ(upload("/web/messaging/handouts", staffUser(), bad).status, 422);
  bad = form;
  bad.push_back({"attachments", "%PDF-1.4\n" + std::string(10 * 1024 * 1024, 'a'), "big.pdf",
                 "application/pdf"});
  r = upload("/web/messaging/handouts", staffUser(), bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("messaging.attachment_too_large"), std::string::npos);
  // A family of another facility/town, a class of another facility, no title.
  bad = form;
  bad.push_back({"household_id", "999999", "", ""});
  r = upload("/web/messaging/handouts", staffUser(), bad);
  EXPECT_NE(r.body.find("messaging.invalid_audience"), std::string::npos);
  EXPECT_EQ(web("POST", "/web/messaging/handouts", staffUser(),
                {{"facility_id", fac}, {"title", ""}, {"body", "x"}})
                .status,
            422);
  // Staff of the neighbouring town cannot post for ひまわり.
  EXPECT_EQ(upload("/web/messaging/handouts", tonariStaff(), form).status, 404);
  EXPECT_EQ(handouts(), 0);
  EXPECT_EQ(attachments(), 0);
  EXPECT_EQ(blobs(), 0u);

  auto good = form;
  good.push_back({"attachments", pdfBytes(), "12月だより.pdf", "application/pdf"});
  good.push_back({"attachments", pngBytes(), "map.png", "image/png"});
  r = upload("/web/messaging/handouts", staffUser(), good);
  ASSERT_EQ(r.status, 303) << r.body;
  int64_t id = idFromRedirect(r);
  std::string ref = "messaging.handout:" + std::to_string(id);
  EXPECT_EQ(attachments(), 2);
  EXPECT_EQ(blobs(), 2u);
  EXPECT_EQ(inboxRows(guardianUser(), ref), 1);
  EXPECT_EQ(inboxRows(second, ref), 1);
  EXPECT_EQ(inboxRows(outsider, ref), 0);

  auto view = staffView(id);
  EXPECT_EQ(view["status"], "sent");
  EXPECT_EQ(view["receipts"]["label"], "0/2");

  // The guardian's list: the body rendered safely, attachments downloadable.
  auto list = api("GET", "/api/v1/messaging/handouts", guardianUser());
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["items"].size(), 1u);
  auto item = list.json()["items"][0];
  EXPECT_EQ(item["read"], false);
  std::string html = item["body_html"];
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<strong>持ち物</strong>"), std::string::npos);
  EXPECT_NE(html.find("<ul><li>上履き</li>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://example.jp/en\""), std::string::npos);
  ASSERT_EQ(item["attachments"].size(), 2u);
  EXPECT_EQ(item["attachments"][0]["filename"], "12月だより.pdf");
  EXPECT_EQ(item["attachments"][0]["content_type"], "application/pdf");
  std::string pdf_uri = item["attachments"][0]["url"];
  auto pdf = api("GET", pdf_uri, guardianUser());
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body, pdfBytes());
  EXPECT_EQ(pdf.header("Content-Type"), "application/pdf");

  // Another family: not in the list, 404 for the handout, its file and the read mark.
  std::string uri = "/api/v1/messaging/handouts/" + std::to_string(id);
  EXPECT_EQ(api("GET", "/api/v1/messaging/handouts", outsider).json()["items"].size(), 0u);
  EXPECT_EQ(api("GET", uri, outsider).status, 404);
  EXPECT_EQ(api("GET", pdf_uri, outsider).status, 404);
  EXPECT_EQ(api("POST", uri + "/read", outsider).status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/handouts/" + std::to_string(id), tonariStaff()).status, 404);
  EXPECT_EQ(api("GET", uri, staffUser()).status, 403);
  // Staff of another facility of the same city: 404 for the page, the file and the reminder.
  int64_t neighbour = otherFacilityStaff();
  std::string staff_uri = "/web/messaging/handouts/" + std::to_string(id);
  EXPECT_EQ(web("GET", staff_uri, neighbour).status, 404);
  EXPECT_EQ(web("GET", staff_uri + "/attachments/" +
                           std::to_string(item["attachments"][0]["id"].get<int64_t>()),
                neighbour)
                .status,
            404);
  EXPECT_EQ(web("POST", staff_uri + "/remind", neighbour).status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/handouts?format=json&facility_id=" + fac, neighbour).status,
            404);
  EXPECT_EQ(inboxRows(second, ref), 1);

  // One family reads: 1/2; the reminder goes to the other family only.
  auto read = api("POST", uri + "/read", guardianUser());
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["read"], true);
  EXPECT_EQ(api("GET", uri, guardianUser()).json()["read"], true);
  view = staffView(id);
  EXPECT_EQ(view["receipts"]["label"], "1/2");
  ASSERT_EQ(view["receipts"]["unread_families"].size(), 1u);
  EXPECT_EQ(view["receipts"]["unread_families"][0]["id"], others[0]);
  auto page = web("GET", "/web/messaging/handouts/" + std::to_string(id), staffUser());
  EXPECT_NE(page.body.find("既読 1/2"), std::string::npos);

  r = web("POST", "/web/messaging/handouts/" + std::to_string(id) + "/remind", staffUser());
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(inboxRows(guardianUser(), ref), 1);
  EXPECT_EQ(inboxRows(second, ref), 2);
  EXPECT_EQ(inboxRows(outsider, ref), 0);
  EXPECT_EQ(staffView(id)["receipts"]["label"], "1/2");  // still counted once per family
  EXPECT_EQ(api("POST", uri + "/read", second).status, 200);
  EXPECT_EQ(staffView(id)["receipts"]["label"], "2/2");
}

TEST_P(HandoutsTest, ScheduledHandoutsGoOutAtTheirTimeAndUrgentOnesUseTheUrgentPath) {
  std::string fac = std::to_string(himawari());
  int64_t class_id = scalar("SELECT class_id FROM enrolments WHERE child_id = ?", {ownChild()});
  // Tomorrow 07:30 Tokyo, to the demo guardian's class.
  std::map<std::string, std::string> form = {{"facility_id", fac},
                                             {"title", "遠足のお知らせ"},
                                             {"body", "明日は遠足です。"},
                                             {"audience", "classes"},
                                             {"class_id", std::to_string(class_id)},
                                             {"send_at", "2026-11-26T07:30"}};
  EXPECT_EQ(web("POST", "/web/messaging/handouts", staffUser(),
                {{"facility_id", fac}, {"title", "x"}, {"body", "y"}, {"send_at", "2026-11-24T07:30"}})
                .body.find("messaging.send_at_in_past") != std::string::npos,
            true);
  auto r = web("POST", "/web/messaging/handouts", staffUser(), form);
  ASSERT_EQ(r.status, 303) << r.body;
  int64_t id = std::stoll(r.header("Location").substr(r.header("Location").rfind('/') + 1));
  form["title"] = "取り消すお便り";
  r = web("POST", "/web/messaging/handouts", staffUser(), form);
  int64_t cancelled = std::stoll(r.header("Location").substr(r.header("Location").rfind('/') + 1));
  EXPECT_EQ(web("POST", "/web/messaging/handouts/" + std::to_string(cancelled) + "/cancel",
                staffUser())
                .status,
            303);
  EXPECT_EQ(api("GET", "/api/v1/messaging/handouts", guardianUser()).json()["items"].size(), 0u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM notifications WHERE source_ref LIKE 'messaging.handout:%'"), 0);

  // Still editable: the new title goes out.
  form["title"] = "遠足のお知らせ（雨天時）";
  r = web("POST", "/web/messaging/handouts/" + std::to_string(id), staffUser(), form);
  ASSERT_EQ(r.status, 303) << r.body;
  sys_->rt->jobs().runDue();
  EXPECT_EQ(api("GET", "/api/v1/messaging/handouts", guardianUser()).json()["items"].size(), 0u);

  clock_->advance(std::chrono::hours(24));  // 2026-11-26 08:00 Tokyo
  sessions_.clear();                         // web sessions do not last a day
  sys_->rt->jobs().runDue();
  auto list = api("GET", "/api/v1/messaging/handouts", guardianUser()).json()["items"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["title"], "遠足のお知らせ（雨天時）");
  EXPECT_EQ(inboxRows(guardianUser(), "messaging.handout:" + std::to_string(id)), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_handouts WHERE id = ? AND status = 'cancelled'",
                   {cancelled}),
            1);
  // Sent: no more changes.
  r = web("POST", "/web/messaging/handouts/" + std::to_string(id), staffUser(), form);
  EXPECT_EQ(r.status, 409) << r.header("Location") << r.body.substr(0, 300);
  sys_->rt->jobs().runDue();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM notifications WHERE source_ref = ?",
                   {"messaging.handout:" + std::to_string(id)}),
            1);

  // An urgent closure notice to the whole facility.
  r = web("POST", "/web/messaging/handouts", staffUser(),
          {{"facility_id", fac},
           {"title", "臨時休園"},
           {"body", "台風のため本日は休園します。"},
           {"priority", "urgent"}});
  ASSERT_EQ(r.status, 303) << r.body;
  int64_t urgent = std::stoll(r.header("Location").substr(r.header("Location").rfind('/') + 1));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM notifications WHERE source_ref = ? AND priority = "
                   "'urgent'",
                   {"messaging.handout:" + std::to_string(urgent)}),
            1);
  EXPECT_EQ(inboxRows(guardianUser(), "messaging.handout:" + std::to_string(urgent)), 1);
  // Every family that got it has a child at ひまわり.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_handout_households hh WHERE handout_id = ? AND "
                   "NOT EXISTS (SELECT 1 FROM children c JOIN enrolments e ON e.child_id = c.id "
                   "WHERE c.household_id = hh.household_id AND e.facility_id = ?)",
                   {urgent, himawari()}),
            0);
  EXPECT_GT(scalar("SELECT COUNT(*) FROM messaging_handout_households WHERE handout_id = ?",
                   {urgent}),
            10);
}

SUKUSUKU_INSTANTIATE_BACKENDS(HandoutsTest);

}  // namespace
}  // namespace sukusuku::testing
