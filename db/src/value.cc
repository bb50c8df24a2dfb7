#include "sukusuku/db/value.h"

#include <charconv>
#include <cmath>
#include <string>

#include "sukusuku/db/error.h"

namespace sukusuku::db {
namespace {

const char* typeName(Value::Type t) {
  switch (t) {
    case Value::Type::kNull:
      return "NULL";
    case Value::Type::kInt:
      return "integer";
    case Value::Type::kReal:
      return "real";
    case Value::Type::kText:
      return "text";
    case Value::Type::kBlob:
      return "blob";
  }
  return "?";
}

[[noreturn]] void mismatch(const Value& v, const char* wanted) {
  throw DbError(DbError::Kind::kType, std::string("cannot read ") + typeName(v.type()) + " value " +
                                          v.toString() + " as " + wanted);
}

// 2^63 as a double: the first value that no longer fits int64_t.
constexpr double kTwoPow63 = 9223372036854775808.0;

bool integralReal(double d, int64_t* out) {
  if (!std::isfinite(d) || d != std::trunc(d) || d < -kTwoPow63 || d >= kTwoPow63) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool parseInt(const std::string& s, int64_t* out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  if (ec == std::errc() && p == end) return true;
  // MySQL DECIMAL results such as "42.000".
  double d = 0;
  auto [p2, ec2] = std::from_chars(s.data(), end, d);
  return ec2 == std::errc() && p2 == end && integralReal(d, out);
}

}  // namespace

int64_t Value::asInt() const {
  switch (type()) {
    case Type::kInt:
      return std::get<int64_t>(v_);
    case Type::kReal: {
      int64_t out = 0;
      if (integralReal(std::get<double>(v_), &out)) return out;
      break;
    }
    case Type::kText: {
      int64_t out = 0;
      if (parseInt(std::get<std::string>(v_), &out)) return out;
      break;
    }
    default:
      break;
  }
  mismatch(*this, "integer");
}

double Value::asReal() const {
  switch (type()) {
    case Type::kReal:
      return std::get<double>(v_);
    case Type::kInt:
      return static_cast<double>(std::get<int64_t>(v_));
    case Type::kText: {
      const std::string& s = std::get<std::string>(v_);
      double d = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return d;
      break;
    }
    default:
      break;
  }
  mismatch(*this, "real");
}

const std::string& Value::asText() const {
  if (type() == Type::kText) return std::get<std::string>(v_);
  if (type() == Type::kBlob) return std::get<Blob>(v_).bytes;
  mismatch(*this, "text");
}

const Blob& Value::asBlob() const {
  if (type() == Type::kBlob) return std::get<Blob>(v_);
  mismatch(*this, "blob");
}

std::string Value::toString() const {
  switch (type()) {
    case Type::kNull:
      return "NULL";
    case Type::kInt:
      return std::to_string(std::get<int64_t>(v_));
    case Type::kReal: {
      char buf[32];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(v_));
      return ec == std::errc() ? std::string(buf, p) : std::string("?");
    }
    case Type::kText:
      return std::get<std::string>(v_);
    case Type::kBlob:
      return "<blob " + std::to_string(std::get<Blob>(v_).bytes.size()) + " bytes>";
  }
  return "?";
}

const Value& Row::operator[](std::string_view column) const {
  const std::vector<std::string>& cols = *columns_;
  for (size_t i = 0; i < cols.size() && i < values_.size(); ++i) {
    if (cols[i] == column) return values_[i];
  }
  std::string known;
  for (const std::string& c : cols) known += (known.empty() ? "" : ", ") + c;
  throw DbError(DbError::Kind::kType,
                "no column '" + std::string(column) + "' in this row (columns: " + known + ")");
}

std::optional<int64_t> Row::getOptInt(std::string_view column) const {
  const Value& v = (*this)[column];
  if (v.isNull()) return std::nullopt;
  return v.asInt();
}

std::optional<std::string> Row::getOptText(std::string_view column) const {
  const Value& v = (*this)[column];
  if (v.isNull()) return std::nullopt;
  return v.asText();
}

}  // namespace sukusuku::db
