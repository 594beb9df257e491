#!/usr/bin/env bash
# stop_test_db.sh: stops the throwaway test MariaDB and deletes its data (the
# cleanup test of ctest fixture "miniter_db", see tests/CMakeLists.txt).
#
#   tests/db/stop_test_db.sh STATE_DIR
set -euo pipefail

[[ $# -ge 1 && -n $1 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
state_dir=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bash "$repo/scripts/mariadb.sh" stop "$state_dir"
# The data is throwaway by design; the next run starts from an empty database.
rm -rf "$state_dir"
