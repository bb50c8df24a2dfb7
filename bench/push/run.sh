#!/usr/bin/env bash
# A city-wide broadcast to the local FCM test server, which adds 50 ms to every send (as FCM
# does, roughly), in one run:
#   1. the FCM client alone (bench_push): the multiplexed sender on every token (THREADS clients
#      side by side, as the server's outbox workers are), under the 600,000/min limiter, then a
#      50-in-flight pool (the Go Admin SDK's) and a one-request-at-a-time sender on samples;
#   2. end to end through the outbox (OUTBOX=1, default; CLIENT=0 skips part 1): `sukusuku notify --urgent` to one person
#      with TOKENS devices on SQLite, and on MariaDB when SUKUSUKU_TEST_MYSQL is set: notify()
#      writes the inbox and outbox rows, the worker claims, sends and acknowledges each answer.
#   bench/push/run.sh [TOKENS=100000] [CONNECTIONS=8] [STREAMS=100] [SERVER_PROCESSES=2]
#                     [LATENCY_MS=50] [THREADS=2]
# Prints msgs/s for each, the ratios against the one-at-a-time sender, how much CPU the Node server
# and the client used (to tell which side was the limit), and the load average.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
tokens=${1:-100000}
conns=${2:-8}
streams=${3:-100}
procs=${4:-2}
latency=${5:-50}
threads=${6:-2}
cmake --build "$build" -j2 --target bench_push sukusuku >/dev/null

work=$(mktemp -d)
server_pid=
mysql_db=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  if [ -n "$mysql_db" ]; then mysql -h127.0.0.1 -P3307 -uroot -e "DROP DATABASE IF EXISTS $mysql_db" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fixture="$root/tests/fixtures/fcm-server"
node "$fixture/server.js" --service-account "$fixture/service-account.json" \
  --latency-ms "$latency" --no-record --workers "$procs" --tls >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/server.out" ] && break; sleep 0.1; done
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/server.out")
[ -n "$port" ] || { cat "$work/server.err"; exit 1; }
# The service account with token_uri pointing at this server.
python3 - "$fixture/service-account.json" "$port" >"$work/sa.json" <<'PY'
import json, sys
sa = json.load(open(sys.argv[1])); sa["token_uri"] = f"https://127.0.0.1:{sys.argv[2]}/token"
print(json.dumps(sa))
PY
pids=$server_pid
if [ "$procs" -gt 1 ]; then
  sleep 0.5
  pids=$(ps -o pid= --ppid "$server_pid" | tr -d ' ' | paste -sd, -)
fi
echo "load before: $(uptime)"
echo "test server: $procs process(es) on port $port (HTTP/2 over TLS), ${latency} ms added per send; client: $threads thread(s) x $conns connections x $streams streams"
status=0
if [ "${CLIENT:-1}" = 1 ]; then
  FCM_CA_FILE="$fixture/tls-cert.pem" BENCH_THREADS="$threads" "$build/bin/bench_push" \
    "https://127.0.0.1:$port" "$work/sa.json" "$tokens" "$conns" "$streams" "$pids" 200 5000 || status=$?
  echo "load after: $(uptime)"
fi

[ "${OUTBOX:-1}" = 1 ] || exit $status

# ---- end to end through the outbox ------------------------------------------------------------
bin="$build/bin/sukusuku"
outbox() {  # BACKEND DB_URL SQL_CLIENT...
  local backend=$1 url=$2
  shift 2
  local data="$work/var-$backend"
  local common=(--set "db.url=$url" --set "data.dir=$data" --set "plugins.enabled="
                --set "push.fcm.credentials=$work/sa.json" --set "push.fcm.endpoint=https://127.0.0.1:$port"
                --set "push.fcm.ca_file=$fixture/tls-cert.pem"
                --set "push.fcm.connections=$conns" --set "push.fcm.max_streams=$streams"
                --set "push.batch_size=${BATCH:-500}")
  "$bin" "${common[@]}" seed-demo >/dev/null
  local user
  user=$("$@" "SELECT id FROM users WHERE login = 'guardian@demo.sukusuku.jp'" | tail -1)
  local concat="'bench-' || n" prefix=""
  if [ "$backend" = mariadb ]; then
    concat="CONCAT('bench-', n)"
    prefix="SET SESSION max_recursive_iterations = 10000000; "
  fi
  "$@" "${prefix}INSERT INTO devices (municipality_id, user_id, token, platform, app_version, language, created_at, refreshed_at)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $tokens)
        SELECT u.municipality_id, u.id, $concat, 'android', '1.0', 'ja', '2026-11-01T00:00:00Z', '2099-01-01T00:00:00Z'
        FROM seq, users u WHERE u.id = $user" >/dev/null
  echo "outbox, $backend: sukusuku notify --urgent to $tokens devices (notify() writes the rows; push.workers=2 senders claim, send and acknowledge)"
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" "${common[@]}" notify --user "$user" --title "臨時休園" --body "台風の接近により、明日は全園臨時休園とします。" --urgent --wait 600 \
    | grep -E "queued|done in|still" || status=1
  t1=$(date +%s.%N)
  python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(f'  whole command {t:.1f} s = {int(sys.argv[3])/t:.0f} msgs/s end to end (load {open(\"/proc/loadavg\").read().split()[0]})')" "$t0" "$t1" "$tokens"
}
outbox sqlite "sqlite:$work/outbox.db" sqlite3 "$work/outbox.db"
if [ -n "${SUKUSUKU_TEST_MYSQL:-}" ]; then
  mysql_db="bench_push_$$"
  mysql -h127.0.0.1 -P3307 -uroot -e "CREATE DATABASE $mysql_db CHARACTER SET utf8mb4"
  outbox mariadb "mysql://root@127.0.0.1:3307/$mysql_db" mysql -h127.0.0.1 -P3307 -uroot -N "$mysql_db" -e
fi
exit $status
