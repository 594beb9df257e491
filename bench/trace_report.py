#!/usr/bin/env python3
"""trace_report.py: when do a run's slow calls happen? Reads the TSV that
`miniter-load run --trace_out` (bench/run.py --trace) writes, one measured
call per line: due_ms, latency_ms, kind, code. Prints the share of calls
over --slow ms, how they cluster into --window ms windows, the worst
windows and the gaps between slow windows (a steady gap points at something
periodic; scattered slow calls at queueing).

    trace_report.py TRACE.tsv [--slow 20] [--window 100] [--top 15]
"""
import argparse
import collections
import statistics


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--slow", type=float, default=20.0, help="slow call, ms")
    ap.add_argument("--window", type=float, default=100.0, help="window, ms")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    windows = collections.defaultdict(list)
    calls = slow = 0
    with open(a.trace) as f:
        for line in f:
            due, latency, _kind, _code = line.rstrip("\n").split("\t")
            due, latency = float(due), float(latency)
            calls += 1
            slow += latency > a.slow
            windows[int(due // a.window)].append(latency)
    if not calls:
        print("no calls")
        return
    print(f"{calls:,} calls, {slow:,} over {a.slow:g} ms ({100.0 * slow / calls:.2f} %)")
    slow_windows = sorted(w for w, ls in windows.items() if max(ls) > a.slow)
    share = sum(sum(1 for x in windows[w] if x > a.slow) for w in slow_windows)
    print(f"{len(slow_windows)} of {len(windows)} windows of {a.window:g} ms hold a slow call")
    if slow_windows:
        print(f"  ({share:,} slow calls; {share / len(slow_windows):.1f} per such window)")
    print("worst windows (start s, calls, slow calls, p50 ms, max ms):")
    worst = sorted(windows.items(), key=lambda kv: -max(kv[1]))[: a.top]
    for w, ls in sorted(worst):
        print(f"  {w * a.window / 1000:8.1f}  {len(ls):5d}  {sum(1 for x in ls if x > a.slow):5d}"
              f"  {statistics.median(ls):8.2f}  {max(ls):8.2f}")
    # Episodes: runs of adjacent slow windows; gaps between their starts.
    episodes = []
    for w in slow_windows:
        if episodes and w - episodes[-1][-1] <= 1:
            episodes[-1].append(w)
        else:
            episodes.append([w])
    if len(episodes) > 1:
        gaps = [(b[0] - e[0]) * a.window / 1000 for e, b in zip(episodes, episodes[1:])]
        print(f"{len(episodes)} slow episodes; gap between starts: median "
              f"{statistics.median(gaps):.2f} s, min {min(gaps):.2f} s, max {max(gaps):.2f} s; "
              f"episode length median {statistics.median(len(e) for e in episodes) * a.window:g} ms")


if __name__ == "__main__":
    main()
