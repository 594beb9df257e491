#!/usr/bin/env python3
"""report.py: turns the raw measurements of bench/run.sh into results.json,
results.md and latency_vs_load.png, and prints the Markdown table.

    report.py RAW_DIR OUT_DIR [OTHER_RESULTS_JSON]

RAW_DIR holds what run.sh wrote: one miniter-load JSON per measurement
(<scenario>-closed.json, <scenario>-open-<pct>.json, mix-soak-<pct>.json)
with a .mem.json beside it (server memory), anchor.json (mariadb-slap, one
entry per run), machine.json, settings.json and manifest.json (the loaded
data set). OTHER_RESULTS_JSON, the results.json of a run on another preset,
adds the flat-cost line: this run's Timeline p50 over that run's.
"""
import statistics
import json
import os
import re
import sys

SCENARIOS = ["timeline", "tweet", "follow", "mix"]
TITLES = {
    "timeline": "Timeline (own, page 50)",
    "tweet": "Tweet",
    "follow": "Follow/Unfollow alternating",
    "mix": "Mix 60% followed / 30% random Timeline / 10% Tweet",
}
# Call kinds that read a timeline: their rate is what the anchor compares to.
TIMELINE_KINDS = ("timeline", "timeline_followed", "timeline_random")


def load(path):
    with open(path) as f:
        return json.load(f)


def timeline_qps(run):
    return sum(k["qps"] for name, k in run["by_kind"].items() if name in TIMELINE_KINDS)


def main(raw, out, other=None):
    anchor = load(os.path.join(raw, "anchor.json"))
    # The median of several equal runs (after a warm-up) is the anchor;
    # min and max show its spread.
    runs = anchor.get("runs") or [{"seconds": anchor["seconds"], "queries": anchor["queries"]}]
    for run in runs:
        run["qps"] = run["queries"] / run["seconds"] if run["seconds"] else 0.0
    anchor["runs"] = runs
    anchor["qps"] = statistics.median(r["qps"] for r in runs)
    anchor["qps_min"] = min(r["qps"] for r in runs)
    anchor["qps_max"] = max(r["qps"] for r in runs)
    # Closed loop, so by Little's law the mean time per query is C / QPS.
    anchor["mean_latency_ms"] = (
        1000.0 * anchor["concurrency"] / anchor["qps"] if anchor["qps"] else None)
    result = {
        "machine": load(os.path.join(raw, "machine.json")),
        "settings": load(os.path.join(raw, "settings.json")),
        "data_set": load(os.path.join(raw, "manifest.json")),
        "anchor": anchor,
        "scenarios": {},
    }
    for scenario in SCENARIOS:
        runs = []
        for name in sorted(os.listdir(raw)):
            m = re.fullmatch(rf"{scenario}-(closed|open-(\d+)|soak-(\d+))\.json", name)
            if not m:
                continue
            run = load(os.path.join(raw, name))
            run["load_pct"] = int(m.group(2) or m.group(3)) if (m.group(2) or m.group(3)) else None
            run["soak"] = m.group(3) is not None
            mem_path = os.path.join(raw, name[:-5] + ".mem.json")
            run["server_memory"] = load(mem_path) if os.path.exists(mem_path) else None
            tq = timeline_qps(run)
            run["timeline_qps"] = tq
            run["timeline_qps_vs_anchor"] = (
                tq / anchor["qps"] if tq and anchor["qps"] else None)
            runs.append(run)
        closed = next((r for r in runs if r["mode"] == "closed"), None)
        opened = sorted((r for r in runs if r["mode"] == "open" and not r["soak"]),
                        key=lambda r: r["load_pct"])
        soak = next((r for r in runs if r["soak"]), None)
        result["scenarios"][scenario] = {"title": TITLES[scenario], "peak": closed,
                                         "open": opened, "soak": soak}
    peak = result["scenarios"]["timeline"]["peak"]
    result["timeline_peak_vs_anchor"] = peak["timeline_qps_vs_anchor"] if peak else None
    if other:
        theirs = load(other)
        their_peak = theirs["scenarios"]["timeline"]["peak"]
        if peak and their_peak and their_peak["latency_ms"] and peak["latency_ms"]:
            result["flat_cost"] = {
                "other_preset": theirs["settings"]["preset"],
                "timeline_p50_ms": peak["latency_ms"]["p50"],
                "other_timeline_p50_ms": their_peak["latency_ms"]["p50"],
                "ratio": peak["latency_ms"]["p50"] / their_peak["latency_ms"]["p50"],
            }

    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
    md = markdown(result)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    plot(result, os.path.join(out, "latency_vs_load.png"))
    print(md)


def fmt(v, digits=1):
    return "–" if v is None else f"{v:,.{digits}f}"


def markdown(r):
    m, s, d, a = r["machine"], r["settings"], r["data_set"], r["anchor"]
    lines = [
        f"## miniter benchmark: preset `{s['preset']}`" + (" (quick mode: pipeline check, not a measurement)" if s["quick"] else ""),
        "",
        f"Machine: {m['nproc']} × {m['cpu_model']}, {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"MariaDB {m['mariadb']}; load generator on the same machine; "
        f"load average at start {m['load_average_at_start']}. Date: {m['date']}.",
        "",
        f"Data: {d['users']:,} users, {d['follows']:,} follows, {d['tweets']:,} tweets (seed {d['seed']}). "
        f"Runs: {s['duration']} measured after {s['warmup']} warm-up; closed loop with {s['concurrency']} calls in flight; "
        f"open loop at {s['loads']} % of each closed-loop peak; {s['users_sampled']} users with their own tokens; "
        f"server pool_size {s['pool_size']}; InnoDB buffer pool {s['db_buffer_pool']}"
        f"{', redo log ' + s['db_redo_log'] if s.get('db_redo_log') else ''}.",
        "",
        f"Raw SQL anchor (mariadb-slap, concurrency {a['concurrency']}, indexed `tweets` query per user): "
        f"**{fmt(a['qps'])} queries/s** (median of {len(a['runs'])} runs after a warm-up; "
        f"min {fmt(a['qps_min'])}, max {fmt(a['qps_max'])}), mean {fmt(a['mean_latency_ms'], 2)} ms.",
        "",
        "| Scenario | Load | Offered/s | QPS | p50 ms | p90 ms | p99 ms | max ms | Errors | RSS max MB | Timeline × anchor |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in SCENARIOS:
        sc = r["scenarios"][name]
        for run in ([sc["peak"]] if sc["peak"] else []) + sc["open"] + ([sc["soak"]] if sc.get("soak") else []):
            lat = run["latency_ms"] or {}
            mem = run["server_memory"] or {}
            load = ("peak (closed)" if run["mode"] == "closed" else
                    f"{run['load_pct']} % (open, soak {run['duration_s']:.0f} s)" if run.get("soak") else
                    f"{run['load_pct']} % (open)")
            errors = run["error_count"] + run.get("dropped", 0)
            lines.append(
                f"| {sc['title']} | {load} | {fmt(run['offered_rate'], 0) if run['mode'] == 'open' else '–'} "
                f"| {fmt(run['qps'])} | {fmt(lat.get('p50'), 2)} | {fmt(lat.get('p90'), 2)} "
                f"| {fmt(lat.get('p99'), 2)} | {fmt(lat.get('max'), 2)} | {errors} "
                f"| {fmt(mem.get('vmrss_max_kb', 0) / 1024)} "
                f"| {fmt(run['timeline_qps_vs_anchor'], 2) + '×' if run['timeline_qps_vs_anchor'] else '–'} |")
    lines += [
        "",
        "Per call kind at peak (closed loop):",
        "",
        "| Scenario | Call | QPS | p50 ms | p99 ms | Errors |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in SCENARIOS:
        peak = r["scenarios"][name]["peak"]
        if not peak or len(peak["by_kind"]) < 2:
            continue
        for kind, k in peak["by_kind"].items():
            lat = k["latency_ms"] or {}
            lines.append(f"| {name} | {kind} | {fmt(k['qps'])} | {fmt(lat.get('p50'), 2)} "
                         f"| {fmt(lat.get('p99'), 2)} | {sum(k['errors'].values())} |")
    hwm = max((run["server_memory"] or {}).get("vmhwm_kb", 0)
              for sc in r["scenarios"].values()
              for run in ([sc["peak"]] if sc["peak"] else []) + sc["open"]
              + ([sc["soak"]] if sc.get("soak") else []))
    if r.get("flat_cost"):
        fc = r["flat_cost"]
        lines += ["", f"Flat cost: Timeline p50 at peak {fmt(fc['timeline_p50_ms'], 2)} ms here, "
                      f"{fmt(fc['other_timeline_p50_ms'], 2)} ms on `{fc['other_preset']}`: "
                      f"**{fmt(fc['ratio'], 2)}×**."]
    lines += ["", f"Server peak RSS over the whole run (VmHWM): {fmt(hwm / 1024)} MB.",
              "QPS counts successful calls; latency is from when a call was due "
              "(open loop) or sent (closed loop) to its response; Errors include "
              "calls the client could not start in time (dropped).", ""]
    return "\n".join(lines)


def plot(r, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    for ax, name in zip(axes.flat, SCENARIOS):
        sc = r["scenarios"][name]
        points = [(run["offered_rate"], run["latency_ms"]) for run in sc["open"] if run["latency_ms"]]
        for key, style in (("p50", "o-"), ("p90", "s-"), ("p99", "^-"), ("max", "x:")):
            if points:
                ax.plot([p[0] for p in points], [p[1][key] for p in points], style, label=key)
        if sc["peak"]:
            ax.axvline(sc["peak"]["qps"], color="grey", linestyle="--", label="closed-loop peak")
        ax.set_title(sc["title"], fontsize=10)
        ax.set_xlabel("offered load (calls/s, open loop)")
        ax.set_ylabel("latency (ms)")
        ax.set_yscale("log")
        # Plain numbers (2, 5, 10, 50 ms) read better than 10^1 on a log axis.
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlim(left=0)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m, s = r["machine"], r["settings"]
    fig.suptitle(f"miniter latency vs offered load — preset {s['preset']}, "
                 f"{m['nproc']} × {m['cpu_model']}, {m['date']}", fontsize=11)
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None)
