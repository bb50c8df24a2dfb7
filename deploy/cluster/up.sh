#!/usr/bin/env bash
# Starts the local cluster (MariaDB, three app nodes, nginx) and leaves it running, for trying
# things by hand; deploy/cluster/down.sh stops it. The test scripts start their own.
#   deploy/cluster/up.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cl_up
echo "Sukusuku cluster: $CL_URL  (certificate $CL_DIR/nginx/tls.crt; demo password $CL_DEMO_PASSWORD)"
echo "nodes: $(for i in "${CL_NODES[@]}"; do printf '%s ' "$(cl_node_url "$i")"; done)"
echo "stop:  deploy/cluster/down.sh"
