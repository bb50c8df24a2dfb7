#!/usr/bin/env bash
# Backup and restore on the local cluster, checked by counting:
#   1. deploy/backup.sh (mariadb-dump --single-transaction + the blob store) while the write load
#      runs; restored into an EMPTY second MariaDB: a consistent snapshot (its device count lies
#      between the counts before and after the backup, no row refers to a missing user), and the
#      restored database is current for `sukusuku migrate --status`;
#   2. the same with the app nodes stopped: every table's row count and CHECKSUM TABLE equal the live
#      database's, and so do the ledger totals (SUM of every money column: amount, *_yen; the
#      fees journal when the fees plugin is built), and the blob files are byte-identical;
#   3. deploy/backup.sh --physical (mariabackup, when installed): a mariadbd started on the
#      prepared copy has the same checksums;
#   4. restore.sh refuses a database that is not empty.
#   deploy/cluster/backup-test.sh     (SUKUSUKU_CLUSTER_REUSE=1: use the cluster of up.sh)
# Exits non-zero when any check fails. Not part of ctest.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/scenarios.sh"
. "$here/fault_scenarios.sh"
trap 'cl_stop_after_test; restore_db_stop' EXIT

RESTORE_DIR=$CL_DIR/mariadb-restore
RESTORE_PORT=$((CL_BASE + 307))
rsql() { mariadb --no-defaults --socket="$RESTORE_DIR/mariadb.sock" -uroot -N -B "$@"; }
restore_db_stop() { "$CL_DEPLOY/mariadb-test.sh" stop "$RESTORE_DIR" >/dev/null 2>&1 || true; }

# table_fingerprint SQL_FN DB: "table rows checksum" of every base table, sorted.
table_fingerprint() {
  local fn=$1 db=$2 t
  for t in $($fn "$db" -e "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"); do
    echo "$t $($fn "$db" -e "SELECT COUNT(*) FROM \`$t\`") $($fn "$db" -e "CHECKSUM TABLE \`$t\`" | awk '{print $2}')"
  done
}
# money_totals SQL_FN DB: "table.column SUM" for every money column (amount, amount_yen, *_yen).
money_totals() {
  local fn=$1 db=$2 t c
  $fn "$db" -e "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND (column_name = 'amount' OR column_name LIKE '%\\_yen') ORDER BY 1, 2" |
    while read -r t c; do echo "$t.$c $($fn "$db" -e "SELECT COALESCE(SUM(\`$c\`), 0) FROM \`$t\`")"; done
}
live() { local db=$1; shift; mariadb --no-defaults --socket="$CL_DIR/mariadb/mariadb.sock" -uroot -N -B "$db" "$@"; }
restored() { local db=$1; shift; rsql "$db" "$@"; }

cl_start_for_test || { echo "cluster did not start" >&2; exit 1; }
blobs=$CL_DIR/data/blobs
rm -rf "$CL_DIR"/restore[0-9] "$CL_DIR/backups"
mkdir -p "$blobs/backup-test"
# Blob store content as the app writes it (photos land here once the photos plugin is built).
for n in $(seq 1 20); do head -c $((n * 1000)) /dev/urandom >"$blobs/backup-test/$n.bin"; done

echo "== empty second MariaDB on 127.0.0.1:$RESTORE_PORT"
restore_db_stop
rm -rf "$RESTORE_DIR"
SUKUSUKU_MARIADB_PORT=$RESTORE_PORT "$CL_DEPLOY/mariadb-test.sh" start "$RESTORE_DIR" >/dev/null ||
  { fail "restore server did not start"; summary; exit 1; }

root_cnf=$CL_DIR/etc/restore-root.cnf
printf '[client]\nuser=root\nsocket=%s\n' "$RESTORE_DIR/mariadb.sock" >"$root_cnf"

echo "== 1. backup under write load"
load_start backup-load
sleep 4
before=$(cl_sql "SELECT COUNT(*) FROM devices")
b1=$("$CL_DEPLOY/backup.sh" --defaults-file "$CL_DIR/etc/backup.cnf" --blobs "$blobs" "$CL_DIR/backups" 2>"$CL_DIR/backup1.log" | tail -n 1)
after=$(cl_sql "SELECT COUNT(*) FROM devices")
sleep 2
load_stop backup-load
check "backup under load completed ($b1)" test -f "$b1/DONE"
if "$CL_DEPLOY/restore.sh" --defaults-file "$root_cnf" --database under_load --blobs "$CL_DIR/restore1/blobs" --no-verify "$b1" 2>"$CL_DIR/restore1.log"; then
  pass "restore of the backup taken under load"
  got=$(rsql under_load -e "SELECT COUNT(*) FROM devices")
  check "restored devices ($got) between the counts before ($before) and after ($after) the backup" \
    test "$got" -ge "$before" -a "$got" -le "$after"
  expect_eq "restored: no device refers to a missing user" 0 \
    "$(rsql under_load -e "SELECT COUNT(*) FROM devices d LEFT JOIN users u ON u.id = d.user_id WHERE u.id IS NULL")"
  # The restored database is what the binaries expect.
  status=$(SUKUSUKU_DB_URL="mysql://root@127.0.0.1:$RESTORE_PORT/under_load" SUKUSUKU_CONFIG=$CL_DIR/etc/sukusuku.properties \
    "$CL_BIN" migrate --status 2>&1 | tail -n 1)
  expect_eq "restored database: sukusuku migrate --status" "database is current" "$status"
else
  fail "restore of the backup taken under load: $(tail -n 3 "$CL_DIR/restore1.log")"
fi

echo "== 2. backup at rest: everything equal"
# At rest: the app nodes stopped (their periodic jobs write too), as in a maintenance window.
for i in "${CL_NODES[@]}"; do cl_node_stop "$i"; done
b2=$("$CL_DEPLOY/backup.sh" --defaults-file "$CL_DIR/etc/backup.cnf" --blobs "$blobs" "$CL_DIR/backups" 2>"$CL_DIR/backup2.log" | tail -n 1)
check "backup at rest completed" test -f "$b2/DONE"
if "$CL_DEPLOY/restore.sh" --defaults-file "$root_cnf" --database at_rest --blobs "$CL_DIR/restore2/blobs" "$b2" 2>"$CL_DIR/restore2.log"; then
  pass "restore into an empty instance verified against the manifest (rows + checksums, blobs)"
  table_fingerprint live "$CL_DB_NAME" >"$CL_DIR/fp-live.txt"
  table_fingerprint restored at_rest >"$CL_DIR/fp-restored.txt"
  check "every table: rows and CHECKSUM TABLE equal live ($(wc -l <"$CL_DIR/fp-live.txt") tables, $(awk '{s += $2} END {print s}' "$CL_DIR/fp-live.txt") rows)" \
    diff "$CL_DIR/fp-live.txt" "$CL_DIR/fp-restored.txt"
  money_totals live "$CL_DB_NAME" >"$CL_DIR/money-live.txt"
  money_totals restored at_rest >"$CL_DIR/money-restored.txt"
  if [[ -s $CL_DIR/money-live.txt ]]; then
    check "ledger totals equal live ($(tr '\n' ' ' <"$CL_DIR/money-live.txt"))" diff "$CL_DIR/money-live.txt" "$CL_DIR/money-restored.txt"
  else
    skip "ledger totals: no money column in this build (fees plugin not built)"
  fi
  check "blob files byte-identical" diff -r "$blobs" "$CL_DIR/restore2/blobs"
else
  fail "restore at rest: $(tail -n 3 "$CL_DIR/restore2.log")"
fi

echo "== 3. physical backup (mariabackup)"
if command -v mariabackup >/dev/null; then
  # mariabackup reads the data files: root's account on the socket (as on the database server).
  phys_cnf=$CL_DIR/etc/physical.cnf
  printf '[client]\nuser=root\nsocket=%s\n[mariabackup]\ndatadir=%s\n' "$CL_DIR/mariadb/mariadb.sock" "$CL_DIR/mariadb" >"$phys_cnf"
  b3=$("$CL_DEPLOY/backup.sh" --physical --defaults-file "$phys_cnf" --blobs "$blobs" "$CL_DIR/backups" 2>"$CL_DIR/backup3.log" | tail -n 1)
  if [[ -f $b3/DONE ]]; then
    pass "physical backup completed"
    # The prepared copy is a data folder: start a server on it.
    restore_db_stop
    rm -rf "$RESTORE_DIR"
    cp -a "$b3/physical" "$RESTORE_DIR"
    if SUKUSUKU_MARIADB_PORT=$RESTORE_PORT "$CL_DEPLOY/mariadb-test.sh" start "$RESTORE_DIR" >/dev/null 2>&1; then
      table_fingerprint live "$CL_DB_NAME" >"$CL_DIR/fp-live.txt"
      table_fingerprint restored "$CL_DB_NAME" >"$CL_DIR/fp-physical.txt"
      check "physical copy: every table's rows and checksum equal live" diff "$CL_DIR/fp-live.txt" "$CL_DIR/fp-physical.txt"
    else
      fail "mariadbd did not start on the prepared physical copy"
    fi
  else
    fail "physical backup: $(tail -n 3 "$CL_DIR/backup3.log")"
  fi
else
  skip "physical backup: mariabackup not installed (apt-get install mariadb-backup)"
fi

for i in "${CL_NODES[@]}"; do cl_node_start "$i"; done
for i in "${CL_NODES[@]}"; do cl_node_ready "$i" 60 || fail "node$i did not restart after the backups"; done

echo "== 4. restore refuses a non-empty target"
rsql -e "CREATE DATABASE IF NOT EXISTS refuse_me; CREATE TABLE IF NOT EXISTS refuse_me.t (id INT)"
if "$CL_DEPLOY/restore.sh" --defaults-file "$root_cnf" --database refuse_me --blobs "$CL_DIR/restore3/blobs" "$b2" 2>"$CL_DIR/restore3.log"; then
  fail "restore over a non-empty database was accepted"
else
  check "restore over a non-empty database refused" grep -q 'only into an empty' "$CL_DIR/restore3.log"
fi
summary
