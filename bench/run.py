#!/usr/bin/env python3
"""run.py: the benchmark command. It builds miniter, starts a private MariaDB
kept under .miniter/bench-db-<preset> (so a preset loads once) and a private
Redis (the memory tier; --no-tier: none), loads the preset if needed
(tools/miniter-generate), starts miniter-server and waits for its gRPC health
check, mints tokens for a sample of readers with the server's secret,
measures the anchors (mariadb-slap and a prepared-statement read query, a
durable INSERT, Health/Check), drives every scenario closed-loop (peak) and
open-loop (fixed rates) with tools/miniter-load, measures follower staleness
and a write burst, and writes results.json, results.md (with the issue's
Targets table) and latency_vs_load.png (bench/report.py). See bench/README.md.

--scenarios picks what runs; the raw-SQL read anchors always run, first.
timeline adds the run with only --small-users readers and the Health/Check
rate; search_users (SearchUsers with 1-3 character prefixes of random
users' names) and user_tweets (the first UserTweets page of random users)
run after it, read-only like it; tweet adds the INSERT anchor (before it) and follower staleness (after
it, open loop at 50 % of its peak); watch holds --watch-streams WatchTimeline
streams open while --watch-rate Tweets/s by accounts the watchers follow are
posted, and measures each delivery's delay; burst (last) posts --burst-count tweets by
random authors, then repeats the read anchor and the Timeline closed loop.
--soak adds, after the mix's closed loop, one open-loop mix run of that length
at --soak-load % of the mix's peak (the "zero errors for 60 s at 80 %" check).
Write scenarios change the data; the next run restores the loaded data from a
snapshot (.miniter/bench-db-<preset>/snapshot) or reloads it.

Relative paths are taken from the repository root. A database or Redis this
command started is stopped at the end either way (the data is kept)."""
import argparse
import fcntl
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bench_util
from data_set import DataSet
import services
from services import (BenchError, MiniterServer, PrivateMariaDB, PrivateRedis, RssSampler,
                      SqlClient, run, run_indented, tail, wait_until)

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("timeline", "search_users", "user_tweets", "tweet", "follow", "mix", "watch",
             "burst")
log = logging.getLogger("bench")

# Defaults: a real measurement, or with --quick one that only proves the
# whole pipeline works (the numbers of a quick run mean nothing).
DEFAULTS = {
    "preset": "medium", "duration": "30s", "loads": "25,50,75,100", "users": 5000,
    "concurrency": 32, "anchor_runs": 5, "anchor_duration": "10s", "burst_count": 50000,
    "burst_concurrency": 128, "staleness_sample": 20, "staleness_authors": 500,
    "warmup": "3s", "watch_streams": 1000, "watch_rate": 20,
}
QUICK_DEFAULTS = {
    "preset": "tiny", "duration": "1s", "loads": "50", "users": 16,
    "concurrency": 8, "anchor_runs": 1, "anchor_duration": "1s", "burst_count": 500,
    "burst_concurrency": 16, "staleness_sample": 5, "staleness_authors": 16,
    "warmup": "0.5s", "watch_streams": 16, "watch_rate": 5,
}
# How long the server may take to answer its health check: a large data set
# restored or just loaded makes MariaDB's first statements (migration checks
# on big tables, a cold buffer pool) slower.
SERVER_WAIT = {"tiny": "60s", "medium": "120s", "large": "600s"}


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    dflt = lambda key: f"default {DEFAULTS[key]}; --quick: {QUICK_DEFAULTS[key]}"
    ap.add_argument("--quick", action="store_true",
                    help="smoke-test mode: tiny preset, ~1 s per measurement")
    ap.add_argument("--preset", choices=("tiny", "medium", "large"), help=dflt("preset"))
    ap.add_argument("--duration", metavar="DURATION", help=f"measured time per run, after the warm-up ({dflt('duration')})")
    ap.add_argument("--out", metavar="DIR", help="results directory (default bench/results, or STATE_DIR/results "
                    "with --state-dir)")
    ap.add_argument("--concurrency", type=int, metavar="N",
                    help=f"calls in flight in closed loop, and the anchors' ({dflt('concurrency')})")
    ap.add_argument("--loads", metavar="PCTS", help=f"open-loop loads, %% of each closed-loop peak ({dflt('loads')})")
    ap.add_argument("--scenarios", metavar="LIST", default=",".join(SCENARIOS),
                    help="comma-separated, of %(default)s (the default)")
    ap.add_argument("--no-tier", dest="tier", action="store_false",
                    help="no memory tier: the server on MariaDB alone")
    ap.add_argument("--anchor-runs", type=int, metavar="N", help=f"mariadb-slap runs ({dflt('anchor_runs')})")
    ap.add_argument("--anchor-duration", metavar="DURATION", help=f"each anchor run ({dflt('anchor_duration')})")
    ap.add_argument("--anchor-query", choices=("best", "in", "derived"), default="best",
                    help="the prepared read anchor's SQL form; best: both, the faster one "
                    "counts (default)")
    ap.add_argument("--soak", default="", metavar="DURATION",
                    help="after the mix's closed loop, an open-loop mix run of that length")
    ap.add_argument("--soak-load", type=int, metavar="N", default=80,
                    help="the soak's load, %% of the mix's peak (default %(default)s)")
    ap.add_argument("--compare-with", metavar="RESULTS_JSON",
                    help="another preset's results.json: adds the flat-cost ratio (this run's "
                    "Timeline p50 at peak over that one's)")
    ap.add_argument("--users", type=int, metavar="N", help=f"sampled readers ({dflt('users')})")
    ap.add_argument("--small-users", type=int, metavar="N", default=256,
                    help="readers of the small Timeline run (default %(default)s)")
    ap.add_argument("--burst-count", type=int, metavar="N", help=f"Tweets of the burst ({dflt('burst_count')})")
    ap.add_argument("--burst-concurrency", type=int, metavar="N",
                    help=f"calls in flight in the burst ({dflt('burst_concurrency')})")
    ap.add_argument("--staleness-sample", type=int, metavar="N",
                    help=f"one Tweet in N followed up ({dflt('staleness_sample')})")
    ap.add_argument("--staleness-authors", type=int, metavar="N",
                    help=f"authors of the staleness Tweets ({dflt('staleness_authors')})")
    ap.add_argument("--watch-streams", type=int, metavar="N",
                    help=f"WatchTimeline streams of the watch scenario ({dflt('watch_streams')})")
    ap.add_argument("--watch-rate", type=float, metavar="R",
                    help=f"Tweets/s of the watch scenario ({dflt('watch_rate')})")
    ap.add_argument("--server-wait", metavar="DURATION",
                    help="how long the server may take to serve (default 60s tiny, 120s "
                    "medium, 600s large)")
    ap.add_argument("--pool-size", type=int, metavar="N", help="the server's pool_size (default 4 × cores)")
    ap.add_argument("--seed", type=int, metavar="N", default=1, help="data set and sampling seed (default 1)")
    ap.add_argument("--state-dir", metavar="DIR", help="database and manifest elsewhere (default "
                    ".miniter/bench-db-<preset>), e.g. a throwaway directory")
    ap.add_argument("--build-dir", metavar="DIR", default="build", help="default %(default)s")
    ap.add_argument("--no-build", dest="build", action="store_false",
                    help="use the binaries of --build-dir as they are")
    ap.add_argument("--db-buffer-pool", metavar="SIZE",
                    help="InnoDB buffer pool (default 256M tiny, 2G medium/large)")
    ap.add_argument("--db-redo-log", metavar="SIZE",
                    help="InnoDB redo log (default 96M tiny, 1G medium/large)")
    ap.add_argument("--trace", action="store_true",
                    help="keep every measured call's due time and latency (raw/<run>.trace.tsv, "
                    "read by bench/trace_report.py): when the slow calls happen")
    a = ap.parse_args(argv)

    for key, value in (QUICK_DEFAULTS if a.quick else DEFAULTS).items():
        if getattr(a, key, None) is None:
            setattr(a, key, value)
    a.scenario_list = a.scenarios.split(",")
    for s in a.scenario_list:
        if s not in SCENARIOS:
            ap.error(f"--scenarios: unknown scenario {s}")
    try:
        a.load_pcts = [int(p) for p in a.loads.split(",")]
    except ValueError:
        ap.error(f"--loads must be whole percentages, e.g. 25,50: {a.loads}")
    try:
        bench_util.seconds(a.anchor_duration)
    except ValueError as e:
        ap.error(f"--anchor-duration: {e}")
    a.server_wait = a.server_wait or SERVER_WAIT[a.preset]
    # The data of medium/large must fit in memory for the numbers to be
    # about the design rather than the disk; mariadb.sh starts with 256M.
    a.db_buffer_pool = a.db_buffer_pool or ("256M" if a.preset == "tiny" else "2G")
    # InnoDB's redo log (96M by default) fills in seconds under the write
    # scenarios, and each time it does, InnoDB must flush dirty pages before
    # it can reuse it; a larger log is the usual setting for a write-heavy
    # server. Durability is unchanged (innodb_flush_log_at_trx_commit=1).
    a.db_redo_log = a.db_redo_log or ("96M" if a.preset == "tiny" else "1G")
    # Connections to MariaDB: on 2 cores more than a few concurrent queries
    # only queue inside InnoDB; 4 per core leaves room for ones waiting on I/O.
    a.pool_size = a.pool_size or 4 * len(os.sched_getaffinity(0))
    return a


class Bench:
    """One benchmark run: the steps in order, the files they share."""

    def __init__(self, a, work, cleanup):
        self.a, self.work, self.cleanup = a, work, cleanup
        default_state = REPO / ".miniter" / f"bench-db-{a.preset}"
        self.state_dir = Path(a.state_dir or default_state).resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        default_out = REPO / "bench/results" if self.state_dir == default_state.resolve() \
            else self.state_dir / "results"
        self.out = Path(a.out or default_out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.raw = self.out / "raw"
        shutil.rmtree(self.raw, ignore_errors=True)
        self.raw.mkdir()
        # Other work on the machine skews every figure; recorded with the results.
        with open("/proc/loadavg") as f:
            self.loadavg_start = " ".join(f.read().split()[:3])
        self.build_dir = Path(a.build_dir)
        self.db = PrivateMariaDB(REPO, str(self.state_dir / "db"))
        cleanup.callback(self.db.stop_if_started)
        self.redis = PrivateRedis(REPO, str(self.state_dir / "redis"))
        cleanup.callback(self.redis.stop_if_started)
        self.server = None

    def w(self, name):
        return str(self.work / name)

    # ---- build, tools, Python for the report --------------------------------------

    def build(self):
        if self.a.build:
            log.info(f"building ({self.a.build_dir})")
            with open(self.w("build.log"), "w") as out:
                result = subprocess.run(["bash", "scripts/build.sh", self.a.build_dir],
                                        stdout=out, stderr=subprocess.STDOUT)
            if result.returncode != 0:
                sys.stderr.write(Path(self.w("build.log")).read_text(errors="replace"))
                raise BenchError("build failed (output above)")
        self.build_dir = self.build_dir.resolve()
        self.generate = self.build_dir / "tools/miniter-generate"
        self.load = self.build_dir / "tools/miniter-load"
        self.server_bin = self.build_dir / "server/miniter-server"
        for b in (self.generate, self.load, self.server_bin):
            if not os.access(b, os.X_OK):
                raise BenchError(f"{b} is missing; build first (or drop --no-build)")
        if not shutil.which("mariadb-slap"):
            raise BenchError("mariadb-slap is missing (Debian package mariadb-client)")
        if self.a.tier and not (shutil.which("redis-server") and shutil.which("redis-cli")):
            raise BenchError("redis-server/redis-cli are missing (Debian package redis-server), "
                             "or run with --no-tier")

    # ---- the private MariaDB and the data set --------------------------------------

    def prepare_database(self):
        a = self.a
        self.data_set = DataSet(self.db, str(self.state_dir), a.preset, a.seed)
        self.database_url = self.data_set.prepare(self.generate, REPO)
        if any(s != "timeline" for s in a.scenario_list):  # this run changes the data
            self.data_set.snapshot_if_missing()
        if not self.db.set_global_size("innodb_buffer_pool_size", a.db_buffer_pool):
            log.info(f"warning: could not resize the buffer pool to {a.db_buffer_pool}")
        if not self.db.set_global_size("innodb_log_file_size", a.db_redo_log):
            log.info(f"warning: could not resize the redo log to {a.db_redo_log}")
        self.sql = SqlClient(self.database_url, self.w("client.cnf"))

    def start_tier(self):
        if self.a.tier:
            self.redis.start()
            log.info(f"memory tier: private Redis at {self.redis.url} "
                     f"(empty: {self.redis.baseline} bytes used)")
        else:
            log.info("memory tier: none (--no-tier): MariaDB alone")

    # ---- the server ------------------------------------------------------------------

    def start_server(self):
        a = self.a
        self.address = f"127.0.0.1:{bench_util.free_port()}"
        server_log = self.out / "server.log"
        # The token secret, in a file only we can read: the server signs with
        # it and miniter-load mint issues the readers' tokens with it (no
        # Argon2 logins).
        self.secret_file = self.w("token_secret")
        bench_util.write_private(self.secret_file, os.urandom(32).hex())
        log.info(f"starting miniter-server on {self.address} (pool_size {a.pool_size}, "
                 f"tier {self.redis.url or 'none'})")
        env = dict(
            os.environ,
            MINITER_DATABASE_URL=self.database_url,
            MINITER_TOKEN_SECRET="", MINITER_TOKEN_SECRET_FILE=self.secret_file,
            # Set either way: empty means no tier, whatever the caller's
            # environment says.
            MINITER_REDIS_URL=self.redis.url,
            MINITER_LISTEN=self.address, MINITER_POOL_SIZE=str(a.pool_size),
            # The load comes from one address at ~1,000 tweets/s: rate limits
            # (on by default, per address and account) are raised, and the
            # per-account limit on calls in flight is off (sampled readers
            # may overlap), so they measure nothing.
            MINITER_LOGIN_RATE_PER_PEER="1000000/1m", MINITER_TWEET_RATE_PER_PEER="1000000/1m",
            MINITER_TWEET_RATE_PER_ACCOUNT="1000000/1m",
            MINITER_MAX_CALLS_PER_ACCOUNT="0",
            # The pool's wait queue (by default 4 × pool_size, 32 on 2 cores)
            # would turn the burst's calls in flight and an open loop's
            # backlog into RESOURCE_EXHAUSTED: the benchmark measures
            # queueing as latency; failing fast is tested elsewhere.
            MINITER_POOL_QUEUE="1000",
            # Room for the watch scenario's streams (one per watcher) and a
            # few more.
            MINITER_MAX_WATCH_STREAMS=str(max(1000, 2 * a.watch_streams)),
        )
        self.server = MiniterServer(self.server_bin, env, server_log)
        self.cleanup.callback(self.server.stop)
        # Ready means answering the gRPC health check with SERVING (not a log
        # line); miniter-load says what it waits for and stops early if the
        # server exits.
        ready = subprocess.run([str(self.load), "health", f"--server={self.address}",
                                f"--wait={a.server_wait}", f"--watch_pid={self.server.pid}"])
        if ready.returncode == 0:
            return
        for title, path, lines in (("server log", server_log, 60),
                                   ("MariaDB error log", Path(self.db.dir) / "mysqld.log", 30),
                                   ("Redis log", Path(self.redis.dir) / "redis.log", 10)):
            if title != "Redis log" or a.tier:
                print(f"bench: ---- {title}, last {lines} lines ({path}) ----", file=sys.stderr)
                sys.stderr.write(tail(path, lines))
        if self.server.alive():
            raise BenchError(f"the server did not answer its health check with SERVING in "
                             f"{a.server_wait} (--server-wait)")
        raise BenchError("the server exited before it served (log above)")

    # ---- users, tokens, follow lists ----------------------------------------------

    def mint(self, ids_file, tokens_file):
        run([self.load, "mint", f"--secret_file={self.secret_file}",
             f"--user_ids_file={ids_file}", f"--out={tokens_file}"], "miniter-load mint")

    def prepare_readers(self):
        a = self.a
        self.all_ids = self.sql.query("SELECT id FROM users ORDER BY id").split()
        _write_lines(self.w("all_ids"), self.all_ids)
        self.min_id, self.max_id = self.sql.rows("SELECT MIN(id), MAX(id) FROM users")[0]
        readers = bench_util.sample(self.all_ids, a.users, a.seed)
        _write_lines(self.w("reader_ids"), readers)
        log.info(f"minting tokens for {len(readers)} sampled readers "
                 "(the server's secret, no logins)")
        self.mint(self.w("reader_ids"), self.w("tokens.tsv"))
        follows = dict(self.sql.rows(
            "SET SESSION group_concat_max_len = 16777216; "
            "SELECT follower_id, GROUP_CONCAT(followee_id) FROM follows "
            f"WHERE follower_id IN ({','.join(readers)}) GROUP BY follower_id"))
        self.workload = self.w("workload.tsv")
        self.readers = bench_util.write_workload(
            self.w("tokens.tsv"), follows, self.workload, self.w("anchor.sql"),
            bench_util.slap_repeats(len(readers), a.quick))
        # The same Timeline run with only the first --small-users readers:
        # whether the number of distinct readers changes the throughput.
        self.workload_small = self.w("workload-small.tsv")
        with open(self.workload) as f:
            small = f.readlines()[:a.small_users]
        with open(self.workload_small, "w") as f:
            f.writelines(small)
        self.small_readers = len(small)

    # ---- the anchors -----------------------------------------------------------------

    def slap(self, queries):
        """One mariadb-slap run of anchor.sql; (seconds, queries that ran)."""
        com_select = "SHOW GLOBAL STATUS LIKE 'Com_select'"
        before = int(self.sql.rows(com_select)[0][1])
        result = subprocess.run(
            ["mariadb-slap", f"--defaults-file={self.sql.cnf}",
             f"--create-schema={self.sql.database}", "--no-drop",
             f"--query={self.w('anchor.sql')}", "--delimiter=;",
             f"--concurrency={self.a.concurrency}", "--iterations=1",
             f"--number-of-queries={queries}"], stdout=subprocess.PIPE, text=True)
        m = re.search(r"Average number of seconds to run all queries: ([0-9.]+)",
                      result.stdout)
        if result.returncode != 0 or not m:
            sys.stderr.write(result.stdout)
            raise BenchError("mariadb-slap failed")
        after = int(self.sql.rows(com_select)[0][1])
        # Com_select counts what actually ran, whatever mariadb-slap makes of
        # --number-of-queries (it is a per-client approximation).
        return float(m.group(1)), after - before

    def slap_anchor(self):
        a = self.a
        log.info(f"raw SQL anchor: mariadb-slap, concurrency {a.concurrency}, {a.anchor_runs} "
                 f"runs of ~{a.anchor_duration} after a warm-up")
        # Warm-up, not measured: every query of the file once, so the pages of
        # the sampled users' followees are in the buffer pool (the pool starts
        # at 256M and holds only what the last shutdown dumped; a cold first
        # run measured the disk, not the query: docs/profile.md). Then sized
        # from the warm-up and again while a run is much shorter than the
        # target.
        with open(self.w("anchor.sql")) as f:
            secs, queries = self.slap(sum(1 for _ in f))
        target_s = bench_util.seconds(a.anchor_duration)
        for _ in range(3):
            next_q = bench_util.slap_next(secs, queries, target_s)
            if next_q == 0:
                break
            secs, queries = self.slap(next_q)
        # Several runs of the same size: the median is the anchor, the spread
        # says how far to trust it.
        runs = []
        for i in range(1, a.anchor_runs + 1):
            s, q = self.slap(queries)
            log.info(f"anchor run {i}/{a.anchor_runs}: {q} queries in {s} s")
            runs.append({"seconds": s, "queries": q})
        bench_util.write_json(self.raw / "anchor.json", {
            "tool": "mariadb-slap", "concurrency": a.concurrency, "users": self.readers,
            "runs": runs})

    def anchor_read(self, name):
        """The raw fan-out-on-read query as a prepared statement (miniter-load
        anchor-read): --concurrency connections, the same readers as the
        Timeline closed loop, every row read; its EXPLAIN goes into the JSON.
        Both SQL forms by default (--anchor-query best): the anchor is the
        faster one, the best MariaDB does for this query on the data as it is
        at that moment. A form that answers nothing in time (the derived join
        on `large`: every query outlived the connection's read timeout) is not
        the best one; the anchor fails only when no form answers."""
        a = self.a
        forms = ["in", "derived"] if a.anchor_query == "best" else [a.anchor_query]
        answered = False
        for form in forms:
            log.info(f"raw read anchor ({name}, form {form}): prepared statement, "
                     f"{a.concurrency} connections, {a.anchor_duration}")
            try:
                run_indented([self.load, "anchor-read", f"--database_url={self.database_url}",
                              f"--workload={self.workload}", f"--threads={a.concurrency}",
                              f"--warmup={a.warmup}", f"--duration={a.anchor_duration}",
                              f"--query={form}", f"--seed={a.seed}",
                              f"--out={self.raw}/{name}-{form}.json"], "miniter-load anchor-read")
                answered = True
            except BenchError:
                log.info(f"raw read anchor ({name}, form {form}) answered no query; "
                         "it is kept in the results as 0 q/s")
        if not answered:
            raise BenchError(f"no form of the raw read anchor ({name}) answered")

    def anchor_insert(self):
        """The durable-write anchor: autocommit single-row INSERTs of random
        authors straight into tweets, at the Tweet scenario's concurrency. Its
        authors are the ones whose tweets are fanned out (not merged at read),
        so no server cache ever holds one of its rows; the rows are deleted
        again afterwards (nothing refers to them), so the tweets the later
        scenarios and the burst add are the only ones the data gained."""
        a = self.a
        _write_lines(self.w("insert_authors"), self.sql.query(
            "SELECT u.id FROM users u LEFT JOIN author_fanout a ON a.user_id = u.id "
            "WHERE COALESCE(a.merged_at_read, 0) = 0").split())
        last_tweet = self.sql.value("SELECT COALESCE(MAX(id), 0) FROM tweets")
        log.info(f"raw insert anchor: prepared autocommit INSERT INTO tweets, {a.concurrency} "
                 f"connections, {a.anchor_duration}")
        run_indented([self.load, "anchor-insert", f"--database_url={self.database_url}",
                      f"--user_ids_file={self.w('insert_authors')}", f"--threads={a.concurrency}",
                      f"--warmup={a.warmup}", f"--duration={a.anchor_duration}",
                      f"--seed={a.seed}", f"--out={self.raw}/anchor-insert.json"],
                     "miniter-load anchor-insert")
        while self.sql.value(f"DELETE FROM tweets WHERE id > {last_tweet} LIMIT 10000; "
                             "SELECT ROW_COUNT()") != "0":
            pass
        # Let InnoDB purge the deleted rows before the Tweet scenario is measured.
        wait_until(self._purged, 60, 0.5)

    def _purged(self):
        try:
            history = self.db.root_sql("SELECT COUNT FROM information_schema.INNODB_METRICS "
                                       "WHERE NAME = 'trx_rseg_history_len'")
        except subprocess.CalledProcessError:
            history = "0"
        return int(history or 0) < 1000

    # ---- the scenarios ---------------------------------------------------------------

    def run_load(self, name, *args, workload=None):
        """One measurement with miniter-load run, plus the server's memory."""
        a = self.a
        traced = [f"--trace_out={self.raw}/{name}.trace.tsv"] if a.trace else []
        with RssSampler(self.server) as rss:
            run_indented([self.load, "run", f"--server={self.address}",
                          f"--workload={workload or self.workload}",
                          f"--min_user_id={self.min_id}", f"--max_user_id={self.max_id}",
                          f"--warmup={a.warmup}", f"--duration={a.duration}", f"--seed={a.seed}",
                          f"--server_pid={self.server.pid}", *traced,
                          f"--out={self.raw}/{name}.json", *args], f"miniter-load run ({name})")
        bench_util.write_json(self.raw / f"{name}.mem.json", {
            "vmrss_max_kb": rss.max_kb, "vmhwm_kb": self.server.status_kb("VmHWM")})

    def peak_of(self, scenario):
        return bench_util.read_json(self.raw / f"{scenario}-closed.json")["qps"]

    def tier_memory(self, label):
        """Redis memory over its empty baseline, keys, bytes per owner."""
        if self.a.tier:
            bench_util.write_json(self.raw / f"tier-memory-{label}.json",
                                  self.redis.memory_record())

    def closed_and_open(self, scenario, *args):
        """The scenario closed-loop (its peak), then open-loop at each of
        --loads; ARGS go to every miniter-load run."""
        a = self.a
        log.info(f"{scenario}: closed loop, concurrency {a.concurrency}")
        self.run_load(f"{scenario}-closed", f"--scenario={scenario}",
                      f"--concurrency={a.concurrency}", *args)
        peak = self.peak_of(scenario)
        for pct in a.load_pcts:
            rate = bench_util.rate(peak, pct)
            log.info(f"{scenario}: open loop at {pct}% of peak ({rate} calls/s)")
            self.run_load(f"{scenario}-open-{pct}", f"--scenario={scenario}", f"--rate={rate}",
                          "--concurrency=0", *args)

    def timeline(self):
        a = self.a
        # Every reader's first Timeline fills its tier entry from MariaDB (the
        # private Redis starts empty); one call per reader first, as the
        # anchor gets its warm-up pass, so the runs below measure the tier as
        # it is once the readers are active. That pass is reported on its
        # own: the rate of first reads.
        log.info(f"timeline: first call of each of the {self.readers} readers (fills the tier)")
        self.run_load("timeline-first", "--scenario=timeline", f"--concurrency={a.concurrency}",
                      f"--count={self.readers}", "--each_user_in_turn")
        self.closed_and_open("timeline")
        log.info(f"timeline: closed loop with only the first {self.small_readers} readers")
        self.run_load("timeline-small-closed", "--scenario=timeline",
                      f"--concurrency={a.concurrency}", workload=self.workload_small)
        log.info(f"health: closed loop of grpc.health.v1.Health/Check, concurrency "
                 f"{a.concurrency}")
        self.run_load("health-closed", "--scenario=health", f"--concurrency={a.concurrency}")
        self.tier_memory("after-timeline")

    def search_users(self):
        """SearchUsers, first page, each call with a prefix of 1 to 3
        characters of a random user's name (bench_util.name_prefixes): short
        prefixes match many users, so every call reads a full page."""
        a = self.a
        names = [r[0] for r in self.sql.rows(
            f"SELECT name FROM users ORDER BY RAND({a.seed}) LIMIT 10000")]
        with open(self.w("search_queries"), "w", encoding="utf-8") as f:
            f.writelines(f"{q}\n" for q in bench_util.name_prefixes(names, 1000, a.seed))
        self.closed_and_open("search_users", f"--queries_file={self.w('search_queries')}")

    def tweet(self):
        self.data_set.mark_dirty()
        self.anchor_insert()
        self.closed_and_open("tweet")
        self.staleness()

    def staleness(self):
        """Follower staleness: Tweets by authors that have followers, open
        loop at 50 % of the Tweet peak; one in --staleness-sample is looked
        for on one follower's first Timeline page (tokens minted like the
        readers')."""
        a = self.a
        followed = self.sql.query("SELECT DISTINCT followee_id FROM follows").split()
        authors = bench_util.sample(followed, a.staleness_authors, a.seed)
        pairs = [tuple(r) for r in self.sql.rows(
            "SELECT followee_id, follower_id FROM ("
            " SELECT followee_id, follower_id,"
            f"  ROW_NUMBER() OVER (PARTITION BY followee_id ORDER BY RAND({a.seed})) AS n"
            f" FROM follows WHERE followee_id IN ({','.join(authors)})) x "
            "WHERE n <= 3")]
        _write_lines(self.w("staleness_ids"), sorted({int(i) for p in pairs for i in p}))
        self.mint(self.w("staleness_ids"), self.w("staleness_tokens.tsv"))
        with open(self.w("staleness_pairs.tsv"), "w") as f:
            f.writelines(bench_util.staleness_pairs(pairs, self.w("staleness_tokens.tsv")))
        rate = bench_util.rate(self.peak_of("tweet"), 50)
        log.info(f"staleness: Tweets at 50% of the Tweet peak ({rate}/s) by {len(authors)} "
                 f"authors; 1 in {a.staleness_sample} followed up on a follower's timeline")
        run_indented([self.load, "staleness", f"--server={self.address}",
                      f"--pairs={self.w('staleness_pairs.tsv')}", f"--rate={rate}",
                      f"--warmup={a.warmup}", f"--duration={a.duration}",
                      f"--sample_every={a.staleness_sample}", f"--seed={a.seed}",
                      f"--out={self.raw}/staleness.json"], "miniter-load staleness")

    def follow_or_mix(self, scenario):
        a = self.a
        self.data_set.mark_dirty()
        self.closed_and_open(scenario)
        if scenario == "mix" and a.soak:
            rate = bench_util.rate(self.peak_of("mix"), a.soak_load)
            log.info(f"mix: soak, open loop at {a.soak_load}% of peak ({rate} calls/s) for {a.soak}")
            self.run_load(f"mix-soak-{a.soak_load}", "--scenario=mix", f"--rate={rate}",
                          "--concurrency=0", f"--duration={a.soak}")

    def watch(self):
        """WatchTimeline fan-out: the first --watch-streams readers of the
        workload each hold a stream open; the 10 accounts they follow most
        post --watch-rate Tweets/s (open loop, tokens minted), so a tweet
        reaches every watcher following its author. Reported: streams,
        tweets/s, deliveries/s, p50/p99 delay from each Tweet call's start to
        its arrival on a stream, and deliveries missing or repeated."""
        a = self.a
        self.data_set.mark_dirty()
        with open(self.workload) as f:
            watchers = f.readlines()[:a.watch_streams]
        with open(self.w("watchers.tsv"), "w") as f:
            f.writelines(watchers)
        authors = bench_util.most_followed(watchers, 10)
        _write_lines(self.w("watch_author_ids"), authors)
        self.mint(self.w("watch_author_ids"), self.w("watch_authors.tsv"))
        log.info(f"watch: {len(watchers)} WatchTimeline streams, {a.watch_rate} Tweets/s by the "
                 f"{len(authors)} accounts they follow most")
        run_indented([self.load, "watch", f"--server={self.address}",
                      f"--watchers={self.w('watchers.tsv')}",
                      f"--authors={self.w('watch_authors.tsv')}", f"--rate={a.watch_rate}",
                      f"--warmup={a.warmup}", f"--duration={a.duration}", f"--seed={a.seed}",
                      f"--out={self.raw}/watch.json"], "miniter-load watch")

    def burst(self):
        """The write burst: --burst-count Tweets by random authors (any user,
        tokens minted for all), as fast as --burst-concurrency calls in
        flight allow; then the read anchor and the Timeline closed loop
        again, on the data as the burst left it (new tweets at the newest end
        of the primary key, by authors a reader mostly does not follow: the
        fan-out-on-read query's worst case)."""
        a = self.a
        self.data_set.mark_dirty()
        self.mint(self.w("all_ids"), self.w("burst_tokens.tsv"))
        log.info(f"burst: {a.burst_count} Tweets by random authors, closed loop, concurrency "
                 f"{a.burst_concurrency}")
        run_indented([self.load, "run", f"--server={self.address}",
                      f"--workload={self.w('burst_tokens.tsv')}", "--scenario=tweet",
                      f"--concurrency={a.burst_concurrency}", f"--count={a.burst_count}",
                      f"--seed={a.seed}", f"--out={self.raw}/burst-tweets.json"],
                     "miniter-load run (burst)")
        self.anchor_read("anchor-read-after-burst")
        log.info(f"burst: Timeline closed loop again, concurrency {a.concurrency}")
        self.run_load("burst-timeline-closed", "--scenario=timeline",
                      f"--concurrency={a.concurrency}")

    # ---- machine and report ------------------------------------------------------

    def report(self, python):
        a = self.a
        bench_util.write_json(self.raw / "machine.json", bench_util.machine_record(
            self.sql.value("SELECT VERSION()"), self.loadavg_start))
        bench_util.write_json(self.raw / "settings.json", {
            "preset": a.preset, "duration": a.duration, "warmup": a.warmup,
            "concurrency": a.concurrency, "loads": a.loads, "users_sampled": self.readers,
            "small_users": self.small_readers, "pool_size": a.pool_size,
            "db_buffer_pool": a.db_buffer_pool, "db_redo_log": a.db_redo_log,
            "quick": a.quick, "scenarios": a.scenarios, "soak": a.soak,
            "soak_load": a.soak_load, "tier": a.tier, "tier_url": self.redis.url,
            "anchor_query": a.anchor_query, "anchor_duration": a.anchor_duration,
            "burst_count": a.burst_count, "burst_concurrency": a.burst_concurrency,
            "staleness_sample": a.staleness_sample, "staleness_authors": a.staleness_authors,
            "watch_streams": a.watch_streams, "watch_rate": a.watch_rate,
            "tokens": "minted",
        })
        shutil.copy(self.data_set.manifest, self.raw / "manifest.json")
        compare = [str(Path(a.compare_with).resolve())] if a.compare_with else []
        run([python, REPO / "bench/report.py", self.raw, self.out, *compare], "bench/report.py")
        log.info(f"results: {self.out}/results.md, {self.out}/results.json, "
                 f"{self.out}/latency_vs_load.png")

    def run(self):
        has = self.a.scenario_list.__contains__
        self.build()
        python = report_python()
        self.prepare_database()
        self.start_tier()
        self.start_server()
        self.prepare_readers()
        self.slap_anchor()
        self.anchor_read("anchor-read")
        # Read-only first, so a timeline measurement never sees the tweets
        # that a write scenario of the same run added.
        if has("timeline"):
            self.timeline()
        if has("search_users"):
            self.search_users()
        if has("user_tweets"):
            self.closed_and_open("user_tweets")
        if has("tweet"):
            self.tweet()
        for scenario in ("follow", "mix"):
            if has(scenario):
                self.follow_or_mix(scenario)
        if has("watch"):
            self.watch()
        if has("burst"):
            self.burst()
        self.tier_memory("at-end")
        self.report(python)


def report_python():
    """The Python that runs bench/report.py: a venv with the matplotlib of
    requirements.txt (pinned, so every machine draws with the same code),
    rebuilt when that file changes."""
    venv = Path(os.environ.get("MINITER_BENCH_VENV", REPO / ".miniter/bench-venv"))
    requirements = REPO / "bench/requirements.txt"
    want = subprocess.run(["sha256sum", str(requirements)], check=True, capture_output=True,
                          text=True).stdout.split()[0]
    stamp = venv / ".requirements.sha256"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # Two benchmark runs (say, the smoke tests of two build trees) share the
    # venv; the lock keeps them from building it at the same time.
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.access(venv / "bin/python", os.X_OK) and stamp.is_file()
                and stamp.read_text().strip() == want):
            log.info(f"preparing {venv} (pip install -r bench/requirements.txt)")
            shutil.rmtree(venv, ignore_errors=True)
            # Debian's python3 on purpose: a pyenv or conda python on PATH
            # would make the venv depend on one developer's setup.
            run(["/usr/bin/python3", "-m", "venv", venv],
                "python3 -m venv (Debian package python3-venv)")
            run([venv / "bin/pip", "install", "--quiet", "--disable-pip-version-check",
                 "-r", requirements], "pip install -r bench/requirements.txt")
            stamp.write_text(want + "\n")
    return venv / "bin/python"


def _write_lines(path, items):
    with open(path, "w") as f:
        f.writelines(f"{i}\n" for i in items)


def main(argv):
    a = parse_args(argv)
    return services.main("bench", REPO, lambda cleanup, work: Bench(a, work, cleanup).run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
