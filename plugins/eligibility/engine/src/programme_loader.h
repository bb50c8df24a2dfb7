// Programme files: reading, validating and compiling one rule file.
//
// Format (every key is checked; an unknown key is an error, so a typo cannot silently drop a
// condition):
//   {"format": "sukusuku.eligibility.programme/1",
//    "id": "jidou_teate",                         // [a-z0-9_]+, unique in the rules directory
//    "scope": "national" | "municipal",
//    "name": {"ja": "児童手当", "en": "Child allowance"},
//    "benefit": {"kind": "monthly_allowance" | "fee_waiver" | "medical_subsidy",
//                "ja": "…", "en": "…"},
//    "in_force_from": "2024-10-01",               // earliest date these rules describe
//    "sources": {"cfa_2024": {"title": "…", "url": "…"}},
//    "parameters": {
//      "amount_under_3": {"type": "number", "unit": "yen/month",
//        "versions": [{"from": "2024-10-01", "value": 15000, "source": "cfa_2024"}]},
//      "full_limit": {"type": "table", "unit": "yen/year",
//        "versions": [{"from": "2024-11-01", "source": "…",
//                      "value": {"by_count": [690000, 1070000, 1450000], "then_add": 380000}}]}},
//    "child_definitions": [{"name": "eligible", "expr": "date <= …", "note": "…"}],
//    "household_definitions": [{"name": "eligible_children", "expr": "count(…)", "report": true}],
//    "conditions": [{"id": "has_child", "require": "any(c in children: c.eligible)",
//                    "met": {"ja": "…", "en": "…"}, "not_met": {"ja": "…", "en": "…"}}],
//    "monthly_amount_yen": "sum(c in children: c.amount)"}   // cash benefits only
// Parameter types: number, string, string_list, table. Versions are in ascending "from" order;
// each applies until the next; the first must not start after in_force_from. Every version
// names a source declared in "sources".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expression.h"
#include "sukusuku/eligibility/engine.h"

namespace sukusuku::eligibility::detail {

struct Source {
  std::string id;
  std::string title;
  std::string url;
};

struct ParameterVersion {
  Date from;
  std::string source;       // key into the programme's sources
  nlohmann::json original;  // as written, for reporting
  double num = 0;
  std::string str;
  std::vector<std::string> list;
  Table table;
};

struct Parameter {
  std::string name;
  Type type;
  std::string unit;
  std::vector<ParameterVersion> versions;

  // The version in force on `date` (nullptr before the first).
  const ParameterVersion* at(Date date) const;
};

struct CompiledProgramme {
  std::vector<Source> sources;
  std::vector<Parameter> parameters;
  std::vector<NodePtr> household_definitions;
  std::vector<Type> household_types;
  std::vector<NodePtr> child_definitions;
  std::vector<int> reported;  // household definition indexes, in ProgrammeInfo order
  std::vector<Type> reported_types;
  std::vector<NodePtr> conditions;
  NodePtr monthly_amount;  // null for in-kind benefits
};

// A problem in a programme file, located by JSON pointer.
struct LoadError {
  std::string path;
  std::string message;
};

// Validates and compiles one parsed programme file; fills `info`. Throws LoadError.
std::unique_ptr<CompiledProgramme> compileProgramme(const nlohmann::json& file,
                                                    ProgrammeInfo& info);

// The value a parameter version contributes to an evaluation.
ParamValue paramValue(const Parameter& parameter, const ParameterVersion& version);

}  // namespace sukusuku::eligibility::detail
