# shellcheck shell=bash
# The local cluster: one private MariaDB, three app nodes on loopback, nginx in front with the
# production site (deploy/nginx/sukusuku.conf) and its TLS, HTTP/2 and rate limits. Sourced by
# deploy/cluster/{up,test,faults,backup-test,soak}.sh; not run by ctest.
#
# Everything lives under $SUKUSUKU_CLUSTER_DIR (default /tmp/sukusuku-cluster-$UID):
#   mariadb/        data, socket, log of the private server (deploy/mariadb-test.sh)
#   etc/            sukusuku.properties, the env files with passwords (0600), jwt-keys.json
#   data/           data.dir shared by the three nodes (the blob store: NFS on real hosts)
#   node1..3/       each node's log and pid
#   nginx/          nginx.conf, the rendered site, certificate, pid, logs, temp files
# Ports from $SUKUSUKU_CLUSTER_BASE (default 18000): MariaDB +306, nodes +81 +82 +83,
# nginx HTTPS +443 and HTTP +80, FCM test server +90.
#
# The app nodes connect with the least-privilege account of deploy/mariadb/setup.sql; migrations
# and demo data use the migration account, as in production.

CL_DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CL_REPO=$(cd "$CL_DEPLOY/.." && pwd)
. "$CL_DEPLOY/lib/common.sh"
CL_BUILD=${SUKUSUKU_BUILD_DIR:-$CL_REPO/build}
CL_BIN=$CL_BUILD/bin/sukusuku
CL_DIR=${SUKUSUKU_CLUSTER_DIR:-/tmp/sukusuku-cluster-$(id -u)}
CL_BASE=${SUKUSUKU_CLUSTER_BASE:-18000}
CL_DB_PORT=$((CL_BASE + 306))
CL_HTTPS_PORT=$((CL_BASE + 443))
CL_HTTP_PORT=$((CL_BASE + 80))
CL_STATUS_PORT=$((CL_BASE + 70))
CL_FCM_PORT=$((CL_BASE + 90))
CL_NODES=(1 2 3)
CL_URL=https://127.0.0.1:$CL_HTTPS_PORT
CL_DB_NAME=sukusuku

cl_node_port() { echo $((CL_BASE + 80 + $1)); }
cl_node_url() { echo "http://127.0.0.1:$(cl_node_port "$1")"; }
cl_log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ---- checks and the summary -------------------------------------------------------------------
CL_PASS=0
CL_FAIL=0
CL_SKIP=0
CL_SUMMARY=()
pass() { CL_PASS=$((CL_PASS + 1)); CL_SUMMARY+=("PASS     $*"); echo "PASS: $*"; }
fail() { CL_FAIL=$((CL_FAIL + 1)); CL_SUMMARY+=("FAIL     $*"); echo "FAIL: $*" >&2; }
skip() { CL_SKIP=$((CL_SKIP + 1)); CL_SUMMARY+=("SKIPPED  $*"); echo "SKIPPED: $*"; }
# check "what" COMMAND...: pass when COMMAND succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# expect_eq "what" EXPECTED ACTUAL
expect_eq() {
  if [[ "$2" == "$3" ]]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}
summary() {
  echo
  echo "==== summary: $CL_PASS passed, $CL_FAIL failed, $CL_SKIP skipped ===="
  local line
  for line in "${CL_SUMMARY[@]}"; do echo "  $line"; done
  [[ $CL_FAIL -eq 0 ]]
}

# ---- plugins ----------------------------------------------------------------------------------
# Shipped plugins that this build has, plus the test fixture testplugin (its 60-second job
# `testplugin.tick` is the periodic job the cross-node test counts), linked into one folder
# ($CL_DIR/plugins, the nodes' plugins.dir); prints their names comma-separated.
cl_link_plugins() {
  local p n names=()
  mkdir -p "$CL_DIR/plugins"
  for p in "$CL_BUILD"/lib/sukusuku/plugins/libsukusuku_*.so "$CL_BUILD"/tests/plugins/libsukusuku_testplugin.so; do
    [[ -e $p ]] || continue
    ln -sf "$p" "$CL_DIR/plugins/"
    n=$(basename "$p" .so)
    names+=("${n#libsukusuku_}")
  done
  (IFS=,; echo "${names[*]}")
}
# cl_has_plugin NAME: is NAME loaded by the running configuration? (`sukusuku plugins`)
cl_has_plugin() { grep -q "^$1 " "$CL_DIR/plugins.txt" 2>/dev/null; }
# cl_has_command PLUGIN VERB: does `sukusuku PLUGIN --help` list VERB?
cl_has_command() { cl_cli "$1" --help 2>/dev/null | grep -qE "^  $2( |$)"; }
# cl_has_route "METHOD PATTERN"
cl_has_route() { grep -qF "$1 " "$CL_DIR/routes.txt" 2>/dev/null; }

# ---- MariaDB ------------------------------------------------------------------------------------
cl_sql() { mariadb --no-defaults --socket="$CL_DIR/mariadb/mariadb.sock" -uroot -N -B "$CL_DB_NAME" -e "$1"; }
cl_db_start() {
  SUKUSUKU_MARIADB_PORT=$CL_DB_PORT "$CL_DEPLOY/mariadb-test.sh" start "$CL_DIR/mariadb" >/dev/null
}
cl_db_stop() { "$CL_DEPLOY/mariadb-test.sh" stop "$CL_DIR/mariadb" >/dev/null 2>&1 || true; }
cl_db_pid() { cat "$CL_DIR/mariadb/mariadb.pid" 2>/dev/null; }

# Renders setup.sql (database + accounts) and writes the configuration under etc/.
cl_setup() {
  mkdir -p "$CL_DIR/etc" "$CL_DIR/data" "$CL_DIR/nginx/tmp"
  local app mig bak
  app=$(gen_password) mig=$(gen_password) bak=$(gen_password)
  render_template "$CL_DEPLOY/mariadb/setup.sql" "$CL_DIR/etc/setup.sql" DB_NAME=$CL_DB_NAME \
    APP_HOST=127.0.0.1 APP_PASSWORD="$app" MIGRATE_PASSWORD="$mig" BACKUP_PASSWORD="$bak"
  mariadb --no-defaults --socket="$CL_DIR/mariadb/mariadb.sock" -uroot <"$CL_DIR/etc/setup.sql"
  (umask 077
   echo "SUKUSUKU_DB_URL=mysql://sukusuku_app:$app@127.0.0.1:$CL_DB_PORT/$CL_DB_NAME" >"$CL_DIR/etc/sukusuku.env"
   echo "SUKUSUKU_DB_URL=mysql://sukusuku_migrate:$mig@127.0.0.1:$CL_DB_PORT/$CL_DB_NAME" >"$CL_DIR/etc/migrate.env"
   printf '[client]\nuser=sukusuku_backup\npassword=%s\nsocket=%s\n' "$bak" "$CL_DIR/mariadb/mariadb.sock" >"$CL_DIR/etc/backup.cnf")
  gen_jwt_keys "$CL_DIR/etc/jwt-keys.json"
  local linked
  linked=$(cl_link_plugins)
  # The production file with the cluster's differences appended (later keys win).
  { cat "$CL_DEPLOY/config/sukusuku.properties"
    echo
    echo "# ---- deploy/cluster overrides ----"
    echo "data.dir = $CL_DIR/data"
    echo "auth.jwt.keys_file = $CL_DIR/etc/jwt-keys.json"
    echo "plugins.dir = $CL_DIR/plugins"
    echo "plugins.enabled = ${SUKUSUKU_CLUSTER_PLUGINS:-$linked}"
    echo "http.threads = 96"
    echo "db.pool_size = 24"
    # A soak writes millions of lines otherwise; nginx keeps its own access log.
    echo "log.access = false"
    echo "log.level = notice"
    echo "auth.access_ttl_seconds = 7200"
    # A retry takes over an Idempotency-Key whose node died after 10 s instead of 60 (faults.sh).
    "$CL_BIN" config 2>/dev/null | grep -q '^http.idempotency_claim_seconds' &&
      echo "http.idempotency_claim_seconds = 10"
  } >"$CL_DIR/etc/sukusuku.properties"
  cl_fcm_setup
}

# The FCM test server of the push core (tests/fixtures/fcm-server), when both are there: its
# service account (token_uri pointing at it) and the nodes' push.fcm.* keys.
CL_FCM_DIR=$CL_REPO/tests/fixtures/fcm-server
cl_fcm_setup() {
  [[ -f $CL_FCM_DIR/server.js ]] || return 0
  # `sukusuku config` lists only the core's own keys (modules declare theirs at boot), so look
  # for the push core's key in the core library itself.
  grep -qa 'fcm.endpoint' "$CL_BUILD"/lib/libsukusuku_core.so* 2>/dev/null || return 0
  jq --arg u "http://127.0.0.1:$CL_FCM_PORT/token" '.token_uri = $u' "$CL_FCM_DIR/service-account.json" \
    >"$CL_DIR/etc/fcm-service-account.json"
  chmod 600 "$CL_DIR/etc/fcm-service-account.json"
  { echo "push.fcm.credentials = $CL_DIR/etc/fcm-service-account.json"
    echo "push.fcm.endpoint = http://127.0.0.1:$CL_FCM_PORT"
    # A dead node's claimed outbox rows go to another node after this long (faults.sh).
    grep -qa 'lease_seconds' "$CL_BUILD"/lib/libsukusuku_core.so* && echo "push.lease_seconds = 15"
  } >>"$CL_DIR/etc/sukusuku.properties"
}
cl_fcm_start() {
  [[ -f $CL_DIR/etc/fcm-service-account.json ]] || return 0
  node "$CL_FCM_DIR/server.js" --service-account "$CL_DIR/etc/fcm-service-account.json" \
    --port "$CL_FCM_PORT" --control-port $((CL_FCM_PORT + 1)) >"$CL_DIR/fcm.log" 2>&1 &
  CL_FCM_PID=$!
  echo "$CL_FCM_PID" >"$CL_DIR/fcm.pid"
  for _ in $(seq 1 50); do grep -q '"port"' "$CL_DIR/fcm.log" && return 0; sleep 0.1; done
  echo "cluster: FCM test server did not start: $(cat "$CL_DIR/fcm.log")" >&2
  return 1
}

# cl_cli ARGS...: the sukusuku command line as the migration account (operator commands).
cl_cli() {
  ( set -a; . "$CL_DIR/etc/sukusuku.env"; . "$CL_DIR/etc/migrate.env"; set +a
    SUKUSUKU_CONFIG=$CL_DIR/etc/sukusuku.properties exec "$CL_BIN" "$@" )
}
# cl_app_cli ARGS...: the command line as the app account (what a node may do).
cl_app_cli() {
  ( set -a; . "$CL_DIR/etc/sukusuku.env"; set +a
    SUKUSUKU_CONFIG=$CL_DIR/etc/sukusuku.properties exec "$CL_BIN" "$@" )
}

# ---- app nodes ------------------------------------------------------------------------------------
cl_node_pid() { cat "$CL_DIR/node$1/pid" 2>/dev/null; }
cl_node_alive() { local p; p=$(cl_node_pid "$1") && [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }
cl_node_start() {
  local i=$1
  if cl_node_alive "$i"; then
    echo "cluster: node$i is already running (pid $(cl_node_pid "$i"))" >&2
    return 1
  fi
  mkdir -p "$CL_DIR/node$i"
  ( set -a; . "$CL_DIR/etc/sukusuku.env"; set +a
    export SUKUSUKU_CONFIG=$CL_DIR/etc/sukusuku.properties
    export SUKUSUKU_HTTP_PORT=$(cl_node_port "$i") SUKUSUKU_NODE_ID=node$i
    setsid "$CL_BIN" serve </dev/null >>"$CL_DIR/node$i/log" 2>&1 &
    echo $! >"$CL_DIR/node$i/pid" )
}
# cl_node_ready I [SECONDS]: waits until the node answers /readyz with 200.
cl_node_ready() {
  local i=$1 t=${2:-30} n
  for ((n = 0; n < t * 10; n++)); do
    curl -fsS -o /dev/null "$(cl_node_url "$i")/readyz" 2>/dev/null && return 0
    cl_node_alive "$i" || { cl_log "node$i died; log:"; tail -n 20 "$CL_DIR/node$i/log" >&2; return 1; }
    sleep 0.1
  done
  return 1
}
cl_node_stop() {
  local i=$1 p
  p=$(cl_node_pid "$i") || return 0
  [[ -n $p ]] || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  rm -f "$CL_DIR/node$i/pid"
}
cl_node_kill9() {
  local p
  p=$(cl_node_pid "$1") && [[ -n $p ]] && kill -KILL "$p" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  rm -f "$CL_DIR/node$1/pid"
}
# Resident memory of node I in KiB.
cl_node_rss() { awk '/^VmRSS/ {print $2}' "/proc/$(cl_node_pid "$1")/status" 2>/dev/null || echo 0; }

# ---- nginx ------------------------------------------------------------------------------------------
cl_nginx_start() {
  local d=$CL_DIR/nginx ups="" i
  mkdir -p "$d/tmp"
  [[ -f $d/tls.crt ]] || self_signed_cert "$d" localhost
  for i in "${CL_NODES[@]}"; do
    ups+="server 127.0.0.1:$(cl_node_port "$i") max_fails=1 fail_timeout=2s;"$'\n  '
  done
  render_template "$CL_DEPLOY/nginx/sukusuku.conf" "$d/site.conf" SERVER_NAME=localhost \
    HTTPS_PORT=$CL_HTTPS_PORT HTTP_PORT=$CL_HTTP_PORT TLS_CERT="$d/tls.crt" TLS_KEY="$d/tls.key" \
    SHARE_DIR="$CL_BUILD/share/sukusuku" ZONE=cl UPSTREAMS="$ups" \
    UNLIMITED="127.0.0.1/32 0;" STATUS_LISTEN="127.0.0.1:$CL_STATUS_PORT"
  # The cluster listens on IPv4 loopback only.
  sed -i '/listen \[::\]/d' "$d/site.conf"
  nginx_main_conf "$d" "$d/site.conf" >"$d/nginx.conf"
  nginx -q -t -p "$d" -c "$d/nginx.conf"
  nginx -p "$d" -c "$d/nginx.conf"
}
cl_nginx_stop() {
  local p
  p=$(cat "$CL_DIR/nginx/nginx.pid" 2>/dev/null) || return 0
  [[ -n $p ]] && kill -QUIT "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
}
# curl through nginx with the cluster's certificate.
cl_curl() { curl -sS --cacert "$CL_DIR/nginx/tls.crt" "$@"; }

# ---- whole cluster -----------------------------------------------------------------------------------
# cl_up: a fresh cluster (the previous one under $CL_DIR is stopped and removed).
cl_up() {
  [[ -x $CL_BIN ]] || { echo "cluster: no $CL_BIN; build first" >&2; return 1; }
  for c in nginx mariadbd curl jq openssl perl; do
    command -v "$c" >/dev/null || [[ -x /usr/sbin/$c ]] ||
      { echo "cluster: $c missing: deploy/install-deps.sh --cluster" >&2; return 1; }
  done
  cl_down
  rm -rf "$CL_DIR"
  mkdir -p "$CL_DIR"
  cl_log "MariaDB on 127.0.0.1:$CL_DB_PORT ($CL_DIR/mariadb)"
  cl_db_start
  cl_setup
  cl_log "plugins: $(grep '^plugins.enabled' "$CL_DIR/etc/sukusuku.properties" | tail -n 1)"
  cl_log "migrate (once, as the migration account) and seed the demo"
  cl_cli migrate >"$CL_DIR/migrate.log" 2>&1 || { cat "$CL_DIR/migrate.log" >&2; return 1; }
  cl_cli seed-demo >"$CL_DIR/seed.log" 2>&1 || { cat "$CL_DIR/seed.log" >&2; return 1; }
  cl_cli plugins >"$CL_DIR/plugins.txt"
  cl_cli routes >"$CL_DIR/routes.txt"
  cl_fcm_start || return 1
  local i
  for i in "${CL_NODES[@]}"; do cl_node_start "$i"; done
  for i in "${CL_NODES[@]}"; do
    cl_node_ready "$i" 60 || { echo "cluster: node$i not ready" >&2; return 1; }
  done
  cl_nginx_start
  cl_log "cluster up: $CL_URL (nodes $(for i in "${CL_NODES[@]}"; do printf '%s ' "$(cl_node_port "$i")"; done))"
}
cl_down() {
  local i
  cl_nginx_stop
  for i in "${CL_NODES[@]}"; do cl_node_stop "$i"; done
  local fcm
  fcm=$(cat "$CL_DIR/fcm.pid" 2>/dev/null) && [[ -n $fcm ]] && kill "$fcm" 2>/dev/null && rm -f "$CL_DIR/fcm.pid"
  [[ -d $CL_DIR/mariadb ]] && cl_db_stop
  return 0
}

# ---- API helpers ----------------------------------------------------------------------------------------
CL_DEMO_PASSWORD=sukusuku-demo
# cl_login BASE_URL LOGIN: prints the login response JSON (access_token, refresh_token).
cl_login() {
  curl -sS --cacert "$CL_DIR/nginx/tls.crt" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$2\",\"password\":\"$CL_DEMO_PASSWORD\"}" "$1/api/v1/auth/login"
}
# cl_status METHOD URL [curl args...]: prints the HTTP status only.
cl_status() {
  local m=$1 u=$2
  shift 2
  curl -sS --cacert "$CL_DIR/nginx/tls.crt" -o /dev/null -w '%{http_code}' -X "$m" "$@" "$u"
}
# cl_wait_ready_via_nginx SECONDS: prints how many seconds until /readyz through nginx is 200.
cl_wait_ready_via_nginx() {
  local limit=$1 start now
  start=$(date +%s.%N)
  while :; do
    if [[ $(cl_status GET "$CL_URL/readyz" --max-time 2 2>/dev/null) == 200 ]]; then
      now=$(date +%s.%N)
      awk -v a="$start" -v b="$now" 'BEGIN {printf "%.1f\n", b - a}'
      return 0
    fi
    now=$(date +%s.%N)
    if awk -v a="$start" -v b="$now" -v l="$limit" 'BEGIN {exit !(b - a > l)}'; then
      echo "never"
      return 1
    fi
    sleep 0.2
  done
}

# cl_start_for_test: a fresh cluster, or with SUKUSUKU_CLUSTER_REUSE=1 the one already running
# under $CL_DIR (started by up.sh), which is then left running.
cl_start_for_test() {
  if [[ ${SUKUSUKU_CLUSTER_REUSE:-0} == 1 ]] && [[ $(cl_status GET "$CL_URL/readyz" 2>/dev/null) == 200 ]]; then
    cl_log "reusing the running cluster in $CL_DIR"
    CL_REUSED=1
    CL_FCM_PID=$(cat "$CL_DIR/fcm.pid" 2>/dev/null)
    return 0
  fi
  CL_REUSED=0
  cl_up
}
cl_stop_after_test() { [[ ${CL_REUSED:-0} == 1 ]] || cl_down; }
