-- wrk script for the morning rush: each request checks a different child in, with that child's
-- guardian's token, from the lines BENCH_FILE holds ("<token>\t<json body>"). Thread i takes
-- lines i, i+T, i+2T, ...; a thread stops when its lines run out, so no child is sent twice.
-- wrk measures the whole -d duration, so the rate is only right when no thread ran out: done()
-- reports exhausted threads and run.sh then asks for more children.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  mine = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_FILE")) do
    if n % nthreads == id then
      local tab = line:find("\t", 1, true)
      table.insert(mine, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    n = n + 1
  end
  next_index = 0
  created = 0
  refused = 0
  exhausted = 0
end

function request()
  next_index = next_index + 1
  local item = mine[math.min(next_index, #mine)]
  return wrk.format("POST", "/api/v1/messaging/attendance/check-in",
                    {["Authorization"] = "Bearer " .. item[1],
                     ["Content-Type"] = "application/json"}, item[2])
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else refused = refused + 1 end
  if next_index >= #mine then
    exhausted = 1
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local c, r, x = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    r = r + t:get("refused")
    x = x + t:get("exhausted")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT created=%d refused=%d exhausted=%d seconds=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f\n",
                         c, r, x, secs, c / secs, latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
end
