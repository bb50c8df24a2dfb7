# shellcheck shell=bash
# The fault scenarios of deploy/cluster/faults.sh. Sourced after lib.sh and scenarios.sh.

RECOVERY_SECONDS=${SUKUSUKU_RECOVERY_SECONDS:-10}
FAULT_TOKEN=""

fault_token() {
  [[ -n $FAULT_TOKEN ]] || FAULT_TOKEN=$(cl_login "$(cl_node_url 1)" "$GUARDIAN" | jq -r .access_token)
  echo "$FAULT_TOKEN"
}

# load_start NAME: read load (wrk on /api/v1/me and /api/v1/home through nginx) and the
# accounted write load, until load_stop.
load_start() {
  local name=$1 tok
  tok=$(fault_token)
  LOAD_DIR=$CL_DIR/faults/$name
  mkdir -p "$LOAD_DIR"
  rm -f "$LOAD_DIR/stop"
  wrk -t2 -c16 -d120s --timeout 10s -H "Authorization: Bearer $tok" \
    -s "$CL_DEPLOY/load/paths.lua" "$CL_URL" >"$LOAD_DIR/wrk.txt" 2>&1 &
  LOAD_WRK=$!
  NODE_EXTRA_CA_CERTS=$CL_DIR/nginx/tls.crt node "$CL_DEPLOY/cluster/writer.mjs" --url "$CL_URL" --token "$tok" \
    --prefix "$name" --workers 4 --stop "$LOAD_DIR/stop" --acked "$LOAD_DIR/acked.txt" \
    --give-up 60 >"$LOAD_DIR/writer.json" 2>"$LOAD_DIR/writer.err" &
  LOAD_WRITER=$!
}

# load_stop NAME: stops the load, then counts: every acknowledged write is in the database once.
load_stop() {
  local name=$1
  touch "$LOAD_DIR/stop"
  wait "$LOAD_WRITER"
  kill -INT "$LOAD_WRK" 2>/dev/null
  wait "$LOAD_WRK" 2>/dev/null
  local acked gave_up in_db distinct missing hanging
  acked=$(jq -r .acked "$LOAD_DIR/writer.json" 2>/dev/null || echo "?")
  gave_up=$(jq -r .gave_up "$LOAD_DIR/writer.json" 2>/dev/null || echo "?")
  cl_log "$name: writer $(cat "$LOAD_DIR/writer.json" 2>/dev/null) $(tail -n 3 "$LOAD_DIR/writer.err" 2>/dev/null)"
  cl_log "$name: reads: $(grep -E 'requests in|Non-2xx|Socket errors' "$LOAD_DIR/wrk.txt" | tr -s ' ' | tr '\n' ';')"
  in_db=$(cl_sql "SELECT COUNT(*) FROM devices WHERE token LIKE '$name-%'")
  distinct=$(cl_sql "SELECT COUNT(DISTINCT token) FROM devices WHERE token LIKE '$name-%'")
  # Every acknowledged token must be there (nothing lost).
  cl_sql "SELECT token FROM devices WHERE token LIKE '$name-%'" | sort >"$LOAD_DIR/in_db.txt"
  missing=$(sort "$LOAD_DIR/acked.txt" | comm -23 - "$LOAD_DIR/in_db.txt" | wc -l)
  hanging=$(cl_sql "SELECT COUNT(*) FROM idempotency_keys WHERE status = 0 AND idem_key LIKE '$name-%'")
  check "$name: writes acknowledged during the run ($acked)" test "${acked:-0}" -gt 0 2>/dev/null
  expect_eq "$name: no client gave up" 0 "$gave_up"
  expect_eq "$name: acknowledged writes missing from the database" 0 "$missing"
  expect_eq "$name: each write stored once (rows = distinct tokens)" "$distinct" "$in_db"
  # One row per acknowledged request, plus at most one per worker whose last request was
  # in flight when the stop file appeared and was then acknowledged (it is counted as acked).
  expect_eq "$name: rows = acknowledged requests" "$acked" "$in_db"
  expect_eq "$name: idempotency claims left 'in progress'" 0 "$hanging"
}

# fault_db_restart clean|kill: MariaDB stopped (or SIGKILLed) for ~3 s under load.
fault_db_restart() {
  local how=$1 name="db-$1" secs
  echo "== fault: MariaDB $([[ $how == kill ]] && echo 'killed (SIGKILL)' || echo 'restarted') under load"
  load_start "$name"
  sleep 5
  if [[ $how == kill ]]; then
    kill -KILL "$(cl_db_pid)"
    for _ in $(seq 1 50); do kill -0 "$(cl_db_pid)" 2>/dev/null || break; sleep 0.1; done
  else
    cl_db_stop
  fi
  cl_log "MariaDB down"
  sleep 3
  cl_db_start
  cl_log "MariaDB up again"
  secs=$(cl_wait_ready_via_nginx 60)
  check "$name: /readyz through nginx 200 within ${RECOVERY_SECONDS}s of MariaDB's return (${secs}s)" \
    awk -v s="$secs" -v l="$RECOVERY_SECONDS" 'BEGIN {exit !(s != "never" && s + 0 <= l)}'
  local i
  for i in "${CL_NODES[@]}"; do
    check "$name: node$i survived and is ready" cl_node_ready "$i" "$RECOVERY_SECONDS"
  done
  sleep 5
  load_stop "$name"
}

# fault_node_kill: node2 SIGKILLed under load; nginx keeps serving; node2 restarted.
fault_node_kill() {
  local name=node-kill secs bad=0 n
  echo "== fault: app node killed (SIGKILL) under load"
  load_start "$name"
  sleep 5
  cl_node_kill9 2
  cl_log "node2 killed"
  # While node2 is down, the service through nginx stays ready.
  for n in $(seq 1 20); do
    [[ $(cl_status GET "$CL_URL/readyz" --max-time 2) == 200 ]] || bad=$((bad + 1))
    sleep 0.1
  done
  expect_eq "$name: /readyz through nginx with node2 dead: failures in 20 polls" 0 "$bad"
  # systemd would restart it (Restart=on-failure, RestartSec=2).
  sleep 2
  cl_node_start 2
  local t0=$(date +%s.%N)
  if cl_node_ready 2 30; then
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    check "$name: node2 ready within ${RECOVERY_SECONDS}s of its restart (${secs}s)" \
      awk -v s="$secs" -v l="$RECOVERY_SECONDS" 'BEGIN {exit !(s <= l)}'
  else
    fail "$name: node2 did not come back"
  fi
  sleep 5
  load_stop "$name"
}

fault_billing_kill() {
  echo "== fault: app node killed in the middle of a billing run"
  if ! cl_has_plugin fees; then
    skip "billing run under SIGKILL: plugin fees not built"
    return
  fi
  more_pupils 40
  billing_kill_test
}
# more_pupils N: N more pupils per pupil of a school with a fee plan, in the same household, class
# and enrolment (MariaDB's seq_1_to_N), so that a billing run lasts long enough (about 5,000
# pupils) for the kill to land in the middle of it rather than after it.
more_pupils() {
  local n=$1
  cl_sql "INSERT INTO children (municipality_id, household_id, family_name, given_name,
            family_name_kana, given_name_kana, birth_date, sex, disability_grade, external_id, created_at)
          SELECT c.municipality_id, c.household_id, c.family_name, c.given_name, c.family_name_kana,
                 c.given_name_kana, c.birth_date, c.sex, c.disability_grade,
                 CONCAT('fault-', c.id, '-', s.seq), c.created_at
          FROM children c JOIN enrolments e ON e.child_id = c.id AND e.ends_on IS NULL
          JOIN seq_1_to_$n s
          WHERE e.facility_id IN (SELECT DISTINCT facility_id FROM fee_plans)
            AND c.external_id NOT LIKE 'fault-%'" || return 1
  cl_sql "INSERT INTO enrolments (municipality_id, child_id, facility_id, class_id, starts_on, ends_on,
            end_reason, certified_hours)
          SELECT e.municipality_id, c2.id, e.facility_id, e.class_id, e.starts_on, e.ends_on,
                 e.end_reason, e.certified_hours
          FROM children c2
          JOIN enrolments e ON e.ends_on IS NULL AND e.child_id =
               CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(c2.external_id, '-', 2), '-', -1) AS UNSIGNED)
          WHERE c2.external_id LIKE 'fault-%'
            AND NOT EXISTS (SELECT 1 FROM enrolments x WHERE x.child_id = c2.id)" || return 1
  cl_log "pupils of schools with a fee plan: $(cl_sql "SELECT COUNT(*) FROM enrolments e
    WHERE e.ends_on IS NULL AND e.facility_id IN (SELECT DISTINCT facility_id FROM fee_plans)")"
}

fault_broadcast_kill() {
  echo "== fault: app node killed in the middle of a broadcast"
  if ! cl_cli notify --help >/dev/null 2>&1; then
    skip "broadcast under SIGKILL: push core not built (no \`sukusuku notify\`)"
    return
  fi
  broadcast_kill_test
}

# A billing run on node2, node2 SIGKILLed as soon as the run is seen running; then the same run
# is asked of node1 until it is accepted (a dead run's lock must not block the city for ever)
# and the instalment is checked to be billed exactly once.
billing_kill_test() {
  local fy inst tok status seen=0 n
  if ! read -r fy inst < <(fees_next_instalment); then
    skip "billing run under SIGKILL: no unbilled instalment in the demo data"
    return
  fi
  tok=$(cl_login "$(cl_node_url 1)" "$FINANCE" | jq -r .access_token)
  fees_run 2 "$fy" "$inst" "$tok" "$CL_DIR/kill-run.json" >"$CL_DIR/kill-run.status" 2>/dev/null &
  local runner=$!
  for n in $(seq 1 500); do
    if [[ $(cl_sql "SELECT COUNT(*) FROM fee_runs WHERE fiscal_year = $fy AND instalment = $inst AND status = 'running'") != 0 ]]; then
      seen=1
      break
    fi
    kill -0 "$runner" 2>/dev/null || break
    sleep 0.01
  done
  if [[ $seen == 1 ]]; then
    cl_node_kill9 2
    cl_log "node2 killed during billing run $fy/$inst"
  fi
  wait "$runner" 2>/dev/null
  if [[ $seen == 0 ]]; then
    skip "billing run under SIGKILL: the run finished before it could be interrupted (too little demo data); checked once-only instead"
  else
    pass "billing run $fy/$inst interrupted by SIGKILL while running"
  fi
  if [[ $seen == 1 ]]; then
    cl_node_start 2
    cl_node_ready 2 30 || fail "node2 did not come back after the kill"
  fi
  # Retry on node1 until accepted or 120 s (a stale lock of a dead run should expire).
  local deadline=$(( $(date +%s) + 120 ))
  while :; do
    status=$(fees_run 1 "$fy" "$inst" "$tok" "$CL_DIR/kill-retry.json")
    [[ $status == 201 ]] && break
    [[ $seen == 0 && $status =~ ^(409|422)$ ]] && break   # already billed by the first run
    (( $(date +%s) > deadline )) && break
    sleep 2
  done
  cl_log "retry after the kill: $status $(head -c 200 "$CL_DIR/kill-retry.json")"
  if [[ $seen == 1 ]]; then
    # The killed run's lock is taken over once it is older than the grace (10 s): a retry on
    # another node must be accepted, not refused for ever.
    expect_eq "billing run after the kill: a retry on another node is accepted" 201 "$status"
  else
    check "billing run after the kill: accepted on another node or already complete ($status)" \
      bash -c '[[ $0 == 201 || $0 == 409 || $0 == 422 ]]' "$status"
  fi
  fees_check_once "$fy" "$inst" "billing run after SIGKILL"
}
# A broadcast written to the outbox, sent by the three nodes' workers with a slowed-down FCM;
# node2 SIGKILLed once sending has started, restarted 2 s later. Every device must get the
# push, and get it once.
broadcast_kill_test() {
  if [[ -z ${CL_FCM_PID:-} ]]; then
    skip "broadcast under SIGKILL: the FCM test server is not running"
    return
  fi
  local ctl="http://127.0.0.1:$((CL_FCM_PORT + 1))" mun want sent last stable n
  register_devices bck 300
  fcm_reset
  curl -sS -X POST -H 'Content-Type: application/json' -d '{"latency_ms":25}' "$ctl/config" >/dev/null
  want=$(expected_devices | wc -l)
  mun=$(cl_sql "SELECT municipality_id FROM users WHERE login = '$GUARDIAN'")
  # --wait 0: the command writes the notification and its outbox rows; the nodes send them.
  cl_cli notify --municipality "$mun" --title "緊急連絡" --body "お迎えをお願いします" --urgent --wait 0 \
    >"$CL_DIR/notify-kill.log" 2>&1 || { fail "broadcast under SIGKILL: notify failed: $(tail -n 2 "$CL_DIR/notify-kill.log")"; return; }
  for n in $(seq 1 300); do
    sent=$(curl -sS "$ctl/stats" | jq -r '.sends // .counters.sends // 0')
    (( sent > 0 )) && break
    sleep 0.05
  done
  cl_node_kill9 2
  cl_log "node2 killed during the broadcast after $sent of $want sends"
  sleep 2
  cl_node_start 2
  cl_node_ready 2 30 || fail "node2 did not come back after the kill"
  # Wait until every device is reached and the count has stopped moving for 5 s (max 120 s).
  last=-1 stable=0
  for n in $(seq 1 120); do
    sent=$(curl -sS "$ctl/stats" | jq -r '.sends // .counters.sends // 0')
    if [[ $sent == "$last" ]]; then stable=$((stable + 1)); else stable=0; fi
    last=$sent
    (( sent >= want && stable >= 5 )) && break
    sleep 1
  done
  curl -sS -X POST -H 'Content-Type: application/json' -d '{"latency_ms":0}' "$ctl/config" >/dev/null
  cl_log "broadcast under SIGKILL: $sent sends for $want devices"
  broadcast_check "broadcast under SIGKILL"
}
