#!/usr/bin/env bash
# The cross-node test: nginx + three app nodes + one MariaDB on loopback (deploy/cluster/lib.sh),
# then checks, by counting rows and reading answers, that
#   - nginx terminates TLS with HTTP/2, redirects HTTP, serves static files with caching headers,
#     forwards the real client address (a forged X-Forwarded-For is ignored), rate-limits sign-in;
#   - an access token or refresh token issued by one node works on the others (shared key ring
#     and refresh-token rows), refresh-token reuse is caught on another node, and a web session
#     started on one node carries on the others;
#   - a periodic job runs once per period across the three nodes (job_leases);
#   - a broadcast reaches the FCM test server once per device (push core);
#   - a fee billing run started on two nodes at once runs once (fees plugin).
# Scenarios whose plugin or command this build lacks print "SKIPPED: ..." and do not fail.
#   deploy/cluster/test.sh [--keep]     (--keep leaves the cluster running afterwards;
#                                        SUKUSUKU_CLUSTER_REUSE=1 uses one started by up.sh)
# Exits non-zero when any check fails. Not part of ctest: it takes a minute or two and binds
# ports 18000+ ($SUKUSUKU_CLUSTER_BASE).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/scenarios.sh"
keep=0
[[ ${1:-} == --keep ]] && keep=1
[[ $keep == 1 ]] || trap cl_stop_after_test EXIT

cl_start_for_test || { echo "cluster did not start" >&2; exit 1; }
scenario_nginx
scenario_db_accounts
scenario_tokens_across_nodes
scenario_web_session_across_nodes
scenario_periodic_job_once
scenario_broadcast_once
scenario_billing_once
scenario_login_rate_limit   # last: it uses up the sign-in allowance of 127.0.0.1
summary
