#include "support.h"

#include <algorithm>
#include <cstdio>

#include "sukusuku/error.h"
#include "sukusuku/runtime.h"
#include "sukusuku/tenancy.h"

namespace sukusuku::admin {

std::string Deps::t(const Request& r, const std::string& key) const {
  return web.i18n().t(r.language, key);
}

std::string Deps::t(const Request& r, const std::string& key,
                    const std::map<std::string, std::string>& args) const {
  return web.i18n().t(r.language, key, args);
}

// ---- validation -------------------------------------------------------------------------------

namespace {

bool digits(const std::string& s, size_t from, size_t n) {
  for (size_t i = from; i < from + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Well-formed UTF-8 without control characters (tabs and newlines aside).
bool cleanText(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    for (int k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

bool validDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4) || !digits(s, 5, 2) ||
      !digits(s, 8, 2)) {
    return false;
  }
  int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool validMonth(const std::string& s) {
  return s.size() == 7 && s[4] == '-' && digits(s, 0, 4) && digits(s, 5, 2) &&
         std::stoi(s.substr(5, 2)) >= 1 && std::stoi(s.substr(5, 2)) <= 12;
}

Form::Form(const Deps& deps, const Request& request)
    : deps_(deps), request_(request), values_(request.form()) {}

std::string Form::raw(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "" : it->second;
}

void Form::fail(const std::string& name, const std::string& key) {
  if (!errors_.count(name)) errors_[name] = deps_.t(request_, "admin.errors." + key);
}

std::string Form::text(const std::string& name, bool required, size_t max) {
  std::string v = trim(raw(name));
  if (v.empty()) {
    if (required) fail(name, "required");
    return "";
  }
  if (!cleanText(v)) {
    fail(name, "text");
    return "";
  }
  if (v.size() > max) {
    fail(name, "too_long");
    return "";
  }
  return v;
}

std::string Form::date(const std::string& name, bool required) {
  std::string v = text(name, required, 10);
  if (!v.empty() && !validDate(v)) {
    fail(name, "date");
    return "";
  }
  return v;
}

std::string Form::month(const std::string& name, bool required) {
  std::string v = text(name, required, 7);
  if (!v.empty() && !validMonth(v)) {
    fail(name, "month");
    return "";
  }
  return v;
}

std::string Form::time(const std::string& name) {
  std::string v = text(name, true, 5);
  if (!v.empty() && !(v.size() == 5 && v[2] == ':' && digits(v, 0, 2) && digits(v, 3, 2) &&
                      std::stoi(v.substr(0, 2)) < 24 && std::stoi(v.substr(3, 2)) < 60)) {
    fail(name, "time");
    return "";
  }
  return v;
}

std::optional<int64_t> Form::integer(const std::string& name, bool required, int64_t min,
                                     int64_t max) {
  std::string v = text(name, required, 18);
  if (v.empty()) return std::nullopt;
  bool neg = v[0] == '-';
  if (!digits(v, neg ? 1 : 0, v.size() - (neg ? 1 : 0)) || v.size() == (neg ? 1u : 0u)) {
    fail(name, "number");
    return std::nullopt;
  }
  int64_t n = std::stoll(v);
  if (n < min || n > max) {
    fail(name, "range");
    return std::nullopt;
  }
  return n;
}

std::string Form::choice(const std::string& name, const std::vector<std::string>& choices,
                         bool required) {
  std::string v = text(name, required, 100);
  if (!v.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
    fail(name, "choice");
    return "";
  }
  return v;
}

bool Form::checkbox(const std::string& name) const {
  std::string v = raw(name);
  return v == "1" || v == "on" || v == "true";
}

// ---- views ------------------------------------------------------------------------------------

FormView::FormView(std::string id, std::string action, std::string submit_label)
    : id_(std::move(id)), action_(std::move(action)), submit_(std::move(submit_label)) {}

namespace {
json field(const std::string& name, const std::string& label) {
  return {{"name", name},         {"label", label},     {"value", ""},
          {"input", false},       {"select", false},    {"checkbox", false},
          {"hidden", false},      {"options", json::array()}, {"checked", false},
          {"error", nullptr},     {"accept", ""}};
}
}  // namespace

FormView& FormView::text(const std::string& name, const std::string& label,
                         const std::string& value, const std::string& type) {
  json f = field(name, label);
  f["input"] = type;
  f["value"] = value;
  fields_.push_back(std::move(f));
  return *this;
}

FormView& FormView::select(const std::string& name, const std::string& label,
                           const std::vector<std::pair<std::string, std::string>>& options,
                           const std::string& value) {
  json f = field(name, label);
  f["select"] = true;
  f["value"] = value;
  for (const auto& [v, l] : options) {
    f["options"].push_back({{"value", v}, {"label", l}, {"selected", v == value}});
  }
  fields_.push_back(std::move(f));
  return *this;
}

FormView& FormView::checkbox(const std::string& name, const std::string& label, bool checked) {
  json f = field(name, label);
  f["checkbox"] = true;
  f["checked"] = checked;
  fields_.push_back(std::move(f));
  return *this;
}

FormView& FormView::hidden(const std::string& name, const std::string& value) {
  json f = field(name, "");
  f["hidden"] = true;
  f["value"] = value;
  fields_.push_back(std::move(f));
  return *this;
}

FormView& FormView::file(const std::string& name, const std::string& label,
                         const std::string& accept) {
  json f = field(name, label);
  f["input"] = "file";
  f["accept"] = accept;
  fields_.push_back(std::move(f));
  multipart_ = true;
  return *this;
}

FormView& FormView::multipart() {
  multipart_ = true;
  return *this;
}

FormView& FormView::get() {
  get_ = true;
  return *this;
}

FormView& FormView::note(const std::string& text) {
  note_ = text;
  return *this;
}

FormView& FormView::from(const Form& submitted) {
  errors_ = submitted.errors();
  for (auto& f : fields_) {
    std::string name = f["name"];
    auto it = submitted.values().find(name);
    if (f["checkbox"].get<bool>()) {
      f["checked"] = submitted.checkbox(name);
    } else if (it != submitted.values().end() && f["input"] != "file" &&
               name != "csrf_token") {
      f["value"] = it->second;
      for (auto& o : f["options"]) o["selected"] = o["value"] == it->second;
    }
  }
  return *this;
}

json FormView::toJson() const {
  json fields = fields_;
  for (auto& f : fields) {
    auto it = errors_.find(f["name"].get<std::string>());
    if (it != errors_.end()) f["error"] = it->second;
  }
  return {{"form_id", id_},   {"action", action_},         {"submit", submit_},
          {"fields", fields}, {"multipart", multipart_}, {"get", get_},   {"has_errors", !errors_.empty()},
          {"note", note_.empty() ? json(nullptr) : json(note_)}};
}

json facts(const std::vector<std::pair<std::string, std::string>>& items) {
  json out = json::array();
  for (const auto& [label, value] : items) out.push_back({{"label", label}, {"value", value}});
  return {{"items", out}};
}

json cell(const std::string& text, const std::string& href) {
  return {{"text", text}, {"href", href.empty() ? json(nullptr) : json(href)}};
}

json link(const std::string& label, const std::string& href) {
  return {{"label", label}, {"href", href}};
}

json table(const std::vector<std::string>& columns, json rows, const std::string& empty_text) {
  json cols = json::array();
  for (const auto& c : columns) cols.push_back({{"label", c}});
  bool empty = rows.empty();
  return {{"columns", cols},
          {"rows", std::move(rows)},
          {"empty", empty ? json(empty_text) : json(nullptr)}};
}

json section(const std::string& heading, json content) {
  json s = {{"heading", heading.empty() ? json(nullptr) : json(heading)},
            {"facts", nullptr},
            {"table", nullptr},
            {"form", nullptr},
            {"text", nullptr},
            {"code", nullptr},
            {"links", nullptr}};
  for (auto it = content.begin(); it != content.end(); ++it) s[it.key()] = it.value();
  return s;
}

Response renderPage(const Deps& deps, const Request& r, json page, const std::string& title_key,
                    int status, const std::string& title_suffix) {
  for (const char* k : {"intro", "actions", "sections", "filters"}) {
    if (!page.contains(k)) page[k] = nullptr;
  }
  if (page["actions"].is_array()) page["actions"] = {{"items", page["actions"]}};
  Response res = deps.web.page(r, "core/admin/page", page, title_key, status);
  if (!title_suffix.empty()) {
    // The layout's <h1> and <title> say which record this is.
    std::string title = deps.t(r, title_key);
    std::string escaped;
    for (char c : title_suffix) {
      switch (c) {
        case '&': escaped += "&amp;"; break;
        case '<': escaped += "&lt;"; break;
        case '>': escaped += "&gt;"; break;
        case '"': escaped += "&quot;"; break;
        case '\'': escaped += "&#39;"; break;
        default: escaped += c;
      }
    }
    std::string with = title + " — " + escaped;
    for (const std::string& tag : {std::string("<h1>"), std::string("<title>")}) {
      size_t at = res.body.find(tag + title);
      if (at != std::string::npos) res.body.replace(at + tag.size(), title.size(), with);
    }
  }
  return res;
}

std::vector<std::pair<std::string, std::string>> facilityOptions(const Deps& deps,
                                                                 db::Connection& conn,
                                                                 const Principal& p, bool with_all,
                                                                 const std::string& all) {
  std::vector<std::pair<std::string, std::string>> out;
  if (with_all) out.emplace_back("", all);
  auto ids = tenancy::visibleFacilities(conn, p, deps.today());
  db::Params params = {p.municipality_id};
  std::string in = inList(ids, params);
  for (const auto& row : conn.query("SELECT id, name FROM facilities WHERE municipality_id = ? "
                                    "AND id IN " + in + " ORDER BY code",
                                    params)) {
    out.emplace_back(std::to_string(row.getInt("id")), row.getText("name"));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> choices(const Deps& deps, const Request& r,
                                                         const std::string& section,
                                                         const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : values) {
    out.emplace_back(v, v.empty() ? "—" : deps.t(r, "admin." + section + "." + v));
  }
  return out;
}

std::string inList(const std::vector<int64_t>& ids, db::Params& params) {
  if (ids.empty()) return "(0)";
  std::string out = "(";
  for (size_t i = 0; i < ids.size(); ++i) {
    out += i ? ",?" : "?";
    params.emplace_back(ids[i]);
  }
  return out + ")";
}

void requireSameMunicipality(db::Connection& conn, const Principal& p, const std::string& table,
                             int64_t id, const std::string& code) {
  auto row = conn.queryOne("SELECT municipality_id FROM " + table + " WHERE id = ?", {id});
  if (!row || row->getInt("municipality_id") != p.municipality_id) {
    throw Error::notFound(code, "no such record");
  }
}

void audit(const Deps& deps, db::Connection& conn, const Request& r, const std::string& action,
           const std::string& target_type, int64_t target_id, json details) {
  const Principal& p = r.user();
  deps.audit.record(conn, {.municipality_id = p.municipality_id,
                           .actor_user_id = p.user_id,
                           .actor_role = p.role,
                           .action = action,
                           .target_type = target_type,
                           .target_id = std::to_string(target_id),
                           .details = std::move(details),
                           .request_id = r.request_id});
}

Response done(const Deps& deps, const Request& r, const std::string& location,
              const std::string& message_key, const std::map<std::string, std::string>& args) {
  deps.web.flash(r, "success", deps.t(r, message_key, args));
  return Response::redirect(location);
}

}  // namespace sukusuku::admin
