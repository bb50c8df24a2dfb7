// Shared pieces of the admin pages (core/src/admin): the services they use, form parsing and
// validation, and the JSON the generic admin templates render. Private to core/src/admin.
//
// The pages are server-rendered with three templates under web/templates/admin/: "page" (intro,
// action buttons and sections of facts, tables and forms), with "table" and "form" as partials.
// A handler builds the page as JSON and hands it to Web::page; nothing page-specific lives in a
// template, so every page looks and behaves alike on a tablet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sukusuku/audit.h"
#include "sukusuku/db/database.h"
#include "sukusuku/http.h"
#include "sukusuku/web.h"

namespace sukusuku {
class PluginContext;
class Runtime;
}  // namespace sukusuku

namespace sukusuku::admin {

using nlohmann::json;

// What every admin page needs; valid for the runtime's life.
struct Deps {
  Runtime& rt;
  db::Database& db;
  Web& web;
  AuditLog& audit;
  const Clock& clock;

  std::string today() const { return tokyoDate(clock.now()); }
  int fiscalYearNow() const { return fiscalYear(clock.now()); }
  std::string t(const Request& r, const std::string& key) const;
  std::string t(const Request& r, const std::string& key,
                const std::map<std::string, std::string>& args) const;
};

// Permissions the admin pages declare (see module.cc for the roles holding them).
namespace perm {
inline constexpr const char* kView = "admin.directory.view";
inline constexpr const char* kFacilitiesEdit = "admin.facilities.edit";
inline constexpr const char* kClassesEdit = "admin.classes.edit";
inline constexpr const char* kChildrenEdit = "admin.children.edit";
inline constexpr const char* kHouseholdsEdit = "admin.households.edit";
inline constexpr const char* kStaffView = "admin.staff.view";
inline constexpr const char* kStaffEdit = "admin.staff.edit";
inline constexpr const char* kRolesManage = "admin.roles.manage";
inline constexpr const char* kExport = "admin.export";
inline constexpr const char* kAuditView = "admin.audit.view";
inline constexpr const char* kImport = "admin.import";
inline constexpr const char* kSystemView = "admin.system.view";
inline constexpr const char* kInvite = "identity.invitations.issue";
}  // namespace perm

// A submitted form with per-field validation. Field getters record an error message key under
// the field's name when the value is missing or malformed and return a neutral value, so a
// handler reads every field, then asks ok() once.
class Form {
 public:
  Form(const Deps& deps, const Request& request);

  std::string text(const std::string& name, bool required = true, size_t max = 200);
  // 'YYYY-MM-DD' that exists on the calendar; "" when optional and empty.
  std::string date(const std::string& name, bool required = true);
  // 'YYYY-MM'.
  std::string month(const std::string& name, bool required = true);
  // 'HH:MM'.
  std::string time(const std::string& name);
  std::optional<int64_t> integer(const std::string& name, bool required, int64_t min, int64_t max);
  // One of CHOICES.
  std::string choice(const std::string& name, const std::vector<std::string>& choices,
                     bool required = true);
  bool checkbox(const std::string& name) const;
  std::string raw(const std::string& name) const;

  void fail(const std::string& name, const std::string& message_key);
  bool ok() const { return errors_.empty(); }
  // field -> translated message
  const std::map<std::string, std::string>& errors() const { return errors_; }
  const std::multimap<std::string, std::string>& values() const { return values_; }

 private:
  const Deps& deps_;
  const Request& request_;
  std::multimap<std::string, std::string> values_;
  std::map<std::string, std::string> errors_;
};

// True for a real calendar date 'YYYY-MM-DD'.
bool validDate(const std::string& text);
bool validMonth(const std::string& text);

// ---- building pages ---------------------------------------------------------------------------

// A form description for the "form" partial. Fields are added in order; values and errors come
// from SUBMITTED (a re-rendered invalid form) or from DEFAULTS.
class FormView {
 public:
  FormView(std::string id, std::string action, std::string submit_label);
  FormView& text(const std::string& name, const std::string& label, const std::string& value,
                 const std::string& type = "text");
  FormView& select(const std::string& name, const std::string& label,
                   const std::vector<std::pair<std::string, std::string>>& options,
                   const std::string& value);
  FormView& checkbox(const std::string& name, const std::string& label, bool checked);
  FormView& hidden(const std::string& name, const std::string& value);
  FormView& file(const std::string& name, const std::string& label, const std::string& accept);
  FormView& multipart();
  // A filter form: GET, without the CSRF token.
  FormView& get();
  FormView& note(const std::string& text);
  // Values and errors of a submitted form override the defaults given above.
  FormView& from(const Form& submitted);
  json toJson() const;

 private:
  std::string id_, action_, submit_;
  json fields_ = json::array();
  bool multipart_ = false;
  bool get_ = false;
  std::string note_;
  std::map<std::string, std::string> errors_;
};

json facts(const std::vector<std::pair<std::string, std::string>>& items);
// A table: COLUMNS labels; rows of cells, each {"text"} or {"text","href"}.
json table(const std::vector<std::string>& columns, json rows, const std::string& empty_text);
json cell(const std::string& text, const std::string& href = "");
json link(const std::string& label, const std::string& href);
json section(const std::string& heading, json content);

// Renders "core/admin/page" with PAGE ({"intro","actions","sections"}) under TITLE_KEY.
Response renderPage(const Deps& deps, const Request& r, json page, const std::string& title_key,
                    int status = 200, const std::string& title_suffix = "");

// The options of a facility <select>: the facilities the principal may see.
std::vector<std::pair<std::string, std::string>> facilityOptions(const Deps& deps,
                                                                 db::Connection& conn,
                                                                 const Principal& p,
                                                                 bool with_all = false,
                                                                 const std::string& all = "");
// Translated choices "admin.<section>.<value>" for each of VALUES.
std::vector<std::pair<std::string, std::string>> choices(const Deps& deps, const Request& r,
                                                         const std::string& section,
                                                         const std::vector<std::string>& values);

// The principal's facilities as "IN (...)" SQL with its params; empty facility list gives
// "IN (0)". City roles get every facility of the municipality.
std::string inList(const std::vector<int64_t>& ids, db::Params& params);

// Throws 404 admin.not_found unless the row TABLE.id belongs to the principal's municipality.
void requireSameMunicipality(db::Connection& conn, const Principal& p, const std::string& table,
                             int64_t id, const std::string& code);

// Audit rows written by the admin pages.
void audit(const Deps& deps, db::Connection& conn, const Request& r, const std::string& action,
           const std::string& target_type, int64_t target_id, json details = json::object());

// A redirect after a successful post, with a flash message.
Response done(const Deps& deps, const Request& r, const std::string& location,
              const std::string& message_key,
              const std::map<std::string, std::string>& args = {});

// The parts, one per file.
void addFacilityPages(PluginContext& ctx, Deps& deps);
void addChildPages(PluginContext& ctx, Deps& deps);
void addHouseholdPages(PluginContext& ctx, Deps& deps);
void addStaffPages(PluginContext& ctx, Deps& deps);
void addInvitationAndAuditPages(PluginContext& ctx, Deps& deps);
void addImport(PluginContext& ctx, Deps& deps);

}  // namespace sukusuku::admin
