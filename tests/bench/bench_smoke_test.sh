#!/usr/bin/env bash
# bench_smoke_test.sh: the ctest smoke test of the benchmark (label
# "bench-smoke"). It runs bench/run.sh --quick (tiny preset, ~1 s per
# measurement) against a throwaway MariaDB in STATE_DIR and checks that
# every scenario was measured with calls succeeding and none failing (the
# mix's soak run too), that the anchor was run twice, that the loaded data
# was snapshotted and marked dirty, that the newer measurements exist (the
# prepared read anchor before and after the write burst, the INSERT
# anchor, Health/Check, the small-reader run, follower staleness, the
# burst's count, tier memory) and that the Targets table, the Markdown
# table and the plot were written. The figures of such a short run mean
# nothing; what matters is that the pipeline still works.
#
#   tests/bench/bench_smoke_test.sh BUILD_DIR STATE_DIR
set -euo pipefail

[[ $# -eq 2 ]] || { sed -n '2,14p' "$0" >&2; exit 2; }
build_dir=$1
state_dir=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Throwaway: a database left by an interrupted earlier run is stopped and
# deleted, so every run loads tiny from scratch (a few seconds).
if [[ -d $state_dir/db ]]; then bash "$repo/scripts/mariadb.sh" stop "$state_dir/db" || true; fi
rm -rf "$state_dir"
mkdir -p "$state_dir"

# Its own port range, clear of a real benchmark database (13320+).
MINITER_BENCH_DB_PORT=${MINITER_BENCH_DB_PORT:-13340} \
  bash "$repo/bench/run.sh" --quick --no-build --build-dir "$build_dir" \
       --state-dir "$state_dir" --out "$state_dir/results" \
       --anchor-runs 2 --soak 1s

python3 - "$state_dir/results" <<'PY'
import json, os, sys
out = sys.argv[1]
problems = []
for name in ("results.md", "latency_vs_load.png"):
    path = os.path.join(out, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        problems.append(f"{name} was not written")
r = json.load(open(os.path.join(out, "results.json")))
if not r["anchor"]["qps"] > 0:
    problems.append("the SQL anchor has no throughput")
if len(r["anchor"]["runs"]) != 2 or not r["anchor"]["qps_min"] <= r["anchor"]["qps"] <= r["anchor"]["qps_max"]:
    problems.append(f"the anchor should have 2 runs with the median between min and max: {r['anchor']}")
soak = r["scenarios"]["mix"].get("soak")
if not soak or not soak["qps"] > 0 or soak["error_count"] or soak["dropped"]:
    problems.append(f"mix soak run missing, empty or failing: {soak and soak['errors']}")
# A run that wrote leaves the mark that makes the next run restore the
# snapshot it took of the loaded data.
for name in ("dirty", "snapshot"):
    if not os.path.exists(os.path.join(out, "..", name)):
        problems.append(f"{name} missing in the state directory after a run that wrote")
for name in ("timeline", "tweet", "follow", "mix"):
    sc = r["scenarios"].get(name)
    runs = ([sc["peak"]] if sc and sc["peak"] else []) + (sc["open"] if sc else [])
    if not sc or not sc["peak"] or not sc["open"]:
        problems.append(f"{name}: closed- or open-loop run missing")
    for run in runs:
        label = f"{name} {run['mode']}"
        if not run["qps"] > 0:
            problems.append(f"{label}: zero QPS")
        if run["error_count"] or run["dropped"]:
            problems.append(f"{label}: {run['error_count']} errors {run['errors']}, "
                            f"{run['dropped']} dropped; first: {run['first_error']}")
    if name == "timeline" and sc and sc["peak"] and not sc["peak"]["avg_tweets_per_page"] > 0:
        problems.append("timeline pages came back empty")
# The issue's targets: every figure measured (met or not does not matter
# in a quick run), each anchor with its rate.
md = open(os.path.join(out, "results.md")).read()
if "### Targets" not in md:
    problems.append("results.md has no Targets table")
for t in r.get("targets", []):
    if t["figure"] is None:
        problems.append(f"target not measured: {t['name']}")
    if t["kind"] in ("ratio_min", "ratio_max") and not (t["anchor_value"] or 0) > 0:
        problems.append(f"target without its anchor: {t['name']}")
if len(r.get("targets", [])) != 9:
    problems.append(f"expected 9 targets, got {len(r.get('targets', []))}")
for key in ("read", "read_after_burst", "insert"):
    a = r["anchors"].get(key)
    if not a or not a["qps"] > 0 or a["error_count"]:
        problems.append(f"anchor {key} missing, empty or failing: {a and a['first_error']}")
for key in ("read", "read_after_burst"):
    forms = (r["anchors"].get(key) or {}).get("forms") or {}
    if sorted(forms) != ["derived", "in"] or not all(f["qps"] > 0 for f in forms.values()):
        problems.append(f"anchor {key}: both SQL forms should have run: {sorted(forms)}")
for key in ("health", "timeline_small", "timeline_first"):
    run = r.get(key)
    if not run or not run["qps"] > 0 or run["error_count"]:
        problems.append(f"{key} run missing, empty or failing: {run and run['first_error']}")
b = r.get("burst") or {}
tw = b.get("tweets") or {}
if tw.get("ok") != r["settings"]["burst_count"] or tw.get("error_count"):
    problems.append(f"burst: {tw.get('ok')} of {r['settings']['burst_count']} tweets, "
                    f"{tw.get('error_count')} errors")
st = r.get("staleness") or {}
if not st.get("seen") or st.get("never_seen") or st.get("tweet_error_count") or st.get("poll_error_count"):
    problems.append(f"staleness: {st.get('seen')} seen, {st.get('never_seen')} never, "
                    f"errors {st.get('first_error')}")
if r["settings"].get("tier") is not True or not r.get("tier_memory"):
    problems.append("the memory tier was not on, or its memory not recorded")
if problems:
    sys.exit("bench_smoke: FAILED:\n  " + "\n  ".join(problems))
print("bench_smoke: every scenario measured, no errors; results.md and the plot written")
PY

# Passed: nothing worth keeping (on failure the directory stays for a look).
rm -rf "$state_dir"
