// The extended-care monthly report (延長保育月報) over real HTTP on every backend: a month of
// attendance for children with both certifications and the edge cases (exactly at the band edge,
// within the grace, just over it, no check-out, a correction, a cancelled day), checked against
// an independent calculation written here; review → finalise, a late correction → revision 2
// with the difference while revision 1 stays; CSV (UTF-8 BOM, Shift_JIS) and XLSX contents;
// scope and bad input.
#include <iconv.h>

#include <regex>
#include <sstream>

#include <Poco/StreamCopier.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include "messaging_fixture.h"

namespace sukusuku::testing {
namespace {

// The facility's rules as this test reads them (not the plugin's code).
struct Rules {
  int std_start = 7 * 60, std_end = 18 * 60, short_start = 8 * 60 + 30, short_end = 16 * 60 + 30;
  int unit = 30, grace = 5, fee = 100, cap = 3200;
};

// One child's day as generated: seconds after the date's Tokyo midnight, -1 = no record.
struct GenDay {
  int in = -1, out = -1;
};

struct Expected {
  int days = 0, extended_days = 0, minutes = 0, units = 0, fee = 0, flagged = 0;
};

// The rule in plain words: each side (morning, evening) beyond the band; a side of at most
// `grace` minutes counts 0, else all of it, rounded up to whole units; seconds are dropped.
Expected expectedFor(const Rules& k, bool standard, const std::map<std::string, GenDay>& days) {
  Expected e;
  const int start = standard ? k.std_start : k.short_start;
  const int end = standard ? k.std_end : k.short_end;
  for (const auto& [date, d] : days) {
    if (d.in < 0 && d.out < 0) continue;
    ++e.days;
    int in = d.in / 60, out = d.out / 60;
    int morning = 0, evening = 0;
    if (d.in >= 0 && in < start) morning = (d.out >= 0 && out < start ? out : start) - in;
    if (d.out >= 0 && out > end) evening = out - (in > end ? in : end);
    if (d.out < 0 || d.in < 0) ++e.flagged;
    int units = 0;
    for (int side : {morning, evening}) {
      if (side > k.grace) {
        e.minutes += side;
        units += (side + k.unit - 1) / k.unit;
      }
    }
    if (units > 0) ++e.extended_days;
    e.units += units;
  }
  e.fee = std::min(e.units * k.fee, k.cap);
  return e;
}

std::string fromCp932(const std::string& bytes) {
  iconv_t cd = iconv_open("UTF-8", "CP932");
  std::string out(bytes.size() * 3 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size(), out_left = out.size();
  char* o = out.data();
  size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  EXPECT_NE(rc, static_cast<size_t>(-1)) << "not valid CP932";
  out.resize(out.size() - out_left);
  return out;
}

std::string zipEntry(const std::string& zip, const std::string& name) {
  std::istringstream in(zip);
  Poco::Zip::ZipArchive archive(in);
  auto it = archive.findHeader(name);
  if (it == archive.headerEnd()) return "";
  in.clear();
  Poco::Zip::ZipInputStream zin(in, it->second, true);
  std::string out;
  Poco::StreamCopier::copyToString(zin, out);
  return out;
}

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

class ExtendedCareTest : public MessagingTest {
 protected:
  std::string base() {
    return "/web/messaging/extended-care?facility_id=" + std::to_string(himawari()) +
           "&month=2026-11";
  }
  std::string action(const std::string& what) {
    return "/web/messaging/extended-care/" + what + "?facility_id=" + std::to_string(himawari()) +
           "&month=2026-11";
  }
  nlohmann::json report(const std::string& extra = "") {
    auto r = web("GET", base() + "&format=json" + extra, headUser());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  Reply saveSettings(int64_t user, std::map<std::string, std::string> changes = {}) {
    std::map<std::string, std::string> form = {
        {"standard_start", "07:00"}, {"standard_end", "18:00"}, {"short_start", "08:30"},
        {"short_end", "16:30"},      {"rounding_unit", "30"},   {"grace_minutes", "5"},
        {"fee_per_unit", "100"},     {"monthly_cap", "3200"}};
    for (const auto& [k, v] : changes) form[k] = v;
    return web("POST",
               "/web/messaging/extended-care/settings?facility_id=" + std::to_string(himawari()),
               user, form);
  }

  // An attendance row as the plugin stores it; CORRECTS != 0 makes it a staff correction.
  void mark(int64_t child, const std::string& date, const std::string& kind, int secs,
            int64_t corrects = 0, bool cancelled = false) {
    auto conn = db().acquire();
    int64_t city = scalar("SELECT municipality_id FROM facilities WHERE id = ?", {himawari()});
    char at[32];
    int64_t utc = (daysOf(date) * 86400) + secs - 9 * 3600;
    std::string at_text = formatUtc(TimePoint(std::chrono::seconds(utc)));
    std::snprintf(at, sizeof at, "%s", at_text.c_str());
    conn->execute(
        "INSERT INTO messaging_attendance (municipality_id, facility_id, child_id, date, kind, at, "
        "source, person_kind, person_id, person_name, first_key, corrects_id, cancelled, reason, "
        "by_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'staff', 0, 'テスト', ?, ?, ?, ?, "
        "0, ?)",
        {city, himawari(), child, date, kind, std::string(at), corrects ? "correction" : "staff",
         corrects ? db::Value() : db::Value(kind), corrects ? db::Value(corrects) : db::Value(),
         cancelled, corrects ? db::Value("訂正") : db::Value(), at_text});
  }
  int64_t lastId() { return scalar("SELECT MAX(id) FROM messaging_attendance"); }
  static int64_t daysOf(const std::string& date) {
    // Days since 1970-01-01 (civil), written out again here.
    int y = std::stoi(date.substr(0, 4)), m = std::stoi(date.substr(5, 2)),
        d = std::stoi(date.substr(8, 2));
    y -= m <= 2;
    int era = y / 400, yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  // Six children at ひまわり: three standard, two short, one without certified hours.
  void pickChildren() {
    auto conn = db().acquire();
    auto rows = conn->query(
        "SELECT c.id FROM children c JOIN enrolments e ON e.child_id = c.id WHERE "
        "e.facility_id = ? ORDER BY c.id LIMIT 6",
        {himawari()});
    ASSERT_EQ(rows.size(), 6u);
    for (size_t i = 0; i < rows.size(); ++i) {
      int64_t id = rows[i].getInt("id");
      children_.push_back(id);
      const char* cert = i < 3 ? "standard" : i < 5 ? "short" : nullptr;
      conn->execute("UPDATE enrolments SET certified_hours = ? WHERE child_id = ?",
                    {cert ? db::Value(cert) : db::Value(), id});
      standard_[id] = i < 3;
    }
  }

  // November 2026's weekdays up to the 24th, with the edge cases on fixed days.
  void generateMonth() {
    const int std_end = 18 * 3600, std_start = 7 * 3600, short_end = 16 * 3600 + 1800;
    const int offsets_in[] = {0, -4 * 60, -5 * 60 - 59, -6 * 60, -31 * 60, 15 * 60, -75 * 60};
    const int offsets_out[] = {0, 5 * 60 + 59, 6 * 60, 30 * 60, 31 * 60, -20 * 60, 61 * 60};
    int n = 0;
    for (int day = 2; day <= 24; ++day) {
      char date[16];
      std::snprintf(date, sizeof date, "2026-11-%02d", day);
      int wd = static_cast<int>((daysOf(date) % 7 + 7 + 3) % 7) + 1;
      if (wd > 5) continue;
      for (size_t c = 0; c < children_.size(); ++c) {
        int64_t id = children_[c];
        if ((day + static_cast<int>(c)) % 7 == 0) continue;  // absent
        bool standard = standard_[id];
        int start = standard ? std_start : 8 * 3600 + 1800, end = standard ? std_end : short_end;
        GenDay g;
        g.in = start + offsets_in[(n + c) % 7] + static_cast<int>(c) * 7 % 60;
        g.out = end + offsets_out[(n * 3 + c) % 7] + (day % 2 ? 30 : 0);
        if (c == 0 && day == 2) g = {std_start, std_end};  // exactly at both edges
        if (c == 0 && day == 3) g = {std_start + 600, std_end + 5 * 60 + 59};  // within grace
        if (c == 0 && day == 4) g = {std_start - 6 * 60, std_end + 6 * 60};    // just over
        mark(id, date, "check_in", g.in);
        if (c == 1 && day == 5) g.out = -1;  // went home without a check-out
        if (g.out >= 0) mark(id, date, "check_out", g.out);
        if (c == 2 && day == 6) {  // a correction of the check-out: 17:50 → 18:40
          int64_t wrong = lastId();
          mark(id, date, "check_out", std_end + 40 * 60, wrong);
          g.out = std_end + 40 * 60;
        }
        if (c == 3 && day == 9) {  // a check-in corrected earlier: the newest row counts
          int64_t in_row = scalar(
              "SELECT id FROM messaging_attendance WHERE child_id = ? AND date = ? AND kind = "
              "'check_in'",
              {id, std::string(date)});
          mark(id, date, "check_in", 8 * 3600, in_row);
          g.in = 8 * 3600;
        }
        if (c == 4 && day == 11) {  // recorded by mistake: both rows cancelled, no day
          int64_t in_row = scalar(
              "SELECT id FROM messaging_attendance WHERE child_id = ? AND date = ? AND kind = "
              "'check_in'",
              {id, std::string(date)});
          int64_t out_row = lastId();
          mark(id, date, "check_out", g.out, out_row, true);
          mark(id, date, "check_in", g.in, in_row, true);
          g = {};
        }
        days_[id][date] = g;
        ++n;
      }
    }
  }

  Expected expected(int64_t child, const Rules& k = {}) {
    if (!standard_.count(child)) return {};
    if (child == children_[5]) {  // no certified hours: days count, flagged, nothing charged
      Expected e;
      for (const auto& [d, g] : days_[child]) {
        if (g.in >= 0 || g.out >= 0) ++e.days, ++e.flagged;
      }
      return e;
    }
    return expectedFor(k, standard_[child], days_[child]);
  }

  void expectMatches(const nlohmann::json& rep) {
    int total_fee = 0, total_units = 0, total_minutes = 0, seen = 0;
    for (int64_t id : children_) {
      Expected e = expected(id);
      total_fee += e.fee;
      total_units += e.units;
      total_minutes += e.minutes;
      bool found = false;
      for (const auto& c : rep["children"]) {
        if (c["child_id"] != id) continue;
        found = true;
        ++seen;
        EXPECT_EQ(c["days"], e.days) << id;
        EXPECT_EQ(c["extended_days"], e.extended_days) << id;
        EXPECT_EQ(c["minutes"], e.minutes) << id;
        EXPECT_EQ(c["units"], e.units) << id;
        EXPECT_EQ(c["fee"], e.fee) << id;
        EXPECT_EQ(c["flagged"], e.flagged) << id;
      }
      EXPECT_TRUE(found) << id;
    }
    EXPECT_EQ(seen, 6);
    EXPECT_EQ(rep["totals"]["fee"], total_fee);
    EXPECT_EQ(rep["totals"]["units"], total_units);
    EXPECT_EQ(rep["totals"]["minutes"], total_minutes);
  }

  std::vector<int64_t> children_;
  std::map<int64_t, bool> standard_;
  std::map<int64_t, std::map<std::string, GenDay>> days_;
};

TEST_P(ExtendedCareTest, MonthMatchesAnIndependentCalculationAndRevisesAfterFinalising) {
  pickChildren();
  generateMonth();
  ASSERT_EQ(saveSettings(headUser()).status, 303);

  // The edge days, one by one.
  nlohmann::json rep = report();
  auto line = [&](const nlohmann::json& r, int64_t child, const std::string& date) {
    for (const auto& l : r["lines"]) {
      if (l["child_id"] == child && l["date"] == date) return l;
    }
    return nlohmann::json();
  };
  EXPECT_EQ(line(rep, children_[0], "2026-11-02")["units"], 0);  // exactly at the edges
  EXPECT_EQ(line(rep, children_[0], "2026-11-03")["units"], 0);  // 5 min 59 s: within grace
  auto over = line(rep, children_[0], "2026-11-04");             // 6 min each side
  EXPECT_EQ(over["minutes_before"], 6);
  EXPECT_EQ(over["minutes_after"], 6);
  EXPECT_EQ(over["units"], 2);
  auto open = line(rep, children_[1], "2026-11-05");
  EXPECT_EQ(open["flag"], "no_check_out");
  EXPECT_EQ(open["check_out"], "");
  EXPECT_EQ(line(rep, children_[2], "2026-11-06")["check_out"], "18:40");
  EXPECT_EQ(line(rep, children_[2], "2026-11-06")["minutes_after"], 40);
  EXPECT_EQ(line(rep, children_[3], "2026-11-09")["check_in"], "08:00");
  EXPECT_TRUE(line(rep, children_[4], "2026-11-11").is_null());  // cancelled day
  int uncertified = 0;
  for (const auto& l : rep["lines"]) {
    if (l["child_id"] != children_[5]) continue;
    ++uncertified;
    EXPECT_EQ(l["flag"], "no_certification");
    EXPECT_EQ(l["units"], 0);
  }
  EXPECT_GT(uncertified, 10);

  // Every child's month against the independent calculation; one child hits the cap.
  expectMatches(rep);
  bool capped = false;
  for (const auto& c : rep["children"]) capped = capped || c["capped"].get<bool>();
  EXPECT_TRUE(capped) << "the generated month should reach the cap for someone";
  EXPECT_EQ(rep["state"], "draft");
  EXPECT_EQ(rep["revision"], 1);

  // The page shows it in Japanese, with the flagged day.
  auto html = web("GET", base(), staffUser());
  ASSERT_EQ(html.status, 200);
  EXPECT_NE(html.body.find("延長保育月報"), std::string::npos);
  EXPECT_NE(html.body.find("降園記録なし"), std::string::npos);

  // Staff may read but not review; the facility admin reviews and finalises.
  EXPECT_EQ(web("POST", action("review"), staffUser()).status, 403);
  ASSERT_EQ(web("POST", action("review"), headUser()).status, 303);
  EXPECT_EQ(report()["state"], "reviewed");
  EXPECT_EQ(web("POST", action("finalise"), staffUser(), {{"revision", "1"}}).status, 403);
  EXPECT_EQ(web("POST", action("finalise"), headUser(), {{"revision", "2"}}).status, 409);
  ASSERT_EQ(web("POST", action("finalise"), headUser(), {{"revision", "1"}}).status, 303);
  rep = report();
  EXPECT_EQ(rep["state"], "finalised");
  const nlohmann::json first = report("&revision=1");
  expectMatches(first);
  auto again = web("POST", action("review"), headUser());
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.body.find("messaging.extcare.unchanged"), std::string::npos);

  // A late correction through the real correction form: a standard child two units below the
  // cap who went home by 18:00 one day is corrected to 18:50 (50 minutes = 2 more units).
  int64_t who = 0;
  std::string when, was;
  for (int i = 0; i < 3 && !who; ++i) {
    int64_t id = children_[i];
    if (expected(id).fee + 2 * Rules{}.fee > Rules{}.cap) continue;
    for (const auto& [date, g] : days_[id]) {
      if (g.in >= 0 && g.out >= 0 && g.out / 60 <= 18 * 60 && date > "2026-11-06") {
        who = id, when = date;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02d:%02d", g.out / 3600, g.out / 60 % 60);
        was = buf;
        break;
      }
    }
  }
  ASSERT_NE(who, 0) << "the generated month needs a standard child below the cap";
  clock_->advance(std::chrono::hours(2));
  auto fix = web("POST", "/web/messaging/children/" + std::to_string(who) + "/attendance/correct",
                 staffUser(),
                 {{"date", when},
                  {"kind", "check_out"},
                  {"time", "18:50"},
                  {"reason", "お迎え時刻の記録漏れ"}});
  ASSERT_EQ(fix.status, 303) << fix.body;
  Expected before0 = expected(who);
  days_[who][when].out = 18 * 3600 + 50 * 60;
  Expected after0 = expected(who);
  ASSERT_EQ(after0.fee - before0.fee, 2 * Rules{}.fee);

  rep = report();
  EXPECT_EQ(rep["state"], "revised");
  EXPECT_EQ(rep["revision"], 2);
  ASSERT_EQ(rep["changes"]["lines"].size(), 1u);
  const auto& change = rep["changes"]["lines"][0];
  EXPECT_EQ(change["child_id"], who);
  EXPECT_EQ(change["date"], when);
  EXPECT_EQ(change["before"]["check_out"], was);
  EXPECT_EQ(change["after"]["check_out"], "18:50");
  EXPECT_EQ(rep["changes"]["fee_delta"], after0.fee - before0.fee);
  expectMatches(rep);

  // Review revision 2; a further correction before finalising asks for a new review.
  ASSERT_EQ(web("POST", action("review"), headUser()).status, 303);
  EXPECT_EQ(report()["state"], "reviewed");
  fix = web("POST", "/web/messaging/children/" + std::to_string(who) + "/attendance/correct",
            staffUser(),
            {{"date", when}, {"kind", "check_out"}, {"time", "18:55"}, {"reason", "再訂正"}});
  ASSERT_EQ(fix.status, 303);
  days_[who][when].out = 18 * 3600 + 55 * 60;
  EXPECT_EQ(report()["state"], "changed_since_review");
  auto stale = web("POST", action("finalise"), headUser(), {{"revision", "2"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body.find("messaging.extcare.changed_since_review"), std::string::npos);
  ASSERT_EQ(web("POST", action("review"), headUser()).status, 303);
  ASSERT_EQ(web("POST", action("finalise"), headUser(), {{"revision", "2"}}).status, 303);

  // Both revisions kept: 1 exactly as finalised, 2 with what changed against 1.
  rep = report();
  EXPECT_EQ(rep["state"], "finalised");
  ASSERT_EQ(rep["revisions"].size(), 2u);
  EXPECT_EQ(rep["revisions"][0]["status"], "finalised");
  EXPECT_EQ(rep["revisions"][1]["status"], "finalised");
  nlohmann::json one = report("&revision=1");
  EXPECT_EQ(one["totals"], first["totals"]);
  EXPECT_EQ(one["children"], first["children"]);
  nlohmann::json two = report("&revision=2");
  expectMatches(two);
  ASSERT_EQ(two["changes"]["lines"].size(), 1u);
  EXPECT_EQ(two["changes"]["lines"][0]["before"]["check_out"], was);
  EXPECT_EQ(two["changes"]["lines"][0]["after"]["check_out"], "18:55");
  EXPECT_EQ(two["changes"]["against_revision"], 1);
  auto rev_page = web("GET", base(), headUser());
  EXPECT_NE(rev_page.body.find("data-revision=\"2\" data-status=\"finalised\""), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'messaging.extcare.finalised'"),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'messaging.extcare.reviewed'"),
            3);

  // CSV of revision 1, UTF-8 with BOM: one row per child plus the total, the same figures.
  auto csv = web("GET", action("export.csv") + "&revision=1", headUser());
  ASSERT_EQ(csv.status, 200);
  ASSERT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  std::vector<std::string> rows;
  std::istringstream lines(csv.body.substr(3));
  for (std::string l; std::getline(lines, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 8u);  // header, six children, total
  EXPECT_EQ(splitCsv(rows[0])[1], "氏名");
  EXPECT_EQ(splitCsv(rows[0])[8], "延長保育料(円)");
  for (size_t i = 1; i <= 6; ++i) {
    auto f = splitCsv(rows[i]);
    ASSERT_EQ(f.size(), 10u) << rows[i];
    int64_t id = std::stoll(f[0]);
    const nlohmann::json* c = nullptr;
    for (const auto& x : first["children"]) {
      if (x["child_id"] == id) c = &x;
    }
    ASSERT_TRUE(c) << rows[i];
    EXPECT_EQ(f[1], (*c)["child_name"].get<std::string>());
    EXPECT_EQ(f[6], std::to_string((*c)["minutes"].get<int>()));
    EXPECT_EQ(f[7], std::to_string((*c)["units"].get<int>()));
    EXPECT_EQ(f[8], std::to_string((*c)["fee"].get<int>()));
  }
  EXPECT_EQ(splitCsv(rows[7])[1], "合計");
  EXPECT_EQ(splitCsv(rows[7])[8], std::to_string(first["totals"]["fee"].get<int>()));

  // Shift_JIS: no BOM, and the same text once decoded.
  auto sjis = web("GET", action("export.csv") + "&revision=1&encoding=sjis", headUser());
  ASSERT_EQ(sjis.status, 200);
  EXPECT_NE(sjis.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(sjis.body.substr(0, 4), "\x8E\x99\x93\xB6");  // 児童 in CP932
  EXPECT_EQ(fromCp932(sjis.body), csv.body.substr(3));

  // XLSX of the current (revision 2) figures: names in the shared strings, numbers in sheet 1.
  auto xlsx = web("GET", action("export.xlsx"), headUser());
  ASSERT_EQ(xlsx.status, 200);
  ASSERT_EQ(xlsx.body.substr(0, 2), "PK");
  std::string strings = zipEntry(xlsx.body, "xl/sharedStrings.xml");
  std::string sheet = zipEntry(xlsx.body, "xl/worksheets/sheet1.xml");
  ASSERT_FALSE(strings.empty());
  ASSERT_FALSE(sheet.empty());
  for (const auto& c : two["children"]) {
    EXPECT_NE(strings.find(c["child_name"].get<std::string>()), std::string::npos);
  }
  EXPECT_NE(strings.find("合計"), std::string::npos);
  EXPECT_NE(strings.find("延長保育料(円)"), std::string::npos);
  // The total fee sits in column I of the row after the six children (row 8).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(sheet, m, std::regex("<c r=\"I8\"[^>]*><v>([0-9]+)</v>")))
      << sheet.substr(0, 400);
  EXPECT_EQ(std::stoi(m[1]), two["totals"]["fee"].get<int>());
  EXPECT_FALSE(zipEntry(xlsx.body, "xl/worksheets/sheet2.xml").empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'messaging.extcare.exported'"),
            3);
}

TEST_P(ExtendedCareTest, ScopeAndBadInput) {
  int64_t sakura = scalar("SELECT id FROM facilities WHERE name = 'さくら保育所'");
  std::string own = "/web/messaging/extended-care?format=json&month=2026-11&facility_id=";
  // Not configured yet: the page says so, a review is refused.
  auto r = web("GET", own + std::to_string(himawari()), staffUser());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["configured"], false);
  EXPECT_EQ(web("POST", "/web/messaging/extended-care/review?month=2026-11", headUser()).status,
            409);

  // Settings out of range: 422 with the field, nothing stored.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"rounding_unit", "0"},  {"rounding_unit", "121"},  {"grace_minutes", "61"},
      {"grace_minutes", "30"}, {"fee_per_unit", "-1"},    {"fee_per_unit", "abc"},
      {"monthly_cap", "0"},    {"standard_end", "06:00"}, {"short_start", "25:00"}};
  for (const auto& [field, value] : bad) {
    auto s = saveSettings(headUser(), {{field, value}});
    EXPECT_EQ(s.status, 422) << field << "=" << value;
    EXPECT_NE(s.body.find("messaging.extcare.invalid_setting"), std::string::npos) << field;
    // The form again, with what was typed and the message beside a field.
    EXPECT_NE(s.body.find("name=\"" + field + "\""), std::string::npos) << field;
    EXPECT_NE(s.body.find("value=\"" + value + "\""), std::string::npos) << field;
    EXPECT_NE(s.body.find("class=\"msg-field-error\" data-field="), std::string::npos) << field;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_extcare_settings"), 0);
  EXPECT_EQ(saveSettings(staffUser()).status, 403);  // staff read, the head decides
  ASSERT_EQ(saveSettings(headUser(), {{"monthly_cap", ""}}).status, 303);
  auto settings = web(
      "GET",
      "/web/messaging/extended-care/settings?format=json&facility_id=" + std::to_string(himawari()),
      headUser());
  ASSERT_EQ(settings.status, 200);
  EXPECT_TRUE(settings.json()["monthly_cap"].is_null());
  EXPECT_EQ(settings.json()["fee_per_unit"], 100);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = "
                   "'messaging.extcare.settings_changed'"),
            1);

  // Bad months and unknown facilities, revisions and encodings.
  for (const char* month : {"2026-13", "2026-1", "abcd-ef", "1999-12"}) {
    r = web("GET", "/web/messaging/extended-care?format=json&month=" + std::string(month),
            staffUser());
    EXPECT_EQ(r.status, 422) << month;
    EXPECT_NE(r.body.find("messaging.extcare.invalid_month"), std::string::npos);
  }
  EXPECT_EQ(web("GET", own + "999999", staffUser()).status, 404);
  EXPECT_EQ(web("GET", own + "abc", staffUser()).status, 404);
  EXPECT_EQ(web("GET", own + std::to_string(himawari()) + "&revision=9", staffUser()).status, 404);
  r = web("GET",
          "/web/messaging/extended-care/export.csv?encoding=latin1&facility_id=" +
              std::to_string(himawari()),
          staffUser());
  EXPECT_EQ(r.status, 422);

  // Other facilities and towns see nothing; city officers of the same city read only.
  EXPECT_EQ(web("GET", own + std::to_string(sakura), staffUser()).status, 404);
  EXPECT_EQ(web("GET", own + std::to_string(himawari()), tonariStaff()).status, 404);
  EXPECT_EQ(
      web("GET",
          "/web/messaging/extended-care/export.xlsx?facility_id=" + std::to_string(himawari()),
          tonariStaff())
          .status,
      404);
  int64_t officer = userId("kodomo@demo.sukusuku.jp");
  r = web("GET", own + std::to_string(himawari()), officer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["facility_name"], "ひまわり保育所");
  EXPECT_EQ(r.json()["can_finalise"], false);
  auto picker = web("GET", "/web/messaging/extended-care?format=json", officer);
  ASSERT_EQ(picker.status, 200);
  EXPECT_GE(picker.json()["facilities"].size(), 4u);
  EXPECT_EQ(web("POST",
                "/web/messaging/extended-care/review?month=2026-11&facility_id=" +
                    std::to_string(himawari()),
                officer)
                .status,
            403);
  EXPECT_EQ(web("GET", own + std::to_string(himawari()), guardianUser()).status, 403);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM messaging_extcare_reports"), 0);
}

SUKUSUKU_INSTANTIATE_BACKENDS(ExtendedCareTest);

}  // namespace
}  // namespace sukusuku::testing
