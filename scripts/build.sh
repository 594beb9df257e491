#!/usr/bin/env bash
# build.sh: builds miniter (server, CLI, tests) with CMake and Ninja, after
# making sure the build dependencies are installed.
#
#   scripts/build.sh [BUILD_DIR] [extra cmake args...]
#
# BUILD_DIR defaults to build/ (relative to the repository root).
# MINITER_SKIP_DEPS=1 skips scripts/install-deps.sh.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build_dir=${1:-build}
[[ $# -gt 0 ]] && shift

if [[ ${MINITER_SKIP_DEPS:-0} != 1 ]]; then
  bash "$repo/scripts/install-deps.sh"
fi

# Configure only when the tree has never been configured or the caller passes
# cmake arguments; otherwise Ninja reruns CMake by itself whenever a
# CMakeLists.txt changes, and an explicit configure would only cost time.
if [[ ! -f $build_dir/CMakeCache.txt || ! -f $build_dir/build.ninja || $# -gt 0 ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# A failed build is tried once more with one job: a compiler the machine
# killed (memory, a signal) then passes, while an error in the code fails
# again with its message last.
cmake --build "$build_dir" -j"$(nproc)" && exit 0
echo "build.sh: WARNING: the build failed (errors above); once more with -j1" >&2
cmake --build "$build_dir" -j1
