// Facilities (施設) and their classes (クラス・学級) by fiscal year.
#include "sukusuku/error.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

const std::vector<std::string> kKinds = {"nursery", "certified_centre", "kindergarten",
                                         "elementary", "junior_high"};

struct FacilityFields {
  std::string kind, code, name, name_kana, address, phone, opens_at, closes_at;
  std::optional<int64_t> capacity;
};

FacilityFields readFacility(Form& f) {
  FacilityFields x;
  x.kind = f.choice("kind", kKinds);
  x.code = f.text("code", true, 20);
  x.name = f.text("name");
  x.name_kana = f.text("name_kana");
  x.address = f.text("address", false);
  x.phone = f.text("phone", false, 30);
  x.capacity = f.integer("capacity", true, 0, 100000);
  x.opens_at = f.time("opens_at");
  x.closes_at = f.time("closes_at");
  if (!x.opens_at.empty() && !x.closes_at.empty() && x.closes_at <= x.opens_at) {
    f.fail("closes_at", "closes_before_opens");
  }
  return x;
}

FormView facilityForm(const Deps& d, const Request& r, const std::string& action,
                      const std::optional<db::Row>& row) {
  auto v = [&row](const char* col) {
    return row ? (*row)[col].isNull() ? std::string() : (*row)[col].toString() : std::string();
  };
  FormView form("facility", action, d.t(r, "admin.form.save"));
  form.select("kind", d.t(r, "admin.facilities.kind"), choices(d, r, "kinds", kKinds),
              row ? v("kind") : "nursery")
      .text("code", d.t(r, "admin.facilities.code"), v("code"))
      .text("name", d.t(r, "admin.facilities.name"), v("name"))
      .text("name_kana", d.t(r, "admin.facilities.name_kana"), v("name_kana"))
      .text("address", d.t(r, "admin.facilities.address"), v("address"))
      .text("phone", d.t(r, "admin.facilities.phone"), v("phone"), "tel")
      .text("capacity", d.t(r, "admin.facilities.capacity"), row ? v("capacity") : "60", "number")
      .text("opens_at", d.t(r, "admin.facilities.opens_at"), row ? v("opens_at") : "07:00", "time")
      .text("closes_at", d.t(r, "admin.facilities.closes_at"), row ? v("closes_at") : "19:00",
            "time");
  return form;
}

int64_t facilityParam(const Deps& d, const Request& r) {
  int64_t id = r.idParam("facility_id");
  auto conn = d.db.acquire();
  tenancy::requireFacility(*conn, r.user(), id);
  return id;
}

void facilityRoutes(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/facilities", perm::kView, [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  auto ids = tenancy::visibleFacilities(*conn, p, d.today());
                  db::Params params = {d.today(), d.today(), p.municipality_id};
                  std::string in = inList(ids, params);
                  json rows = json::array();
                  for (const auto& f : conn->query(
                           "SELECT f.id, f.code, f.name, f.kind, f.capacity, f.opens_at, "
                           "f.closes_at, (SELECT COUNT(*) FROM enrolments e WHERE e.facility_id = "
                           "f.id AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?)) "
                           "AS enrolled FROM facilities f WHERE f.municipality_id = ? AND f.id IN " +
                               in + " ORDER BY f.code",
                           params)) {
                    std::string href = "/web/admin/facilities/" + std::to_string(f.getInt("id"));
                    rows.push_back({{"cells",
                                     {cell(f.getText("code")), cell(f.getText("name"), href),
                                      cell(d.t(r, "admin.kinds." + f.getText("kind"))),
                                      cell(std::to_string(f.getInt("enrolled")) + " / " +
                                           std::to_string(f.getInt("capacity"))),
                                      cell(f.getText("opens_at") + "–" + f.getText("closes_at"))}}});
                  }
                  json actions = json::array();
                  if (p.has(perm::kFacilitiesEdit)) {
                    actions.push_back(
                        link(d.t(r, "admin.facilities.new"), "/web/admin/facilities/new"));
                  }
                  return renderPage(
                      d, r,
                      {{"actions", actions},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.facilities.code"),
                                                       d.t(r, "admin.facilities.name"),
                                                       d.t(r, "admin.facilities.kind"),
                                                       d.t(r, "admin.facilities.enrolled"),
                                                       d.t(r, "admin.facilities.hours")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.facilities.title");
                }});

  ctx.addRoute({"GET", "/web/admin/facilities/new", perm::kFacilitiesEdit, [&d](Request& r) {
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", facilityForm(d, r, "/web/admin/facilities",
                                                            std::nullopt)
                                                   .toJson()}})}}},
                      "admin.facilities.new");
                }});

  ctx.addRoute({"POST", "/web/admin/facilities", perm::kFacilitiesEdit, [&d](Request& r) {
                  const Principal& p = r.user();
                  Form f(d, r);
                  FacilityFields x = readFacility(f);
                  int64_t id = 0;
                  if (f.ok()) {
                    id = d.db.transaction([&](db::Tx& tx) -> int64_t {
                      if (tx.queryOne("SELECT id FROM facilities WHERE municipality_id = ? AND "
                                      "code = ?",
                                      {p.municipality_id, x.code})) {
                        f.fail("code", "duplicate");
                        return 0;
                      }
                      int64_t nid =
                          tx.execute(
                                "INSERT INTO facilities (municipality_id, kind, code, name, "
                                "name_kana, address, phone, capacity, opens_at, closes_at, "
                                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                {p.municipality_id, x.kind, x.code, x.name, x.name_kana,
                                 x.address, x.phone, *x.capacity, x.opens_at, x.closes_at,
                                 formatUtc(d.clock.now())})
                              .last_insert_id;
                      audit(d, tx, r, "facility.created", "facility", nid, {{"code", x.code}});
                      return nid;
                    });
                  }
                  if (!f.ok()) {
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", facilityForm(d, r, "/web/admin/facilities",
                                                              std::nullopt)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.facilities.new", 422);
                  }
                  return done(d, r, "/web/admin/facilities/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  ctx.addRoute({"GET", "/web/admin/facilities/{facility_id}", perm::kView, [&d](Request& r) {
                  int64_t id = facilityParam(d, r);
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  auto f = conn->queryOne("SELECT * FROM facilities WHERE id = ?", {id});
                  json classes = json::array();
                  for (const auto& c : conn->query(
                           "SELECT c.id, c.name, c.fiscal_year, c.room, (SELECT COUNT(*) FROM "
                           "enrolments e WHERE e.class_id = c.id AND e.starts_on <= ? AND "
                           "(e.ends_on IS NULL OR e.ends_on >= ?)) AS n FROM classes c WHERE "
                           "c.facility_id = ? AND c.fiscal_year = ? ORDER BY c.age_group, "
                           "c.grade, c.name",
                           {d.today(), d.today(), id, d.fiscalYearNow()})) {
                    classes.push_back(
                        {{"cells",
                          {cell(c.getText("name"), "/web/admin/children?class_id=" +
                                                       std::to_string(c.getInt("id"))),
                           cell(c.getText("room")), cell(std::to_string(c.getInt("n")))}}});
                  }
                  json links = json::array();
                  if (p.has(perm::kFacilitiesEdit)) {
                    links.push_back(link(d.t(r, "admin.form.edit"),
                                         "/web/admin/facilities/" + std::to_string(id) + "/edit"));
                  }
                  links.push_back(link(d.t(r, "admin.nav.classes"),
                                       "/web/admin/classes?facility_id=" + std::to_string(id)));
                  links.push_back(link(d.t(r, "admin.nav.children"),
                                       "/web/admin/children?facility_id=" + std::to_string(id)));
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"facts", facts({{d.t(r, "admin.facilities.code"),
                                                        f->getText("code")},
                                                       {d.t(r, "admin.facilities.kind"),
                                                        d.t(r, "admin.kinds." + f->getText("kind"))},
                                                       {d.t(r, "admin.facilities.name_kana"),
                                                        f->getText("name_kana")},
                                                       {d.t(r, "admin.facilities.address"),
                                                        f->getText("address")},
                                                       {d.t(r, "admin.facilities.phone"),
                                                        f->getText("phone")},
                                                       {d.t(r, "admin.facilities.capacity"),
                                                        std::to_string(f->getInt("capacity"))},
                                                       {d.t(r, "admin.facilities.hours"),
                                                        f->getText("opens_at") + "–" +
                                                            f->getText("closes_at")}})},
                                      {"links", {{"items", links}}}}),
                         section(d.t(r, "admin.classes.this_year"),
                                 {{"table", table({d.t(r, "admin.classes.name"),
                                                   d.t(r, "admin.classes.room"),
                                                   d.t(r, "admin.classes.children")},
                                                  classes, d.t(r, "admin.empty"))}})}}},
                      "admin.facilities.title", 200, f->getText("name"));
                }});

  ctx.addRoute({"GET", "/web/admin/facilities/{facility_id}/edit", perm::kFacilitiesEdit,
                [&d](Request& r) {
                  int64_t id = facilityParam(d, r);
                  auto conn = d.db.acquire();
                  auto row = conn->queryOne("SELECT * FROM facilities WHERE id = ?", {id});
                  std::string action = "/web/admin/facilities/" + std::to_string(id);
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", facilityForm(d, r, action, row).toJson()}})}}},
                      "admin.facilities.edit", 200, row->getText("name"));
                }});

  ctx.addRoute({"POST", "/web/admin/facilities/{facility_id}", perm::kFacilitiesEdit,
                [&d](Request& r) {
                  int64_t id = facilityParam(d, r);
                  const Principal& p = r.user();
                  Form f(d, r);
                  FacilityFields x = readFacility(f);
                  if (f.ok()) {
                    d.db.transaction([&](db::Tx& tx) {
                      if (tx.queryOne("SELECT id FROM facilities WHERE municipality_id = ? AND "
                                      "code = ? AND id <> ?",
                                      {p.municipality_id, x.code, id})) {
                        f.fail("code", "duplicate");
                        return;
                      }
                      tx.execute(
                          "UPDATE facilities SET kind = ?, code = ?, name = ?, name_kana = ?, "
                          "address = ?, phone = ?, capacity = ?, opens_at = ?, closes_at = ? "
                          "WHERE id = ? AND municipality_id = ?",
                          {x.kind, x.code, x.name, x.name_kana, x.address, x.phone, *x.capacity,
                           x.opens_at, x.closes_at, id, p.municipality_id});
                      audit(d, tx, r, "facility.updated", "facility", id);
                    });
                  }
                  if (!f.ok()) {
                    std::string action = "/web/admin/facilities/" + std::to_string(id);
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", facilityForm(d, r, action, std::nullopt)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.facilities.edit", 422);
                  }
                  return done(d, r, "/web/admin/facilities/" + std::to_string(id),
                              "admin.flash.saved");
                }});
}

// ---- classes ----------------------------------------------------------------------------------

struct ClassFields {
  int64_t facility_id = 0;
  std::optional<int64_t> fiscal_year, age_group, grade;
  std::string name, room;
};

FormView classForm(const Deps& d, const Request& r, db::Connection& conn, const std::string& action,
                   const std::optional<db::Row>& row, int64_t facility_id, bool editing) {
  auto v = [&row](const char* col) {
    return row ? (*row)[col].isNull() ? std::string() : (*row)[col].toString() : std::string();
  };
  FormView form("class", action, d.t(r, "admin.form.save"));
  if (!editing) {
    form.select("facility_id", d.t(r, "admin.classes.facility"),
                facilityOptions(d, conn, r.user()), std::to_string(facility_id))
        .text("fiscal_year", d.t(r, "admin.classes.fiscal_year"),
              std::to_string(d.fiscalYearNow()), "number");
  }
  form.text("name", d.t(r, "admin.classes.name"), v("name"))
      .text("age_group", d.t(r, "admin.classes.age_group"), v("age_group"), "number")
      .text("grade", d.t(r, "admin.classes.grade"), v("grade"), "number")
      .text("room", d.t(r, "admin.classes.room"), v("room"));
  return form;
}

ClassFields readClass(const Deps& d, Form& f, db::Connection& conn, const Principal& p,
                      bool editing) {
  ClassFields x;
  if (!editing) {
    auto fid = f.integer("facility_id", true, 1, INT64_MAX);
    if (fid && !tenancy::canSeeFacility(conn, p, *fid)) f.fail("facility_id", "choice");
    x.facility_id = fid.value_or(0);
    x.fiscal_year = f.integer("fiscal_year", true, 2000, 2100);
  }
  x.name = f.text("name", true, 50);
  x.age_group = f.integer("age_group", false, 0, 5);
  x.grade = f.integer("grade", false, 1, 9);
  x.room = f.text("room", false, 50);
  if (x.age_group && x.grade) f.fail("grade", "age_or_grade");
  (void)d;
  return x;
}

void classRoutes(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/classes", perm::kView, [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  auto ids = tenancy::visibleFacilities(*conn, p, d.today());
                  std::string fq = r.queryParam("facility_id").value_or("");
                  std::string yq =
                      r.queryParam("fiscal_year").value_or(std::to_string(d.fiscalYearNow()));
                  int64_t year = d.fiscalYearNow();
                  try {
                    year = std::stoll(yq);
                  } catch (...) {
                  }
                  db::Params params = {d.today(), d.today(), p.municipality_id, year};
                  std::string sql =
                      "SELECT c.id, c.name, c.fiscal_year, c.room, c.age_group, c.grade, "
                      "c.facility_id, f.name AS facility, (SELECT COUNT(*) FROM enrolments e "
                      "WHERE e.class_id = c.id AND e.starts_on <= ? AND (e.ends_on IS NULL OR "
                      "e.ends_on >= ?)) AS n FROM classes c JOIN facilities f ON f.id = "
                      "c.facility_id WHERE c.municipality_id = ? AND c.fiscal_year = ? AND "
                      "c.facility_id IN " +
                      inList(ids, params);
                  if (!fq.empty()) {
                    tenancy::requireFacility(*conn, p, std::atoll(fq.c_str()));
                    sql += " AND c.facility_id = ?";
                    params.emplace_back(std::atoll(fq.c_str()));
                  }
                  sql += " ORDER BY f.code, c.age_group, c.grade, c.name";
                  json rows = json::array();
                  bool can_edit = p.has(perm::kClassesEdit);
                  for (const auto& c : conn->query(sql, params)) {
                    std::string age = c.isNull("age_group")
                                          ? (c.isNull("grade") ? "" : d.t(r, "admin.classes.grade_n", {{"n", c["grade"].toString()}}))
                                          : d.t(r, "admin.classes.age_n", {{"n", c["age_group"].toString()}});
                    std::string id = std::to_string(c.getInt("id"));
                    rows.push_back(
                        {{"cells",
                          {cell(c.getText("facility")),
                           cell(c.getText("name"), "/web/admin/children?class_id=" + id),
                           cell(age), cell(c.getText("room")), cell(std::to_string(c.getInt("n"))),
                           can_edit ? cell(d.t(r, "admin.form.edit"),
                                           "/web/admin/classes/" + id + "/edit")
                                    : cell("")}}});
                  }
                  FormView filters("class-filters", "/web/admin/classes",
                                   d.t(r, "admin.form.show"));
                  filters.get()
                      .select("facility_id", d.t(r, "admin.classes.facility"),
                              facilityOptions(d, *conn, p, true, d.t(r, "admin.all")), fq)
                      .text("fiscal_year", d.t(r, "admin.classes.fiscal_year"),
                            std::to_string(year), "number");
                  json actions = json::array();
                  if (can_edit) {
                    actions.push_back(link(d.t(r, "admin.classes.new"),
                                           "/web/admin/classes/new" +
                                               (fq.empty() ? "" : "?facility_id=" + fq)));
                  }
                  return renderPage(
                      d, r,
                      {{"actions", actions},
                       {"filters", filters.toJson()},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.classes.facility"),
                                                       d.t(r, "admin.classes.name"),
                                                       d.t(r, "admin.classes.age_group"),
                                                       d.t(r, "admin.classes.room"),
                                                       d.t(r, "admin.classes.children"), ""},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.classes.title");
                }});

  ctx.addRoute({"GET", "/web/admin/classes/new", perm::kClassesEdit, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  int64_t fid = std::atoll(r.queryParam("facility_id").value_or("0").c_str());
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", classForm(d, r, *conn, "/web/admin/classes",
                                                         std::nullopt, fid, false)
                                                   .toJson()}})}}},
                      "admin.classes.new");
                }});

  ctx.addRoute({"POST", "/web/admin/classes", perm::kClassesEdit, [&d](Request& r) {
                  const Principal& p = r.user();
                  Form f(d, r);
                  ClassFields x;
                  {
                    auto conn = d.db.acquire();
                    x = readClass(d, f, *conn, p, false);
                  }
                  if (f.ok()) {
                    d.db.transaction([&](db::Tx& tx) -> int64_t {
                      if (tx.queryOne("SELECT id FROM classes WHERE facility_id = ? AND "
                                      "fiscal_year = ? AND name = ?",
                                      {x.facility_id, *x.fiscal_year, x.name})) {
                        f.fail("name", "duplicate");
                        return 0;
                      }
                      int64_t nid = tx.execute("INSERT INTO classes (municipality_id, facility_id, "
                                               "fiscal_year, name, age_group, grade, room) VALUES "
                                               "(?, ?, ?, ?, ?, ?, ?)",
                                               {p.municipality_id, x.facility_id, *x.fiscal_year,
                                                x.name, x.age_group, x.grade, x.room})
                                        .last_insert_id;
                      audit(d, tx, r, "class.created", "class", nid,
                            {{"facility_id", x.facility_id}, {"name", x.name}});
                      return nid;
                    });
                  }
                  if (!f.ok()) {
                    auto conn = d.db.acquire();
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", classForm(d, r, *conn, "/web/admin/classes",
                                                           std::nullopt, 0, false)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.classes.new", 422);
                  }
                  return done(d, r,
                              "/web/admin/classes?facility_id=" + std::to_string(x.facility_id) +
                                  "&fiscal_year=" + std::to_string(*x.fiscal_year),
                              "admin.flash.class_created", {{"name", x.name}});
                }});

  auto loadClass = [&d](const Request& r) {
    int64_t id = r.idParam("class_id");
    auto conn = d.db.acquire();
    auto row = conn->queryOne("SELECT * FROM classes WHERE id = ?", {id});
    if (!row || !tenancy::canSeeFacility(*conn, r.user(), row->getInt("facility_id"))) {
      throw Error::notFound("admin.class_not_found", "no such class");
    }
    return *row;
  };

  ctx.addRoute({"GET", "/web/admin/classes/{class_id}/edit", perm::kClassesEdit,
                [&d, loadClass](Request& r) {
                  db::Row row = loadClass(r);
                  auto conn = d.db.acquire();
                  std::string action = "/web/admin/classes/" + std::to_string(row.getInt("id"));
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", classForm(d, r, *conn, action, row, 0, true)
                                                   .toJson()}})}}},
                      "admin.classes.edit", 200, row.getText("name"));
                }});

  ctx.addRoute({"POST", "/web/admin/classes/{class_id}", perm::kClassesEdit,
                [&d, loadClass](Request& r) {
                  db::Row row = loadClass(r);
                  int64_t id = row.getInt("id");
                  Form f(d, r);
                  ClassFields x;
                  {
                    auto conn = d.db.acquire();
                    x = readClass(d, f, *conn, r.user(), true);
                  }
                  if (f.ok()) {
                    d.db.transaction([&](db::Tx& tx) {
                      if (tx.queryOne("SELECT id FROM classes WHERE facility_id = ? AND "
                                      "fiscal_year = ? AND name = ? AND id <> ?",
                                      {row.getInt("facility_id"), row.getInt("fiscal_year"),
                                       x.name, id})) {
                        f.fail("name", "duplicate");
                        return;
                      }
                      tx.execute("UPDATE classes SET name = ?, age_group = ?, grade = ?, room = ? "
                                 "WHERE id = ?",
                                 {x.name, x.age_group, x.grade, x.room, id});
                      audit(d, tx, r, "class.updated", "class", id);
                    });
                  }
                  if (!f.ok()) {
                    auto conn = d.db.acquire();
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", classForm(d, r, *conn,
                                                           "/web/admin/classes/" +
                                                               std::to_string(id),
                                                           row, 0, true)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.classes.edit", 422);
                  }
                  return done(d, r,
                              "/web/admin/classes?facility_id=" +
                                  std::to_string(row.getInt("facility_id")),
                              "admin.flash.saved");
                }});
}

}  // namespace

void addFacilityPages(PluginContext& ctx, Deps& deps) {
  facilityRoutes(ctx, deps);
  classRoutes(ctx, deps);
}

}  // namespace sukusuku::admin
