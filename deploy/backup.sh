#!/usr/bin/env bash
# A consistent backup of Sukusuku: the MariaDB database and the blob store (photos,
# attachments, generated files under data.dir/blobs), into one folder with a manifest.
#
#   deploy/backup.sh [options] OUT_DIR
#     --defaults-file FILE  MariaDB client options (user, password, host or socket);
#                           default /etc/sukusuku/backup.cnf (the sukusuku_backup account)
#     --database NAME       default sukusuku
#     --blobs DIR           the blob store folder; default /var/lib/sukusuku/blobs
#     --physical            mariabackup (hot physical copy; for large databases) instead of
#                           mariadb-dump; needs the mariadb-backup package and local access to
#                           the data folder (run it on the database server)
#     --keep N              remove all but the newest N backups in OUT_DIR (default: keep all)
#     --metrics-file FILE   on success, write sukusuku_backup_last_success_timestamp_seconds
#                           there (node_exporter's textfile collector, for the alert rule)
#
# Writes OUT_DIR/sukusuku-<UTC time>/ with
#   db.sql.gz         mariadb-dump --single-transaction: one consistent snapshot, no table locks,
#                     the app keeps serving (or physical/ with --physical)
#   blobs.tar.gz      the blob store, copied AFTER the snapshot: blobs are written before the rows
#                     that refer to them and never changed in place, so every blob the snapshot
#                     refers to is in the copy (newer ones are harmless extras)
#   manifest.txt      row count and CHECKSUM TABLE of every table (taken when the load is low:
#                     compare with a restore as a sanity check), the binlog position, sizes,
#                     sha256 of the files
# and only then a DONE marker: a folder without DONE is an interrupted backup. Exit non-zero on
# any failure. Schedule it (e.g. a systemd timer, see deploy/README.md) and copy OUT_DIR off the
# machine; with the binary log on, restore + replay gives point-in-time recovery.
set -euo pipefail
defaults=/etc/sukusuku/backup.cnf
db=sukusuku
blobs=/var/lib/sukusuku/blobs
physical=0
keep=0
metrics_file=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --defaults-file) defaults=$2; shift 2 ;;
    --database) db=$2; shift 2 ;;
    --blobs) blobs=$2; shift 2 ;;
    --physical) physical=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    --metrics-file) metrics_file=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "backup: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -eq 1 ]] || { echo "usage: deploy/backup.sh [options] OUT_DIR (--help)" >&2; exit 2; }
out_root=$1
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$out_root/sukusuku-$stamp
mkdir -p "$out"
chmod 700 "$out"
say() { echo "backup: $*" >&2; }
sql() { mariadb --defaults-file="$defaults" -N -B "$db" -e "$1"; }

started=$(date +%s)
if [[ $physical == 1 ]]; then
  command -v mariabackup >/dev/null || { say "mariabackup not installed (apt-get install mariadb-backup)"; exit 1; }
  say "mariabackup of $db into $out/physical"
  # The whole instance (a partial copy cannot start on its own); prepared, it is a data folder
  # a mariadbd can start on directly, or that `mariabackup --copy-back` puts in place.
  mariabackup --defaults-file="$defaults" --backup --target-dir="$out/physical" \
    2>"$out/mariabackup.log"
  mariabackup --prepare --target-dir="$out/physical" 2>>"$out/mariabackup.log"
else
  say "mariadb-dump --single-transaction of $db"
  extra=()
  # The binlog position of the snapshot, for point-in-time recovery, when the binlog is on.
  if [[ $(sql "SELECT @@log_bin") == 1 ]]; then extra+=(--master-data=2 --gtid); fi
  mariadb-dump --defaults-file="$defaults" --single-transaction --quick --hex-blob \
    --default-character-set=utf8mb4 --no-tablespaces --skip-lock-tables \
    "${extra[@]}" --databases "$db" 2>"$out/dump.log" | gzip -c >"$out/db.sql.gz"
  # pipefail made a dump failure fail the script; also refuse an empty or truncated dump.
  zcat "$out/db.sql.gz" | tail -n 1 | grep -q '^-- Dump completed' ||
    { say "the dump did not complete; see $out/dump.log"; exit 1; }
fi

if [[ -d $blobs ]]; then
  say "blob store $blobs"
  # Files being written are *.tmp until renamed: not part of any committed row yet.
  tar -C "$blobs" --exclude='*.tmp*' -czf "$out/blobs.tar.gz" .
else
  say "no blob store at $blobs: nothing to copy"
  tar -czf "$out/blobs.tar.gz" -T /dev/null
fi

{
  echo "# Sukusuku backup $stamp of database $db"
  echo "server $(sql 'SELECT VERSION()')"
  [[ $(sql "SELECT @@log_bin") == 1 ]] && echo "binlog $(sql 'SHOW MASTER STATUS' | awk '{print $1, $2}')"
  echo "blob_files $(tar -tzf "$out/blobs.tar.gz" | grep -vc '/$' || true)"
  for t in $(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"); do
    echo "table $t rows $(sql "SELECT COUNT(*) FROM \`$t\`") checksum $(sql "CHECKSUM TABLE \`$t\`" | awk '{print $2}')"
  done
  for f in db.sql.gz blobs.tar.gz; do
    [[ -f $out/$f ]] && (cd "$out" && sha256sum "$f" | sed 's/^/sha256 /')
  done
  echo "seconds $(( $(date +%s) - started ))"
} >"$out/manifest.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$out/DONE"
say "done: $out ($(du -sh "$out" | cut -f1))"
# (only when the collector's folder exists: a missing monitoring set-up must not fail a backup)
if [[ -n $metrics_file && -d $(dirname "$metrics_file") ]]; then
  printf '# TYPE sukusuku_backup_last_success_timestamp_seconds gauge\nsukusuku_backup_last_success_timestamp_seconds %s\n' \
    "$(date +%s)" >"$metrics_file.tmp" && mv "$metrics_file.tmp" "$metrics_file"
fi
if [[ $keep -gt 0 ]]; then
  ls -1d "$out_root"/sukusuku-* | head -n -"$keep" | xargs -r rm -rf
fi
echo "$out"
