#!/usr/bin/env python3
"""backup_test.py: the reliability suite's backup scenario (ctest
reliability_backup; docs/operations.md, "Backups and restore").

A private MariaDB, Redis (the memory tier) and miniter-server take a Tweet
load from the load driver (four writers, two followers reading their home
timelines). scripts/backup.sh take runs in the middle of it. The backup is
restored with scripts/backup.sh restore into a fresh MariaDB of its own
(directory and port), with the same Redis. Then:
  * every tweet acknowledged before the backup began is restored, with the
    id and text the client was told; nothing is restored that was sent
    after the backup ended, or never sent; each writer's restored tweets
    are a prefix of what it sent (one instant, not table by table);
  * scripts/backup.sh verify finds the restored database consistent (and
    the source too, after the load: the checks hold for a live database);
  * no home-timeline entry is left in Redis from before the restore;
  * a server on the restored database serves the author's timeline as
    exactly the author's restored tweets.

  backup_test.py STATE_DIR SERVER_BINARY LOAD_DRIVER_BINARY

STATE_DIR is wiped first; it keeps the logs of a failed run and is deleted
after a run that passed. Every wait polls against a deadline.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tier_state  # noqa: E402  (sql() and redis() helpers)

MARIADB_SH = os.path.join(REPO, "scripts", "mariadb.sh")
REDIS_SH = os.path.join(REPO, "scripts", "redis.sh")
BACKUP_SH = os.path.join(REPO, "scripts", "backup.sh")
# Tweets acknowledged before the backup starts: enough that every table
# has rows and the dump takes a measurable while.
TWEETS_BEFORE_BACKUP = 1000
EMAIL_DOMAIN = "@reliability.example.com"  # load_driver.cc's sign-up


def now_ms():
    return int(time.time() * 1000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout_s, alive=None):
    """Polls `condition` until true; fails after `timeout_s` or as soon as
    `alive` (a process) has exited."""
    give_up = time.monotonic() + timeout_s
    while not condition():
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"{what}: the process exited ({alive.returncode})")
        if time.monotonic() > give_up:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(0.05)


def run(*command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command[:3])}... failed ({done.returncode}):\n"
                             f"{done.stdout}{done.stderr}")
    return done.stdout


class Scenario:
    def __init__(self, state_dir, server_binary, driver_binary):
        self.state = state_dir
        self.server_binary = server_binary
        self.driver_binary = driver_binary
        self.processes = []
        self.databases = []
        self.redis_dir = os.path.join(state_dir, "redis")

    # --- the private servers -------------------------------------------
    def start_database(self, name):
        directory = os.path.join(self.state, name)
        self.databases.append(directory)
        for attempt in range(3):
            # The port was free a moment ago; another tree's test may take
            # it before mariadbd binds it (tests/db/start_test_db.sh retries
            # likewise).
            done = subprocess.run(["bash", MARIADB_SH, "start", directory,
                                   str(free_port())], capture_output=True, text=True)
            if done.returncode == 0:
                return os.path.join(directory, "database_url")
            subprocess.run(["bash", MARIADB_SH, "stop", directory], capture_output=True)
        raise AssertionError(f"MariaDB {name} did not start:\n{done.stderr}")

    def start_server(self, name, url_file, redis_url):
        for attempt in range(3):
            port = free_port()
            env = dict(os.environ,
                       MINITER_DATABASE_URL=open(url_file).read().strip(),
                       MINITER_REDIS_URL=redis_url,
                       MINITER_TOKEN_SECRET="backup-test-secret-0123456789abcdef",
                       MINITER_LISTEN=f"127.0.0.1:{port}",
                       MINITER_POOL_SIZE="4",
                       MINITER_TWEET_RATE_PER_ACCOUNT="off",
                       MINITER_TWEET_RATE_PER_PEER="off",
                       MINITER_SIGNUP_RATE_PER_PEER="off",
                       MINITER_LOGIN_RATE_PER_PEER="off",
                       MINITER_MAX_CALLS_PER_ACCOUNT="0")
            with open(os.path.join(self.state, f"{name}.log"), "a") as log:
                server = subprocess.Popen([self.server_binary], env=env, stdout=log,
                                          stderr=subprocess.STDOUT,
                                          start_new_session=True)
            self.processes.append(server)

            def listening():
                with socket.socket() as s:
                    return s.connect_ex(("127.0.0.1", port)) == 0
            give_up = time.monotonic() + 30
            while server.poll() is None and time.monotonic() < give_up:
                if listening():
                    return server, f"127.0.0.1:{port}"
                time.sleep(0.05)
            # Exited (the port may have been taken meanwhile: try another)
            # or not listening in 30 s.
            self.stop(server)
        raise AssertionError(f"{name} did not start; see {name}.log")

    def stop(self, process, timeout_s=20):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def cleanup(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.kill()
                process.wait()
        for directory in self.databases:
            subprocess.run(["bash", MARIADB_SH, "stop", directory], capture_output=True)
        subprocess.run(["bash", REDIS_SH, "stop", self.redis_dir], capture_output=True)

    # --- the load driver's log -----------------------------------------
    @staticmethod
    def read_load(path):
        """{marker: [sent_ms, outcome, done_ms, tweet_id]} and the timeline."""
        calls, timeline, timeline_end = {}, [], None
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # the driver was stopped while writing it
                fields = line.rstrip("\n").split("\t")
                t, kind = int(fields[0]), fields[1]
                if kind == "sent":
                    calls[fields[2]] = [t, None, None, None]
                elif kind in ("ok", "failed", "unknown"):
                    call = calls[fields[2]]
                    call[1], call[2] = kind, t
                    if kind == "ok":
                        call[3] = int(fields[4])
                elif kind == "timeline":
                    timeline.append(int(fields[2]))
                elif kind == "timeline_end":
                    timeline_end = fields[2:]
        return calls, timeline, timeline_end


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    state_dir, server_binary, driver_binary = sys.argv[1:]
    state_dir = os.path.abspath(state_dir)
    # An interrupted earlier run may have left its servers running.
    for name in ("source", "restored"):
        subprocess.run(["bash", MARIADB_SH, "stop", os.path.join(state_dir, name)],
                       capture_output=True)
    subprocess.run(["bash", REDIS_SH, "stop", os.path.join(state_dir, "redis")],
                   capture_output=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    os.makedirs(state_dir)
    scenario = Scenario(state_dir, server_binary, driver_binary)
    try:
        check(scenario)
    finally:
        scenario.cleanup()
    shutil.rmtree(state_dir, ignore_errors=True)
    return 0


def check(s):
    source_url = s.start_database("source")
    redis_url = run("bash", REDIS_SH, "start", s.redis_dir).strip()
    server, address = s.start_server("server-source", source_url, redis_url)

    # The load: four writers as one author, two followers reading their
    # home timelines (so the tier holds entries that the restore must drop).
    run_name = f"backup-{now_ms()}"
    load_log = os.path.join(s.state, "load.log")
    driver = subprocess.Popen(
        [s.driver_binary, f"--server={address}", f"--log={load_log}",
         f"--run={run_name}", "--writers=4", "--duration=120", "--deadline_ms=10000",
         "--followers=2", "--follower_read_ms=50", "--read_timeline=false",
         "--watch_health=false"],
        stderr=open(os.path.join(s.state, "driver.err"), "w"))
    s.processes.append(driver)

    def acked():
        if not os.path.exists(load_log):
            return 0
        with open(load_log, encoding="utf-8") as f:
            return sum(1 for line in f if "\tok\t" in line)
    wait_for(f"{TWEETS_BEFORE_BACKUP} tweets acknowledged",
             lambda: acked() >= TWEETS_BEFORE_BACKUP, 90, alive=driver)

    backup = os.path.join(s.state, "backup.sql.gz")
    backup_start = now_ms()
    run("bash", BACKUP_SH, "take", f"--database_url_file={source_url}", f"--out={backup}")
    backup_end = now_ms()
    # The load goes on after the backup: then it ran throughout.
    after = acked() + 20
    wait_for("tweets acknowledged after the backup", lambda: acked() >= after, 30,
             alive=driver)
    driver.send_signal(signal.SIGTERM)
    driver.wait(10)
    s.stop(server)
    run("bash", BACKUP_SH, "verify", f"--database_url_file={source_url}")

    calls, _, _ = Scenario.read_load(load_log)
    before = {c[3]: m for m, c in calls.items() if c[1] == "ok" and c[2] < backup_start}
    in_flight = [c for c in calls.values()
                 if c[0] < backup_end and (c[2] is None or c[2] > backup_start)]
    latency_before = [c[2] - c[0] for c in calls.values()
                      if c[1] == "ok" and c[2] < backup_start]
    latency_during = [c[2] - c[0] for c in calls.values()
                      if c[1] == "ok" and c[2] > backup_start and c[0] < backup_end]
    assert len(before) >= TWEETS_BEFORE_BACKUP, len(before)
    assert in_flight, "no Tweet call was in flight while the backup ran"

    restored_url = s.start_database("restored")
    run("bash", BACKUP_SH, "restore", f"--database_url_file={restored_url}",
        f"--from={backup}", f"--redis_url={redis_url}")
    print(run("bash", BACKUP_SH, "verify", f"--database_url_file={restored_url}"), end="")

    source_rows = {int(i): text for i, text in tier_state.sql(
        source_url, f"SELECT id, text FROM tweets WHERE text LIKE '{run_name}-%'")}
    restored_rows = {int(i): text for i, text in tier_state.sql(
        restored_url, f"SELECT id, text FROM tweets WHERE text LIKE '{run_name}-%'")}
    missing = [i for i in before if restored_rows.get(i) != before[i]]
    assert not missing, (f"{len(missing)} tweets acknowledged before the backup "
                         f"are not restored as acknowledged, e.g. {missing[:5]}")
    foreign = [i for i, text in restored_rows.items() if source_rows.get(i) != text]
    assert not foreign, f"restored tweets the source never had: {foreign[:5]}"
    late = [m for m in restored_rows.values() if calls[m][0] > backup_end]
    assert not late, f"restored tweets sent after the backup ended: {late[:5]}"
    # A writer sends its next tweet only after the previous one was
    # acknowledged, so its acknowledged tweets committed in sequence order,
    # and one snapshot holds a prefix of them. (A call that timed out may
    # still commit after later ones: those are left out.)
    for writer in {m.rsplit("-", 1)[0] for m in calls}:
        sent = sorted((int(m.rsplit("-", 1)[1]), m) for m in calls
                      if m.rsplit("-", 1)[0] == writer and calls[m][1] == "ok")
        stored = [m in restored_rows.values() for _, m in sent]
        assert stored == sorted(stored, reverse=True), \
            f"{writer}: the restored tweets are not a prefix of what it sent"

    left = tier_state.redis(os.path.join(s.redis_dir, "redis_url"), "--scan", "--pattern", "miniter:home:*")
    assert not [k for k in left if k], f"home-timeline entries left in Redis: {left[:5]}"

    # A server on the restored database, the same tier: the author's
    # timeline is exactly the author's restored tweets, each once.
    server, address = s.start_server("server-restored", restored_url, redis_url)
    read_log = os.path.join(s.state, "read.log")
    run(s.driver_binary, f"--server={address}", f"--log={read_log}", f"--run={run_name}",
        "--writers=0", "--duration=0", "--watch_health=false", "--setup_wait=30",
        timeout=120)
    s.stop(server)
    _, timeline, timeline_end = Scenario.read_load(read_log)
    assert timeline_end == ["OK"], f"reading the timeline ended with {timeline_end}"
    assert sorted(timeline) == sorted(restored_rows), (
        f"timeline on the restored database: {len(timeline)} tweets "
        f"({len(set(timeline))} distinct), restored: {len(restored_rows)}")

    print(f"backup_test: backup took {backup_end - backup_start} ms "
          f"({os.path.getsize(backup)} bytes); {len(before)} tweets acknowledged "
          f"before it, {len(restored_rows)} restored of {len(source_rows)}; "
          f"Tweet latency p50/p99 before {percentile(latency_before, 0.5)}/"
          f"{percentile(latency_before, 0.99)} ms, during "
          f"{percentile(latency_during, 0.5)}/{percentile(latency_during, 0.99)} ms "
          f"({len(latency_during)} calls)")


if __name__ == "__main__":
    sys.exit(main())
