// Surveys (アンケート) on every backend: a draft from the staff form with validation, edited and
// then sent (nobody is asked before), closed early by staff, answers
// checked with stable codes (unknown options, missing required answers, after the deadline),
// one answer per family editable until the deadline, the live tally, reminders to the families
// that have not answered (push inbox rows), CSV (UTF-8 BOM) and XLSX contents, surveys answered
// per child, and scope. One test per backend: a MariaDB scratch database costs seconds.
#include <sstream>

#include <Poco/StreamCopier.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include "outreach_fixture.h"

namespace sukusuku::testing {
namespace {

class SurveysTest : public OutreachTest {
 protected:
  int64_t responses() { return scalar("SELECT COUNT(*) FROM messaging_survey_responses"); }
  // A survey answered per child: one answer per child of the family, for its own children only.
  void perChildSurvey() {
    int64_t child = ownChild();
    int64_t class_id = scalar("SELECT class_id FROM enrolments WHERE child_id = ?", {child});
    auto r = web("POST", "/web/messaging/surveys", staffUser(),
                 {{"facility_id", std::to_string(himawari())},
                  {"title", "面談の希望日"},
                  {"deadline", "2026-11-28T12:00"},
                  {"per", "child"},
                  {"audience", "classes"},
                  {"class_id", std::to_string(class_id)},
                  {"q1_label", "希望日"},
                  {"q1_kind", "date"},
                  {"q1_required", "1"}});
    ASSERT_EQ(r.status, 303) << r.body;
    std::string loc = r.header("Location");
    ASSERT_EQ(web("POST", loc + "/send", staffUser()).status, 303);
    std::string uri = "/api/v1/messaging/surveys/" + loc.substr(loc.rfind('/') + 1);
    auto s = api("GET", uri, guardianUser()).json();
    ASSERT_GE(s["targets"].size(), 1u);
    EXPECT_EQ(s["targets"][0]["child_id"], child);
    std::string q = std::to_string(s["questions"][0]["id"].get<int64_t>());
    EXPECT_EQ(api("PUT", uri + "/answers", guardianUser(), {{"answers", {{q, "2026-12-01"}}}}).code(),
              "messaging.child_required");
    EXPECT_EQ(api("PUT", uri + "/answers", guardianUser(),
                  {{"child_id", otherChild()}, {"answers", {{q, "2026-12-01"}}}})
                  .status,
              404);
    EXPECT_EQ(api("PUT", uri + "/answers", guardianUser(),
                  {{"child_id", child}, {"answers", {{q, "2026-12-01"}}}})
                  .status,
              201);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_survey_responses WHERE child_id = ?", {child}), 1);
  }
  // The error code a staff page shows (the error page or a form shown again).
  static std::string webCode(const Reply& r) {
    for (const std::string& lead : {std::string("<code>"), std::string("data-code=\"")}) {
      size_t at = r.body.find(lead + "messaging.");
      if (at == std::string::npos) continue;
      at += lead.size();
      return r.body.substr(at, r.body.find_first_of("<\"", at) - at);
    }
    return "status " + std::to_string(r.status);
  }
  std::string xlsxPart(const std::string& xlsx, const std::string& name) {
    std::istringstream in(xlsx);
    Poco::Zip::ZipArchive archive(in);
    auto it = archive.findHeader(name);
    if (it == archive.headerEnd()) return "";
    std::istringstream again(xlsx);
    Poco::Zip::ZipInputStream zin(again, it->second);
    std::string out;
    Poco::StreamCopier::copyToString(zin, out);
    return out;
  }
};

TEST_P(SurveysTest, ASurveyTalliesAndExports) {
  int64_t mine = householdOf(guardianUser());
  auto others = otherHouseholds(3);
  ASSERT_EQ(others.size(), 3u);
  int64_t second = guardianOf(others[0], "second@example.jp");
  int64_t silent = guardianOf(others[1], "silent@example.jp");
  int64_t outsider = guardianOf(others[2], "outsider@example.jp");
  std::map<std::string, std::string> form = {
      {"facility_id", std::to_string(himawari())},
      {"title", "遠足についてのアンケート"},
      {"deadline", "2026-11-30T17:00"},
      {"audience", "families"},
      {"household_id", std::to_string(mine) + "," + std::to_string(others[0]) + "," +
                           std::to_string(others[1])},
      {"q1_label", "遠足に参加しますか"},
      {"q1_kind", "single"},
      {"q1_options", "参加\n不参加\n"},
      {"q1_required", "1"},
      {"q2_label", "お弁当の希望"},
      {"q2_kind", "multiple"},
      {"q2_options", "おにぎり\nサンドイッチ\nパン"},
      {"q3_label", "連絡事項"},
      {"q3_kind", "text"},
      {"q4_label", "参加できる日"},
      {"q4_kind", "date"},
      {"q4_required", "1"}};

  // Bad forms create nothing.
  auto bad = form;
  bad["q1_options"] = "参加";
  auto r = web("POST", "/web/messaging/surveys", staffUser(), bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("messaging.invalid_options"), std::string::npos);
  // The form again with what was typed, the message on the question it is about.
  EXPECT_NE(r.body.find("value=\"遠足についてのアンケート\""), std::string::npos);
  EXPECT_NE(r.body.find("data-field=\"q1\">選択肢は1行に1つ"), std::string::npos);
  bad = form;
  bad["deadline"] = "2026-11-20T17:00";
  EXPECT_NE(web("POST", "/web/messaging/surveys", staffUser(), bad).body.find("messaging.invalid_deadline"),
            std::string::npos);
  EXPECT_EQ(web("POST", "/web/messaging/surveys", tonariStaff(), form).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_surveys"), 0);

  // A draft first (with a question that is dropped while editing): nobody is asked yet.
  auto first = form;
  first["title"] = "遠足アンケート（案）";
  first["q5_label"] = "削除する質問";
  first["q5_kind"] = "text";
  r = web("POST", "/web/messaging/surveys", staffUser(), first);
  ASSERT_EQ(r.status, 303) << r.body;
  std::string loc = r.header("Location");
  int64_t id = std::stoll(loc.substr(loc.rfind('/') + 1));
  std::string ref = "messaging.survey:" + std::to_string(id);
  std::string uri = "/api/v1/messaging/surveys/" + std::to_string(id);
  EXPECT_EQ(inboxRows(guardianUser(), ref), 0);
  EXPECT_EQ(api("GET", uri, guardianUser()).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_survey_targets"), 0);
  auto draft_r = web("GET", loc + "?format=json", staffUser());
  ASSERT_EQ(draft_r.status, 200) << loc << draft_r.body.substr(0, 3000);
  auto draft = draft_r.json();
  EXPECT_EQ(draft["status"], "draft");
  EXPECT_EQ(draft["open"], false);
  EXPECT_EQ(webCode(web("POST", loc + "/remind", staffUser())), "messaging.survey_not_sent");
  EXPECT_EQ(webCode(web("POST", loc + "/close", staffUser())), "messaging.survey_not_sent");
  // The edit form shows the draft's values; a bad edit changes nothing; a good one replaces it.
  auto edit = web("GET", loc + "/edit", staffUser());
  ASSERT_EQ(edit.status, 200);
  EXPECT_NE(edit.body.find("value=\"遠足アンケート（案）\""), std::string::npos);
  EXPECT_NE(edit.body.find("削除する質問"), std::string::npos);
  bad = form;
  bad["title"] = "";
  EXPECT_EQ(web("POST", loc, staffUser(), bad).status, 422);
  int64_t neighbour = otherFacilityStaff();
  EXPECT_EQ(web("POST", loc, neighbour, form).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_survey_questions WHERE survey_id = ?", {id}), 5);
  ASSERT_EQ(web("POST", loc, staffUser(), form).status, 303);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_survey_questions WHERE survey_id = ?", {id}), 4);
  EXPECT_EQ(web("GET", loc + "?format=json", staffUser()).json()["title"], "遠足についてのアンケート");
  EXPECT_EQ(inboxRows(guardianUser(), ref), 0);

  // Sending: the audience is asked and notified once; a sent survey is no longer editable.
  r = web("POST", loc + "/send", staffUser());
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(webCode(web("POST", loc + "/send", staffUser())), "messaging.survey_not_editable");
  EXPECT_EQ(webCode(web("POST", loc, staffUser(), form)), "messaging.survey_not_editable");
  EXPECT_EQ(web("GET", loc + "/edit", staffUser()).status, 409);
  EXPECT_EQ(inboxRows(guardianUser(), ref), 1);
  EXPECT_EQ(inboxRows(silent, ref), 1);
  EXPECT_EQ(inboxRows(outsider, ref), 0);

  auto got = api("GET", uri, guardianUser());
  ASSERT_EQ(got.status, 200) << got.body;
  auto qs = got.json()["questions"];
  ASSERT_EQ(qs.size(), 4u);
  std::string q1 = std::to_string(qs[0]["id"].get<int64_t>()), q2 = std::to_string(qs[1]["id"].get<int64_t>()),
              q3 = std::to_string(qs[2]["id"].get<int64_t>()), q4 = std::to_string(qs[3]["id"].get<int64_t>());
  EXPECT_EQ(qs[1]["options"], nlohmann::json({"おにぎり", "サンドイッチ", "パン"}));

  // Bad answers: stable codes, nothing stored.
  auto answer = [&](int64_t user, nlohmann::json answers) {
    return api("PUT", uri + "/answers", user, {{"answers", answers}});
  };
  EXPECT_EQ(answer(guardianUser(), {{q1, "たぶん"}, {q4, "2026-12-03"}}).code(), "messaging.unknown_option");
  EXPECT_EQ(answer(guardianUser(), {{q1, "参加"}, {q2, {"ケーキ"}}, {q4, "2026-12-03"}}).code(),
            "messaging.unknown_option");
  EXPECT_EQ(answer(guardianUser(), {{q1, "参加"}}).code(), "messaging.answer_required");
  EXPECT_EQ(answer(guardianUser(), {{q1, "参加"}, {q4, "2026-02-30"}}).code(), "messaging.invalid_answer");
  EXPECT_EQ(answer(guardianUser(), {{q1, "参加"}, {q4, "2026-12-03"}, {"999999", "x"}}).code(),
            "messaging.unknown_question");
  EXPECT_EQ(answer(outsider, {{q1, "参加"}, {q4, "2026-12-03"}}).status, 404);
  EXPECT_EQ(api("GET", uri, outsider).status, 404);
  EXPECT_EQ(api("GET", "/api/v1/messaging/surveys", outsider).json()["items"].size(), 0u);
  EXPECT_EQ(responses(), 0);

  r = answer(guardianUser(), {{q1, "参加"}, {q2, {"パン", "おにぎり"}}, {q3, "卵アレルギーがあります"}, {q4, "2026-12-03"}});
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(answer(second, {{q1, "不参加"}, {q2, {"おにぎり"}}, {q4, "2026-12-04"}}).status, 201);
  // Editable until the deadline: one answer per family.
  r = answer(guardianUser(), {{q1, "参加"}, {q2, {"パン"}}, {q3, "卵アレルギーがあります"}, {q4, "2026-12-03"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["targets"][0]["answers"][q2], nlohmann::json({"パン"}));
  EXPECT_EQ(responses(), 2);

  auto tally = web("GET", "/web/messaging/surveys/" + std::to_string(id) + "?format=json", staffUser());
  ASSERT_EQ(tally.status, 200) << tally.body;
  auto t = tally.json();
  EXPECT_EQ(t["progress"]["label"], "2/3");
  auto count = [&](int q, const std::string& option) -> int64_t {
    for (const auto& o : t["tally"][q]["options"]) {
      if (o["label"] == option) return o["count"];
    }
    return -1;
  };
  EXPECT_EQ(count(0, "参加"), 1);
  EXPECT_EQ(count(0, "不参加"), 1);
  EXPECT_EQ(count(1, "おにぎり"), 1);
  EXPECT_EQ(count(1, "サンドイッチ"), 0);
  EXPECT_EQ(count(1, "パン"), 1);
  EXPECT_EQ(count(3, "2026-12-03"), 1);
  EXPECT_EQ(t["tally"][0]["options"][0]["percent"], 50);
  ASSERT_EQ(t["tally"][2]["texts"].size(), 1u);
  EXPECT_EQ(t["tally"][2]["texts"][0]["text"], "卵アレルギーがあります");
  auto page = web("GET", "/web/messaging/surveys/" + std::to_string(id), staffUser());
  EXPECT_NE(page.body.find("<svg class=\"msg-chart\""), std::string::npos);
  EXPECT_NE(page.body.find("data-option=\"不参加\" data-count=\"1\""), std::string::npos);

  // The reminder reaches the family that has not answered, only.
  r = web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/remind", staffUser());
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(inboxRows(silent, ref), 2);
  EXPECT_EQ(inboxRows(guardianUser(), ref), 1);
  EXPECT_EQ(inboxRows(second, ref), 1);
  EXPECT_EQ(inboxRows(outsider, ref), 0);

  // Exports.
  auto csv = web("GET", "/web/messaging/surveys/" + std::to_string(id) + "/export.csv", staffUser());
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF世帯,児童,回答者,回答日時,遠足に参加しますか,お弁当の希望,連絡事項,参加できる日\r\n", 0), 0u)
      << csv.body;
  std::string mine_name = [&] {
    auto conn = db().acquire();
    return conn->queryOne("SELECT name FROM households WHERE id = ?", {mine})->getText("name");
  }();
  EXPECT_NE(csv.body.find(mine_name + ",,保護者 デモ,2026-11-25 08:00,参加,パン,卵アレルギーがあります,2026-12-03\r\n"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(",不参加,おにぎり,,2026-12-04\r\n"), std::string::npos);
  auto xlsx = web("GET", "/web/messaging/surveys/" + std::to_string(id) + "/export.xlsx", staffUser());
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  std::string strings = xlsxPart(xlsx.body, "xl/sharedStrings.xml");
  for (const char* s : {"遠足に参加しますか", "不参加", "卵アレルギーがあります", "2026-12-04"}) {
    EXPECT_NE(strings.find(s), std::string::npos) << s;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'messaging.survey_exported'"), 2);
  EXPECT_EQ(web("GET", "/web/messaging/surveys/" + std::to_string(id) + "/export.csv", tonariStaff()).status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/surveys/" + std::to_string(id) + "?format=json", tonariStaff()).status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/surveys/" + std::to_string(id) + "?format=json", neighbour).status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/surveys/" + std::to_string(id) + "/export.xlsx", neighbour).status, 404);
  EXPECT_EQ(web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/remind", neighbour).status, 404);
  EXPECT_EQ(inboxRows(silent, ref), 2);

  perChildSurvey();

  // Closed early by staff (audited): answers are refused before the deadline, the tally stays.
  EXPECT_EQ(web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/close", neighbour).status, 404);
  ASSERT_EQ(web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/close", staffUser()).status, 303);
  EXPECT_EQ(answer(silent, {{q1, "参加"}, {q4, "2026-12-03"}}).code(), "messaging.survey_closed");
  EXPECT_EQ(webCode(web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/close", staffUser())),
            "messaging.survey_not_sent");
  EXPECT_EQ(webCode(web("POST", "/web/messaging/surveys/" + std::to_string(id) + "/remind", staffUser())),
            "messaging.survey_closed");
  EXPECT_EQ(web("GET", "/web/messaging/surveys/" + std::to_string(id) + "?format=json", staffUser())
                .json()["progress"]["label"],
            "2/3");
  for (const char* action : {"messaging.survey_created", "messaging.survey_changed",
                             "messaging.survey_sent", "messaging.survey_closed"}) {
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_id = ?",
                     {std::string(action), std::to_string(id)}),
              1)
        << action;
  }

  // After the deadline: refused, nothing changes.
  clock_->advance(std::chrono::hours(24 * 6));
  sessions_.clear();
  r = answer(silent, {{q1, "参加"}, {q4, "2026-12-03"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code(), "messaging.survey_closed");
  EXPECT_EQ(answer(guardianUser(), {{q1, "不参加"}, {q4, "2026-12-03"}}).code(), "messaging.survey_closed");
  EXPECT_EQ(responses(), 3);
  EXPECT_EQ(api("GET", uri, guardianUser()).json()["open"], false);
}

SUKUSUKU_INSTANTIATE_BACKENDS(SurveysTest);

}  // namespace
}  // namespace sukusuku::testing
