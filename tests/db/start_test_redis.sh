#!/usr/bin/env bash
# start_test_redis.sh: starts the throwaway Redis (the memory tier) that the
# tests use (the setup test of ctest fixture "miniter_redis", see
# tests/CMakeLists.txt).
#
#   tests/db/start_test_redis.sh STATE_DIR
#
# Every run begins from an empty tier: an instance left over from an
# interrupted earlier run in STATE_DIR is stopped and its directory deleted.
# It listens on a Unix socket only (no port to collide with another build
# tree or a developer's scripts/run.sh); the URL (unix:///...) ends up in
# STATE_DIR/redis_url.
set -euo pipefail

[[ $# -ge 1 && -n $1 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
state_dir=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bash "$repo/scripts/redis.sh" stop "$state_dir"
rm -rf "$state_dir"
echo "test redis: $(bash "$repo/scripts/redis.sh" start "$state_dir")"
