#!/usr/bin/env python3
"""cluster.py: Timeline throughput through HAProxy with two servers next to
one server dialled directly, on the same loaded data set and the same
machine. Closed loop (a fixed number of calls in flight), the "timeline"
scenario of tools/miniter-load, as in bench/run.py.

Needs the data set that bench/run.py loads (.miniter/bench-db-<preset>, or
its --state-dir; run bench/run.py --preset medium once first). Starts that
database if it is not running (and stops it again), two servers and HAProxy
with scripts/cluster.sh (no replica: the comparison is about the proxy and
the second process), logs in sampled users, then measures
  1. one server, dialled directly (the other idle),
  2. both servers through HAProxy,
in alternating order, twice each, and writes OUT/cluster.json and
OUT/cluster.md. About 2 x 2 x (duration + 3 s warm-up) plus ~1 min of
set-up: ~4 min at the default 30 s.

On a 2-core machine running MariaDB, both servers, HAProxy and the load
generator together, the ratio shows the overhead of the extra hop and
processes, not a gain. Relative paths are taken from the repository root."""
import argparse
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import bench_util
import services
from services import BenchError, PrivateMariaDB, run, run_indented

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger("bench")
RUNS = ("one-server-1", "haproxy-two-servers-1", "haproxy-two-servers-2", "one-server-2")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/cluster.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 allow_abbrev=False)
    ap.add_argument("--preset", choices=("tiny", "medium", "large"), default="medium",
                    help="the data set (default %(default)s)")
    ap.add_argument("--duration", default="30s", help="each run (default %(default)s)")
    ap.add_argument("--concurrency", type=int, metavar="N", default=32,
                    help="calls in flight (default %(default)s)")
    ap.add_argument("--users", type=int, metavar="N", default=256,
                    help="users logged in and reading (default %(default)s)")
    ap.add_argument("--pool-size", type=int, metavar="N",
                    help="each server's pool_size (default 4 × cores)")
    ap.add_argument("--build-dir", metavar="DIR", default="build",
                    help="built when its binaries are missing (default %(default)s)")
    ap.add_argument("--out", metavar="DIR", help="default bench/results/cluster")
    ap.add_argument("--state-dir", metavar="DIR",
                    help="the data set of bench/run.py --state-dir (default "
                    ".miniter/bench-db-<preset>)")
    ap.add_argument("--db-buffer-pool", metavar="SIZE",
                    help="InnoDB buffer pool (default 256M tiny, 2G medium/large)")
    a = ap.parse_args(argv)
    a.pool_size = a.pool_size or 4 * len(os.sched_getaffinity(0))
    # As bench/run.py: the data must fit in memory (mariadb.sh starts with 256M).
    a.db_buffer_pool = a.db_buffer_pool or ("256M" if a.preset == "tiny" else "2G")
    return a


def free_port_block():
    """The first base from 24300 (in steps of 20) whose cluster ports are
    free: HAProxy on BASE, the servers from BASE + 11."""
    base = 24300
    while any(bench_util.port_in_use(p) for p in (base, base + 11, base + 12)):
        base += 20
    return base


def summarize(out, preset, concurrency, duration):
    """cluster.json and cluster.md from the four runs; returns the table."""
    names = ("one-server-1", "one-server-2", "haproxy-two-servers-1", "haproxy-two-servers-2")
    runs = {name: bench_util.read_json(out / f"{name}.json") for name in names}

    def best(prefix):
        return max(r["qps"] for n, r in runs.items() if n.startswith(prefix))

    one, two = best("one-server"), best("haproxy-two-servers")
    bench_util.write_json(out / "cluster.json", {
        "preset": preset, "concurrency": concurrency, "duration": duration,
        "one_server_qps": one, "haproxy_two_servers_qps": two, "ratio": two / one,
        "runs": runs})
    md = (f"| Timeline, {preset}, closed loop {concurrency} | QPS (best of 2) | ratio |\n"
          "|---|---:|---:|\n"
          f"| one server, direct | {one:.1f} | 1.00 |\n"
          f"| two servers behind HAProxy | {two:.1f} | {two / one:.2f} |\n")
    (out / "cluster.md").write_text(md)
    return md


def measure(a, cleanup, work):
    out = Path(a.out or REPO / "bench/results/cluster").resolve()
    out.mkdir(parents=True, exist_ok=True)
    state_dir = Path(a.state_dir or REPO / ".miniter" / f"bench-db-{a.preset}").resolve()
    if not state_dir.is_dir():
        raise BenchError(f"no directory {state_dir}")
    manifest = state_dir / "manifest.json"
    if not manifest.is_file():
        raise BenchError(f"no loaded data set in {state_dir}; "
                         f"run bench/run.py --preset {a.preset} first")
    build_dir = Path(a.build_dir).resolve()
    load = build_dir / "tools/miniter-load"
    server_bin = build_dir / "server/miniter-server"
    if not (os.access(load, os.X_OK) and os.access(server_bin, os.X_OK)):
        run(["bash", "scripts/build.sh", a.build_dir], "scripts/build.sh")

    cluster_state = work / "cluster"
    db = PrivateMariaDB(REPO, str(state_dir / "db"))
    cleanup.callback(db.stop_if_started)
    cleanup.callback(subprocess.run, ["bash", "scripts/cluster.sh", "stop", str(cluster_state)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The database, as bench/run.py starts it.
    database_url = db.start()
    if not db.set_global_size("innodb_buffer_pool_size", a.db_buffer_pool):
        log.info(f"warning: could not resize the buffer pool to {a.db_buffer_pool}")

    base = free_port_block()
    log.info(f"starting two servers and HAProxy on the {a.preset} data (ports from {base})")
    # Rate limits (on by default) are raised so that they measure nothing;
    # the load comes from one address. HAProxy logs only errors (a log line
    # per call would be measured as proxy overhead).
    env = dict(
        os.environ,
        MINITER_HAPROXY_LOG_ERRORS_ONLY="1", MINITER_CLUSTER_DATABASE_URL=database_url,
        MINITER_CLUSTER_PORT=str(base), MINITER_SERVER_BINARY=str(server_bin),
        MINITER_LOAD_BINARY=str(load), MINITER_POOL_SIZE=str(a.pool_size),
        MINITER_SERVER_WAIT="600s" if a.preset == "large" else "120s",
        MINITER_LOGIN_RATE_PER_PEER="1000000/1m", MINITER_LOGIN_RATE_PER_EMAIL="1000000/1m",
        MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER="off", MINITER_MAX_CALLS_PER_ACCOUNT="0",
        MINITER_TWEET_RATE_PER_PEER="1000000/1m", MINITER_TWEET_RATE_PER_ACCOUNT="1000000/1m")
    start_log = work / "cluster-start.log"
    with open(start_log, "w") as f:
        started = subprocess.run(["bash", "scripts/cluster.sh", "start", str(cluster_state)],
                                 env=env, stdout=f)
    if started.returncode != 0:
        sys.stderr.write(start_log.read_text(errors="replace"))
        raise BenchError("cluster.sh start failed")
    balancer, direct = f"127.0.0.1:{base}", f"127.0.0.1:{base + 11}"

    # Users log in (the cluster's secret is its own, so no minted tokens);
    # the same sample on every run.
    total = bench_util.read_json(manifest)["users"]
    emails = work / "emails"
    emails.write_text("".join(
        f"user{n}@bench.miniter.test\n"
        for n in random.Random(1).sample(range(1, total + 1), min(a.users, total))))
    log.info(f"logging in {a.users} users")
    tokens = work / "tokens.tsv"
    run([load, "login", f"--server={balancer}", f"--emails_file={emails}", f"--out={tokens}"],
        "miniter-load login")
    workload = work / "workload.tsv"
    with open(tokens) as t, open(workload, "w") as w:
        for line in t:  # email, user_id, token -> user_id, token, no follow list
            fields = line.rstrip("\n").split("\t")
            w.write(f"{fields[1]}\t{fields[2]}\t\n")
    min_id, max_id = db.root_sql("SELECT MIN(id), MAX(id) FROM miniter.users").split("\t")

    for name in RUNS:
        address = direct if name.startswith("one-server") else balancer
        log.info(f"{name}: Timeline, closed loop, {a.concurrency} in flight, {a.duration}")
        run_indented([load, "run", f"--server={address}", f"--workload={workload}",
                      "--scenario=timeline", f"--min_user_id={min_id}",
                      f"--max_user_id={max_id}", "--warmup=3s", f"--duration={a.duration}",
                      "--seed=1", f"--concurrency={a.concurrency}", f"--out={out}/{name}.json"],
                     f"miniter-load run ({name})")
    print(summarize(out, a.preset, a.concurrency, a.duration))
    log.info(f"results in {out}/cluster.json and cluster.md")


def main(argv):
    a = parse_args(argv)
    return services.main("bench-cluster", REPO, lambda cleanup, work: measure(a, cleanup, work))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
