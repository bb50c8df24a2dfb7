// Multi-row INSERTs in batches: one statement per ROWS rows, so large billing runs and result
// imports do not pay one round trip per row. Use inside a transaction.
#pragma once

#include <string>
#include <vector>

#include "sukusuku/db/database.h"

namespace sukusuku::fees {

class BatchInsert {
 public:
  BatchInsert(db::Connection& conn, std::string table, std::vector<std::string> columns,
              size_t rows = 500)
      : conn_(conn), table_(std::move(table)), columns_(std::move(columns)), rows_(rows) {}
  ~BatchInsert() = default;  // call flush(): a destructor must not throw

  void add(db::Params row) {
    for (auto& v : row) params_.push_back(std::move(v));
    if (++pending_ == rows_) flush();
  }

  void flush() {
    if (pending_ == 0) return;
    std::string sql = "INSERT INTO " + table_ + " (";
    std::string one = "(";
    for (size_t i = 0; i < columns_.size(); ++i) {
      sql += (i ? ", " : "") + columns_[i];
      one += i ? ", ?" : "?";
    }
    one += ")";
    sql += ") VALUES ";
    for (size_t r = 0; r < pending_; ++r) sql += (r ? ", " : "") + one;
    conn_.execute(sql, params_);
    params_.clear();
    pending_ = 0;
  }

 private:
  db::Connection& conn_;
  std::string table_;
  std::vector<std::string> columns_;
  size_t rows_;
  size_t pending_ = 0;
  db::Params params_;
};

// "?, ?, …" for N placeholders.
inline std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

}  // namespace sukusuku::fees
