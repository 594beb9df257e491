#!/usr/bin/env python3
"""miniter_backup.py: online backup, restore and consistency check of
miniter's MariaDB database; run through scripts/backup.sh (docs/operations.md,
"Backups and restore", says when and why).

  take     --out=FILE.sql.gz   a consistent logical backup of the live
                               database (mariadb-dump --single-transaction:
                               one InnoDB snapshot, no table locks, so the
                               service keeps taking Tweets meanwhile)
  restore  --from=FILE.sql.gz  loads it into an empty database, then deletes
                               the memory tier's home timelines from Redis
                               (--redis_url) or is told there is none
                               (--no_tier)
  verify                       checks a database for what one snapshot
                               guarantees: references between the tables,
                               home-timeline rows, follower counts, outbox

The database is named as the server names it: --database_url (visible in
`ps`, so prefer) --database_url_file, or the environment variable
MINITER_DATABASE_URL; the syntax is server/storage/mysql/database_url.h's:
mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=/path |
?ssl-ca=/ca.pem[&ssl-mode=verify-identity][&ssl-cert=..&ssl-key=..]].
The password reaches the MariaDB clients through MYSQL_PWD, never argv.
Exit status: 0 done, 1 failed (or verify found a problem), 2 bad usage.
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import urllib.parse

# RedisTierOptions::key_prefix (server/storage/redis/redis_home_timeline_tier.h):
# the home-timeline entries. The rate limiter's keys (miniter:rl:) hold no
# database ids and are left alone.
TIER_KEY_PREFIX = "miniter:home:"
# mariadb-dump's last line; a file without it was cut short.
DUMP_TRAILER = b"-- Dump completed"
CHUNK = 1 << 20


class UsageError(Exception):
    pass


class Database:
    """Where a mysql:// URL points, as arguments of the MariaDB clients."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "mysql":
            raise UsageError("the database URL must start with mysql://")
        if not parts.username:
            raise UsageError("the database URL names no user")
        self.user = urllib.parse.unquote(parts.username)
        self.password = urllib.parse.unquote(parts.password or "")
        self.database = urllib.parse.unquote(parts.path.lstrip("/"))
        if not self.database:
            raise UsageError("the database URL names no database")
        params = {}
        for pair in filter(None, parts.query.split("&")):
            name, _, value = pair.partition("=")
            if name not in ("socket", "ssl-ca", "ssl-cert", "ssl-key", "ssl-mode"):
                raise UsageError(f"unknown database URL parameter {name!r}")
            if name in params:
                raise UsageError(f"database URL parameter {name!r} is repeated")
            params[name] = urllib.parse.unquote(value)
        try:
            port = parts.port or 3306
        except ValueError as error:
            raise UsageError(f"bad port in the database URL: {error}") from None
        args = ["--no-defaults", f"--user={self.user}",
                "--default-character-set=utf8mb4"]
        if "socket" in params:
            args += ["--protocol=socket", f"--socket={params['socket']}"]
        else:
            if not parts.hostname:
                raise UsageError("the database URL names no host")
            args += ["--protocol=tcp", f"--host={parts.hostname}", f"--port={port}"]
        mode = params.get("ssl-mode", "verify-identity").lower()
        if "ssl-ca" in params and mode != "disabled":
            # As the server does: the CA and the host name are both checked.
            args += [f"--ssl-ca={params['ssl-ca']}", "--ssl-verify-server-cert"]
            if "ssl-cert" in params or "ssl-key" in params:
                args += [f"--ssl-cert={params.get('ssl-cert', '')}",
                         f"--ssl-key={params.get('ssl-key', '')}"]
        self.client_args = args
        self.env = dict(os.environ, MYSQL_PWD=self.password)

    def query(self, sql):
        """Rows of `sql` as lists of strings (NULL as 'NULL')."""
        done = subprocess.run(
            ["mariadb", *self.client_args, "--batch", "--skip-column-names",
             f"--database={self.database}", "-e", sql],
            env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mariadb: {done.stderr.strip()}")
        return [line.split("\t") for line in done.stdout.splitlines()]

    def scalar(self, sql):
        return int(self.query(sql)[0][0])


def read_all(file):
    """What a process wrote to `file` (a temporary file), as text."""
    file.seek(0)
    return file.read().decode(errors="replace").strip()


def database_from(args):
    if args.database_url and args.database_url_file:
        raise UsageError("give --database_url or --database_url_file, not both")
    if args.database_url_file:
        with open(args.database_url_file, encoding="utf-8") as f:
            url = f.read().strip()
    else:
        url = args.database_url or os.environ.get("MINITER_DATABASE_URL", "")
    if not url:
        raise UsageError("no database: give --database_url_file, --database_url "
                         "or MINITER_DATABASE_URL")
    return Database(url)


def take(args):
    """Streams mariadb-dump through gzip into --out, renamed into place only
    once the dump ended well, so a file at --out is always a whole backup."""
    db = database_from(args)
    if os.path.exists(args.out):
        raise UsageError(f"{args.out} exists; a backup never overwrites one")
    # --single-transaction: one REPEATABLE READ snapshot (START TRANSACTION
    # WITH CONSISTENT SNAPSHOT) and no LOCK TABLES; every miniter table is
    # InnoDB, so the whole dump is that one instant. --quick streams rows
    # instead of buffering a table. No --databases: the file restores into
    # whatever database the restore's URL names. miniter has no routines or
    # events, so the dump needs no privilege beyond SELECT, SHOW VIEW and
    # TRIGGER on its own database.
    command = ["mariadb-dump", *db.client_args, "--single-transaction", "--quick",
               "--no-tablespaces", db.database]
    directory = os.path.dirname(os.path.abspath(args.out))
    fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=directory)
    tail = b""
    dump = None
    try:
        # mkstemp's mode 0600 stays: the dump holds the users' password hashes.
        # stderr goes to a file: a pipe nobody reads could fill and stall it.
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out, \
                tempfile.TemporaryFile() as messages:
            dump = subprocess.Popen(command, env=db.env, stdout=subprocess.PIPE,
                                    stderr=messages)
            while chunk := dump.stdout.read(CHUNK):
                out.write(chunk)
                tail = (tail + chunk)[-4096:]
            status = dump.wait()
            errors = read_all(messages)
            if status != 0:
                raise RuntimeError(f"mariadb-dump failed: {errors}")
            if DUMP_TRAILER not in tail:
                raise RuntimeError("mariadb-dump ended without its trailer")
            out.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.rename(partial, args.out)
    finally:
        if dump is not None and dump.poll() is None:
            dump.kill()
            dump.wait()
        if os.path.exists(partial):
            os.unlink(partial)
    print(f"backup: {args.out} ({os.path.getsize(args.out)} bytes, gzip)")
    return 0


def flush_tier(redis_url):
    """Deletes every home-timeline entry, so no server serves an entry that
    names tweets the restored database does not have (or has under another
    author: restored AUTO_INCREMENT counters hand those ids out again)."""
    if redis_url.startswith("unix://"):
        where = ["-s", redis_url[len("unix://"):]]
    elif redis_url.startswith("redis://"):
        where = ["-u", redis_url]
    else:
        raise UsageError("--redis_url must be redis://HOST[:PORT] or unix:///PATH")
    scan = subprocess.run(["redis-cli", *where, "--scan", "--pattern",
                           TIER_KEY_PREFIX + "*"],
                          capture_output=True, text=True)
    if scan.returncode != 0:
        raise RuntimeError(f"redis-cli --scan: {scan.stderr.strip()}")
    keys = [key for key in scan.stdout.splitlines() if key]
    for start in range(0, len(keys), 500):
        done = subprocess.run(["redis-cli", *where, "UNLINK", *keys[start:start + 500]],
                              capture_output=True, text=True)
        if done.returncode != 0 or done.stdout.startswith("ERR"):
            raise RuntimeError(f"redis-cli UNLINK: {done.stderr.strip() or done.stdout.strip()}")
    print(f"restore: memory tier: {len(keys)} home-timeline entries deleted")


def restore(args):
    db = database_from(args)
    if bool(args.redis_url) == args.no_tier:
        raise UsageError("give --redis_url (the memory tier the servers use, "
                         "to empty) or --no_tier (the servers use none)")
    tables = db.scalar("SELECT COUNT(*) FROM information_schema.tables "
                       "WHERE table_schema = DATABASE()")
    if tables:
        # Tables of a newer schema would outlive an older backup's load and
        # stop the server's migrations; an empty database has none.
        raise UsageError(f"database {db.database} already has {tables} tables; "
                         "restore into an empty one (DROP DATABASE and CREATE "
                         "DATABASE it, as its docs say)")
    with gzip.open(args.source, "rb") as dump, tempfile.TemporaryFile() as messages:
        load = subprocess.Popen(
            ["mariadb", *db.client_args, "--batch", f"--database={db.database}"],
            env=db.env, stdin=subprocess.PIPE, stderr=messages)
        try:
            while chunk := dump.read(CHUNK):
                load.stdin.write(chunk)
        except BrokenPipeError:
            pass  # the client stopped early; its status and message say why
        finally:
            try:
                load.stdin.close()
            except BrokenPipeError:
                pass
        if load.wait() != 0:
            raise RuntimeError(f"mariadb: {read_all(messages)}")
    print(f"restore: {args.source} loaded into {db.database}: "
          f"{db.scalar('SELECT COUNT(*) FROM users')} users, "
          f"{db.scalar('SELECT COUNT(*) FROM tweets')} tweets")
    if args.redis_url:
        flush_tier(args.redis_url)
    return 0


# Each query counts rows that one consistent snapshot of miniter never has
# (sql/migrations/ and docs/timeline-design.md say why each must be 0). A
# dump loads with FOREIGN_KEY_CHECKS=0, so the declared keys are checked too.
CHECKS = [
    ("tweets without their user",
     "SELECT COUNT(*) FROM tweets t LEFT JOIN users u ON u.id = t.user_id "
     "WHERE u.id IS NULL"),
    ("follows naming a missing user",
     "SELECT COUNT(*) FROM follows f LEFT JOIN users a ON a.id = f.follower_id "
     "LEFT JOIN users b ON b.id = f.followee_id WHERE a.id IS NULL OR b.id IS NULL"),
    ("author_fanout rows without their user",
     "SELECT COUNT(*) FROM author_fanout a LEFT JOIN users u ON u.id = a.user_id "
     "WHERE u.id IS NULL"),
    ("author_fanout follower counts that differ from follows",
     "SELECT COUNT(*) FROM author_fanout a LEFT JOIN (SELECT followee_id, "
     "COUNT(*) AS n FROM follows GROUP BY followee_id) f "
     "ON f.followee_id = a.user_id WHERE a.follower_count <> COALESCE(f.n, 0)"),
    ("followed authors without an author_fanout row",
     "SELECT COUNT(DISTINCT f.followee_id) FROM follows f LEFT JOIN author_fanout a "
     "ON a.user_id = f.followee_id WHERE a.user_id IS NULL"),
    ("home_timeline_horizons rows without their user",
     "SELECT COUNT(*) FROM home_timeline_horizons h LEFT JOIN users u "
     "ON u.id = h.owner_id WHERE u.id IS NULL"),
    ("home_timeline rows naming a missing tweet or the wrong author",
     "SELECT COUNT(*) FROM home_timeline h LEFT JOIN tweets t ON t.id = h.tweet_id "
     "WHERE t.id IS NULL OR t.user_id <> h.author_id"),
    ("home_timeline rows of an owner who neither wrote nor follows the author",
     "SELECT COUNT(*) FROM home_timeline h LEFT JOIN follows f "
     "ON f.follower_id = h.owner_id AND f.followee_id = h.author_id "
     "WHERE h.owner_id <> h.author_id AND f.follower_id IS NULL"),
    # Home rows are complete above the owner's horizon: the author's own
    # tweets always, a followee's unless merged at read (sticky).
    ("own tweets above the horizon missing from the author's home_timeline",
     "SELECT COUNT(*) FROM tweets t LEFT JOIN home_timeline_horizons h "
     "ON h.owner_id = t.user_id LEFT JOIN home_timeline r "
     "ON r.owner_id = t.user_id AND r.tweet_id = t.id "
     "WHERE t.id > COALESCE(h.horizon, 0) AND r.tweet_id IS NULL"),
    ("followees' tweets above the horizon missing from a home_timeline",
     "SELECT COUNT(*) FROM follows f JOIN tweets t ON t.user_id = f.followee_id "
     "LEFT JOIN author_fanout a ON a.user_id = f.followee_id "
     "LEFT JOIN home_timeline_horizons h ON h.owner_id = f.follower_id "
     "LEFT JOIN home_timeline r ON r.owner_id = f.follower_id AND r.tweet_id = t.id "
     "WHERE COALESCE(a.merged_at_read, 0) = 0 AND t.id > COALESCE(h.horizon, 0) "
     "AND r.tweet_id IS NULL"),
    ("tweet_request_ids naming a missing tweet or another user's",
     "SELECT COUNT(*) FROM tweet_request_ids r LEFT JOIN tweets t ON t.id = r.tweet_id "
     "WHERE t.id IS NULL OR t.user_id <> r.user_id"),
    ("tier_outbox tweets (kind 1) naming a missing tweet",
     "SELECT COUNT(*) FROM tier_outbox o LEFT JOIN tweets t ON t.id = o.subject_id "
     "WHERE o.kind = 1 AND t.id IS NULL"),
]


def verify(args):
    db = database_from(args)
    version = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0]
    problems = 0
    for what, sql in CHECKS:
        count = db.scalar(sql)
        if count:
            print(f"verify: {count} {what}")
            problems += 1
    print(f"verify: schema version {version}; "
          f"{db.scalar('SELECT COUNT(*) FROM users')} users, "
          f"{db.scalar('SELECT COUNT(*) FROM tweets')} tweets (newest id "
          f"{db.scalar('SELECT COALESCE(MAX(id), 0) FROM tweets')}), "
          f"{db.scalar('SELECT COUNT(*) FROM follows')} follows, "
          f"{db.scalar('SELECT COUNT(*) FROM home_timeline')} home-timeline rows, "
          f"{db.scalar('SELECT COUNT(*) FROM tier_outbox')} outbox rows: "
          + ("consistent" if problems == 0 else f"{problems} checks FAILED"))
    return 0 if problems == 0 else 1


def main():
    parser = argparse.ArgumentParser(prog="scripts/backup.sh",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, function, help_text):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--database_url", help="mysql://... (shows in ps)")
        sub.add_argument("--database_url_file", help="a file holding the URL")
        sub.set_defaults(function=function)
        return sub

    command("take", take, "back up the live database").add_argument(
        "--out", required=True, help="the backup file to write (.sql.gz)")
    sub = command("restore", restore, "load a backup into an empty database")
    sub.add_argument("--from", dest="source", required=True, help="the backup file")
    sub.add_argument("--redis_url", help="the memory tier to empty (redis://, unix://)")
    sub.add_argument("--no_tier", action="store_true",
                     help="the servers run without a memory tier")
    command("verify", verify, "check a database's consistency")
    args = parser.parse_args()
    try:
        return args.function(args)
    except UsageError as error:
        print(f"backup.sh: {error}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as error:
        print(f"backup.sh {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
