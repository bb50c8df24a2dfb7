// Households (世帯): guardians (relationship, primary payer, who may pick up), other pick-up
// persons, consents with their history (append-only), the attributes plugins use later
// (single parent, resident-tax exemption, income with year, 就学援助 by month).
#include "sukusuku/error.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

const std::vector<std::string> kRelationships = {"mother", "father", "grandmother", "grandfather",
                                                 "other"};
const std::vector<std::string> kConsents = {"photo_sales", "data_sharing"};
const std::vector<std::string> kAidKinds = {"yo_hogo", "jun_yo_hogo"};
const std::vector<std::string> kTriState = {"", "yes", "no"};

std::string name(const db::Row& r) {
  return r.getText("family_name") + " " + r.getText("given_name");
}

// The form that failed, by id, to show again with its errors.
struct Failed {
  std::string form_id;
  Form form;
};

FormView guardianForm(const Deps& d, const Request& r, const std::string& hid) {
  FormView f("guardian", "/web/admin/households/" + hid + "/guardians",
             d.t(r, "admin.households.add_guardian"));
  f.text("family_name", d.t(r, "admin.people.family_name"), "")
      .text("given_name", d.t(r, "admin.people.given_name"), "")
      .text("family_name_kana", d.t(r, "admin.people.family_name_kana"), "")
      .text("given_name_kana", d.t(r, "admin.people.given_name_kana"), "")
      .select("relationship", d.t(r, "admin.guardians.relationship"),
              choices(d, r, "relationships", kRelationships), "mother")
      .text("phone", d.t(r, "admin.people.phone"), "", "tel")
      .text("email", d.t(r, "admin.people.email"), "", "email")
      .checkbox("primary_payer", d.t(r, "admin.guardians.primary_payer"), false)
      .checkbox("may_pick_up", d.t(r, "admin.guardians.may_pick_up"), true);
  return f;
}

FormView pickupForm(const Deps& d, const Request& r, const std::string& hid) {
  FormView f("pickup", "/web/admin/households/" + hid + "/pickups",
             d.t(r, "admin.households.add_pickup"));
  f.text("name", d.t(r, "admin.people.name"), "")
      .text("relationship", d.t(r, "admin.guardians.relationship"), "")
      .text("phone", d.t(r, "admin.people.phone"), "", "tel");
  return f;
}

FormView consentForm(const Deps& d, const Request& r, const std::string& hid) {
  FormView f("consent", "/web/admin/households/" + hid + "/consents",
             d.t(r, "admin.households.record_consent"));
  f.select("kind", d.t(r, "admin.consents.kind"), choices(d, r, "consents", kConsents),
           "photo_sales")
      .checkbox("granted", d.t(r, "admin.consents.granted"), true);
  return f;
}

FormView aidForm(const Deps& d, const Request& r, const std::string& hid) {
  FormView f("aid", "/web/admin/households/" + hid + "/school-aid",
             d.t(r, "admin.households.add_aid"));
  f.select("kind", d.t(r, "admin.aid.kind"), choices(d, r, "aid", kAidKinds), "jun_yo_hogo")
      .text("from_month", d.t(r, "admin.aid.from_month"), "", "month")
      .text("to_month", d.t(r, "admin.aid.to_month"), "", "month");
  return f;
}

FormView attributesForm(const Deps& d, const Request& r, const std::string& action,
                        const std::optional<db::Row>& h) {
  auto v = [&h](const char* col) {
    return h ? (*h)[col].isNull() ? std::string() : (*h)[col].toString() : std::string();
  };
  std::string exempt = !h || h->isNull("resident_tax_exempt")
                           ? ""
                           : (h->getBool("resident_tax_exempt") ? "yes" : "no");
  FormView f("household", action, d.t(r, "admin.form.save"));
  f.text("name", d.t(r, "admin.households.name"), v("name"))
      .text("postal_code", d.t(r, "admin.households.postal_code"), v("postal_code"))
      .text("address", d.t(r, "admin.households.address"), v("address"))
      .text("phone", d.t(r, "admin.people.phone"), v("phone"), "tel")
      .text("external_id", d.t(r, "admin.households.external_id"), v("external_id"))
      .checkbox("single_parent", d.t(r, "admin.households.single_parent"),
                h && h->getBool("single_parent"))
      .select("resident_tax_exempt", d.t(r, "admin.households.resident_tax_exempt"),
              choices(d, r, "tristate", kTriState), exempt)
      .text("income_yen", d.t(r, "admin.households.income_yen"), v("income_yen"), "number")
      .text("income_year", d.t(r, "admin.households.income_year"), v("income_year"), "number")
      .text("dependants", d.t(r, "admin.households.dependants"), v("dependants"), "number");
  return f;
}

struct Attributes {
  std::string name, postal_code, address, phone, external_id, exempt;
  bool single_parent = false;
  std::optional<int64_t> income, income_year, dependants;
};

Attributes readAttributes(Form& f) {
  Attributes a;
  a.name = f.text("name", true, 100);
  a.postal_code = f.text("postal_code", false, 10);
  a.address = f.text("address", false);
  a.phone = f.text("phone", false, 30);
  a.external_id = f.text("external_id", false, 50);
  a.single_parent = f.checkbox("single_parent");
  a.exempt = f.choice("resident_tax_exempt", kTriState, false);
  a.income = f.integer("income_yen", false, 0, 10'000'000'000LL);
  a.income_year = f.integer("income_year", false, 2000, 2100);
  a.dependants = f.integer("dependants", false, 0, 30);
  if (a.income && !a.income_year) f.fail("income_year", "income_year_needed");
  return a;
}

db::Value exemptValue(const std::string& s) {
  return s.empty() ? db::Value() : db::Value(s == "yes" ? 1 : 0);
}

int64_t householdParam(const Deps& d, const Request& r, db::Connection& conn) {
  int64_t id = r.idParam("household_id");
  tenancy::requireHousehold(conn, r.user(), id, d.today());
  return id;
}

Response householdPage(const Deps& d, Request& r, int64_t id, db::Connection& conn,
                       std::optional<Failed> failed = std::nullopt) {
  const Principal& p = r.user();
  auto h = conn.queryOne("SELECT * FROM households WHERE id = ?", {id});
  std::string hid = std::to_string(id);
  auto yn = [&](bool b) { return d.t(r, b ? "admin.yes" : "admin.no"); };
  std::string exempt = h->isNull("resident_tax_exempt")
                           ? d.t(r, "admin.unknown")
                           : yn(h->getBool("resident_tax_exempt"));
  std::string income = h->isNull("income_yen")
                           ? d.t(r, "admin.unknown")
                           : d.t(r, "admin.households.income_value",
                                 {{"yen", std::to_string(h->getInt("income_yen"))},
                                  {"year", (*h)["income_year"].toString()}});
  json sections = json::array();
  json links = json::array();
  if (p.has(perm::kHouseholdsEdit)) {
    links.push_back(link(d.t(r, "admin.form.edit"), "/web/admin/households/" + hid + "/edit"));
  }
  if (p.has(perm::kInvite)) {
    links.push_back(
        link(d.t(r, "admin.invitations.issue"), "/web/admin/invitations?household_id=" + hid));
  }
  if (p.has(perm::kChildrenEdit)) {
    links.push_back(link(d.t(r, "admin.children.new"), "/web/admin/children/new?household_id=" + hid));
  }
  sections.push_back(section(
      "", {{"facts", facts({{d.t(r, "admin.households.postal_code"), h->getText("postal_code")},
                            {d.t(r, "admin.households.address"), h->getText("address")},
                            {d.t(r, "admin.people.phone"), h->getText("phone")},
                            {d.t(r, "admin.households.external_id"),
                             h->getOptText("external_id").value_or("")},
                            {d.t(r, "admin.households.single_parent"),
                             yn(h->getBool("single_parent"))},
                            {d.t(r, "admin.households.resident_tax_exempt"), exempt},
                            {d.t(r, "admin.households.income_yen"), income},
                            {d.t(r, "admin.households.dependants"),
                             h->isNull("dependants") ? d.t(r, "admin.unknown")
                                                     : (*h)["dependants"].toString()}})},
           {"links", {{"items", links}}}}));

  json children = json::array();
  for (const auto& c : conn.query("SELECT id, family_name, given_name, birth_date FROM children "
                                  "WHERE household_id = ? ORDER BY birth_date, id",
                                  {id})) {
    // Staff only follow links to children they may see; the others are listed by name only.
    bool visible = tenancy::canSeeChild(conn, p, c.getInt("id"), d.today());
    children.push_back(
        {{"cells",
          {cell(name(c), visible ? "/web/admin/children/" + std::to_string(c.getInt("id")) : ""),
           cell(c.getText("birth_date"))}}});
  }
  sections.push_back(section(d.t(r, "admin.nav.children"),
                             {{"table", table({d.t(r, "admin.people.name"),
                                               d.t(r, "admin.children.birth_date")},
                                              children, d.t(r, "admin.empty"))}}));

  json guardians = json::array();
  for (const auto& g : conn.query("SELECT * FROM guardians WHERE household_id = ? ORDER BY "
                                  "primary_payer DESC, id",
                                  {id})) {
    guardians.push_back(
        {{"cells",
          {cell(name(g)), cell(d.t(r, "admin.relationships." + g.getText("relationship"))),
           cell(g.getText("phone")), cell(g.getText("email")), cell(yn(g.getBool("primary_payer"))),
           cell(yn(g.getBool("may_pick_up"))),
           cell(g.isNull("user_id") ? d.t(r, "admin.guardians.no_login")
                                    : d.t(r, "admin.guardians.has_login"))}}});
  }
  auto formFor = [&](FormView view) {
    if (failed && failed->form_id == view.toJson()["form_id"]) view.from(failed->form);
    return view.toJson();
  };
  json gsec = {{"table", table({d.t(r, "admin.people.name"), d.t(r, "admin.guardians.relationship"),
                                d.t(r, "admin.people.phone"), d.t(r, "admin.people.email"),
                                d.t(r, "admin.guardians.primary_payer"),
                                d.t(r, "admin.guardians.may_pick_up"),
                                d.t(r, "admin.guardians.app")},
                               guardians, d.t(r, "admin.empty"))}};
  if (p.has(perm::kHouseholdsEdit)) gsec["form"] = formFor(guardianForm(d, r, hid));
  sections.push_back(section(d.t(r, "admin.households.guardians"), gsec));

  json pickups = json::array();
  auto pickup_rows = conn.query(
      "SELECT id, name, relationship, phone FROM pickup_persons WHERE household_id = ? ORDER BY id",
      {id});
  for (const auto& pp : pickup_rows) {
    pickups.push_back({{"cells",
                        {cell(pp.getText("name")), cell(pp.getText("relationship")),
                         cell(pp.getText("phone"))}}});
  }
  json psec = {{"table", table({d.t(r, "admin.people.name"), d.t(r, "admin.guardians.relationship"),
                                d.t(r, "admin.people.phone")},
                               pickups, d.t(r, "admin.empty"))}};
  if (p.has(perm::kHouseholdsEdit)) psec["form"] = formFor(pickupForm(d, r, hid));
  sections.push_back(section(d.t(r, "admin.households.pickups"), psec));
  if (p.has(perm::kHouseholdsEdit) && !pickup_rows.empty()) {
    std::vector<std::pair<std::string, std::string>> opts;
    for (const auto& pp : pickup_rows) {
      opts.emplace_back(std::to_string(pp.getInt("id")), pp.getText("name"));
    }
    FormView remove("pickup-remove", "/web/admin/households/" + hid + "/pickups/remove",
                    d.t(r, "admin.households.remove_pickup"));
    remove.select("pickup_id", d.t(r, "admin.people.name"), opts, "");
    sections.push_back(section("", {{"form", remove.toJson()}}));
  }

  // Consents: the newest row per kind is in force; the table shows the whole history.
  json current = json::array();
  for (const auto& kind : kConsents) {
    auto row = conn.queryOne("SELECT granted FROM consents WHERE household_id = ? AND kind = ? "
                             "ORDER BY id DESC LIMIT 1",
                             {id, kind});
    current.push_back({{"label", d.t(r, "admin.consents." + kind)},
                       {"value", row ? yn(row->getBool("granted")) : d.t(r, "admin.unknown")}});
  }
  json history = json::array();
  for (const auto& c : conn.query(
           "SELECT c.kind, c.granted, c.recorded_at, u.display_name FROM consents c LEFT JOIN "
           "users u ON u.id = c.recorded_by_user_id WHERE c.household_id = ? ORDER BY c.id DESC",
           {id})) {
    history.push_back({{"cells",
                        {cell(c.getText("recorded_at")),
                         cell(d.t(r, "admin.consents." + c.getText("kind"))),
                         cell(yn(c.getBool("granted"))),
                         cell(c.getOptText("display_name").value_or(d.t(r, "admin.system_actor")))}}});
  }
  json csec = {{"facts", {{"items", current}}},
               {"table", table({d.t(r, "admin.consents.recorded_at"), d.t(r, "admin.consents.kind"),
                                d.t(r, "admin.consents.granted"), d.t(r, "admin.consents.by")},
                               history, d.t(r, "admin.empty"))}};
  if (p.has(perm::kHouseholdsEdit)) csec["form"] = formFor(consentForm(d, r, hid));
  sections.push_back(section(d.t(r, "admin.households.consents"), csec));

  json aid = json::array();
  for (const auto& a : conn.query("SELECT kind, from_month, to_month FROM household_school_aid "
                                  "WHERE household_id = ? ORDER BY from_month, id",
                                  {id})) {
    aid.push_back({{"cells",
                    {cell(d.t(r, "admin.aid." + a.getText("kind"))), cell(a.getText("from_month")),
                     cell(a.getOptText("to_month").value_or("—"))}}});
  }
  json asec = {{"table", table({d.t(r, "admin.aid.kind"), d.t(r, "admin.aid.from_month"),
                                d.t(r, "admin.aid.to_month")},
                               aid, d.t(r, "admin.empty"))}};
  if (p.has(perm::kHouseholdsEdit)) asec["form"] = formFor(aidForm(d, r, hid));
  sections.push_back(section(d.t(r, "admin.households.school_aid"), asec));

  return renderPage(d, r, {{"sections", sections}}, "admin.households.record", failed ? 422 : 200,
                    h->getText("name"));
}

// A POST to a household sub-resource: scope check, read the form, write with an audit row, then
// redirect with a flash, or show the page again with the form's errors.
Handler householdWrite(Deps& d, const std::string& form_id, const std::string& action,
                       std::function<void(Form&, db::Connection&, int64_t)> validate,
                       std::function<void(db::Tx&, Form&, int64_t, const Request&)> write) {
  return [&d, form_id, action, validate, write](Request& r) {
    auto conn = d.db.acquire();
    int64_t id = householdParam(d, r, *conn);
    Form f(d, r);
    validate(f, *conn, id);
    if (f.ok()) {
      d.db.transaction([&](db::Tx& tx) {
        write(tx, f, id, r);
        audit(d, tx, r, action, "household", id);
        tx.execute("UPDATE households SET updated_at = ? WHERE id = ?",
                   {formatUtc(d.clock.now()), id});
      });
    }
    if (!f.ok()) return householdPage(d, r, id, *conn, Failed{form_id, f});
    return done(d, r, "/web/admin/households/" + std::to_string(id), "admin.flash.saved");
  };
}

}  // namespace

void addHouseholdPages(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/households", perm::kView, [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  db::Params params = {p.municipality_id};
                  std::string sql =
                      "SELECT h.id, h.name, h.address, h.external_id, (SELECT COUNT(*) FROM "
                      "children c WHERE c.household_id = h.id) AS n FROM households h WHERE "
                      "h.municipality_id = ?";
                  if (!tenancy::isCityRole(p.role)) {
                    sql += " AND h.id IN (SELECT c.household_id FROM children c JOIN enrolments e "
                           "ON e.child_id = c.id WHERE e.starts_on <= ? AND (e.ends_on IS NULL OR "
                           "e.ends_on >= ?) AND e.facility_id IN " ;
                    params.emplace_back(d.today());
                    params.emplace_back(d.today());
                    sql += inList(p.facility_ids, params) + ")";
                  }
                  std::string q = r.queryParam("q").value_or("");
                  if (!q.empty()) {
                    sql += " AND (h.name LIKE ? OR h.external_id = ? OR h.id IN (SELECT "
                           "g.household_id FROM guardians g WHERE (g.family_name || g.given_name) "
                           "LIKE ? OR (g.family_name_kana || g.given_name_kana) LIKE ?))";
                    params.emplace_back("%" + q + "%");
                    params.emplace_back(q);
                    params.emplace_back("%" + q + "%");
                    params.emplace_back("%" + q + "%");
                  }
                  sql += " ORDER BY h.id LIMIT 500";
                  json rows = json::array();
                  for (const auto& h : conn->query(sql, params)) {
                    rows.push_back(
                        {{"cells",
                          {cell(h.getText("name"),
                                "/web/admin/households/" + std::to_string(h.getInt("id"))),
                           cell(h.getText("address")), cell(h.getOptText("external_id").value_or("")),
                           cell(std::to_string(h.getInt("n")))}}});
                  }
                  FormView filters("household-filters", "/web/admin/households",
                                   d.t(r, "admin.form.show"));
                  filters.get().text("q", d.t(r, "admin.households.search"), q, "search");
                  json actions = json::array();
                  if (p.has(perm::kHouseholdsEdit) && tenancy::isCityRole(p.role)) {
                    actions.push_back(
                        link(d.t(r, "admin.households.new"), "/web/admin/households/new"));
                  }
                  return renderPage(
                      d, r,
                      {{"actions", actions},
                       {"filters", filters.toJson()},
                       {"sections",
                        {section("", {{"table", table({d.t(r, "admin.households.name"),
                                                       d.t(r, "admin.households.address"),
                                                       d.t(r, "admin.households.external_id"),
                                                       d.t(r, "admin.nav.children")},
                                                      rows, d.t(r, "admin.empty"))}})}}},
                      "admin.households.title");
                }});

  auto cityOnly = [](const Request& r) {
    if (!tenancy::isCityRole(r.user().role)) {
      throw Error::forbidden("admin.city_only", "only the city office registers new households");
    }
  };

  ctx.addRoute({"GET", "/web/admin/households/new", perm::kHouseholdsEdit, [&d, cityOnly](Request& r) {
                  cityOnly(r);
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", attributesForm(d, r, "/web/admin/households",
                                                              std::nullopt)
                                                   .toJson()}})}}},
                      "admin.households.new");
                }});

  ctx.addRoute({"POST", "/web/admin/households", perm::kHouseholdsEdit, [&d, cityOnly](Request& r) {
                  cityOnly(r);
                  const Principal& p = r.user();
                  Form f(d, r);
                  Attributes a = readAttributes(f);
                  int64_t id = 0;
                  if (f.ok()) {
                    id = d.db.transaction([&](db::Tx& tx) -> int64_t {
                      if (!a.external_id.empty() &&
                          tx.queryOne("SELECT id FROM households WHERE municipality_id = ? AND "
                                      "external_id = ?",
                                      {p.municipality_id, a.external_id})) {
                        f.fail("external_id", "duplicate");
                        return 0;
                      }
                      std::string now = formatUtc(d.clock.now());
                      int64_t nid =
                          tx.execute(
                                "INSERT INTO households (municipality_id, name, postal_code, "
                                "address, phone, single_parent, resident_tax_exempt, income_yen, "
                                "income_year, dependants, external_id, created_at, updated_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                {p.municipality_id, a.name, a.postal_code, a.address, a.phone,
                                 a.single_parent, exemptValue(a.exempt), a.income, a.income_year,
                                 a.dependants,
                                 a.external_id.empty() ? db::Value() : db::Value(a.external_id),
                                 now, now})
                              .last_insert_id;
                      audit(d, tx, r, "household.created", "household", nid);
                      return nid;
                    });
                  }
                  if (!f.ok()) {
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", attributesForm(d, r, "/web/admin/households",
                                                                std::nullopt)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.households.new", 422);
                  }
                  return done(d, r, "/web/admin/households/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  ctx.addRoute({"GET", "/web/admin/households/{household_id}", perm::kView, [&d](Request& r) {
                  auto conn = d.db.acquire();
                  int64_t id = householdParam(d, r, *conn);
                  return householdPage(d, r, id, *conn);
                }});

  ctx.addRoute({"GET", "/web/admin/households/{household_id}/edit", perm::kHouseholdsEdit,
                [&d](Request& r) {
                  auto conn = d.db.acquire();
                  int64_t id = householdParam(d, r, *conn);
                  auto h = conn->queryOne("SELECT * FROM households WHERE id = ?", {id});
                  return renderPage(
                      d, r,
                      {{"sections",
                        {section("", {{"form", attributesForm(d, r,
                                                              "/web/admin/households/" +
                                                                  std::to_string(id) + "/edit",
                                                              h)
                                                   .toJson()}})}}},
                      "admin.households.edit", 200, h->getText("name"));
                }});

  ctx.addRoute({"POST", "/web/admin/households/{household_id}/edit", perm::kHouseholdsEdit,
                [&d](Request& r) {
                  const Principal& p = r.user();
                  auto conn = d.db.acquire();
                  int64_t id = householdParam(d, r, *conn);
                  Form f(d, r);
                  Attributes a = readAttributes(f);
                  if (f.ok()) {
                    d.db.transaction([&](db::Tx& tx) {
                      if (!a.external_id.empty() &&
                          tx.queryOne("SELECT id FROM households WHERE municipality_id = ? AND "
                                      "external_id = ? AND id <> ?",
                                      {p.municipality_id, a.external_id, id})) {
                        f.fail("external_id", "duplicate");
                        return;
                      }
                      tx.execute(
                          "UPDATE households SET name = ?, postal_code = ?, address = ?, phone = "
                          "?, single_parent = ?, resident_tax_exempt = ?, income_yen = ?, "
                          "income_year = ?, dependants = ?, external_id = ?, updated_at = ? WHERE "
                          "id = ?",
                          {a.name, a.postal_code, a.address, a.phone, a.single_parent,
                           exemptValue(a.exempt), a.income, a.income_year, a.dependants,
                           a.external_id.empty() ? db::Value() : db::Value(a.external_id),
                           formatUtc(d.clock.now()), id});
                      audit(d, tx, r, "household.updated", "household", id);
                    });
                  }
                  if (!f.ok()) {
                    return renderPage(
                        d, r,
                        {{"sections",
                          {section("", {{"form", attributesForm(d, r,
                                                                "/web/admin/households/" +
                                                                    std::to_string(id) + "/edit",
                                                                std::nullopt)
                                                     .from(f)
                                                     .toJson()}})}}},
                        "admin.households.edit", 422);
                  }
                  return done(d, r, "/web/admin/households/" + std::to_string(id),
                              "admin.flash.saved");
                }});

  ctx.addRoute({"POST", "/web/admin/households/{household_id}/guardians", perm::kHouseholdsEdit,
                householdWrite(
                    d, "guardian", "household.guardian_added",
                    [](Form& f, db::Connection&, int64_t) {
                      f.text("family_name");
                      f.text("given_name");
                      f.text("family_name_kana");
                      f.text("given_name_kana");
                      f.choice("relationship", kRelationships);
                      f.text("phone", false, 30);
                      std::string email = f.text("email", false, 200);
                      if (!email.empty() && email.find('@') == std::string::npos) {
                        f.fail("email", "email");
                      }
                    },
                    [&d](db::Tx& tx, Form& f, int64_t id, const Request& r) {
                      auto muni = tx.queryOne("SELECT municipality_id FROM households WHERE id = ?",
                                              {id})
                                      ->getInt("municipality_id");
                      if (f.checkbox("primary_payer")) {
                        tx.execute("UPDATE guardians SET primary_payer = 0 WHERE household_id = ?",
                                   {id});
                      }
                      tx.execute(
                          "INSERT INTO guardians (municipality_id, household_id, family_name, "
                          "given_name, family_name_kana, given_name_kana, relationship, "
                          "primary_payer, may_pick_up, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?, "
                          "?, ?, ?, ?)",
                          {muni, id, f.text("family_name"), f.text("given_name"),
                           f.text("family_name_kana"), f.text("given_name_kana"),
                           f.raw("relationship"), f.checkbox("primary_payer"),
                           f.checkbox("may_pick_up"), f.text("phone", false, 30),
                           f.text("email", false, 200)});
                      (void)d;
                      (void)r;
                    })});

  ctx.addRoute({"POST", "/web/admin/households/{household_id}/pickups", perm::kHouseholdsEdit,
                householdWrite(
                    d, "pickup", "household.pickup_added",
                    [](Form& f, db::Connection&, int64_t) {
                      f.text("name", true, 100);
                      f.text("relationship", true, 50);
                      f.text("phone", true, 30);
                    },
                    [](db::Tx& tx, Form& f, int64_t id, const Request&) {
                      auto muni = tx.queryOne("SELECT municipality_id FROM households WHERE id = ?",
                                              {id})
                                      ->getInt("municipality_id");
                      tx.execute("INSERT INTO pickup_persons (municipality_id, household_id, name, "
                                 "relationship, phone) VALUES (?, ?, ?, ?, ?)",
                                 {muni, id, f.text("name", true, 100),
                                  f.text("relationship", true, 50), f.text("phone", true, 30)});
                    })});

  ctx.addRoute({"POST", "/web/admin/households/{household_id}/pickups/remove",
                perm::kHouseholdsEdit,
                householdWrite(
                    d, "pickup-remove", "household.pickup_removed",
                    [](Form& f, db::Connection& conn, int64_t id) {
                      auto pid = f.integer("pickup_id", true, 1, INT64_MAX);
                      if (pid && !conn.queryOne("SELECT id FROM pickup_persons WHERE id = ? AND "
                                                "household_id = ?",
                                                {*pid, id})) {
                        f.fail("pickup_id", "choice");
                      }
                    },
                    [](db::Tx& tx, Form& f, int64_t id, const Request&) {
                      tx.execute("DELETE FROM pickup_persons WHERE id = ? AND household_id = ?",
                                 {std::stoll(f.raw("pickup_id")), id});
                    })});

  ctx.addRoute(
      {"POST", "/web/admin/households/{household_id}/consents", perm::kHouseholdsEdit,
       householdWrite(
           d, "consent", "household.consent_recorded",
           [](Form& f, db::Connection&, int64_t) { f.choice("kind", kConsents); },
           [&d](db::Tx& tx, Form& f, int64_t id, const Request& r) {
             auto muni = tx.queryOne("SELECT municipality_id FROM households WHERE id = ?", {id})
                             ->getInt("municipality_id");
             (void)d;
             tx.execute("INSERT INTO consents (municipality_id, household_id, kind, granted, "
                        "recorded_at, recorded_by_user_id) VALUES (?, ?, ?, ?, ?, ?)",
                        {muni, id, f.raw("kind"), f.checkbox("granted"),
                         formatUtc(d.clock.now()), r.user().user_id});
           })});

  ctx.addRoute(
      {"POST", "/web/admin/households/{household_id}/school-aid", perm::kHouseholdsEdit,
       householdWrite(
           d, "aid", "household.school_aid_added",
           [](Form& f, db::Connection&, int64_t) {
             f.choice("kind", kAidKinds);
             std::string from = f.month("from_month");
             std::string to = f.month("to_month", false);
             if (!from.empty() && !to.empty() && to < from) f.fail("to_month", "to_before_from");
           },
           [](db::Tx& tx, Form& f, int64_t id, const Request&) {
             auto muni = tx.queryOne("SELECT municipality_id FROM households WHERE id = ?", {id})
                             ->getInt("municipality_id");
             std::string to = f.raw("to_month");
             tx.execute("INSERT INTO household_school_aid (municipality_id, household_id, kind, "
                        "from_month, to_month) VALUES (?, ?, ?, ?, ?)",
                        {muni, id, f.raw("kind"), f.raw("from_month"),
                         to.empty() ? db::Value() : db::Value(to)});
           })});
}

}  // namespace sukusuku::admin
