#!/usr/bin/env bash
# start_test_db.sh: starts the throwaway MariaDB that integration tests use
# (the setup test of ctest fixture "miniter_db", see tests/CMakeLists.txt).
#
#   tests/db/start_test_db.sh STATE_DIR [FIRST_PORT]
#
# Every run begins from an empty database: an instance left over from an
# interrupted earlier run in STATE_DIR is stopped and its data deleted. It
# listens on the first free port from FIRST_PORT (default 13307) on, so that
# it never meets a developer's scripts/run.sh database (13306) or another
# build tree's test database. The URL ends up in STATE_DIR/database_url.
set -euo pipefail

[[ $# -ge 1 && -n $1 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
state_dir=$1
port=${2:-13307}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mariadb_sh=$repo/scripts/mariadb.sh

port_is_free() {
  # Nothing accepting a connection on it; a bind race stays possible and is
  # handled by trying the next port below.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

bash "$mariadb_sh" stop "$state_dir"
rm -rf "$state_dir"
mkdir -p "$state_dir"

for attempt in $(seq 1 5); do
  while ! port_is_free "$port"; do
    port=$((port + 1))
    (( port < 13407 )) || { echo "start_test_db.sh: no free port in 13307-13406" >&2; exit 1; }
  done
  if bash "$mariadb_sh" start "$state_dir" "$port" >/dev/null; then
    echo "test database: $(sed -E 's|//([^:]*):[^@]*@|//\1:***@|' "$state_dir/database_url")"
    exit 0
  fi
  # Another process may have taken the port between the check and the bind
  # (two build trees testing at once); then the next port will do.
  port_is_free "$port" && exit 1
  echo "start_test_db.sh: port $port was taken meanwhile; trying the next one" >&2
  port=$((port + 1))
done
exit 1
