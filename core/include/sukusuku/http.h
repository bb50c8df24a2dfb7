// The HTTP surface a plugin programs against: requests, responses, routes.
//
// Routes are matched on method and a path template whose `{name}` segments capture parameters
// ("/api/v1/children/{child_id}"). Every route declares the permission it needs: kPublic,
// kAuthenticated or a named permission a role grants. Nothing is open by default; a test walks
// the router to prove it. Handlers run on the server's worker threads and must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sukusuku {

// Who is asking. Filled in by the authenticator before the handler runs; scope (which
// municipality, facilities, household) comes with it so handlers can check ownership.
struct Principal {
  int64_t user_id = 0;
  std::string display_name;
  std::string role;                  // "guardian", "facility_staff", ...
  int64_t municipality_id = 0;
  std::vector<int64_t> facility_ids;  // staff: the facilities they are assigned to
  int64_t household_id = 0;           // guardians
  std::set<std::string> permissions;
  std::string language = "ja";
  std::string session_id;             // web sessions: for CSRF and logout

  bool has(const std::string& permission) const { return permissions.count(permission) > 0; }
};

class Request {
 public:
  std::string method;
  std::string path;                              // without the query string
  std::map<std::string, std::string> path_params;
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::string request_id;
  std::string remote_addr;
  std::shared_ptr<const Principal> principal;  // null on public routes without credentials
  std::string route_pattern;                    // the matched template, for logs and metrics
  std::string language = "ja";                  // negotiated UI language

  // The path parameter NAME; throws Error 400 "request.missing_parameter" when absent.
  const std::string& param(const std::string& name) const;
  // The path parameter NAME as an integer id; throws Error 404 "request.not_found" when it is
  // not a positive integer (an id that cannot exist is a missing resource, not a server error).
  int64_t idParam(const std::string& name) const;
  std::optional<std::string> queryParam(const std::string& name) const;
  std::string header(const std::string& lower_name) const;  // "" when absent
  // The body parsed as JSON; throws Error 400 "request.invalid_json" with the parser's position.
  nlohmann::json json() const;
  // application/x-www-form-urlencoded body fields.
  std::multimap<std::string, std::string> form() const;
  // The principal, or Error 401 "auth.required".
  const Principal& user() const;
};

class Response {
 public:
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::map<std::string, std::string> headers;
  std::string body;

  static Response json(const nlohmann::json& value, int status = 200);
  static Response html(std::string body, int status = 200);
  static Response text(std::string body, std::string content_type = "text/plain; charset=utf-8",
                       int status = 200);
  static Response redirect(const std::string& location, int status = 303);
  static Response noContent();
};

using Handler = std::function<Response(Request&)>;

inline constexpr const char* kPublic = "public";
inline constexpr const char* kAuthenticated = "authenticated";

struct Route {
  std::string method;      // GET, POST, PUT, PATCH, DELETE
  std::string pattern;     // "/api/v1/things/{id}"
  std::string permission;  // kPublic, kAuthenticated or a named permission; never empty
  Handler handler;
  std::string owner = {};  // "core" or the plugin's name (filled in by the host)
  // 0: the server's http.max_body_bytes. Upload routes raise it for themselves only.
  int64_t max_body_bytes = 0;
};

// Resolves who is asking from a request's credentials (bearer token, session cookie).
// Returns null when the request carries none; throws Error 401 when they are invalid.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::shared_ptr<const Principal> authenticate(const Request& request) = 0;
};

}  // namespace sukusuku
