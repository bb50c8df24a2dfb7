#!/usr/bin/env bash
# Fault scenarios on the local cluster (deploy/cluster/lib.sh), each under load and each checked
# by counting rows afterwards, not by reading logs:
#   1. MariaDB restarted (clean stop) under read and write load
#   2. MariaDB killed with SIGKILL under load (crash recovery)
#   3. an app node killed with SIGKILL under load, then restarted (what systemd's
#      Restart=on-failure does)
#   4. an app node killed with SIGKILL in the middle of a fee billing run (fees plugin)
#   5. an app node killed with SIGKILL in the middle of a broadcast (push core)
# Writes come from cluster/writer.mjs: device registrations with an Idempotency-Key, retried
# with the same key until acknowledged, as the app does. Afterwards every acknowledged write must
# be in the database exactly once, no client may have given up, no idempotency claim may be
# left hanging, and /readyz through nginx must answer 200 within $SUKUSUKU_RECOVERY_SECONDS
# (default 10) of the fault ending. Scenarios whose plugin is missing print "SKIPPED: ...".
#   deploy/cluster/faults.sh [--keep]   (SUKUSUKU_CLUSTER_REUSE=1: use the cluster of up.sh)
# Exits non-zero when any check fails. Not part of ctest (several minutes, ports 18000+).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/scenarios.sh"
. "$here/fault_scenarios.sh"
keep=0
[[ ${1:-} == --keep ]] && keep=1
[[ $keep == 1 ]] || trap cl_stop_after_test EXIT

cl_start_for_test || { echo "cluster did not start" >&2; exit 1; }
fault_db_restart clean
fault_db_restart kill
fault_node_kill
fault_billing_kill
fault_broadcast_kill
summary
