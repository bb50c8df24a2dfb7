#include "form_errors.h"

namespace sukusuku::messaging {

nlohmann::json formError(Web& web, const Request& r, const Error& e) {
  std::string message = web.i18n().t(r.language, "errors." + e.code());
  if (message == "errors." + e.code()) message = e.what();
  std::string field;
  const nlohmann::json& d = e.details();
  if (d.is_object() && d.contains("field") && d["field"].is_string()) {
    field = d["field"].get<std::string>();
  } else if (d.is_object() && d.contains("question") && d["question"].is_number_integer()) {
    field = "q" + std::to_string(d["question"].get<int64_t>());
  }
  return {{"code", e.code()}, {"message", message}, {"field", field}};
}

void addFormError(nlohmann::json& data, const nlohmann::json& error) {
  data["error"] = error;
  nlohmann::json errors = nlohmann::json::object();
  if (!error["field"].get<std::string>().empty()) {
    errors[error["field"].get<std::string>()] = error["message"];
  }
  data["errors"] = errors;
}

Response submitOrShowForm(Web& web, const Request& r,
                          const std::function<Response()>& submit,
                          const std::function<Response(const nlohmann::json& error)>& rerender) {
  try {
    return submit();
  } catch (const Error& e) {
    if (e.status() != 422 || r.header("accept").find("application/json") != std::string::npos) {
      throw;
    }
    Response out = rerender(formError(web, r, e));
    out.status = 422;
    return out;
  }
}

}  // namespace sukusuku::messaging
