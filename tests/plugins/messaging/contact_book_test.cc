// The contact book (連絡帳) both ways over real HTTP on every backend: the guardian's home side,
// the staff class view with unread / needs-reply, the nursery side, read marks, searchable
// history, the printable year, validation and other families' children.
#include "messaging_fixture.h"

namespace sukusuku::testing {
namespace {

class ContactBookTest : public MessagingTest {
 protected:
  std::string dayUri(int64_t child, const std::string& date) {
    return "/api/v1/messaging/children/" + std::to_string(child) + "/contact-book/" + date;
  }
  int64_t classOf(int64_t child) {
    return scalar("SELECT class_id FROM enrolments WHERE child_id = ?", {child});
  }
  nlohmann::json classView(int64_t class_id) {
    auto r = web("GET", "/web/messaging/contact-book?format=json&class_id=" +
                            std::to_string(class_id),
                 staffUser());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  nlohmann::json viewChild(const nlohmann::json& view, int64_t child) {
    for (const auto& c : view["children"]) {
      if (c["id"] == child) return c;
    }
    return nullptr;
  }
  int64_t entries() { return scalar("SELECT COUNT(*) FROM messaging_contact_entries"); }
};

TEST_P(ContactBookTest, ADayGoesBothWays) {
  int64_t child = ownChild();
  std::string home_uri = dayUri(child, today()) + "/home";
  nlohmann::json home = {{"fields",
                          {{"temperature", 36.6},
                           {"bedtime", "20:30"},
                           {"wake_time", "06:30"},
                           {"breakfast", "all"},
                           {"mood", "good"},
                           {"pickup_time", "17:30"},
                           {"pickup_person", "父"}}},
                         {"text", "昨夜は少し咳をしていました。"}};
  // Absurd values and other families' children change nothing.
  auto bad = home;
  bad["fields"]["temperature"] = 60;
  EXPECT_EQ(api("PUT", home_uri, guardianUser(), bad).code(), "messaging.temperature_out_of_range");
  bad = home;
  bad["fields"]["breakfast"] = "a feast";
  EXPECT_EQ(api("PUT", home_uri, guardianUser(), bad).code(), "messaging.invalid_choice");
  bad = home;
  bad["fields"]["bedtime"] = "25:00";
  EXPECT_EQ(api("PUT", home_uri, guardianUser(), bad).code(), "messaging.invalid_time");
  EXPECT_EQ(api("PUT", dayUri(otherChild(), today()) + "/home", guardianUser(), home).status, 404);
  EXPECT_EQ(api("PUT", dayUri(child, "2026-12-01") + "/home", guardianUser(), home).code(),
            "messaging.date_not_editable");
  EXPECT_EQ(entries(), 0);

  auto put = api("PUT", home_uri, guardianUser(), home);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["fields"]["temperature"], 36.6);

  // The class view: one home note, unread, needs a reply.
  auto view = classView(classOf(child));
  EXPECT_EQ(view["home_count"], 1);
  EXPECT_EQ(view["unread"], 1);
  EXPECT_EQ(view["needs_reply"], 1);
  auto c = viewChild(view, child);
  EXPECT_EQ(c["home"]["text"], "昨夜は少し咳をしていました。");
  EXPECT_EQ(c["unread"], true);

  std::string nursery_uri = "/web/messaging/contact-book/" + std::to_string(child) + "/" +
                            today() + "/nursery";
  auto r = web("POST", nursery_uri, staffUser(),
               {{"lunch", "most"}, {"nap_start", "13:00"}, {"nap_end", "12:30"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("messaging.nap_end_before_start"), std::string::npos);
  EXPECT_NE(r.body.find("data-field=\"nap_end\""), std::string::npos);
  r = web("POST", nursery_uri, staffUser(), {{"temperature", "60"}, {"activities", "砂遊び"}});
  EXPECT_EQ(r.status, 422);
  // The class view again: this child's form keeps what was typed, the message beside the field.
  EXPECT_NE(r.body.find("data-field=\"temperature\">体温は34.0〜42.0℃の範囲で入力してください。"),
            std::string::npos);
  EXPECT_NE(r.body.find("value=\"60\""), std::string::npos);
  EXPECT_NE(r.body.find("value=\"砂遊び\""), std::string::npos);
  EXPECT_EQ(web("POST", nursery_uri, tonariStaff(), {{"lunch", "all"}}).status, 404);
  EXPECT_EQ(entries(), 1);

  r = web("POST", nursery_uri, staffUser(),
          {{"lunch", "most"},
           {"nap_start", "12:40"},
           {"nap_end", "14:50"},
           {"temperature", "36.8"},
           {"activities", "お散歩"},
           {"text", "咳は出ず、元気に遊びました。"}});
  ASSERT_EQ(r.status, 303) << r.body;
  view = classView(classOf(child));
  EXPECT_EQ(view["unread"], 0);
  EXPECT_EQ(view["needs_reply"], 0);

  // The guardian reads the nursery side; reading marks it read.
  auto day = api("GET", dayUri(child, today()), guardianUser());
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(day.json()["nursery"]["fields"]["nap_end"], "14:50");
  EXPECT_EQ(day.json()["nursery"]["text"], "咳は出ず、元気に遊びました。");
  EXPECT_EQ(day.json()["nursery"]["read"], false);
  EXPECT_EQ(api("GET", dayUri(child, today()), guardianUser()).json()["nursery"]["read"], true);
  EXPECT_EQ(api("GET", dayUri(otherChild(), today()), guardianUser()).status, 404);

  // History search.
  std::string hist = "/api/v1/messaging/children/" + std::to_string(child) + "/contact-book";
  auto found = api("GET", hist + "?q=" + "%E5%92%B3", guardianUser());  // 咳
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.json()["items"].size(), 2u);
  EXPECT_EQ(api("GET", hist + "?q=%E9%9B%AA", guardianUser()).json()["items"].size(), 0u);  // 雪
  EXPECT_EQ(api("GET", hist + "?q=100%25", guardianUser()).json()["items"].size(), 0u);

  // The printable year page.
  auto year = web("GET", "/web/messaging/contact-book/" + std::to_string(child) + "/year",
                  staffUser());
  ASSERT_EQ(year.status, 200);
  EXPECT_NE(year.body.find("元気に遊びました"), std::string::npos);
  auto page = web("GET", "/web/messaging/contact-book?class_id=" + std::to_string(classOf(child)),
                  staffUser());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("クラス連絡帳"), std::string::npos);
  // Only the child with a home note is flagged; the others are not.
  EXPECT_EQ(view["children"].size() > 1, true);
  for (const auto& other : classView(classOf(child))["children"]) {
    if (other["id"] != child) EXPECT_EQ(other["unread"], false);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ContactBookTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
