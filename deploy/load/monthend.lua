-- Month end: guardians open their fee statements; the finance office reads the ledger. Falls
-- back to the core API without the fees plugin.
package.path = (os.getenv("SUKUSUKU_LOAD_DIR") or "deploy/load") .. "/?.lua;" .. package.path
require("plan").install({
  {route = "GET /api/v1/fees/statements", path = "/api/v1/fees/statements", as = "guardian", weight = 4},
  {route = "GET /api/v1/fees/mandate", path = "/api/v1/fees/mandate", as = "guardian", weight = 1},
  {route = "GET /api/v1/fees/ledger", path = "/api/v1/fees/ledger", as = "finance", weight = 1},
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian", weight = 2, core = true},
}, {
  {route = "GET /api/v1/me", path = "/api/v1/me", as = "guardian"},
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian"},
})
