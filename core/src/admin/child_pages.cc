// Children (園児・児童): the list, the record (enrolment history and certified care hours 保育標準時間
// / 保育短時間), registration, admission / transfer / graduation, the CSV export and the staff API
// read. Every read of one child's record by staff is audited ("child.read"), every export too.
#include <chrono>
#include <sstream>

#include "sukusuku/error.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

const std::vector<std::string> kSexes = {"female", "male", "unspecified"};
const std::vector<std::string> kHours = {"", "standard", "short"};
const std::vector<std::string> kEndReasons = {"graduation", "transfer_out", "withdrawal"};

std::string dayBefore(const std::string& date) {
  using namespace std::chrono;
  year_month_day ymd{year{std::stoi(date.substr(0, 4))},
                     month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                     day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  year_month_day prev{sys_days{ymd} - days{1}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(prev.year()),
                static_cast<unsigned>(prev.month()), static_cast<unsigned>(prev.day()));
  return buf;
}

// Classes of the visible facilities this fiscal year, "facility / class".
std::vector<std::pair<std::string, std::string>> classOptions(const Deps& d, db::Connection& conn,
                                                              const Principal& p) {
  std::vector<std::pair<std::string, std::string>> out = {{"", "—"}};
  auto ids = tenancy::visibleFacilities(conn, p, d.today());
  db::Params params = {p.municipality_id, d.fiscalYearNow()};
  std::string in = inList(ids, params);
  for (const auto& c : conn.query(
           "SELECT c.id, c.name, f.name AS facility FROM classes c JOIN facilities f ON f.id = "
           "c.facility_id WHERE c.municipality_id = ? AND c.fiscal_year = ? AND c.facility_id IN " +
               in + " ORDER BY f.code, c.age_group, c.grade, c.name",
           params)) {
    out.emplace_back(std::to_string(c.getInt("id")),
                     c.getText("facility") + " / " + c.getText("name"));
  }
  return out;
}

struct Placement {
  int64_t facility_id = 0;
  std::optional<int64_t> class_id;
  std::string starts_on, certified_hours;
};

// facility_id, class_id, starts_on, certified_hours of an admission or transfer form.
Placement readPlacement(const Deps& d, Form& f, db::Connection& conn, const Principal& p) {
  Placement x;
  auto fid = f.integer("facility_id", true, 1, INT64_MAX);
  if (fid && !tenancy::canSeeFacility(conn, p, *fid)) f.fail("facility_id", "choice");
  x.facility_id = fid.value_or(0);
  x.class_id = f.integer("class_id", false, 1, INT64_MAX);
  if (x.class_id && x.facility_id) {
    auto c = conn.queryOne("SELECT facility_id FROM classes WHERE id = ?", {*x.class_id});
    if (!c || c->getInt("facility_id") != x.facility_id) f.fail("class_id", "class_facility");
  }
  x.starts_on = f.date("starts_on");
  x.certified_hours = f.choice("certified_hours", kHours, false);
  (void)d;
  return x;
}

FormView placementForm(const Deps& d, const Request& r, db::Connection& conn,
                       const std::string& id, const std::string& action,
                       const std::string& submit_key) {
  FormView form(id, action, d.t(r, submit_key));
  form.select("facility_id", d.t(r, "admin.children.facility"), facilityOptions(d, conn, r.user()),
              "")
      .select("class_id", d.t(r, "admin.children.class"), classOptions(d, conn, r.user()), "")
      .text("starts_on", d.t(r, "admin.children.starts_on"), d.today(), "date")
      .select("certified_hours", d.t(r, "admin.children.certified_hours"),
              choices(d, r, "hours", kHours), "");
  return form;
}

FormView childForm(const Deps& d, const Request& r, db::Connection& conn,
                   const std::string& household_id) {
  FormView form("child", "/web/admin/children", d.t(r, "admin.form.save"));
  form.text("household_id", d.t(r, "admin.children.household_id"), household_id, "number")
      .text("family_name", d.t(r, "admin.people.family_name"), "")
      .text("given_name", d.t(r, "admin.people.given_name"), "")
      .text("family_name_kana", d.t(r, "admin.people.family_name_kana"), "")
      .text("given_name_kana", d.t(r, "admin.people.given_name_kana"), "")
      .text("birth_date", d.t(r, "admin.children.birth_date"), "", "date")
      .select("sex", d.t(r, "admin.children.sex"), choices(d, r, "sexes", kSexes), "unspecified");
  form.select("facility_id", d.t(r, "admin.children.facility"),
                facilityOptions(d, conn, r.user()), "")
      .select("class_id", d.t(r, "admin.children.class"), classOptions(d, conn, r.user()), "")
      .text("starts_on", d.t(r, "admin.children.starts_on"), d.today(), "date")
      .select("certified_hours", d.t(r, "admin.children.certified_hours"),
              choices(d, r, "hours", kHours), "");
  return form;
}

std::string fullName(const db::Row& c) {
  return c.getText("family_name") + " " + c.getText("given_name");
}
std::string fullKana(const db::Row& c) {
  return c.getText("family_name_kana") + " " + c.getText("given_name_kana");
}

// Children enrolled today at the visible facilities, filtered by the query.
db::Rows listChildren(const Deps& d, db::Connection& conn, const Request& r, int limit) {
  const Principal& p = r.user();
  auto ids = tenancy::visibleFacilities(conn, p, d.today());
  db::Params params = {d.today(), d.today(), p.municipality_id};
  std::string sql =
      "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, "
      "c.birth_date, c.sex, c.external_id, c.household_id, f.name AS facility, f.code AS "
      "facility_code, cl.name AS class_name, e.certified_hours FROM children c JOIN enrolments e "
      "ON e.child_id = c.id AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) JOIN "
      "facilities f ON f.id = e.facility_id LEFT JOIN classes cl ON cl.id = e.class_id WHERE "
      "c.municipality_id = ? AND e.facility_id IN " +
      inList(ids, params);
  if (auto fq = r.queryParam("facility_id"); fq && !fq->empty()) {
    int64_t fid = std::atoll(fq->c_str());
    tenancy::requireFacility(conn, p, fid);
    sql += " AND e.facility_id = ?";
    params.emplace_back(fid);
  }
  if (auto cq = r.queryParam("class_id"); cq && !cq->empty()) {
    sql += " AND e.class_id = ?";
    params.emplace_back(std::atoll(cq->c_str()));
  }
  if (auto q = r.queryParam("q"); q && !q->empty()) {
    sql +=
        " AND ((c.family_name || c.given_name) LIKE ? OR (c.family_name_kana || "
        "c.given_name_kana) LIKE ? OR c.external_id = ?)";
    std::string pattern = "%" + *q + "%";
    params.emplace_back(pattern);
    params.emplace_back(pattern);
    params.emplace_back(*q);
  }
  sql += " ORDER BY f.code, cl.age_group, cl.grade, c.family_name_kana, c.id LIMIT ?";
  params.emplace_back(limit);
  return conn.query(sql, params);
}

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

json childJson(db::Connection& conn, int64_t id) {
  auto c = conn.queryOne("SELECT * FROM children WHERE id = ?", {id});
  json enrolments = json::array();
  for (const auto& e : conn.query(
           "SELECT e.id, e.facility_id, f.name AS facility, e.class_id, cl.name AS class_name, "
           "e.starts_on, e.ends_on, e.end_reason, e.certified_hours FROM enrolments e JOIN "
           "facilities f ON f.id = e.facility_id LEFT JOIN classes cl ON cl.id = e.class_id "
           "WHERE e.child_id = ? ORDER BY e.starts_on, e.id",
           {id})) {
    enrolments.push_back({{"id", e.getInt("id")},
                          {"facility_id", e.getInt("facility_id")},
                          {"facility", e.getText("facility")},
                          {"class_id", opt(e.getOptInt("class_id"))},
                          {"class_name", opt(e.getOptText("class_name"))},
                          {"starts_on", e.getText("starts_on")},
                          {"ends_on", opt(e.getOptText("ends_on"))},
                          {"end_reason", opt(e.getOptText("end_reason"))},
                          {"certified_hours", opt(e.getOptText("certified_hours"))}});
  }
  return {{"id", id},
          {"household_id", c->getInt("household_id")},
          {"family_name", c->getText("family_name")},
          {"given_name", c->getText("given_name")},
          {"family_name_kana", c->getText("family_name_kana")},
          {"given_name_kana", c->getText("given_name_kana")},
          {"birth_date", c->getText("birth_date")},
          {"sex", c->getText("sex")},
          {"external_id", opt(c->getOptText("external_id"))},
          {"enrolments", enrolments}};
}

// Reads by anyone but the child's own guardians are audited.
void auditRead(const Deps& d, db::Connection& conn, const Request& r, int64_t child_id,
               const std::string& via) {
  if (r.user().role == roles::kGuardian) return;
  audit(d, conn, r, "child.read", "child", child_id, {{"via", via}});
}

Response childPage(const Deps& d, Request& r, int64_t id, db::Connection& conn,
                   std::optional<Form> placement_errors = std::nullopt,
                   std::optional<Form> end_errors = std::nullopt) {
  const Principal& p = r.user();
  json child = childJson(conn, id);
  auto hh = conn.queryOne("SELECT id, name, address, phone FROM households WHERE id = ?",
                          {child["household_id"].get<int64_t>()});
  json history = json::array();
  std::string current_hours;
  bool enrolled_now = false;
  for (const auto& e : child["enrolments"]) {
    std::string ends = e["ends_on"].is_null() ? "" : e["ends_on"].get<std::string>();
    bool open = ends.empty() || ends >= d.today();
    if (open && e["starts_on"].get<std::string>() <= d.today()) {
      enrolled_now = true;
      if (e["certified_hours"].is_string()) current_hours = e["certified_hours"];
    }
    history.push_back(
        {{"cells",
          {cell(e["facility"].get<std::string>()),
           cell(e["class_name"].is_null() ? "" : e["class_name"].get<std::string>()),
           cell(e["starts_on"].get<std::string>()), cell(ends),
           cell(e["end_reason"].is_null() ? ""
                                          : d.t(r, "admin.end_reasons." +
                                                       e["end_reason"].get<std::string>())),
           cell(e["certified_hours"].is_null()
                    ? ""
                    : d.t(r, "admin.hours." + e["certified_hours"].get<std::string>()))}}});
  }
  json guardians = json::array();
  for (const auto& g : conn.query(
           "SELECT family_name, given_name, relationship, phone, may_pick_up FROM guardians "
           "WHERE household_id = ? ORDER BY primary_payer DESC, id",
           {child["household_id"].get<int64_t>()})) {
    guardians.push_back({{"cells",
                          {cell(fullName(g)), cell(d.t(r, "admin.relationships." + g.getText("relationship"))),
                           cell(g.getText("phone")),
                           cell(g.getBool("may_pick_up") ? d.t(r, "admin.yes") : d.t(r, "admin.no"))}}});
  }
  std::string sid = std::to_string(id);
  std::string household_href = "/web/admin/households/" + std::to_string(hh->getInt("id"));
  json sections = json::array();
  sections.push_back(section(
      "", {{"facts",
            facts({{d.t(r, "admin.people.kana"),
                    child["family_name_kana"].get<std::string>() + " " +
                        child["given_name_kana"].get<std::string>()},
                   {d.t(r, "admin.children.birth_date"), child["birth_date"].get<std::string>()},
                   {d.t(r, "admin.children.sex"), d.t(r, "admin.sexes." + child["sex"].get<std::string>())},
                   {d.t(r, "admin.children.external_id"),
                    child["external_id"].is_null() ? "" : child["external_id"].get<std::string>()},
                   {d.t(r, "admin.children.certified_hours"),
                    current_hours.empty() ? "—" : d.t(r, "admin.hours." + current_hours)},
                   {d.t(r, "admin.children.household"), hh->getText("name")}})},
           {"links", {{"items", {link(d.t(r, "admin.children.household"), household_href)}}}}}));
  sections.push_back(section(
      d.t(r, "admin.children.history"),
      {{"table", table({d.t(r, "admin.children.facility"), d.t(r, "admin.children.class"),
                        d.t(r, "admin.children.starts_on"), d.t(r, "admin.children.ends_on"),
                        d.t(r, "admin.children.end_reason"),
                        d.t(r, "admin.children.certified_hours")},
                       history, d.t(r, "admin.empty"))}}));
  sections.push_back(section(
      d.t(r, "admin.households.guardians"),
      {{"table", table({d.t(r, "admin.people.name"), d.t(r, "admin.guardians.relationship"),
                        d.t(r, "admin.people.phone"), d.t(r, "admin.guardians.may_pick_up")},
                       guardians, d.t(r, "admin.empty"))}}));
  if (p.has(perm::kChildrenEdit)) {
    FormView move = placementForm(d, r, conn, "transfer", "/web/admin/children/" + sid + "/enrolments",
                                  "admin.children.record_admission");
    move.note(d.t(r, "admin.children.transfer_note"));
    if (placement_errors) move.from(*placement_errors);
    sections.push_back(section(d.t(r, "admin.children.admission"), {{"form", move.toJson()}}));
    if (enrolled_now) {
      FormView end("end", "/web/admin/children/" + sid + "/enrolments/end",
                   d.t(r, "admin.children.record_end"));
      end.text("ends_on", d.t(r, "admin.children.ends_on"), d.today(), "date")
          .select("end_reason", d.t(r, "admin.children.end_reason"),
                  choices(d, r, "end_reasons", kEndReasons), "graduation");
      if (end_errors) end.from(*end_errors);
      sections.push_back(section(d.t(r, "admin.children.end"), {{"form", end.toJson()}}));
    }
  }
  int status = (placement_errors || end_errors) ? 422 : 200;
  return renderPage(d, r, {{"sections", sections}}, "admin.children.record", status,
                    child["family_name"].get<std::string>() + " " +
                        child["given_name"].get<std::string>());
}

}  // namespace

void addChildPages(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/children", perm::kView, [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  json rows = json::array();
                  for (const auto& c : listChildren(d, *conn, r, 500)) {
                    rows.push_back(
                        {{"cells",
                          {cell(fullName(c), "/web/admin/children/" + std::to_string(c.getInt("id"))),
                           cell(fullKana(c)), cell(c.getText("birth_date")),
                           cell(c.getText("facility")), cell(c.getOptText("class_name").value_or("")),
                           cell(c.isNull("certified_hours")
                                    ? ""
                                    : d.t(r, "admin.hours." + c.getText("certified_hours")))}}});
                  }
                  std::string fq = r.queryParam("facility_id").value_or("");
                  FormView filters("child-filters", "/web/admin/children", d.t(r, "admin.form.show"));
                  filters.get()
                      .select("facility_id", d.t(r, "admin.children.facility"),
                              facilityOptions(d, *conn, p, true, d.t(r, "admin.all")), fq)
                      .text("q", d.t(r, "admin.children.search"), r.queryParam("q").value_or(""),
                            "search");
                  if (auto cq = r.queryParam("class_id")) filters.hidden("class_id", *cq);
                  json actions = json::array();
                  if (p.has(perm::kChildrenEdit)) {
                    actions.push_back(link(d.t(r, "admin.children.new"), "/web/admin/children/new"));
                  }
                  if (p.has(perm::kExport)) {
                    std::string qs;
                    for (const char* k : {"facility_id", "class_id", "q"}) {
                      if (auto v = r.queryParam(k)) {
                        std::string enc;
                        for (unsigned char ch : *v) {
                          char buf[4];
                          std::snprintf(buf, sizeof buf, "%%%02X", ch);
                          enc += std::isalnum(ch) ? std::string(1, static_cast<char>(ch)) : buf;
                        }
                        qs += (qs.empty() ? "?" : "&") + std::string(k) + "=" + enc;
                      }
                    }
                    actions.push_back(link(d.t(r, "admin.children.export"),
                                           "/web/admin/children.csv" + qs));
                  }
                  return renderPage(
                      d, r,
                      {{"actions", actions},
                       {"filters", filters.toJson()},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.people.name"),
                                                       d.t(r, "admin.people.kana"),
                                                       d.t(r, "admin.children.birth_date"),
                                                       d.t(r, "admin.children.facility"),
                                                       d.t(r, "admin.children.class"),
                                                       d.t(r, "admin.children.certified_hours")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.children.title");
                }});

  ctx.addRoute({"GET", "/web/admin/children.csv", perm::kExport, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  db::Rows rows = listChildren(d, *conn, r, 100000);
                  std::ostringstream out;
                  out << "\xEF\xBB\xBF"
                      << "child_id,external_id,family_name,given_name,family_name_kana,"
                         "given_name_kana,birth_date,sex,facility_code,class_name,"
                         "certified_hours\r\n";
                  for (const auto& c : rows) {
                    out << c.getInt("id") << ',' << csvField(c.getOptText("external_id").value_or(""))
                        << ',' << csvField(c.getText("family_name")) << ','
                        << csvField(c.getText("given_name")) << ','
                        << csvField(c.getText("family_name_kana")) << ','
                        << csvField(c.getText("given_name_kana")) << ',' << c.getText("birth_date")
                        << ',' << c.getText("sex") << ',' << csvField(c.getText("facility_code"))
                        << ',' << csvField(c.getOptText("class_name").value_or("")) << ','
                        << c.getOptText("certified_hours").value_or("") << "\r\n";
                  }
                  d.db.transaction([&](db::Tx& tx) {
                    audit(d, tx, r, "children.exported", "file", 0,
                          {{"rows", rows.size()},
                           {"facility_id", r.queryParam("facility_id").value_or("")},
                           {"class_id", r.queryParam("class_id").value_or("")},
                           {"q", r.queryParam("q").value_or("")}});
                  });
                  Response res = Response::text(out.str(), "text/csv; charset=utf-8");
                  res.headers["Content-Disposition"] = "attachment; filename=\"children.csv\"";
                  res.headers["Cache-Control"] = "no-store";
                  return res;
                }});

  ctx.addRoute({"GET", "/web/admin/children/new", perm::kChildrenEdit, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", childForm(d, r, *conn,
                                                         r.queryParam("household_id").value_or(""))
                                                   .toJson()}})}}},
                      "admin.children.new");
                }});

  ctx.addRoute({"POST", "/web/admin/children", perm::kChildrenEdit, [&d](Request& r) {
                  const Principal& p = r.user();
                  Form f(d, r);
                  int64_t id = 0;
                  {
                    auto conn = d.db.acquire();
                    auto household = f.integer("household_id", true, 1, INT64_MAX);
                    // Staff may add a child only to a household they can see; the city to any
                    // household of the city.
                    if (household &&
                        !(tenancy::isCityRole(p.role)
                              ? conn->queryOne("SELECT id FROM households WHERE id = ? AND "
                                               "municipality_id = ?",
                                               {*household, p.municipality_id})
                                    .has_value()
                              : tenancy::canSeeHousehold(*conn, p, *household, d.today()))) {
                      f.fail("household_id", "unknown_household");
                    }
                    std::string fam = f.text("family_name"), giv = f.text("given_name");
                    std::string famk = f.text("family_name_kana"), givk = f.text("given_name_kana");
                    std::string birth = f.date("birth_date");
                    if (!birth.empty() && birth > d.today()) f.fail("birth_date", "future");
                    std::string sex = f.choice("sex", kSexes);
                    Placement x = readPlacement(d, f, *conn, p);
                    if (f.ok()) {
                      id = d.db.transaction([&](db::Tx& tx) {
                        int64_t cid =
                            tx.execute("INSERT INTO children (municipality_id, household_id, "
                                       "family_name, given_name, family_name_kana, "
                                       "given_name_kana, birth_date, sex, created_at) VALUES "
                                       "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                       {p.municipality_id, *household, fam, giv, famk, givk, birth,
                                        sex, formatUtc(d.clock.now())})
                                .last_insert_id;
                        tx.execute("INSERT INTO enrolments (municipality_id, child_id, "
                                   "facility_id, class_id, starts_on, certified_hours) VALUES "
                                   "(?, ?, ?, ?, ?, ?)",
                                   {p.municipality_id, cid, x.facility_id, x.class_id, x.starts_on,
                                    x.certified_hours.empty() ? db::Value()
                                                              : db::Value(x.certified_hours)});
                        audit(d, tx, r, "child.created", "child", cid,
                              {{"facility_id", x.facility_id}});
                        return cid;
                      });
                    }
                  }
                  if (!f.ok()) {
                    auto conn = d.db.acquire();
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", childForm(d, r, *conn, "").from(f).toJson()}})}}},
                        "admin.children.new", 422);
                  }
                  return done(d, r, "/web/admin/children/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  ctx.addRoute({"GET", "/web/admin/children/{child_id}", perm::kView, [&d](Request& r) {
                  int64_t id = r.idParam("child_id");
                  auto conn = d.db.acquire();
                  tenancy::requireChild(*conn, r.user(), id, d.today());
                  auditRead(d, *conn, r, id, "web");
                  return childPage(d, r, id, *conn);
                }});

  // Admission to a facility or a transfer: the open enrolment ends the day before.
  ctx.addRoute({"POST", "/web/admin/children/{child_id}/enrolments", perm::kChildrenEdit,
                [&d](Request& r) {
                  int64_t id = r.idParam("child_id");
                  const Principal& p = r.user();
                  Form f(d, r);
                  {
                    auto conn = d.db.acquire();
                    tenancy::requireChild(*conn, p, id, d.today());
                    Placement x = readPlacement(d, f, *conn, p);
                    if (f.ok()) {
                      d.db.transaction([&](db::Tx& tx) {
                        auto open = tx.query(
                            "SELECT id, facility_id, starts_on FROM enrolments WHERE child_id = ? "
                            "AND ends_on IS NULL ORDER BY starts_on",
                            {id});
                        for (const auto& e : open) {
                          if (e.getText("starts_on") >= x.starts_on) {
                            f.fail("starts_on", "before_current");
                            return;
                          }
                        }
                        for (const auto& e : open) {
                          bool moving = e.getInt("facility_id") != x.facility_id;
                          tx.execute("UPDATE enrolments SET ends_on = ?, end_reason = ? WHERE id = ?",
                                     {dayBefore(x.starts_on),
                                      moving ? db::Value("transfer_out") : db::Value(),
                                      e.getInt("id")});
                        }
                        tx.execute("INSERT INTO enrolments (municipality_id, child_id, "
                                   "facility_id, class_id, starts_on, certified_hours) VALUES "
                                   "(?, ?, ?, ?, ?, ?)",
                                   {p.municipality_id, id, x.facility_id, x.class_id, x.starts_on,
                                    x.certified_hours.empty() ? db::Value()
                                                              : db::Value(x.certified_hours)});
                        audit(d, tx, r, "child.enrolled", "child", id,
                              {{"facility_id", x.facility_id}, {"starts_on", x.starts_on}});
                      });
                    }
                    if (!f.ok()) return childPage(d, r, id, *conn, f);
                  }
                  return done(d, r, "/web/admin/children/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  ctx.addRoute({"POST", "/web/admin/children/{child_id}/enrolments/end", perm::kChildrenEdit,
                [&d](Request& r) {
                  int64_t id = r.idParam("child_id");
                  const Principal& p = r.user();
                  Form f(d, r);
                  {
                    auto conn = d.db.acquire();
                    tenancy::requireChild(*conn, p, id, d.today());
                    std::string ends = f.date("ends_on");
                    std::string reason = f.choice("end_reason", kEndReasons);
                    if (f.ok()) {
                      d.db.transaction([&](db::Tx& tx) {
                        auto open = tx.query(
                            "SELECT id, starts_on FROM enrolments WHERE child_id = ? AND "
                            "ends_on IS NULL",
                            {id});
                        if (open.empty()) f.fail("ends_on", "not_enrolled");
                        for (const auto& e : open) {
                          if (ends < e.getText("starts_on")) f.fail("ends_on", "before_start");
                        }
                        if (!f.ok()) return;
                        tx.execute("UPDATE enrolments SET ends_on = ?, end_reason = ? WHERE "
                                   "child_id = ? AND ends_on IS NULL",
                                   {ends, reason, id});
                        audit(d, tx, r, "child.enrolment_ended", "child", id,
                              {{"ends_on", ends}, {"reason", reason}});
                      });
                    }
                    if (!f.ok()) return childPage(d, r, id, *conn, std::nullopt, f);
                  }
                  return done(d, r, "/web/admin/children/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  // The staff API read of one child (the app's guardians see their own children the same way).
  ctx.addRoute({"GET", "/api/v1/children/{child_id}", kAuthenticated, [&d](Request& r) {
                  int64_t id = r.idParam("child_id");
                  auto conn = d.db.acquire();
                  tenancy::requireChild(*conn, r.user(), id, d.today());
                  auditRead(d, *conn, r, id, "api");
                  return Response::json(childJson(*conn, id));
                }});
}

}  // namespace sukusuku::admin
