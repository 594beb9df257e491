#!/usr/bin/env python3
"""bench_util.py: the small computations bench/run.sh needs (file formats,
sampling, rates, JSON records), kept out of the shell script. Standard
library only. One subcommand per job:

  manifest-matches MANIFEST PRESET SEED    exit 0 when the manifest is that load
  json-get FILE KEY[.KEY...]               print one value of a JSON file
  client-cnf DATABASE_URL                  print a [client] option file
  free-port                                print a free TCP port on 127.0.0.1
  seconds DURATION                         "10s", "500ms", "2m" -> seconds
  sample IDS_FILE K SEED                   K ids of IDS_FILE (one a line), random
  workload WORK REPEATS                    tokens.tsv + follows.tsv -> workload.tsv
                                           and the mariadb-slap anchor.sql
  slap-next SECONDS QUERIES TARGET_S       the next anchor run's size, 0 = enough
  rate PEAK PCT                            PCT % of PEAK calls/s (at least 1)
  staleness-pairs AUTHOR_FOLLOWERS TOKENS  author/follower pairs with tokens
  tier-memory SOCKET BASELINE [BASELINE_DATASET]
                                           JSON: Redis memory over the baseline,
                                           keys, bytes per active owner
  redis-used-memory SOCKET [FIELD]         used_memory (or FIELD) of a Redis
  machine-json OUT MARIADB LOADAVG         the machine record
  json-object OUT KEY=STR|KEY:=JSON ...    a JSON object from key/value pairs
"""
import datetime
import json
import math
import os
import platform
import random
import re
import socket
import subprocess
import sys
import urllib.parse


def manifest_matches(path, preset, seed):
    try:
        m = json.load(open(path))
    except (OSError, ValueError):
        return 1
    return 0 if m.get("preset") == preset and str(m.get("seed")) == seed else 1


def json_get(path, key):
    v = json.load(open(path))
    for part in key.split("."):
        v = v[part]
    print(v)


def client_cnf(url):
    u = urllib.parse.urlparse(url)
    print("[client]")
    q = urllib.parse.parse_qs(u.query)
    if "socket" in q:
        print(f"socket={q['socket'][0]}")
    print(f"host={u.hostname}\nport={u.port or 3306}\nuser={urllib.parse.unquote(u.username)}")
    print(f"password={urllib.parse.unquote(u.password or '')}")
    # [client] is read by mariadb-slap too, which has no --database option.
    print(f"[mysql]\ndatabase={u.path.lstrip('/')}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])


def seconds(text):
    m = re.fullmatch(r"([0-9.]+)(ms|s|m)?", text)
    if not m:
        sys.exit("bad duration " + text)
    v, unit = float(m.group(1)), m.group(2) or "s"
    print(v / 1000 if unit == "ms" else v * 60 if unit == "m" else v)


def sample(ids_file, k, seed):
    ids = [line.strip() for line in open(ids_file) if line.strip()]
    for i in random.Random(int(seed)).sample(ids, min(int(k), len(ids))):
        print(i)


def workload(work, repeats):
    """workload.tsv for miniter-load (user_id, token, follow list) and
    anchor.sql: the mariadb-slap anchor, one straightforward indexed timeline
    query per sampled user (its follow list plus itself), repeated in
    shuffled order so the clients of mariadb-slap do not all read the same
    user at the same moment."""
    follows = {}
    for line in open(f"{work}/follows.tsv"):
        user, _, lst = line.rstrip("\n").partition("\t")
        follows[user] = lst
    users = []
    with open(f"{work}/workload.tsv", "w") as w:
        for line in open(f"{work}/tokens.tsv"):
            uid, token = line.rstrip("\n").split("\t")[:2]
            w.write(f"{uid}\t{token}\t{follows.get(uid, '')}\n")
            users.append(uid)
    rng = random.Random(7)
    with open(f"{work}/anchor.sql", "w") as a:
        for _ in range(int(repeats)):
            rng.shuffle(users)
            for uid in users:
                authors = ",".join(filter(None, [follows.get(uid, ""), uid]))
                a.write("SELECT id, user_id, text, created_at FROM tweets "
                        f"WHERE user_id IN ({authors}) ORDER BY id DESC LIMIT 50;\n")


def slap_next(s, q, d):
    s, q, d = float(s), float(q), float(d)
    print(0 if s >= d / 2 else max(int(q) * 2, int(q * d / max(s, 1e-3))))


def rate(peak, pct):
    print(max(1.0, float(peak) * float(pct) / 100))


def staleness_pairs(author_followers, tokens):
    """author<TAB>follower lines + user_id<TAB>token lines -> the pairs file
    of miniter-load staleness (author, its token, follower, its token)."""
    token = dict(line.rstrip("\n").split("\t")[:2] for line in open(tokens) if line.strip())
    for line in open(author_followers):
        author, follower = line.split()[:2]
        if author in token and follower in token:
            print(f"{author}\t{token[author]}\t{follower}\t{token[follower]}")


def redis_info(sock, *args):
    return subprocess.run(["redis-cli", "-s", sock, *args], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def redis_used_memory(sock, field="used_memory"):
    m = re.search(rf"^{field}:(\d+)", redis_info(sock, "INFO", "memory"), re.M)
    return int(m.group(1)) if m else 0


def tier_memory(sock, baseline, baseline_dataset=0):
    used = redis_used_memory(sock)
    m = re.search(r"^used_memory_dataset:(\d+)", redis_info(sock, "INFO", "memory"), re.M)
    dataset = int(m.group(1)) if m else 0
    keys = int(redis_info(sock, "DBSIZE").strip() or 0)
    # Active owners: the home timeline entries (one key per owner).
    home = sum(1 for line in redis_info(sock, "--scan", "--pattern", "miniter:home:*").splitlines()
               if line.strip())
    owners = home or keys
    over = max(0, used - int(baseline))
    print(json.dumps({
        "used_memory_bytes": used, "baseline_bytes": int(baseline),
        "tier_bytes": over, "keys": keys, "home_entries": home,
        "bytes_per_active_owner": over / owners if owners else None,
        # The same from used_memory_dataset (without client buffers, the
        # script cache and other fixed overhead), also over the empty Redis.
        "dataset_bytes": max(0, dataset - int(baseline_dataset)),
        "dataset_bytes_per_active_owner":
            max(0, dataset - int(baseline_dataset)) / owners if owners else None,
    }))


def machine_json(out, mariadb, loadavg):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.machine())
    mem_kb = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")))
    json.dump({
        "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mariadb": mariadb,
        "load_average_at_start": loadavg,
    }, open(out, "w"), indent=2)


def json_object(out, *pairs):
    obj = {}
    for pair in pairs:
        if ":=" in pair and pair.index(":=") < pair.index("=") + 1:
            k, v = pair.split(":=", 1)
            obj[k] = json.loads(v)
        else:
            k, v = pair.split("=", 1)
            obj[k] = v
    with open(out, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


COMMANDS = {
    "manifest-matches": manifest_matches, "json-get": json_get,
    "client-cnf": client_cnf, "free-port": free_port, "seconds": seconds,
    "sample": sample, "workload": workload, "slap-next": slap_next,
    "rate": rate, "staleness-pairs": staleness_pairs,
    "tier-memory": tier_memory,
    "redis-used-memory": lambda sock, field="used_memory": print(redis_used_memory(sock, field)),
    "machine-json": machine_json, "json-object": json_object,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]) or 0)
