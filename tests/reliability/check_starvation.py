#!/usr/bin/env python3
"""check_starvation.py: judges the reliability suite's starvation scenario
(issue 12: one account must not starve everyone) from starvation_driver's
log.

Each run (label) measured the victim's Timeline reads alone ("solo") and
while the attacker kept its deep-page calls in flight ("attack"). The run
labelled "cost" (the server's defaults: per-account admission weighted by
cost) must keep, during the attack:
  * the victim's throughput at >= 50 % of its solo throughput,
  * the victim's p99 latency <= 50 ms, and every victim call OK;
  * the attacker served (some deep pages OK: throttled, not locked out)
    and refused with RESOURCE_EXHAUSTED carrying a retry hint.
The other runs (per-account calls without the cost weight, no admission)
are printed for comparison, not judged. Exits 1 listing what failed.
"""
import argparse
import collections
import sys

from percentile import pct

OK, RESOURCE_EXHAUSTED = 0, 8
MIN_SHARE = 0.5
MAX_P99_MS = 50
JUDGED = "cost"


def read(path):
    phases = collections.defaultdict(dict)   # label -> name -> [begin, end]
    calls = collections.defaultdict(list)    # (label, role, phase) -> calls
    deep_pages = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            t, kind = int(fields[0]), fields[1]
            if kind == "phase":
                label, name, edge = fields[2], fields[3], fields[4]
                phases[label].setdefault(name, [None, None])
                phases[label][name][0 if edge == "begin" else 1] = t
            elif kind == "call":
                label, role, phase = fields[2], fields[3], fields[4]
                hint = int(fields[7]) if len(fields) > 7 else None
                calls[(label, role, phase)].append(
                    (int(fields[5]), int(fields[6]), hint))
            elif kind == "deep":
                deep_pages[fields[2]] = int(fields[3])
    return phases, calls, deep_pages


def summarize(label, phases, calls):
    out = collections.OrderedDict()
    for name in ("solo", "attack"):
        begin, end = phases[label].get(name, [None, None])
        if begin is None or end is None:
            return None
        seconds = (end - begin) / 1000
        victim = calls[(label, "victim", name)]
        ok = [latency for latency, code, _ in victim if code == OK]
        out[name] = dict(rate=len(ok) / seconds, p50=pct(ok, 0.5),
                         p99=pct(ok, 0.99), max=max(ok, default=0),
                         failed=len(victim) - len(ok))
    attacker = calls[(label, "attacker", "attack")]
    refused = [c for c in attacker if c[1] == RESOURCE_EXHAUSTED]
    out["attacker"] = dict(
        ok=sum(1 for c in attacker if c[1] == OK),
        refused=len(refused),
        hinted=sum(1 for c in refused if c[2] is not None),
        other=collections.Counter(c[1] for c in attacker
                                  if c[1] not in (OK, RESOURCE_EXHAUSTED)),
        ok_p50=pct([c[0] for c in attacker if c[1] == OK], 0.5))
    out["share"] = out["attack"]["rate"] / max(out["solo"]["rate"], 1e-9)
    return out


def describe(label, s, deep_pages):
    solo, attack, attacker = s["solo"], s["attack"], s["attacker"]
    return (f"{label}: victim solo {solo['rate']:.0f}/s p99 {solo['p99']} ms; "
            f"under attack {attack['rate']:.0f}/s ({100 * s['share']:.0f} %) "
            f"p50 {attack['p50']} ms p99 {attack['p99']} ms max "
            f"{attack['max']} ms, {attack['failed']} failed; attacker "
            f"{attacker['ok']} deep pages OK (p50 {attacker['ok_p50']} ms), "
            f"{attacker['refused']} RESOURCE_EXHAUSTED "
            f"({attacker['hinted']} with a hint), other "
            f"{dict(attacker['other'])}; paged {deep_pages.get(label)} pages "
            f"for its tokens")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    phases, calls, deep_pages = read(args.log)
    problems = []
    judged = None
    for label in phases:
        s = summarize(label, phases, calls)
        if s is None:
            problems.append(f"{label}: a phase has no begin or end")
            continue
        print("reliability starvation " + describe(label, s, deep_pages))
        if label == JUDGED:
            judged = s
    if judged is None:
        problems.append(f"no complete '{JUDGED}' run in the log")
    else:
        solo, attack, attacker = (judged["solo"], judged["attack"],
                                  judged["attacker"])
        if solo["rate"] <= 0:
            problems.append("the victim read nothing alone")
        if judged["share"] < MIN_SHARE:
            problems.append(
                f"victim kept {100 * judged['share']:.0f} % of its solo "
                f"throughput under attack (< {100 * MIN_SHARE:.0f} %)")
        if attack["p99"] > MAX_P99_MS:
            problems.append(f"victim p99 {attack['p99']} ms under attack "
                            f"(> {MAX_P99_MS} ms)")
        if solo["failed"] or attack["failed"]:
            problems.append(f"{solo['failed'] + attack['failed']} victim "
                            "calls failed")
        if attacker["ok"] == 0:
            problems.append("the attacker got no deep page at all: "
                            "throttled into a lock-out")
        if attacker["refused"] == 0:
            problems.append("the attacker was never refused: the attack "
                            "did not exceed its share")
        if attacker["hinted"] != attacker["refused"]:
            problems.append("a RESOURCE_EXHAUSTED without a retry hint")
    if problems:
        print(f"FAILED ({len(problems)} problems):")
        for p in problems:
            print("  " + p)
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
