#!/bin/sh
# Evaluates every shipped programme for 1,000,000 generated households (single thread) and
# prints households/s with the ratio to the hand-written 児童手当 anchor measured in the same run.
# Goal: >= 100,000 households/s. Usage: bench/eligibility/run.sh [BUILD_DIR] [--households N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
exec "$build/bin/bench_eligibility" --households 1000000 "$@"
