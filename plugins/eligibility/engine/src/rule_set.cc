#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "programme_loader.h"
#include "sukusuku/eligibility/engine.h"

namespace sukusuku::eligibility {

using detail::CompiledProgramme;
using detail::EvalContext;
using detail::FactCell;
using detail::ParamValue;
using detail::Type;
using detail::Value;

const char* statusName(Status status) {
  switch (status) {
    case Status::kEligible:
      return "eligible";
    case Status::kNotEligible:
      return "not_eligible";
    case Status::kNeedsInformation:
      return "needs_information";
    case Status::kNotInForce:
      return "not_in_force";
  }
  return "?";
}

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kMet:
      return "met";
    case Outcome::kNotMet:
      return "not_met";
    case Outcome::kUnknown:
      return "unknown";
    case Outcome::kNotEvaluated:
      return "not_evaluated";
  }
  return "?";
}

struct RuleSet::Impl {
  std::vector<ProgrammeInfo> infos;
  std::vector<std::unique_ptr<CompiledProgramme>> compiled;
};

namespace {

// Per-thread working memory, so that a hot loop allocates nothing once warmed up.
struct Scratch {
  std::vector<ParamValue> params;
  std::vector<FactCell> household_facts;
  std::vector<FactCell> child_facts;
  std::vector<std::string> missing;
  std::vector<std::string> fact_missing;
};

Scratch& scratch() {
  thread_local Scratch instance;
  return instance;
}

void evaluateProgramme(const ProgrammeInfo& info, const CompiledProgramme& programme,
                       const Household& household, Date date, ProgrammeResult& result) {
  result.monthly_amount_yen = 0;
  result.missing_fields.clear();
  result.conditions.assign(info.conditions.size(), Outcome::kNotEvaluated);
  result.facts.assign(programme.reported.size(), FactValue{});
  if (date < info.in_force_from) {
    result.status = Status::kNotInForce;
    return;
  }

  Scratch& s = scratch();
  s.params.clear();
  for (const detail::Parameter& parameter : programme.parameters) {
    // Loading guarantees a version on or before in_force_from.
    s.params.push_back(detail::paramValue(parameter, *parameter.at(date)));
  }
  const int child_count = static_cast<int>(household.children.size());
  s.household_facts.assign(programme.household_definitions.size(), FactCell{});
  s.child_facts.assign(programme.child_definitions.size() * household.children.size(), FactCell{});
  s.missing.clear();
  s.fact_missing.clear();

  EvalContext ctx;
  ctx.household = &household;
  ctx.date = date.days;
  ctx.params = s.params.data();
  ctx.child_count = child_count;
  ctx.household_definitions = &programme.household_definitions;
  ctx.child_definitions = &programme.child_definitions;
  ctx.household_facts = s.household_facts.data();
  ctx.child_facts = s.child_facts.data();
  ctx.missing = &s.missing;
  ctx.fact_missing = &s.fact_missing;

  bool failed = false;
  bool unknown = false;
  for (size_t i = 0; i < programme.conditions.size(); ++i) {
    const Value v = programme.conditions[i]->eval(ctx);
    const Outcome outcome = !v.known     ? Outcome::kUnknown
                            : v.num != 0 ? Outcome::kMet
                                         : Outcome::kNotMet;
    result.conditions[i] = outcome;
    failed |= outcome == Outcome::kNotMet;
    unknown |= outcome == Outcome::kUnknown;
  }

  if (failed) {
    result.status = Status::kNotEligible;  // a failed condition decides, whatever is unknown
    s.missing.clear();
  } else if (unknown) {
    result.status = Status::kNeedsInformation;
  } else if (programme.monthly_amount) {
    const Value amount = programme.monthly_amount->eval(ctx);
    if (amount.known) {
      result.status = Status::kEligible;
      result.monthly_amount_yen = std::llround(amount.num);
    } else {
      result.status = Status::kNeedsInformation;
    }
  } else {
    result.status = Status::kEligible;
  }

  if (result.status == Status::kNeedsInformation) {
    std::sort(s.missing.begin(), s.missing.end());
    s.missing.erase(std::unique(s.missing.begin(), s.missing.end()), s.missing.end());
    result.missing_fields.assign(s.missing.begin(), s.missing.end());
  }

  for (size_t i = 0; i < programme.reported.size(); ++i) {
    const size_t mark = s.missing.size();
    const Value v = programme.household_definitions[programme.reported[i]]->eval(ctx);
    s.missing.resize(mark);
    result.facts[i] = FactValue{v.num, v.known};
  }
}

nlohmann::ordered_json localizedJson(const LocalizedText& text) {
  return {{"ja", text.ja}, {"en", text.en}};
}

nlohmann::ordered_json numberJson(double value) {
  if (std::floor(value) == value && std::fabs(value) < 9e15) {
    return static_cast<int64_t>(value);
  }
  return value;
}

nlohmann::ordered_json factJson(const FactValue& fact, Type type) {
  if (!fact.known) return nullptr;
  switch (type) {
    case Type::kBool:
      return fact.value != 0;
    case Type::kDate:
      return formatDate(Date{static_cast<int32_t>(fact.value)});
    default:
      return numberJson(fact.value);
  }
}

nlohmann::ordered_json reasonJson(const ConditionInfo& condition, Outcome outcome) {
  nlohmann::ordered_json reason = {{"condition", condition.id}, {"outcome", outcomeName(outcome)}};
  switch (outcome) {
    case Outcome::kMet:
      reason["ja"] = condition.met.ja;
      reason["en"] = condition.met.en;
      break;
    case Outcome::kNotMet:
      reason["ja"] = condition.not_met.ja;
      reason["en"] = condition.not_met.en;
      break;
    case Outcome::kUnknown:
      reason["ja"] = "要確認（情報不足）: " + condition.met.ja;
      reason["en"] = "To be confirmed (information missing): " + condition.met.en;
      break;
    case Outcome::kNotEvaluated:
      break;
  }
  return reason;
}

}  // namespace

RuleSet::RuleSet() : impl_(std::make_unique<Impl>()) {}
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;
RuleSet::~RuleSet() = default;

RuleSet RuleSet::fromTexts(const std::vector<std::pair<std::string, std::string>>& files,
                           std::vector<RuleError>& errors) {
  RuleSet rules;
  for (const auto& [file, text] : files) {
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      errors.push_back(RuleError{file, "", std::string("not valid JSON: ") + e.what()});
      continue;
    }
    ProgrammeInfo info;
    info.file = file;
    try {
      auto compiled = detail::compileProgramme(json, info);
      const bool duplicate = std::any_of(rules.impl_->infos.begin(), rules.impl_->infos.end(),
                                         [&](const ProgrammeInfo& p) { return p.id == info.id; });
      if (duplicate) {
        errors.push_back(RuleError{
            file, "/id", "programme id '" + info.id + "' is already defined by another file"});
        continue;
      }
      rules.impl_->infos.push_back(std::move(info));
      rules.impl_->compiled.push_back(std::move(compiled));
    } catch (const detail::LoadError& e) {
      errors.push_back(RuleError{file, e.path, e.message});
    }
  }
  return rules;
}

RuleSet RuleSet::loadDirectory(const std::filesystem::path& directory,
                               std::vector<RuleError>& errors) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json") paths.push_back(it->path());
  }
  if (ec) {
    errors.push_back(RuleError{directory.string(), "", "cannot read directory: " + ec.message()});
    return RuleSet();
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      errors.push_back(RuleError{path.string(), "", "cannot read file"});
      continue;
    }
    files.emplace_back(path.string(), text.str());
  }
  return fromTexts(files, errors);
}

const std::vector<ProgrammeInfo>& RuleSet::programmes() const { return impl_->infos; }

std::vector<ProgrammeResult> RuleSet::evaluate(const Household& household, Date date) const {
  std::vector<ProgrammeResult> results;
  evaluateInto(household, date, results);
  return results;
}

void RuleSet::evaluateInto(const Household& household, Date date,
                           std::vector<ProgrammeResult>& results) const {
  validateHouseholdOn(household, date);
  results.resize(impl_->infos.size());
  for (size_t i = 0; i < impl_->infos.size(); ++i) {
    results[i].programme = i;
    evaluateProgramme(impl_->infos[i], *impl_->compiled[i], household, date, results[i]);
  }
}

nlohmann::ordered_json RuleSet::resultsToJson(Date date,
                                              const std::vector<ProgrammeResult>& results) const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ProgrammeResult& result : results) {
    const ProgrammeInfo& info = impl_->infos[result.programme];
    const CompiledProgramme& programme = *impl_->compiled[result.programme];
    nlohmann::ordered_json entry;
    entry["programme"] = info.id;
    entry["name"] = localizedJson(info.name);
    entry["status"] = statusName(result.status);
    entry["monthly_amount_yen"] = result.monthly_amount_yen;
    entry["benefit"] = {
        {"kind", info.benefit_kind}, {"ja", info.benefit.ja}, {"en", info.benefit.en}};
    nlohmann::ordered_json reasons = nlohmann::ordered_json::array();
    if (result.status == Status::kNotInForce) {
      reasons.push_back(
          {{"condition", "in_force"},
           {"outcome", "not_met"},
           {"ja", "この制度は " + formatDate(info.in_force_from) + " 以降の分のみ登録されています"},
           {"en", "Rules for this programme are encoded from " + formatDate(info.in_force_from) +
                      " only"}});
    }
    for (size_t i = 0; i < result.conditions.size(); ++i) {
      if (result.conditions[i] == Outcome::kNotEvaluated) continue;
      reasons.push_back(reasonJson(info.conditions[i], result.conditions[i]));
    }
    entry["reasons"] = std::move(reasons);
    entry["missing_fields"] = result.missing_fields;
    nlohmann::ordered_json facts = nlohmann::ordered_json::object();
    for (size_t i = 0; i < result.facts.size(); ++i) {
      facts[info.reported_facts[i]] = factJson(result.facts[i], programme.reported_types[i]);
    }
    entry["facts"] = std::move(facts);
    nlohmann::ordered_json parameters = nlohmann::ordered_json::array();
    for (const detail::Parameter& parameter : programme.parameters) {
      const detail::ParameterVersion* version = parameter.at(date);
      if (version == nullptr) continue;
      const auto source =
          std::find_if(programme.sources.begin(), programme.sources.end(),
                       [&](const detail::Source& s) { return s.id == version->source; });
      nlohmann::ordered_json p = {{"name", parameter.name},
                                  {"value", version->original},
                                  {"unit", parameter.unit},
                                  {"effective_from", formatDate(version->from)},
                                  {"source", {{"id", source->id}, {"title", source->title}}}};
      if (!source->url.empty()) p["source"]["url"] = source->url;
      parameters.push_back(std::move(p));
    }
    entry["parameters"] = std::move(parameters);
    list.push_back(std::move(entry));
  }
  return {{"date", formatDate(date)}, {"results", std::move(list)}};
}

}  // namespace sukusuku::eligibility
