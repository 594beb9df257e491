#!/usr/bin/env bash
# cluster.sh: runs miniter's scale-out topology on one machine: a primary and
# a replica MariaDB (scripts/mariadb.sh, GTID replication, semi-synchronous),
# one Redis as the memory tier both servers share (scripts/redis.sh), two
# miniter-server processes on the primary, and HAProxy in front of them
# checking each server through grpc.health.v1 (docs/scaling.md). The logic is
# in scripts/lib/miniter_cluster.py; `scripts/cluster.sh --help` lists the
# commands, ports and environment variables.
#
#   scripts/cluster.sh start|stop|status|failover|rejoin [STATE_DIR]
#   scripts/cluster.sh server-stop|server-kill|server-start|server-restart N [STATE_DIR]
#   scripts/cluster.sh db-stop|db-start primary|replica [STATE_DIR]
#   scripts/cluster.sh sql primary|replica SQL [STATE_DIR]
set -euo pipefail
# -B: no __pycache__ written into the source tree.
exec python3 -B "$(dirname "${BASH_SOURCE[0]}")/lib/miniter_cluster.py" "$@"
