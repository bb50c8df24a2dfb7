#!/usr/bin/env bash
# Runs sukusuku-roster on Curtois-Qu Instances 1-12, scores every roster with the independent
# checker (`sukusuku-roster evaluate`), and prints objective / hard violations / best known / gap.
#
#   bench/shifts/run.sh [TIME_LIMIT_SECONDS=10] [INSTANCES="1 2 ... 12"]
#
# Environment: ROSTER_BIN (default build/bin/sukusuku-roster), SHIFT_DATA_DIR (default
# ../shared/data/shift-benchmark beside the repository), SEED (1), THREADS (2), OUT_DIR (a temp dir; rosters kept).
# Timings are wall-clock: on a shared machine the search gets less CPU and scores get worse.
set -euo pipefail

time_limit="${1:-10}"
instances="${2:-1 2 3 4 5 6 7 8 9 10 11 12}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${ROSTER_BIN:-$root/build/bin/sukusuku-roster}"
data="${SHIFT_DATA_DIR:-$root/../shared/data/shift-benchmark}"
seed="${SEED:-1}"
threads="${THREADS:-2}"
out_dir="${OUT_DIR:-$(mktemp -d /tmp/shifts-bench.XXXXXX)}"
mkdir -p "$out_dir"

if [[ ! -x "$bin" ]]; then
  echo "sukusuku-roster not found at $bin (build it, or set ROSTER_BIN)" >&2
  exit 1
fi

# Best known upper bounds, from the data README (Instance1 proven optimal).
declare -A best=([1]=607 [2]=828 [3]=1001 [4]=1716 [5]=1143 [6]=1950 [7]=1056 [8]=1300 [9]=439
                 [10]=4631 [11]=3443 [12]=4040)

echo "load before: $(uptime)"
printf '%-10s %10s %6s %10s %8s %8s %8s\n' instance objective hard best_known gap% seconds cpu_s
gap_sum=0
count=0
for i in $instances; do
  instance="$data/Instance$i.txt"
  roster="$out_dir/Instance$i.csv"
  start=$(date +%s.%N)
  # CPU seconds the solver actually got (user + system, all threads): on a shared machine far
  # less than threads x time limit.
  /usr/bin/time -f '%U %S' -o "$out_dir/Instance$i.time" \
    "$bin" solve "$instance" --time-limit "$time_limit" --seed "$seed" --threads "$threads" \
    --out "$roster" > "$out_dir/Instance$i.solve.log"
  end=$(date +%s.%N)
  last=$("$bin" evaluate "$instance" "$roster" | tail -n 1)
  objective=$(sed -E 's/.*objective=([0-9]+).*/\1/' <<< "$last")
  hard=$(sed -E 's/.*hard_violations=([0-9]+).*/\1/' <<< "$last")
  claimed=$(tail -n 1 "$out_dir/Instance$i.solve.log")
  if [[ "$claimed" != "$last" ]]; then
    echo "Instance$i: solver claimed '$claimed' but the checker says '$last'" >&2
  fi
  gap=$(awk -v o="$objective" -v b="${best[$i]}" 'BEGIN { printf "%.2f", 100 * (o - b) / b }')
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$out_dir/Instance$i.time")
  printf '%-10s %10s %6s %10s %8s %8s %8s\n' "Instance$i" "$objective" "$hard" "${best[$i]}" "$gap" "$secs" "$cpu"
  gap_sum=$(awk -v s="$gap_sum" -v g="$gap" 'BEGIN { print s + g }')
  count=$((count + 1))
  if [[ "$i" == 8 ]]; then inst8="$objective"; fi
done
awk -v s="$gap_sum" -v n="$count" 'BEGIN { printf "mean gap: %.2f%% over %d instances\n", s / n, n }'
if [[ -n "${inst8:-}" ]]; then
  echo "Instance8: $inst8 vs 8995 (commercial MIP, 10 min) and 1300 best known"
fi
echo "time limit ${time_limit}s, seed $seed, threads $threads, rosters in $out_dir"
echo "load after: $(uptime)"
