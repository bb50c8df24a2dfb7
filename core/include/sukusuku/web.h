// Server-rendered pages for staff and city officers: templates, strings, navigation, the layout.
//
// Templates are Mustache (kainjow), parsed once at start-up and rendered without shared mutable
// state. A page renders its own template, then the web shell's "core/layout" template wraps it with
// the navigation the principal may see. Strings come from i18n catalogues (nested JSON per
// language, Japanese first; a key missing in a language falls back to Japanese, then to the key
// itself, so a missing string is visible rather than blank). Templates read strings as
// {{t.section.key}}.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/error.h"
#include "sukusuku/http.h"

namespace sukusuku {

struct NavItem {
  std::string label_key;   // i18n key, "fees.nav.plans"
  std::string path;        // "/web/fees/plans"
  std::string permission;  // shown only to principals holding it (kAuthenticated: everyone)
  int order = 100;         // ascending
  std::string owner = {};  // filled in by the host
};

class I18n {
 public:
  static constexpr const char* kDefaultLanguage = "ja";

  // Merges a nested catalogue; a key already defined by another owner throws std::logic_error.
  void add(const std::string& language, const nlohmann::json& catalogue, const std::string& owner);
  // The string for "a.b.c" in LANGUAGE, falling back to Japanese, then to the key.
  std::string t(const std::string& language, const std::string& key) const;
  // Like t(), with {name} placeholders replaced from `args`.
  std::string t(const std::string& language, const std::string& key,
                const std::map<std::string, std::string>& args) const;
  const nlohmann::json& catalogue(const std::string& language) const;
  std::vector<std::string> languages() const;
  // Picks a supported language from a `lang` cookie/query value or Accept-Language; else "ja".
  std::string negotiate(const std::string& preferred, const std::string& accept_language) const;

 private:
  std::map<std::string, nlohmann::json> merged_;  // language -> nested catalogue
  std::map<std::string, std::string> owners_;     // "lang:key" -> owner
};

class Templates {
 public:
  Templates();
  ~Templates();
  // Parses TEXT; throws std::runtime_error naming the template and the parser's message.
  void add(const std::string& name, const std::string& text);
  bool has(const std::string& name) const;
  // Renders with `data`; a name starting with '>' inside a template ({{> name}}) is another
  // template. Throws std::out_of_range for an unknown template.
  std::string render(const std::string& name, const nlohmann::json& data) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Web {
 public:
  Web(Templates& templates, I18n& i18n) : templates_(templates), i18n_(i18n) {}

  void addNav(NavItem item);
  // The navigation entries the principal may see, in order (labels already translated).
  nlohmann::json navFor(const Request& request) const;

  // Renders template NAME with DATA inside the layout. DATA gains "t" (the strings of the
  // request's language), "lang", "user", "csrf_token" and "nav".
  Response page(const Request& request, const std::string& name, nlohmann::json data,
                const std::string& title_key, int status = 200) const;
  // The error page for an Error, in the request's language.
  Response errorPage(const Request& request, const Error& error) const;

  Templates& templates() { return templates_; }
  I18n& i18n() { return i18n_; }

  // Set by the web shell: the token a form must echo for this request's session.
  std::function<std::string(const Request&)> csrf_token_for;

  // Flash messages: one message kept in the request's web session until the next page shows it
  // (post → redirect → get). KIND is "success", "info" or "error"; MESSAGE is already in the
  // user's language. Without a session (or before the store is installed) nothing is kept.
  void flash(const Request& request, const std::string& kind, const std::string& message) const;
  // Set by the web shell: keep {"kind","message"} for the session / take it out (null if none).
  std::function<void(const Request&, const nlohmann::json&)> flash_store;
  std::function<nlohmann::json(const Request&)> flash_take;

 private:
  Templates& templates_;
  I18n& i18n_;
  std::vector<NavItem> nav_;
};

}  // namespace sukusuku
