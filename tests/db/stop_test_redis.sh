#!/usr/bin/env bash
# stop_test_redis.sh: stops the throwaway test Redis and deletes its state
# directory (the cleanup test of ctest fixture "miniter_redis", see
# tests/CMakeLists.txt).
#
#   tests/db/stop_test_redis.sh STATE_DIR
set -euo pipefail

[[ $# -ge 1 && -n $1 ]] || { sed -n '2,6p' "$0" >&2; exit 2; }
state_dir=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bash "$repo/scripts/redis.sh" stop "$state_dir"
rm -rf "$state_dir"
