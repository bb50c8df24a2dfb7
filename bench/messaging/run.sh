#!/usr/bin/env bash
# The morning rush: authenticated check-ins of distinct children through HTTP on MariaDB, driven
# by wrk with a Lua script over many guardians' tokens, against the bare Poco hello server
# measured in the same run with the same connections.
#   bench/messaging/run.sh [CHILDREN] [CONNECTIONS] [SECONDS]
# The rush lasts SECONDS (default 15); CHILDREN must outlast it (the run says so if not).
# Prints check-ins/s, p50 and p99 for the rush, requests/s for the hello server, and the ratio.
# Floor: 3,000 check-ins/s with p99 < 100 ms on a 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
children=${1:-40000}
conns=${2:-64}
seconds=${3:-15}
threads=2
if [ "${SUKUSUKU_BENCH_SKIP_BUILD:-}" != 1 ]; then
  "$root/deploy/install-deps.sh" --bench
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$(nproc)" --target sukusuku messaging bench_hello_server \
    bench_messaging_prepare >/dev/null
fi

server=${SUKUSUKU_TEST_MYSQL:-}
if [ -z "$server" ]; then
  server=$("$root/deploy/mariadb-test.sh" start | sed -n 's/^export SUKUSUKU_TEST_MYSQL=//p')
fi
server=${server%/}
dbname=sukusuku_bench_$$
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mysql_cmd -e "DROP DATABASE IF EXISTS $dbname" 2>/dev/null || true
  rm -rf "$work"
}
mysql_cmd() {  # the server from a mysql://user@host:port/ URL
  local hostport=${server#mysql://}; hostport=${hostport#*@}
  mariadb --protocol=tcp -h "${hostport%:*}" -P "${hostport##*:}" -u root "$@"
}
trap cleanup EXIT
mysql_cmd -e "CREATE DATABASE $dbname CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

export SUKUSUKU_DB_URL="$server/$dbname"
export SUKUSUKU_DATA_DIR="$work/var"
export SUKUSUKU_PLUGINS_ENABLED=messaging
export SUKUSUKU_LOG_ACCESS=false SUKUSUKU_LOG_LEVEL=warning
export SUKUSUKU_HTTP_THREADS=$((conns + 16)) SUKUSUKU_DB_POOL_SIZE=$((conns + 8))
echo "preparing $children families on MariaDB ..." >&2
"$build/bin/bench_messaging_prepare" "$children" "$work/checkins.tsv"

free_port() { for p in $(seq "$1" $(($1 + 200))); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi; done; }
hello_port=$(free_port 18180)
"$build/bin/bench_hello_server" "$hello_port" $((conns + 16)) >"$work/hello.log" 2>&1 &
pids+=($!)
suku_port=$(free_port $((hello_port + 1)))
(cd "$work" && SUKUSUKU_HTTP_PORT=$suku_port exec "$build/bin/sukusuku" serve >"$work/suku.log" 2>&1) &
pids+=($!)
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$suku_port/healthz" >/dev/null 2>&1 && \
  curl -sf "http://127.0.0.1:$hello_port/" >/dev/null 2>&1 && break
  sleep 0.1
done

# The anchor: the bare Poco hello server, same connections, 8 seconds.
wrk -t1 -c8 -d1s "http://127.0.0.1:$hello_port/" >/dev/null
wrk -t$threads -c"$conns" -d8s --latency "http://127.0.0.1:$hello_port/" >"$work/hello.txt"
h_rps=$(awk '/Requests\/sec/ {print $2}' "$work/hello.txt")
h_p99=$(awk '$1=="99%" {print $2}' "$work/hello.txt")

# Round trips to MariaDB per check-in (the server's Questions counter around the rush).
questions() { mysql_cmd -N -e "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{print $2}'; }
q0=$(questions)
# The rush: every line at most once, for SECONDS.
BENCH_FILE="$work/checkins.tsv" BENCH_THREADS=$threads \
  wrk -t$threads -c"$conns" -d"${seconds}s" -s "$root/bench/messaging/checkin.lua" \
  "http://127.0.0.1:$suku_port" >"$work/rush.txt"
result=$(grep '^RESULT' "$work/rush.txt")
rate=$(sed 's/.* rate=\([0-9.]*\).*/\1/' <<<"$result")
stored=$(mysql_cmd -N -e "SELECT COUNT(*) FROM $dbname.messaging_attendance")
q1=$(questions)
printf '%-34s %12s %10s\n' "morning rush (${conns} conns)" "per second" "p99"
printf '%-34s %12.0f %10s\n' "bare Poco hello (requests)" "$h_rps" "$h_p99"
printf '%-34s %12.0f %8.2fms\n' "sukusuku check-ins (201 Created)" "$rate" \
  "$(sed 's/.* p99_ms=\([0-9.]*\).*/\1/' <<<"$result")"
echo "$result (rows stored: $stored)"
if ! grep -q 'exhausted=0 ' <<<"$result"; then
  echo "the children ran out before ${seconds}s: the rate above is too low; give more CHILDREN" >&2
fi
created=$(sed "s/.* created=\([0-9]*\).*/\1/" <<<"$result")
awk -v q=$((q1 - q0)) -v n="$created" 'BEGIN { if (n > 0) printf "statements per check-in = %.1f\n", q / n }'

awk -v s="$rate" -v h="$h_rps" 'BEGIN { printf "ratio check-ins/hello = %.3f\n", s / h }'
