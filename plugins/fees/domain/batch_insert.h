// Multi-row INSERTs in batches: one statement per ROWS rows, so large billing runs and result
// imports do not pay one round trip per row. Use inside a transaction.
//
// On MariaDB the rows go by LOAD DATA LOCAL INFILE from a temporary file, up to 50,000 rows a
// load, each loaded by a helper thread while the caller adds the next rows (do not use the
// connection between the first add() and flush()): the server spends about 40% less CPU than on
// the same rows as INSERT statements (bench/fees). LOAD DATA LOCAL turns errors into warnings (a duplicate key skips the row, a too
// long text is cut), so each load must report exactly its rows and no warning, else it throws
// (and the caller's transaction rolls back). Whether the server and client allow LOAD DATA LOCAL
// is tried once per process with an empty file; if not, the rows go as multi-row INSERTs: a batch whose values
// are all integers, NULLs and plain text (no quote, backslash or control character) as one
// text-protocol statement with the values written as SQL literals (binding thousands of
// parameters one by one through the connector costs more than the insert itself); any other
// batch, and every batch on SQLite (in-process, where a reused prepared statement is the fast
// path), binds parameters.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "sukusuku/db/database.h"
#include "sukusuku/db/error.h"

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

// LOAD DATA LOCAL INFILE on this process's MariaDB connections: unknown until first tried.
enum class LoadData { kUnknown, kWorks, kRefused };
inline std::atomic<LoadData>& loadDataState() {
  static std::atomic<LoadData> state{std::getenv("SUKUSUKU_FEES_NO_LOAD_DATA") ? LoadData::kRefused
                                                                              : LoadData::kUnknown};
  return state;
}

// Appends V to OUT as a LOAD DATA field (tab-separated, backslash escapes, \N for NULL); false
// when V is of a type written otherwise (blob, real).
inline bool appendField(std::string& out, const db::Value& v) {
  switch (v.type()) {
    case db::Value::Type::kNull:
      out += "\\N";
      return true;
    case db::Value::Type::kInt:
      out += std::to_string(v.asInt());
      return true;
    case db::Value::Type::kText:
      for (char c : v.asText()) {
        switch (c) {
          case '\\': out += "\\\\"; break;
          case '\t': out += "\\t"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\0': out += "\\0"; break;
          default: out += c;
        }
      }
      return true;
    default:
      return false;
  }
}

// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sukusuku-load-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw db::DbError(db::DbError::Kind::kSql, "cannot create a temporary file");
    path_ = pattern;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        ::close(fd);
        throw db::DbError(db::DbError::Kind::kSql, "cannot write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class BatchInsert {
 public:
  BatchInsert(db::Connection& conn, std::string table, std::vector<std::string> columns,
              size_t rows = 1000)
      : conn_(conn),
        table_(std::move(table)),
        columns_(std::move(columns)),
        rows_(rows),
        literals_(conn.dialect().name() == "mysql"),
        load_(literals_ && loadDataAllowed()) {}
  // Call flush() (it reports failures); the destructor waits for a load still running, so that
  // the transaction is not rolled back under it, and swallows its failure.
  ~BatchInsert() {
    if (loading_.valid()) loading_.wait();
  }
  BatchInsert(const BatchInsert&) = delete;
  BatchInsert& operator=(const BatchInsert&) = delete;

  void add(db::Params row) {
    if (load_) {
      const size_t mark = tsv_.size();
      bool ok = true;
      for (size_t i = 0; i < row.size() && ok; ++i) {
        if (i) tsv_ += '\t';
        ok = appendField(tsv_, row[i]);
      }
      if (ok) {
        tsv_ += '\n';
        if (++tsv_rows_ == kLoadRows) flushLoad();
        return;
      }
      tsv_.resize(mark);  // this row goes as an INSERT
    }
    for (auto& v : row) params_.push_back(std::move(v));
    if (++pending_ == rows_) flushInsert();
  }

  // Writes what is left; until it returns, the connection belongs to this batch.
  void flush() {
    flushLoad();
    waitLoad();
    flushInsert();
  }

 private:
  static constexpr size_t kLoadRows = 50000;
  static constexpr size_t kReserve = 4 << 20;

  std::string columnList() const {
    std::string s;
    for (size_t i = 0; i < columns_.size(); ++i) s += (i ? ", " : "") + columns_[i];
    return s;
  }

  std::string loadStatement(const std::string& path) const {
    return "LOAD DATA LOCAL INFILE '" + path + "' INTO TABLE " + table_ +
           " CHARACTER SET utf8mb4 (" + columnList() + ")";
  }

  // Whether this process's connections may LOAD DATA LOCAL: tried once with an empty file.
  bool loadDataAllowed() {
    if (loadDataState().load() == LoadData::kUnknown) {
      TempFile empty("");
      try {
        conn_.executeScript(loadStatement(empty.path()));
        loadDataState() = LoadData::kWorks;
      } catch (const db::DbError& e) {
        // Refused by the server (1148, 4166) or the client (2068): INSERTs from now on.
        if (e.kind() == db::DbError::Kind::kConnection) throw;
        loadDataState() = LoadData::kRefused;
      }
    }
    return loadDataState().load() == LoadData::kWorks;
  }

  // Hands the rows so far to a thread that writes the file and loads it, while the caller
  // builds the next rows (the caller's own work and the server's then overlap); one load at a
  // time, so the connection is never used by two threads at once.
  void flushLoad() {
    if (tsv_rows_ == 0) return;
    waitLoad();
    loading_ = std::async(std::launch::async,
                          [this, tsv = std::move(tsv_), rows = tsv_rows_]() { load(tsv, rows); });
    tsv_ = std::string();
    tsv_.reserve(kReserve);
    tsv_rows_ = 0;
  }

  void waitLoad() {
    if (loading_.valid()) loading_.get();  // rethrows the load's failure
  }

  void load(const std::string& tsv, size_t rows) {
    TempFile file(tsv);
    conn_.executeScript(loadStatement(file.path()));
    const auto check = conn_.queryOne("SELECT ROW_COUNT() AS n, @@warning_count AS w");
    if (!check || check->getInt("n") != static_cast<int64_t>(rows) || check->getInt("w") != 0) {
      throw db::DbError(db::DbError::Kind::kSql,
                        "LOAD DATA into " + table_ + " loaded " +
                            std::to_string(check ? check->getInt("n") : -1) + " of " +
                            std::to_string(rows) + " rows with " +
                            std::to_string(check ? check->getInt("w") : -1) + " warnings");
    }
  }

  void flushInsert() {
    if (pending_ == 0) return;
    waitLoad();
    std::string head = "INSERT INTO " + table_ + " (" + columnList() + ") VALUES ";
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
  bool load_;
  size_t pending_ = 0;
  db::Params params_;
  std::string tsv_;
  size_t tsv_rows_ = 0;
  std::future<void> loading_;
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
