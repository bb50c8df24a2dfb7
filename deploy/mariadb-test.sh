#!/usr/bin/env bash
# A private MariaDB server for the storage tests.
#
#   deploy/mariadb-test.sh [start] [DIR]   start (or find running) and print the export line
#   deploy/mariadb-test.sh stop [DIR]      stop it
#   deploy/mariadb-test.sh status [DIR]    exit 0 when running
#
# It is not the system service: it reads no /etc/mysql configuration (--no-defaults), keeps
# everything in DIR (default /tmp/sukusuku-mariadb-$UID: data, socket, pid file, error log) and
# listens on 127.0.0.1 only, port $SUKUSUKU_MARIADB_PORT (default 3307). A new DIR is initialised
# with mariadb-install-db. Tests log in as root@127.0.0.1 without a password: acceptable only
# because the server is private to this machine's loopback and holds nothing but test databases.
#
# Server settings favour test speed and backend parity: innodb_flush_log_at_trx_commit=2 (no fsync
# per commit), utf8mb4 with the utf8mb4_bin collation (byte-wise comparison, like SQLite, so that
# unique keys on kana or case-differing names behave the same on both backends), 500 connections.
#   SUKUSUKU_MARIADB_ARGS adds server options (later ones win), e.g. for the benchmarks:
#   "--innodb-buffer-pool-size=4G --innodb-log-file-size=1G" as deploy/mariadb/60-sukusuku.cnf has.
#
# Safe to run as root (CI): the server then runs with --user=root inside its own directory.
set -euo pipefail

cmd=start
case "${1:-}" in
  start|stop|status) cmd=$1; shift ;;
esac
dir=${1:-/tmp/sukusuku-mariadb-$(id -u)}
port=${SUKUSUKU_MARIADB_PORT:-3307}
sock=$dir/mariadb.sock
pidfile=$dir/mariadb.pid
log=$dir/error.log

mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[[ -x $mariadbd ]] || { echo "mariadb-test: mariadbd not found (apt-get install mariadb-server)" >&2; exit 1; }

user_args=()
if [[ $(id -u) -eq 0 ]]; then user_args=(--user=root); fi

admin() { mariadb-admin --no-defaults --socket="$sock" -uroot "$@"; }
client() { mariadb --no-defaults --socket="$sock" -uroot "$@"; }

running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

print_export() {
  echo "export SUKUSUKU_TEST_MYSQL=mysql://root@127.0.0.1:${port}/"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    echo "mariadb-test: not running ($dir)" >&2
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { echo "mariadb-test: stopped" >&2; return 0; }
    sleep 0.5
  done
  echo "mariadb-test: server $pid did not stop within 30s" >&2
  return 1
}

start() {
  if running_pid >/dev/null && admin ping >/dev/null 2>&1; then
    print_export
    return 0
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [[ ! -d $dir/mysql ]]; then
    echo "mariadb-test: initialising $dir" >&2
    mariadb-install-db --no-defaults --datadir="$dir" "${user_args[@]}" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  fi
  rm -f "$pidfile" "$sock"
  # setsid: the server must outlive this script and the CI step that ran it.
  setsid "$mariadbd" --no-defaults "${user_args[@]}" \
    --datadir="$dir" --socket="$sock" --pid-file="$pidfile" --log-error="$log" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
    --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M \
    --innodb-lock-wait-timeout=20 \
    --max-connections=500 --skip-log-bin ${SUKUSUKU_MARIADB_ARGS:-} \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    if admin ping >/dev/null 2>&1; then
      # The test login: root over TCP from loopback, no password, all privileges.
      client -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
                 GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
      print_export
      return 0
    fi
    sleep 0.5
  done
  echo "mariadb-test: server did not become ready within 30s; log $log:" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}

case $cmd in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && admin ping >/dev/null 2>&1 ;;
esac
