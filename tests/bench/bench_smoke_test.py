#!/usr/bin/env python3
"""bench_smoke_test.py: the ctest smoke test of the benchmark (label
"bench-smoke"). It runs bench/run.py --quick (tiny preset, ~1 s per
measurement) against a throwaway MariaDB in STATE_DIR and checks that every
scenario was measured with calls succeeding and none failing (the mix's
soak run too; SearchUsers and UserTweets with non-empty pages), that the
anchor was run twice, that the loaded data was snapshotted and marked
dirty, that the newer measurements exist (the prepared read anchor before
and after the write burst, the INSERT anchor, Health/Check, the
small-reader run, follower staleness, the WatchTimeline fan-out with every
delivery made once, the burst's count, tier memory) and that the Targets
table, the Markdown table and the plot were written. The figures of such a
short run mean nothing; what matters is that the pipeline still works.

    tests/bench/bench_smoke_test.py BUILD_DIR STATE_DIR
"""
import json
import os
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def problems(out, state_dir):
    """What is wrong with the results in OUT (empty: nothing)."""
    found = []
    for name in ("results.md", "latency_vs_load.png"):
        path = os.path.join(out, name)
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            found.append(f"{name} was not written")
    with open(os.path.join(out, "results.json")) as f:
        r = json.load(f)
    anchor = r["anchor"]
    if not anchor["qps"] > 0:
        found.append("the SQL anchor has no throughput")
    if len(anchor["runs"]) != 2 or not anchor["qps_min"] <= anchor["qps"] <= anchor["qps_max"]:
        found.append(f"the anchor should have 2 runs with the median between min and max: {anchor}")
    soak = r["scenarios"]["mix"].get("soak")
    if not soak or not soak["qps"] > 0 or soak["error_count"] or soak["dropped"]:
        found.append(f"mix soak run missing, empty or failing: {soak and soak['errors']}")
    # A run that wrote leaves the mark that makes the next run restore the
    # snapshot it took of the loaded data.
    for name in ("dirty", "snapshot"):
        if not os.path.exists(os.path.join(state_dir, name)):
            found.append(f"{name} missing in the state directory after a run that wrote")
    for name in ("timeline", "search_users", "user_tweets", "tweet", "follow", "mix"):
        sc = r["scenarios"].get(name)
        runs = ([sc["peak"]] if sc and sc["peak"] else []) + (sc["open"] if sc else [])
        if not sc or not sc["peak"] or not sc["open"]:
            found.append(f"{name}: closed- or open-loop run missing")
        for run in runs:
            label = f"{name} {run['mode']}"
            if not run["qps"] > 0:
                found.append(f"{label}: zero QPS")
            if run["error_count"] or run["dropped"]:
                found.append(f"{label}: {run['error_count']} errors {run['errors']}, "
                             f"{run['dropped']} dropped; first: {run['first_error']}")
        # Pages of tweets (or, for SearchUsers, of users) that are all
        # empty would mean the reads measured nothing.
        if (name in ("timeline", "search_users", "user_tweets") and sc and sc["peak"]
                and not sc["peak"]["avg_tweets_per_page"] > 0):
            found.append(f"{name} pages came back empty")
    # The targets: every figure measured (met or not does not
    # matter in a quick run), each anchor with its rate.
    with open(os.path.join(out, "results.md")) as f:
        if "### Targets" not in f.read():
            found.append("results.md has no Targets table")
    targets = r.get("targets", [])
    for t in targets:
        if t["figure"] is None:
            found.append(f"target not measured: {t['name']}")
        if t["kind"] in ("ratio_min", "ratio_max") and not (t["anchor_value"] or 0) > 0:
            found.append(f"target without its anchor: {t['name']}")
    if len(targets) != 10:
        found.append(f"expected 10 targets, got {len(targets)}")
    for key in ("read", "read_after_burst", "insert"):
        a = r["anchors"].get(key)
        if not a or not a["qps"] > 0 or a["error_count"]:
            found.append(f"anchor {key} missing, empty or failing: {a and a['first_error']}")
    for key in ("read", "read_after_burst"):
        forms = (r["anchors"].get(key) or {}).get("forms") or {}
        if sorted(forms) != ["derived", "in"] or not all(f["qps"] > 0 for f in forms.values()):
            found.append(f"anchor {key}: both SQL forms should have run: {sorted(forms)}")
    for key in ("health", "timeline_small", "timeline_first"):
        run = r.get(key)
        if not run or not run["qps"] > 0 or run["error_count"]:
            found.append(f"{key} run missing, empty or failing: {run and run['first_error']}")
    tw = (r.get("burst") or {}).get("tweets") or {}
    if tw.get("ok") != r["settings"]["burst_count"] or tw.get("error_count"):
        found.append(f"burst: {tw.get('ok')} of {r['settings']['burst_count']} tweets, "
                     f"{tw.get('error_count')} errors")
    st = r.get("staleness") or {}
    if (not st.get("seen") or st.get("never_seen") or st.get("tweet_error_count")
            or st.get("poll_error_count")):
        found.append(f"staleness: {st.get('seen')} seen, {st.get('never_seen')} never, "
                     f"errors {st.get('first_error')}")
    w = r.get("watch") or {}
    if (w.get("streams") != r["settings"]["watch_streams"] or not w.get("deliveries")
            or w.get("missing") or w.get("duplicates") or w.get("stream_error_count")
            or w.get("tweet_error_count")):
        found.append(f"watch: {w.get('streams')} streams, {w.get('deliveries')} deliveries, "
                     f"{w.get('missing')} missing, {w.get('duplicates')} repeated, errors "
                     f"{w.get('first_error')}")
    if r["settings"].get("tier") is not True or not r.get("tier_memory"):
        found.append("the memory tier was not on, or its memory not recorded")
    return found


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    build_dir, state_dir = (os.path.abspath(p) for p in argv)
    # Throwaway: a database left by an interrupted earlier run is stopped and
    # deleted, so every run loads tiny from scratch (a few seconds).
    if os.path.isdir(os.path.join(state_dir, "db")):
        subprocess.run(["bash", os.path.join(REPO, "scripts/mariadb.sh"), "stop",
                        os.path.join(state_dir, "db")])
    shutil.rmtree(state_dir, ignore_errors=True)
    os.makedirs(state_dir)
    out = os.path.join(state_dir, "results")
    # Its own port range, clear of a real benchmark database (13320+).
    env = dict(os.environ)
    env.setdefault("MINITER_BENCH_DB_PORT", "13340")
    bench = subprocess.run(
        [sys.executable, os.path.join(REPO, "bench/run.py"), "--quick", "--no-build",
         "--build-dir", build_dir, "--state-dir", state_dir, "--out", out,
         "--anchor-runs", "2", "--soak", "1s"], env=env)
    if bench.returncode != 0:
        sys.exit(f"bench_smoke: FAILED: bench/run.py exited with {bench.returncode}")
    found = problems(out, state_dir)
    if found:
        sys.exit("bench_smoke: FAILED:\n  " + "\n  ".join(found))
    print("bench_smoke: every scenario measured, no errors; results.md and the plot written")
    # Passed: nothing worth keeping (on failure the directory stays for a look).
    shutil.rmtree(state_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
