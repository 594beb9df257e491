"""bench_util.py: the small computations of the benchmark driver (bench/run.py,
bench/cluster.py): durations and sizes, sampling, the workload and anchor
files, rates, the machine record. Standard library only; no processes."""
import datetime
import json
import os
import platform
import random
import re
import socket
import urllib.parse


def seconds(text):
    """A miniter-load duration ("10s", "500ms", "2m", "3") in seconds."""
    m = re.fullmatch(r"([0-9.]+)(ms|s|m)?", text)
    if not m:
        raise ValueError(f"bad duration {text!r} (e.g. 30s, 500ms, 2m)")
    v, unit = float(m.group(1)), m.group(2) or "s"
    return v / 1000 if unit == "ms" else v * 60 if unit == "m" else v


def iec_bytes(text):
    """A size such as "256M" or "2G" (powers of 1024, as numfmt --from=iec)
    in bytes, for MariaDB's SET GLOBAL."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([KMGTPE]?)", text.strip(), re.I)
    if not m:
        raise ValueError(f"bad size {text!r} (e.g. 256M, 2G)")
    power = " KMGTPE".index(m.group(2).upper() or " ")
    return int(float(m.group(1)) * 1024**power)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port):
    """Whether something accepts connections on 127.0.0.1:PORT."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def manifest_matches(path, preset, seed):
    """Whether the manifest miniter-generate wrote says PRESET with SEED."""
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return m.get("preset") == preset and str(m.get("seed")) == str(seed)


def client_cnf(url):
    """A [client] option file for DATABASE_URL, so the password is never on a
    command line."""
    u = urllib.parse.urlparse(url)
    lines = ["[client]"]
    q = urllib.parse.parse_qs(u.query)
    if "socket" in q:
        lines.append(f"socket={q['socket'][0]}")
    lines += [f"host={u.hostname}", f"port={u.port or 3306}",
              f"user={urllib.parse.unquote(u.username)}",
              f"password={urllib.parse.unquote(u.password or '')}",
              # [client] is read by mariadb-slap too, which has no
              # --database option.
              "[mysql]", f"database={u.path.lstrip('/')}"]
    return "\n".join(lines) + "\n"


def sample(ids, k, seed):
    """K of IDS (strings, in the database's order), chosen at random with SEED:
    the same seed picks the same readers on every run."""
    return random.Random(int(seed)).sample(ids, min(int(k), len(ids)))


def name_prefixes(names, count, seed):
    """COUNT SearchUsers queries: the first 1 to 3 characters (code points)
    of names drawn at random from NAMES with SEED, as a person typing into a
    search box sends them. Names that start with whitespace are skipped, so
    no query is all whitespace (the server refuses those)."""
    rng = random.Random(int(seed))
    usable = [n for n in names if n[:1].strip()]
    if not usable:
        return []
    return [rng.choice(usable)[:rng.randint(1, 3)] for _ in range(int(count))]


def most_followed(workload_lines, k):
    """The K user ids (strings) followed by most of the workload's users
    (lines "user_id<TAB>token<TAB>followee,..."), most followed first; ties
    by id."""
    counts = {}
    for line in workload_lines:
        fields = line.rstrip("\n").split("\t")
        for followee in filter(None, fields[2].split(",") if len(fields) > 2 else []):
            counts[followee] = counts.get(followee, 0) + 1
    return sorted(counts, key=lambda i: (-counts[i], int(i)))[:int(k)]


def write_workload(tokens_path, follows, workload_path, anchor_path, repeats):
    """workload.tsv for miniter-load (user_id, token, follow list) and
    anchor.sql: the mariadb-slap anchor, one straightforward indexed timeline
    query per sampled user (its follow list plus itself), repeated in
    shuffled order so the clients of mariadb-slap do not all read the same
    user at the same moment. FOLLOWS maps a user id to its followees, comma
    separated. Returns the number of readers."""
    users = []
    with open(tokens_path) as t, open(workload_path, "w") as w:
        for line in t:
            uid, token = line.rstrip("\n").split("\t")[:2]
            w.write(f"{uid}\t{token}\t{follows.get(uid, '')}\n")
            users.append(uid)
    rng = random.Random(7)
    with open(anchor_path, "w") as a:
        for _ in range(int(repeats)):
            rng.shuffle(users)
            for uid in users:
                authors = ",".join(filter(None, [follows.get(uid, ""), uid]))
                a.write("SELECT id, user_id, text, created_at FROM tweets "
                        f"WHERE user_id IN ({authors}) ORDER BY id DESC LIMIT 50;\n")
    return len(users)


def slap_repeats(readers, quick):
    """How often anchor.sql holds each reader: about 10k queries in all, each
    reader at least twice (4 times in quick mode)."""
    if quick:
        return 4
    return max(2, -(-10240 // readers)) if readers else 2


def slap_next(secs, queries, target_s):
    """The next mariadb-slap run's size, or 0 when a run of SECS already
    lasts at least half of TARGET_S."""
    if secs >= target_s / 2:
        return 0
    return max(int(queries) * 2, int(queries * target_s / max(secs, 1e-3)))


def rate(peak, pct):
    """PCT % of PEAK calls/s, at least 1."""
    return max(1.0, float(peak) * float(pct) / 100)


def staleness_pairs(author_followers, tokens_path):
    """(author, follower) pairs + the user_id<TAB>token file -> the lines of
    miniter-load staleness's pairs file (author, its token, follower, its
    token), for the pairs whose both tokens were minted."""
    with open(tokens_path) as f:
        token = dict(line.rstrip("\n").split("\t")[:2] for line in f if line.strip())
    return [f"{a}\t{token[a]}\t{b}\t{token[b]}\n"
            for a, b in author_followers if a in token and b in token]


def machine_record(mariadb_version, loadavg):
    """What the results say about the machine they were measured on."""
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")),
                   platform.machine())
    with open("/proc/meminfo") as f:
        mem_kb = int(next(l.split()[1] for l in f if l.startswith("MemTotal")))
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mariadb": mariadb_version,
        "load_average_at_start": loadavg,
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_private(path, text):
    """Writes TEXT to a file only this user can read (secrets, passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def read_json(path):
    with open(path) as f:
        return json.load(f)
