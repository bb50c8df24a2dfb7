// What differs between the SQL dialects, in one place.
//
// Plugins write portable SQL. For DDL in migrations they use these placeholders, which the
// migration runner replaces per backend:
//   {{pk}}         auto-increment 64-bit primary key column type
//                  (INTEGER PRIMARY KEY AUTOINCREMENT | BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY)
//   {{bigint}}     64-bit integer                    (INTEGER | BIGINT)
//   {{bool}}       0/1 flag                          (INTEGER | TINYINT(1))
//   {{str}}        short indexable text, <= 255 chars (TEXT | VARCHAR(255))
//   {{text}}       long text                         (TEXT | LONGTEXT)
//   {{blob}}       bytes                             (BLOB | LONGBLOB)
//   {{real}}       double                            (REAL | DOUBLE)
//   {{table_opts}} after a CREATE TABLE's closing parenthesis
//                  ("" | ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin)
// For statements the differences are methods below.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::db {

class Dialect {
 public:
  virtual ~Dialect() = default;

  virtual std::string_view name() const = 0;  // "sqlite" or "mysql"

  // Replaces the {{...}} placeholders above. Throws DbError(kMigration) on an unknown one.
  virtual std::string translateDdl(std::string_view sql) const = 0;

  // INSERT INTO table (cols...) VALUES (?...) that updates update_cols when a row with the same
  // key_cols (a PRIMARY KEY or UNIQUE key) exists. Bind one value per col, in order.
  virtual std::string upsert(std::string_view table, const std::vector<std::string>& cols,
                             const std::vector<std::string>& key_cols,
                             const std::vector<std::string>& update_cols) const = 0;
  // INSERT that silently skips a row whose key already exists.
  virtual std::string insertIgnore(std::string_view table,
                                   const std::vector<std::string>& cols) const = 0;

  // Appended to a SELECT to lock the rows read: " FOR UPDATE" on MySQL, "" on SQLite (whose
  // write transactions already hold the database lock).
  virtual std::string_view forUpdate() const = 0;
  // " FOR UPDATE SKIP LOCKED" on MySQL, "" on SQLite: for queue claims by several workers.
  virtual std::string_view forUpdateSkipLocked() const = 0;
};

}  // namespace sukusuku::db
