// The demo municipality that `sukusuku seed-demo` creates: realistic enough to click through
// every screen, small enough to create in a second.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"

namespace sukusuku {

struct DemoLogin {
  std::string role;
  std::string login;
  std::string password;
  std::string where;  // facility or municipality, for the printed list
};

// Creates すくすく市 (nurseries, a certified centre, schools, ~360 children with households and
// guardians, staff with qualifications, assignments and contracts, one login per role) and a
// small neighbour town となり町 for trying isolation. Deterministic. Does nothing and returns
// an empty list when the demo municipality already exists. HASH_PASSWORD turns a password into
// the stored hash; when empty, demo users get no password.
std::vector<DemoLogin> seedDemoTenancy(
    db::Database& db, const Clock& clock,
    const std::function<std::string(const std::string&)>& hash_password);

}  // namespace sukusuku
