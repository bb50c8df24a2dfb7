// The migration runner. Bookkeeping lives in schema_migrations; concurrency between nodes is
// handled per backend:
//   MySQL   GET_LOCK('sukusuku_migrations') on one pinned connection for the whole run. DDL
//           commits implicitly, so each migration's record is written right after it (in one
//           transaction with it when the migration is DML only).
//   SQLite  each migration and its record commit in one BEGIN IMMEDIATE transaction, which also
//           re-checks that no other runner applied it meanwhile.
#include "sukusuku/db/migrations.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>

#include "connection_base.h"

namespace sukusuku::db {
namespace {

using Kind = DbError::Kind;

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " owner {{str}} NOT NULL,"
    " version {{bigint}} NOT NULL,"
    " name {{str}} NOT NULL,"
    " checksum {{str}} NOT NULL,"
    " applied_at {{str}} NOT NULL,"
    " PRIMARY KEY (owner, version)"
    ") {{table_opts}}";

constexpr const char* kInsertRecord =
    "INSERT INTO schema_migrations (owner, version, name, checksum, applied_at) "
    "VALUES (?, ?, ?, ?, ?)";

constexpr const char* kLockName = "sukusuku_migrations";
constexpr int kLockWaitSeconds = 60;

std::string checksum(const std::string& sql) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(sql);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string utcNow() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string label(const Migration& m) {
  return m.owner + " v" + std::to_string(m.version) + " (" + m.name + ")";
}

using Key = std::pair<std::string, int>;
using Applied = std::map<Key, std::string>;  // -> checksum

bool tableExists(Database& db, Connection& conn) {
  if (db.backend() == Backend::kSqlite) {
    return conn
        .queryOne("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                  {"schema_migrations"})
        .has_value();
  }
  return conn
      .queryOne(
          "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() "
          "AND table_name = ?",
          {"schema_migrations"})
      .has_value();
}

Applied loadApplied(Connection& conn) {
  Applied applied;
  for (const Row& r : conn.query("SELECT owner, version, checksum FROM schema_migrations")) {
    applied[{r.getText("owner"), static_cast<int>(r.getInt("version"))}] = r.getText("checksum");
  }
  return applied;
}

void checkUnchanged(const Migration& m, const std::string& recorded) {
  std::string now = checksum(m.sql);
  if (recorded != now) {
    throw DbError(Kind::kMigration, "migration " + label(m) +
                                        " was changed after it was applied (checksum " + recorded +
                                        ", now " + now + "): ship a new migration instead");
  }
}

[[noreturn]] void failed(const Migration& m, const DbError& e) {
  if (std::string_view(e.what()).starts_with("migration ")) throw e;  // already names it
  throw DbError(Kind::kMigration, "migration " + label(m) + " failed: " + e.what(), e.nativeCode());
}

Params record(const Migration& m) {
  return {m.owner, m.version, m.name, checksum(m.sql), utcNow()};
}

}  // namespace

MigrationRunner::MigrationRunner(Database& db) : db_(db) {}

void MigrationRunner::add(Migration m) {
  if (m.version <= 0) {
    throw DbError(Kind::kMigration, "migration " + label(m) + ": version must be > 0");
  }
  for (const Migration& other : migrations_) {
    if (other.owner == m.owner && other.version == m.version) {
      throw DbError(Kind::kMigration,
                    "duplicate migration " + label(m) + ", already added as " + label(other));
    }
  }
  migrations_.push_back(std::move(m));
}

namespace {

// Owners in the order they were first added, each owner's versions ascending.
std::vector<const Migration*> ordered(const std::vector<Migration>& all) {
  std::vector<std::string> owners;
  for (const Migration& m : all) {
    if (std::find(owners.begin(), owners.end(), m.owner) == owners.end()) owners.push_back(m.owner);
  }
  std::vector<const Migration*> out;
  for (const std::string& owner : owners) {
    size_t first = out.size();
    for (const Migration& m : all) {
      if (m.owner == owner) out.push_back(&m);
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const Migration* a, const Migration* b) { return a->version < b->version; });
  }
  return out;
}

}  // namespace

std::vector<MigrationStatus> MigrationRunner::status() {
  Applied applied;
  {
    PooledConnection conn = db_.acquire();
    if (tableExists(db_, *conn)) applied = loadApplied(*conn);
  }
  std::vector<MigrationStatus> out;
  for (const Migration* m : ordered(migrations_)) {
    out.push_back({m->owner, m->version, m->name, applied.count({m->owner, m->version}) > 0});
  }
  return out;
}

bool MigrationRunner::current() {
  Applied applied;
  {
    PooledConnection conn = db_.acquire();
    if (!tableExists(db_, *conn)) return migrations_.empty();
    applied = loadApplied(*conn);
  }
  for (const Migration& m : migrations_) {
    auto it = applied.find({m.owner, m.version});
    if (it == applied.end() || it->second != checksum(m.sql)) return false;
  }
  return true;
}

int MigrationRunner::applyAll(const std::function<void(const Migration&)>& progress) {
  const Dialect& dialect = db_.dialect();
  const std::vector<const Migration*> plan = ordered(migrations_);
  int count = 0;

  if (db_.backend() == Backend::kSqlite) {
    db_.transaction([&](Tx& tx) { tx.executeScript(dialect.translateDdl(kCreateTable)); });
    Applied applied;
    {
      PooledConnection conn = db_.acquire();
      applied = loadApplied(*conn);
    }
    for (const Migration* m : plan) {
      auto it = applied.find({m->owner, m->version});
      if (it != applied.end()) checkUnchanged(*m, it->second);
    }
    for (const Migration* m : plan) {
      if (applied.count({m->owner, m->version})) continue;
      try {
        bool ran = db_.transaction([&](Tx& tx) {
          // Another runner may have applied it since we looked; we now hold the write lock.
          auto row =
              tx.queryOne("SELECT checksum FROM schema_migrations WHERE owner = ? AND version = ?",
                          {m->owner, m->version});
          if (row) {
            checkUnchanged(*m, row->getText("checksum"));
            return false;
          }
          if (progress) progress(*m);
          tx.executeScript(dialect.translateDdl(m->sql));
          tx.execute(kInsertRecord, record(*m));
          return true;
        });
        if (ran) ++count;
      } catch (const DbError& e) {
        failed(*m, e);
      }
    }
    return count;
  }

  // MySQL: one connection, holding the named lock, does everything.
  PooledConnection conn = db_.acquire();
  auto* base = dynamic_cast<internal::ConnectionBase*>(&*conn);
  if (base) base->setPinned(true);
  auto lock = conn->queryOne("SELECT GET_LOCK(?, ?) AS got", {kLockName, kLockWaitSeconds});
  if (!lock || lock->isNull("got") || lock->getInt("got") != 1) {
    if (base) base->setPinned(false);
    throw DbError(Kind::kMigration, "could not take the migration lock within " +
                                        std::to_string(kLockWaitSeconds) +
                                        " s: another node is migrating");
  }
  struct Unlock {
    PooledConnection& conn;
    internal::ConnectionBase* base;
    ~Unlock() {
      try {
        conn->query("SELECT RELEASE_LOCK(?)", {kLockName});
      } catch (...) {
        conn.markBroken();  // a dropped session releases its locks anyway
      }
      if (base) base->setPinned(false);
    }
  } unlock{conn, base};

  conn->executeScript(dialect.translateDdl(kCreateTable));
  Applied applied = loadApplied(*conn);
  for (const Migration* m : plan) {
    auto it = applied.find({m->owner, m->version});
    if (it != applied.end()) checkUnchanged(*m, it->second);
  }
  for (const Migration* m : plan) {
    if (applied.count({m->owner, m->version})) continue;
    if (progress) progress(*m);
    try {
      // DDL inside commits implicitly; DML-only migrations commit together with their record.
      if (base) base->begin();
      conn->executeScript(dialect.translateDdl(m->sql));
      conn->execute(kInsertRecord, record(*m));
      if (base) base->commit();
    } catch (const DbError& e) {
      if (base) base->rollback();
      failed(*m, e);
    }
    ++count;
  }
  return count;
}

}  // namespace sukusuku::db
