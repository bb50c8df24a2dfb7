// The core modules compiled into every Sukusuku binary, added to a Runtime before boot().
#pragma once

namespace sukusuku {

class Runtime;

// Adds the identity core (logins, tokens, sessions, roles), the guardian API shell and the
// staff web shell, in that order.
void addBuiltInModules(Runtime& runtime);

}  // namespace sukusuku
