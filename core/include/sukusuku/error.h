// Domain errors: what went wrong, said so that a program and a person can both act on it.
//
// Every error a caller can cause carries a stable code ("fees.plan_not_found"), a message for
// people and optional details (JSON). The HTTP layer maps it to a status and to the envelope
//   {"error":{"code":"…","message":"…","details":{…}}}
// and never answers bad input with a bare 500. Codes are part of the API: never reuse or rename.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace sukusuku {

class Error : public std::runtime_error {
 public:
  Error(int http_status, std::string code, const std::string& message,
        nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(message),
        status_(http_status),
        code_(std::move(code)),
        details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const nlohmann::json& details() const { return details_; }

  static Error badRequest(std::string code, const std::string& message,
                          nlohmann::json details = nlohmann::json::object()) {
    return Error(400, std::move(code), message, std::move(details));
  }
  static Error unauthorized(std::string code, const std::string& message) {
    return Error(401, std::move(code), message);
  }
  static Error forbidden(std::string code, const std::string& message) {
    return Error(403, std::move(code), message);
  }
  static Error notFound(std::string code, const std::string& message) {
    return Error(404, std::move(code), message);
  }
  static Error conflict(std::string code, const std::string& message,
                        nlohmann::json details = nlohmann::json::object()) {
    return Error(409, std::move(code), message, std::move(details));
  }
  // 422: the request was well-formed but a field's value is not acceptable.
  static Error invalid(std::string code, const std::string& message,
                       nlohmann::json details = nlohmann::json::object()) {
    return Error(422, std::move(code), message, std::move(details));
  }

  nlohmann::json toJson() const {
    return {{"error", {{"code", code_}, {"message", what()}, {"details", details_}}}};
  }

 private:
  int status_;
  std::string code_;
  nlohmann::json details_;
};

}  // namespace sukusuku
