#!/usr/bin/env bash
# Installs Sukusuku on a Debian 12 server: packages, the dedicated user, folders, the built
# binaries, configuration and secrets under /etc/sukusuku, the systemd units, the nginx site and
# (with --local-db) MariaDB with its database and least-privilege accounts.
#
#   deploy/debian/install.sh [options]
#     --build DIR         built tree to install (default: <repo>/build; build it first with
#                         cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUKUSUKU_BUILD_TESTS=OFF && cmake --build build)
#     --server-name NAME  public host name for nginx (default: the machine's FQDN)
#     --tls-cert FILE --tls-key FILE
#                         certificate chain and key (default: Debian's snakeoil pair, replace it)
#     --local-db          install MariaDB on this machine, create the database and accounts
#     --db-host HOST      the MariaDB server the app reaches (default 127.0.0.1; with a remote
#                         server, run deploy/mariadb/setup.sql there by hand)
#     --app-host PATTERN  where app nodes connect from, for the MariaDB accounts (default localhost)
#     --no-nginx          leave nginx alone (another host terminates TLS)
#     --no-start          install and enable, but start nothing
#     --root DIR          write everything under DIR instead of / and touch nothing else: no
#                         packages, users, services or database (to review what would be
#                         installed; deploy/debian/check.sh uses it)
#
# Idempotent: re-running upgrades the binaries (a new release folder, /opt/sukusuku/current
# switched atomically) and keeps configuration, secrets and data. Upgrading with migrations
# without downtime: deploy/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(cd "$here/.." && pwd)
repo=$(cd "$deploy/.." && pwd)
# shellcheck source=../lib/common.sh
. "$deploy/lib/common.sh"

build=$repo/build
server_name=$(hostname -f 2>/dev/null || hostname)
tls_cert=/etc/ssl/certs/ssl-cert-snakeoil.pem
tls_key=/etc/ssl/private/ssl-cert-snakeoil.key
local_db=0
db_host=127.0.0.1
app_host=localhost
with_nginx=1
start=1
root=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --server-name) server_name=$2; shift 2 ;;
    --tls-cert) tls_cert=$2; shift 2 ;;
    --tls-key) tls_key=$2; shift 2 ;;
    --local-db) local_db=1; shift ;;
    --db-host) db_host=$2; shift 2 ;;
    --app-host) app_host=$2; shift 2 ;;
    --no-nginx) with_nginx=0; shift ;;
    --no-start) start=0; shift ;;
    --root) root=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "install: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

say() { echo "install: $*"; }
real() { [[ -z $root ]]; }   # touching the real system?
[[ -x $build/bin/sukusuku ]] || { echo "install: no $build/bin/sukusuku; build first (see --help)" >&2; exit 1; }
if real && [[ $(id -u) -ne 0 ]]; then echo "install: run as root (or with --root DIR)" >&2; exit 1; fi

prefix=$root/opt/sukusuku
etc=$root/etc/sukusuku
state=$root/var/lib/sukusuku
units=$root/etc/systemd/system

# ---- packages ---------------------------------------------------------------------------------
# The run-time libraries of the binaries (the -dev packages are only needed to build), the
# snakeoil certificate until a real one is given, nginx, and MariaDB when it lives here.
runtime_pkgs=(
  ca-certificates openssl ssl-cert
  libpocofoundation80 libpoconet80 libpoconetssl80 libpocoutil80 libpococrypto80
  libpocojson80 libpocoxml80 libmysqlcppconn7v5 libsqlite3-0 libsodium23 libcurl4
  libvips42 libxlsxwriter4
)
[[ $with_nginx == 1 ]] && runtime_pkgs+=(nginx-light prometheus-nginx-exporter)
[[ $local_db == 1 ]] && runtime_pkgs+=(mariadb-server mariadb-client mariadb-backup)
if real; then
  missing=()
  for p in "${runtime_pkgs[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# ---- user and folders ---------------------------------------------------------------------------
if real && ! id sukusuku >/dev/null 2>&1; then
  say "creating system user sukusuku"
  useradd --system --user-group --home-dir /var/lib/sukusuku --no-create-home \
    --shell /usr/sbin/nologin --comment "Sukusuku application server" sukusuku
fi
install -d -m 0755 "$prefix" "$prefix/releases" "$units"
install -d -m 0750 "$etc" "$state" "$state/blobs"
if real; then
  chown root:sukusuku "$etc"
  chown sukusuku:sukusuku "$state" "$state/blobs"
fi

# ---- binaries: a new release folder, then one symlink switch ------------------------------------
release=$(date -u +%Y%m%dT%H%M%SZ)
if git -C "$repo" rev-parse --short HEAD >/dev/null 2>&1; then
  release+="-$(git -C "$repo" rev-parse --short HEAD)"
fi
dest=$prefix/releases/$release
say "installing $build into $dest"
install -d -m 0755 "$dest/bin" "$dest/lib/sukusuku/plugins" "$dest/share/sukusuku" "$dest/share/doc/sukusuku"
for b in "$build"/bin/sukusuku "$build"/bin/sukusuku-*; do
  [[ -x $b ]] && install -m 0755 "$b" "$dest/bin/"
done
cp -a "$build"/lib/*.so* "$dest/lib/" 2>/dev/null || true
# Shipped plugins only: test fixtures (testplugin) stay out of production.
for p in "$build"/lib/sukusuku/plugins/libsukusuku_*.so; do
  [[ -e $p ]] || continue
  [[ $(basename "$p") == libsukusuku_testplugin.so ]] && continue
  install -m 0644 "$p" "$dest/lib/sukusuku/plugins/"
done
cp -a "$build"/share/sukusuku/. "$dest/share/sukusuku/"
rm -rf "$dest/share/sukusuku/testplugin"
install -m 0644 "$deploy/README.md" "$dest/share/doc/sukusuku/README.md" 2>/dev/null || true
# The backup and restore scripts travel with the release (sukusuku-backup.service runs them).
install -d -m 0755 "$dest/share/sukusuku-deploy"
install -m 0755 "$deploy/backup.sh" "$deploy/restore.sh" "$dest/share/sukusuku-deploy/"
ln -sfn "releases/$release" "$prefix/current.new"
mv -T "$prefix/current.new" "$prefix/current"
# Keep the last five releases for rollback (ln -sfn releases/<old> /opt/sukusuku/current).
ls -1d "$prefix"/releases/* | head -n -5 | xargs -r rm -rf

# ---- configuration and secrets (created once, never overwritten) --------------------------------
app_password="" migrate_password="" backup_password=""
if [[ ! -f $etc/sukusuku.properties ]]; then
  install -m 0640 "$deploy/config/sukusuku.properties" "$etc/sukusuku.properties"
  say "wrote $etc/sukusuku.properties (edit plugins.enabled and the rest to taste)"
fi
if [[ ! -f $etc/sukusuku.env ]]; then
  app_password=$(gen_password)
  (umask 077 && render_template "$deploy/config/sukusuku.env" "$etc/sukusuku.env" \
    APP_PASSWORD="$app_password")
  sed -i "s#@127.0.0.1:3306/#@$db_host:3306/#" "$etc/sukusuku.env"
  say "wrote $etc/sukusuku.env (0600: the app's database password)"
fi
if [[ ! -f $etc/migrate.env ]]; then
  migrate_password=$(gen_password)
  (umask 077 && render_template "$deploy/config/migrate.env" "$etc/migrate.env" \
    MIGRATE_PASSWORD="$migrate_password")
  sed -i "s#@127.0.0.1:3306/#@$db_host:3306/#" "$etc/migrate.env"
  say "wrote $etc/migrate.env (0600: the schema owner's database password)"
fi
if [[ ! -f $etc/backup.cnf ]]; then
  backup_password=$(gen_password)
  (umask 077 && printf '[client]\nuser=sukusuku_backup\npassword=%s\nhost=localhost\n' \
    "$backup_password" >"$etc/backup.cnf")
fi
if [[ ! -f $etc/jwt-keys.json ]]; then
  gen_jwt_keys "$etc/jwt-keys.json"
  say "wrote $etc/jwt-keys.json: copy this same file to every app node"
fi
# The env files are read by systemd (as root) before it drops to the sukusuku user; the key
# ring is read by the server itself, which insists on 0600.
chmod 0600 "$etc/sukusuku.env" "$etc/migrate.env" "$etc/backup.cnf" "$etc/jwt-keys.json"
chmod 0640 "$etc/sukusuku.properties"
real && chown root:sukusuku "$etc/sukusuku.properties" && chown sukusuku:sukusuku "$etc/jwt-keys.json"

# ---- MariaDB --------------------------------------------------------------------------------------
if [[ $local_db == 1 ]] && real; then
  install -m 0644 "$deploy/mariadb/60-sukusuku.cnf" /etc/mysql/mariadb.conf.d/60-sukusuku.cnf
  # The buffer pool: half the memory of a machine that also runs the app and nginx.
  mem_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  sed -i "s/^innodb_buffer_pool_size .*/innodb_buffer_pool_size   = $((mem_mb / 2))M/" \
    /etc/mysql/mariadb.conf.d/60-sukusuku.cnf
  systemctl enable mariadb >/dev/null
  systemctl restart mariadb
  if [[ -n $app_password$migrate_password$backup_password ]]; then
    # Passwords are known only when this run created them; otherwise the accounts stay as they are.
    [[ -n $app_password ]] || app_password=$(sed -n 's#.*://sukusuku_app:\([^@]*\)@.*#\1#p' "$etc/sukusuku.env")
    [[ -n $migrate_password ]] || migrate_password=$(sed -n 's#.*://sukusuku_migrate:\([^@]*\)@.*#\1#p' "$etc/migrate.env")
    [[ -n $backup_password ]] || backup_password=$(sed -n 's#^password=##p' "$etc/backup.cnf")
    sql=$(mktemp)
    render_template "$deploy/mariadb/setup.sql" "$sql" DB_NAME=sukusuku APP_HOST="$app_host" \
      APP_PASSWORD="$app_password" MIGRATE_PASSWORD="$migrate_password" \
      BACKUP_PASSWORD="$backup_password"
    mariadb <"$sql"
    rm -f "$sql"
    say "database sukusuku and accounts sukusuku_app, sukusuku_migrate, sukusuku_backup ready"
  fi
fi

# ---- systemd ---------------------------------------------------------------------------------------
for u in sukusuku.service sukusuku-migrate.service sukusuku-backup.service sukusuku-backup.timer; do
  install -m 0644 "$deploy/systemd/$u" "$units/$u"
done

# ---- nginx -------------------------------------------------------------------------------------------
if [[ $with_nginx == 1 ]]; then
  install -d -m 0755 "$root/etc/nginx/sites-available" "$root/etc/nginx/sites-enabled"
  render_template "$deploy/nginx/sukusuku.conf" "$root/etc/nginx/sites-available/sukusuku" \
    SERVER_NAME="$server_name" HTTPS_PORT=443 HTTP_PORT=80 TLS_CERT="$tls_cert" TLS_KEY="$tls_key" \
    SHARE_DIR=/opt/sukusuku/current/share/sukusuku ZONE=sukusuku UNLIMITED="" \
    STATUS_LISTEN=127.0.0.1:8081 \
    UPSTREAMS="server 127.0.0.1:8080 max_fails=1 fail_timeout=2s;"
  ln -sfn ../sites-available/sukusuku "$root/etc/nginx/sites-enabled/sukusuku"
  rm -f "$root/etc/nginx/sites-enabled/default"
  # nginx-prometheus-exporter (0.11, Debian) reads the private stub_status server of the site.
  install -d -m 0755 "$root/etc/default"
  printf '%s\n' '# Written by Sukusuku deploy/debian/install.sh' \
    'ARGS="-nginx.scrape-uri=http://127.0.0.1:8081/nginx_status -web.listen-address=:9113"' \
    >"$root/etc/default/prometheus-nginx-exporter"
fi

if ! real; then
  say "files written under $root; nothing else touched"
  exit 0
fi

systemctl daemon-reload
systemctl enable sukusuku.service >/dev/null
# Backups where the database is.
if [[ $local_db == 1 ]]; then
  install -d -m 0700 /var/backups/sukusuku
  systemctl enable --now sukusuku-backup.timer >/dev/null
fi
if [[ $start == 1 ]]; then
  # restart, not start: an upgrade runs the new release's migrations, then the new binary.
  systemctl restart sukusuku.service
  if [[ $with_nginx == 1 ]]; then nginx -t -q && systemctl reload-or-restart nginx; fi
  if [[ $with_nginx == 1 ]]; then systemctl restart prometheus-nginx-exporter || say "warning: prometheus-nginx-exporter did not start"; fi
  for _ in $(seq 1 30); do
    if curl -fsS http://127.0.0.1:8080/readyz >/dev/null 2>&1; then
      say "ready: https://$server_name/  (logs: journalctl -u sukusuku -f)"
      exit 0
    fi
    sleep 1
  done
  echo "install: the service did not become ready; see journalctl -u sukusuku -u sukusuku-migrate" >&2
  exit 1
fi
say "installed; start with systemctl start sukusuku"
