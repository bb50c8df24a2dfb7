// Survey routes: staff draft a survey for the facility, classes or chosen families with a
// deadline (editable while a draft; nobody is asked or notified), send it, see the live tally
// with bar charts, remind those who have not answered, close it early and export CSV/XLSX; each
// step is audited. Guardians list, read and answer (per family or per child, editable until
// the deadline or until staff close it).
#include "surveys.h"

#include <map>
#include <set>
#include <sstream>

#include <sukusuku/api.h>
#include <sukusuku/db/error.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "audience.h"
#include "form_errors.h"
#include "outreach.h"
#include "rich_text.h"
#include "upload_form.h"

namespace sukusuku::messaging {

namespace {

constexpr int kQuestionSlots = 8;
const std::set<std::string> kKinds = {"single", "multiple", "text", "date"};

const char* kSelect =
    "SELECT id, municipality_id, facility_id, title, description, per_kind, audience, "
    "audience_ids, deadline, created_by_user_id, created_at, last_reminded_at, reminders, status, "
    "sent_at, closed_at FROM messaging_surveys ";

std::string refOf(int64_t id) { return "messaging.survey:" + std::to_string(id); }

struct Surveys {
  Env& env;

  std::string now() const { return formatUtc(env.clock->now()); }
  std::string today() const { return tokyoDate(env.clock->now()); }
  // Answers are taken while a sent survey's deadline has not passed and staff have not closed it.
  bool open(const db::Row& s) const {
    return s.getText("status") == "sent" && now() < s.getText("deadline");
  }

  db::Row staffSurvey(db::Connection& conn, const Request& r) {
    auto row = conn.queryOne(std::string(kSelect) + "WHERE id = ? AND municipality_id = ?",
                             {r.idParam("survey_id"), r.user().municipality_id});
    if (!row || !tenancy::canSeeFacility(conn, r.user(), row->getInt("facility_id"))) {
      throw Error::notFound("messaging.survey_not_found", "no such survey");
    }
    return *row;
  }

  db::Row guardianSurvey(db::Connection& conn, const Request& r) {
    const Principal& p = r.user();
    auto row = conn.queryOne(
        std::string(kSelect) +
            "WHERE id = ? AND municipality_id = ? AND id IN (SELECT survey_id FROM "
            "messaging_survey_targets WHERE household_id = ? AND municipality_id = ?)",
        {r.idParam("survey_id"), p.municipality_id, p.household_id, p.municipality_id});
    if (!row || p.household_id == 0) {
      throw Error::notFound("messaging.survey_not_found", "no such survey");
    }
    return *row;
  }

  nlohmann::json questionsJson(const std::vector<SurveyQuestion>& qs) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& q : qs) {
      out.push_back({{"id", q.id}, {"kind", q.kind}, {"label", q.label},
                     {"options", q.options}, {"required", q.required}});
    }
    return out;
  }

  // The guardian's targets in survey S: [{child_id, child_name, answered, answers, answered_at}].
  nlohmann::json targets(db::Connection& conn, const db::Row& s, int64_t household) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : conn.query(
             "SELECT t.child_id, c.family_name, c.given_name, r.answers, r.updated_at FROM "
             "messaging_survey_targets t LEFT JOIN children c ON c.id = t.child_id LEFT JOIN "
             "messaging_survey_responses r ON r.survey_id = t.survey_id AND r.household_id = "
             "t.household_id AND r.child_id = t.child_id WHERE t.survey_id = ? AND "
             "t.household_id = ? ORDER BY t.child_id",
             {s.getInt("id"), household})) {
      nlohmann::json j = {{"child_id", t.getInt("child_id")},
                          {"child_name", t.isNull("family_name") ? ""
                                                                 : t.getText("family_name") + " " +
                                                                       t.getText("given_name")},
                          {"answered", !t.isNull("answers")},
                          {"answers", nullptr},
                          {"answered_at", t.getOptText("updated_at").value_or("")}};
      if (!t.isNull("answers")) j["answers"] = nlohmann::json::parse(t.getText("answers"));
      out.push_back(j);
    }
    return out;
  }

  nlohmann::json summary(const db::Row& s) {
    return {{"id", s.getInt("id")},
            {"facility_id", s.getInt("facility_id")},
            {"title", s.getText("title")},
            {"description", s.getText("description")},
            {"description_html", richTextHtml(s.getText("description"))},
            {"per", s.getText("per_kind")},
            {"deadline", s.getText("deadline")},
            {"status", s.getText("status")},
            {"is_draft", s.getText("status") == "draft"},
            {"closed_at", s.getOptText("closed_at").value_or("")},
            {"open", open(s)}};
  }

  // Targets and responses: {targets, responded, pending_households:[{id,name}]}.
  nlohmann::json progress(db::Connection& conn, const db::Row& s) {
    int64_t targets = 0, responded = 0;
    std::map<int64_t, std::string> pending;
    for (const auto& t : conn.query(
             "SELECT t.household_id, h.name, r.id AS response_id FROM messaging_survey_targets t "
             "JOIN households h ON h.id = t.household_id LEFT JOIN messaging_survey_responses r ON "
             "r.survey_id = t.survey_id AND r.household_id = t.household_id AND r.child_id = "
             "t.child_id WHERE t.survey_id = ?",
             {s.getInt("id")})) {
      ++targets;
      if (t.isNull("response_id")) {
        pending[t.getInt("household_id")] = t.getText("name");
      } else {
        ++responded;
      }
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, name] : pending) list.push_back({{"id", id}, {"name", name}});
    return {{"targets", targets},
            {"responded", responded},
            {"label", std::to_string(responded) + "/" + std::to_string(targets)},
            {"percent", targets ? responded * 100 / targets : 0},
            {"pending_households", list}};
  }

  void audit(db::Connection& conn, const Request& r, const std::string& action, int64_t id,
             nlohmann::json details = nlohmann::json::object()) {
    auditOutreach(env, conn, r, "messaging_survey", action, id, std::move(details));
  }

  push::Notification notification(const db::Row& s, bool reminder) {
    push::Notification n;
    n.municipality_id = s.getInt("municipality_id");
    n.category = "messaging.survey";
    std::string title = s.getText("title");
    std::string until = tokyoDateTime(s.getText("deadline"));
    n.title = {{"ja", std::string(reminder ? "【再送】" : "") + "【アンケート】" + title},
               {"en", std::string(reminder ? "[Reminder] " : "") + "[Survey] " + title}};
    n.body = {{"ja", "回答期限: " + until}, {"en", "Please answer by " + until}};
    n.data = {{"route", "messaging.survey"}, {"id", std::to_string(s.getInt("id"))}};
    n.source_ref = refOf(s.getInt("id"));
    return n;
  }

  std::vector<SurveyQuestion> readQuestions(const std::multimap<std::string, std::string>& f) {
    std::vector<SurveyQuestion> out;
    for (int i = 1; i <= kQuestionSlots; ++i) {
      std::string p = "q" + std::to_string(i) + "_";
      std::string label = formField(f, p + "label");
      if (label.find_first_not_of(" \r\n\t") == std::string::npos) continue;
      SurveyQuestion q;
      q.id = i;
      q.label = requiredLine(f, p + "label", 200, "messaging.invalid_question");
      q.kind = formField(f, p + "kind");
      if (!kKinds.count(q.kind)) {
        throw Error::invalid("messaging.invalid_question_kind",
                             "kind: single, multiple, text or date", {{"question", i}});
      }
      q.required = !formField(f, p + "required").empty();
      if (q.kind == "single" || q.kind == "multiple") {
        std::string text = formField(f, p + "options"), line;
        std::set<std::string> seen;
        std::istringstream in(text);
        while (std::getline(in, line)) {
          while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
          size_t b = line.find_first_not_of(" \t");
          if (b == std::string::npos) continue;
          line = line.substr(b);
          if (utf8Length(line) > 100 || !seen.insert(line).second) {
            throw Error::invalid("messaging.invalid_options",
                                 "options are distinct lines of at most 100 characters",
                                 {{"question", i}});
          }
          q.options.push_back(line);
        }
        if (q.options.size() < 2 || q.options.size() > 20) {
          throw Error::invalid("messaging.invalid_options",
                               "a choice question has 2 to 20 options, one per line",
                               {{"question", i}});
        }
      }
      out.push_back(std::move(q));
    }
    if (out.empty()) {
      throw Error::invalid("messaging.survey_needs_questions", "a survey needs a question");
    }
    return out;
  }

  struct Draft {
    std::string title, description, per, deadline;
    AudienceChoice audience;
    std::vector<SurveyQuestion> questions;
  };

  // The survey form's fields, checked (422 codes naming the field).
  Draft readDraft(db::Connection& conn, const Request& r,
                  const std::multimap<std::string, std::string>& f, int64_t facility) {
    Draft d;
    d.title = requiredLine(f, "title", 100, "messaging.invalid_title");
    d.description = formField(f, "description");
    if (d.description.size() > 20000) {
      throw Error::invalid("messaging.invalid_body", "the description is too long",
                           {{"field", "description"}});
    }
    d.per = formField(f, "per");
    if (d.per.empty()) d.per = "household";
    if (d.per != "household" && d.per != "child") {
      throw Error::invalid("messaging.invalid_per", "per: household or child", {{"field", "per"}});
    }
    d.deadline = utcOfLocalDateTime(formField(f, "deadline"), "deadline",
                                    "messaging.invalid_deadline");
    if (d.deadline <= now()) {
      throw Error::invalid("messaging.invalid_deadline", "the deadline must be in the future",
                           {{"field", "deadline"}});
    }
    d.audience = readAudience(conn, r.user().municipality_id, facility, f, today());
    d.questions = readQuestions(f);
    return d;
  }

  void writeQuestions(db::Connection& tx, int64_t id, const std::vector<SurveyQuestion>& qs) {
    tx.execute("DELETE FROM messaging_survey_questions WHERE survey_id = ?", {id});
    int64_t pos = 0;
    for (const auto& q : qs) {
      tx.execute("INSERT INTO messaging_survey_questions (survey_id, position, kind, label, "
                 "options, required) VALUES (?, ?, ?, ?, ?, ?)",
                 {id, ++pos, q.kind, q.label, nlohmann::json(q.options).dump(),
                  static_cast<int64_t>(q.required ? 1 : 0)});
    }
  }

  // What the form shows: VALUES as the form's own fields (title, description, deadline, per,
  // audience, class_id / household_id lists, q<n>_label/_kind/_options/_required).
  nlohmann::json formData(db::Connection& conn, const Request& r, int64_t facility,
                          const std::multimap<std::string, std::string>& values,
                          const std::string& action, bool editing) {
    auto all = [&values](const std::string& name) {
      std::set<std::string> out;
      auto [b, e] = values.equal_range(name);
      for (auto it = b; it != e; ++it) out.insert(it->second);
      return out;
    };
    std::string audience = formField(values, "audience");
    if (audience.empty()) audience = "facility";
    std::string per = formField(values, "per");
    std::set<std::string> class_ids = all("class_id"), household_ids = all("household_id");
    nlohmann::json classes = facilityClasses(conn, r.user().municipality_id, facility, today());
    nlohmann::json families = facilityFamilies(conn, r.user().municipality_id, facility, today());
    for (auto& c : classes) c["checked"] = class_ids.count(std::to_string(c["id"].get<int64_t>())) > 0;
    for (auto& f : families) f["checked"] = household_ids.count(std::to_string(f["id"].get<int64_t>())) > 0;
    nlohmann::json slots = nlohmann::json::array();
    for (int i = 1; i <= kQuestionSlots; ++i) {
      std::string p = "q" + std::to_string(i) + "_";
      std::string kind = formField(values, p + "kind");
      slots.push_back({{"n", i},
                       {"first", i == 1},
                       {"label", formField(values, p + "label")},
                       {"options", formField(values, p + "options")},
                       {"required", !formField(values, p + "required").empty()},
                       {"kind_single", kind.empty() || kind == "single"},
                       {"kind_multiple", kind == "multiple"},
                       {"kind_text", kind == "text"},
                       {"kind_date", kind == "date"}});
    }
    return {{"facility_id", facility},
            {"action", action},
            {"editing", editing},
            {"errors", nlohmann::json::object()},
            {"classes", classes},
            {"families", families},
            {"slots", slots},
            {"form",
             {{"title", formField(values, "title")},
              {"description", formField(values, "description")},
              {"deadline", formField(values, "deadline")},
              {"per_household", per != "child"},
              {"per_child", per == "child"},
              {"aud_facility", audience == "facility"},
              {"aud_classes", audience == "classes"},
              {"aud_families", audience == "families"}}}};
  }

  // A stored draft as the form's fields.
  std::multimap<std::string, std::string> formValues(db::Connection& conn, const db::Row& s) {
    std::multimap<std::string, std::string> v = {{"title", s.getText("title")},
                                                 {"description", s.getText("description")},
                                                 {"deadline", localInputValue(s.getText("deadline"))},
                                                 {"per", s.getText("per_kind")},
                                                 {"audience", s.getText("audience")}};
    const char* ids = s.getText("audience") == "classes" ? "class_id" : "household_id";
    for (int64_t id : splitIds(s.getText("audience_ids"))) v.emplace(ids, std::to_string(id));
    int n = 0;
    for (const auto& q : surveyQuestions(conn, s.getInt("id"))) {
      std::string p = "q" + std::to_string(++n) + "_";
      std::string options;
      for (const auto& o : q.options) options += (options.empty() ? "" : "\n") + o;
      v.emplace(p + "label", q.label);
      v.emplace(p + "kind", q.kind);
      v.emplace(p + "options", options);
      if (q.required) v.emplace(p + "required", "1");
    }
    return v;
  }

  // The form again with VALUES as typed and ERROR beside its field (a question's error on its
  // slot).
  Response formAgain(db::Connection& conn, const Request& r, int64_t facility,
                     const std::multimap<std::string, std::string>& values,
                     const std::string& action, bool editing, const nlohmann::json& error) {
    nlohmann::json data = formData(conn, r, facility, values, action, editing);
    addFormError(data, error);
    std::string field = error["field"];
    if (error["code"] == "messaging.survey_needs_questions") {
      data["errors"]["questions"] = error["message"];
    }
    for (auto& slot : data["slots"]) {
      std::string q = "q" + std::to_string(slot["n"].get<int>());
      if (field == q || field.rfind(q + "_", 0) == 0) slot["error"] = error["message"];
    }
    return env.web->page(r, "messaging/survey_form", data,
                         editing ? "messaging.surveys.edit" : "messaging.surveys.compose", 422);
  }

  db::Row draftOf(db::Connection& conn, const Request& r) {
    auto s = staffSurvey(conn, r);
    if (s.getText("status") != "draft") {
      throw Error::conflict("messaging.survey_not_editable", "only a draft can be changed or sent");
    }
    return s;
  }

  Response exportFile(db::Connection& conn, const Request& r, bool xlsx) {
    auto s = staffSurvey(conn, r);
    auto qs = surveyQuestions(conn, s.getInt("id"));
    auto rs = surveyResponses(conn, s.getInt("id"));
    audit(conn, r, "messaging.survey_exported", s.getInt("id"),
          {{"format", xlsx ? "xlsx" : "csv"}, {"rows", rs.size()}});
    std::string name = "survey-" + std::to_string(s.getInt("id"));
    Response out = xlsx ? Response::text(surveyXlsx(s.getText("title"), qs, rs),
                                         "application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet")
                        : Response::text(surveyCsv(qs, rs), "text/csv; charset=utf-8");
    out.headers["Content-Disposition"] =
        "attachment; filename=\"" + name + (xlsx ? ".xlsx\"" : ".csv\"");
    return out;
  }
};

}  // namespace

void addSurveys(Env& env) {
  PluginContext& ctx = *env.ctx;
  auto h = std::make_shared<Surveys>(Surveys{env});

  // ---- guardians ----
  ctx.addRoute({"GET", "/api/v1/messaging/surveys", "messaging.surveys.answer", [h](Request& r) {
    const Principal& p = r.user();
    auto page = api::pageRequest(r);
    auto conn = h->env.db->acquire();
    auto rows = conn->query(
        std::string(kSelect) +
            "WHERE municipality_id = ? AND id IN (SELECT survey_id FROM messaging_survey_targets "
            "WHERE household_id = ? AND municipality_id = ?) AND " +
            (page.after_id ? "id < ? " : "id > ? ") + "ORDER BY id DESC LIMIT ?",
        {p.municipality_id, p.household_id, p.municipality_id, page.after_id, page.limit});
    nlohmann::json items = nlohmann::json::array();
    int64_t last = 0;
    for (const auto& row : rows) {
      nlohmann::json j = h->summary(row);
      j["targets"] = h->targets(*conn, row, p.household_id);
      bool all = true;
      for (const auto& t : j["targets"]) all = all && t["answered"].get<bool>();
      j["answered"] = all;
      items.push_back(j);
      last = row.getInt("id");
    }
    return Response::json(api::page(items, page, last));
  }});

  ctx.addRoute({"GET", "/api/v1/messaging/surveys/{survey_id}", "messaging.surveys.answer",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto s = h->guardianSurvey(*conn, r);
                  nlohmann::json j = h->summary(s);
                  j["questions"] = h->questionsJson(surveyQuestions(*conn, s.getInt("id")));
                  j["targets"] = h->targets(*conn, s, r.user().household_id);
                  markRefRead(*conn, r.user().municipality_id, r.user().user_id,
                              refOf(s.getInt("id")), h->now());
                  return Response::json(j);
                }});

  // {child_id (per-child surveys), answers: {"<question id>": value}}; replaces an earlier answer
  // until the deadline.
  ctx.addRoute({"PUT", "/api/v1/messaging/surveys/{survey_id}/answers", "messaging.surveys.answer",
                [h](Request& r) {
    auto body = r.json();
    const Principal& p = r.user();
    auto conn = h->env.db->acquire();
    auto s = h->guardianSurvey(*conn, r);
    int64_t id = s.getInt("id");
    if (!body.is_object()) {
      throw Error::invalid("messaging.invalid_answer", "a JSON object {child_id, answers}");
    }
    int64_t child = 0;
    if (s.getText("per_kind") == "child") {
      if (!body.contains("child_id") || !body["child_id"].is_number_integer()) {
        throw Error::invalid("messaging.child_required", "this survey is answered per child");
      }
      child = body["child_id"];
    }
    if (!conn->queryOne("SELECT survey_id FROM messaging_survey_targets WHERE survey_id = ? AND "
                        "household_id = ? AND child_id = ?",
                        {id, p.household_id, child})) {
      throw Error::notFound("tenancy.child_not_found", "no such child in this survey");
    }
    if (!h->open(s)) {
      throw Error::invalid("messaging.survey_closed", "the survey is closed or past its deadline",
                           {{"deadline", s.getText("deadline")}, {"status", s.getText("status")}});
    }
    nlohmann::json answers = validateAnswers(surveyQuestions(*conn, id),
                                             body.contains("answers") ? body["answers"] : nlohmann::json());
    bool created = false;
    auto save = [&] { h->env.db->transaction([&](db::Tx& tx) {
      std::string at = h->now();
      created = tx.execute("UPDATE messaging_survey_responses SET answers = ?, "
                           "answered_by_user_id = ?, updated_at = ? WHERE survey_id = ? AND "
                           "household_id = ? AND child_id = ?",
                           {answers.dump(), p.user_id, at, id, p.household_id, child})
                    .affected_rows == 0;
      if (created) {
        tx.execute("INSERT INTO messaging_survey_responses (municipality_id, survey_id, "
                   "household_id, child_id, answers, answered_by_user_id, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   {p.municipality_id, id, p.household_id, child, answers.dump(), p.user_id, at, at});
      }
    }); };
    try {
      save();
    } catch (const db::DbError& e) {
      // Two guardians of one family answering at once: the second finds the first's row.
      if (e.kind() != db::DbError::Kind::kUnique) throw;
      save();
    }
    nlohmann::json out = h->summary(s);
    out["targets"] = h->targets(*conn, s, p.household_id);
    return Response::json(out, created ? 201 : 200);
  }});

  // ---- staff ----
  ctx.addRoute({"GET", "/web/messaging/surveys", "messaging.surveys.manage", [h](Request& r) {
    auto conn = h->env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : conn->query(std::string(kSelect) +
                                           "WHERE municipality_id = ? AND facility_id = ? ORDER "
                                           "BY id DESC LIMIT 100",
                                       {r.user().municipality_id, facility})) {
      nlohmann::json j = h->summary(row);
      j["deadline_label"] = tokyoDateTime(row.getText("deadline"));
      j["progress"] = h->progress(*conn, row);
      j["status_label"] =
          h->env.web->i18n().t(r.language, "messaging.surveys.status." + row.getText("status"));
      items.push_back(j);
    }
    if (r.queryParam("format").value_or("") == "json") {
      return Response::json({{"facility_id", facility}, {"items", items}});
    }
    return h->env.web->page(r, "messaging/surveys",
                            {{"facility_id", facility}, {"items", items}, {"has_items", !items.empty()}},
                            "messaging.surveys.title");
  }});

  ctx.addRoute({"GET", "/web/messaging/surveys/new", "messaging.surveys.manage", [h](Request& r) {
    auto conn = h->env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    std::string in_a_week = utcAt(dateFromDays(daysFromDate(h->today()) + 7), "17:00");
    return h->env.web->page(r, "messaging/survey_form",
                            h->formData(*conn, r, facility, {{"deadline", localInputValue(in_a_week)}},
                                        "/web/messaging/surveys", false),
                            "messaging.surveys.compose");
  }});

  // A new survey is a draft: nobody is asked or notified until it is sent.
  ctx.addRoute({"POST", "/web/messaging/surveys", "messaging.surveys.manage", [h](Request& r) {
    PostedForm form = readPostedForm(r);
    auto conn = h->env.db->acquire();
    int64_t facility = 0;
    try {
      facility = std::stoll(formField(form.fields, "facility_id"));
    } catch (const std::exception&) {
      throw Error::notFound("tenancy.facility_not_found", "no such facility");
    }
    const Principal& p = r.user();
    tenancy::requireFacility(*conn, p, facility);
    return submitOrShowForm(*h->env.web, r, [&] {
    Surveys::Draft d = h->readDraft(*conn, r, form.fields, facility);
    int64_t id = h->env.db->transaction([&](db::Tx& tx) {
      std::string at = h->now();
      int64_t id = tx.execute("INSERT INTO messaging_surveys (municipality_id, facility_id, title, "
                              "description, per_kind, audience, audience_ids, deadline, "
                              "created_by_user_id, created_at, status, updated_at) VALUES (?, ?, ?, "
                              "?, ?, ?, ?, ?, ?, ?, 'draft', ?)",
                              {p.municipality_id, facility, d.title, d.description, d.per,
                               d.audience.kind, joinIds(d.audience.ids), d.deadline, p.user_id, at,
                               at})
                       .last_insert_id;
      h->writeQuestions(tx, id, d.questions);
      h->audit(tx, r, "messaging.survey_created", id, {{"questions", d.questions.size()}});
      return id;
    });
    h->env.web->flash(r, "success", h->env.web->i18n().t(r.language, "messaging.surveys.flash_draft"));
    return Response::redirect("/web/messaging/surveys/" + std::to_string(id));
    }, [&](const nlohmann::json& error) {
      return h->formAgain(*conn, r, facility, form.fields, "/web/messaging/surveys", false, error);
    });
  }});

  ctx.addRoute({"GET", "/web/messaging/surveys/{survey_id}/edit", "messaging.surveys.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto s = h->draftOf(*conn, r);
                  return h->env.web->page(
                      r, "messaging/survey_form",
                      h->formData(*conn, r, s.getInt("facility_id"), h->formValues(*conn, s),
                                  "/web/messaging/surveys/" + std::to_string(s.getInt("id")), true),
                      "messaging.surveys.edit");
                }});

  // Changes a draft (questions replaced as a whole); 409 once it is sent.
  ctx.addRoute({"POST", "/web/messaging/surveys/{survey_id}", "messaging.surveys.manage",
                [h](Request& r) {
    PostedForm form = readPostedForm(r);
    auto conn = h->env.db->acquire();
    auto s = h->draftOf(*conn, r);
    int64_t id = s.getInt("id");
    return submitOrShowForm(*h->env.web, r, [&] {
    Surveys::Draft d = h->readDraft(*conn, r, form.fields, s.getInt("facility_id"));
    h->env.db->transaction([&](db::Tx& tx) {
      if (tx.execute("UPDATE messaging_surveys SET title = ?, description = ?, per_kind = ?, "
                     "audience = ?, audience_ids = ?, deadline = ?, updated_at = ? WHERE id = ? "
                     "AND status = 'draft'",
                     {d.title, d.description, d.per, d.audience.kind, joinIds(d.audience.ids),
                      d.deadline, h->now(), id})
              .affected_rows != 1) {
        throw Error::conflict("messaging.survey_not_editable",
                              "only a draft can be changed or sent");
      }
      h->writeQuestions(tx, id, d.questions);
      h->audit(tx, r, "messaging.survey_changed", id, {{"questions", d.questions.size()}});
    });
    h->env.web->flash(r, "success", h->env.web->i18n().t(r.language, "messaging.surveys.flash_saved"));
    return Response::redirect("/web/messaging/surveys/" + std::to_string(id));
    }, [&](const nlohmann::json& error) {
      return h->formAgain(*conn, r, s.getInt("facility_id"), form.fields,
                          "/web/messaging/surveys/" + std::to_string(id), true, error);
    });
  }});

  // Sends a draft: the audience is resolved today, the families are notified, answers open.
  ctx.addRoute({"POST", "/web/messaging/surveys/{survey_id}/send", "messaging.surveys.manage",
                [h](Request& r) {
    auto conn = h->env.db->acquire();
    auto draft = h->draftOf(*conn, r);
    int64_t id = draft.getInt("id");
    if (draft.getText("deadline") <= h->now()) {
      throw Error::invalid("messaging.invalid_deadline",
                           "the deadline has passed; change it before sending",
                           {{"field", "deadline"}});
    }
    const Principal& p = r.user();
    h->env.db->transaction([&](db::Tx& tx) {
      std::string at = h->now();
      if (tx.execute("UPDATE messaging_surveys SET status = 'sent', sent_at = ?, updated_at = ? "
                     "WHERE id = ? AND status = 'draft'",
                     {at, at, id})
              .affected_rows != 1) {
        throw Error::conflict("messaging.survey_not_editable",
                              "only a draft can be changed or sent");
      }
      auto s = *tx.queryOne(std::string(kSelect) + "WHERE id = ?", {id});
      AudienceChoice audience{s.getText("audience"), splitIds(s.getText("audience_ids"))};
      bool per_child = s.getText("per_kind") == "child";
      std::set<std::pair<int64_t, int64_t>> targets;
      std::set<int64_t> households;
      for (const auto& [household, child] :
           audienceChildren(tx, p.municipality_id, s.getInt("facility_id"), audience, h->today())) {
        targets.emplace(household, per_child ? child : 0);
        households.insert(household);
      }
      for (const auto& [household, child] : targets) {
        tx.execute("INSERT INTO messaging_survey_targets (survey_id, household_id, child_id, "
                   "municipality_id) VALUES (?, ?, ?, ?)",
                   {id, household, child, p.municipality_id});
      }
      if (h->env.notifier && !households.empty()) {
        push::Notification n = h->notification(s, false);
        n.sender_user_id = p.user_id;
        push::Audience a;
        a.households.assign(households.begin(), households.end());
        h->env.notifier->notify(tx, n, a);
      }
      h->audit(tx, r, "messaging.survey_sent", id, {{"targets", targets.size()}});
    });
    h->env.web->flash(r, "success", h->env.web->i18n().t(r.language, "messaging.surveys.flash_sent"));
    return Response::redirect("/web/messaging/surveys/" + std::to_string(id));
  }});

  // Closes a sent survey before its deadline: answers after this are refused
  // (422 messaging.survey_closed); the tally and exports stay.
  ctx.addRoute({"POST", "/web/messaging/surveys/{survey_id}/close", "messaging.surveys.manage",
                [h](Request& r) {
    auto conn = h->env.db->acquire();
    auto s = h->staffSurvey(*conn, r);
    int64_t id = s.getInt("id");
    h->env.db->transaction([&](db::Tx& tx) {
      std::string at = h->now();
      if (tx.execute("UPDATE messaging_surveys SET status = 'closed', closed_at = ?, updated_at = ? "
                     "WHERE id = ? AND status = 'sent'",
                     {at, at, id})
              .affected_rows != 1) {
        throw Error::conflict("messaging.survey_not_sent", "only a sent survey can be closed");
      }
      h->audit(tx, r, "messaging.survey_closed", id,
               {{"deadline", s.getText("deadline")}});
    });
    h->env.web->flash(r, "success", h->env.web->i18n().t(r.language, "messaging.surveys.flash_closed"));
    return Response::redirect("/web/messaging/surveys/" + std::to_string(id));
  }});

  ctx.addRoute({"GET", "/web/messaging/surveys/{survey_id}", "messaging.surveys.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto s = h->staffSurvey(*conn, r);
                  auto qs = surveyQuestions(*conn, s.getInt("id"));
                  auto rs = surveyResponses(*conn, s.getInt("id"));
                  nlohmann::json j = h->summary(s);
                  j["deadline_label"] = tokyoDateTime(s.getText("deadline"));
                  j["progress"] = h->progress(*conn, s);
                  j["tally"] = surveyTally(qs, rs);
                  j["reminders"] = s.getInt("reminders");
                  const I18n& i18n = h->env.web->i18n();
                  j["status_label"] = i18n.t(r.language, "messaging.surveys.status." + s.getText("status"));
                  j["closed_at_label"] = tokyoDateTime(s.getOptText("closed_at").value_or(""));
                  for (auto& q : j["tally"]) {
                    q["kind_label"] = i18n.t(r.language, "messaging.surveys.kind." + q["kind"].get<std::string>());
                  }
                  if (r.queryParam("format").value_or("") == "json") return Response::json(j);
                  return h->env.web->page(r, "messaging/survey", {{"survey", j}},
                                          "messaging.surveys.title");
                }});

  ctx.addRoute({"POST", "/web/messaging/surveys/{survey_id}/remind", "messaging.surveys.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto s = h->staffSurvey(*conn, r);
                  int64_t id = s.getInt("id");
                  if (s.getText("status") == "draft") {
                    throw Error::conflict("messaging.survey_not_sent", "the survey is not sent yet");
                  }
                  if (!h->open(s)) {
                    throw Error::invalid("messaging.survey_closed", "the deadline has passed");
                  }
                  std::vector<int64_t> households;
                  nlohmann::json progress = h->progress(*conn, s);
                  for (const auto& f : progress["pending_households"]) {
                    households.push_back(f["id"]);
                  }
                  return remindHouseholds(
                      h->env, r,
                      {"messaging_surveys", "messaging_survey", "messaging.survey_reminded",
                       "messaging.surveys.flash_reminded",
                       "/web/messaging/surveys/" + std::to_string(id), id, households,
                       h->notification(s, true)});
                }});

  ctx.addRoute({"GET", "/web/messaging/surveys/{survey_id}/export.csv", "messaging.surveys.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  return h->exportFile(*conn, r, false);
                }});
  ctx.addRoute({"GET", "/web/messaging/surveys/{survey_id}/export.xlsx", "messaging.surveys.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  return h->exportFile(*conn, r, true);
                }});
}

}  // namespace sukusuku::messaging
