#!/usr/bin/env bash
# test.sh: the one command that runs all of miniter's tests. It installs what
# is missing, builds into build/ (the same tree as scripts/run.sh), and runs
# ctest; ctest itself starts and stops the throwaway test MariaDB (fixture
# miniter_db in tests/CMakeLists.txt).
#
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
#                                            scripts/test.sh -R Timeline
# The exit code is ctest's.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

bash scripts/build.sh build

status=0
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
selection=${*:+ ($*)}
if [[ $status == 0 ]]; then
  echo "test.sh: PASSED${selection}"
else
  echo "test.sh: FAILED${selection}: ctest exit code $status; failures above" >&2
fi
exit "$status"
