// The core modules compiled into every Sukusuku binary, added to a Runtime before boot().
#pragma once

namespace sukusuku {

class Runtime;

// Adds the identity core (logins, tokens, sessions, roles), tenancy demo data, the push core,
// payments, the guardian API shell, the staff web shell and the admin pages, in that order.
void addBuiltInModules(Runtime& runtime);

}  // namespace sukusuku
