// Applications for a programme: checked when the family enters them, then reviewed by the city.
//
// Life of an application (every change is a row in eligibility_application_events, an audit
// entry and, with the push core present, a notification to the family):
//
//   submitted ──review──> under_review ──approve──> approved   (final)
//       │                      ├──────return──────> returned ──resubmit (family)──> submitted
//       └──approve/return/reject (directly)         └──reject──> rejected   (final)
//
// Checks at entry. The family sends {"programme", "answers": {…}, "declaration": true}. The
// answers may state household facts (answerableFields()) on top of the profile the identity core
// keeps; the merged household is evaluated for that programme on today's date, and the
// application is refused with 422 "eligibility.application_invalid" unless the result is
// `eligible`. details.fields maps each form field to its errors, so the app shows them beside
// the field rather than staff finding them later:
//   {"fields": {"child_support_received_yen": [{"code": "required", "message": "…"}],
//               "income_yen": [{"code": "condition_not_met", "condition": "income_below_limit",
//                               "message": "<the programme's reason, in the user's language>"}]},
//    "result": {<the evaluator's result for the programme>}}
// A failed condition is attached to every field that decides it (found by leaving each field
// out in turn and seeing the condition become unknown); one that no single field decides goes
// under "_form".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <sukusuku/api.h>
#include <sukusuku/http.h>

#include "context.h"

namespace sukusuku::eligibility_plugin {

// Household facts a family may state in an application.
const std::vector<std::string>& answerableFields();

// A new application for the guardian's own household. 422 as above; 409
// "eligibility.application_exists" when one for the programme is open or approved.
nlohmann::json submitApplication(EligibilityContext& ctx, const Principal& guardian,
                                 const nlohmann::json& body, const std::string& request_id);
// The family corrects a returned application: same body and checks; back to submitted.
nlohmann::json resubmitApplication(EligibilityContext& ctx, const Principal& guardian,
                                   int64_t application_id, const nlohmann::json& body,
                                   const std::string& request_id);

// The family's own applications, newest first, paged by id.
nlohmann::json listOwnApplications(EligibilityContext& ctx, const Principal& guardian,
                                   const api::PageRequest& page);
// One of the family's own applications with its history; 404 for anyone else's.
nlohmann::json ownApplication(EligibilityContext& ctx, const Principal& guardian,
                              int64_t application_id);

// The city's review queue: applications of the officer's municipality with STATUS ("" = all
// open ones), oldest first.
nlohmann::json reviewQueue(EligibilityContext& ctx, const Principal& officer,
                           const std::string& status);
// One application of the officer's municipality for review: the submission, the evaluator's
// result at submission and now, the history. 404 outside the municipality.
nlohmann::json reviewDetail(EligibilityContext& ctx, const Principal& officer,
                            int64_t application_id);
// ACTION is review, approve, return or reject; return and reject need a MESSAGE for the family.
// 409 "eligibility.invalid_transition" when the application's status does not allow it.
void decide(EligibilityContext& ctx, const Principal& officer, int64_t application_id,
            const std::string& action, const std::string& message,
            const std::string& request_id);

}  // namespace sukusuku::eligibility_plugin
