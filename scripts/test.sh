#!/usr/bin/env bash
# test.sh: the one command that runs all of miniter's tests. It installs what
# is missing (scripts/install-deps.sh --test: the test tools too), builds
# into build/ (the same tree as scripts/run.sh) with the test suites on, and
# runs ctest; ctest itself starts and stops the throwaway test MariaDB
# (fixture miniter_db in tests/CMakeLists.txt).
#
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
#                                            scripts/test.sh -R Timeline
# After the normal run, the sanitizer stage (CI always runs it; locally it
# runs when no ctest arguments are given, MINITER_TEST_SANITIZERS=1 forces
# it, =0 skips it): the whole suite again in build-asan/ under ASan + UBSan
# with the same arguments, then the libFuzzer targets in build-fuzz/ (clang)
# for MINITER_FUZZ_SECONDS (default 60) each; see CMakePresets.json.
# The exit code is non-zero when any stage fails; the last lines name them
# and repeat their error lines.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [[ ${MINITER_SKIP_DEPS:-0} != 1 ]]; then
  bash scripts/install-deps.sh --test
fi
# A tree that scripts/run.sh configured before GoogleTest was installed has
# the suites off; turning them on reconfigures it once.
tests_on=()
grep -qx 'MINITER_BUILD_TESTS:BOOL=ON' build/CMakeCache.txt 2>/dev/null \
  || tests_on=(-DMINITER_BUILD_TESTS=ON)
MINITER_SKIP_DEPS=1 bash scripts/build.sh build "${tests_on[@]}"

failed=()
failed_logs=()
# One stage: prints its name and time, records it in `failed` on failure,
# and keeps its output so the summary at the end can repeat its errors.
stage() {
  local name=$1 started=$SECONDS log
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/miniter-stage-XXXXXX")
  echo "test.sh: --- $name"
  if "$@" 2>&1 | tee "$log"; then
    echo "test.sh: --- $name: ok ($(( SECONDS - started )) s)"
    rm -f "$log"
  else
    echo "test.sh: --- $name: FAILED ($(( SECONDS - started )) s)" >&2
    failed+=("$name")
    failed_logs+=("$log")
    return 1
  fi
}
# Configures a preset's tree once; Ninja re-runs CMake by itself later.
# A failed build is tried once more with one job: a compiler killed by the
# machine (memory, a signal) then passes, and says so, while an error in
# the code fails again with its message last.
build_preset() {
  [[ -f $2/build.ninja ]] || cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" && return 0
  echo "test.sh: WARNING: the $1 build failed (errors above); once more with -j1" >&2
  df -h "$2" >&2 || true
  free -m >&2 || true
  cmake --build --preset "$1" -j1
}
stage "tests in build/" ctest --test-dir build --output-on-failure -j2 "$@" || true

sanitizers=${MINITER_TEST_SANITIZERS:-auto}
[[ $sanitizers == auto ]] && sanitizers=$(( $# == 0 ))
if [[ ${CI:-} == true && $sanitizers != 1 ]]; then
  echo "test.sh: CI=true: the sanitizer stage is never skipped in CI" >&2
  sanitizers=1
fi
if [[ $sanitizers == 1 ]]; then
  # The preset points ASan/UBSan's log_path here, so a report from any
  # process counts, including servers whose exit status no test reads.
  reports=build-asan/sanitizer-reports
  if stage "asan-ubsan build (build-asan/)" build_preset asan-ubsan build-asan; then
    rm -rf "$reports" && mkdir -p "$reports"
    stage "asan-ubsan tests (build-asan/)" ctest --preset asan-ubsan "$@" || true
    if compgen -G "$reports/*" >/dev/null; then
      head -n 200 "$reports"/* >&2
      failed+=("asan-ubsan: sanitizer reports in $reports/ (above)")
    fi
  fi
  if stage "fuzz build (build-fuzz/, clang)" build_preset fuzz build-fuzz; then
    stage "fuzz: ${MINITER_FUZZ_SECONDS:-60} s per target (build-fuzz/)" \
      ctest --preset fuzz || true
    # Executions per target, for docs/reliability.md (section 9).
    grep -H 'stat::number_of_executed_units' build-fuzz/tests/fuzz/work/*/fuzz.log || true
  fi
fi

selection=${*:+ ($*)}
if [[ ${#failed[@]} == 0 ]]; then
  echo "test.sh: PASSED${selection}"
  exit 0
fi
# CI shows only the head and tail of this output: repeat each failed stage's
# error lines here, at the end, where they are read.
for log in "${failed_logs[@]}"; do
  echo "test.sh: error lines of a failed stage ($log):" >&2
  grep -E -i 'error|killed|no space|fail|timeout' "$log" | tail -n 25 >&2 || true
done
echo "test.sh: FAILED${selection}; failures above. Failed stages:" >&2
printf '  - %s\n' "${failed[@]}" >&2
exit 1
