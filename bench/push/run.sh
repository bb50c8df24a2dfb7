#!/usr/bin/env bash
# A city-wide broadcast through the FCM client to the local FCM test server, which adds 50 ms to
# every send (as FCM does, roughly): the multiplexed sender on every token, then a 50-in-flight
# pool (the Go Admin SDK's) and a one-request-at-a-time sender on samples, in the same run.
#   bench/push/run.sh [TOKENS=100000] [CONNECTIONS=8] [STREAMS=100] [SERVER_PROCESSES=1] [LATENCY_MS=50]
# Prints msgs/s for each, the ratios, and how much CPU the Node server used (to tell when the
# server, not the client, is the limit: then raise SERVER_PROCESSES).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
tokens=${1:-100000}
conns=${2:-8}
streams=${3:-100}
procs=${4:-1}
latency=${5:-50}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target bench_push >/dev/null

work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
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
echo "test server: $procs process(es) on port $port (HTTP/2 over TLS), ${latency} ms added per send; client: $conns connections x $streams streams"
FCM_CA_FILE="$fixture/tls-cert.pem" "$build/bin/bench_push" "https://127.0.0.1:$port" "$work/sa.json" "$tokens" "$conns" "$streams" "$pids" 200 5000
