#!/usr/bin/env bash
# Writes what deploy/docker/compose.yaml mounts from the host, once, into DIR (default
# /etc/sukusuku): the configuration, random passwords in 0600 env files, the JWT key ring, the
# rendered MariaDB set-up SQL and nginx site (app nodes reached as app:8080), a self-signed
# certificate in DIR/tls until a real one replaces it. Existing files are kept.
#   deploy/docker/prepare.sh [DIR] [SERVER_NAME]
set -euo pipefail
deploy=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$deploy/lib/common.sh"
dir=${1:-/etc/sukusuku}
name=${2:-$(hostname -f 2>/dev/null || hostname)}
install -d -m 0750 "$dir" "$dir/tls"
umask 077
if [[ ! -f $dir/sukusuku.env ]]; then
  app=$(gen_password) mig=$(gen_password) bak=$(gen_password)
  echo "SUKUSUKU_DB_URL=mysql://sukusuku_app:$app@mariadb:3306/sukusuku" >"$dir/sukusuku.env"
  echo "SUKUSUKU_DB_URL=mysql://sukusuku_migrate:$mig@mariadb:3306/sukusuku" >"$dir/migrate.env"
  gen_password >"$dir/mariadb-root-password"
  # The app connects from other containers: '%' (the compose network is private).
  render_template "$deploy/mariadb/setup.sql" "$dir/setup.sql" DB_NAME=sukusuku APP_HOST=% \
    APP_PASSWORD="$app" MIGRATE_PASSWORD="$mig" BACKUP_PASSWORD="$bak"
  chmod 0644 "$dir/setup.sql"   # read by the mariadb container's entrypoint once
fi
[[ -f $dir/jwt-keys.json ]] || gen_jwt_keys "$dir/jwt-keys.json"
[[ -f $dir/sukusuku.properties ]] || cp "$deploy/config/sukusuku.properties" "$dir/sukusuku.properties"
[[ -f $dir/tls/tls.crt ]] || self_signed_cert "$dir/tls" "$name"
render_template "$deploy/nginx/sukusuku.conf" "$dir/nginx-site.conf" SERVER_NAME="$name" \
  HTTPS_PORT=443 HTTP_PORT=80 TLS_CERT=/etc/sukusuku/tls/tls.crt TLS_KEY=/etc/sukusuku/tls/tls.key \
  SHARE_DIR=/opt/sukusuku/current/share/sukusuku ZONE=sukusuku UNLIMITED="" \
  UPSTREAMS="server app:8080 max_fails=1 fail_timeout=2s;"
# The container user (uid 990, see the Dockerfile) owns its key ring; the server wants it 0600.
chown 990:990 "$dir/jwt-keys.json" && chmod 0600 "$dir/jwt-keys.json"
chmod 0644 "$dir/sukusuku.properties" "$dir/nginx-site.conf"
echo "prepared $dir"
