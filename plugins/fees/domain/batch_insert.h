// Multi-row INSERTs in batches: one statement per ROWS rows, so large billing runs and result
// imports do not pay one round trip per row. Use inside a transaction.
//
// On MariaDB a batch whose values are all integers, NULLs and plain text (no quote, backslash
// or control character) is sent as one text-protocol statement with the values written as SQL
// literals: binding thousands of parameters one by one through the connector costs more than
// the insert itself (bench/fees). Any other batch, and every batch on SQLite (in-process, where
// a reused prepared statement is the fast path), binds parameters.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "sukusuku/db/database.h"

namespace sukusuku::fees {

// Text safe to write between single quotes on every backend: no quote, backslash, control
// character or NUL (UTF-8 multibyte sequences are fine).
inline bool literalSafe(const std::string& s) {
  for (unsigned char c : s) {
    if (c == '\'' || c == '\\' || c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Appends V as an SQL literal to OUT; false (OUT unchanged in meaning) when V cannot be one.
inline bool appendLiteral(std::string& out, const db::Value& v) {
  switch (v.type()) {
    case db::Value::Type::kNull:
      out += "NULL";
      return true;
    case db::Value::Type::kInt:
      out += std::to_string(v.asInt());
      return true;
    case db::Value::Type::kText:
      if (!literalSafe(v.asText())) return false;
      out += '\'';
      out += v.asText();
      out += '\'';
      return true;
    default:
      return false;
  }
}

class BatchInsert {
 public:
  BatchInsert(db::Connection& conn, std::string table, std::vector<std::string> columns,
              size_t rows = 1000)
      : conn_(conn),
        table_(std::move(table)),
        columns_(std::move(columns)),
        rows_(rows),
        literals_(conn.dialect().name() == "mysql") {}
  ~BatchInsert() = default;  // call flush(): a destructor must not throw

  void add(db::Params row) {
    for (auto& v : row) params_.push_back(std::move(v));
    if (++pending_ == rows_) flush();
  }

  void flush() {
    if (pending_ == 0) return;
    std::string head = "INSERT INTO " + table_ + " (";
    for (size_t i = 0; i < columns_.size(); ++i) head += (i ? ", " : "") + columns_[i];
    head += ") VALUES ";
    if (literals_ && flushLiterals(head)) return;
    std::string one = "(";
    for (size_t i = 0; i < columns_.size(); ++i) one += i ? ", ?" : "?";
    one += ")";
    std::string sql = head;
    for (size_t r = 0; r < pending_; ++r) sql += (r ? ", " : "") + one;
    conn_.execute(sql, params_);
    params_.clear();
    pending_ = 0;
  }

 private:
  bool flushLiterals(const std::string& head) {
    std::string sql;
    sql.reserve(head.size() + params_.size() * 12);
    sql += head;
    const size_t n = columns_.size();
    for (size_t i = 0; i < params_.size(); ++i) {
      if (i % n == 0) sql += i ? "), (" : "(";
      else sql += ", ";
      if (!appendLiteral(sql, params_[i])) return false;
    }
    sql += ')';
    conn_.executeScript(sql);
    params_.clear();
    pending_ = 0;
    return true;
  }

  db::Connection& conn_;
  std::string table_;
  std::vector<std::string> columns_;
  size_t rows_;
  bool literals_;
  size_t pending_ = 0;
  db::Params params_;
};

// SQL with each '?' replaced by the literal of the next of PARAMS (SQL must hold no '?' in its
// own quotes); empty when a value cannot be written as a literal.
inline std::string inlineParams(std::string_view sql, const db::Params& params) {
  std::string out;
  out.reserve(sql.size() + params.size() * 8);
  size_t next = 0;
  for (char c : sql) {
    if (c != '?') {
      out += c;
      continue;
    }
    if (next >= params.size() || !appendLiteral(out, params[next++])) return {};
  }
  return next == params.size() ? out : std::string();
}

// Runs "… WHERE col IN (…)" over IDS in chunks of 1000, with PREFIX_PARAMS bound first: as one
// text statement per chunk on MariaDB, bound parameters on SQLite.
inline void executeIn(db::Connection& conn, const std::string& sql_before_in,
                      const db::Params& prefix_params, const std::vector<int64_t>& ids) {
  constexpr size_t kChunk = 1000;
  const bool literals = conn.dialect().name() == "mysql";
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - at);
    db::Params params = prefix_params;
    for (size_t i = 0; i < n; ++i) params.push_back(ids[at + i]);
    std::string sql = sql_before_in + " IN (";
    for (size_t i = 0; i < n; ++i) sql += i ? ", ?" : "?";
    sql += ")";
    if (literals) {
      if (std::string text = inlineParams(sql, params); !text.empty()) {
        conn.executeScript(text);
        continue;
      }
    }
    conn.execute(sql, params);
  }
}

// "?, ?, …" for N placeholders.
inline std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

}  // namespace sukusuku::fees
