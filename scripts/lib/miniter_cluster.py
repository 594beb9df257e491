#!/usr/bin/env python3
"""miniter_cluster.py: runs miniter's scale-out topology on one machine; run
through scripts/cluster.sh (docs/scaling.md says why it is shaped so).

A primary and a replica MariaDB (GTID replication, semi-synchronous), each
started by scripts/mariadb.sh; one Redis as the memory tier both servers
share, started by scripts/redis.sh; two miniter-server processes on the
primary; and HAProxy in front of them speaking gRPC over cleartext HTTP/2
and checking each server through grpc.health.v1.

  start    [STATE_DIR]   start (or resume) everything
  stop     [STATE_DIR]   stop everything (data is kept)
  status   [STATE_DIR]   what runs, replication state
  failover [STATE_DIR]   the primary-failure procedure: stop the primary,
                         let the replica apply what it received, promote it,
                         restart the servers on it (docs/scaling.md,
                         "Primary failure")
  rejoin   [STATE_DIR]   make the old primary a replica again
  server-stop|server-kill|server-start|server-restart N [STATE_DIR]
                         SIGTERM (drain), SIGKILL, start, or drain and
                         restart server N (1 or 2)
  db-stop|db-start primary|replica [STATE_DIR]
  sql primary|replica SQL [STATE_DIR]   run SQL as root

STATE_DIR defaults to .miniter/cluster. Ports are consecutive from
MINITER_CLUSTER_PORT (default 14300): +0 HAProxy (gRPC), +1 HAProxy stats,
+6 and +7 the two MariaDB instances, +11 and +12 the two servers.
MINITER_SERVER_BINARY names a built miniter-server; without it the script
builds build/ first (scripts/build.sh, which also installs what is missing).
A server is ready when it answers grpc.health.v1 Check with SERVING
(miniter-load health, next to the server binary or MINITER_LOAD_BINARY),
within MINITER_SERVER_WAIT (seconds, default 120s; loaded data sets start
slower).
MINITER_CLUSTER_DATABASE_URL (for the cluster benchmark): use that database,
start no MariaDB and no replica; the tier, servers and HAProxy only.
The tier is scripts/redis.sh's, in STATE_DIR/redis (Unix socket only);
MINITER_REDIS_URL at the first `start` gives the servers another one
instead (empty: none), kept in STATE_DIR/tier-url for later commands.
MINITER_HAPROXY_LOG_ERRORS_ONLY=1: HAProxy logs failed calls only.
"""
import argparse
import functools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc_health_frames

REPO = Path(__file__).resolve().parents[2]
MARIADB_SH = REPO / "scripts" / "mariadb.sh"
REDIS_SH = REPO / "scripts" / "redis.sh"
SOCKET_PATH_SH = REPO / "scripts" / "lib" / "socket_path.sh"
# The health service name HAProxy asks for (readiness: NOT_SERVING while
# the server drains or its database is unreachable; docs/operations.md).
HEALTH_SERVICE = "miniter.v1.Miniter"
# SHOW SLAVE STATUS fields that `status` prints.
REPLICATION_FIELDS = ("Slave_IO_Running", "Slave_SQL_Running",
                      "Seconds_Behind_Master", "Gtid_IO_Pos")


class ClusterError(Exception):
    pass


def say(text):
    print(f"cluster: {text}", flush=True)


def alive(pid):
    """Whether process `pid` runs; a zombie counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def read_pid(pid_file):
    try:
        return int(Path(pid_file).read_text().strip())
    except (OSError, ValueError):
        return None


def running(pid_file):
    pid = read_pid(pid_file)
    return pid is not None and alive(pid)


def wait_until(condition, seconds):
    """Polls `condition` every 100 ms; whether it held within `seconds`."""
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= give_up:
            return False
        time.sleep(0.1)
    return True


def signal_and_wait(pid_file, sig, seconds):
    """Sends `sig` to the process in `pid_file`; whether it was gone (or
    never ran) within `seconds`."""
    pid = read_pid(pid_file)
    if pid is None or not alive(pid):
        return True
    os.kill(pid, sig)
    return wait_until(lambda: not alive(pid), seconds)


def write_private(path, text):
    """Writes a file only this user may read (secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def socket_path(directory, name, tag):
    """Where a private server's Unix socket goes: scripts/lib/socket_path.sh's
    rule, the only one (a path must fit in sun_path)."""
    return subprocess.run(
        ["bash", "-c", 'source "$1" && miniter_socket_path "$2" "$3" "$4"', "_",
         SOCKET_PATH_SH, directory, name, tag],
        capture_output=True, text=True, check=True).stdout.strip()


def read_from(path, offset):
    """What `path` holds after byte `offset`."""
    with open(path, "rb") as file:
        file.seek(offset)
        return file.read().decode(errors="replace")


class Cluster:
    def __init__(self, state_dir, command):
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir = self.dir.resolve()
        # Ports are fixed when the cluster is first created, so that a later
        # `stop`/`start` finds the same addresses (and the replica its
        # primary).
        base = int(self.fixed("port-base",
                              os.environ.get("MINITER_CLUSTER_PORT") or "14300"))
        self.lb_port, self.stats_port = base, base + 1
        self.db_ports = {1: base + 6, 2: base + 7}
        self.server_ports = {1: base + 11, 2: base + 12}
        # Which of the two database instances (db1, db2) is the primary right
        # now; `failover` swaps the roles.
        self.primary = int(self.fixed("primary", "1"))
        self.replica = 3 - self.primary
        # What the servers get as MINITER_REDIS_URL, fixed at the first
        # `start` like the ports: "private" (scripts/redis.sh's instance in
        # STATE_DIR/redis), or the URL given then.
        self.redis_dir = self.dir / "redis"
        self.tier_file = self.dir / "tier-url"
        if command == "start" and not self.tier_file.exists():
            given = os.environ.get("MINITER_REDIS_URL")
            self.tier_file.write_text(("private" if given is None else given) + "\n")
        self.external_db = os.environ.get("MINITER_CLUSTER_DATABASE_URL", "")

    def fixed(self, name, value):
        """STATE_DIR/name, written with `value` the first time."""
        path = self.dir / name
        if not path.exists():
            path.write_text(value + "\n")
        return path.read_text().strip()

    def secret(self, name):
        """STATE_DIR/name, a random secret made once: 64 hex digits, long
        enough for the token secret (32 bytes at least) and free of
        characters a URL or SQL string would need to escape."""
        path = self.dir / name
        if not path.exists() or path.stat().st_size == 0:
            write_private(path, secrets.token_hex(32))
        return path.read_text().strip()

    # ---- MariaDB instances (scripts/mariadb.sh) -----------------------------

    def db_dir(self, n):
        return self.dir / f"db{n}"

    def db_running(self, n):
        return running(self.db_dir(n) / "mysqld.pid")

    def run_sql(self, n, statement, *options):
        """Runs SQL as root on db N; tab-separated rows, no header."""
        return subprocess.run(["bash", MARIADB_SH, "sql", self.db_dir(n), statement, *options],
                              capture_output=True, text=True)

    def sql(self, n, statement, *options):
        result = self.run_sql(n, statement, *options)
        if result.returncode != 0:
            raise ClusterError(f"db{n}: {statement.split()[0]} ...: {result.stderr.strip()}")
        return result.stdout.strip()

    def replication_status(self, n):
        """SHOW SLAVE STATUS as a dict (empty when db N is not a replica)."""
        rows = self.sql(n, r"SHOW SLAVE STATUS\G", "--column-names").splitlines()
        pairs = (row.partition(":") for row in rows if ":" in row)
        return {name.strip(): value.strip() for name, _, value in pairs}

    def db_start(self, n, role):
        if self.db_running(n):
            return
        directory = self.db_dir(n)
        directory.mkdir(parents=True, exist_ok=True)
        # mariadb.sh keeps a password it finds, so both instances (and any
        # later replacement) give user miniter the cluster's one.
        write_private(directory / "miniter-password", self.secret("miniter-password"))
        replica = int(role == "replica")
        # What replication adds to mariadb.sh's settings: a server id, a
        # binary log with GTIDs, and semi-synchronous replication (built into
        # 10.11). AFTER_SYNC: a commit is acknowledged to miniter only once
        # the replica has the transaction in its relay log, so promoting the
        # replica loses no acknowledged write. The 1 s timeout bounds how long
        # writes stall when the replica is gone; the primary then continues
        # asynchronously and turns semi-sync back on when the replica catches
        # up.
        options = [
            f"--server-id={n}", "--log-bin=mariadb-bin", "--binlog-format=ROW",
            "--log-slave-updates=1", "--gtid-strict-mode=1",
            "--relay-log=relay-bin", "--relay-log-recovery=1",
            f"--rpl-semi-sync-master-enabled={1 - replica}",
            "--rpl-semi-sync-master-wait-point=AFTER_SYNC",
            "--rpl-semi-sync-master-timeout=1000",
            f"--rpl-semi-sync-slave-enabled={replica}", f"--read-only={replica}",
        ]
        # The replication user connects without TLS, so mariadb.sh's TLS
        # settings are not passed on.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINITER_MARIADB_SSL_")}
        started = subprocess.run(
            ["bash", MARIADB_SH, "start", directory, str(self.db_ports[n]), *options],
            stdout=subprocess.DEVNULL, env=env)
        if started.returncode != 0:
            raise ClusterError(f"db{n} did not start; see {directory}/mysqld.log")

    def db_stop(self, n, kill=False):
        """SIGTERM (a clean stop, by mariadb.sh) or SIGKILL (a crash)."""
        if not self.db_running(n):
            return
        if kill:
            if not signal_and_wait(self.db_dir(n) / "mysqld.pid", signal.SIGKILL, 60):
                raise ClusterError(f"db{n} did not die in 60 s")
        elif subprocess.run(["bash", MARIADB_SH, "stop", self.db_dir(n)]).returncode != 0:
            raise ClusterError(f"db{n} did not stop")

    def bootstrap_primary(self, n):
        """The replication user, created on the primary with the binary log
        on, so that a promoted replica has it too. (mariadb.sh made database
        and user miniter on each instance.)"""
        password = self.secret("repl-password")
        self.sql(n, f"""CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY '{password}';
                        GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';""")

    def attach_replica(self, replica, primary):
        """Points the replica at the primary by GTID (slave_pos: it resumes
        from what it has applied, whatever binlog file the primary is on)."""
        if self.replication_status(replica):
            self.run_sql(replica, "START SLAVE")  # fails when it already runs
            return
        password = self.secret("repl-password")
        self.sql(replica, f"""CHANGE MASTER TO MASTER_HOST='127.0.0.1',
                                MASTER_PORT={self.db_ports[primary]}, MASTER_USER='repl',
                                MASTER_PASSWORD='{password}', MASTER_USE_GTID=slave_pos,
                                MASTER_CONNECT_RETRY=1;
                              START SLAVE;""")

    def wait_replica_running(self, n):
        """Until both replication threads of db N run (30 s)."""
        def both_running():
            status = self.replication_status(n)
            return all(status.get(f"Slave_{t}_Running") == "Yes" for t in ("IO", "SQL"))
        if not wait_until(both_running, 30):
            print(self.sql(n, r"SHOW SLAVE STATUS\G", "--column-names"), file=sys.stderr)
            raise ClusterError(f"replication on db{n} did not start")

    def db_url(self, n):
        return (f"mysql://miniter:{self.secret('miniter-password')}"
                f"@127.0.0.1:{self.db_ports[n]}/miniter")

    # ---- the memory tier (scripts/redis.sh) ---------------------------------
    # One redis-server for both servers, so a timeline cached through one is
    # read through the other. It is a cache: losing or flushing it costs
    # reads from MariaDB until it refills, never data.

    def tier_private(self):
        return not self.tier_file.exists() or self.tier_file.read_text().strip() == "private"

    def tier_url(self):
        if not self.tier_private():
            return self.tier_file.read_text().rstrip("\n")
        url_file = self.redis_dir / "redis_url"
        return url_file.read_text().strip() if url_file.exists() else ""

    def redis_start(self):
        if not self.tier_private():
            return
        started = subprocess.run(["bash", REDIS_SH, "start", self.redis_dir],
                                 stdout=subprocess.DEVNULL)
        if started.returncode != 0:
            raise ClusterError(f"redis did not start; see {self.redis_dir}/redis.log")

    def redis_stop(self):
        if self.redis_dir.is_dir():
            if subprocess.run(["bash", REDIS_SH, "stop", self.redis_dir]).returncode != 0:
                raise ClusterError("redis did not stop")

    def redis_flush(self):
        """Empties the private tier; whether that worked."""
        if not self.tier_private():
            return True
        socket_path = self.tier_url().removeprefix("unix://")
        return subprocess.run(["timeout", "5", "redis-cli", "-e", "-s", socket_path, "flushall"],
                              stdout=subprocess.DEVNULL).returncode == 0

    # ---- miniter servers ----------------------------------------------------

    def server_binary(self):
        return Path(os.environ.get("MINITER_SERVER_BINARY") or
                    REPO / "build" / "server" / "miniter-server")

    def load_binary(self):
        """miniter-load (its `health` subcommand is the readiness wait), from
        the same build as the server unless MINITER_LOAD_BINARY names one."""
        return Path(os.environ.get("MINITER_LOAD_BINARY") or
                    self.server_binary().parent / ".." / "tools" / "miniter-load")

    def server_pid_file(self, n):
        return self.dir / f"server{n}.pid"

    def server_running(self, n):
        return running(self.server_pid_file(n))

    def server_start(self, n):
        if self.server_running(n):
            return
        log = self.dir / f"server{n}.log"
        offset = log.stat().st_size if log.exists() else 0
        if self.external_db:
            url, replica_url = self.external_db, ""
        else:
            url, replica_url = self.db_url(self.primary), self.db_url(self.replica)
        address = f"127.0.0.1:{self.server_ports[n]}"
        # Secrets travel in the environment, not on the command line (ps).
        # Both servers share the token secret, so a token from one works on
        # the other. MINITER_TRUSTED_PROXIES lets rate limits see the client
        # address HAProxy forwards (option forwardfor) rather than HAProxy's
        # own. The drain delay (5 s) outlasts HAProxy's detection of
        # NOT_SERVING (up to 3 s, see haproxy_config), so a draining server
        # gets no new calls.
        env = dict(os.environ,
                   MINITER_DATABASE_URL=url,
                   MINITER_REPLICA_DATABASE_URL=replica_url,
                   MINITER_REDIS_URL=self.tier_url(),
                   MINITER_TOKEN_SECRET=self.secret("token-secret"),
                   MINITER_LISTEN=address,
                   MINITER_TRUSTED_PROXIES="127.0.0.1",
                   MINITER_SHUTDOWN_GRACE=os.environ.get("MINITER_SHUTDOWN_GRACE") or "10s",
                   MINITER_DRAIN_DELAY=os.environ.get("MINITER_DRAIN_DELAY") or "5s")
        with open(log, "ab") as out:
            server = subprocess.Popen([self.server_binary()], stdin=subprocess.DEVNULL,
                                      stdout=out, stderr=subprocess.STDOUT, env=env,
                                      start_new_session=True)
        self.server_pid_file(n).write_text(f"{server.pid}\n")
        # Ready means answering the gRPC health check with SERVING;
        # miniter-load says what it waits for and stops early if the server
        # exits (a zombie counts as exited). Without it (only the server was
        # built), the server's "serving" log line.
        wait = os.environ.get("MINITER_SERVER_WAIT") or "120s"
        load = self.load_binary()
        if os.access(load, os.X_OK):
            ready = subprocess.run([load, "health", f"--server={address}", f"--wait={wait}",
                                    f"--watch_pid={server.pid}"]).returncode == 0
        else:
            ready = wait_until(lambda: server.poll() is not None or
                               "serving miniter.v1.Miniter" in read_from(log, offset),
                               float(wait.removesuffix("s")))
            ready = ready and server.poll() is None
        if ready:
            return
        print(f"---- server {n} log, last 40 lines ({log}) ----", file=sys.stderr)
        print("\n".join(read_from(log, offset).splitlines()[-40:]), file=sys.stderr)
        if server.poll() is None:
            raise ClusterError(f"server {n} did not serve within {wait} (MINITER_SERVER_WAIT)")
        raise ClusterError(f"server {n} exited before it served; see {log}")

    def server_stop(self, n, sig=signal.SIGTERM):
        """SIGTERM drains (health NOT_SERVING first); after 30 s, SIGKILL."""
        if not signal_and_wait(self.server_pid_file(n), sig, 30):
            signal_and_wait(self.server_pid_file(n), signal.SIGKILL, 5)

    # ---- HAProxy ------------------------------------------------------------

    def haproxy_config(self):
        # The health check is a tcp-check that speaks HTTP/2 itself; its bytes
        # come from grpc_health_frames.py (its header says why).
        request = grpc_health_frames.request_bytes(HEALTH_SERVICE).hex()
        serving = grpc_health_frames.SERVING_REPLY.hex()
        errors_only = ("option dontlog-normal"
                       if os.environ.get("MINITER_HAPROXY_LOG_ERRORS_ONLY") else "")
        return f"""\
# Generated by scripts/cluster.sh; edits are overwritten at the next start.
global
  log stdout format raw local0 info
  stats socket {self.haproxy_socket} mode 600 level admin

defaults
  mode http
  log global
  option httplog
  {errors_only}
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout check 1s
  # A call whose connection to a server could not be made was never seen by
  # that server, so it is safe to send it to another one (even a Tweet).
  # Calls already sent are not retried: the client decides (its service
  # config retries UNAVAILABLE for idempotent calls only).
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend grpc
  bind 127.0.0.1:{self.lb_port} proto h2
  option forwardfor
  default_backend miniter

backend miniter
  balance roundrobin
  # Checked every 500 ms; down after 2 failures, up after 2 successes.
  # grpc.health.v1 Check of "{HEALTH_SERVICE}" over HTTP/2 (written by
  # scripts/lib/grpc_health_frames.py); it passes only on a SERVING reply.
  option tcp-check
  tcp-check connect
  tcp-check send-binary {request}
  # A NOT_SERVING answer fails the check only when `timeout check` ends
  # (tcp-check keeps waiting for the pattern; a second expect rule does not
  # see the data the first one matched), so marking a draining server down
  # takes up to fall x (inter + timeout) = 3 s: the drain delay is longer.
  tcp-check expect binary {serving}
  default-server proto h2 check inter 500ms fall 2 rise 2 observe layer4 error-limit 2 on-error mark-down
  server s1 127.0.0.1:{self.server_ports[1]}
  server s2 127.0.0.1:{self.server_ports[2]}

frontend stats
  bind 127.0.0.1:{self.stats_port}
  stats enable
  stats uri /
  stats refresh 2s
"""

    @functools.cached_property
    def haproxy_socket(self):
        return Path(socket_path(self.dir, "haproxy.sock", "haproxy"))

    def haproxy_running(self):
        return running(self.dir / "haproxy.pid")

    def haproxy_start(self):
        if self.haproxy_running():
            return
        config, stats_socket = self.dir / "haproxy.cfg", self.haproxy_socket
        config.write_text(self.haproxy_config())
        if subprocess.run(["haproxy", "-c", "-q", "-f", config]).returncode != 0:
            raise ClusterError(f"invalid {config}")
        stats_socket.unlink(missing_ok=True)  # one a killed HAProxy left
        # Foreground (no -D), a single process; its log goes to stdout,
        # which is haproxy.log.
        with open(self.dir / "haproxy.log", "ab") as log:
            haproxy = subprocess.Popen(["haproxy", "-f", config], stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        (self.dir / "haproxy.pid").write_text(f"{haproxy.pid}\n")
        wait_until(lambda: stats_socket.is_socket() or haproxy.poll() is not None, 10)
        if haproxy.poll() is not None or not stats_socket.is_socket():
            raise ClusterError(f"haproxy did not start; see {self.dir}/haproxy.log")

    def haproxy_stop(self):
        pid_file = self.dir / "haproxy.pid"
        if signal_and_wait(pid_file, signal.SIGTERM, 10):
            pid_file.unlink(missing_ok=True)
        else:
            signal_and_wait(pid_file, signal.SIGKILL, 5)

    def haproxy_server_states(self):
        """["s1 UP", "s2 DOWN"] from HAProxy's runtime API (stats socket)."""
        try:
            with socket.socket(socket.AF_UNIX) as stats:
                stats.connect(str(self.haproxy_socket))
                stats.sendall(b"show stat\n")
                data = b"".join(iter(lambda: stats.recv(65536), b""))
        except OSError:
            return []
        lines = data.decode().splitlines()
        if not lines:
            return []
        header = lines[0].lstrip("# ").split(",")
        rows = (dict(zip(header, line.split(","))) for line in lines[1:])
        return [f"{row['svname']} {row['status']}" for row in rows
                if row.get("pxname") == "miniter"
                and row.get("svname") not in ("FRONTEND", "BACKEND")]

    # ---- commands -----------------------------------------------------------

    def start(self):
        if not os.environ.get("MINITER_SERVER_BINARY"):
            subprocess.run(["bash", REPO / "scripts" / "build.sh", "build"], check=True)
        if not os.access(self.server_binary(), os.X_OK):
            raise ClusterError(f"no server binary at {self.server_binary()}")
        if shutil.which("haproxy") is None:
            raise ClusterError("haproxy is missing (scripts/install-deps.sh --test installs it)")
        if not self.external_db:
            self.db_start(self.primary, "primary")
            self.bootstrap_primary(self.primary)
            self.db_start(self.replica, "replica")
            self.attach_replica(self.replica, self.primary)
            self.wait_replica_running(self.replica)
            # On by start-up flag, but a primary promoted by `failover` runs on.
            self.sql(self.primary, "SET GLOBAL rpl_semi_sync_master_enabled = ON")
        self.redis_start()
        self.server_start(1)
        self.server_start(2)
        self.haproxy_start()
        wait_until(lambda: sum(" UP" in s for s in self.haproxy_server_states()) == 2, 10)
        self.status()
        lb, s1, s2 = self.lb_port, self.server_ports[1], self.server_ports[2]
        print(f"""
cluster: gRPC through HAProxy: 127.0.0.1:{lb} (round robin over both servers)
  grpcurl -plaintext 127.0.0.1:{lb} list
  build/client/miniter --server=127.0.0.1:{lb} signup --name=Ann --email=ann@example.com --password='correct horse battery'
  build/client/miniter --server=127.0.0.1:{s1},127.0.0.1:{s2} timeline   # client-side round robin
cluster: HAProxy stats: http://127.0.0.1:{self.stats_port}/
cluster: stop with: scripts/cluster.sh stop {self.dir}""")

    def stop(self):
        self.haproxy_stop()
        self.server_stop(1)
        self.server_stop(2)
        self.db_stop(self.replica)
        self.db_stop(self.primary)
        self.redis_stop()
        say(f"stopped (data kept in {self.dir})")

    def status(self):
        def state(is_running):
            return "running" if is_running else "stopped"
        say(f"state: {self.dir}")
        for role, n in (("primary", self.primary), ("replica", self.replica)):
            say(f"{role} db{n} 127.0.0.1:{self.db_ports[n]} {state(self.db_running(n))}")
        if self.db_running(self.replica):
            try:
                replication = self.replication_status(self.replica)
            except ClusterError:
                replication = {}
            for field in REPLICATION_FIELDS:
                if field in replication:
                    say(f"  {field}: {replication[field]}")
        if self.db_running(self.primary):
            result = self.run_sql(self.primary, "SHOW STATUS LIKE 'Rpl_semi_sync_master_status'")
            semi_sync = result.stdout.strip().partition("\t")[2]
            say(f"  semi-sync on primary: {semi_sync}")
        if not self.tier_private():
            say(f"memory tier: {self.tier_url() or 'none'} (given, not started here)")
        elif self.redis_dir.is_dir():
            redis = subprocess.run(["bash", REDIS_SH, "status", self.redis_dir],
                                   capture_output=True, text=True)
            say(f"redis (memory tier) {redis.stdout.strip()}")
        else:
            say("redis (memory tier) never started")
        for n in (1, 2):
            pid = read_pid(self.server_pid_file(n))
            what = f"running (pid {pid})" if self.server_running(n) else "stopped"
            say(f"server {n} 127.0.0.1:{self.server_ports[n]} {what}")
        if self.haproxy_running():
            say(f"haproxy 127.0.0.1:{self.lb_port} running; "
                + " ".join(self.haproxy_server_states()))
        else:
            say("haproxy stopped")

    def failover(self):
        """The primary-failure procedure (docs/scaling.md). Every write
        miniter acknowledged is in the replica's relay log (semi-sync,
        AFTER_SYNC), so the replica must apply everything it received before
        it takes writes."""
        old, new = self.primary, self.replica
        say(f"1/5 stopping the old primary db{old} (if it still runs)")
        self.db_stop(old, kill=True)
        say(f"2/5 waiting for db{new} to apply every transaction it received")
        received = self.replication_status(new).get("Gtid_IO_Pos", "")
        self.sql(new, "STOP SLAVE IO_THREAD")
        if received and self.sql(new, f"SELECT MASTER_GTID_WAIT('{received}', 60)") != "0":
            raise ClusterError(f"db{new} did not apply up to {received} in 60 s; not promoting")
        say(f"3/5 promoting db{new} (applied up to GTID {received or 'none'})")
        self.sql(new, """STOP SLAVE; RESET SLAVE ALL;
                         SET GLOBAL rpl_semi_sync_slave_enabled = OFF;
                         SET GLOBAL read_only = OFF;""")
        (self.dir / "primary").write_text(f"{new}\n")
        self.primary, self.replica = new, old
        say(f"4/5 emptying the memory tier, restarting the servers on the new primary "
            f"127.0.0.1:{self.db_ports[new]}")
        # The tier may hold entries built from writes that only the old
        # primary had (semi-sync falls back to asynchronous after its
        # timeout); it is a cache, so it is emptied and refills from the new
        # primary.
        if not self.redis_flush():
            say(f"    warning: could not empty the memory tier ({self.tier_url()})")
        for n in (1, 2):
            self.server_stop(n)
            self.server_start(n)
        # The old primary may hold transactions nobody acknowledged
        # (committed there, never received here); it must not rejoin with
        # them. Its data is kept aside for inspection, and the next `start`
        # or `rejoin` clones a fresh replica from the new primary.
        aside = Path(f"{self.db_dir(old)}.old-primary-{time.strftime('%Y%m%d%H%M%S')}")
        self.db_dir(old).rename(aside)
        say(f"5/5 done. The old primary's data is in {aside};")
        say(f"    make a new replica with: scripts/cluster.sh rejoin {self.dir}")

    def rejoin(self):
        """Turns the stopped old primary into a fresh replica of the new one:
        its data may hold transactions the new primary never received
        (unacknowledged), so it is re-cloned from scratch, not trusted."""
        self.db_stop(self.replica)
        shutil.rmtree(self.db_dir(self.replica), ignore_errors=True)
        # A new, empty replica copies the whole history from the primary's
        # binary log, which is complete because it was never purged.
        self.db_start(self.replica, "replica")
        self.sql(self.replica, "SET GLOBAL gtid_slave_pos = ''")
        self.attach_replica(self.replica, self.primary)
        self.wait_replica_running(self.replica)
        self.sql(self.primary, "SET GLOBAL rpl_semi_sync_master_enabled = ON")
        say(f"db{self.replica} is a replica of db{self.primary} again")

    def db_of(self, role):
        return self.primary if role == "primary" else self.replica


def parse_args():
    parser = argparse.ArgumentParser(prog="scripts/cluster.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in ("start", "stop", "status", "failover", "rejoin"):
        commands.add_parser(name)
    for name in ("server-stop", "server-kill", "server-start", "server-restart"):
        commands.add_parser(name).add_argument("server", type=int, choices=(1, 2))
    for name in ("db-stop", "db-start"):
        commands.add_parser(name).add_argument("role", choices=("primary", "replica"))
    sql = commands.add_parser("sql")
    sql.add_argument("role", choices=("primary", "replica"))
    sql.add_argument("statement", metavar="SQL")
    for command in commands.choices.values():
        command.add_argument("state_dir", metavar="STATE_DIR", nargs="?",
                             default=REPO / ".miniter" / "cluster")
    return parser.parse_args()


def run(args):
    cluster = Cluster(args.state_dir, args.command)
    command = args.command
    if command in ("start", "stop", "status", "failover", "rejoin"):
        getattr(cluster, command)()
    elif command == "server-kill":
        cluster.server_stop(args.server, signal.SIGKILL)
    elif command.startswith("server-"):
        if command in ("server-stop", "server-restart"):
            cluster.server_stop(args.server)
        if command in ("server-start", "server-restart"):
            cluster.server_start(args.server)
    elif command == "sql":
        result = cluster.run_sql(cluster.db_of(args.role), args.statement)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode
    elif command == "db-stop":
        cluster.db_stop(cluster.db_of(args.role))
    elif args.role == "primary":
        cluster.db_start(cluster.primary, "primary")
    else:
        cluster.db_start(cluster.replica, "replica")
        cluster.attach_replica(cluster.replica, cluster.primary)
        cluster.wait_replica_running(cluster.replica)
    return 0


def main():
    # Like other command-line tools: end quietly when the reader goes away
    # (`scripts/cluster.sh status | head`).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = parse_args()
    try:
        return run(args)
    except (ClusterError, subprocess.CalledProcessError, OSError) as error:
        print(f"cluster: ERROR: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
