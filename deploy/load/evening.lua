-- The evening: guardians read the day's contact book and notices, browse photo albums and
-- thumbnails. Falls back to the core API without the messaging and photos plugins.
package.path = (os.getenv("SUKUSUKU_LOAD_DIR") or "deploy/load") .. "/?.lua;" .. package.path
require("plan").install({
  {route = "GET /api/v1/messaging/children/{child_id}/contact-book", path = "/api/v1/messaging/children/{child}/contact-book", as = "guardian", weight = 3},
  {route = "GET /api/v1/messaging/notices", path = "/api/v1/messaging/notices?child_id={child}", as = "guardian", weight = 1},
  {route = "GET /api/v1/messaging/handouts", path = "/api/v1/messaging/handouts", as = "guardian", weight = 1},
  {route = "GET /api/v1/photos/albums", path = "/api/v1/photos/albums", as = "guardian", weight = 2},
  {route = "GET /api/v1/photos/cart", path = "/api/v1/photos/cart", as = "guardian", weight = 1},
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian", weight = 2, core = true},
}, {
  {route = "GET /api/v1/home", path = "/api/v1/home", as = "guardian"},
  {route = "GET /api/v1/me", path = "/api/v1/me", as = "guardian"},
})
