"""services.py: the processes a benchmark run starts and stops (a private
MariaDB and Redis through scripts/mariadb.sh and scripts/redis.sh,
miniter-server), the SQL it sends, and how it runs the tools it drives. Each
service is stopped at the end only when this run started it, by its pid.
Used by bench/run.py and bench/cluster.py."""
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import bench_util

log = logging.getLogger("bench")


class BenchError(Exception):
    """A step failed; the message says which and what to do."""


def setup_logging(prefix):
    """PREFIX: message on stdout, PREFIX: ERROR: message on stderr."""
    out = logging.StreamHandler(sys.stdout)
    out.addFilter(lambda r: r.levelno < logging.ERROR)
    out.setFormatter(logging.Formatter(f"{prefix}: %(message)s"))
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.ERROR)
    err.setFormatter(logging.Formatter(f"{prefix}: ERROR: %(message)s"))
    log.handlers = [out, err]
    log.setLevel(logging.INFO)
    log.propagate = False


def main(prefix, repo, body):
    """Runs BODY(cleanup, work) from REPO with a scratch directory WORK and an
    ExitStack CLEANUP that stops what the run started, whatever happens
    (SIGTERM unwinds like Ctrl-C); logs as PREFIX. Returns the exit status."""
    setup_logging(prefix)
    os.chdir(repo)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with contextlib.ExitStack() as cleanup:
            work = Path(tempfile.mkdtemp(prefix=f"miniter-{prefix}."))
            cleanup.callback(shutil.rmtree, work, True)
            body(cleanup, work)
    except BenchError as e:
        log.error(str(e))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def run(cmd, what=None, **kwargs):
    """Runs CMD (output as it comes); a failure is a BenchError."""
    try:
        return subprocess.run([str(c) for c in cmd], check=True, **kwargs)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        raise BenchError(f"{what or os.path.basename(str(cmd[0]))} failed ({e})") from None


def run_indented(cmd, what, stream="stderr", env=None):
    """Runs CMD with one of its outputs indented by two spaces (a tool's
    progress under the step that runs it); a failure is a BenchError."""
    cmd = [str(c) for c in cmd]
    pipe = {stream: subprocess.PIPE}
    target = sys.stderr if stream == "stderr" else sys.stdout
    with subprocess.Popen(cmd, env=env, text=True, errors="replace", **pipe) as p:
        try:
            for line in getattr(p, stream):
                target.write("  " + line)
                target.flush()
        except BaseException:  # Ctrl-C, SIGTERM: not a 30 s wait for the run's end
            p.terminate()
            raise
    if p.returncode != 0:
        raise BenchError(f"{what} failed (exit status {p.returncode})")


def pid_alive(pid_file):
    try:
        os.kill(int(open(pid_file).read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def tail(path, lines):
    """The last LINES lines of a log file, or nothing when it is missing."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class PrivateMariaDB:
    """The MariaDB of scripts/mariadb.sh in DB_DIR (data kept across runs)."""

    def __init__(self, repo, db_dir):
        self.repo, self.dir = repo, db_dir
        self.started = False  # whether this run started it (and so stops it)
        self._socket = None

    def running(self):
        return pid_alive(os.path.join(self.dir, "mysqld.pid"))

    def start(self):
        """Starts it unless it runs; returns its database URL."""
        if not self.running():
            self.started = True
            # 13320+ for benchmark databases: clear of scripts/run.sh (13306)
            # and the test databases (13307+) in the usual case; any free
            # port will do.
            port = int(os.environ.get("MINITER_BENCH_DB_PORT", 13320))
            while bench_util.port_in_use(port):
                port += 1
            run(["bash", self.repo / "scripts/mariadb.sh", "start", self.dir, port],
                "scripts/mariadb.sh start", stdout=subprocess.DEVNULL)
        return self.url()

    def stop(self):
        run(["bash", self.repo / "scripts/mariadb.sh", "stop", self.dir], "scripts/mariadb.sh stop")

    def stop_if_started(self):
        if self.started:
            subprocess.run(["bash", str(self.repo / "scripts/mariadb.sh"), "stop", str(self.dir)])

    def url(self):
        with open(os.path.join(self.dir, "database_url")) as f:
            return f.read().strip()

    def socket(self):
        """Root's socket, by scripts/lib/socket_path.sh (the one rule)."""
        if self._socket is None:
            self._socket = subprocess.run(
                ["bash", "-c", 'source "$1" && miniter_socket_path "$2" mysqld.sock', "_",
                 str(self.repo / "scripts/lib/socket_path.sh"), str(self.dir)],
                check=True, capture_output=True, text=True).stdout.strip()
        return self._socket

    def root_sql(self, sql):
        """SQL as root over the socket (SET GLOBAL, InnoDB metrics); the
        output, tab-separated; a failure raises CalledProcessError."""
        return subprocess.run(
            ["mariadb", "--no-defaults", "--protocol=socket", f"--socket={self.socket()}",
             "-uroot", "-N", "-B", "-e", sql],
            check=True, stdout=subprocess.PIPE, text=True).stdout.strip()

    def set_global_size(self, variable, size):
        """SET GLOBAL VARIABLE = SIZE ("2G"); a warning when it cannot."""
        try:
            self.root_sql(f"SET GLOBAL {variable} = {bench_util.iec_bytes(size)}")
            return True
        except (subprocess.CalledProcessError, ValueError):
            return False


class SqlClient:
    """SQL as the miniter user, the password in a 0600 option file."""

    def __init__(self, database_url, cnf_path):
        self.cnf = cnf_path
        bench_util.write_private(cnf_path, bench_util.client_cnf(database_url))
        self.database = urllib.parse.urlparse(database_url).path.lstrip("/")

    def query(self, sql):
        """The output of SQL, tab-separated, without column names."""
        try:
            return subprocess.run(["mariadb", f"--defaults-file={self.cnf}", "-N", "-B", "-e", sql],
                                  check=True, stdout=subprocess.PIPE, text=True).stdout
        except subprocess.CalledProcessError as e:
            raise BenchError(f"SQL failed ({e.returncode}): {sql.split()[0]} ...") from None

    def rows(self, sql):
        return [line.split("\t") for line in self.query(sql).splitlines()]

    def value(self, sql):
        return self.query(sql).strip()


class PrivateRedis:
    """The Redis of scripts/redis.sh in DIR (Unix socket, no persistence),
    started empty: one left running by an interrupted run would hold entries
    of data that has since been restored, so it is restarted."""

    def __init__(self, repo, redis_dir):
        self.repo, self.dir = repo, redis_dir
        self.started = False
        self.url = self.socket = ""
        self.baseline = self.baseline_dataset = 0

    def start(self):
        script = str(self.repo / "scripts/redis.sh")
        subprocess.run(["bash", script, "stop", str(self.dir)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started = True
        self.url = run(["bash", script, "start", self.dir], "could not start Redis (scripts/redis.sh)",
                       stdout=subprocess.PIPE, text=True).stdout.strip()
        self.socket = self.url.removeprefix("unix://")
        # The empty Redis's memory: the tier's own is measured over it.
        self.baseline = self.used_memory()
        self.baseline_dataset = self.used_memory("used_memory_dataset")

    def stop_if_started(self):
        if self.started:
            subprocess.run(["bash", str(self.repo / "scripts/redis.sh"), "stop", str(self.dir)])

    def _cli(self, *args):
        return subprocess.run(["redis-cli", "-s", self.socket, *args], check=True,
                              capture_output=True, text=True, timeout=60).stdout

    def used_memory(self, field="used_memory"):
        m = re.search(rf"^{field}:(\d+)", self._cli("INFO", "memory"), re.M)
        return int(m.group(1)) if m else 0

    def memory_record(self):
        """Redis memory over the empty baseline, keys, bytes per owner."""
        used = self.used_memory()
        dataset = self.used_memory("used_memory_dataset")
        keys = int(self._cli("DBSIZE").strip() or 0)
        # Active owners: the home timeline entries (one key per owner).
        home = sum(1 for line in self._cli("--scan", "--pattern", "miniter:home:*").splitlines()
                   if line.strip())
        owners = home or keys
        over = max(0, used - self.baseline)
        over_dataset = max(0, dataset - self.baseline_dataset)
        return {
            "used_memory_bytes": used, "baseline_bytes": self.baseline,
            "tier_bytes": over, "keys": keys, "home_entries": home,
            "bytes_per_active_owner": over / owners if owners else None,
            # The same from used_memory_dataset (without client buffers, the
            # script cache and other fixed overhead), also over the empty Redis.
            "dataset_bytes": over_dataset,
            "dataset_bytes_per_active_owner": over_dataset / owners if owners else None,
        }


class MiniterServer:
    """miniter-server in its own session (a Ctrl-C reaches it only through
    this run's cleanup), its output in LOG_PATH."""

    def __init__(self, binary, env, log_path):
        self.log_path = log_path
        with open(log_path, "w") as out:
            self.proc = subprocess.Popen([str(binary)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def status_kb(self, key):
        """A kB figure of /proc/PID/status (VmRSS, VmHWM), 0 once it is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        if not self.alive():
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class RssSampler:
    """The highest VmRSS of the server while a measurement runs (with)."""

    def __init__(self, server):
        self.server, self.max_kb = server, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._done.is_set():
            self.max_kb = max(self.max_kb, self.server.status_kb("VmRSS"))
            self._done.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._done.set()
        self._thread.join()


def wait_until(condition, attempts, interval_s):
    """Polls CONDITION up to ATTEMPTS times; whether it became true."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(interval_s)
    return False
