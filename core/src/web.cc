#include "sukusuku/web.h"

#include <algorithm>
#include <stdexcept>

#include <kainjow/mustache.hpp>

namespace sukusuku {

namespace mustache = kainjow::mustache;

// ---- I18n -------------------------------------------------------------------------------------

namespace {

void mergeInto(nlohmann::json& into, const nlohmann::json& from, const std::string& prefix,
               const std::string& language, const std::string& owner,
               std::map<std::string, std::string>& owners) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      if (!into.contains(it.key())) into[it.key()] = nlohmann::json::object();
      if (!into[it.key()].is_object()) {
        throw std::logic_error("i18n key " + key + " is both a string and a section");
      }
      mergeInto(into[it.key()], *it, key, language, owner, owners);
    } else if (it->is_string()) {
      auto [pos, inserted] = owners.emplace(language + ":" + key, owner);
      if (!inserted && pos->second != owner) {
        throw std::logic_error("i18n key " + key + " (" + language + ") defined by both " +
                               pos->second + " and " + owner);
      }
      into[it.key()] = *it;
    } else {
      throw std::logic_error("i18n key " + key + " must be a string or a section");
    }
  }
}

const nlohmann::json* find(const nlohmann::json& root, const std::string& key) {
  const nlohmann::json* cur = &root;
  size_t i = 0;
  while (i <= key.size()) {
    size_t dot = key.find('.', i);
    if (dot == std::string::npos) dot = key.size();
    std::string part = key.substr(i, dot - i);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    i = dot + 1;
  }
  return cur->is_string() ? cur : nullptr;
}

}  // namespace

void I18n::add(const std::string& language, const nlohmann::json& catalogue,
               const std::string& owner) {
  auto& root = merged_[language];
  if (root.is_null()) root = nlohmann::json::object();
  mergeInto(root, catalogue, "", language, owner, owners_);
}

std::string I18n::t(const std::string& language, const std::string& key) const {
  for (const std::string& lang : {language, std::string(kDefaultLanguage)}) {
    auto it = merged_.find(lang);
    if (it == merged_.end()) continue;
    if (const auto* v = find(it->second, key)) return v->get<std::string>();
  }
  return key;
}

std::string I18n::t(const std::string& language, const std::string& key,
                    const std::map<std::string, std::string>& args) const {
  std::string s = t(language, key);
  for (const auto& [name, value] : args) {
    std::string token = "{" + name + "}";
    for (size_t pos = s.find(token); pos != std::string::npos;
         pos = s.find(token, pos + value.size())) {
      s.replace(pos, token.size(), value);
    }
  }
  return s;
}

const nlohmann::json& I18n::catalogue(const std::string& language) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = merged_.find(language);
  if (it != merged_.end()) return it->second;
  it = merged_.find(kDefaultLanguage);
  return it == merged_.end() ? kEmpty : it->second;
}

std::vector<std::string> I18n::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, _] : merged_) out.push_back(lang);
  return out;
}

std::string I18n::negotiate(const std::string& preferred,
                            const std::string& accept_language) const {
  if (!preferred.empty() && merged_.count(preferred)) return preferred;
  // "en-US,en;q=0.9,ja;q=0.8": the first supported primary tag in the order given. Quality
  // values are ordered that way by every browser in practice.
  size_t i = 0;
  while (i < accept_language.size()) {
    size_t comma = accept_language.find(',', i);
    if (comma == std::string::npos) comma = accept_language.size();
    std::string item = accept_language.substr(i, comma - i);
    item.erase(0, item.find_first_not_of(' '));
    std::string tag = item.substr(0, item.find_first_of("-;"));
    for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (merged_.count(tag)) return tag;
    i = comma + 1;
  }
  return kDefaultLanguage;
}

// ---- Templates --------------------------------------------------------------------------------

namespace {

mustache::data toData(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data d{mustache::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), toData(*it));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mustache::data d{mustache::data::type::list};
      for (const auto& item : j) d.push_back(toData(item));
      return d;
    }
    case nlohmann::json::value_t::string:
      return mustache::data(j.get<std::string>());
    case nlohmann::json::value_t::boolean:
      return j.get<bool>() ? mustache::data(mustache::data::type::bool_true)
                           : mustache::data(mustache::data::type::bool_false);
    case nlohmann::json::value_t::null:
      return mustache::data(mustache::data::type::bool_false);
    default:
      return mustache::data(j.dump());
  }
}

}  // namespace

struct Templates::Impl {
  std::map<std::string, std::string> sources;
  std::map<std::string, mustache::mustache> parsed;
};

Templates::Templates() : impl_(std::make_unique<Impl>()) {}
Templates::~Templates() = default;

void Templates::add(const std::string& name, const std::string& text) {
  mustache::mustache tmpl(text);
  if (!tmpl.is_valid()) {
    throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  }
  if (impl_->sources.count(name)) throw std::logic_error("template defined twice: " + name);
  impl_->sources[name] = text;
  impl_->parsed.emplace(name, std::move(tmpl));
}

bool Templates::has(const std::string& name) const { return impl_->parsed.count(name) > 0; }

std::string Templates::render(const std::string& name, const nlohmann::json& data) const {
  auto it = impl_->parsed.find(name);
  if (it == impl_->parsed.end()) throw std::out_of_range("no template named " + name);
  mustache::data d = toData(data);
  // Partials: {{> other/template}} resolves to another registered template.
  for (const auto& [pname, text] : impl_->sources) {
    const std::string& src = text;
    d.set(pname, mustache::partial([&src] { return src; }));
  }
  // The parsed tree is shared; rendering walks it through a copy so that no render mutates
  // state another thread reads.
  mustache::mustache tmpl = it->second;
  std::string out = tmpl.render(d);
  if (!tmpl.is_valid()) throw std::runtime_error("template " + name + ": " + tmpl.error_message());
  return out;
}

// ---- Web --------------------------------------------------------------------------------------

void Web::addNav(NavItem item) {
  nav_.push_back(std::move(item));
  std::stable_sort(nav_.begin(), nav_.end(),
                   [](const NavItem& a, const NavItem& b) { return a.order < b.order; });
}

nlohmann::json Web::navFor(const Request& request) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : nav_) {
    bool visible = item.permission == kPublic ||
                   (request.principal && (item.permission == kAuthenticated ||
                                          request.principal->has(item.permission)));
    if (!visible) continue;
    out.push_back({{"label", i18n_.t(request.language, item.label_key)},
                   {"path", item.path},
                   {"active", request.path.rfind(item.path, 0) == 0}});
  }
  return out;
}

Response Web::page(const Request& request, const std::string& name, nlohmann::json data,
                   const std::string& title_key, int status) const {
  nlohmann::json common = {
      {"t", i18n_.catalogue(request.language)},
      {"lang", request.language},
      {"nav", navFor(request)},
      {"has_nav", false},
      {"csrf_token", csrf_token_for ? csrf_token_for(request) : std::string()},
      {"title", i18n_.t(request.language, title_key)},
      {"user", request.principal ? nlohmann::json{{"name", request.principal->display_name},
                                                  {"role", request.principal->role}}
                                 : nlohmann::json(nullptr)},
  };
  common["has_nav"] = !common["nav"].empty();
  common["flash"] = nullptr;
  if (flash_take && request.principal && !request.principal->session_id.empty()) {
    common["flash"] = flash_take(request);
  }
  for (auto it = common.begin(); it != common.end(); ++it) {
    if (!data.contains(it.key())) data[it.key()] = *it;
  }
  std::string content = templates_.render(name, data);
  common["content"] = content;
  return Response::html(templates_.render("core/layout", common), status);
}

void Web::flash(const Request& request, const std::string& kind,
                const std::string& message) const {
  if (!flash_store || !request.principal || request.principal->session_id.empty()) return;
  flash_store(request, {{"kind", kind}, {"message", message}});
}

Response Web::errorPage(const Request& request, const Error& error) const {
  nlohmann::json data = {{"status", error.status()},
                         {"code", error.code()},
                         {"message", i18n_.t(request.language, "errors." + error.code())},
                         {"request_id", request.request_id}};
  if (data["message"] == "errors." + error.code()) data["message"] = error.what();
  return page(request, "core/error", data, "errors.title", error.status());
}

}  // namespace sukusuku
