# shellcheck shell=bash
# The scenarios of deploy/cluster/test.sh (and some reused by faults.sh). Each prints PASS,
# FAIL or SKIPPED lines through lib.sh's check helpers. Sourced after lib.sh.

GUARDIAN=guardian@demo.sukusuku.jp
STAFF=staff@demo.sukusuku.jp

scenario_nginx() {
  echo "== nginx in front"
  local hdr
  hdr=$(cl_curl --http2 -D - -o /dev/null "$CL_URL/readyz")
  check "nginx: /readyz over TLS answers 200 with HTTP/2" grep -q '^HTTP/2 200' <<<"$hdr"
  check "nginx: HSTS header" grep -qi '^strict-transport-security: max-age=' <<<"$hdr"
  expect_eq "nginx: plain HTTP redirects to HTTPS" 301 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CL_HTTP_PORT/web")"
  local css
  css=$(cd "$CL_BUILD/share/sukusuku" && ls -1 */static/*.css 2>/dev/null | head -n 1)
  if [[ -n $css ]]; then
    local owner=${css%%/*} file=${css##*/static/}
    hdr=$(cl_curl -D - -o /dev/null "$CL_URL/static/$owner/$file")
    check "nginx: /static/$owner/$file served with Cache-Control public" grep -qi '^cache-control: public, max-age=' <<<"$hdr"
    # Served from disk by nginx, not proxied: the app would have added X-Request-Id.
    check "nginx: static file not proxied to a node" bash -c "! grep -qi '^x-request-id' <<<\"\$0\"" "$hdr"
    expect_eq "nginx: hidden files under /static are refused" 404 "$(cl_status GET "$CL_URL/static/$owner/.htaccess")"
  else
    skip "nginx static files: no static/*.css in this build"
  fi
  # The app's own 413 (structured JSON) for a body above its limit but within nginx's.
  local big=$CL_DIR/big.json
  head -c $((10 * 1024 * 1024 + 100)) /dev/zero | tr '\0' 'a' >"$big"
  expect_eq "nginx: an 11 MB body reaches the app and gets its 413" 413 \
    "$(cl_status POST "$CL_URL/api/v1/devices" -H 'Content-Type: application/json' --data-binary "@$big")"
  head -c $((12 * 1024 * 1024)) /dev/zero >"$big"
  expect_eq "nginx: a 12 MB body is refused by nginx (client_max_body_size 11m)" 413 \
    "$(cl_status POST "$CL_URL/api/v1/devices" --data-binary "@$big")"
  rm -f "$big"
  # Real client address: a wrong password through nginx with a forged X-Forwarded-For must be
  # counted against the address nginx saw (127.0.0.1), not against the forged one.
  cl_curl -o /dev/null -H 'Content-Type: application/json' -H 'X-Forwarded-For: 203.0.113.77' \
    -d '{"login":"nobody@example.jp","password":"wrong"}' "$CL_URL/api/v1/auth/login"
  expect_eq "nginx: failed sign-in throttled under the real address" 1 \
    "$(cl_sql "SELECT COUNT(*) FROM login_throttle WHERE throttle_key = 'addr:127.0.0.1'")"
  expect_eq "nginx: a forged X-Forwarded-For is ignored" 0 \
    "$(cl_sql "SELECT COUNT(*) FROM login_throttle WHERE throttle_key LIKE '%203.0.113.77%'")"
  # stub_status for nginx-prometheus-exporter: on the private port, never on the public ones.
  local status
  status=$(curl -sS "http://127.0.0.1:$CL_STATUS_PORT/nginx_status" 2>&1)
  check "nginx: stub_status answers on the private port" grep -q '^Active connections: [0-9]' <<<"$status"
  expect_eq "nginx: /nginx_status is not served on the public port" 404 \
    "$(cl_status GET "$CL_URL/nginx_status")"
}

# The nodes run on the app account of deploy/mariadb/setup.sql: rows yes, schema no.
scenario_db_accounts() {
  echo "== database accounts (least privilege)"
  local url user pass
  url=$(sed -n 's/^SUKUSUKU_DB_URL=//p' "$CL_DIR/etc/sukusuku.env")
  user=${url#mysql://}; user=${user%%:*}
  pass=${url#mysql://*:}; pass=${pass%%@*}
  app_sql() { mariadb --no-defaults -h127.0.0.1 -P"$CL_DB_PORT" -u"$user" -p"$pass" -N -B "$CL_DB_NAME" -e "$1" 2>&1; }
  expect_eq "the nodes use the app account" sukusuku_app "$user"
  check "app account reads rows" bash -c '[[ $0 =~ ^[0-9]+$ ]]' "$(app_sql 'SELECT COUNT(*) FROM users')"
  check "app account cannot create a table" grep -q 'denied' <<<"$(app_sql 'CREATE TABLE intruder (id INT)')"
  check "app account cannot drop a table" grep -q 'denied' <<<"$(app_sql 'DROP TABLE job_leases')"
  check "app account sees no other database" grep -q 'denied' <<<"$(app_sql 'SELECT COUNT(*) FROM mysql.user')"
}

scenario_tokens_across_nodes() {
  echo "== API tokens across nodes"
  local r access refresh r2 i
  r=$(cl_login "$(cl_node_url 1)" "$GUARDIAN")
  access=$(jq -r '.access_token // empty' <<<"$r")
  refresh=$(jq -r '.refresh_token // empty' <<<"$r")
  check "login on node1 returns tokens" test -n "$access" -a -n "$refresh"
  for i in 2 3; do
    expect_eq "access token from node1 accepted by node$i (/api/v1/me)" 200 \
      "$(cl_status GET "$(cl_node_url "$i")/api/v1/me" -H "Authorization: Bearer $access")"
  done
  expect_eq "access token from node1 accepted through nginx" 200 \
    "$(cl_status GET "$CL_URL/api/v1/home" -H "Authorization: Bearer $access")"
  r2=$(curl -sS -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$refresh\"}" \
    "$(cl_node_url 3)/api/v1/auth/refresh")
  check "refresh token from node1 rotates on node3" test -n "$(jq -r '.refresh_token // empty' <<<"$r2")"
  expect_eq "the old refresh token, replayed on node2, is refused (reuse detection)" 401 \
    "$(cl_status POST "$(cl_node_url 2)/api/v1/auth/refresh" -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$refresh\"}")"
  # Reuse revokes the whole family: the token node3 just issued is dead on node1 too.
  expect_eq "after reuse, the rotated refresh token is refused on node1" 401 \
    "$(cl_status POST "$(cl_node_url 1)/api/v1/auth/refresh" -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$(jq -r .refresh_token <<<"$r2")\"}")"
  expect_eq "a token signed with another key is refused on every node" 401 \
    "$(cl_status GET "$(cl_node_url 2)/api/v1/me" -H "Authorization: Bearer ${access%.*}.AAAA")"
}

scenario_web_session_across_nodes() {
  echo "== web session across nodes"
  local jar=$CL_DIR/web.jar page csrf loc
  rm -f "$jar"
  page=$(curl -sS -c "$jar" "$(cl_node_url 1)/web/login")
  csrf=$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$page" | sed 's/.*value="//; s/"$//')
  check "node1 serves the sign-in form with a CSRF token" test -n "$csrf"
  loc=$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    --data-urlencode "csrf_token=$csrf" --data-urlencode "next=/web" \
    --data-urlencode "login=$STAFF" --data-urlencode "password=$CL_DEMO_PASSWORD" \
    "$(cl_node_url 2)/web/login")
  check "the form from node1 signs in on node2 ($loc)" grep -qE '^30[23] ' <<<"$loc"
  expect_eq "the session from node2 opens /web on node3" 200 \
    "$(curl -sS -b "$jar" -o /dev/null -w '%{http_code}' "$(cl_node_url 3)/web")"
  expect_eq "without the session, node3 sends to sign-in" 303 \
    "$(curl -sS -o /dev/null -w '%{http_code}' "$(cl_node_url 3)/web")"
  # Through nginx over HTTPS the cookies are Secure (X-Forwarded-Proto: https, cookie_secure=auto).
  local hdr
  hdr=$(cl_curl -D - -o /dev/null "$CL_URL/web/login")
  check "through nginx, cookies are Secure and HttpOnly" grep -qiE '^set-cookie: .*HttpOnly.*Secure|^set-cookie: .*Secure.*HttpOnly' <<<"$hdr"
}

scenario_periodic_job_once() {
  echo "== periodic job: once per period across nodes"
  if ! cl_has_plugin testplugin; then
    skip "periodic job: plugin testplugin (tests/fixtures) not built; build the tests"
    return
  fi
  # testplugin.tick runs every 60 s (periods aligned to the minute); each run inserts its
  # period. Wait until a period boundary has passed with all three nodes up, then count.
  local now wait
  now=$(date +%s)
  wait=$((60 - now % 60 + 4))
  cl_log "waiting ${wait}s for the next minute boundary"
  sleep "$wait"
  local periods rows leases_runs
  periods=$(cl_sql "SELECT COUNT(DISTINCT period) FROM testplugin_ticks")
  rows=$(cl_sql "SELECT COUNT(*) FROM testplugin_ticks")
  leases_runs=$(cl_sql "SELECT runs FROM job_leases WHERE name = 'testplugin.tick'")
  check "periodic job ran in at least 2 periods ($periods)" test "$periods" -ge 2
  expect_eq "periodic job: one row per period (rows = periods)" "$periods" "$rows"
  expect_eq "periodic job: job_leases.runs counts each period once" "$periods" "$leases_runs"
  # A second run of a period would hit the unique index on period and count as a failure.
  expect_eq "periodic job: no failed (duplicate) run" 0 \
    "$(cl_sql "SELECT failures FROM job_leases WHERE name = 'testplugin.tick'")"
  # Which nodes ran it: with three nodes racing, more than one usually wins over time.
  cl_log "testplugin.tick last owner: $(cl_sql "SELECT owner FROM job_leases WHERE name = 'testplugin.tick'")"
}

scenario_broadcast_once() {
  echo "== broadcast: once per device"
  if ! cl_cli notify --help >/dev/null 2>&1; then
    skip "broadcast: push core not built (no \`sukusuku notify\`)"
    return
  fi
  if [[ ! -d $CL_REPO/tests/fixtures/fcm-server ]]; then
    skip "broadcast: tests/fixtures/fcm-server (push branch) not in this tree"
    return
  fi
  broadcast_test
}

scenario_billing_once() {
  echo "== billing run started on two nodes at once"
  if ! cl_has_plugin fees; then
    skip "billing run: plugin fees not built"
    return
  fi
  billing_test
}

scenario_login_rate_limit() {
  echo "== sign-in rate limit at nginx"
  local codes i
  codes=$(for i in $(seq 1 20); do
    cl_status POST "$CL_URL/api/v1/auth/login" -H 'Content-Type: application/json' \
      -d '{"login":"nobody@example.jp","password":"wrong"}'; echo
  done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
  check "20 quick sign-ins from one address: nginx answers 429 to some ($codes)" grep -q ' 429' <<<"$codes"
}

# ---- fees: billing runs ------------------------------------------------------------------------
FINANCE=zaimu@demo.sukusuku.jp

# The fiscal year (April to March, Tokyo) and the first instalment of it not billed yet.
fees_next_instalment() {
  local fy
  fy=$(TZ=Asia/Tokyo date +%Y)
  (( 10#$(TZ=Asia/Tokyo date +%m) < 4 )) && fy=$((fy - 1))
  local inst
  inst=$(cl_sql "SELECT MIN(i.seq) FROM fee_instalments i WHERE i.fiscal_year = $fy
    AND NOT EXISTS (SELECT 1 FROM fee_runs r WHERE r.fiscal_year = i.fiscal_year
                    AND r.instalment = i.seq AND r.dry_run = 0 AND r.municipality_id = i.municipality_id)" 2>/dev/null)
  [[ -n $inst && $inst != NULL ]] || return 1
  echo "$fy $inst"
}

# fees_run NODE FY INSTALMENT TOKEN OUTFILE: POST /api/v1/fees/runs on NODE; prints the status.
fees_run() {
  curl -sS -o "$5" -w '%{http_code}' -H "Authorization: Bearer $4" -H 'Content-Type: application/json' \
    -d "{\"fiscal_year\":$2,\"instalment\":$3}" "$(cl_node_url "$1")/api/v1/fees/runs"
}

# fees_check_once FY INSTALMENT LABEL: the instalment is billed exactly once, by counting.
fees_check_once() {
  local fy=$1 inst=$2 label=$3
  local runs refs charges distinct bills_sum journal_sum
  runs=$(cl_sql "SELECT COUNT(*) FROM fee_runs WHERE fiscal_year = $fy AND instalment = $inst AND dry_run = 0 AND status = 'done'")
  refs=$(cl_sql "SELECT COUNT(DISTINCT ref) FROM fee_journal WHERE fiscal_year = $fy AND instalment = $inst AND kind = 'charge'")
  charges=$(cl_sql "SELECT COUNT(*) FROM fee_journal WHERE fiscal_year = $fy AND instalment = $inst AND kind = 'charge'")
  distinct=$(cl_sql "SELECT COUNT(DISTINCT bill_id, child_id) FROM fee_journal WHERE fiscal_year = $fy AND instalment = $inst AND kind = 'charge'")
  bills_sum=$(cl_sql "SELECT COALESCE(SUM(amount), 0) FROM fee_bills WHERE fiscal_year = $fy AND instalment = $inst")
  journal_sum=$(cl_sql "SELECT COALESCE(SUM(amount), 0) FROM fee_journal WHERE fiscal_year = $fy AND instalment = $inst")
  check "$label: charges written ($charges)" test "${charges:-0}" -gt 0
  expect_eq "$label: charges come from one run (distinct run refs)" 1 "$refs"
  expect_eq "$label: no child charged twice on a bill (charges = distinct bill/child)" "$distinct" "$charges"
  expect_eq "$label: bills total = journal total (yen)" "$journal_sum" "$bills_sum"
  # A later run of an instalment already billed completes with nothing to charge (runs are
  # idempotent), so completed runs may be more than one; the charges above come from one.
  check "$label: the instalment's billing completed ($runs completed run(s))" test "${runs:-0}" -ge 1
}

billing_test() {
  local fy inst tok a b
  if ! read -r fy inst < <(fees_next_instalment); then
    skip "billing run: no unbilled instalment in the demo data"
    return
  fi
  tok=$(cl_login "$(cl_node_url 1)" "$FINANCE" | jq -r .access_token)
  # The same run on node1 and node2 at the same moment.
  local pa pb
  fees_run 1 "$fy" "$inst" "$tok" "$CL_DIR/run-a.json" >"$CL_DIR/run-a.status" & pa=$!
  fees_run 2 "$fy" "$inst" "$tok" "$CL_DIR/run-b.json" >"$CL_DIR/run-b.status" & pb=$!
  # Only these two: a bare `wait` would also wait for the FCM test server started in this shell.
  wait "$pa" "$pb"
  a=$(cat "$CL_DIR/run-a.status") b=$(cat "$CL_DIR/run-b.status")
  cl_log "billing run $fy/$inst: node1 $a $(head -c 200 "$CL_DIR/run-a.json"); node2 $b $(head -c 200 "$CL_DIR/run-b.json")"
  check "billing run on two nodes at once: one succeeded ($a, $b)" grep -q 201 <<<"$a $b"
  check "billing run on two nodes at once: the other refused or found nothing to do, no 5xx ($a, $b)" \
    bash -c '! grep -q "5[0-9][0-9]" <<<"$0"' "$a $b"
  fees_check_once "$fy" "$inst" "billing run twice at once"
}

# ---- push: broadcasts ------------------------------------------------------------------------------
# The FCM test server (tests/fixtures/fcm-server, from the push core) is started by cl_up when
# the build has the push core; the nodes' push.fcm.endpoint points at it.

# fcm_requests: "token count" of every send the FCM test server received, sorted.
# The sends the FCM test server accepted (answered 200), per device token. A send whose stream the
# client reset before the answer (a killed node) was not accepted: the outbox sends it again.
fcm_requests() {
  curl -sS "http://127.0.0.1:$((CL_FCM_PORT + 1))/requests" |
    jq -r '(if type == "array" then . else .requests end)[] | select((.status // 200) == 200) | .token' | sort | uniq -c | awk '{print $2, $1}'
}
fcm_reset() { curl -sS -X POST "http://127.0.0.1:$((CL_FCM_PORT + 1))/reset" >/dev/null; }

# register_devices PREFIX N: N devices for the demo guardian, spread over the three nodes.
register_devices() {
  local prefix=$1 n=$2 tok i
  tok=$(cl_login "$(cl_node_url 1)" "$GUARDIAN" | jq -r .access_token)
  for i in $(seq 1 "$n"); do
    curl -sS -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
      -d "{\"token\":\"$prefix-$i\",\"platform\":\"android\",\"app_version\":\"1.0.0\"}" \
      "$(cl_node_url $(( (i % 3) + 1 )))/api/v1/devices"
  done
}

# The devices a broadcast to the demo municipality must reach: every device of its users.
expected_devices() {
  cl_sql "SELECT d.token FROM devices d JOIN users u ON u.id = d.user_id
          WHERE u.municipality_id = (SELECT municipality_id FROM users WHERE login = '$GUARDIAN')" | sort
}

# broadcast_check LABEL: every expected device got exactly one send.
broadcast_check() {
  local label=$1
  expected_devices >"$CL_DIR/bc-expected.txt"
  fcm_requests >"$CL_DIR/bc-sent.txt"
  local want lost dup
  want=$(wc -l <"$CL_DIR/bc-expected.txt")
  lost=$(awk '{print $1}' "$CL_DIR/bc-sent.txt" | sort | comm -23 "$CL_DIR/bc-expected.txt" - | wc -l)
  dup=$(awk '$2 > 1' "$CL_DIR/bc-sent.txt" | wc -l)
  check "$label: devices to reach ($want)" test "$want" -gt 0
  expect_eq "$label: devices that got no push" 0 "$lost"
  expect_eq "$label: devices that got it more than once" 0 "$dup"
}

broadcast_test() {
  if [[ -z ${CL_FCM_PID:-} ]]; then
    skip "broadcast: the FCM test server is not running (push.fcm.endpoint not configured)"
    return
  fi
  register_devices bc 60
  fcm_reset
  local mun
  mun=$(cl_sql "SELECT municipality_id FROM users WHERE login = '$GUARDIAN'")
  cl_cli notify --municipality "$mun" --title "臨時休園" --body "台風のため本日は休園します" --urgent --wait 120 \
    >"$CL_DIR/notify.log" 2>&1
  check "broadcast: sukusuku notify finished ($(tail -n 1 "$CL_DIR/notify.log"))" test $? -eq 0
  sleep 2
  broadcast_check "broadcast"
}
