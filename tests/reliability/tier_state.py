#!/usr/bin/env python3
"""tier_state.py: what the reliability suite reads straight from the
private MariaDB and Redis of a scenario, bypassing the server: the memory
tier's entries (sorted sets "miniter:home:<owner>", format in
server/storage/redis/redis_home_timeline_tier.cc) and the outbox.

Imported by check_log.py; as a command it is run_scenario.sh's helper for
the outbox_kill scenario:

  tier_state.py stalled-tweet DATABASE_URL_FILE RUN TIMEOUT_S
      waits until a tweet of RUN is committed while its outbox row stays
      (its tier write is stalled: Redis paused) and prints its id;
      exit 1 after TIMEOUT_S.
  tier_state.py holders REDIS_URL_FILE TWEET_ID
      prints the owners whose entry holds TWEET_ID (one per line).
"""
import os
import subprocess
import sys
import time
import urllib.parse

KEY_PREFIX = "miniter:home:"


def sql(url_file, query):
    """Rows of `query` (tab-separated fields) on the scenario's database."""
    url = urllib.parse.urlparse(open(url_file).read().strip())
    env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(url.password or ""))
    out = subprocess.run(
        ["mariadb", "--no-defaults", "-h", url.hostname, "-P", str(url.port),
         "-u", urllib.parse.unquote(url.username), url.path.lstrip("/"),
         "--batch", "--skip-column-names", "-e", query],
        env=env, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def redis(url_file, *args):
    """Reply lines of one redis-cli command on the scenario's Redis."""
    url = open(url_file).read().strip()
    where = (["-s", url[len("unix://"):]] if url.startswith("unix://")
             else ["-u", url])
    out = subprocess.run(["redis-cli", *where, *args], check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()


class Entry:
    """One owner's entry: complete or not, its floor, its tweet ids."""

    def __init__(self, members):
        self.complete = "c" in members
        floors = [int(m[2:]) for m in members if m.startswith("f:")]
        self.floor = floors[0] if floors else None
        self.ids = {int(m) for m in members if m.isdigit()}


def entry(url_file, owner):
    """The entry of `owner`, or None when it does not exist."""
    # redis-cli prints an empty line for an empty reply.
    members = [m for m in redis(url_file, "ZRANGE", f"{KEY_PREFIX}{owner}",
                                "0", "-1") if m]
    return Entry(members) if members else None


def outbox_rows(url_file):
    return int(sql(url_file, "SELECT COUNT(*) FROM tier_outbox")[0][0])


def stalled_tweet(url_file, run, timeout_s):
    """Id of a tweet of `run` whose outbox row outlives 1 s (its writer's
    tier write is stuck), or None after `timeout_s`."""
    query = ("SELECT o.subject_id FROM tier_outbox o JOIN tweets t "
             "ON t.id = o.subject_id WHERE o.kind = 1 AND t.text LIKE "
             f"'{run}-%' ORDER BY o.id DESC LIMIT 1")
    give_up = time.monotonic() + timeout_s
    while time.monotonic() < give_up:
        rows = sql(url_file, query)
        if rows:
            time.sleep(1)  # a row the writer applies is gone within 100 ms
            if sql(url_file, query) == rows:
                return int(rows[0][0])
        time.sleep(0.1)
    return None


def holders(url_file, tweet):
    owners = []
    for key in redis(url_file, "--scan", "--pattern", f"{KEY_PREFIX}*"):
        if redis(url_file, "ZSCORE", key, str(tweet)) != [""]:
            owners.append(int(key[len(KEY_PREFIX):]))
    return sorted(owners)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "stalled-tweet":
        tweet = stalled_tweet(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        if tweet is None:
            sys.exit("tier_state.py: no stalled tweet")
        print(tweet)
    elif len(sys.argv) == 4 and sys.argv[1] == "holders":
        for owner in holders(sys.argv[2], int(sys.argv[3])):
            print(owner)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
