// Attendance over real HTTP on every backend: the guardian's QR check-in/out, the class board,
// staff one-tap check-in/out with authorised pick-up, corrections as new rows, the refusals
// (replayed, foreign or forged codes, check-out before check-in, double check-in from two
// devices at once, other families' children) and staff clock-in/out.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <sukusuku/services/planned_attendance.h>

#include "messaging_fixture.h"

namespace sukusuku::testing {
namespace {

// The entrance code computed independently of the plugin: HMAC-SHA256 over
// "messaging.qr|<facility>|<date>" with the stored secret, first 16 bytes in hex.
std::string independentCode(const std::string& secret, int64_t facility, const std::string& date) {
  std::string msg = "messaging.qr|" + std::to_string(facility) + "|" + date;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return "SK1-" + std::to_string(facility) + "-" + date.substr(0, 4) + date.substr(5, 2) +
         date.substr(8, 2) + "-" + hex;
}

class AttendanceTest : public MessagingTest {
 protected:
  std::string secret() {
    auto conn = db().acquire();
    return conn->queryOne("SELECT secret FROM messaging_secrets WHERE name = 'qr'")
        ->getText("secret");
  }
  Reply checkIn(int64_t user, int64_t child, const std::string& code) {
    return api("POST", "/api/v1/messaging/attendance/check-in", user,
               {{"child_id", child}, {"qr", code}});
  }
  Reply checkOut(int64_t user, int64_t child, const std::string& code) {
    return api("POST", "/api/v1/messaging/attendance/check-out", user,
               {{"child_id", child}, {"qr", code}});
  }
};

TEST_P(AttendanceTest, GuardianChecksInFromTheAppAndTheClassBoardShowsIt) {
  int64_t child = ownChild();
  std::string code = todaysCode();
  EXPECT_EQ(code, independentCode(secret(), himawari(), today()));

  auto before = boardChild(child);
  ASSERT_FALSE(before.is_null());
  EXPECT_NE(before["status"], "present");
  int present_before = board()["counts"]["present"];

  clock_->advance(std::chrono::minutes(25));
  auto r = checkIn(guardianUser(), child, code);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["kind"], "check_in");
  EXPECT_EQ(r.json()["time"], "08:25");
  EXPECT_EQ(r.json()["source"], "qr");
  EXPECT_EQ(r.json()["person_kind"], "guardian");

  auto after = boardChild(child);
  EXPECT_EQ(after["status"], "present");
  EXPECT_EQ(after["check_in"], "08:25");
  EXPECT_EQ(board()["counts"]["present"], present_before + 1);
  // The HTML board shows it too, in Japanese.
  auto html = web("GET", "/web/messaging/board", staffUser());
  ASSERT_EQ(html.status, 200);
  EXPECT_NE(html.body.find("data-child=\"" + std::to_string(child) + "\" data-status=\"present\""),
            std::string::npos);
  EXPECT_NE(html.body.find("登降園ボード"), std::string::npos);

  // And the guardian sees the day.
  auto day = api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/attendance",
                 guardianUser());
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(day.json()["check_in"]["time"], "08:25");
  EXPECT_TRUE(day.json()["check_out"].is_null());

  clock_->advance(std::chrono::hours(9));
  auto out = checkOut(guardianUser(), child, code);
  ASSERT_EQ(out.status, 201) << out.body;
  EXPECT_EQ(boardChild(child)["status"], "left");
}

TEST_P(AttendanceTest, ReplayedForeignAndForgedCodesAreRefusedAndChangeNothing) {
  int64_t child = ownChild();
  std::string s = secret();
  std::string yesterday = tokyoDate(clock_->now() - std::chrono::hours(24));
  auto r = checkIn(guardianUser(), child, independentCode(s, himawari(), yesterday));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code(), "messaging.qr_expired");

  int64_t sakura = scalar("SELECT id FROM facilities WHERE name = 'さくら保育所'");
  r = checkIn(guardianUser(), child, independentCode(s, sakura, today()));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code(), "messaging.qr_wrong_facility");

  std::string forged = independentCode("not the secret", himawari(), today());
  r = checkIn(guardianUser(), child, forged);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code(), "messaging.qr_invalid");
  r = checkIn(guardianUser(), child, "hello");
  EXPECT_EQ(r.code(), "messaging.qr_invalid");
  r = api("POST", "/api/v1/messaging/attendance/check-in", guardianUser(), {{"child_id", child}});
  EXPECT_EQ(r.code(), "messaging.qr_invalid");
  EXPECT_EQ(attendanceRows(), 0);

  // Tomorrow the code of today is stale.
  std::string code = todaysCode();
  clock_->advance(std::chrono::hours(24));
  r = checkIn(guardianUser(), child, code);
  EXPECT_EQ(r.code(), "messaging.qr_expired");
  EXPECT_EQ(attendanceRows(), 0);
}

TEST_P(AttendanceTest, CheckOutBeforeCheckInAndSecondCheckInAreRefused) {
  int64_t child = ownChild();
  std::string code = todaysCode();
  auto r = checkOut(guardianUser(), child, code);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "messaging.not_checked_in");
  EXPECT_EQ(attendanceRows(), 0);
  ASSERT_EQ(checkIn(guardianUser(), child, code).status, 201);
  r = checkIn(guardianUser(), child, code);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "messaging.already_checked_in");
  ASSERT_EQ(checkOut(guardianUser(), child, code).status, 201);
  EXPECT_EQ(checkOut(guardianUser(), child, code).code(), "messaging.already_checked_out");
  EXPECT_EQ(attendanceRows(), 2);
}

TEST_P(AttendanceTest, TwoDevicesCheckingTheSameChildInAtOnceMakeExactlyOneRecord) {
  int64_t child = ownChild();
  std::string code = todaysCode();
  std::string token = bearer(guardianUser());
  std::string staff_cookie = "sukusuku_session=" + session(staffUser()).cookie;
  std::string csrf = session(staffUser()).csrf;
  constexpr int kDevices = 8;
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kDevices; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      Reply r;
      if (i % 2 == 0) {  // guardians' phones
        r = httpRequest(server_->port(), "POST", "/api/v1/messaging/attendance/check-in",
                        nlohmann::json{{"child_id", child}, {"qr", code}}.dump(),
                        {{"Authorization", token}});
        if (r.status == 201) ++created;
      } else {  // the class tablet
        r = httpRequest(server_->port(), "POST", "/web/messaging/board/check-in",
                        "child_id=" + std::to_string(child) + "&csrf_token=" + csrf,
                        {{"Cookie", staff_cookie},
                         {"Content-Type", "application/x-www-form-urlencoded"}});
        if (r.status == 303) ++created;
      }
      if (r.status == 409) {
        ++conflicts;
      } else if (r.status != 201 && r.status != 303) {
        ++other;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, kDevices - 1);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_attendance WHERE child_id = ? AND kind = "
                   "'check_in'",
                   {child}),
            1);
}

// The morning rush: guardians' check-ins arriving together are written in one transaction
// (group commit) and each still gets its own answer — its own row, a 409 for a second phone on
// the same child, the precise 404 for a child that is not the caller's.
TEST_P(AttendanceTest, ARushOfCheckInsIsWrittenTogetherAndEachGetsItsOwnAnswer) {
  const std::string code = todaysCode();
  const int64_t own = ownChild();
  // Eight more families at ひまわり get a login for their first guardian.
  struct Family {
    int64_t user = 0, guardian = 0, child = 0;
    std::string name;
  };
  std::vector<Family> families;
  {
    auto conn = db().acquire();
    auto children = conn->query(
        "SELECT c.id, c.household_id FROM children c JOIN enrolments e ON e.child_id = c.id "
        "WHERE e.facility_id = ? AND c.household_id <> ? ORDER BY c.id",
        {himawari(), householdOf(guardianUser())});
    std::set<int64_t> households;
    for (const auto& c : children) {
      if (families.size() == 8) break;
      if (!households.insert(c.getInt("household_id")).second) continue;
      auto g = conn->queryOne(
          "SELECT id, municipality_id, family_name, given_name FROM guardians WHERE "
          "household_id = ? AND may_pick_up = 1 ORDER BY id LIMIT 1",
          {c.getInt("household_id")});
      ASSERT_TRUE(g);
      Family f;
      f.child = c.getInt("id");
      f.guardian = g->getInt("id");
      f.name = g->getText("family_name") + " " + g->getText("given_name");
      std::string now = formatUtc(clock_->now());
      f.user = conn->execute("INSERT INTO users (municipality_id, login, display_name, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                             {g->getInt("municipality_id"),
                              "rush" + std::to_string(f.guardian) + "@example.jp", f.name, now,
                              now})
                   .last_insert_id;
      conn->execute("INSERT INTO user_roles (municipality_id, user_id, role, granted_at, "
                    "granted_by_user_id) VALUES (?, ?, 'guardian', ?, 0)",
                    {g->getInt("municipality_id"), f.user, now});
      conn->execute("UPDATE guardians SET user_id = ? WHERE id = ?", {f.user, f.guardian});
      families.push_back(f);
    }
  }
  ASSERT_EQ(families.size(), 8u);

  // A staff transaction holds the demo child's row (SQLite: the write lock), so the first
  // check-in's batch waits and the rest of the rush gathers behind it.
  std::atomic<bool> locked{false}, release{false};
  std::thread holder([&] {
    db().transaction([&](db::Tx& tx) {
      tx.query("SELECT id FROM children WHERE id = ?" + std::string(tx.dialect().forUpdate()),
               {own});
      locked = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  });
  while (!locked) std::this_thread::yield();
  Reply first;
  std::thread first_thread([&] { first = checkIn(guardianUser(), own, code); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  std::vector<Reply> replies(families.size() + 2);
  std::vector<std::thread> rush;
  for (size_t i = 0; i < families.size(); ++i) {
    rush.emplace_back([&, i] { replies[i] = checkIn(families[i].user, families[i].child, code); });
  }
  // The first family's second phone, and the demo guardian trying a child not theirs.
  rush.emplace_back([&] { replies[8] = checkIn(families[0].user, families[0].child, code); });
  rush.emplace_back([&] { replies[9] = checkIn(guardianUser(), families[1].child, code); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  release = true;
  holder.join();
  first_thread.join();
  for (auto& t : rush) t.join();

  EXPECT_EQ(first.status, 201) << first.body;
  for (size_t i = 1; i < families.size(); ++i) {
    ASSERT_EQ(replies[i].status, 201) << replies[i].body;
    auto row = replies[i].json();
    EXPECT_EQ(row["child_id"], families[i].child);
    EXPECT_EQ(row["person_kind"], "guardian");
    EXPECT_EQ(row["person_id"], families[i].guardian);
    EXPECT_EQ(row["person_name"], families[i].name);
    EXPECT_EQ(scalar("SELECT child_id FROM messaging_attendance WHERE id = ?",
                     {row["id"].get<int64_t>()}),
              families[i].child);
  }
  // Family 0's two phones: one record, one 409.
  std::vector<int> twins = {replies[0].status, replies[8].status};
  std::sort(twins.begin(), twins.end());
  EXPECT_EQ(twins, (std::vector<int>{201, 409}));
  const Reply& lost = replies[0].status == 409 ? replies[0] : replies[8];
  EXPECT_EQ(lost.json()["error"]["code"], "messaging.already_checked_in");
  EXPECT_EQ(replies[9].status, 404) << replies[9].body;
  EXPECT_EQ(attendanceRows(), 9);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_attendance WHERE child_id = ?",
                   {families[1].child}),
            1);

  // Eleven marks reached the writer, in at most three transactions (one waited for the lock;
  // the rest came together): sukusuku_messaging_checkin_batch_size.
  std::string metrics = sys_->rt->metrics().render();
  auto value = [&](const std::string& name) {
    auto at = metrics.find("\n" + name + " ");
    EXPECT_NE(at, std::string::npos) << name;
    return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size() + 2));
  };
  EXPECT_EQ(value("sukusuku_messaging_checkin_batch_size_sum"), 11);
  EXPECT_LE(value("sukusuku_messaging_checkin_batch_size_count"), 3);
  EXPECT_EQ(value("sukusuku_messaging_checkin_batches_failed_total"), 0);
}

TEST_P(AttendanceTest, OnlyAuthorisedPeoplePickUpOnTheTablet) {
  int64_t child = ownChild();
  int64_t household = householdOf(guardianUser());
  int64_t grandmother;
  {
    auto conn = db().acquire();
    grandmother = conn->execute(
        "INSERT INTO pickup_persons (municipality_id, household_id, name, relationship, phone) "
        "SELECT municipality_id, id, '祖母 ハナ', 'grandmother', '090' FROM households WHERE id = ?",
        {household}).last_insert_id;
  }
  ASSERT_EQ(web("POST", "/web/messaging/board/check-in", staffUser(),
                {{"child_id", std::to_string(child)}})
                .status,
            303);
  auto present = boardChild(child);
  EXPECT_EQ(present["status"], "present");
  // The offered people: this household's guardians who may pick up, never another family's.
  std::set<std::string> offered;
  for (const auto& o : present["pickup_options"]) offered.insert(o["value"]);
  int64_t own_guardian = scalar(
      "SELECT MIN(id) FROM guardians WHERE household_id = ? AND may_pick_up = 1", {household});
  EXPECT_TRUE(offered.count("guardian:" + std::to_string(own_guardian)));
  int64_t stranger = scalar("SELECT MIN(id) FROM guardians WHERE household_id <> ?", {household});
  EXPECT_FALSE(offered.count("guardian:" + std::to_string(stranger)));
  EXPECT_TRUE(offered.count("pickup_person:" + std::to_string(grandmother)));

  auto checkOutAs = [&](const std::string& pickup) {
    return web("POST", "/web/messaging/board/check-out", staffUser(),
               {{"child_id", std::to_string(child)}, {"pickup", pickup}});
  };
  auto r = checkOutAs("guardian:" + std::to_string(stranger));
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("messaging.pickup_not_authorised"), std::string::npos);
  EXPECT_EQ(checkOutAs("").status, 422);
  EXPECT_EQ(checkOutAs("note:999999").status, 422);
  EXPECT_EQ(attendanceRows(), 1);

  // A guardian names someone else for today; then that person may pick up.
  auto note = api("POST", "/api/v1/messaging/children/" + std::to_string(child) + "/pickup-notes",
                  guardianUser(),
                  {{"date", today()}, {"person_name", "山田 花子"}, {"relationship", "叔母"}});
  ASSERT_EQ(note.status, 201) << note.body;
  r = checkOutAs("note:" + std::to_string(note.json()["id"].get<int64_t>()));
  ASSERT_EQ(r.status, 303) << r.body;
  auto day = api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/attendance",
                 guardianUser());
  EXPECT_EQ(day.json()["check_out"]["person_kind"], "other");
  EXPECT_NE(day.json()["check_out"]["person_name"].get<std::string>().find("山田 花子"),
            std::string::npos);
  EXPECT_EQ(boardChild(child)["status"], "left");

}

TEST_P(AttendanceTest, CorrectionsAddRowsAndShowTheHistory) {
  int64_t child = ownChild();
  ASSERT_EQ(checkIn(guardianUser(), child, todaysCode()).status, 201);
  int64_t original = scalar("SELECT MIN(id) FROM messaging_attendance WHERE child_id = ?", {child});
  std::string base = "/web/messaging/children/" + std::to_string(child) + "/attendance";

  auto r = web("POST", base + "/correct", staffUser(),
               {{"date", today()}, {"kind", "check_in"}, {"time", "07:45"}, {"reason", ""}});
  EXPECT_EQ(r.status, 422);
  r = web("POST", base + "/correct", staffUser(),
          {{"date", today()}, {"kind", "check_in"}, {"time", "07:45"},
           {"reason", "タブレットの押し忘れ"}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(attendanceRows(), 2);
  auto day = api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/attendance",
                 guardianUser());
  auto j = day.json();
  EXPECT_EQ(j["check_in"]["time"], "07:45");
  EXPECT_EQ(j["check_in"]["source"], "correction");
  EXPECT_EQ(j["check_in"]["corrects_id"], original);
  ASSERT_EQ(j["history"].size(), 2u);
  EXPECT_EQ(j["history"][0]["time"], "08:00");  // the original is kept as it was
  EXPECT_EQ(j["history"][0]["source"], "qr");

  // A check-out before the check-in in force is refused.
  r = web("POST", base + "/correct", staffUser(),
          {{"date", today()}, {"kind", "check_out"}, {"time", "07:00"}, {"reason", "x"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(attendanceRows(), 2);

  // Cancelling: the child is then not checked in, and can be again.
  r = web("POST", base + "/correct", staffUser(),
          {{"date", today()}, {"kind", "check_in"}, {"cancel", "1"}, {"reason", "別の子と間違えた"}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_TRUE(api("GET", "/api/v1/messaging/children/" + std::to_string(child) + "/attendance",
                  guardianUser())
                  .json()["check_in"]
                  .is_null());
  EXPECT_EQ(boardChild(child)["can_check_in"], true);
  ASSERT_EQ(checkIn(guardianUser(), child, todaysCode()).status, 201);

  auto page = web("GET", base + "?date=" + today(), staffUser());
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("タブレットの押し忘れ"), std::string::npos);
  EXPECT_NE(page.body.find("is-correction"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'messaging.attendance.corrected'"),
            2);
}

TEST_P(AttendanceTest, FamiliesFacilitiesAndTownsStayApart) {
  int64_t other = otherChild();
  std::string code = todaysCode();
  auto r = api("POST", "/api/v1/messaging/attendance/check-in", guardianUser(),
               {{"child_id", other}, {"qr", code}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(api("GET", "/api/v1/messaging/children/" + std::to_string(other) + "/attendance",
                guardianUser())
                .status,
            404);
  // The neighbour town's staff cannot touch a すくすく市 child nor see its board.
  auto t = web("POST", "/web/messaging/board/check-in", tonariStaff(),
               {{"child_id", std::to_string(other)}});
  EXPECT_EQ(t.status, 404);
  EXPECT_EQ(web("GET", "/web/messaging/board?format=json&facility_id=" + std::to_string(himawari()),
                tonariStaff())
                .status,
            404);
  EXPECT_EQ(web("GET", "/web/messaging/children/" + std::to_string(other) + "/attendance",
                tonariStaff())
                .status,
            404);
  // A guardian cannot use the staff pages; staff cannot use the guardian's check-in.
  EXPECT_EQ(api("POST", "/api/v1/messaging/attendance/check-in", staffUser(),
                {{"child_id", other}, {"qr", code}})
                .status,
            403);
  EXPECT_EQ(attendanceRows(), 0);
  // Without credentials: 401.
  EXPECT_EQ(api("POST", "/api/v1/messaging/attendance/check-in", 0, {{"child_id", other}}).status,
            401);
}

TEST_P(AttendanceTest, StaffClockInAndOutOncePerDay) {
  auto r = web("POST", "/web/messaging/staff-clock", staffUser(), {{"kind", "clock_out"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(web("POST", "/web/messaging/staff-clock", staffUser(), {{"kind", "clock_in"}}).status,
            303);
  EXPECT_EQ(web("POST", "/web/messaging/staff-clock", staffUser(), {{"kind", "clock_in"}}).status,
            409);
  clock_->advance(std::chrono::hours(8));
  EXPECT_EQ(web("POST", "/web/messaging/staff-clock", staffUser(), {{"kind", "clock_out"}}).status,
            303);
  auto b = board();
  EXPECT_EQ(b["clock"]["clock_in"], "08:00");
  EXPECT_EQ(b["clock"]["clock_out"], "16:00");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_staff_clock"), 2);
  // The shifts plugin reads the same through the service.
  auto service = sys_->rt->services().find<services::StaffAttendance>("messaging.staff_attendance");
  ASSERT_TRUE(service);
  int64_t city = scalar("SELECT municipality_id FROM facilities WHERE id = ?", {himawari()});
  auto clocks = service->clockTimes(city, himawari(), today());
  ASSERT_EQ(clocks.size(), 1u);
  EXPECT_EQ(clocks[0].clock_in, "08:00");
  EXPECT_EQ(clocks[0].clock_out, "16:00");
  EXPECT_TRUE(service->clockTimes(city + 1, himawari(), today()).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, AttendanceTest, ::testing::ValuesIn(testBackends()),
                         backendName);

}  // namespace
}  // namespace sukusuku::testing
