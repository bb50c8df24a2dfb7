// The two Dialect implementations. Stateless singletons, safe to share between threads.
#pragma once

#include "sukusuku/db/dialect.h"

namespace sukusuku::db::internal {

const Dialect& sqliteDialect();
const Dialect& mysqlDialect();

}  // namespace sukusuku::db::internal
