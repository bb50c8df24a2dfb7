#!/usr/bin/env bash
# Checks the production set-up without installing it: runs install.sh --root into a temporary
# folder, then `nginx -t` on the rendered site (inside a generated nginx.conf, with a throw-away
# certificate), `systemd-analyze verify` and `systemd-analyze security` on the units, and
# `my_print_defaults` on the MariaDB snippet. Exits non-zero on the first problem.
#   deploy/debian/check.sh [BUILD_DIR]
set -euo pipefail
deploy=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(cd "$deploy/.." && pwd)
build=${1:-$repo/build}
. "$deploy/lib/common.sh"
tmp=$(mktemp -d /tmp/sukusuku-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== install.sh --root $tmp/root"
self_signed_cert "$tmp" sukusuku.example.jp
"$deploy/debian/install.sh" --build "$build" --root "$tmp/root" --server-name sukusuku.example.jp \
  --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key"
r=$tmp/root
for f in etc/sukusuku/sukusuku.properties etc/sukusuku/sukusuku.env etc/sukusuku/migrate.env \
         etc/sukusuku/jwt-keys.json opt/sukusuku/current/bin/sukusuku \
         etc/systemd/system/sukusuku.service etc/systemd/system/sukusuku-migrate.service \
         etc/nginx/sites-enabled/sukusuku; do
  [[ -e $r/$f ]] || { echo "check: missing $f" >&2; exit 1; }
done
for f in sukusuku.env migrate.env backup.cnf jwt-keys.json; do
  mode=$(stat -c %a "$r/etc/sukusuku/$f")
  [[ $mode == 600 ]] || { echo "check: $f has mode $mode, not 600" >&2; exit 1; }
done
# The installed tree runs from its new place and sees its resources; the generated key ring loads.
"$r/opt/sukusuku/current/bin/sukusuku" --config "$r/etc/sukusuku/sukusuku.properties" \
  --set plugins.enabled= --set data.dir="$tmp/data" --set db.url="sqlite:$tmp/data/check.db" \
  --set auth.jwt.keys_file="$r/etc/sukusuku/jwt-keys.json" migrate >/dev/null
echo "installed binary migrates a fresh database: ok"

echo "== nginx -t"
mkdir -p "$tmp/nginx/tmp"
# The rendered site points at /opt/sukusuku/current/share: point it at the --root copy.
sed "s#/opt/sukusuku/current#$r/opt/sukusuku/current#g" "$r/etc/nginx/sites-available/sukusuku" >"$tmp/nginx/site.conf"
nginx_main_conf "$tmp/nginx" "$tmp/nginx/site.conf" >"$tmp/nginx/nginx.conf"
nginx -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
echo "nginx site: ok"

echo "== systemd-analyze"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$tmp/units"
  for u in "$r"/etc/systemd/system/*.service; do
    # verify wants the executable to exist: point it at the --root copy.
    sed "s#/opt/sukusuku/current#$r/opt/sukusuku/current#g" "$u" >"$tmp/units/$(basename "$u")"
  done
  cp "$r"/etc/systemd/system/*.timer "$tmp/units/"
  (cd "$tmp/units" && systemd-analyze verify --man=no ./*.service ./*.timer)
  (cd "$tmp/units" && systemd-analyze security --offline=yes --threshold=30 ./sukusuku.service | tail -n 1)
  echo "systemd units: ok"
else
  echo "systemd-analyze not installed: SKIPPED"
fi

echo "== MariaDB snippet"
my_print_defaults --defaults-file="$deploy/mariadb/60-sukusuku.cnf" mariadbd | grep -q utf8mb4_bin
echo "mariadb cnf: ok"
echo "check: all good"
