// The one exception type the storage layer throws.
#pragma once

#include <stdexcept>
#include <string>

namespace sukusuku::db {

class DbError : public std::runtime_error {
 public:
  enum class Kind {
    kConnection,   // cannot reach the server, or the connection dropped
    kTimeout,      // no pooled connection became free in time
    kDeadlock,     // deadlock, lock wait timeout, SQLITE_BUSY/LOCKED: the transaction may be rerun
    kUnique,       // a UNIQUE or PRIMARY KEY constraint was violated
    kConstraint,   // another constraint (foreign key, NOT NULL, CHECK) was violated
    kType,         // a value was read as the wrong type, or a column name is unknown
    kMigration,    // a migration failed or an applied migration was changed
    kSql,          // anything else the database refused (syntax, unknown table, ...)
  };

  DbError(Kind kind, const std::string& message, int native_code = 0)
      : std::runtime_error(message), kind_(kind), native_code_(native_code) {}

  Kind kind() const { return kind_; }
  // The backend's own error number (SQLite extended result code, MySQL error number), or 0.
  int nativeCode() const { return native_code_; }
  // True for kinds that Database::transaction reruns.
  bool retryable() const { return kind_ == Kind::kDeadlock || kind_ == Kind::kConnection; }

 private:
  Kind kind_;
  int native_code_;
};

}  // namespace sukusuku::db
