// The embedded backend: one SQLite file in WAL mode, or one in-memory database shared by every
// pooled connection.
//
// Shared in-memory databases use SQLite's "memdb" VFS (file:/name?vfs=memdb) rather than
// shared-cache mode: shared-cache reports lock conflicts as SQLITE_LOCKED at once, without the
// busy handler, so concurrent writers would fail instead of waiting their turn; memdb databases
// take ordinary file locks and honour busy_timeout like a file does.
#include <sqlite3.h>

#include <unistd.h>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "backends.h"
#include "dialects.h"
#include "pooled_database.h"
#include "sql_text.h"

namespace sukusuku::db::internal {
namespace {

using Kind = DbError::Kind;

DbError sqliteError(sqlite3* db, int rc, std::string_view sql) {
  int code = db ? sqlite3_extended_errcode(db) : rc;
  if ((code & 0xff) != (rc & 0xff)) code = rc;  // errcode describes an older failure
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (!sql.empty()) msg += " [in: " + excerpt(sql) + "]";
  Kind kind = Kind::kSql;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      kind = Kind::kDeadlock;
      break;
    case SQLITE_CONSTRAINT:
      kind = (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
                 ? Kind::kUnique
                 : Kind::kConstraint;
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
      kind = Kind::kConnection;
      break;
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      kind = Kind::kType;
      break;
    default:
      break;
  }
  return DbError(kind, "sqlite: " + msg, code);
}

struct Target {
  std::string uri;  // what sqlite3_open_v2 gets
  bool memory = false;
  int busy_timeout_ms = 5000;
};

class SqliteConnection : public ConnectionBase {
 public:
  explicit SqliteConnection(const Target& target) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(target.uri.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      DbError err = sqliteError(db_, rc, "");
      sqlite3_close_v2(db_);
      throw DbError(Kind::kConnection, "cannot open " + target.uri + ": " + err.what(), rc);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, target.busy_timeout_ms);
    try {
      // WAL is a property of the file: switching once would do, but asking again is cheap.
      if (!target.memory) run("PRAGMA journal_mode=WAL");
      run("PRAGMA foreign_keys=ON");
      run("PRAGMA synchronous=NORMAL");
    } catch (const DbError& e) {
      sqlite3_close_v2(db_);
      throw DbError(Kind::kConnection, "cannot set up " + target.uri + ": " + e.what(),
                    e.nativeCode());
    }
  }

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Rows query(std::string_view sql, const Params& params) override {
    Statement s(*this, sql, params);
    auto columns = std::make_shared<std::vector<std::string>>();
    int n = sqlite3_column_count(s.stmt);
    for (int i = 0; i < n; ++i) columns->emplace_back(sqlite3_column_name(s.stmt, i));
    Rows rows;
    for (;;) {
      int rc = sqlite3_step(s.stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw sqliteError(db_, rc, sql);
      std::vector<Value> values;
      values.reserve(n);
      for (int i = 0; i < n; ++i) values.push_back(column(s.stmt, i));
      rows.emplace_back(columns, std::move(values));
    }
    return rows;
  }

  ExecResult execute(std::string_view sql, const Params& params) override {
    Statement s(*this, sql, params);
    int64_t total_before = sqlite3_total_changes64(db_);
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) throw sqliteError(db_, rc, sql);
    ExecResult result;
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, so a DDL statement
    // would report its predecessor's; the total only moves when this statement changed rows.
    if (sqlite3_total_changes64(db_) != total_before) result.affected_rows = sqlite3_changes64(db_);
    std::string verb = leadingKeyword(sql);
    if (result.affected_rows > 0 && (verb == "INSERT" || verb == "REPLACE")) {
      result.last_insert_id = sqlite3_last_insert_rowid(db_);
    }
    return result;
  }

  void executeScript(std::string_view sql) override {
    for (const std::string& stmt : splitScript(sql)) run(stmt);
  }

  const Dialect& dialect() const override { return sqliteDialect(); }

  void begin() override {
    run("BEGIN IMMEDIATE");
    in_transaction_ = true;
  }

  void commit() override {
    run("COMMIT");
    in_transaction_ = false;
  }

  void rollback() noexcept override {
    in_transaction_ = false;
    if (sqlite3_get_autocommit(db_)) return;  // nothing open (or SQLite already rolled back)
    if (sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK) broken_ = true;
  }

  bool isAlive() noexcept override {
    return sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  void resetForPool() noexcept override { rollback(); }

 private:
  // One use of a cached prepared statement: bound on construction, reset on destruction.
  struct Statement {
    Statement(SqliteConnection& conn, std::string_view sql, const Params& params)
        : stmt(conn.prepare(sql)) {
      for (size_t i = 0; i < params.size(); ++i)
        conn.bind(stmt, static_cast<int>(i + 1), params[i], sql);
      int expected = sqlite3_bind_parameter_count(stmt);
      if (expected != static_cast<int>(params.size())) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        throw DbError(Kind::kSql, "statement has " + std::to_string(expected) +
                                      " placeholders but " + std::to_string(params.size()) +
                                      " parameters were bound [in: " + excerpt(sql) + "]");
      }
    }
    ~Statement() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* stmt;
  };

  static constexpr size_t kMaxCachedStatements = 256;

  sqlite3_stmt* prepare(std::string_view sql) {
    touch();
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) throw sqliteError(db_, rc, sql);
    if (!stmt) throw DbError(Kind::kSql, "empty statement");
    if (tail && !splitScript(std::string_view(tail, sql.data() + sql.size() - tail)).empty()) {
      sqlite3_finalize(stmt);
      throw DbError(Kind::kSql,
                    "one statement per call (use executeScript) [in: " + excerpt(sql) + "]");
    }
    if (cache_.size() >= kMaxCachedStatements) {
      for (auto& [text, old] : cache_) sqlite3_finalize(old);
      cache_.clear();
    }
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  void bind(sqlite3_stmt* stmt, int i, const Value& v, std::string_view sql) {
    int rc = SQLITE_OK;
    switch (v.type()) {
      case Value::Type::kNull:
        rc = sqlite3_bind_null(stmt, i);
        break;
      case Value::Type::kInt:
        rc = sqlite3_bind_int64(stmt, i, v.asInt());
        break;
      case Value::Type::kReal:
        rc = sqlite3_bind_double(stmt, i, v.asReal());
        break;
      case Value::Type::kText: {
        const std::string& s = v.asText();
        rc = sqlite3_bind_text64(stmt, i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      }
      case Value::Type::kBlob: {
        const std::string& b = v.asBlob().bytes;
        // A null pointer would bind NULL, not an empty blob.
        rc = b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                       : sqlite3_bind_blob64(stmt, i, b.data(), b.size(), SQLITE_TRANSIENT);
        break;
      }
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      throw sqliteError(db_, rc, sql);
    }
  }

  static Value column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(stmt, i));
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        return Value(std::string(p, sqlite3_column_bytes(stmt, i)));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        int n = sqlite3_column_bytes(stmt, i);
        return Value(Blob{p ? std::string(p, n) : std::string()});
      }
      default:
        return Value();
    }
  }

  void run(const std::string& sql) {
    touch();
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) throw sqliteError(db_, rc, sql);
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase : public PooledDatabase {
 public:
  SqliteDatabase(Target target, const PoolOptions& options)
      : PooledDatabase(options), target_(std::move(target)) {
    if (target_.memory) {
      // A memdb database lives while some connection has it open; this one is never lent.
      anchor_ = std::make_unique<SqliteConnection>(target_);
    }
    warmUp();
  }
  ~SqliteDatabase() override { closeIdle(); }

  Backend backend() const override { return Backend::kSqlite; }
  const Dialect& dialect() const override { return sqliteDialect(); }

 protected:
  std::unique_ptr<ConnectionBase> connect() override {
    return std::make_unique<SqliteConnection>(target_);
  }
  // A local file does not go away while we idle.
  std::chrono::milliseconds validateAfterIdle() const override {
    return std::chrono::milliseconds::max();
  }

 private:
  Target target_;
  std::unique_ptr<SqliteConnection> anchor_;
};

}  // namespace

std::unique_ptr<Database> openSqlite(const std::string& spec, const PoolOptions& options) {
  Target target;
  std::string path = spec;
  size_t q = spec.find('?');
  if (q != std::string::npos) {
    path = spec.substr(0, q);
    std::string query = spec.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      size_t eq = kv.find('=');
      std::string key = kv.substr(0, eq);
      std::string val = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (key == "busy_timeout") {
        auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), target.busy_timeout_ms);
        if (ec != std::errc() || p != val.data() + val.size() || target.busy_timeout_ms < 0) {
          throw DbError(Kind::kConnection, "bad busy_timeout in sqlite URL: '" + val + "'");
        }
      } else if (!key.empty()) {
        throw DbError(Kind::kConnection, "unknown sqlite URL option '" + key + "'");
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  if (path.rfind("//", 0) == 0) path = path.substr(2);  // tolerate sqlite:///abs/path
  if (path.empty()) throw DbError(Kind::kConnection, "sqlite URL without a path");

  if (path == ":memory:") {
    static std::atomic<int> counter{0};
    target.memory = true;
    target.uri = "file:/sukusuku-mem-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++) + "?vfs=memdb";
  } else {
    std::filesystem::path file(path);
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      throw DbError(Kind::kConnection,
                    "cannot create folder " + file.parent_path().string() + ": " + ec.message());
    }
    // As a URI so that '?' or '#' in a file name cannot be read as URI syntax.
    std::string uri = "file:";
    for (char c : std::filesystem::absolute(file).string()) {
      if (c == '?' || c == '#' || c == '%') {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        uri += buf;
      } else {
        uri += c;
      }
    }
    target.uri = uri;
  }
  return std::make_unique<SqliteDatabase>(std::move(target), options);
}

}  // namespace sukusuku::db::internal
