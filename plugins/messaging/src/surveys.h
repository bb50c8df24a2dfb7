// Surveys (アンケート): questions, the answers' rules and the tally, apart from their routes
// (surveys.cc) so exports and pages share one reading of the stored answers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sukusuku/db/database.h>

namespace sukusuku::messaging {

struct SurveyQuestion {
  int64_t id = 0;
  std::string kind;  // single, multiple, text, date
  std::string label;
  std::vector<std::string> options;
  bool required = false;
};

struct SurveyResponse {
  int64_t household_id = 0;
  int64_t child_id = 0;
  std::string household_name, child_name, answered_by;
  std::string updated_at;  // UTC
  nlohmann::json answers;  // question id (string) -> value
};

std::vector<SurveyQuestion> surveyQuestions(db::Connection& conn, int64_t survey_id);
std::vector<SurveyResponse> surveyResponses(db::Connection& conn, int64_t survey_id);

// The answers ANSWERS checked against QUESTIONS and normalised (unknown keys refused, choices
// from the options, dates valid, text trimmed, required ones present). Throws Error 422 with
// "messaging.unknown_question", "messaging.answer_required", "messaging.unknown_option" or
// "messaging.invalid_answer", details {question_id}.
nlohmann::json validateAnswers(const std::vector<SurveyQuestion>& questions,
                               const nlohmann::json& answers);

// An answer as one cell of text ("A、B" for several choices; "" when not answered).
std::string answerText(const SurveyQuestion& q, const nlohmann::json& answers);

// Per question: {id, kind, label, answered, options:[{label,count,percent}], texts:[...]}.
nlohmann::json surveyTally(const std::vector<SurveyQuestion>& questions,
                           const std::vector<SurveyResponse>& responses);

// Exports: one row per response (household, child, who answered, when, one column per question).
std::string surveyCsv(const std::vector<SurveyQuestion>& questions,
                      const std::vector<SurveyResponse>& responses);  // UTF-8 with BOM
std::string surveyXlsx(const std::string& title, const std::vector<SurveyQuestion>& questions,
                       const std::vector<SurveyResponse>& responses);

}  // namespace sukusuku::messaging
