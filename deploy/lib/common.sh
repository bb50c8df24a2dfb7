# shellcheck shell=bash
# Shell helpers shared by deploy/debian/install.sh and the deploy/cluster scripts. Sourced, not run.

# render_template SRC DST NAME=VALUE...: copies SRC to DST replacing every @NAME@ by VALUE
# (values may span lines). Fails when a placeholder is left without a value.
render_template() {
  local src=$1 dst=$2
  shift 2
  local kv
  for kv in "$@"; do export "R_${kv%%=*}=${kv#*=}"; done
  perl -pe 's/\@([A-Z_]+)\@/exists $ENV{"R_$1"} ? $ENV{"R_$1"} : $&/ge' "$src" >"$dst"
  for kv in "$@"; do unset "R_${kv%%=*}"; done
  if grep -nE '@[A-Z_]+@' "$dst" >&2; then
    echo "render_template: placeholders left in $dst (from $src)" >&2
    return 1
  fi
}

# A random password safe inside a URL, a properties file and SQL quotes: 48 hex digits.
gen_password() { openssl rand -hex 24; }

# gen_jwt_keys FILE: a key ring with one HS256 key (256 random bits, base64url), the format of
# auth.jwt.keys_file. Every app node must read the same file: a token signed by one node is
# checked by another. Created 0600 before the secret is written.
gen_jwt_keys() {
  local file=$1 secret kid
  secret=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
  kid="hs-$(date -u +%Y%m%d)-$(openssl rand -hex 3)"
  (umask 077 && printf '[\n  {"kid": "%s", "alg": "HS256", "secret": "%s"}\n]\n' "$kid" "$secret" >"$file")
}

# nginx_main_conf PREFIX SITE...: prints an nginx.conf that keeps everything (pid, logs, temp
# files) under PREFIX, runs as the current user and includes the given rendered site files, so
# that nginx can run (or be checked with nginx -t -c) without touching /etc/nginx or /var.
nginx_main_conf() {
  local prefix=$1
  shift
  local user_line=""
  [[ $(id -u) -eq 0 ]] && user_line="user $(id -un);"
  cat <<CONF
$user_line
worker_processes 2;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30s;
  access_log $prefix/access.log;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  gzip on;
  gzip_types application/json text/css text/javascript image/svg+xml;
$(for s in "$@"; do echo "  include $s;"; done)
}
CONF
}

# self_signed_cert DIR NAME: DIR/tls.crt and DIR/tls.key for NAME (and 127.0.0.1), 2 days.
self_signed_cert() {
  local dir=$1 name=$2
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$name" \
    -addext "subjectAltName=DNS:$name,IP:127.0.0.1" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
}
