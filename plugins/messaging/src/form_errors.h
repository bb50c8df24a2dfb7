// Staff forms that fail validation come back as the form itself, with what was typed kept and
// the message beside the field it is about (status 422), instead of the error page. Requests
// that ask for JSON (Accept: application/json) still get the JSON error.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include <sukusuku/error.h>
#include <sukusuku/http.h>
#include <sukusuku/web.h>

namespace sukusuku::messaging {

// {"code","message","field"} of E in the request's language (errors.<code>, else E's own
// message). The field is E's details "field", or "q<n>" for details "question": n.
nlohmann::json formError(Web& web, const Request& r, const Error& e);

// Adds "error" (as formError) and "errors": {field: message} to a form's DATA.
void addFormError(nlohmann::json& data, const nlohmann::json& error);

// Runs SUBMIT; a 422 Error it throws becomes RERENDER(formError(...)) instead. Anything else,
// and any error of a request asking for JSON, goes on as thrown.
Response submitOrShowForm(Web& web, const Request& r,
                          const std::function<Response()>& submit,
                          const std::function<Response(const nlohmann::json& error)>& rerender);

}  // namespace sukusuku::messaging
