// Versioned schema migrations, recorded per owner (the core or a plugin) in one table:
//
//   schema_migrations(owner, version, name, checksum, applied_at)
//
// Each owner's versions are applied in ascending order. A migration's SQL uses the Dialect DDL
// placeholders. An applied migration whose SQL has since changed (checksum mismatch) is an error:
// ship a new migration instead. Several nodes starting at once are safe: the runner holds a
// database-wide lock (GET_LOCK on MySQL, the write lock on SQLite) while it applies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sukusuku/db/database.h"

namespace sukusuku::db {

struct Migration {
  std::string owner;  // "core" or the plugin's name
  int version = 0;    // > 0, unique per owner
  std::string name;   // short description, e.g. "create households"
  std::string sql;    // one or more statements, DDL placeholders allowed
};

struct MigrationStatus {
  std::string owner;
  int version = 0;
  std::string name;
  bool applied = false;
};

class MigrationRunner {
 public:
  explicit MigrationRunner(Database& db);

  // Throws DbError(kMigration) for a duplicate (owner, version) or a version <= 0.
  void add(Migration m);

  // Every known migration with whether it has been applied, owners in insertion order.
  std::vector<MigrationStatus> status();
  // True when nothing is pending and no applied migration changed.
  bool current();
  // Applies everything pending; returns how many were applied. `progress` is told about each one
  // before it runs. Throws DbError(kMigration) naming owner, version and the database's message;
  // migrations applied before the failure stay applied.
  int applyAll(const std::function<void(const Migration&)>& progress = {});

 private:
  Database& db_;
  std::vector<Migration> migrations_;
};

}  // namespace sukusuku::db
