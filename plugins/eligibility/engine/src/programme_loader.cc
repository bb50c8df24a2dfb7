#include "programme_loader.h"

#include <algorithm>
#include <initializer_list>
#include <set>

namespace sukusuku::eligibility::detail {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "sukusuku.eligibility.programme/1";

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw LoadError{path, message};
}

// RFC 6901 escaping of one key.
std::string pointer(const std::string& parent, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return parent + "/" + escaped;
}
std::string pointer(const std::string& parent, size_t index) {
  return parent + "/" + std::to_string(index);
}

void requireObject(const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "must be an object");
}

void onlyKeys(const json& object, const std::string& path,
              std::initializer_list<const char*> allowed) {
  requireObject(object, path);
  for (const auto& [key, value] : object.items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      fail(pointer(path, key), "unknown key '" + key + "'");
    }
  }
}

const json& member(const json& object, const std::string& path, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) fail(pointer(path, key), "is required");
  return *it;
}

std::string text(const json& object, const std::string& path, const char* key) {
  const json& value = member(object, path, key);
  if (!value.is_string() || value.get<std::string>().empty()) {
    fail(pointer(path, key), "must be a non-empty string");
  }
  return value.get<std::string>();
}

LocalizedText localized(const json& object, const std::string& path, const char* key) {
  const json& value = member(object, path, key);
  const std::string here = pointer(path, key);
  onlyKeys(value, here, {"ja", "en"});
  return LocalizedText{text(value, here, "ja"), text(value, here, "en")};
}

Date date(const json& object, const std::string& path, const char* key) {
  const json& value = member(object, path, key);
  std::optional<Date> parsed;
  if (value.is_string()) parsed = parseDate(value.get<std::string>());
  if (!parsed) fail(pointer(path, key), "must be a date YYYY-MM-DD");
  return *parsed;
}

bool isIdentifier(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Type parameterType(const std::string& name, const std::string& path) {
  if (name == "number") return Type::kNumber;
  if (name == "string") return Type::kString;
  if (name == "string_list") return Type::kStringList;
  if (name == "table") return Type::kTable;
  fail(path, "must be one of number, string, string_list, table");
}

void readValue(const json& value, const std::string& path, Type type, ParameterVersion& version) {
  version.original = value;
  switch (type) {
    case Type::kNumber:
      if (!value.is_number()) fail(path, "must be a number");
      version.num = value.get<double>();
      return;
    case Type::kString:
      if (!value.is_string()) fail(path, "must be a string");
      version.str = value.get<std::string>();
      return;
    case Type::kStringList:
      if (!value.is_array()) fail(path, "must be a list of strings");
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) fail(pointer(path, i), "must be a string");
        version.list.push_back(value[i].get<std::string>());
      }
      return;
    case Type::kTable: {
      onlyKeys(value, path, {"by_count", "then_add"});
      const json& counts = member(value, path, "by_count");
      const std::string counts_path = pointer(path, "by_count");
      if (!counts.is_array() || counts.empty()) fail(counts_path, "must be a non-empty list");
      for (size_t i = 0; i < counts.size(); ++i) {
        if (!counts[i].is_number()) fail(pointer(counts_path, i), "must be a number");
        version.table.by_count.push_back(counts[i].get<double>());
      }
      if (value.contains("then_add")) {
        if (!value["then_add"].is_number()) fail(pointer(path, "then_add"), "must be a number");
        version.table.then_add = value["then_add"].get<double>();
      }
      return;
    }
    default:
      fail(path, "unsupported parameter type");
  }
}

Parameter readParameter(const std::string& name, const json& spec, const std::string& path,
                        const std::set<std::string>& sources, Date in_force_from) {
  onlyKeys(spec, path, {"type", "unit", "description", "versions"});
  Parameter parameter;
  parameter.name = name;
  parameter.type = parameterType(text(spec, path, "type"), pointer(path, "type"));
  parameter.unit = spec.contains("unit") ? text(spec, path, "unit") : "";
  const json& versions = member(spec, path, "versions");
  const std::string versions_path = pointer(path, "versions");
  if (!versions.is_array() || versions.empty()) fail(versions_path, "must be a non-empty list");
  for (size_t i = 0; i < versions.size(); ++i) {
    const std::string here = pointer(versions_path, i);
    onlyKeys(versions[i], here, {"from", "value", "source", "note"});
    ParameterVersion version;
    version.from = date(versions[i], here, "from");
    if (!parameter.versions.empty() && version.from <= parameter.versions.back().from) {
      fail(pointer(here, "from"), "versions must be in ascending date order");
    }
    version.source = text(versions[i], here, "source");
    if (!sources.contains(version.source)) {
      fail(pointer(here, "source"), "names undeclared source '" + version.source + "'");
    }
    readValue(member(versions[i], here, "value"), pointer(here, "value"), parameter.type, version);
    parameter.versions.push_back(std::move(version));
  }
  if (parameter.versions.front().from > in_force_from) {
    fail(pointer(pointer(versions_path, size_t{0}), "from"),
         "the first version starts after in_force_from " + formatDate(in_force_from));
  }
  return parameter;
}

Compiled compileAt(const json& object, const std::string& path, const char* key,
                   const Scope& scope) {
  const std::string source = text(object, path, key);
  try {
    return compileExpression(source, scope);
  } catch (const CompileError& e) {
    fail(pointer(path, key),
         "column " + std::to_string(e.column) + ": " + e.message + " in `" + source + "`");
  }
}

void checkName(const std::string& name, const std::string& path, std::set<std::string>& seen) {
  static const std::set<std::string> kReserved = {"and",
                                                  "or",
                                                  "not",
                                                  "in",
                                                  "true",
                                                  "false",
                                                  "date",
                                                  "household",
                                                  "params",
                                                  "child",
                                                  "children",
                                                  "if",
                                                  "min",
                                                  "max",
                                                  "round10",
                                                  "round",
                                                  "floor",
                                                  "age",
                                                  "count",
                                                  "sum",
                                                  "any",
                                                  "all",
                                                  "month_start",
                                                  "age_reached_on",
                                                  "first_march31_after_age",
                                                  "starts_with"};
  if (!isIdentifier(name)) fail(path, "'" + name + "' must be lower_snake_case");
  if (kReserved.contains(name)) fail(path, "'" + name + "' is a reserved word");
  if (!seen.insert(name).second) fail(path, "'" + name + "' is defined twice");
}

}  // namespace

const ParameterVersion* Parameter::at(Date date) const {
  const ParameterVersion* found = nullptr;
  for (const ParameterVersion& version : versions) {
    if (version.from > date) break;
    found = &version;
  }
  return found;
}

ParamValue paramValue(const Parameter& parameter, const ParameterVersion& version) {
  ParamValue value;
  switch (parameter.type) {
    case Type::kNumber:
      value.num = version.num;
      break;
    case Type::kString:
      value.str = &version.str;
      break;
    case Type::kStringList:
      value.list = &version.list;
      break;
    case Type::kTable:
      value.table = &version.table;
      break;
    default:
      break;
  }
  return value;
}

std::unique_ptr<CompiledProgramme> compileProgramme(const json& file, ProgrammeInfo& info) {
  const std::string root;
  onlyKeys(
      file, root,
      {"format", "id", "scope", "name", "benefit", "in_force_from", "sources", "parameters",
       "child_definitions", "household_definitions", "conditions", "monthly_amount_yen", "note"});
  if (text(file, root, "format") != kFormat) {
    fail("/format", std::string("must be \"") + kFormat + "\"");
  }
  auto compiled = std::make_unique<CompiledProgramme>();

  info.id = text(file, root, "id");
  if (!isIdentifier(info.id)) fail("/id", "must be lower_snake_case");
  info.scope = text(file, root, "scope");
  if (info.scope != "national" && info.scope != "municipal") {
    fail("/scope", "must be \"national\" or \"municipal\"");
  }
  info.name = localized(file, root, "name");
  const json& benefit = member(file, root, "benefit");
  onlyKeys(benefit, "/benefit", {"kind", "ja", "en"});
  info.benefit_kind = text(benefit, "/benefit", "kind");
  if (info.benefit_kind != "monthly_allowance" && info.benefit_kind != "fee_waiver" &&
      info.benefit_kind != "medical_subsidy") {
    fail("/benefit/kind", "must be monthly_allowance, fee_waiver or medical_subsidy");
  }
  info.benefit = LocalizedText{text(benefit, "/benefit", "ja"), text(benefit, "/benefit", "en")};
  info.in_force_from = date(file, root, "in_force_from");

  std::set<std::string> source_ids;
  const json& sources = member(file, root, "sources");
  requireObject(sources, "/sources");
  if (sources.empty()) fail("/sources", "must declare at least one source");
  for (const auto& [id, spec] : sources.items()) {
    const std::string here = pointer("/sources", id);
    onlyKeys(spec, here, {"title", "url", "note"});
    compiled->sources.push_back(
        Source{id, text(spec, here, "title"), spec.contains("url") ? text(spec, here, "url") : ""});
    source_ids.insert(id);
  }

  std::vector<Symbol> params;
  if (file.contains("parameters")) {
    requireObject(file["parameters"], "/parameters");
    for (const auto& [name, spec] : file["parameters"].items()) {
      const std::string here = pointer("/parameters", name);
      if (!isIdentifier(name)) fail(here, "parameter names must be lower_snake_case");
      compiled->parameters.push_back(
          readParameter(name, spec, here, source_ids, info.in_force_from));
      params.push_back(Symbol{name, compiled->parameters.back().type});
    }
  }

  std::set<std::string> names;
  std::vector<Symbol> child_symbols;
  std::vector<Symbol> household_symbols;
  Scope scope{&params, &household_symbols, &child_symbols, true};
  auto definitions = [&](const char* key, bool in_child) {
    if (!file.contains(key)) return;
    const std::string list_path = pointer(root, key);
    const json& list = file[key];
    if (!list.is_array()) fail(list_path, "must be a list");
    scope.in_child = in_child;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string here = pointer(list_path, i);
      onlyKeys(list[i], here, {"name", "expr", "note", "report"});
      const std::string name = text(list[i], here, "name");
      checkName(name, pointer(here, "name"), names);
      Compiled c = compileAt(list[i], here, "expr", scope);
      if (c.type == Type::kTable || c.type == Type::kStringList) {
        fail(pointer(here, "expr"), "a definition must be a bool, number, date or string");
      }
      const bool report = list[i].contains("report") && list[i]["report"] == true;
      if (in_child) {
        if (report) fail(pointer(here, "report"), "only household definitions can be reported");
        compiled->child_definitions.push_back(std::move(c.node));
        child_symbols.push_back(Symbol{name, c.type});
      } else {
        if (report) {
          compiled->reported.push_back(static_cast<int>(compiled->household_definitions.size()));
          compiled->reported_types.push_back(c.type);
          info.reported_facts.push_back(name);
        }
        compiled->household_definitions.push_back(std::move(c.node));
        compiled->household_types.push_back(c.type);
        household_symbols.push_back(Symbol{name, c.type});
      }
    }
  };
  definitions("child_definitions", true);
  definitions("household_definitions", false);
  scope.in_child = false;

  const json& conditions = member(file, root, "conditions");
  if (!conditions.is_array() || conditions.empty()) {
    fail("/conditions", "must be a non-empty list: every programme states its conditions");
  }
  std::set<std::string> condition_ids;
  for (size_t i = 0; i < conditions.size(); ++i) {
    const std::string here = pointer("/conditions", i);
    onlyKeys(conditions[i], here, {"id", "require", "met", "not_met", "note"});
    ConditionInfo condition;
    condition.id = text(conditions[i], here, "id");
    if (!isIdentifier(condition.id)) fail(pointer(here, "id"), "must be lower_snake_case");
    if (!condition_ids.insert(condition.id).second) {
      fail(pointer(here, "id"), "'" + condition.id + "' is used twice");
    }
    Compiled c = compileAt(conditions[i], here, "require", scope);
    if (c.type != Type::kBool) {
      fail(pointer(here, "require"), std::string("must be a bool, not ") + typeName(c.type));
    }
    condition.met = localized(conditions[i], here, "met");
    condition.not_met = localized(conditions[i], here, "not_met");
    compiled->conditions.push_back(std::move(c.node));
    info.conditions.push_back(std::move(condition));
  }

  const bool cash = info.benefit_kind == "monthly_allowance";
  if (cash != file.contains("monthly_amount_yen")) {
    fail("/monthly_amount_yen", cash ? "is required for a monthly_allowance"
                                     : "applies only to benefit kind monthly_allowance");
  }
  if (cash) {
    Compiled c = compileAt(file, root, "monthly_amount_yen", scope);
    if (c.type != Type::kNumber) {
      fail("/monthly_amount_yen", std::string("must be a number, not ") + typeName(c.type));
    }
    compiled->monthly_amount = std::move(c.node);
  }
  return compiled;
}

}  // namespace sukusuku::eligibility::detail
