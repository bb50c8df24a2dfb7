#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh into an EMPTY database and blob folder, then checks
# it against the backup's manifest (row counts of every table and the blob file count).
#
#   deploy/restore.sh [options] BACKUP_DIR
#     --defaults-file FILE  MariaDB client options of an account that may create the database
#                           (the administrator; default: the client's own defaults)
#     --database NAME       database to create; default sukusuku. Refused if it has tables.
#     --blobs DIR           blob store folder to fill; default /var/lib/sukusuku/blobs. Refused
#                           if it has files.
#     --no-verify           skip the comparison with the manifest (a restore of a backup taken
#                           under write load differs from the counts taken after it)
#
# Stop the app (systemctl stop sukusuku) before restoring over a live installation's place; run
# `sukusuku migrate` afterwards if the binaries are newer than the backup.
set -euo pipefail
defaults=""
db=sukusuku
blobs=/var/lib/sukusuku/blobs
verify=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --defaults-file) defaults=$2; shift 2 ;;
    --database) db=$2; shift 2 ;;
    --blobs) blobs=$2; shift 2 ;;
    --no-verify) verify=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "restore: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -eq 1 ]] || { echo "usage: deploy/restore.sh [options] BACKUP_DIR (--help)" >&2; exit 2; }
src=$1
say() { echo "restore: $*" >&2; }
client=(mariadb)
[[ -n $defaults ]] && client=(mariadb --defaults-file="$defaults")

[[ -f $src/DONE ]] || { say "$src has no DONE marker: an interrupted backup"; exit 1; }
[[ -f $src/db.sql.gz ]] || { say "$src has no db.sql.gz (physical backups: mariabackup --copy-back, see deploy/README.md)"; exit 1; }
(cd "$src" && grep '^sha256 ' manifest.txt | sed 's/^sha256 //' | sha256sum -c --quiet -) ||
  { say "checksums of $src do not match its manifest"; exit 1; }

tables=$("${client[@]}" -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$db'")
[[ $tables == 0 ]] || { say "database $db already has $tables tables: restore only into an empty one"; exit 1; }
if [[ -d $blobs ]] && [[ -n $(find "$blobs" -type f -print -quit) ]]; then
  say "$blobs already has files: restore only into an empty blob store"; exit 1
fi

say "database $db from $src/db.sql.gz"
"${client[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
# The dump names its database (--databases); load it under the requested name.
orig=$(zcat "$src/db.sql.gz" | sed -n 's/^CREATE DATABASE .*`\([^`]*\)`.*/\1/p' | head -n 1)
zcat "$src/db.sql.gz" |
  sed -e "s/^CREATE DATABASE \(.*\)\`$orig\`/CREATE DATABASE \1\`$db\`/" -e "s/^USE \`$orig\`;/USE \`$db\`;/" |
  "${client[@]}"
say "blob store into $blobs"
mkdir -p "$blobs"
tar -C "$blobs" -xzf "$src/blobs.tar.gz"

if [[ $verify == 1 ]]; then
  bad=0
  while read -r _ t _ rows _ sum; do
    got=$("${client[@]}" -N -B "$db" -e "SELECT COUNT(*) FROM \`$t\`")
    gotsum=$("${client[@]}" -N -B "$db" -e "CHECKSUM TABLE \`$t\`" | awk '{print $2}')
    if [[ $got != "$rows" || $gotsum != "$sum" ]]; then
      say "table $t: $got rows (checksum $gotsum), manifest says $rows ($sum)"
      bad=1
    fi
  done < <(grep '^table ' "$src/manifest.txt")
  files=$(find "$blobs" -type f | wc -l)
  want=$(sed -n 's/^blob_files //p' "$src/manifest.txt")
  [[ $files == "$want" ]] || { say "blob store: $files files, manifest says $want"; bad=1; }
  [[ $bad == 0 ]] || { say "the restore does not match the manifest"; exit 1; }
  say "verified: every table's rows and checksum, $files blob files"
fi
say "restored $src"
