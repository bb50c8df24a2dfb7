#include "expression.h"

#include <cmath>
#include <utility>

#include "sukusuku/eligibility/date.h"

namespace sukusuku::eligibility::detail {

const char* typeName(Type type) {
  switch (type) {
    case Type::kBool:
      return "bool";
    case Type::kNumber:
      return "number";
    case Type::kDate:
      return "date";
    case Type::kString:
      return "string";
    case Type::kStringList:
      return "string list";
    case Type::kTable:
      return "table";
  }
  return "?";
}

double Table::at(int64_t count) const {
  if (count < 0) count = 0;
  const int64_t last = static_cast<int64_t>(by_count.size()) - 1;
  if (count <= last) return by_count[static_cast<size_t>(count)];
  return by_count.back() + then_add * static_cast<double>(count - last);
}

namespace {

constexpr Value kUnknown{0, nullptr, false};

Value number(double n) { return Value{n, nullptr, true}; }
Value boolean(bool b) { return Value{b ? 1.0 : 0.0, nullptr, true}; }
bool isTrue(const Value& v) { return v.known && v.num != 0; }
bool isFalse(const Value& v) { return v.known && v.num == 0; }

// Drops the paths that explained operands which turned out not to matter.
void forget(EvalContext& ctx, size_t mark) { ctx.missing->resize(mark); }

// ---- leaves -------------------------------------------------------------------------------

class ConstNode final : public Node {
 public:
  explicit ConstNode(Value value) : value_(value) {}
  explicit ConstNode(std::string text) : text_(std::move(text)), value_{0, &text_, true} {}
  Value eval(EvalContext&) const override { return value_; }

 private:
  std::string text_;
  Value value_;
};

class DateNode final : public Node {
 public:
  Value eval(EvalContext& ctx) const override { return number(ctx.date); }
};

template <typename T>
class HouseholdFieldNode final : public Node {
 public:
  HouseholdFieldNode(std::optional<T> Household::*member, std::string path)
      : member_(member), path_(std::move(path)) {}
  Value eval(EvalContext& ctx) const override {
    const std::optional<T>& field = ctx.household->*member_;
    if (!field) {
      ctx.missing->push_back(path_);
      return kUnknown;
    }
    if constexpr (std::is_same_v<T, std::string>) {
      return Value{0, &*field, true};
    } else {
      return number(static_cast<double>(*field));
    }
  }

 private:
  std::optional<T> Household::*member_;
  std::string path_;
};

enum class ChildField { kBirthDate, kDisabilityGrade, kInLicensedCare, kIndex };

class ChildFieldNode final : public Node {
 public:
  ChildFieldNode(ChildField field, int slot) : field_(field), slot_(slot) {}
  Value eval(EvalContext& ctx) const override {
    const int index = ctx.slots[slot_];
    const Child& child = ctx.household->children[static_cast<size_t>(index)];
    switch (field_) {
      case ChildField::kBirthDate:
        if (child.birth_date) return number(child.birth_date->days);
        return missing(ctx, index, "birth_date");
      case ChildField::kDisabilityGrade:
        if (child.disability_grade) return number(*child.disability_grade);
        return missing(ctx, index, "disability_grade");
      case ChildField::kInLicensedCare:
        if (child.in_licensed_care) return boolean(*child.in_licensed_care);
        return missing(ctx, index, "in_licensed_care");
      case ChildField::kIndex:
        return number(index);
    }
    return kUnknown;
  }

 private:
  static Value missing(EvalContext& ctx, int index, const char* field) {
    ctx.missing->push_back(childFieldPath(index, field));
    return kUnknown;
  }
  ChildField field_;
  int slot_;
};

class ParamNode final : public Node {
 public:
  ParamNode(int index, bool is_string) : index_(index), is_string_(is_string) {}
  Value eval(EvalContext& ctx) const override {
    const ParamValue& p = ctx.params[index_];
    return is_string_ ? Value{0, p.str, true} : number(p.num);
  }

 private:
  int index_;
  bool is_string_;
};

class TableNode final : public Node {
 public:
  TableNode(int param, NodePtr count) : param_(param), count_(std::move(count)) {}
  Value eval(EvalContext& ctx) const override {
    const Value count = count_->eval(ctx);
    if (!count.known) return kUnknown;
    return number(ctx.params[param_].table->at(static_cast<int64_t>(std::floor(count.num))));
  }

 private:
  int param_;
  NodePtr count_;
};

class InListNode final : public Node {
 public:
  InListNode(NodePtr text, int param) : text_(std::move(text)), param_(param) {}
  Value eval(EvalContext& ctx) const override {
    const Value text = text_->eval(ctx);
    if (!text.known) return kUnknown;
    for (const std::string& item : *ctx.params[param_].list) {
      if (item == *text.str) return boolean(true);
    }
    return boolean(false);
  }

 private:
  NodePtr text_;
  int param_;
};

// Memoised definitions: computed at most once per evaluation, their unknown paths replayed on
// every read so that each reader is explained.
Value readFact(EvalContext& ctx, FactCell& cell, const Node& definition) {
  if (cell.state == 0) {
    const size_t mark = ctx.missing->size();
    const Value value = definition.eval(ctx);
    if (!value.known) {
      cell.missing_begin = static_cast<uint32_t>(ctx.fact_missing->size());
      ctx.fact_missing->insert(ctx.fact_missing->end(), ctx.missing->begin() + mark,
                               ctx.missing->end());
      cell.missing_end = static_cast<uint32_t>(ctx.fact_missing->size());
    }
    forget(ctx, mark);
    cell.value = value;
    cell.state = 1;
  }
  if (!cell.value.known) {
    ctx.missing->insert(ctx.missing->end(), ctx.fact_missing->begin() + cell.missing_begin,
                        ctx.fact_missing->begin() + cell.missing_end);
  }
  return cell.value;
}

class HouseholdFactNode final : public Node {
 public:
  explicit HouseholdFactNode(int index) : index_(index) {}
  Value eval(EvalContext& ctx) const override {
    return readFact(ctx, ctx.household_facts[index_], *(*ctx.household_definitions)[index_]);
  }

 private:
  int index_;
};

class ChildFactNode final : public Node {
 public:
  ChildFactNode(int index, int slot) : index_(index), slot_(slot) {}
  Value eval(EvalContext& ctx) const override {
    const int child = ctx.slots[slot_];
    FactCell& cell = ctx.child_facts[index_ * ctx.child_count + child];
    if (cell.state != 0) return readFact(ctx, cell, *(*ctx.child_definitions)[index_]);
    // A child definition sees its own child as slot 0 and may loop with the other slots.
    int saved[kMaxSlots];
    std::copy(std::begin(ctx.slots), std::end(ctx.slots), saved);
    ctx.slots[0] = child;
    const Value value = readFact(ctx, cell, *(*ctx.child_definitions)[index_]);
    std::copy(std::begin(saved), std::end(saved), ctx.slots);
    return value;
  }

 private:
  int index_;
  int slot_;
};

// ---- operators ----------------------------------------------------------------------------

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr operand) : operand_(std::move(operand)) {}
  Value eval(EvalContext& ctx) const override {
    const Value v = operand_->eval(ctx);
    return v.known ? boolean(v.num == 0) : kUnknown;
  }

 private:
  NodePtr operand_;
};

class AndOrNode final : public Node {
 public:
  AndOrNode(bool is_and, NodePtr left, NodePtr right)
      : is_and_(is_and), left_(std::move(left)), right_(std::move(right)) {}
  Value eval(EvalContext& ctx) const override {
    // `and` is decided by a known false, `or` by a known true.
    auto decides = [this](const Value& v) { return is_and_ ? isFalse(v) : isTrue(v); };
    const size_t mark = ctx.missing->size();
    const Value left = left_->eval(ctx);
    if (decides(left)) return left;
    const Value right = right_->eval(ctx);
    if (decides(right)) {
      forget(ctx, mark);
      return right;
    }
    if (left.known && right.known) return right;
    return kUnknown;
  }

 private:
  bool is_and_;
  NodePtr left_;
  NodePtr right_;
};

enum class Op { kAdd, kSub, kMul, kLt, kLe, kGt, kGe, kEq, kNe, kMin, kMax };

class BinaryNode final : public Node {
 public:
  BinaryNode(Op op, NodePtr left, NodePtr right, bool strings)
      : op_(op), strings_(strings), left_(std::move(left)), right_(std::move(right)) {}
  Value eval(EvalContext& ctx) const override {
    const Value a = left_->eval(ctx);
    const Value b = right_->eval(ctx);
    if (!a.known || !b.known) return kUnknown;
    if (strings_) return boolean((*a.str == *b.str) == (op_ == Op::kEq));
    switch (op_) {
      case Op::kAdd:
        return number(a.num + b.num);
      case Op::kSub:
        return number(a.num - b.num);
      case Op::kMul:
        return number(a.num * b.num);
      case Op::kLt:
        return boolean(a.num < b.num);
      case Op::kLe:
        return boolean(a.num <= b.num);
      case Op::kGt:
        return boolean(a.num > b.num);
      case Op::kGe:
        return boolean(a.num >= b.num);
      case Op::kEq:
        return boolean(a.num == b.num);
      case Op::kNe:
        return boolean(a.num != b.num);
      case Op::kMin:
        return number(std::min(a.num, b.num));
      case Op::kMax:
        return number(std::max(a.num, b.num));
    }
    return kUnknown;
  }

 private:
  Op op_;
  bool strings_;
  NodePtr left_;
  NodePtr right_;
};

class IfNode final : public Node {
 public:
  IfNode(NodePtr condition, NodePtr then, NodePtr otherwise)
      : condition_(std::move(condition)), then_(std::move(then)), else_(std::move(otherwise)) {}
  Value eval(EvalContext& ctx) const override {
    const size_t mark = ctx.missing->size();
    const Value c = condition_->eval(ctx);
    if (c.known) return c.num != 0 ? then_->eval(ctx) : else_->eval(ctx);
    // Unknown condition: still known if both branches give the same answer.
    const Value a = then_->eval(ctx);
    const Value b = else_->eval(ctx);
    if (a.known && b.known && a.num == b.num &&
        (a.str == b.str || (a.str != nullptr && b.str != nullptr && *a.str == *b.str))) {
      forget(ctx, mark);
      return a;
    }
    return kUnknown;
  }

 private:
  NodePtr condition_;
  NodePtr then_;
  NodePtr else_;
};

enum class Fn { kNeg, kRound10, kRound, kFloor, kMonthStart };

class UnaryFnNode final : public Node {
 public:
  UnaryFnNode(Fn fn, NodePtr operand) : fn_(fn), operand_(std::move(operand)) {}
  Value eval(EvalContext& ctx) const override {
    const Value v = operand_->eval(ctx);
    if (!v.known) return kUnknown;
    switch (fn_) {
      case Fn::kNeg:
        return number(-v.num);
      // Half up to the nearest 10 yen (10円未満四捨五入); the epsilon absorbs binary fractions
      // such as 0.0038561 so that an exact half still rounds up.
      case Fn::kRound10:
        return number(std::floor(v.num / 10 + 0.5 + 1e-9) * 10);
      case Fn::kRound:
        return number(std::floor(v.num + 0.5 + 1e-9));
      case Fn::kFloor:
        return number(std::floor(v.num + 1e-9));
      case Fn::kMonthStart:
        return number(monthStart(Date{static_cast<int32_t>(v.num)}).days);
    }
    return kUnknown;
  }

 private:
  Fn fn_;
  NodePtr operand_;
};

enum class DateFn { kAge, kAgeReachedOn, kFirstMarch31AfterAge };

class DateFnNode final : public Node {
 public:
  DateFnNode(DateFn fn, NodePtr date, NodePtr other)
      : fn_(fn), date_(std::move(date)), other_(std::move(other)) {}
  Value eval(EvalContext& ctx) const override {
    const Value d = date_->eval(ctx);
    const Value o = other_->eval(ctx);
    if (!d.known || !o.known) return kUnknown;
    const Date birth{static_cast<int32_t>(d.num)};
    switch (fn_) {
      case DateFn::kAge:
        return number(ageOn(birth, Date{static_cast<int32_t>(o.num)}));
      case DateFn::kAgeReachedOn:
        return number(ageReachedOn(birth, years(o)).days);
      case DateFn::kFirstMarch31AfterAge:
        return number(firstMarch31AfterAge(birth, years(o)).days);
    }
    return kUnknown;
  }

 private:
  static int years(const Value& v) { return static_cast<int>(std::clamp(v.num, 0.0, 200.0)); }
  DateFn fn_;
  NodePtr date_;
  NodePtr other_;
};

class StartsWithNode final : public Node {
 public:
  StartsWithNode(NodePtr text, NodePtr prefix)
      : text_(std::move(text)), prefix_(std::move(prefix)) {}
  Value eval(EvalContext& ctx) const override {
    const Value t = text_->eval(ctx);
    const Value p = prefix_->eval(ctx);
    if (!t.known || !p.known) return kUnknown;
    return boolean(t.str->starts_with(*p.str));
  }

 private:
  NodePtr text_;
  NodePtr prefix_;
};

enum class Aggregate { kCount, kSum, kAny, kAll };

class AggregateNode final : public Node {
 public:
  AggregateNode(Aggregate kind, int slot, NodePtr body)
      : kind_(kind), slot_(slot), body_(std::move(body)) {}
  Value eval(EvalContext& ctx) const override {
    const size_t mark = ctx.missing->size();
    bool unknown = false;
    double total = 0;
    for (int i = 0; i < ctx.child_count; ++i) {
      ctx.slots[slot_] = i;
      const Value v = body_->eval(ctx);
      if (!v.known) {
        unknown = true;
        continue;
      }
      switch (kind_) {
        case Aggregate::kCount:
          total += v.num != 0 ? 1 : 0;
          break;
        case Aggregate::kSum:
          total += v.num;
          break;
        case Aggregate::kAny:
          if (v.num != 0) {
            forget(ctx, mark);
            return boolean(true);
          }
          break;
        case Aggregate::kAll:
          if (v.num == 0) {
            forget(ctx, mark);
            return boolean(false);
          }
          break;
      }
    }
    if (unknown) return kUnknown;
    switch (kind_) {
      case Aggregate::kAny:
        return boolean(false);
      case Aggregate::kAll:
        return boolean(true);
      default:
        return number(total);
    }
  }

 private:
  Aggregate kind_;
  int slot_;
  NodePtr body_;
};

// ---- lexer --------------------------------------------------------------------------------

enum class Tok { kNumber, kIdent, kString, kOp, kEnd };

struct Token {
  Tok kind;
  std::string text;
  double number = 0;
  size_t column = 0;
};

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const size_t column = i + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (isDigit(c)) {
      std::string digits;
      bool dot = false;
      while (i < s.size() && (isDigit(s[i]) || s[i] == '_' || (s[i] == '.' && !dot))) {
        if (s[i] == '.') dot = true;
        if (s[i] != '_') digits += s[i];
        ++i;
      }
      if (digits.back() == '.') throw CompileError{column, "malformed number"};
      tokens.push_back({Tok::kNumber, digits, std::stod(digits), column});
    } else if (isIdentStart(c)) {
      const size_t start = i;
      while (i < s.size() && (isIdentStart(s[i]) || isDigit(s[i]))) ++i;
      tokens.push_back({Tok::kIdent, std::string(s.substr(start, i - start)), 0, column});
    } else if (c == '\'') {
      const size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) throw CompileError{column, "unterminated string"};
      tokens.push_back({Tok::kString, std::string(s.substr(i + 1, end - i - 1)), 0, column});
      i = end + 1;
    } else {
      static constexpr std::string_view kTwo[] = {"<=", ">=", "==", "!="};
      std::string op(1, c);
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) op = std::string(two);
      }
      if (op.size() == 1 && std::string_view("()[],.:+-*<>").find(c) == std::string_view::npos) {
        throw CompileError{column, "unexpected character '" + op + "'"};
      }
      tokens.push_back({Tok::kOp, op, 0, column});
      i += op.size();
    }
  }
  tokens.push_back({Tok::kEnd, "", 0, s.size() + 1});
  return tokens;
}

// ---- parser and type checker --------------------------------------------------------------

bool isReserved(const std::string& name) {
  static const char* const kReserved[] = {"and",    "or",    "not",     "in",
                                          "true",   "false", "date",    "household",
                                          "params", "child", "children"};
  for (const char* word : kReserved) {
    if (name == word) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view source, const Scope& scope) : tokens_(tokenize(source)), scope_(scope) {
    if (scope.in_child) {
      variables_.push_back({"child", 0});
      next_slot_ = 1;
    }
  }

  Compiled parse() {
    Compiled result = parseOr();
    if (peek().kind != Tok::kEnd) fail(peek(), "unexpected '" + peek().text + "'");
    return result;
  }

 private:
  struct Variable {
    std::string name;
    int slot;
  };

  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool isOp(const char* op, size_t ahead = 0) const {
    return peek(ahead).kind == Tok::kOp && peek(ahead).text == op;
  }
  bool isWord(const char* word) const { return peek().kind == Tok::kIdent && peek().text == word; }
  [[noreturn]] static void fail(const Token& at, const std::string& message) {
    throw CompileError{at.column, message};
  }
  void expectOp(const char* op) {
    if (!isOp(op)) fail(peek(), std::string("expected '") + op + "'");
    ++pos_;
  }
  static void expectType(const Token& at, const Compiled& c, Type type, const std::string& what) {
    if (c.type != type) {
      fail(at, what + " must be " + typeName(type) + ", not " + typeName(c.type));
    }
  }

  Compiled parseOr() {
    Compiled left = parseAnd();
    while (isWord("or")) {
      const Token& at = next();
      Compiled right = parseAnd();
      expectType(at, left, Type::kBool, "both sides of 'or'");
      expectType(at, right, Type::kBool, "both sides of 'or'");
      left = {std::make_unique<AndOrNode>(false, std::move(left.node), std::move(right.node)),
              Type::kBool};
    }
    return left;
  }

  Compiled parseAnd() {
    Compiled left = parseNot();
    while (isWord("and")) {
      const Token& at = next();
      Compiled right = parseNot();
      expectType(at, left, Type::kBool, "both sides of 'and'");
      expectType(at, right, Type::kBool, "both sides of 'and'");
      left = {std::make_unique<AndOrNode>(true, std::move(left.node), std::move(right.node)),
              Type::kBool};
    }
    return left;
  }

  Compiled parseNot() {
    if (!isWord("not")) return parseComparison();
    const Token& at = next();
    Compiled operand = parseNot();
    expectType(at, operand, Type::kBool, "the operand of 'not'");
    return {std::make_unique<NotNode>(std::move(operand.node)), Type::kBool};
  }

  Compiled parseComparison() {
    Compiled left = parseAdditive();
    if (isWord("in")) {
      const Token& at = next();
      expectType(at, left, Type::kString, "the left side of 'in'");
      const Token& list = peek();
      Compiled right = parsePostfix();
      if (right.type != Type::kStringList || list_param_ < 0) {
        fail(list, "the right side of 'in' must be a string-list parameter");
      }
      return {std::make_unique<InListNode>(std::move(left.node), list_param_), Type::kBool};
    }
    static const std::pair<const char*, Op> kOps[] = {{"<", Op::kLt},  {"<=", Op::kLe},
                                                      {">", Op::kGt},  {">=", Op::kGe},
                                                      {"==", Op::kEq}, {"!=", Op::kNe}};
    for (const auto& [text, op] : kOps) {
      if (!isOp(text)) continue;
      const Token& at = next();
      Compiled right = parseAdditive();
      if (left.type != right.type) {
        fail(at, std::string("cannot compare ") + typeName(left.type) + " with " +
                     typeName(right.type));
      }
      const bool equality = op == Op::kEq || op == Op::kNe;
      const bool ordered = left.type == Type::kNumber || left.type == Type::kDate;
      const bool equatable = ordered || left.type == Type::kBool || left.type == Type::kString;
      if (!(equality ? equatable : ordered)) {
        fail(at, std::string("'") + text + "' does not apply to " + typeName(left.type));
      }
      return {std::make_unique<BinaryNode>(op, std::move(left.node), std::move(right.node),
                                           left.type == Type::kString),
              Type::kBool};
    }
    return left;
  }

  Compiled parseAdditive() {
    Compiled left = parseMultiplicative();
    while (isOp("+") || isOp("-")) {
      const Token& at = next();
      Compiled right = parseMultiplicative();
      expectType(at, left, Type::kNumber, "both sides of '" + at.text + "'");
      expectType(at, right, Type::kNumber, "both sides of '" + at.text + "'");
      left = {std::make_unique<BinaryNode>(at.text == "+" ? Op::kAdd : Op::kSub,
                                           std::move(left.node), std::move(right.node), false),
              Type::kNumber};
    }
    return left;
  }

  Compiled parseMultiplicative() {
    Compiled left = parseUnary();
    while (isOp("*")) {
      const Token& at = next();
      Compiled right = parseUnary();
      expectType(at, left, Type::kNumber, "both sides of '*'");
      expectType(at, right, Type::kNumber, "both sides of '*'");
      left = {std::make_unique<BinaryNode>(Op::kMul, std::move(left.node), std::move(right.node),
                                           false),
              Type::kNumber};
    }
    return left;
  }

  Compiled parseUnary() {
    if (!isOp("-")) return parsePostfix();
    const Token& at = next();
    Compiled operand = parseUnary();
    expectType(at, operand, Type::kNumber, "the operand of '-'");
    return {std::make_unique<UnaryFnNode>(Fn::kNeg, std::move(operand.node)), Type::kNumber};
  }

  Compiled parsePostfix() {
    const Token& at = peek();
    list_param_ = -1;
    if (at.kind == Tok::kNumber) {
      ++pos_;
      return {std::make_unique<ConstNode>(number(at.number)), Type::kNumber};
    }
    if (at.kind == Tok::kString) {
      ++pos_;
      return {std::make_unique<ConstNode>(at.text), Type::kString};
    }
    if (isOp("(")) {
      ++pos_;
      Compiled inner = parseOr();
      expectOp(")");
      return inner;
    }
    if (at.kind != Tok::kIdent) fail(at, "expected a value");
    ++pos_;
    const std::string& name = at.text;
    if (name == "true" || name == "false") {
      return {std::make_unique<ConstNode>(boolean(name == "true")), Type::kBool};
    }
    if (name == "date") return {std::make_unique<DateNode>(), Type::kDate};
    if (isOp("(")) return parseCall(at);
    if (isOp(".")) {
      ++pos_;
      const Token& member = next();
      if (member.kind != Tok::kIdent) fail(member, "expected a name after '.'");
      if (name == "household") return householdField(member);
      if (name == "params") return param(member);
      for (const Variable& variable : variables_) {
        if (variable.name == name) return childMember(variable, member);
      }
      fail(at, "unknown name '" + name + "'");
    }
    if (scope_.household_definitions != nullptr) {
      const auto& defs = *scope_.household_definitions;
      for (size_t i = 0; i < defs.size(); ++i) {
        if (defs[i].name == name) {
          return {std::make_unique<HouseholdFactNode>(static_cast<int>(i)), defs[i].type};
        }
      }
    }
    fail(at, "unknown name '" + name + "' (household definitions are visible after their own)");
  }

  Compiled householdField(const Token& member) {
    const std::string& f = member.text;
    if (f == "municipality") {
      return {std::make_unique<HouseholdFieldNode<std::string>>(&Household::municipality, f),
              Type::kString};
    }
    if (f == "single_parent" || f == "resident_tax_exempt" || f == "guardians_supporting_over_18") {
      auto member_ptr = f == "single_parent"         ? &Household::single_parent
                        : f == "resident_tax_exempt" ? &Household::resident_tax_exempt
                                                     : &Household::guardians_supporting_over_18;
      return {std::make_unique<HouseholdFieldNode<bool>>(member_ptr, f), Type::kBool};
    }
    if (f == "income_yen" || f == "child_support_received_yen") {
      auto member_ptr =
          f == "income_yen" ? &Household::income_yen : &Household::child_support_received_yen;
      return {std::make_unique<HouseholdFieldNode<int64_t>>(member_ptr, f), Type::kNumber};
    }
    if (f == "dependants") {
      return {std::make_unique<HouseholdFieldNode<int>>(&Household::dependants, f), Type::kNumber};
    }
    fail(member, "unknown household field '" + f + "'");
  }

  Compiled param(const Token& member) {
    const auto& params = *scope_.params;
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].name != member.text) continue;
      const int index = static_cast<int>(i);
      switch (params[i].type) {
        case Type::kTable: {
          if (!isOp("[")) fail(peek(), "table parameter '" + member.text + "' needs [count]");
          const Token& at = next();
          Compiled count = parseOr();
          expectType(at, count, Type::kNumber, "a table index");
          expectOp("]");
          return {std::make_unique<TableNode>(index, std::move(count.node)), Type::kNumber};
        }
        case Type::kStringList:
          list_param_ = index;
          return {std::make_unique<ConstNode>(number(0)), Type::kStringList};
        default:
          return {std::make_unique<ParamNode>(index, params[i].type == Type::kString),
                  params[i].type};
      }
    }
    fail(member, "unknown parameter '" + member.text + "'");
  }

  Compiled childMember(const Variable& variable, const Token& member) {
    const std::string& f = member.text;
    if (f == "birth_date") {
      return {std::make_unique<ChildFieldNode>(ChildField::kBirthDate, variable.slot), Type::kDate};
    }
    if (f == "disability_grade") {
      return {std::make_unique<ChildFieldNode>(ChildField::kDisabilityGrade, variable.slot),
              Type::kNumber};
    }
    if (f == "in_licensed_care") {
      return {std::make_unique<ChildFieldNode>(ChildField::kInLicensedCare, variable.slot),
              Type::kBool};
    }
    if (f == "index") {
      return {std::make_unique<ChildFieldNode>(ChildField::kIndex, variable.slot), Type::kNumber};
    }
    if (scope_.child_definitions != nullptr) {
      const auto& defs = *scope_.child_definitions;
      for (size_t i = 0; i < defs.size(); ++i) {
        if (defs[i].name == f) {
          return {std::make_unique<ChildFactNode>(static_cast<int>(i), variable.slot),
                  defs[i].type};
        }
      }
    }
    fail(member, "unknown child field or definition '" + f +
                     "' (child definitions are visible after their own)");
  }

  std::vector<Compiled> arguments(const Token& at, size_t count) {
    std::vector<Compiled> args;
    expectOp("(");
    while (!isOp(")")) {
      if (!args.empty()) expectOp(",");
      args.push_back(parseOr());
    }
    ++pos_;
    if (args.size() != count) {
      fail(at, at.text + "() takes " + std::to_string(count) + " argument(s), not " +
                   std::to_string(args.size()));
    }
    return args;
  }

  Compiled parseCall(const Token& at) {
    const std::string& f = at.text;
    if (f == "count" || f == "sum" || f == "any" || f == "all") return parseAggregate(at);
    if (f == "if") {
      std::vector<Compiled> a = arguments(at, 3);
      expectType(at, a[0], Type::kBool, "the condition of if()");
      if (a[1].type != a[2].type || a[1].type == Type::kStringList || a[1].type == Type::kTable) {
        fail(at, "both branches of if() must have the same type");
      }
      const Type type = a[1].type;
      return {std::make_unique<IfNode>(std::move(a[0].node), std::move(a[1].node),
                                       std::move(a[2].node)),
              type};
    }
    if (f == "min" || f == "max") {
      std::vector<Compiled> a = arguments(at, 2);
      expectType(at, a[0], Type::kNumber, "arguments of " + f + "()");
      expectType(at, a[1], Type::kNumber, "arguments of " + f + "()");
      return {std::make_unique<BinaryNode>(f == "min" ? Op::kMin : Op::kMax, std::move(a[0].node),
                                           std::move(a[1].node), false),
              Type::kNumber};
    }
    if (f == "round10" || f == "round" || f == "floor") {
      std::vector<Compiled> a = arguments(at, 1);
      expectType(at, a[0], Type::kNumber, "the argument of " + f + "()");
      const Fn fn = f == "round10" ? Fn::kRound10 : f == "round" ? Fn::kRound : Fn::kFloor;
      return {std::make_unique<UnaryFnNode>(fn, std::move(a[0].node)), Type::kNumber};
    }
    if (f == "month_start") {
      std::vector<Compiled> a = arguments(at, 1);
      expectType(at, a[0], Type::kDate, "the argument of month_start()");
      return {std::make_unique<UnaryFnNode>(Fn::kMonthStart, std::move(a[0].node)), Type::kDate};
    }
    if (f == "age" || f == "age_reached_on" || f == "first_march31_after_age") {
      std::vector<Compiled> a = arguments(at, 2);
      expectType(at, a[0], Type::kDate, "the first argument of " + f + "()");
      const bool age = f == "age";
      expectType(at, a[1], age ? Type::kDate : Type::kNumber, "the second argument of " + f + "()");
      const DateFn fn = age                     ? DateFn::kAge
                        : f == "age_reached_on" ? DateFn::kAgeReachedOn
                                                : DateFn::kFirstMarch31AfterAge;
      return {std::make_unique<DateFnNode>(fn, std::move(a[0].node), std::move(a[1].node)),
              age ? Type::kNumber : Type::kDate};
    }
    if (f == "starts_with") {
      std::vector<Compiled> a = arguments(at, 2);
      expectType(at, a[0], Type::kString, "arguments of starts_with()");
      expectType(at, a[1], Type::kString, "arguments of starts_with()");
      return {std::make_unique<StartsWithNode>(std::move(a[0].node), std::move(a[1].node)),
              Type::kBool};
    }
    fail(at, "unknown function '" + f + "'");
  }

  // count(c in children: body) and friends.
  Compiled parseAggregate(const Token& at) {
    expectOp("(");
    const Token& variable = next();
    if (variable.kind != Tok::kIdent || isReserved(variable.text)) {
      fail(variable, "expected a loop variable name, as in " + at.text + "(c in children: …)");
    }
    for (const Variable& v : variables_) {
      if (v.name == variable.text) fail(variable, "'" + variable.text + "' is already in use");
    }
    if (!isWord("in")) fail(peek(), "expected 'in children'");
    ++pos_;
    if (!isWord("children")) fail(peek(), "expected 'children'");
    ++pos_;
    expectOp(":");
    if (next_slot_ >= kMaxSlots) fail(variable, "loops over children are nested too deeply");
    const int slot = next_slot_++;
    variables_.push_back({variable.text, slot});
    Compiled body = parseOr();
    variables_.pop_back();
    --next_slot_;
    expectOp(")");
    const bool numeric = at.text == "sum";
    expectType(at, body, numeric ? Type::kNumber : Type::kBool, "the body of " + at.text + "()");
    const Aggregate kind = at.text == "count" ? Aggregate::kCount
                           : at.text == "sum" ? Aggregate::kSum
                           : at.text == "any" ? Aggregate::kAny
                                              : Aggregate::kAll;
    const bool counts = kind == Aggregate::kCount || kind == Aggregate::kSum;
    return {std::make_unique<AggregateNode>(kind, slot, std::move(body.node)),
            counts ? Type::kNumber : Type::kBool};
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  const Scope& scope_;
  std::vector<Variable> variables_;
  int next_slot_ = 0;
  int list_param_ = -1;  // the string-list parameter just parsed, for 'in'
};

}  // namespace

Compiled compileExpression(std::string_view source, const Scope& scope) {
  return Parser(source, scope).parse();
}

}  // namespace sukusuku::eligibility::detail
