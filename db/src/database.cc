#include "sukusuku/db/database.h"

#include "backends.h"

namespace sukusuku::db {

std::unique_ptr<Database> Database::open(const std::string& url, const PoolOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) return internal::openSqlite(url.substr(7), options);
  if (url.rfind("mysql://", 0) == 0) return internal::openMysql(url, options);
  // Keep credentials out of the message: only the scheme is shown.
  std::string scheme = url.substr(0, url.find(':'));
  throw DbError(DbError::Kind::kConnection,
                "unsupported database URL scheme '" + scheme + "' (want sqlite: or mysql://)");
}

PooledConnection Database::acquire() { return PooledConnection(this, takeConnection()); }

PooledConnection::~PooledConnection() { release(); }

void PooledConnection::release() noexcept {
  if (conn_ && db_) db_->returnConnection(std::move(conn_), broken_);
  conn_.reset();
  broken_ = false;
}

std::string inPlaceholders(const std::vector<int64_t>& values, Params& params) {
  if (values.empty()) throw DbError(DbError::Kind::kSql, "inPlaceholders: an empty IN list");
  size_t n = 1;
  while (n < values.size()) n *= 2;
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) {
    out += i ? ", ?" : "?";
    params.push_back(values[i < values.size() ? i : 0]);
  }
  return out;
}

std::optional<Row> Connection::queryOne(std::string_view sql, const Params& params) {
  Rows rows = query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace sukusuku::db
