// Staff (職員): facility assignments, qualifications (保育士, 看護師, 調理員 …), contracts, and the
// sign-in roles of their logins. Assignments and roles decide what a login may see, so every
// change to them is audited as a permission change ("staff.assignment_*", "role.*").
#include "sukusuku/error.h"
#include "sukusuku/permissions.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

const std::vector<std::string> kQualifications = {"hoikushi", "kangoshi", "chorishi",
                                                  "eiyoushi", "kyouin",   "other"};
const std::vector<std::string> kContractKinds = {"full_time", "part_time"};

std::string name(const db::Row& r) {
  return r.getText("family_name") + " " + r.getText("given_name");
}

// Staff a principal may see: city roles all of their municipality, facility roles those assigned
// (today) to one of their facilities.
bool canSeeStaff(const Deps& d, db::Connection& conn, const Principal& p, int64_t staff_id) {
  auto row = conn.queryOne("SELECT municipality_id FROM staff WHERE id = ?", {staff_id});
  if (!row || row->getInt("municipality_id") != p.municipality_id) return false;
  if (tenancy::isCityRole(p.role)) return true;
  if (!tenancy::isFacilityRole(p.role)) return false;
  db::Params params = {staff_id, d.today(), d.today()};
  std::string in = inList(p.facility_ids, params);
  return !conn.query("SELECT 1 FROM staff_assignments WHERE staff_id = ? AND starts_on <= ? AND "
                     "(ends_on IS NULL OR ends_on >= ?) AND facility_id IN " + in,
                     params)
              .empty();
}

int64_t staffParam(const Deps& d, const Request& r, db::Connection& conn) {
  int64_t id = r.idParam("staff_id");
  if (!canSeeStaff(d, conn, r.user(), id)) {
    throw Error::notFound("admin.staff_not_found", "no such staff member");
  }
  return id;
}

struct Failed {
  std::string form_id;
  Form form;
};

FormView assignmentForm(const Deps& d, const Request& r, db::Connection& conn,
                        const std::string& sid) {
  FormView f("assignment", "/web/admin/staff/" + sid + "/assignments",
             d.t(r, "admin.staff.add_assignment"));
  f.select("facility_id", d.t(r, "admin.staff.facility"), facilityOptions(d, conn, r.user()), "")
      .text("starts_on", d.t(r, "admin.children.starts_on"), d.today(), "date")
      .text("ends_on", d.t(r, "admin.children.ends_on"), "", "date");
  return f;
}

FormView qualificationForm(const Deps& d, const Request& r, const std::string& sid) {
  FormView f("qualification", "/web/admin/staff/" + sid + "/qualifications",
             d.t(r, "admin.staff.add_qualification"));
  f.select("qualification", d.t(r, "admin.staff.qualification"),
           choices(d, r, "qualifications", kQualifications), "hoikushi");
  return f;
}

FormView contractForm(const Deps& d, const Request& r, const std::string& sid) {
  FormView f("contract", "/web/admin/staff/" + sid + "/contracts",
             d.t(r, "admin.staff.add_contract"));
  f.select("kind", d.t(r, "admin.staff.contract_kind"), choices(d, r, "contracts", kContractKinds),
           "full_time")
      .text("minutes_per_week", d.t(r, "admin.staff.minutes_per_week"), "2400", "number")
      .text("days_per_week", d.t(r, "admin.staff.days_per_week"), "5", "number")
      .text("starts_on", d.t(r, "admin.children.starts_on"), d.today(), "date")
      .text("ends_on", d.t(r, "admin.children.ends_on"), "", "date");
  return f;
}

const std::vector<std::string> kGrantable = {roles::kFacilityStaff, roles::kFacilityAdmin,
                                             roles::kCityChildcare, roles::kCityFinance,
                                             roles::kMunicipalityAdmin};

FormView grantForm(const Deps& d, const Request& r, db::Connection& conn, const std::string& sid) {
  FormView f("grant", "/web/admin/staff/" + sid + "/roles", d.t(r, "admin.staff.grant"));
  std::vector<std::pair<std::string, std::string>> roles_opts;
  for (const auto& role : kGrantable) roles_opts.emplace_back(role, d.t(r, "roles." + role));
  auto facilities = facilityOptions(d, conn, r.user(), true, "—");
  f.select("role", d.t(r, "admin.staff.role"), roles_opts, roles::kFacilityStaff)
      .select("facility_id", d.t(r, "admin.staff.facility"), facilities, "")
      .note(d.t(r, "admin.staff.grant_note"));
  return f;
}

Response staffPage(const Deps& d, Request& r, int64_t id, db::Connection& conn,
                   std::optional<Failed> failed = std::nullopt) {
  const Principal& p = r.user();
  auto s = conn.queryOne("SELECT * FROM staff WHERE id = ?", {id});
  std::string sid = std::to_string(id);
  bool edit = p.has(perm::kStaffEdit);
  auto formFor = [&](FormView view) {
    if (failed && failed->form_id == view.toJson()["form_id"]) view.from(failed->form);
    return view.toJson();
  };
  json sections = json::array();
  std::optional<db::Row> user;
  if (!s->isNull("user_id")) {
    user = conn.queryOne("SELECT login, status FROM users WHERE id = ?", {s->getInt("user_id")});
  }
  sections.push_back(section(
      "", {{"facts", facts({{d.t(r, "admin.staff.employee_code"), s->getText("employee_code")},
                            {d.t(r, "admin.people.kana"), s->getText("family_name_kana") + " " +
                                                              s->getText("given_name_kana")},
                            {d.t(r, "admin.staff.login"),
                             user ? user->getText("login") : d.t(r, "admin.staff.no_login")}})}}));

  json assignments = json::array();
  for (const auto& a : conn.query(
           "SELECT a.starts_on, a.ends_on, f.name FROM staff_assignments a JOIN facilities f ON "
           "f.id = a.facility_id WHERE a.staff_id = ? ORDER BY a.starts_on, a.id",
           {id})) {
    assignments.push_back({{"cells",
                            {cell(a.getText("name")), cell(a.getText("starts_on")),
                             cell(a.getOptText("ends_on").value_or("—"))}}});
  }
  json asec = {{"table", table({d.t(r, "admin.staff.facility"), d.t(r, "admin.children.starts_on"),
                                d.t(r, "admin.children.ends_on")},
                               assignments, d.t(r, "admin.empty"))}};
  if (edit) asec["form"] = formFor(assignmentForm(d, r, conn, sid));
  sections.push_back(section(d.t(r, "admin.staff.assignments"), asec));

  json quals = json::array();
  for (const auto& q : conn.query(
           "SELECT qualification FROM staff_qualifications WHERE staff_id = ? ORDER BY id", {id})) {
    quals.push_back(
        {{"cells", {cell(d.t(r, "admin.qualifications." + q.getText("qualification")))}}});
  }
  json qsec = {{"table", table({d.t(r, "admin.staff.qualification")}, quals, d.t(r, "admin.empty"))}};
  if (edit) qsec["form"] = formFor(qualificationForm(d, r, sid));
  sections.push_back(section(d.t(r, "admin.staff.qualifications"), qsec));

  json contracts = json::array();
  for (const auto& c : conn.query("SELECT * FROM staff_contracts WHERE staff_id = ? ORDER BY "
                                  "starts_on, id",
                                  {id})) {
    contracts.push_back({{"cells",
                          {cell(d.t(r, "admin.contracts." + c.getText("kind"))),
                           cell(std::to_string(c.getInt("minutes_per_week"))),
                           cell(std::to_string(c.getInt("days_per_week"))),
                           cell(c.getText("starts_on")), cell(c.getOptText("ends_on").value_or("—"))}}});
  }
  json csec = {{"table", table({d.t(r, "admin.staff.contract_kind"),
                                d.t(r, "admin.staff.minutes_per_week"),
                                d.t(r, "admin.staff.days_per_week"),
                                d.t(r, "admin.children.starts_on"),
                                d.t(r, "admin.children.ends_on")},
                               contracts, d.t(r, "admin.empty"))}};
  if (edit) csec["form"] = formFor(contractForm(d, r, sid));
  sections.push_back(section(d.t(r, "admin.staff.contracts"), csec));

  if (user && p.has(perm::kRolesManage)) {
    json roles_rows = json::array();
    std::vector<std::pair<std::string, std::string>> revocable;
    for (const auto& ur : conn.query(
             "SELECT ur.id, ur.role, ur.granted_at, f.name AS facility FROM user_roles ur LEFT "
             "JOIN facilities f ON f.id = ur.facility_id WHERE ur.user_id = ? ORDER BY ur.id",
             {s->getInt("user_id")})) {
      std::string label = d.t(r, "roles." + ur.getText("role")) +
                          (ur.isNull("facility") ? "" : " (" + ur.getText("facility") + ")");
      roles_rows.push_back(
          {{"cells", {cell(label), cell(ur.getText("granted_at"))}}});
      revocable.emplace_back(std::to_string(ur.getInt("id")), label);
    }
    sections.push_back(section(
        d.t(r, "admin.staff.roles"),
        {{"table", table({d.t(r, "admin.staff.role"), d.t(r, "admin.staff.granted_at")},
                         roles_rows, d.t(r, "admin.empty"))},
         {"form", formFor(grantForm(d, r, conn, sid))}}));
    if (!revocable.empty()) {
      FormView revoke("revoke", "/web/admin/staff/" + sid + "/roles/revoke",
                      d.t(r, "admin.staff.revoke"));
      revoke.select("role_id", d.t(r, "admin.staff.role"), revocable, "");
      sections.push_back(section("", {{"form", formFor(revoke)}}));
    }
  }
  return renderPage(d, r, {{"sections", sections}}, "admin.staff.record", failed ? 422 : 200,
                    name(*s));
}

Handler staffWrite(Deps& d, const std::string& form_id, const std::string& action,
                   std::function<void(Form&, db::Connection&, int64_t, const Request&)> validate,
                   std::function<json(db::Tx&, Form&, int64_t, const Request&)> write) {
  return [&d, form_id, action, validate, write](Request& r) {
    auto conn = d.db.acquire();
    int64_t id = staffParam(d, r, *conn);
    Form f(d, r);
    validate(f, *conn, id, r);
    if (f.ok()) {
      d.db.transaction([&](db::Tx& tx) {
        json details = write(tx, f, id, r);
        if (f.ok()) audit(d, tx, r, action, "staff", id, details);
      });
    }
    if (!f.ok()) return staffPage(d, r, id, *conn, Failed{form_id, f});
    return done(d, r, "/web/admin/staff/" + std::to_string(id), "admin.flash.saved");
  };
}

FormView newStaffForm(const Deps& d, const Request& r, db::Connection& conn) {
  FormView f("staff", "/web/admin/staff", d.t(r, "admin.form.save"));
  f.text("employee_code", d.t(r, "admin.staff.employee_code"), "")
      .text("family_name", d.t(r, "admin.people.family_name"), "")
      .text("given_name", d.t(r, "admin.people.given_name"), "")
      .text("family_name_kana", d.t(r, "admin.people.family_name_kana"), "")
      .text("given_name_kana", d.t(r, "admin.people.given_name_kana"), "")
      .select("facility_id", d.t(r, "admin.staff.facility"), facilityOptions(d, conn, r.user()), "")
      .text("starts_on", d.t(r, "admin.children.starts_on"), d.today(), "date")
      .select("qualification", d.t(r, "admin.staff.qualification"),
              choices(d, r, "qualifications", kQualifications), "hoikushi");
  return f;
}

}  // namespace

void addStaffPages(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/staff", perm::kStaffView, [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  db::Params params = {d.today(), d.today(), p.municipality_id};
                  std::string sql =
                      "SELECT s.id, s.employee_code, s.family_name, s.given_name, f.name AS "
                      "facility FROM staff s LEFT JOIN staff_assignments a ON a.staff_id = s.id "
                      "AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?) LEFT JOIN "
                      "facilities f ON f.id = a.facility_id WHERE s.municipality_id = ?";
                  if (!tenancy::isCityRole(p.role)) {
                    sql += " AND a.facility_id IN " + inList(p.facility_ids, params);
                  }
                  if (auto fq = r.queryParam("facility_id"); fq && !fq->empty()) {
                    tenancy::requireFacility(*conn, p, std::atoll(fq->c_str()));
                    sql += " AND a.facility_id = ?";
                    params.emplace_back(std::atoll(fq->c_str()));
                  }
                  sql += " ORDER BY f.code, s.employee_code LIMIT 1000";
                  json rows = json::array();
                  for (const auto& s : conn->query(sql, params)) {
                    std::string quals;
                    for (const auto& q : conn->query(
                             "SELECT qualification FROM staff_qualifications WHERE staff_id = ?",
                             {s.getInt("id")})) {
                      quals += (quals.empty() ? "" : "・") +
                               d.t(r, "admin.qualifications." + q.getText("qualification"));
                    }
                    rows.push_back(
                        {{"cells",
                          {cell(s.getText("employee_code")),
                           cell(name(s), "/web/admin/staff/" + std::to_string(s.getInt("id"))),
                           cell(s.getOptText("facility").value_or("—")), cell(quals)}}});
                  }
                  FormView filters("staff-filters", "/web/admin/staff", d.t(r, "admin.form.show"));
                  filters.get().select("facility_id", d.t(r, "admin.staff.facility"),
                                       facilityOptions(d, *conn, p, true, d.t(r, "admin.all")),
                                       r.queryParam("facility_id").value_or(""));
                  json actions = json::array();
                  if (p.has(perm::kStaffEdit)) {
                    actions.push_back(link(d.t(r, "admin.staff.new"), "/web/admin/staff/new"));
                  }
                  return renderPage(
                      d, r,
                      {{"actions", actions},
                       {"filters", filters.toJson()},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.staff.employee_code"),
                                                       d.t(r, "admin.people.name"),
                                                       d.t(r, "admin.staff.facility"),
                                                       d.t(r, "admin.staff.qualifications")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.staff.title");
                }});

  ctx.addRoute({"GET", "/web/admin/staff/new", perm::kStaffEdit, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", newStaffForm(d, r, *conn).toJson()}})}}},
                      "admin.staff.new");
                }});

  ctx.addRoute({"POST", "/web/admin/staff", perm::kStaffEdit, [&d](Request& r) {
                  const Principal& p = r.user();
                  Form f(d, r);
                  int64_t id = 0;
                  auto conn = d.db.acquire();
                  std::string code = f.text("employee_code", true, 30);
                  std::string fam = f.text("family_name"), giv = f.text("given_name");
                  std::string famk = f.text("family_name_kana"), givk = f.text("given_name_kana");
                  auto fid = f.integer("facility_id", true, 1, INT64_MAX);
                  if (fid && !tenancy::canSeeFacility(*conn, p, *fid)) f.fail("facility_id", "choice");
                  std::string starts = f.date("starts_on");
                  std::string qual = f.choice("qualification", kQualifications);
                  if (f.ok()) {
                    id = d.db.transaction([&](db::Tx& tx) -> int64_t {
                      if (tx.queryOne("SELECT id FROM staff WHERE municipality_id = ? AND "
                                      "employee_code = ?",
                                      {p.municipality_id, code})) {
                        f.fail("employee_code", "duplicate");
                        return 0;
                      }
                      int64_t sid =
                          tx.execute("INSERT INTO staff (municipality_id, employee_code, "
                                     "family_name, given_name, family_name_kana, given_name_kana, "
                                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     {p.municipality_id, code, fam, giv, famk, givk,
                                      formatUtc(d.clock.now())})
                              .last_insert_id;
                      tx.execute("INSERT INTO staff_assignments (municipality_id, staff_id, "
                                 "facility_id, starts_on) VALUES (?, ?, ?, ?)",
                                 {p.municipality_id, sid, *fid, starts});
                      tx.execute("INSERT INTO staff_qualifications (municipality_id, staff_id, "
                                 "qualification) VALUES (?, ?, ?)",
                                 {p.municipality_id, sid, qual});
                      audit(d, tx, r, "staff.created", "staff", sid, {{"facility_id", *fid}});
                      return sid;
                    });
                  }
                  if (!f.ok()) {
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", newStaffForm(d, r, *conn).from(f).toJson()}})}}},
                        "admin.staff.new", 422);
                  }
                  return done(d, r, "/web/admin/staff/" + std::to_string(id), "admin.flash.saved");
                }});

  ctx.addRoute({"GET", "/web/admin/staff/{staff_id}", perm::kStaffView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  int64_t id = staffParam(d, r, *conn);
                  return staffPage(d, r, id, *conn);
                }});

  ctx.addRoute(
      {"POST", "/web/admin/staff/{staff_id}/assignments", perm::kStaffEdit,
       staffWrite(
           d, "assignment", "staff.assignment_added",
           [&d](Form& f, db::Connection& conn, int64_t, const Request& r) {
             auto fid = f.integer("facility_id", true, 1, INT64_MAX);
             if (fid && !tenancy::canSeeFacility(conn, r.user(), *fid)) {
               f.fail("facility_id", "choice");
             }
             std::string starts = f.date("starts_on");
             std::string ends = f.date("ends_on", false);
             if (!ends.empty() && !starts.empty() && ends < starts) f.fail("ends_on", "before_start");
             (void)d;
           },
           [](db::Tx& tx, Form& f, int64_t id, const Request& r) -> json {
             std::string ends = f.raw("ends_on");
             int64_t fid = std::stoll(f.raw("facility_id"));
             tx.execute("INSERT INTO staff_assignments (municipality_id, staff_id, facility_id, "
                        "starts_on, ends_on) VALUES (?, ?, ?, ?, ?)",
                        {r.user().municipality_id, id, fid, f.raw("starts_on"),
                         ends.empty() ? db::Value() : db::Value(ends)});
             return {{"facility_id", fid}, {"starts_on", f.raw("starts_on")}};
           })});

  ctx.addRoute(
      {"POST", "/web/admin/staff/{staff_id}/qualifications", perm::kStaffEdit,
       staffWrite(
           d, "qualification", "staff.qualification_added",
           [](Form& f, db::Connection& conn, int64_t id, const Request&) {
             std::string q = f.choice("qualification", kQualifications);
             if (!q.empty() && conn.queryOne("SELECT id FROM staff_qualifications WHERE "
                                             "staff_id = ? AND qualification = ?",
                                             {id, q})) {
               f.fail("qualification", "duplicate");
             }
           },
           [](db::Tx& tx, Form& f, int64_t id, const Request& r) -> json {
             tx.execute("INSERT INTO staff_qualifications (municipality_id, staff_id, "
                        "qualification) VALUES (?, ?, ?)",
                        {r.user().municipality_id, id, f.raw("qualification")});
             return {{"qualification", f.raw("qualification")}};
           })});

  ctx.addRoute(
      {"POST", "/web/admin/staff/{staff_id}/contracts", perm::kStaffEdit,
       staffWrite(
           d, "contract", "staff.contract_added",
           [](Form& f, db::Connection&, int64_t, const Request&) {
             f.choice("kind", kContractKinds);
             f.integer("minutes_per_week", true, 60, 60 * 60);
             f.integer("days_per_week", true, 1, 7);
             std::string starts = f.date("starts_on");
             std::string ends = f.date("ends_on", false);
             if (!ends.empty() && !starts.empty() && ends < starts) f.fail("ends_on", "before_start");
           },
           [](db::Tx& tx, Form& f, int64_t id, const Request& r) -> json {
             std::string ends = f.raw("ends_on");
             tx.execute("INSERT INTO staff_contracts (municipality_id, staff_id, kind, "
                        "minutes_per_week, days_per_week, starts_on, ends_on) VALUES (?, ?, ?, "
                        "?, ?, ?, ?)",
                        {r.user().municipality_id, id, f.raw("kind"),
                         std::stoll(f.raw("minutes_per_week")), std::stoll(f.raw("days_per_week")),
                         f.raw("starts_on"), ends.empty() ? db::Value() : db::Value(ends)});
             return {{"kind", f.raw("kind")}};
           })});

  // Roles: who may sign in as what. Only the municipality administrator grants and revokes.
  ctx.addRoute(
      {"POST", "/web/admin/staff/{staff_id}/roles", perm::kRolesManage,
       staffWrite(
           d, "grant", "role.granted",
           [](Form& f, db::Connection& conn, int64_t id, const Request& r) {
             std::string role = f.choice("role", kGrantable);
             auto fid = f.integer("facility_id", false, 1, INT64_MAX);
             if (tenancy::isFacilityRole(role) && !fid) f.fail("facility_id", "facility_needed");
             if (fid && !tenancy::canSeeFacility(conn, r.user(), *fid)) {
               f.fail("facility_id", "choice");
             }
             auto s = conn.queryOne("SELECT user_id FROM staff WHERE id = ?", {id});
             if (!s || s->isNull("user_id")) f.fail("role", "no_login");
           },
           [&d](db::Tx& tx, Form& f, int64_t id, const Request& r) -> json {
             int64_t user = tx.queryOne("SELECT user_id FROM staff WHERE id = ?", {id})
                                ->getInt("user_id");
             std::string role = f.raw("role");
             int64_t fid = tenancy::isFacilityRole(role) ? std::stoll(f.raw("facility_id")) : 0;
             if (tx.queryOne("SELECT id FROM user_roles WHERE user_id = ? AND role = ? AND "
                             "facility_id = ?",
                             {user, role, fid})) {
               f.fail("role", "duplicate");
               return {};
             }
             tx.execute("INSERT INTO user_roles (municipality_id, user_id, role, facility_id, "
                        "granted_at, granted_by_user_id) VALUES (?, ?, ?, ?, ?, ?)",
                        {r.user().municipality_id, user, role, fid,
                         formatUtc(d.clock.now()), r.user().user_id});
             return {{"user_id", user}, {"role", role}, {"facility_id", fid}};
           })});

  ctx.addRoute(
      {"POST", "/web/admin/staff/{staff_id}/roles/revoke", perm::kRolesManage,
       staffWrite(
           d, "revoke", "role.revoked",
           [](Form& f, db::Connection& conn, int64_t id, const Request&) {
             auto rid = f.integer("role_id", true, 1, INT64_MAX);
             if (rid && !conn.queryOne("SELECT ur.id FROM user_roles ur JOIN staff s ON "
                                       "s.user_id = ur.user_id WHERE ur.id = ? AND s.id = ?",
                                       {*rid, id})) {
               f.fail("role_id", "choice");
             }
           },
           [](db::Tx& tx, Form& f, int64_t, const Request&) -> json {
             int64_t rid = std::stoll(f.raw("role_id"));
             auto row = tx.queryOne("SELECT user_id, role, facility_id FROM user_roles WHERE id = ?",
                                    {rid});
             tx.execute("DELETE FROM user_roles WHERE id = ?", {rid});
             return {{"user_id", row->getInt("user_id")},
                     {"role", row->getText("role")},
                     {"facility_id", row->getInt("facility_id")}};
           })});
}

}  // namespace sukusuku::admin
