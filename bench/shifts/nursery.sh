#!/usr/bin/env bash
# A nursery of 120 children and 25 staff over a month in 30-minute slots: time to a legal rota
# (hard violations 0) against the 5 s budget. Builds nothing; run after building
# `shifts_nursery_bench`.
#
#   bench/shifts/nursery.sh [THREADS=2] [SEED=1]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${NURSERY_BENCH_BIN:-$root/build/bin/shifts_nursery_bench}"
if [[ ! -x "$bin" ]]; then
  echo "shifts_nursery_bench not found at $bin (cmake --build build --target shifts_nursery_bench)" >&2
  exit 1
fi
exec "$bin" --threads "${1:-2}" --seed "${2:-1}"
