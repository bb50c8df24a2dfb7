// The rule language's expressions: parsed and type-checked once, when a programme file loads,
// into a tree of nodes that evaluates without touching JSON or strings.
//
// Syntax (a small, total language — no loops except over the household's children, no
// recursion, no I/O, no division, so every expression terminates and cannot fail at run time):
//   literals     12_000   0.025   true   'text'
//   names        date                      the evaluation date
//                household.income_yen      a household field (see household.h)
//                params.full_limit         a parameter in force on the date
//                params.full_limit[n]      a by-count table parameter (see programme.h)
//                child.birth_date          the current child, inside a child definition
//                c.rank                    a child field or child definition of loop variable c
//                c.index                   the child's position in the household list (0-based)
//                assessed_income           a household definition defined above this one
//   operators    or  and  not  < <= > >= == !=  in  + - *  (unary -)
//   functions    if(cond, a, b)  min(a, b)  max(a, b)  round10(x)  round(x)  floor(x)
//                age(birth, on)  age_reached_on(birth, n)  first_march31_after_age(birth, n)
//                month_start(d)  starts_with(text, prefix)
//   aggregates   count(c in children: cond)  sum(c in children: x)
//                any(c in children: cond)    all(c in children: cond)
// Types are bool, number, date, string, string list and table; mixing them is a load error.
//
// Unknown values: a household field that was not given evaluates to *unknown*. Logic is
// three-valued (Kleene): `false and unknown` is false, `true or unknown` is true, `if` with an
// unknown condition is known when both branches agree; everything else that touches an unknown
// is unknown. Each unknown value carries the paths of the fields that made it unknown, collected
// in EvalContext::missing; a node whose result is known leaves no paths behind. That is how
// needs_information names exactly the fields that decide the outcome.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sukusuku/eligibility/household.h"

namespace sukusuku::eligibility::detail {

enum class Type : uint8_t { kBool, kNumber, kDate, kString, kStringList, kTable };
const char* typeName(Type type);

// A run-time value. Bools are 0/1 and dates are day numbers in `num`; strings point into the
// household or the rule set, which outlive the evaluation.
struct Value {
  double num = 0;
  const std::string* str = nullptr;
  bool known = true;
};

// A by-count table: by_count[i] for i < size, then the last entry plus then_add per extra count.
// Used for income limits by number of dependants (扶養親族等の数).
struct Table {
  std::vector<double> by_count;
  double then_add = 0;
  double at(int64_t count) const;
};

// A parameter's value in force on the evaluation date; only the member matching its type is set.
struct ParamValue {
  double num = 0;
  const std::string* str = nullptr;
  const std::vector<std::string>* list = nullptr;
  const Table* table = nullptr;
};

class Node;

// Memo of one definition's value for one household (or one child).
struct FactCell {
  uint8_t state = 0;  // 0 not yet computed, 1 computed
  Value value;
  uint32_t missing_begin = 0;  // range in EvalContext::fact_missing when !value.known
  uint32_t missing_end = 0;
};

inline constexpr int kMaxSlots = 8;  // child loop variables nested at most this deep

// Everything an evaluation reads and writes. Single-threaded: one per evaluation in flight.
struct EvalContext {
  const Household* household = nullptr;
  double date = 0;
  const ParamValue* params = nullptr;
  int child_count = 0;
  int slots[kMaxSlots] = {};  // child index bound to each loop variable
  const std::vector<std::unique_ptr<Node>>* household_definitions = nullptr;
  const std::vector<std::unique_ptr<Node>>* child_definitions = nullptr;
  FactCell* household_facts = nullptr;
  FactCell* child_facts = nullptr;  // [definition * child_count + child]
  std::vector<std::string>* missing = nullptr;
  std::vector<std::string>* fact_missing = nullptr;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual Value eval(EvalContext& ctx) const = 0;
};
using NodePtr = std::unique_ptr<Node>;

// A name an expression may refer to, with its type and index.
struct Symbol {
  std::string name;
  Type type;
};

// What names mean where an expression is compiled. Definitions are visible only after they are
// defined, which rules out cycles.
struct Scope {
  const std::vector<Symbol>* params = nullptr;
  const std::vector<Symbol>* household_definitions = nullptr;  // visible ones only
  const std::vector<Symbol>* child_definitions = nullptr;      // visible ones only
  bool in_child = false;                                       // `child` is bound (slot 0)
};

struct CompileError {
  size_t column;  // 1-based position in the expression text
  std::string message;
};

struct Compiled {
  NodePtr node;
  Type type;
};

// Parses and type-checks `source`; throws CompileError.
Compiled compileExpression(std::string_view source, const Scope& scope);

}  // namespace sukusuku::eligibility::detail
