// The server backend: MariaDB >= 10.6 / MySQL 8 through Connector/C++ 1.1 (the JDBC-style API).
//
// Session settings (every connection, also after a reconnect):
//   utf8mb4 with utf8mb4_bin   byte-wise comparison as on SQLite, emoji included
//   time_zone '+00:00'         times are UTC, so NOW() agrees with SQLite's CURRENT_TIMESTAMP
//   READ COMMITTED             no gap locks: fewer deadlocks between writers inserting into the
//                              same tables (outbox, audit, ledgers); rows that must not change
//                              under a transaction are read with Dialect::forUpdate()
//   strict sql_mode            bad data is an error, not a warning; ONLY_FULL_GROUP_BY keeps
//                              queries portable to TiDB/MySQL 8; PIPES_AS_CONCAT makes || concat
//   CLIENT_FOUND_ROWS          UPDATE reports rows matched, as SQLite does
#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <charconv>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>

#include "backends.h"
#include "dialects.h"
#include "pooled_database.h"
#include "sql_text.h"

namespace sukusuku::db::internal {
namespace {

using Kind = DbError::Kind;

struct Target {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;
  std::string database;

  // For messages: never the password.
  std::string describe() const {
    return "mysql://" + user + "@" + (socket.empty() ? host + ":" + std::to_string(port) : socket) +
           "/" + database;
  }
};

// Error numbers from the server (1xxx-4xxx) and the client library (2xxx).
Kind kindOf(int code, const std::string& sql_state) {
  switch (code) {
    case 1213:  // ER_LOCK_DEADLOCK
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
    case 3572:  // ER_LOCK_NOWAIT
      return Kind::kDeadlock;
    case 1062:  // ER_DUP_ENTRY
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
      return Kind::kUnique;
    case 1451:  // ER_ROW_IS_REFERENCED_2
    case 1452:  // ER_NO_REFERENCED_ROW_2
    case 1216:  // ER_NO_REFERENCED_ROW
    case 1217:  // ER_ROW_IS_REFERENCED
    case 1048:  // ER_BAD_NULL_ERROR
    case 1364:  // ER_NO_DEFAULT_FOR_FIELD
    case 3819:  // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
    case 4025:  // ER_CONSTRAINT_FAILED (MariaDB's CHECK)
      return Kind::kConstraint;
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1040:  // ER_CON_COUNT_ERROR
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL)
      return Kind::kConnection;
    default:
      break;
  }
  if (sql_state.rfind("08", 0) == 0) return Kind::kConnection;
  return Kind::kSql;
}

DbError mysqlError(const sql::SQLException& e, std::string_view sql) {
  std::string msg = std::string("mysql: ") + e.what();
  if (!sql.empty()) msg += " [in: " + excerpt(sql) + "]";
  Kind kind = kindOf(e.getErrorCode(), e.getSQLState());
  // The connector reports use of a closed connection without an error number.
  if (dynamic_cast<const sql::InvalidInstanceException*>(&e) != nullptr) kind = Kind::kConnection;
  return DbError(kind, msg, e.getErrorCode());
}

// Errors after which the server cannot have run the statement we sent, so that rerunning a
// write on a fresh connection cannot apply it twice.
bool notExecuted(const DbError& e) {
  switch (e.nativeCode()) {
    case 2002:
    case 2003:
    case 2006:  // the command could not be written
    case 1040:
    case 1927:  // killed before it ran
    case 0:     // connector-side: connection already closed
      return true;
    default:
      return false;
  }
}

sql::mysql::MySQL_Driver* driver() {
  // get_driver_instance() is not safe to call concurrently the first time.
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* instance = nullptr;
  std::call_once(once, [] { instance = sql::mysql::get_mysql_driver_instance(); });
  return instance;
}

constexpr const char* kSqlMode =
    "STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY,PIPES_AS_CONCAT";

class MysqlConnection : public ConnectionBase {
 public:
  explicit MysqlConnection(const Target& target) : target_(target) { connect(); }

  ~MysqlConnection() override { disconnect(); }

  Rows query(std::string_view sql, const Params& params) override {
    return guarded(sql, /*idempotent=*/true, [&]() {
      sql::PreparedStatement* stmt = prepare(sql);
      Blobs blobs = bind(stmt, params);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      return readAll(*rs);
    });
  }

  ExecResult execute(std::string_view sql, const Params& params) override {
    return guarded(sql, /*idempotent=*/false, [&]() {
      sql::PreparedStatement* stmt = prepare(sql);
      Blobs blobs = bind(stmt, params);
      ExecResult result;
      result.affected_rows = stmt->executeUpdate();
      std::string verb = leadingKeyword(sql);
      if (result.affected_rows > 0 && (verb == "INSERT" || verb == "REPLACE")) {
        // The write has happened: a failure from here on must not make guarded() run it again.
        try {
          std::unique_ptr<sql::ResultSet> rs(prepare("SELECT LAST_INSERT_ID()")->executeQuery());
          if (rs->next()) result.last_insert_id = static_cast<int64_t>(rs->getUInt64(1));
        } catch (const sql::SQLException& e) {
          DbError err = mysqlError(e, "SELECT LAST_INSERT_ID()");
          if (err.kind() == Kind::kConnection) broken_ = true;
          throw err;
        }
      }
      return result;
    });
  }

  void executeScript(std::string_view sql) override {
    for (const std::string& stmt : splitScript(sql)) run(stmt);
  }

  const Dialect& dialect() const override { return mysqlDialect(); }

  void begin() override {
    if (broken_) reconnect();
    run("START TRANSACTION");
    in_transaction_ = true;
  }

  void commit() override {
    run("COMMIT");
    in_transaction_ = false;
  }

  void rollback() noexcept override {
    in_transaction_ = false;
    if (broken_ || !conn_) return;
    try {
      plain_->execute("ROLLBACK");
    } catch (...) {
      broken_ = true;
    }
  }

  bool isAlive() noexcept override {
    try {
      if (broken_ || !conn_) return false;
      std::unique_ptr<sql::ResultSet> rs(plain_->executeQuery("SELECT 1"));
      return rs->next();
    } catch (...) {
      broken_ = true;
      return false;
    }
  }

 private:
  using Blobs = std::vector<std::unique_ptr<std::istringstream>>;
  static constexpr size_t kMaxCachedStatements = 128;  // the server caps prepared statements

  void connect() {
    sql::ConnectOptionsMap opts;
    if (!target_.socket.empty()) {
      opts["hostName"] = sql::SQLString("unix://" + target_.socket);
    } else {
      opts["hostName"] = sql::SQLString(target_.host);
      opts["port"] = target_.port;
    }
    opts["userName"] = sql::SQLString(target_.user);
    opts["password"] = sql::SQLString(target_.password);
    if (!target_.database.empty()) opts["schema"] = sql::SQLString(target_.database);
    opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    opts["OPT_RECONNECT"] = false;  // a silent reconnect would lose transaction state
    opts["OPT_CONNECT_TIMEOUT"] = 5;
    opts["CLIENT_FOUND_ROWS"] = true;
    // LOAD DATA LOCAL INFILE for bulk loads (plugins/fees): the client sends a file it names
    // itself; servers that refuse it make the caller fall back to multi-row INSERTs.
    opts["OPT_LOCAL_INFILE"] = 1;
    try {
      conn_.reset(driver()->connect(opts));
      plain_.reset(conn_->createStatement());
      plain_->execute("SET NAMES utf8mb4 COLLATE utf8mb4_bin");
      plain_->execute(std::string("SET SESSION sql_mode = '") + kSqlMode + "'");
      plain_->execute("SET SESSION time_zone = '+00:00'");
      plain_->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    } catch (const sql::SQLException& e) {
      disconnect();
      throw DbError(Kind::kConnection, "cannot connect to " + target_.describe() + ": " + e.what(),
                    e.getErrorCode());
    }
    broken_ = false;
    touch();
  }

  void disconnect() noexcept {
    cache_.clear();  // statements before their connection
    plain_.reset();
    try {
      if (conn_) conn_->close();
    } catch (...) {
    }
    conn_.reset();
  }

  void reconnect() {
    if (in_transaction_ || pinned_) {
      throw DbError(Kind::kConnection, "connection to " + target_.describe() + " was lost", 2013);
    }
    disconnect();
    connect();
  }

  // Runs fn, translating connector errors. A dropped connection is replaced once when no
  // transaction or session lock depends on it and rerunning cannot apply a write twice.
  template <class F>
  auto guarded(std::string_view sql, bool idempotent, F&& fn) -> decltype(fn()) {
    for (int attempt = 0;; ++attempt) {
      if (broken_ || !conn_) reconnect();
      touch();
      try {
        return fn();
      } catch (const sql::SQLException& e) {
        DbError err = mysqlError(e, sql);
        if (err.kind() != Kind::kConnection) throw err;
        broken_ = true;
        bool retry =
            attempt == 0 && !in_transaction_ && !pinned_ && (idempotent || notExecuted(err));
        if (!retry) throw err;
      }
    }
  }

  sql::PreparedStatement* prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second.get();
    if (cache_.size() >= kMaxCachedStatements) cache_.clear();
    std::unique_ptr<sql::PreparedStatement> stmt(conn_->prepareStatement(std::string(sql)));
    return cache_.emplace(std::string(sql), std::move(stmt)).first->second.get();
  }

  static Blobs bind(sql::PreparedStatement* stmt, const Params& params) {
    Blobs blobs;
    stmt->clearParameters();
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      auto idx = static_cast<unsigned int>(i + 1);
      switch (v.type()) {
        case Value::Type::kNull:
          stmt->setNull(idx, sql::DataType::SQLNULL);
          break;
        case Value::Type::kInt:
          stmt->setInt64(idx, v.asInt());
          break;
        case Value::Type::kReal:
          stmt->setDouble(idx, v.asReal());
          break;
        case Value::Type::kText:
          stmt->setString(idx, sql::SQLString(v.asText()));
          break;
        case Value::Type::kBlob:
          // The connector reads the stream at execute time.
          blobs.push_back(std::make_unique<std::istringstream>(v.asBlob().bytes));
          stmt->setBlob(idx, blobs.back().get());
          break;
      }
    }
    return blobs;
  }

  static Rows readAll(sql::ResultSet& rs) {
    sql::ResultSetMetaData* meta = rs.getMetaData();
    unsigned int n = meta->getColumnCount();
    auto columns = std::make_shared<std::vector<std::string>>();
    std::vector<int> types(n);
    std::vector<bool> is_signed(n);
    std::vector<unsigned int> scales(n);
    for (unsigned int i = 1; i <= n; ++i) {
      columns->push_back(meta->getColumnLabel(i).asStdString());
      types[i - 1] = meta->getColumnType(i);
      is_signed[i - 1] = meta->isSigned(i);
      scales[i - 1] = meta->getScale(i);
    }
    Rows rows;
    while (rs.next()) {
      std::vector<Value> values;
      values.reserve(n);
      for (unsigned int i = 1; i <= n; ++i) {
        values.push_back(read(rs, i, types[i - 1], is_signed[i - 1], scales[i - 1]));
      }
      rows.emplace_back(columns, std::move(values));
    }
    return rows;
  }

  static Value read(sql::ResultSet& rs, unsigned int i, int type, bool is_signed,
                    unsigned int scale) {
    if (rs.isNull(i)) return Value();
    switch (type) {
      case sql::DataType::BIT:
      case sql::DataType::TINYINT:
      case sql::DataType::SMALLINT:
      case sql::DataType::MEDIUMINT:
      case sql::DataType::INTEGER:
      case sql::DataType::BIGINT:
      case sql::DataType::YEAR:
        return is_signed ? Value(rs.getInt64(i)) : Value(static_cast<int64_t>(rs.getUInt64(i)));
      case sql::DataType::REAL:
      case sql::DataType::DOUBLE:
        return Value(static_cast<double>(rs.getDouble(i)));
      case sql::DataType::DECIMAL:
      case sql::DataType::NUMERIC: {
        // SUM() of integers is DECIMAL(n,0) on MySQL and an integer on SQLite: keep it integral.
        std::string s = rs.getString(i).asStdString();
        int64_t iv = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), iv);
        if (scale == 0 && ec == std::errc() && p == s.data() + s.size()) return Value(iv);
        return Value(std::strtod(s.c_str(), nullptr));
      }
      case sql::DataType::BINARY:
      case sql::DataType::VARBINARY:
      case sql::DataType::LONGVARBINARY:
      case sql::DataType::GEOMETRY:
        return Value(Blob{rs.getString(i).asStdString()});
      default:
        return Value(rs.getString(i).asStdString());
    }
  }

  void run(const std::string& sql) {
    guarded(sql, /*idempotent=*/false, [&]() {
      plain_->execute(sql);
      // Drain any result so the connection is ready for the next command.
      while (plain_->getMoreResults()) {
      }
      return 0;
    });
  }

  Target target_;
  std::unique_ptr<sql::Connection> conn_;
  std::unique_ptr<sql::Statement> plain_;  // text protocol: DDL, session and transaction control
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> cache_;
};

class MysqlDatabase : public PooledDatabase {
 public:
  MysqlDatabase(Target target, const PoolOptions& options)
      : PooledDatabase(options), target_(std::move(target)) {
    warmUp();
  }
  ~MysqlDatabase() override { closeIdle(); }

  Backend backend() const override { return Backend::kMysql; }
  const Dialect& dialect() const override { return mysqlDialect(); }

 protected:
  std::unique_ptr<ConnectionBase> connect() override {
    return std::make_unique<MysqlConnection>(target_);
  }
  // Servers close idle sessions (wait_timeout) and proxies drop them sooner.
  std::chrono::milliseconds validateAfterIdle() const override { return std::chrono::seconds(10); }

 private:
  Target target_;
};

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexDigit(s[i + 1]) >= 0 && hexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(hexDigit(s[i + 1]) * 16 + hexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Target parseUrl(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return DbError(Kind::kConnection, "bad mysql URL (" + why +
                                          "): want "
                                          "mysql://user:password@host:port/dbname[?socket=/path]");
  };
  Target t;
  std::string_view rest(url);
  rest.remove_prefix(std::string_view("mysql://").size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    t.database = percentDecode(rest.substr(slash + 1));
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    t.user = percentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) t.password = percentDecode(userinfo.substr(colon + 1));
  }
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) throw bad("unclosed [");
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (!host.empty()) t.host = std::string(host);
  if (!port.empty()) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
    if (ec != std::errc() || p != port.data() + port.size()) throw bad("port");
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string value = eq == std::string_view::npos ? "" : percentDecode(kv.substr(eq + 1));
    if (key == "socket") {
      t.socket = value;
    } else if (!key.empty()) {
      throw bad("unknown option '" + std::string(key) + "'");
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  if (t.user.empty()) throw bad("no user");
  return t;
}

}  // namespace

std::unique_ptr<Database> openMysql(const std::string& url, const PoolOptions& options) {
  return std::make_unique<MysqlDatabase>(parseUrl(url), options);
}

}  // namespace sukusuku::db::internal
