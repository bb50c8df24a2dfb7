#include "dialects.h"

#include <map>
#include <string>

#include "sql_text.h"
#include "sukusuku/db/error.h"

namespace sukusuku::db::internal {
namespace {

using Placeholders = std::map<std::string, std::string, std::less<>>;

std::string translate(std::string_view sql, const Placeholders& map) {
  std::string out;
  out.reserve(sql.size() + 64);
  size_t i = 0;
  while (i < sql.size()) {
    size_t open = sql.find("{{", i);
    if (open == std::string_view::npos) break;
    size_t close = sql.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw DbError(DbError::Kind::kMigration, "unterminated DDL placeholder in: " + excerpt(sql));
    }
    std::string_view name = sql.substr(open + 2, close - open - 2);
    auto it = map.find(name);
    if (it == map.end()) {
      throw DbError(DbError::Kind::kMigration,
                    "unknown DDL placeholder {{" + std::string(name) + "}}");
    }
    out.append(sql.substr(i, open - i));
    out.append(it->second);
    i = close + 2;
  }
  out.append(sql.substr(i));
  return out;
}

std::string joined(const std::vector<std::string>& names, std::string_view sep = ", ") {
  std::string out;
  for (const std::string& n : names) {
    checkIdentifier(n);
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

std::string insertPrefix(std::string_view verb, std::string_view table,
                         const std::vector<std::string>& cols) {
  checkIdentifier(table);
  if (cols.empty()) throw DbError(DbError::Kind::kSql, "an INSERT needs at least one column");
  std::string marks;
  for (size_t i = 0; i < cols.size(); ++i) marks += i ? ", ?" : "?";
  return std::string(verb) + " INTO " + std::string(table) + " (" + joined(cols) + ") VALUES (" +
         marks + ")";
}

class SqliteDialect : public Dialect {
 public:
  std::string_view name() const override { return "sqlite"; }

  std::string translateDdl(std::string_view sql) const override {
    static const Placeholders kMap = {
        {"pk", "INTEGER PRIMARY KEY AUTOINCREMENT"},
        {"bigint", "INTEGER"},
        {"bool", "INTEGER"},
        {"str", "TEXT"},
        {"text", "TEXT"},
        {"blob", "BLOB"},
        {"real", "REAL"},
        {"table_opts", ""},
    };
    return translate(sql, kMap);
  }

  std::string upsert(std::string_view table, const std::vector<std::string>& cols,
                     const std::vector<std::string>& key_cols,
                     const std::vector<std::string>& update_cols) const override {
    if (key_cols.empty()) throw DbError(DbError::Kind::kSql, "an upsert needs key columns");
    std::string sql =
        insertPrefix("INSERT", table, cols) + " ON CONFLICT (" + joined(key_cols) + ")";
    if (update_cols.empty()) return sql + " DO NOTHING";
    sql += " DO UPDATE SET ";
    for (size_t i = 0; i < update_cols.size(); ++i) {
      checkIdentifier(update_cols[i]);
      sql += (i ? ", " : "") + update_cols[i] + " = excluded." + update_cols[i];
    }
    return sql;
  }

  std::string insertIgnore(std::string_view table,
                           const std::vector<std::string>& cols) const override {
    return insertPrefix("INSERT OR IGNORE", table, cols);
  }

  std::string_view forUpdate() const override { return ""; }
  std::string_view forUpdateSkipLocked() const override { return ""; }
};

class MysqlDialect : public Dialect {
 public:
  std::string_view name() const override { return "mysql"; }

  std::string translateDdl(std::string_view sql) const override {
    static const Placeholders kMap = {
        {"pk", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"},
        {"bigint", "BIGINT"},
        {"bool", "TINYINT(1)"},
        {"str", "VARCHAR(255)"},
        {"text", "LONGTEXT"},
        {"blob", "LONGBLOB"},
        {"real", "DOUBLE"},
        {"table_opts", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"},
    };
    return translate(sql, kMap);
  }

  std::string upsert(std::string_view table, const std::vector<std::string>& cols,
                     const std::vector<std::string>& key_cols,
                     const std::vector<std::string>& update_cols) const override {
    // MySQL finds the conflicting key itself; key_cols are still checked for symmetry.
    if (key_cols.empty()) throw DbError(DbError::Kind::kSql, "an upsert needs key columns");
    joined(key_cols);
    if (update_cols.empty()) return insertIgnore(table, cols);
    std::string sql = insertPrefix("INSERT", table, cols) + " ON DUPLICATE KEY UPDATE ";
    for (size_t i = 0; i < update_cols.size(); ++i) {
      checkIdentifier(update_cols[i]);
      sql += (i ? ", " : "") + update_cols[i] + " = VALUES(" + update_cols[i] + ")";
    }
    return sql;
  }

  std::string insertIgnore(std::string_view table,
                           const std::vector<std::string>& cols) const override {
    return insertPrefix("INSERT IGNORE", table, cols);
  }

  std::string_view forUpdate() const override { return " FOR UPDATE"; }
  std::string_view forUpdateSkipLocked() const override { return " FOR UPDATE SKIP LOCKED"; }
};

}  // namespace

const Dialect& sqliteDialect() {
  static const SqliteDialect kDialect;
  return kDialect;
}

const Dialect& mysqlDialect() {
  static const MysqlDialect kDialect;
  return kDialect;
}

}  // namespace sukusuku::db::internal
