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
# The exit code is non-zero when any stage fails; the last lines name them.
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

status=0
failed=()
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
[[ $status == 0 ]] || failed+=("tests in build/ (ctest exit code $status)")

sanitizers=${MINITER_TEST_SANITIZERS:-auto}
[[ $sanitizers == auto ]] && sanitizers=$(( $# == 0 ))
if [[ ${CI:-} == true && $sanitizers != 1 ]]; then
  echo "test.sh: CI=true: the sanitizer stage is never skipped in CI" >&2
  sanitizers=1
fi
if [[ $sanitizers == 1 ]]; then
  # One stage: prints its name and time, records it in `failed` on failure.
  stage() {
    local name=$1 started=$SECONDS
    shift
    echo "test.sh: --- $name"
    if "$@"; then
      echo "test.sh: --- $name: ok ($(( SECONDS - started )) s)"
    else
      echo "test.sh: --- $name: FAILED ($(( SECONDS - started )) s)" >&2
      failed+=("$name")
      return 1
    fi
  }
  # Configures a preset's tree once; Ninja re-runs CMake by itself later.
  build_preset() {
    [[ -f $2/build.ninja ]] || cmake --preset "$1" >/dev/null
    cmake --build --preset "$1"
  }
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
echo "test.sh: FAILED${selection}; failures above. Failed stages:" >&2
printf '  - %s\n' "${failed[@]}" >&2
exit 1
