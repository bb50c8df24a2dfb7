#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

#include <sukusuku/error.h>
#include <sukusuku/export.h>

#include "outreach.h"
#include "surveys.h"

namespace sukusuku::messaging {

namespace {

Error answerError(const std::string& code, const std::string& message, int64_t question) {
  return Error::invalid(code, message, {{"question_id", question}});
}

std::string trimmed(std::string v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  size_t i = 0;
  while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
  return v.substr(i);
}

}  // namespace

std::vector<SurveyQuestion> surveyQuestions(db::Connection& conn, int64_t survey_id) {
  std::vector<SurveyQuestion> out;
  for (const auto& r : conn.query(
           "SELECT id, kind, label, options, required FROM messaging_survey_questions WHERE "
           "survey_id = ? ORDER BY position, id",
           {survey_id})) {
    SurveyQuestion q;
    q.id = r.getInt("id");
    q.kind = r.getText("kind");
    q.label = r.getText("label");
    for (const auto& o : nlohmann::json::parse(r.getText("options"))) q.options.push_back(o);
    q.required = r.getInt("required") != 0;
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<SurveyResponse> surveyResponses(db::Connection& conn, int64_t survey_id) {
  std::vector<SurveyResponse> out;
  for (const auto& r : conn.query(
           "SELECT s.household_id, s.child_id, s.answers, s.updated_at, h.name AS household_name, "
           "c.family_name, c.given_name, u.display_name FROM messaging_survey_responses s JOIN "
           "households h ON h.id = s.household_id LEFT JOIN children c ON c.id = s.child_id LEFT "
           "JOIN users u ON u.id = s.answered_by_user_id WHERE s.survey_id = ? ORDER BY h.name, "
           "s.household_id, s.child_id",
           {survey_id})) {
    SurveyResponse s;
    s.household_id = r.getInt("household_id");
    s.child_id = r.getInt("child_id");
    s.household_name = r.getText("household_name");
    if (!r.isNull("family_name")) {
      s.child_name = r.getText("family_name") + " " + r.getText("given_name");
    }
    s.answered_by = r.getOptText("display_name").value_or("");
    s.updated_at = r.getText("updated_at");
    s.answers = nlohmann::json::parse(r.getText("answers"));
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json validateAnswers(const std::vector<SurveyQuestion>& questions,
                               const nlohmann::json& answers) {
  if (!answers.is_object()) {
    throw Error::invalid("messaging.invalid_answer", "answers: an object question id -> answer");
  }
  std::map<std::string, const SurveyQuestion*> by_id;
  for (const auto& q : questions) by_id[std::to_string(q.id)] = &q;
  for (auto it = answers.begin(); it != answers.end(); ++it) {
    if (!by_id.count(it.key())) {
      int64_t qid = 0;
      try {
        qid = std::stoll(it.key());
      } catch (const std::exception&) {
      }
      throw answerError("messaging.unknown_question", "no such question in this survey", qid);
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& q : questions) {
    std::string key = std::to_string(q.id);
    nlohmann::json v = answers.contains(key) ? answers[key] : nlohmann::json();
    bool empty = v.is_null() || (v.is_string() && trimmed(v.get<std::string>()).empty()) ||
                 (v.is_array() && v.empty());
    if (empty) {
      if (q.required) throw answerError("messaging.answer_required", "this question needs an answer", q.id);
      continue;
    }
    if (q.kind == "single") {
      if (!v.is_string()) throw answerError("messaging.invalid_answer", "one option as text", q.id);
      if (std::find(q.options.begin(), q.options.end(), v.get<std::string>()) == q.options.end()) {
        throw Error::invalid("messaging.unknown_option", "not one of the options",
                             {{"question_id", q.id}, {"options", q.options}});
      }
      out[key] = v;
    } else if (q.kind == "multiple") {
      if (!v.is_array()) throw answerError("messaging.invalid_answer", "a list of options", q.id);
      std::set<std::string> chosen;
      for (const auto& o : v) {
        if (!o.is_string() ||
            std::find(q.options.begin(), q.options.end(), o.get<std::string>()) == q.options.end()) {
          throw Error::invalid("messaging.unknown_option", "not one of the options",
                               {{"question_id", q.id}, {"options", q.options}});
        }
        chosen.insert(o.get<std::string>());
      }
      nlohmann::json list = nlohmann::json::array();
      for (const auto& o : q.options) {
        if (chosen.count(o)) list.push_back(o);  // in the options' order
      }
      out[key] = list;
    } else if (q.kind == "text") {
      if (!v.is_string()) throw answerError("messaging.invalid_answer", "text", q.id);
      std::string t = trimmed(v);
      if (utf8Length(t) > 2000) {
        throw answerError("messaging.invalid_answer", "at most 2000 characters", q.id);
      }
      out[key] = t;
    } else {  // date
      if (!v.is_string() || !validDate(v.get<std::string>())) {
        throw answerError("messaging.invalid_answer", "a date YYYY-MM-DD", q.id);
      }
      out[key] = v;
    }
  }
  return out;
}

std::string answerText(const SurveyQuestion& q, const nlohmann::json& answers) {
  std::string key = std::to_string(q.id);
  if (!answers.contains(key)) return "";
  const auto& v = answers[key];
  if (v.is_array()) {
    std::string out;
    for (const auto& o : v) out += (out.empty() ? "" : "、") + o.get<std::string>();
    return out;
  }
  return v.is_string() ? v.get<std::string>() : "";
}

nlohmann::json surveyTally(const std::vector<SurveyQuestion>& questions,
                           const std::vector<SurveyResponse>& responses) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& q : questions) {
    std::string key = std::to_string(q.id);
    std::map<std::string, int64_t> counts;
    nlohmann::json texts = nlohmann::json::array();
    int64_t answered = 0;
    for (const auto& r : responses) {
      if (!r.answers.contains(key)) continue;
      ++answered;
      const auto& v = r.answers[key];
      if (q.kind == "multiple") {
        for (const auto& o : v) ++counts[o.get<std::string>()];
      } else if (q.kind == "single" || q.kind == "date") {
        ++counts[v.get<std::string>()];
      } else {
        texts.push_back({{"text", v.get<std::string>()},
                         {"who", r.child_name.empty() ? r.household_name : r.child_name}});
      }
    }
    nlohmann::json options = nlohmann::json::array();
    std::vector<std::string> labels = q.options;
    if (q.kind == "date") {
      for (const auto& [d, n] : counts) labels.push_back(d);
    }
    int64_t max = 0;
    for (const auto& l : labels) max = std::max(max, counts[l]);
    int row = 0;
    for (const auto& l : labels) {
      int64_t n = counts[l];
      int64_t percent = answered ? (n * 100 + answered / 2) / answered : 0;
      options.push_back({{"label", l},
                         {"count", n},
                         {"percent", percent},
                         // bar length in the 0..300 px SVG (relative to the largest option)
                         {"bar", max ? n * 300 / max : 0},
                         {"y", row * 28},
                         {"text_y", row * 28 + 17}});
      ++row;
    }
    out.push_back({{"id", q.id},
                   {"kind", q.kind},
                   {"label", q.label},
                   {"required", q.required},
                   {"answered", answered},
                   {"options", options},
                   {"has_chart", q.kind != "text"},
                   {"chart_height", std::max(28, row * 28)},
                   {"texts", texts}});
  }
  return out;
}

std::string surveyCsv(const std::vector<SurveyQuestion>& questions,
                      const std::vector<SurveyResponse>& responses) {
  std::ostringstream out;
  out << exports::kUtf8Bom << "世帯,児童,回答者,回答日時";
  for (const auto& q : questions) out << ',' << exports::csvField(q.label);
  out << "\r\n";
  for (const auto& r : responses) {
    out << exports::csvField(r.household_name) << ',' << exports::csvField(r.child_name) << ','
        << exports::csvField(r.answered_by) << ',' << tokyoDateTime(r.updated_at);
    for (const auto& q : questions) out << ',' << exports::csvField(answerText(q, r.answers));
    out << "\r\n";
  }
  return out.str();
}

std::string surveyXlsx(const std::string& title, const std::vector<SurveyQuestion>& questions,
                       const std::vector<SurveyResponse>& responses) {
  (void)title;
  exports::Workbook wb("survey");
  exports::Sheet& ws = wb.addSheet("回答");
  std::vector<std::string> header = {"世帯", "児童", "回答者", "回答日時"};
  for (const auto& q : questions) header.push_back(q.label);
  for (size_t c = 0; c < header.size(); ++c) ws.text(0, static_cast<int>(c), header[c], true);
  for (size_t i = 0; i < responses.size(); ++i) {
    const auto& r = responses[i];
    std::vector<std::string> cells = {r.household_name, r.child_name, r.answered_by,
                                      tokyoDateTime(r.updated_at)};
    for (const auto& q : questions) cells.push_back(answerText(q, r.answers));
    for (size_t c = 0; c < cells.size(); ++c) {
      ws.text(static_cast<int>(i + 1), static_cast<int>(c), cells[c]);
    }
  }
  ws.columnWidth(0, static_cast<int>(header.size() - 1), 18);
  return wb.bytes();
}

}  // namespace sukusuku::messaging
