// Typed values bound to and read from SQL, and the rows they come in.
//
// A Value is NULL, a 64-bit integer, a double, text (UTF-8) or a blob (bytes). Money is always an
// integer (yen); booleans are stored as 0/1 integers; times as ISO-8601 UTC text or epoch integers.
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sukusuku::db {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

class Value {
 public:
  enum class Type { kNull, kInt, kReal, kText, kBlob };

  Value() = default;
  Value(std::nullptr_t) {}
  template <std::integral T>
  Value(T v) : v_(static_cast<int64_t>(v)) {}
  Value(double v) : v_(v) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(Blob v) : v_(std::move(v)) {}
  template <class T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool isNull() const { return type() == Type::kNull; }
  // Accessors throw DbError(kType) on a mismatch; asInt accepts integral reals and numeric text
  // (SQLite and MySQL disagree on the type of e.g. SUM()), asReal accepts integers.
  int64_t asInt() const;
  double asReal() const;
  const std::string& asText() const;  // text or blob bytes
  const Blob& asBlob() const;
  std::string toString() const;  // for logs and messages; NULL prints as "NULL"

  bool operator==(const Value&) const = default;

 private:
  std::variant<std::monostate, int64_t, double, std::string, Blob> v_;
};

using Params = std::vector<Value>;

// One result row. Columns are looked up by name (as the query labels them) or by position.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const std::vector<std::string>& columns() const { return *columns_; }
  const Value& operator[](size_t i) const { return values_.at(i); }
  // Throws DbError(kType) when no column has that name.
  const Value& operator[](std::string_view column) const;

  bool isNull(std::string_view column) const { return (*this)[column].isNull(); }
  int64_t getInt(std::string_view column) const { return (*this)[column].asInt(); }
  double getReal(std::string_view column) const { return (*this)[column].asReal(); }
  bool getBool(std::string_view column) const { return getInt(column) != 0; }
  std::string getText(std::string_view column) const { return (*this)[column].asText(); }
  std::optional<int64_t> getOptInt(std::string_view column) const;
  std::optional<std::string> getOptText(std::string_view column) const;

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

}  // namespace sukusuku::db
