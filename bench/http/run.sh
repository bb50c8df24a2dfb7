#!/usr/bin/env bash
# HTTP throughput of Sukusuku's /healthz against a bare Poco hello server, both driven by wrk
# from this machine in the same run, with the same connection count and thread pool.
#   bench/http/run.sh [SECONDS] [CONNECTIONS]
# Prints requests/s and latency for each and the ratio sukusuku / hello.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
secs=${1:-10}
conns=${2:-64}
"$root/deploy/install-deps.sh" --bench
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target sukusuku bench_hello_server >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { for p in $(seq "$1" $(($1 + 200))); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi; done; }
hello_port=$(free_port 18080)
"$build/bin/bench_hello_server" "$hello_port" 128 >"$work/hello.log" 2>&1 &
pids+=($!)
suku_port=$(free_port $((hello_port + 1)))
(cd "$work" && SUKUSUKU_HTTP_PORT=$suku_port SUKUSUKU_LOG_ACCESS=false SUKUSUKU_LOG_LEVEL=warning \
  SUKUSUKU_DATA_DIR="$work/var" "$build/bin/sukusuku" serve >"$work/suku.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$suku_port/healthz" >/dev/null 2>&1 && \
  curl -sf "http://127.0.0.1:$hello_port/" >/dev/null 2>&1 && break
  sleep 0.1
done

measure() {  # URL -> "rps p50 p99"
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$1" >"$work/wrk.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
  if grep -q "Non-2xx\|Socket errors" "$work/wrk.txt"; then grep "Non-2xx\|Socket errors" "$work/wrk.txt" >&2; fi
  echo "$rps $p50 $p99"
}
# Warm both up, then measure alternately.
wrk -t1 -c8 -d1s "http://127.0.0.1:$hello_port/" >/dev/null
wrk -t1 -c8 -d1s "http://127.0.0.1:$suku_port/healthz" >/dev/null
read -r h_rps h_p50 h_p99 <<<"$(measure "http://127.0.0.1:$hello_port/")"
read -r s_rps s_p50 s_p99 <<<"$(measure "http://127.0.0.1:$suku_port/healthz")"
printf '%-28s %12s %10s %10s\n' "server (${conns} conns, ${secs}s)" "requests/s" "p50" "p99"
printf '%-28s %12.0f %10s %10s\n' "bare Poco hello" "$h_rps" "$h_p50" "$h_p99"
printf '%-28s %12.0f %10s %10s\n' "sukusuku /healthz" "$s_rps" "$s_p50" "$s_p99"
awk -v s="$s_rps" -v h="$h_rps" 'BEGIN { printf "ratio sukusuku/hello = %.2f\n", s / h }'
