// Extended-care report pages (延長保育月報) for facility staff tablets: the month's report with
// per-child totals, flagged days, review and finalising by the facility admin, revisions with
// what changed, CSV (UTF-8 BOM or Shift_JIS) and XLSX downloads, and the facility's settings.
//
// Who: staff and admins of the facility read; only its facility admin reviews, finalises and
// changes settings; city officers of the same municipality read (?facility_id=). Anything else
// is 404 (tenancy).
#include <sukusuku/audit.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "extended_care.h"
#include "form_errors.h"

namespace sukusuku::messaging {

namespace {

using extcare::Report;
using extcare::Revision;
using extcare::Settings;

const char* kBase = "/web/messaging/extended-care";

std::string yen(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

std::string signedYen(int64_t v) { return (v > 0 ? "+" : "") + yen(v); }

// "2026-11-25 09:41" (Tokyo) of a stored UTC time; "" for none.
std::string tokyoStamp(const std::string& utc) {
  if (utc.empty()) return "";
  TimePoint t = parseUtc(utc);
  return tokyoDate(t) + " " + tokyoTime(t);
}

// The facility and month a request is about. Any facility kind is accepted: at schools nobody
// has certified hours, so every day would be flagged no_certification.
struct Where {
  int64_t facility_id = 0;
  std::string facility_name;
  std::string month;
};

Where where(Env& env, db::Connection& conn, const Request& r) {
  Where w;
  w.facility_id = staffFacility(conn, r);
  w.facility_name =
      conn.queryOne("SELECT name FROM facilities WHERE id = ?", {w.facility_id})->getText("name");
  w.month = r.queryParam("month").value_or("");
  if (w.month.empty()) w.month = tokyoDate(env.clock->now()).substr(0, 7);
  extcare::requireMonth(w.month);
  return w;
}

std::string pageUrl(const Where& w) {
  return std::string(kBase) + "?facility_id=" + std::to_string(w.facility_id) + "&month=" + w.month;
}

Settings requireSettings(db::Connection& conn, int64_t facility_id) {
  auto s = extcare::loadSettings(conn, facility_id);
  if (!s) {
    throw Error::conflict("messaging.extcare.not_configured",
                          "set the facility's extended-care settings first");
  }
  return *s;
}

const nlohmann::json& strings(Env& env, const Request& r) {
  return env.web->i18n().catalogue(r.language)["messaging"]["extcare"];
}

std::string certLabel(const nlohmann::json& t, const std::string& certified) {
  return t["col"].value("cert_" + (certified.empty() ? std::string("none") : certified), certified);
}

// The latest finalised revision before index END (exclusive), or null.
const Revision* lastFinalised(const std::vector<Revision>& revs, size_t end) {
  for (size_t i = end; i-- > 0;) {
    if (revs[i].status == "finalised") return &revs[i];
  }
  return nullptr;
}

// Where the month stands: what the page offers and what a review would store.
struct State {
  std::string name;                // draft, reviewed, changed_since_review, finalised, revised
  int64_t revision = 1;            // the revision shown or the next one to store
  int64_t open_id = 0;             // the reviewed, not finalised row, if any
  const Revision* base = nullptr;  // the finalised revision a new one is compared with
};

State stateOf(const std::vector<Revision>& revs, bool same_as_latest) {
  State s;
  if (revs.empty()) {
    s.name = "draft";
    return s;
  }
  const Revision& latest = revs.back();
  if (latest.status == "reviewed") {
    s.name = same_as_latest ? "reviewed" : "changed_since_review";
    s.revision = latest.revision;
    s.open_id = latest.id;
    s.base = lastFinalised(revs, revs.size() - 1);
  } else if (same_as_latest) {
    s.name = "finalised";
    s.revision = latest.revision;
  } else {
    s.name = "revised";
    s.revision = latest.revision + 1;
    s.base = &latest;
  }
  return s;
}

nlohmann::json diffJson(const nlohmann::json& d, const nlohmann::json& t) {
  nlohmann::json out = d;
  for (auto& l : out["lines"]) {
    for (const char* side : {"before", "after"}) {
      if (l[side].is_null()) continue;
      l[side]["fee_label"] = yen(l[side]["fee"].get<int64_t>());
      std::string flag = l[side]["flag"];
      l[side]["flag_label"] = flag.empty() ? "" : t["col"].value("flag_" + flag, flag);
    }
  }
  for (auto& c : out["children"]) {
    c["fee_before_label"] = yen(c["fee_before"].get<int64_t>());
    c["fee_after_label"] = yen(c["fee_after"].get<int64_t>());
    c["fee_delta_label"] = signedYen(c["fee_delta"].get<int64_t>());
  }
  out["fee_delta_label"] = signedYen(d["fee_delta"].get<int64_t>());
  out["has_lines"] = !d["lines"].empty();
  return out;
}

nlohmann::json reportJson(const Report& r, const nlohmann::json& t) {
  nlohmann::json children = nlohmann::json::array(), lines = nlohmann::json::array(),
                 flagged = nlohmann::json::array();
  for (const auto& c : r.children) {
    children.push_back({{"child_id", c.child_id},
                        {"child_name", c.child_name},
                        {"class_name", c.class_name},
                        {"certified", c.certified},
                        {"certified_label", certLabel(t, c.certified)},
                        {"days", c.days},
                        {"extended_days", c.extended_days},
                        {"minutes", c.minutes},
                        {"units", c.units},
                        {"fee", c.fee},
                        {"fee_label", yen(c.fee)},
                        {"capped", c.capped},
                        {"flagged", c.flagged},
                        {"has_flags", c.flagged > 0}});
  }
  for (const auto& l : r.lines) {
    nlohmann::json j = {
        {"child_id", l.child_id},
        {"child_name", l.child_name},
        {"class_name", l.class_name},
        {"certified", l.certified},
        {"date", l.date},
        {"check_in", l.check_in},
        {"check_out", l.check_out},
        {"minutes_before", l.minutes_before},
        {"minutes_after", l.minutes_after},
        {"units", l.units},
        {"flag", l.flag},
        {"flag_label", l.flag.empty() ? "" : t["col"].value("flag_" + l.flag, l.flag)}};
    if (!l.flag.empty()) flagged.push_back(j);
    lines.push_back(std::move(j));
  }
  return {{"children", children},
          {"has_children", !children.empty()},
          {"lines", lines},
          {"flagged_lines", flagged},
          {"has_flagged", !flagged.empty()},
          {"settings", r.settings.toJson()},
          {"totals",
           {{"minutes", r.total_minutes},
            {"units", r.total_units},
            {"fee", r.total_fee},
            {"fee_label", yen(r.total_fee)},
            {"flagged", r.flagged},
            {"children", r.children.size()}}}};
}

Settings settingsFromForm(const std::multimap<std::string, std::string>& form) {
  auto number = [&](const std::string& field, bool optional) -> std::optional<int64_t> {
    std::string v = formField(form, field);
    if (v.empty() && optional) return std::nullopt;
    try {
      size_t used = 0;
      int64_t n = std::stoll(v, &used);
      if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    throw Error::invalid("messaging.extcare.invalid_setting", field + " must be a whole number",
                         {{"field", field}});
  };
  Settings s;
  s.standard_start = formField(form, "standard_start");
  s.standard_end = formField(form, "standard_end");
  s.short_start = formField(form, "short_start");
  s.short_end = formField(form, "short_end");
  s.rounding_unit = *number("rounding_unit", false);
  s.grace_minutes = *number("grace_minutes", false);
  s.fee_per_unit = *number("fee_per_unit", false);
  s.monthly_cap = number("monthly_cap", true);
  extcare::validate(s);
  return s;
}

void saveSettings(Env& env, const Request& r, int64_t facility_id, const Settings& s) {
  const Principal& p = r.user();
  std::string now = formatUtc(env.clock->now());
  env.db->transaction([&](db::Tx& tx) {
    auto before = extcare::loadSettings(tx, facility_id);
    if (before) {
      tx.execute(
          "UPDATE messaging_extcare_settings SET standard_start = ?, standard_end = ?, "
          "short_start = ?, short_end = ?, rounding_unit = ?, grace_minutes = ?, fee_per_unit = "
          "?, monthly_cap = ?, updated_by = ?, updated_at = ? WHERE facility_id = ?",
          {s.standard_start, s.standard_end, s.short_start, s.short_end, s.rounding_unit,
           s.grace_minutes, s.fee_per_unit, s.monthly_cap, p.user_id, now, facility_id});
    } else {
      tx.execute(
          "INSERT INTO messaging_extcare_settings (municipality_id, facility_id, standard_start, "
          "standard_end, short_start, short_end, rounding_unit, grace_minutes, fee_per_unit, "
          "monthly_cap, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {p.municipality_id, facility_id, s.standard_start, s.standard_end, s.short_start,
           s.short_end, s.rounding_unit, s.grace_minutes, s.fee_per_unit, s.monthly_cap, p.user_id,
           now});
    }
    env.ctx->audit().record(
        tx, {.municipality_id = p.municipality_id,
             .actor_user_id = p.user_id,
             .actor_role = p.role,
             .action = "messaging.extcare.settings_changed",
             .target_type = "facility",
             .target_id = std::to_string(facility_id),
             .details = {{"before", before ? before->toJson() : nullptr}, {"after", s.toJson()}},
             .request_id = r.request_id});
  });
}

// The report a download or page shows: stored revision ?revision=N, else the live one.
Report chosenReport(db::Connection& conn, const Request& r, const Where& w,
                    const std::vector<Revision>& revs, int64_t municipality_id,
                    int64_t* revision_out) {
  if (auto q = r.queryParam("revision"); q && !q->empty()) {
    for (const Revision& v : revs) {
      if (std::to_string(v.revision) == *q) {
        *revision_out = v.revision;
        return extcare::storedReport(conn, v, w.facility_id, w.facility_name, w.month);
      }
    }
    throw Error::notFound("messaging.extcare.revision_not_found", "no such revision " + *q);
  }
  *revision_out = 0;
  Report live = extcare::liveReport(conn, municipality_id, w.facility_id, w.month,
                                    requireSettings(conn, w.facility_id));
  live.facility_name = w.facility_name;
  return live;
}

void auditExport(Env& env, const Request& r, const Where& w, int64_t revision,
                 const std::string& format) {
  const Principal& p = r.user();
  auto conn = env.db->acquire();
  env.ctx->audit().record(
      *conn, {.municipality_id = p.municipality_id,
              .actor_user_id = p.user_id,
              .actor_role = p.role,
              .action = "messaging.extcare.exported",
              .target_type = "facility",
              .target_id = std::to_string(w.facility_id),
              .details = {{"month", w.month}, {"revision", revision}, {"format", format}},
              .request_id = r.request_id});
}

std::string fileName(const Where& w, int64_t revision, const char* ext) {
  return "attachment; filename=\"extended-care-" + w.month +
         (revision ? "-r" + std::to_string(revision) : std::string("-draft")) + "." + ext + "\"";
}

Response facilityPicker(Env& env, db::Connection& conn, Request& r) {
  std::string today = tokyoDate(env.clock->now());
  nlohmann::json list = nlohmann::json::array();
  for (int64_t id : tenancy::visibleFacilities(conn, r.user(), today)) {
    auto row = conn.queryOne("SELECT name, kind FROM facilities WHERE id = ?", {id});
    if (!row || (row->getText("kind") != "nursery" && row->getText("kind") != "certified_centre")) {
      continue;
    }
    list.push_back({{"id", id}, {"name", row->getText("name")}});
  }
  nlohmann::json data = {{"facilities", list}, {"month", today.substr(0, 7)}, {"picker", true}};
  if (r.queryParam("format").value_or("") == "json") return Response::json(data);
  return env.web->page(r, "messaging/extended_care_pick", data, "messaging.extcare.title");
}

}  // namespace

void addExtendedCare(Env& env) {
  PluginContext& ctx = *env.ctx;
  using roles::kCityChildcare;
  using roles::kCityFinance;
  using roles::kFacilityAdmin;
  using roles::kFacilityStaff;
  ctx.addPermission("messaging.extcare.read", "read the extended-care monthly report",
                    {kFacilityStaff, kFacilityAdmin, kCityChildcare, kCityFinance});
  ctx.addPermission("messaging.extcare.finalise", "review and finalise the extended-care report",
                    {kFacilityAdmin});
  ctx.addPermission("messaging.extcare.settings", "change the facility's extended-care settings",
                    {kFacilityAdmin});
  ctx.addNavItem({"messaging.extcare.nav", kBase, "messaging.extcare.read", 40});

  // The month's report. ?facility_id= (staff: their own by default), ?month=YYYY-MM (default:
  // this month), ?revision=N (a stored revision), ?format=json.
  ctx.addRoute(
      {"GET", kBase, "messaging.extcare.read", [&env](Request& r) {
         auto conn = env.db->acquire();
         const Principal& p = r.user();
         if (!r.queryParam("facility_id") && p.facility_ids.empty()) {
           return facilityPicker(env, *conn, r);
         }
         Where w = where(env, *conn, r);
         const nlohmann::json& t = strings(env, r);
         auto settings = extcare::loadSettings(*conn, w.facility_id);
         nlohmann::json data = {{"facility_id", w.facility_id},
                                {"facility_name", w.facility_name},
                                {"month", w.month},
                                {"configured", settings.has_value()},
                                {"can_finalise", p.has("messaging.extcare.finalise")},
                                {"can_settings", p.has("messaging.extcare.settings")},
                                {"base", kBase}};
         int y = std::stoi(w.month.substr(0, 4)), m = std::stoi(w.month.substr(5, 2));
         char prev[32], next[32];
         std::snprintf(prev, sizeof prev, "%04d-%02d", m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
         std::snprintf(next, sizeof next, "%04d-%02d", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
         data["prev_month"] = prev;
         data["next_month"] = next;

         auto revs = extcare::revisions(*conn, w.facility_id, w.month);
         nlohmann::json rev_list = nlohmann::json::array();
         for (const Revision& v : revs) {
           rev_list.push_back(
               {{"revision", v.revision},
                {"status", v.status},
                {"status_label", t["state"].value(v.status, v.status)},
                {"finalised", v.status == "finalised"},
                {"total_fee_label", yen(v.total_fee)},
                {"total_units", v.total_units},
                {"reviewed_by", v.reviewed_by},
                {"reviewed_at", tokyoStamp(v.reviewed_at)},
                {"finalised_by", v.finalised_by},
                {"finalised_at", tokyoStamp(v.finalised_at)},
                {"changed_lines", v.changes.is_null() ? 0 : v.changes["lines"].size()},
                {"fee_delta_label",
                 v.changes.is_null() ? "" : signedYen(v.changes["fee_delta"].get<int64_t>())},
                {"has_changes", !v.changes.is_null()}});
         }
         data["revisions"] = rev_list;
         data["has_revisions"] = !rev_list.empty();

         if (auto q = r.queryParam("revision"); q && !q->empty()) {
           int64_t shown = 0;
           Report stored = chosenReport(*conn, r, w, revs, p.municipality_id, &shown);
           data.update(reportJson(stored, t));
           data["viewing_revision"] = shown;
           for (const Revision& v : revs) {
             if (v.revision != shown) continue;
             data["state"] = v.status;
             data["state_label"] = t["state"].value(v.status, v.status);
             if (!v.changes.is_null()) data["changes"] = diffJson(v.changes, t);
           }
           data["revision"] = shown;
           data["download_query"] = "facility_id=" + std::to_string(w.facility_id) +
                                    "&month=" + w.month + "&revision=" + std::to_string(shown);
         } else if (settings) {
           Report live =
               extcare::liveReport(*conn, p.municipality_id, w.facility_id, w.month, *settings);
           live.facility_name = w.facility_name;
           bool same = false;
           if (!revs.empty()) {
             Report latest =
                 extcare::storedReport(*conn, revs.back(), w.facility_id, w.facility_name, w.month);
             same = extcare::sameReport(latest, live);
             if (!same) {
               // What differs from the latest stored revision (the open review or the finalised
               // one).
               const Revision* against = &revs.back();
               Report old =
                   extcare::storedReport(*conn, *against, w.facility_id, w.facility_name, w.month);
               data["changes"] = diffJson(extcare::diff(old, live), t);
               data["changes_against"] = against->revision;
             }
           }
           State s = stateOf(revs, same);
           data.update(reportJson(live, t));
           data["state"] = s.name;
           data["state_label"] = t["state"].value(s.name, s.name);
           data["revision"] = s.revision;
           data["can_review"] = s.name != "reviewed" && s.name != "finalised";
           data["can_finalise_now"] = s.name == "reviewed";
           data["download_query"] =
               "facility_id=" + std::to_string(w.facility_id) + "&month=" + w.month;
         }
         if (data.contains("changes")) data["has_changes"] = true;
         if (r.queryParam("format").value_or("") == "json") return Response::json(data);
         return env.web->page(r, "messaging/extended_care", data, "messaging.extcare.title");
       }});

  // Review: store the live report as the open revision (new, or replacing the open one).
  ctx.addRoute(
      {"POST", std::string(kBase) + "/review", "messaging.extcare.finalise", [&env](Request& r) {
         auto conn = env.db->acquire();
         Where w = where(env, *conn, r);
         const Principal& p = r.user();
         Settings s = requireSettings(*conn, w.facility_id);
         std::string now = formatUtc(env.clock->now());
         int64_t stored_revision = 0;
         try {
           env.db->transaction([&](db::Tx& tx) {
             Report live = extcare::liveReport(tx, p.municipality_id, w.facility_id, w.month, s);
             auto revs = extcare::revisions(tx, w.facility_id, w.month);
             bool same = false;
             if (!revs.empty()) {
               same = extcare::sameReport(
                   extcare::storedReport(tx, revs.back(), w.facility_id, w.facility_name, w.month),
                   live);
             }
             State st = stateOf(revs, same);
             if (st.name == "finalised" || st.name == "reviewed") {
               throw Error::conflict(
                   "messaging.extcare.unchanged",
                   "nothing changed since revision " + std::to_string(st.revision),
                   {{"revision", st.revision}, {"status", st.name}});
             }
             nlohmann::json changes = nullptr;
             if (st.base) {
               changes = extcare::diff(
                   extcare::storedReport(tx, *st.base, w.facility_id, w.facility_name, w.month),
                   live);
               changes["against_revision"] = st.base->revision;
             }
             extcare::storeReviewed(tx, p.municipality_id, live, st.revision, st.open_id, changes,
                                    p.user_id, now);
             stored_revision = st.revision;
             env.ctx->audit().record(tx, {.municipality_id = p.municipality_id,
                                          .actor_user_id = p.user_id,
                                          .actor_role = p.role,
                                          .action = "messaging.extcare.reviewed",
                                          .target_type = "facility",
                                          .target_id = std::to_string(w.facility_id),
                                          .details = {{"month", w.month},
                                                      {"revision", st.revision},
                                                      {"total_fee", live.total_fee},
                                                      {"total_units", live.total_units}},
                                          .request_id = r.request_id});
           });
         } catch (const db::DbError& e) {
           if (e.kind() != db::DbError::Kind::kUnique) throw;
           throw Error::conflict("messaging.extcare.concurrent_review",
                                 "someone else reviewed this month at the same time; reload");
         }
         env.web->flash(r, "success",
                        env.web->i18n().t(r.language, "messaging.extcare.flash_reviewed",
                                          {{"revision", std::to_string(stored_revision)}}));
         return Response::redirect(pageUrl(w));
       }});

  // Finalise the open revision (form: revision=N), if the attendance still gives the same.
  ctx.addRoute(
      {"POST", std::string(kBase) + "/finalise", "messaging.extcare.finalise", [&env](Request& r) {
         auto conn = env.db->acquire();
         Where w = where(env, *conn, r);
         const Principal& p = r.user();
         auto form = r.form();
         std::string revision = formField(form, "revision");
         Settings s = requireSettings(*conn, w.facility_id);
         std::string now = formatUtc(env.clock->now());
         env.db->transaction([&](db::Tx& tx) {
           auto revs = extcare::revisions(tx, w.facility_id, w.month);
           if (revs.empty() || revs.back().status != "reviewed" ||
               std::to_string(revs.back().revision) != revision) {
             throw Error::conflict("messaging.extcare.not_reviewed",
                                   "only the reviewed open revision can be finalised",
                                   {{"revision", revision}});
           }
           const Revision& open = revs.back();
           Report stored = extcare::storedReport(tx, open, w.facility_id, w.facility_name, w.month);
           Report live = extcare::liveReport(tx, p.municipality_id, w.facility_id, w.month, s);
           if (!extcare::sameReport(stored, live)) {
             throw Error::conflict("messaging.extcare.changed_since_review",
                                   "attendance or settings changed since the review; review again",
                                   {{"changes", extcare::diff(stored, live)["lines"].size()}});
           }
           auto res = tx.execute(
               "UPDATE messaging_extcare_reports SET status = 'finalised', finalised_by = ?, "
               "finalised_at = ? WHERE id = ? AND status = 'reviewed'",
               {p.user_id, now, open.id});
           if (res.affected_rows != 1) {
             throw Error::conflict("messaging.extcare.not_reviewed", "already finalised");
           }
           env.ctx->audit().record(tx, {.municipality_id = p.municipality_id,
                                        .actor_user_id = p.user_id,
                                        .actor_role = p.role,
                                        .action = "messaging.extcare.finalised",
                                        .target_type = "facility",
                                        .target_id = std::to_string(w.facility_id),
                                        .details = {{"month", w.month},
                                                    {"revision", open.revision},
                                                    {"total_fee", open.total_fee},
                                                    {"total_units", open.total_units}},
                                        .request_id = r.request_id});
         });
         env.web->flash(r, "success",
                        env.web->i18n().t(r.language, "messaging.extcare.flash_finalised",
                                          {{"revision", revision}}));
         return Response::redirect(pageUrl(w) + "&revision=" + revision);
       }});

  // Downloads: ?facility_id=&month=[&revision=N][&encoding=utf8|sjis].
  ctx.addRoute(
      {"GET", std::string(kBase) + "/export.csv", "messaging.extcare.read", [&env](Request& r) {
         std::string encoding = r.queryParam("encoding").value_or("utf8");
         if (encoding != "utf8" && encoding != "sjis") {
           throw Error::invalid("messaging.extcare.invalid_encoding", "encoding: utf8 or sjis",
                                {{"encoding", encoding}});
         }
         auto conn = env.db->acquire();
         Where w = where(env, *conn, r);
         auto revs = extcare::revisions(*conn, w.facility_id, w.month);
         int64_t revision = 0;
         Report rep = chosenReport(*conn, r, w, revs, r.user().municipality_id, &revision);
         std::string csv = extcare::toCsv(rep, strings(env, r)["col"]);
         auditExport(env, r, w, revision, "csv-" + encoding);
         Response res =
             encoding == "sjis"
                 ? Response::text(extcare::toShiftJis(csv), "text/csv; charset=Shift_JIS")
                 : Response::text("\xEF\xBB\xBF" + csv, "text/csv; charset=utf-8");
         res.headers["Content-Disposition"] = fileName(w, revision, "csv");
         return res;
       }});
  ctx.addRoute(
      {"GET", std::string(kBase) + "/export.xlsx", "messaging.extcare.read", [&env](Request& r) {
         auto conn = env.db->acquire();
         Where w = where(env, *conn, r);
         auto revs = extcare::revisions(*conn, w.facility_id, w.month);
         int64_t revision = 0;
         Report rep = chosenReport(*conn, r, w, revs, r.user().municipality_id, &revision);
         std::string bytes = extcare::toXlsx(rep, strings(env, r)["col"]);
         auditExport(env, r, w, revision, "xlsx");
         Response res = Response::text(
             std::move(bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
         res.headers["Content-Disposition"] = fileName(w, revision, "xlsx");
         return res;
       }});

  // Settings of the facility (bands, rounding, grace, fee, cap).
  ctx.addRoute(
      {"GET", std::string(kBase) + "/settings", "messaging.extcare.settings", [&env](Request& r) {
         auto conn = env.db->acquire();
         int64_t facility = staffFacility(*conn, r);
         auto s = extcare::loadSettings(*conn, facility);
         nlohmann::json data = (s ? *s : Settings{}).toJson();
         data["facility_id"] = facility;
         data["configured"] = s.has_value();
         data["facility_name"] =
             conn->queryOne("SELECT name FROM facilities WHERE id = ?", {facility})
                 ->getText("name");
         data["base"] = kBase;
         if (r.queryParam("format").value_or("") == "json") return Response::json(data);
         return env.web->page(r, "messaging/extended_care_settings", data,
                              "messaging.extcare.settings_title");
       }});
  ctx.addRoute(
      {"POST", std::string(kBase) + "/settings", "messaging.extcare.settings", [&env](Request& r) {
         int64_t facility = 0;
         {
           auto conn = env.db->acquire();
           facility = staffFacility(*conn, r);
         }
         auto form = r.form();
         return submitOrShowForm(*env.web, r, [&] {
           Settings s = settingsFromForm(form);
           saveSettings(env, r, facility, s);
           env.web->flash(r, "success",
                          env.web->i18n().t(r.language, "messaging.extcare.flash_saved"));
           return Response::redirect(std::string(kBase) + "?facility_id=" + std::to_string(facility));
         }, [&](const nlohmann::json& error) {
           // The form again with what was typed and the message beside the field.
           auto conn = env.db->acquire();
           nlohmann::json data = nlohmann::json::object();
           for (const char* k : {"standard_start", "standard_end", "short_start", "short_end",
                                 "rounding_unit", "grace_minutes", "fee_per_unit", "monthly_cap"}) {
             data[k] = formField(form, k);
           }
           data["facility_id"] = facility;
           data["configured"] = extcare::loadSettings(*conn, facility).has_value();
           data["facility_name"] =
               conn->queryOne("SELECT name FROM facilities WHERE id = ?", {facility})->getText("name");
           data["base"] = kBase;
           addFormError(data, error);
           return env.web->page(r, "messaging/extended_care_settings", data,
                                "messaging.extcare.settings_title");
         });
       }});

  // Demo: ひまわり保育所's settings, so the report has figures on a fresh demo.
  env.ctx->addDemoSeeder([clock = env.clock](db::Database& db) {
    db.transaction([&](db::Tx& tx) {
      auto f = tx.queryOne(
          "SELECT f.id, f.municipality_id FROM facilities f JOIN municipalities m ON m.id = "
          "f.municipality_id WHERE m.code = '349999' AND f.name = 'ひまわり保育所'");
      if (!f || extcare::loadSettings(tx, f->getInt("id"))) return;
      tx.execute(
          "INSERT INTO messaging_extcare_settings (municipality_id, facility_id, standard_start, "
          "standard_end, short_start, short_end, rounding_unit, grace_minutes, fee_per_unit, "
          "monthly_cap, updated_by, updated_at) VALUES (?, ?, '07:00', '18:00', '08:30', "
          "'16:30', 30, 5, 200, 6000, 0, ?)",
          {f->getInt("municipality_id"), f->getInt("id"), formatUtc(clock->now())});
    });
  });
}

}  // namespace sukusuku::messaging
