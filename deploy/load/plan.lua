-- The engine behind the wrk scenarios (morning.lua, evening.lua, monthend.lua): each scenario
-- lists candidate requests; a candidate runs only when this build serves its route (read from
-- the file $SUKUSUKU_ROUTES, the output of `sukusuku routes`), so a scenario falls back to the
-- core API (/api/v1/me, /api/v1/home) until the plugin behind it is built.
--
-- A candidate: {route = "POST /api/v1/...", path = "/api/v1/...{child}", body = '{"x":{child}}',
--   as = "guardian" | "staff" | "finance", weight = 3, ok = {409}}
-- {name} in path and body is replaced by $SUKUSUKU_VAR_<NAME>. `as` chooses the credentials:
-- guardian and finance send `Authorization: Bearer $SUKUSUKU_TOKEN_<AS>`, staff sends the web
-- session cookie $SUKUSUKU_COOKIE_STAFF (and its CSRF token for POSTs). `ok` lists statuses
-- that are a normal business answer for this request besides 2xx/3xx (e.g. 409 for a second
-- check-in); any other status counts as an error. `core = true` marks a core route mixed in
-- with the plugin ones: when only core candidates are served, the fallback list runs instead.
--
-- done() prints one JSON line: requests, duration, requests/s, p50/p90/p99 latency (ms),
-- errors (socket errors + unexpected statuses) and the requests that ran.
local M = {}

local function readRoutes()
  local f = io.open(os.getenv("SUKUSUKU_ROUTES") or "", "r")
  local routes = {}
  if not f then return routes end
  for line in f:lines() do
    local method, pattern = line:match("^(%u+) (%S+)")
    if method then routes[method .. " " .. pattern] = true end
  end
  f:close()
  return routes
end

local function expand(s)
  if not s then return nil end
  return (s:gsub("{(%w+)}", function(name)
    return os.getenv("SUKUSUKU_VAR_" .. name:upper()) or ("{" .. name .. "}")
  end))
end

local function credentials(as, method)
  local h = {}
  if as == "staff" then
    h["Cookie"] = os.getenv("SUKUSUKU_COOKIE_STAFF") or ""
    if method ~= "GET" then h["X-CSRF-Token"] = os.getenv("SUKUSUKU_CSRF_STAFF") or "" end
  else
    h["Authorization"] = "Bearer " .. (os.getenv("SUKUSUKU_TOKEN_" .. (as or "guardian"):upper()) or "")
  end
  return h
end

-- Builds the weighted request list from the candidates this build serves.
function M.plan(candidates, fallback)
  local routes = readRoutes()
  local chosen, names, plugin_routes = {}, {}, 0
  for _, c in ipairs(candidates) do
    if routes[c.route] then
      local method = c.route:match("^(%u+)")
      local headers = credentials(c.as, method)
      if c.body then headers["Content-Type"] = c.body:sub(1, 1) == "{" and "application/json" or "application/x-www-form-urlencoded" end
      local okset = {}
      for _, s in ipairs(c.ok or {}) do okset[s] = true end
      for _ = 1, (c.weight or 1) do
        table.insert(chosen, {method = method, path = expand(c.path), body = expand(c.body), headers = headers, ok = okset})
      end
      table.insert(names, c.route)
      if not c.core then plugin_routes = plugin_routes + 1 end
    end
  end
  -- Only core routes left: the scenario's plugins are not built; use the fallback mix.
  if plugin_routes == 0 then
    chosen, names = {}, {}
    for _, c in ipairs(fallback) do
      local method = c.route:match("^(%u+)")
      table.insert(chosen, {method = method, path = c.path, headers = credentials(c.as, method), ok = {}})
      table.insert(names, c.route .. " (fallback)")
    end
  end
  return chosen, names
end

local threads = {}

function M.install(candidates, fallback)
  local plan, names = M.plan(candidates, fallback)
  local i, current = 0, nil

  setup = function(thread)
    table.insert(threads, thread)
  end

  init = function()
    -- A global: done() reads it from each thread with thread:get("unexpected").
    unexpected = 0
    i = math.random(0, #plan - 1)
  end

  request = function()
    i = i + 1
    current = plan[(i % #plan) + 1]
    return wrk.format(current.method, current.path, current.headers, current.body)
  end

  response = function(status)
    if status >= 400 and not (current and current.ok[status]) then
      unexpected = unexpected + 1
      -- wrk gives no connection to response(): `current` is this answer's request only with one
      -- connection per thread (-t N -c N), as soak.sh runs it.
      if unexpected <= 3 then io.stderr:write(string.format("unexpected %d for %s %s\n", status, current.method, current.path)) end
    end
  end

  done = function(summary, latency)
    local unexpected = 0
    for _, t in ipairs(threads) do unexpected = unexpected + (t:get("unexpected") or 0) end
    local e = summary.errors
    local socket = e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
      '{"requests":%d,"seconds":%.1f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,' ..
      '"socket_errors":%d,"unexpected_status":%d,"errors":%d,"routes":["%s"]}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, socket, unexpected, socket + unexpected, table.concat(names, '","')))
  end
end

return M
