#!/usr/bin/env bash
# The two commands of the README.
#   deploy/dev.sh run    install what is missing, build, and serve the demo on 127.0.0.1:8080
#   deploy/dev.sh test   install what is missing, build, and run every test (SQLite and MariaDB)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
jobs=${SUKUSUKU_JOBS:-$(nproc)}

configure_and_build() {
  # ccache, when the machine has it, makes rebuilds in fresh build folders cheap.
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
  cmake --build "$build" -j "$jobs"
}

case "${1:-}" in
  run)
    "$root/deploy/install-deps.sh"
    configure_and_build
    cd "$root"
    export SUKUSUKU_CONFIG=${SUKUSUKU_CONFIG:-$root/deploy/demo.properties}
    "$build/bin/sukusuku" migrate
    "$build/bin/sukusuku" seed-demo
    echo
    echo "Sukusuku demo: http://127.0.0.1:8080/  (Ctrl-C stops it)"
    [[ -f "$root/var/demo-logins.txt" ]] && cat "$root/var/demo-logins.txt"
    exec "$build/bin/sukusuku" serve
    ;;
  test)
    "$root/deploy/install-deps.sh" --test
    (cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
    configure_and_build
    mariadb_dir=${SUKUSUKU_MARIADB_DIR:-/tmp/sukusuku-mariadb-ci-$$}
    # A private server on the first free loopback port from 3307.
    if [[ -z "${SUKUSUKU_MARIADB_PORT:-}" ]]; then
      for p in $(seq 3307 3399); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then export SUKUSUKU_MARIADB_PORT=$p; break; fi
      done
    fi
    eval "$("$root/deploy/mariadb-test.sh" start "$mariadb_dir")"
    trap '"$root/deploy/mariadb-test.sh" stop "$mariadb_dir" >/dev/null 2>&1 || true; rm -rf "$mariadb_dir"' EXIT
    cd "$build"
    ctest --output-on-failure -j "$jobs" --timeout 600
    ;;
  *)
    echo "usage: deploy/dev.sh run|test" >&2
    exit 2
    ;;
esac
