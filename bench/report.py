#!/usr/bin/env python3
"""report.py: turns the raw measurements of bench/run.py into results.json,
results.md and latency_vs_load.png, and prints the Markdown tables, the
issue's Targets table first (each figure, its anchor from the same run, the
ratio, the target, met or not).

    report.py RAW_DIR OUT_DIR [OTHER_RESULTS_JSON]

RAW_DIR holds what run.py wrote: one miniter-load JSON per measurement
(<scenario>-closed.json, <scenario>-open-<pct>.json for timeline,
search_users, user_tweets, tweet, follow and mix; mix-soak-<pct>.json,
timeline-small-closed.json, timeline-first.json, health-closed.json, burst-tweets.json,
burst-timeline-closed.json) with a .mem.json beside most (server memory),
anchor.json (mariadb-slap, one entry per run), anchor-read.json and
anchor-read-after-burst.json (the prepared read query), anchor-insert.json
(durable INSERTs), staleness.json, watch.json (WatchTimeline fan-out), tier-memory-<when>.json (Redis),
machine.json, settings.json and manifest.json (the loaded data set). Any of
the newer files may be missing (a scenario not chosen): its rows say so.
OTHER_RESULTS_JSON, the results.json of a run on another preset, adds the
flat-cost line: this run's Timeline p50 over that run's.
"""
import statistics
import json
import os
import re
import sys

SCENARIOS = ["timeline", "search_users", "user_tweets", "tweet", "follow", "mix"]
TITLES = {
    "timeline": "Timeline (own, page 50)",
    "search_users": "SearchUsers (1–3 character name prefix, page 50)",
    "user_tweets": "UserTweets (random user, first page of 50)",
    "tweet": "Tweet",
    "follow": "Follow/Unfollow alternating",
    "mix": "Mix 60% followed / 30% random Timeline / 10% Tweet",
}
# Call kinds that read a timeline: their rate is what the anchor compares to.
TIMELINE_KINDS = ("timeline", "timeline_followed", "timeline_random")


def load(path):
    with open(path) as f:
        return json.load(f)


def load_optional(raw, name):
    path = os.path.join(raw, name)
    return load(path) if os.path.exists(path) else None


def best_read_anchor(raw, name):
    """The faster of the forms of the prepared read anchor that ran
    (NAME-in.json, NAME-derived.json), with every form kept under "forms"."""
    forms = {f: load_optional(raw, f"{name}-{f}.json") for f in ("in", "derived")}
    forms = {f: a for f, a in forms.items() if a}
    if not forms:
        return load_optional(raw, f"{name}.json")
    best = dict(max(forms.values(), key=lambda a: a["qps"]))
    best["forms"] = {f: {"qps": a["qps"], "latency_ms": a["latency_ms"],
                         "explain": a.get("explain")} for f, a in forms.items()}
    return best


def ratio(a, b):
    return a / b if a is not None and b else None


def target(name, figure, unit, anchor_name, anchor_value, want, kind):
    """One row of the Targets table. kind: "ratio_min" (figure/anchor >=
    want), "ratio_max" (figure/anchor <= want), "max" (figure <= want),
    "stated" (the figure exists)."""
    r = ratio(figure, anchor_value) if kind in ("ratio_min", "ratio_max") else None
    if figure is None:
        met = None
    elif kind == "ratio_min":
        met = r is not None and r >= want
    elif kind == "ratio_max":
        met = r is not None and r <= want
    elif kind == "max":
        met = figure <= want
    else:
        met = True
    return {"name": name, "figure": figure, "unit": unit, "anchor": anchor_name,
            "anchor_value": anchor_value, "ratio": r, "target": want, "kind": kind,
            "met": met}


def targets(result):
    """The issue's targets, each as a ratio to an anchor of the same run."""
    sc, an, s = result["scenarios"], result["anchors"], result["settings"]
    peak = sc["timeline"]["peak"]
    tl = peak["timeline_qps"] if peak else None
    small = result.get("timeline_small")
    health = result.get("health")
    burst = result.get("burst") or {}
    read, read_after = an.get("read"), an.get("read_after_burst")
    insert = an.get("insert")
    half = next((r for r in sc["timeline"]["open"] if r["load_pct"] == 50), None)
    tweet_peak = sc["tweet"]["peak"]
    st = result.get("staleness")
    watch = result.get("watch")
    mem = (result.get("tier_memory") or {}).get("after-timeline") or \
        (result.get("tier_memory") or {}).get("at-end")
    readers = s.get("users_sampled")
    rows = [
        target("Timeline peak vs raw read query (prepared)", tl, "calls/s",
               "anchor-read q/s", read and read["qps"], 1.0, "ratio_min"),
        target("Timeline peak vs Health/Check", tl, "calls/s",
               "Health/Check calls/s", health and health["qps"], 0.5, "ratio_min"),
        target("Server CPU per Timeline call vs per Health/Check call (closed loop)",
               peak and peak.get("server_cpu_us_per_call"), "µs",
               "Health/Check server µs per call",
               health and health.get("server_cpu_us_per_call"), 2.0, "ratio_max"),
        target("After burst: Timeline vs raw read query", burst.get("timeline_qps"),
               "calls/s", "anchor-read after burst q/s", read_after and read_after["qps"],
               10.0, "ratio_min"),
        target(f"{readers:,} vs {s.get('small_users', 256):,} readers (Timeline peak)"
               if readers else "Readers: all vs small sample", tl, "calls/s",
               f"Timeline peak, {s.get('small_users', 256)} readers",
               small and small["timeline_qps"], 0.9, "ratio_min"),
        target("Timeline p99 at 50 % of peak (open loop)",
               half and half["latency_ms"] and half["latency_ms"]["p99"], "ms",
               None, None, 5.0, "max"),
        target("Tweet peak vs durable INSERT", tweet_peak and tweet_peak["qps"], "calls/s",
               "anchor-insert rows/s", insert and insert["qps"], 1.0, "ratio_min"),
        target("Follower staleness p99 at 50 % of Tweet peak",
               st and st.get("delay_ms") and st["delay_ms"]["p99"], "ms", None, None,
               1000.0, "max"),
        target("WatchTimeline delivery p99 (fan-out, open loop)",
               watch and watch.get("delay_ms") and watch["delay_ms"]["p99"], "ms", None, None,
               1000.0, "max"),
        target("Tier memory per active owner",
               mem and mem.get("bytes_per_active_owner"), "bytes", None, None, None,
               "stated"),
    ]
    return rows


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
        "anchors": {
            "slap": anchor,
            "read": best_read_anchor(raw, "anchor-read"),
            "read_after_burst": best_read_anchor(raw, "anchor-read-after-burst"),
            "insert": load_optional(raw, "anchor-insert.json"),
        },
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
    # The single closed-loop runs beside the scenarios.
    for key, name in (("timeline_small", "timeline-small-closed.json"),
                      ("timeline_first", "timeline-first.json"),
                      ("health", "health-closed.json")):
        run = load_optional(raw, name)
        if run:
            run["timeline_qps"] = timeline_qps(run)
        result[key] = run
    burst_tweets = load_optional(raw, "burst-tweets.json")
    burst_timeline = load_optional(raw, "burst-timeline-closed.json")
    if burst_tweets or burst_timeline:
        ra, rb = result["anchors"]["read"], result["anchors"]["read_after_burst"]
        result["burst"] = {
            "tweets": burst_tweets,
            "timeline": burst_timeline,
            "timeline_qps": timeline_qps(burst_timeline) if burst_timeline else None,
            "anchor_before_qps": ra and ra["qps"],
            "anchor_after_qps": rb and rb["qps"],
        }
    result["staleness"] = load_optional(raw, "staleness.json")
    result["watch"] = load_optional(raw, "watch.json")
    result["tier_memory"] = {
        m.group(1): load(os.path.join(raw, name))
        for name in sorted(os.listdir(raw))
        for m in [re.fullmatch(r"tier-memory-(.+)\.json", name)] if m}
    result["targets"] = targets(result)
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
    tier = s.get("tier")
    lines = [
        f"## miniter benchmark: preset `{s['preset']}`" + (" (quick mode: pipeline check, not a measurement)" if s["quick"] else ""),
        "",
        "Memory tier: " + ("**on** (private Redis)" if tier else
                           "**off** (`--no-tier`: MariaDB alone)" if tier is False else "not recorded") + ".",
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
    ] + targets_markdown(r) + anchors_markdown(r) + [
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
    for name, what in (("search_users", "users"), ("user_tweets", "tweets")):
        peak = r["scenarios"][name]["peak"]
        if peak:
            lines += ["", f"{TITLES[name]}: {fmt(peak['avg_tweets_per_page'])} {what} per page "
                          "on average at peak (a full page is 50)."]
    hwm = max(((run["server_memory"] or {}).get("vmhwm_kb", 0)
               for sc in r["scenarios"].values()
               for run in ([sc["peak"]] if sc["peak"] else []) + sc["open"]
               + ([sc["soak"]] if sc.get("soak") else [])), default=0)
    if r.get("flat_cost"):
        fc = r["flat_cost"]
        lines += ["", f"Flat cost: Timeline p50 at peak {fmt(fc['timeline_p50_ms'], 2)} ms here, "
                      f"{fmt(fc['other_timeline_p50_ms'], 2)} ms on `{fc['other_preset']}`: "
                      f"**{fmt(fc['ratio'], 2)}×**."]
    if hwm:  # not measured by a run of the watch scenario alone
        lines += ["", f"Server peak RSS over the whole run (VmHWM): {fmt(hwm / 1024)} MB."]
    lines += ["", "QPS counts successful calls; latency is from when a call was due "
              "(open loop) or sent (closed loop) to its response; Errors include "
              "calls the client could not start in time (dropped).", ""]
    return "\n".join(lines)


def targets_markdown(r):
    lines = [
        "### Targets (ratios to anchors measured in this run)",
        "",
        "| Figure | Value | Anchor | Anchor value | Ratio | Target | Met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for t in r["targets"]:
        unit = t["unit"]
        digits = 0 if unit == "bytes" else 2 if unit == "ms" else 1
        value = "–" if t["figure"] is None else f"{fmt(t['figure'], digits)} {unit}"
        if t["kind"] == "ratio_min":
            want = f"≥ {t['target']:g}×"
        elif t["kind"] == "ratio_max":
            want = f"≤ {t['target']:g}×"
        elif t["kind"] == "max":
            want = f"≤ {t['target']:g} {unit}"
        else:
            want = "stated"
        met = ("not measured" if t["met"] is None else "met" if t["met"] else "**NOT met**")
        if t["kind"] == "stated" and t["figure"] is None and r["settings"].get("tier") is False:
            met = "n/a (--no-tier)"
        lines.append(
            f"| {t['name']} | {value} | {t['anchor'] or '–'} "
            f"| {fmt(t['anchor_value']) if t['anchor_value'] is not None else '–'} "
            f"| {fmt(t['ratio'], 2) + '×' if t['ratio'] is not None else '–'} | {want} | {met} |")
    lines.append("")
    sc = r["scenarios"]["timeline"]["peak"]
    small = r.get("timeline_small")
    if sc and small:
        lines.append(
            f"{r['settings'].get('users_sampled', 0):,} vs {r['settings'].get('small_users', 0):,} readers: "
            f"Timeline {fmt(sc['timeline_qps'])} vs {fmt(small['timeline_qps'])} calls/s, "
            f"**{fmt(ratio(sc['timeline_qps'], small['timeline_qps']), 2)}×**.")
    first = r.get("timeline_first")
    if first and first.get("latency_ms"):
        lines.append(
            f"First Timeline of each of {first['ok']:,} readers (its tier entry filled from "
            f"MariaDB; before the runs above): {fmt(first['qps'])} calls/s, p50 "
            f"{fmt(first['latency_ms']['p50'], 2)} ms, p99 {fmt(first['latency_ms']['p99'], 2)} ms, "
            f"{first['error_count']} errors.")
    b = r.get("burst")
    if b:
        tw = b.get("tweets") or {}
        lines.append(
            f"After burst ({tw.get('ok', 0):,} Tweets by random authors at "
            f"{fmt(tw.get('qps'))}/s, {tw.get('error_count', 0)} errors): "
            f"Timeline / raw anchor = {fmt(b['timeline_qps'])} / {fmt(b['anchor_after_qps'])} = "
            f"**{fmt(ratio(b['timeline_qps'], b['anchor_after_qps']), 2)}×**; "
            f"raw anchor before {fmt(b['anchor_before_qps'])} q/s, after {fmt(b['anchor_after_qps'])} q/s.")
    st = r.get("staleness")
    if st:
        dl = st.get("delay_ms") or {}
        lines.append(
            f"Follower staleness: Tweets at {fmt(st['offered_rate'], 0)}/s "
            f"({st['tweets_ok']:,} OK, {st['tweet_error_count']} errors), {st['samples']} sampled, "
            f"{st['seen']} seen ({st['seen_on_first_read']} on the first read), "
            f"{st['never_seen']} not seen within {st['max_wait_s']:g} s; delay p50 "
            f"{fmt(dl.get('p50'), 1)} ms, p99 {fmt(dl.get('p99'), 1)} ms, max {fmt(dl.get('max'), 1)} ms.")
    w = r.get("watch")
    if w:
        dl = w.get("delay_ms") or {}
        lines.append(
            f"WatchTimeline fan-out: {w['streams']:,} streams open, Tweets at "
            f"{fmt(w['offered_rate'], 1)}/s by {w['authors']} accounts the watchers follow "
            f"({w['tweets_ok']:,} OK, {w['tweet_error_count']} errors), each due on "
            f"{fmt(w['fanout_mean'])} streams on average: {w['deliveries']:,} of "
            f"{w['expected_deliveries']:,} deliveries ({fmt(w['deliveries_per_s'])}/s), "
            f"{w['missing']} missing, {w['duplicates']} repeated, {w['stream_error_count']} "
            f"streams ended with an error; delay from the Tweet call to the stream p50 "
            f"{fmt(dl.get('p50'), 1)} ms, p99 {fmt(dl.get('p99'), 1)} ms, max "
            f"{fmt(dl.get('max'), 1)} ms.")
    for when, mem in (r.get("tier_memory") or {}).items():
        lines.append(
            f"Tier memory ({when}): {fmt(mem['tier_bytes'] / 1048576, 1)} MiB over the empty "
            f"Redis, {mem['home_entries']:,} home entries ({mem['keys']:,} keys): "
            f"{fmt(mem['bytes_per_active_owner'], 0)} bytes per active owner "
            f"({fmt(mem.get('dataset_bytes_per_active_owner'), 0)} counting Redis's dataset memory only).")
    lines.append("")
    return lines


def anchors_markdown(r):
    an = r["anchors"]
    lines = [
        "### Anchors",
        "",
        "| Anchor | Concurrency | Rate/s | p50 ms | p99 ms | Rows/query | Errors | Plan |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    a = an["slap"]
    lines.append(f"| mariadb-slap, IN list per user (median of {len(a['runs'])}) | {a['concurrency']} "
                 f"| {fmt(a['qps'])} | – | – | – | – | – |")
    for key, title in (("read", "prepared read query"),
                       ("read_after_burst", "prepared read query, after burst"),
                       ("insert", "prepared durable INSERT")):
        x = an.get(key)
        if not x:
            continue
        forms = x.get("forms") or {x["query"]: x}
        for form, f in sorted(forms.items(), key=lambda kv: -kv[1]["qps"]):
            lat = f.get("latency_ms") or {}
            plan = "; ".join(f.get("explain") or []) or "–"
            chosen = " **(anchor)**" if len(forms) > 1 and form == x["query"] else ""
            lines.append(
                f"| {title} (`{form}`){chosen} | {x['threads']} | {fmt(f['qps'])} | {fmt(lat.get('p50'), 3)} "
                f"| {fmt(lat.get('p99'), 3)} | {fmt(x['rows_per_query'], 1) if form == x['query'] else '–'} "
                f"| {x['error_count'] if form == x['query'] else '–'} | {plan.replace('|', '/')} |")
    h = r.get("health")
    if h:
        lat = h.get("latency_ms") or {}
        lines.append(f"| Health/Check through miniter-load | {h['concurrency']} | {fmt(h['qps'])} "
                     f"| {fmt(lat.get('p50'), 3)} | {fmt(lat.get('p99'), 3)} | – | {h['error_count']} | – |")
    lines.append("")
    return lines


def plot(r, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = (len(SCENARIOS) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(12, 4 * rows), constrained_layout=True)
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
