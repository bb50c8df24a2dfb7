// Factories for the two backends, called by Database::open after it has read the URL scheme.
#pragma once

#include <memory>
#include <string>

#include "sukusuku/db/database.h"

namespace sukusuku::db::internal {

// `spec` is what follows "sqlite:": a path or ":memory:", optionally with "?busy_timeout=ms".
std::unique_ptr<Database> openSqlite(const std::string& spec, const PoolOptions& options);
// `url` is the whole mysql://... URL.
std::unique_ptr<Database> openMysql(const std::string& url, const PoolOptions& options);

}  // namespace sukusuku::db::internal
