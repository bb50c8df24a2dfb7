#!/usr/bin/env bash
# Load and soak on the local cluster (deploy/cluster: nginx + three nodes + MariaDB): the three
# wrk scenarios run at the same time through nginx over HTTPS,
#   morning.lua   check-ins and the class board (messaging), home feed
#   evening.lua   contact book, notices, photo albums (messaging, photos)
#   monthend.lua  fee statements and the ledger (fees)
# each falling back to /api/v1/me and /api/v1/home when its plugin is not built. Reports per
# scenario requests/s, p50/p90/p99 latency and errors, and the resident memory (RSS) of each
# node at the start, after the warm-up and at the end, sampled every 30 s into rss.csv.
#
#   deploy/load/soak.sh [--minutes 10] [--connections 48] [--warmup-seconds 60]
#   (SUKUSUKU_CLUSTER_REUSE=1: use the cluster of deploy/cluster/up.sh)
# Exits non-zero when any request failed or a node's memory grew by more than 20 % (+16 MiB)
# between the end of the warm-up and the end. Not part of ctest.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../cluster/lib.sh"
minutes=10
connections=48
warmup=60
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --warmup-seconds) warmup=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
seconds=$(awk -v m="$minutes" 'BEGIN {printf "%d", m * 60}')
(( warmup < seconds / 2 )) || warmup=$((seconds / 4))
trap cl_stop_after_test EXIT
cl_start_for_test || { echo "cluster did not start" >&2; exit 1; }
out=$CL_DIR/soak-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

# Credentials and ids from the demo data, taken directly from node1 (the sign-in rate limit at
# nginx is for people, not for this set-up step).
export SUKUSUKU_LOAD_DIR=$here SUKUSUKU_ROUTES=$CL_DIR/routes.txt
export SUKUSUKU_TOKEN_GUARDIAN SUKUSUKU_TOKEN_FINANCE SUKUSUKU_COOKIE_STAFF SUKUSUKU_VAR_CHILD
SUKUSUKU_TOKEN_GUARDIAN=$(cl_login "$(cl_node_url 1)" guardian@demo.sukusuku.jp | jq -r .access_token)
SUKUSUKU_TOKEN_FINANCE=$(cl_login "$(cl_node_url 1)" zaimu@demo.sukusuku.jp | jq -r .access_token)
jar=$out/staff.jar
csrf=$(curl -sS -c "$jar" "$(cl_node_url 1)/web/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -sS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" --data-urlencode next=/web \
  --data-urlencode login=staff@demo.sukusuku.jp --data-urlencode "password=$CL_DEMO_PASSWORD" "$(cl_node_url 1)/web/login"
SUKUSUKU_COOKIE_STAFF=$(awk '!/^#/ || /^#HttpOnly_/ {if (NF >= 7) printf "%s=%s; ", $6, $7}' "$jar")
# Today's entrance code of the staff member's facility (what the tablet at the door shows), and
# the demo guardian's child enrolled there, so that check-ins are real ones.
qr_json=$(curl -sS -H "Cookie: $SUKUSUKU_COOKIE_STAFF" "$(cl_node_url 1)/web/messaging/qr?format=json" 2>/dev/null)
export SUKUSUKU_VAR_QR
SUKUSUKU_VAR_QR=$(jq -r '.code // empty' <<<"$qr_json" 2>/dev/null)
qr_facility=$(jq -r '.facility_id // 0' <<<"$qr_json" 2>/dev/null || echo 0)
SUKUSUKU_VAR_CHILD=$(cl_sql "SELECT e.child_id FROM guardians g JOIN users u ON u.id = g.user_id
  JOIN children c ON c.household_id = g.household_id JOIN enrolments e ON e.child_id = c.id
  WHERE u.login = 'guardian@demo.sukusuku.jp' AND (${qr_facility:-0} = 0 OR e.facility_id = ${qr_facility:-0})
  ORDER BY e.child_id LIMIT 1" 2>/dev/null || echo 1)
[[ -n $SUKUSUKU_TOKEN_GUARDIAN && $SUKUSUKU_TOKEN_GUARDIAN != null ]] || { echo "soak: guardian sign-in failed" >&2; exit 1; }

rss_row() { local i row="$(date -u +%H:%M:%S)"; for i in "${CL_NODES[@]}"; do row+=",$(cl_node_rss "$i")"; done; echo "$row"; }
echo "time,node1_kib,node2_kib,node3_kib" >"$out/rss.csv"
rss_start=$(rss_row)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$rss_start" >>"$out/rss.csv"
cl_log "soak: ${minutes} min, $connections connections through nginx, warm-up ${warmup}s; results in $out"

# Connections split 50/30/20 between the morning, evening and month-end mixes.
declare -A conns=([morning]=$((connections / 2)) [evening]=$((connections * 3 / 10)) [monthend]=$((connections / 5)))
pids=()
for s in morning evening monthend; do
  (( conns[$s] >= 1 )) || conns[$s]=1
  # One connection per wrk thread, so that each answer is judged against its own request
  # (plan.lua's response() only knows the thread's last request).
  wrk -t"${conns[$s]}" -c"${conns[$s]}" -d"${seconds}s" --timeout 10s -s "$here/$s.lua" "$CL_URL" \
    >"$out/$s.txt" 2>"$out/$s.err" &
  pids+=($!)
done
( while sleep 30; do rss_row >>"$out/rss.csv"; done ) &
sampler=$!
sleep "$warmup"
rss_warm=$(rss_row)
wait "${pids[@]}"
kill "$sampler" 2>/dev/null
rss_end=$(rss_row)
echo "$rss_end" >>"$out/rss.csv"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "==== soak: ${minutes} min, $connections connections, 3 nodes behind nginx (HTTPS, HTTP/1.1 keep-alive) ===="
printf '%-9s %10s %9s %9s %9s %9s %8s  %s\n' scenario requests req/s p50_ms p90_ms p99_ms errors routes
total_errors=0
for s in morning evening monthend; do
  j=$(grep '^{' "$out/$s.txt" | tail -n 1)
  if [[ -z $j ]]; then
    echo "$s: wrk printed no result:"; cat "$out/$s.txt" "$out/$s.err"; total_errors=$((total_errors + 1)); continue
  fi
  printf '%-9s %10s %9s %9s %9s %9s %8s  %s\n' "$s" "$(jq -r .requests <<<"$j")" "$(jq -r .rps <<<"$j")" \
    "$(jq -r .p50_ms <<<"$j")" "$(jq -r .p90_ms <<<"$j")" "$(jq -r .p99_ms <<<"$j")" "$(jq -r .errors <<<"$j")" \
    "$(jq -r '.routes | join(", ")' <<<"$j")"
  total_errors=$((total_errors + $(jq -r .errors <<<"$j")))
  [[ -s $out/$s.err ]] && sed 's/^/  /' "$out/$s.err" | head -n 5
done
echo
echo "RSS (KiB)        node1     node2     node3"
for label in start warm end; do
  v=rss_$label
  IFS=, read -r _ a b c <<<"${!v}"
  printf '%-12s %9s %9s %9s\n' "$label" "$a" "$b" "$c"
done
grew=0
IFS=, read -r _ w1 w2 w3 <<<"$rss_warm"
IFS=, read -r _ e1 e2 e3 <<<"$rss_end"
for pair in "$w1:$e1" "$w2:$e2" "$w3:$e3"; do
  w=${pair%%:*} e=${pair##*:}
  (( e > w * 12 / 10 + 16384 )) && grew=1
done
echo "rss samples: $out/rss.csv"
# The figures depend on what else the machine runs: say so next to them.
echo "machine: $(nproc) CPU(s); load average at start $load_start, at end $load_end (wrk, nginx, 3 nodes and MariaDB share them)"
echo "errors: $total_errors; memory $([[ $grew == 0 ]] && echo flat || echo GREW) between warm-up and end"
[[ $total_errors == 0 && $grew == 0 ]]
