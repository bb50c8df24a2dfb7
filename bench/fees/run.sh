#!/usr/bin/env bash
# Fees at ten times the pioneer city, on MariaDB:
#   bench/fees/run.sh [PUPILS]     (default 300000; needs SUKUSUKU_TEST_MYSQL or a server URL in
#                                   SUKUSUKU_BENCH_MYSQL, e.g. mysql://root@127.0.0.1:3307/)
# Prints rows/s for the billing run + debit export and for the result import, and the ratio of
# each against a plain multi-row INSERT/SELECT of as many rows in the same run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SUKUSUKU_BUILD_DIR:-$root/build}
server=${SUKUSUKU_BENCH_MYSQL:-${SUKUSUKU_TEST_MYSQL:-}}
if [[ -z "$server" ]]; then
  echo "set SUKUSUKU_BENCH_MYSQL (or SUKUSUKU_TEST_MYSQL) to a MariaDB server URL" >&2
  exit 2
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 --target bench_fees fees >/dev/null
"$build/bin/bench_fees" "$server" "${1:-300000}"
