#!/usr/bin/env bash
# stop_test_server.sh: stops the server of start_test_server.sh (SIGTERM,
# then SIGKILL after 15 s) and deletes its state directory.
#
#   tests/db/stop_test_server.sh STATE_DIR
set -euo pipefail

state_dir=$1
if [[ -f $state_dir/server.pid ]]; then
  pid=$(cat "$state_dir/server.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
fi
rm -rf "$state_dir"
