-- The morning rush (7:30-9:00): guardians check their children in from the app, glance at the
-- home feed; staff tablets show the class board. Falls back to the core API without messaging.
--   wrk -s deploy/load/morning.lua ...   (see deploy/load/soak.sh for the environment it reads)
package.path = (os.getenv("SUKUSUKU_LOAD_DIR") or "deploy/load") .. "/?.lua;" .. package.path
require("plan").install({
  {route = "POST /api/v1/messaging/attendance/check-in", path = "/api/v1/messaging/attendance/check-in",
   body = '{"child_id":{child},"qr":"{qr}"}', as = "guardian", weight = 3, ok = {409}},
  {route = "POST /api/v1/messaging/attendance/check-out", path = "/api/v1/messaging/attendance/check-out",
   body = '{"child_id":{child},"qr":"{qr}"}', as = "guardian", weight = 1, ok = {409}},
  {route = "GET /api/v1/messaging/children/{child_id}/plan", path = "/api/v1/messaging/children/{child}/plan", as = "guardian", weight = 1},
  {route = "GET /web/messaging/board", path = "/web/messaging/board", as = "staff", weight = 2},
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian", weight = 3, core = true},
}, {
  {route = "GET /api/v1/me", path = "/api/v1/me", as = "guardian"},
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian"},
})
