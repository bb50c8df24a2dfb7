-- wrk: GET /api/v1/me and /api/v1/home in turn (core API, present in every build).
-- Authorization comes from wrk's -H option.
local paths = {"/api/v1/me", "/api/v1/home"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
