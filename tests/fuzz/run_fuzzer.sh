#!/usr/bin/env bash
# run_fuzzer.sh: runs one libFuzzer target for a bounded time over its
# committed seed corpus and regression inputs (ctest tests fuzz_run_*, built
# only in the clang fuzz tree, preset "fuzz").
#
#   tests/fuzz/run_fuzzer.sh FUZZER WORK_DIR SEED_DIR REGRESSION_DIR [libFuzzer flags...]
#
# MINITER_FUZZ_SECONDS (default 60) bounds the run. New inputs go to
# WORK_DIR/corpus (kept between local runs, never into the source tree); a
# crash leaves its input in WORK_DIR/artifacts/ and fails the test, with the
# command that turns it into a regression input.
set -euo pipefail

[[ $# -ge 4 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
fuzzer=$1 work_dir=$2 seed_dir=$3 regression_dir=$4
shift 4
seconds=${MINITER_FUZZ_SECONDS:-60}
name=$(basename "$fuzzer")

mkdir -p "$work_dir/corpus"
rm -rf "$work_dir/artifacts"
mkdir -p "$work_dir/artifacts"
dirs=("$work_dir/corpus" "$seed_dir")
[[ -d $regression_dir ]] && dirs+=("$regression_dir")

status=0
# The log is long (one line per new coverage point): it goes to a file, and
# only the summary is shown unless the run fails.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work_dir/artifacts/" "$@" \
  "${dirs[@]}" >"$work_dir/fuzz.log" 2>&1 || status=$?

if [[ $status != 0 ]]; then
  tail -n 60 "$work_dir/fuzz.log"
  echo "run_fuzzer.sh: $name FAILED (exit $status) after at most ${seconds}s." >&2
  for artifact in "$work_dir"/artifacts/*; do
    [[ -e $artifact ]] || continue
    echo "  input: $artifact" >&2
    echo "  keep it as a regression test:  cp '$artifact' tests/fuzz/regressions/$name/" >&2
  done
  exit "$status"
fi
# The figures docs/reliability.md quotes: executions, seconds, coverage.
grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|^#[0-9]+ +DONE' \
  "$work_dir/fuzz.log" || true
echo "run_fuzzer.sh: $name passed: ${seconds}s without a crash, leak, sanitizer report or failed invariant"
