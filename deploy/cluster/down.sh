#!/usr/bin/env bash
# Stops the local cluster started by deploy/cluster/up.sh (its files stay in $SUKUSUKU_CLUSTER_DIR).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cl_down
echo "cluster stopped"
