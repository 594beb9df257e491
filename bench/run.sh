#!/usr/bin/env bash
# run.sh: the benchmark command. It builds miniter, starts a private MariaDB
# kept under .miniter/bench-db-<preset> (so a preset loads once), loads the
# preset if needed (tools/miniter-generate), starts miniter-server, logs in a
# sample of users for real tokens, measures the raw SQL anchor with
# mariadb-slap, drives every scenario closed-loop (peak) and open-loop
# (fixed rates) with tools/miniter-load, and writes results.json,
# results.md and latency_vs_load.png. See bench/README.md.
#
#   bench/run.sh [--preset medium] [--duration 30s] [--out bench/results]
#                [--quick] [--concurrency N] [--loads 25,50,75,100]
#                [--scenarios timeline,tweet,follow,mix]
#                [--anchor-runs 5] [--anchor-duration 10s]
#                [--soak DURATION] [--soak-load 80] [--compare-with RESULTS_JSON]
#                [--users N] [--pool-size N] [--seed N] [--state-dir DIR]
#                [--build-dir DIR] [--no-build] [--db-buffer-pool SIZE]
#                [--db-redo-log SIZE]
#
# --scenarios picks what runs (the anchor always runs, first). --soak adds,
# after the mix's closed loop, one open-loop mix run of that length at
# --soak-load % of the mix's peak (the "zero errors for 60 s at 80 %" check).
# --compare-with another preset's results.json adds the flat-cost ratio
# (this run's Timeline p50 at peak over that one's).
# Write scenarios change the data; the next run restores the loaded data
# from a snapshot (.miniter/bench-db-<preset>/snapshot) or reloads it.
#
# --quick is the smoke-test mode: tiny preset, ~1 s per measurement.
# --state-dir puts the database (and, unless --out, the results) elsewhere,
# e.g. a throwaway directory; a database this script started is stopped at
# the end either way (its data is kept).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

say() { echo "bench: $*"; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

preset="" duration="" out="" quick=0 concurrency="" loads="" users=""
pool_size="" seed=1 state_dir="" build_dir=build no_build=0 buffer_pool="" redo_log=""
scenarios=timeline,tweet,follow,mix anchor_runs="" anchor_duration="" soak=""
soak_load=80 compare_with=""
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case "$arg" in
    --*=*) set -- "${arg#*=}" "$@"; arg=${arg%%=*} ;;
  esac
  need() { [[ $# -gt 0 ]] || die "$arg needs a value"; }
  case "$arg" in
    --preset) need "$@"; preset=$1; shift ;;
    --duration) need "$@"; duration=$1; shift ;;
    --out) need "$@"; out=$1; shift ;;
    --quick) quick=1 ;;
    --concurrency) need "$@"; concurrency=$1; shift ;;
    --loads) need "$@"; loads=$1; shift ;;
    --users) need "$@"; users=$1; shift ;;
    --pool-size) need "$@"; pool_size=$1; shift ;;
    --seed) need "$@"; seed=$1; shift ;;
    --state-dir) need "$@"; state_dir=$1; shift ;;
    --build-dir) need "$@"; build_dir=$1; shift ;;
    --no-build) no_build=1 ;;
    --db-buffer-pool) need "$@"; buffer_pool=$1; shift ;;
    --db-redo-log) need "$@"; redo_log=$1; shift ;;
    --scenarios) need "$@"; scenarios=$1; shift ;;
    --anchor-runs) need "$@"; anchor_runs=$1; shift ;;
    --anchor-duration) need "$@"; anchor_duration=$1; shift ;;
    --soak) need "$@"; soak=$1; shift ;;
    --soak-load) need "$@"; soak_load=$1; shift ;;
    --compare-with) need "$@"; compare_with=$(realpath "$1"); shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

# Defaults: a real measurement, or with --quick one that only proves the
# whole pipeline works (the numbers of a quick run mean nothing).
if [[ $quick == 1 ]]; then
  : "${preset:=tiny}" "${duration:=1s}" "${loads:=50}" "${users:=16}"
  : "${concurrency:=8}" "${anchor_runs:=1}" "${anchor_duration:=1s}"
  warmup=0.5s
else
  : "${preset:=medium}" "${duration:=30s}" "${loads:=25,50,75,100}"
  : "${users:=256}" "${concurrency:=32}" "${anchor_runs:=5}" "${anchor_duration:=10s}"
  warmup=3s
fi
for s in ${scenarios//,/ }; do
  case "$s" in timeline|tweet|follow|mix) ;; *) die "--scenarios: unknown scenario $s" ;; esac
done
writes=0  # whether this run changes the data set
for s in ${scenarios//,/ }; do [[ $s == timeline ]] || writes=1; done
case "$preset" in tiny|medium|large) ;; *) die "--preset must be tiny, medium or large" ;; esac
# The data of medium/large must fit in memory for the numbers to be about
# the design rather than the disk; mariadb.sh starts with 256M.
[[ -n $buffer_pool ]] || { [[ $preset == tiny ]] && buffer_pool=256M || buffer_pool=2G; }
# InnoDB's redo log (96M by default) fills in seconds under the write
# scenarios, and each time it does, InnoDB must flush dirty pages before it
# can reuse it; a larger log is the usual setting for a write-heavy server.
# Durability is unchanged (innodb_flush_log_at_trx_commit=1).
[[ -n $redo_log ]] || { [[ $preset == tiny ]] && redo_log=96M || redo_log=1G; }
# Connections to MariaDB: on 2 cores more than a few concurrent queries only
# queue inside InnoDB; 4 per core leaves room for ones waiting on I/O.
[[ -n $pool_size ]] || pool_size=$(( 4 * $(nproc) ))
[[ -n $state_dir ]] || state_dir=$repo/.miniter/bench-db-$preset
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
if [[ -z $out ]]; then
  if [[ $state_dir == "$repo/.miniter/bench-db-$preset" ]]; then out=$repo/bench/results; else out=$state_dir/results; fi
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/raw
rm -rf "$raw"
mkdir -p "$raw"
work=$(mktemp -d -t miniter-bench.XXXXXX)
# Other work on the machine skews every figure; recorded with the results.
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- cleanup: only what this script started, by pid -------------------------
server_pid="" sampler_pid="" started_db=0 db_dir=$state_dir/db
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [[ $started_db == 1 ]]; then
    bash "$repo/scripts/mariadb.sh" stop "$db_dir" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build --------------------------------------------------------------------
if [[ $no_build == 0 ]]; then
  say "building ($build_dir)"
  bash scripts/build.sh "$build_dir" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; die "build failed (output above)"; }
fi
build_dir=$(cd "$build_dir" && pwd)
generate=$build_dir/tools/miniter-generate
load=$build_dir/tools/miniter-load
server_bin=$build_dir/server/miniter-server
for b in "$generate" "$load" "$server_bin"; do
  [[ -x $b ]] || die "$b is missing; build first (or drop --no-build)"
done
command -v mariadb-slap >/dev/null || die "mariadb-slap is missing (Debian package mariadb-client)"

# ---- Python for the report (matplotlib, pinned) -------------------------------
venv=${MINITER_BENCH_VENV:-$repo/.miniter/bench-venv}
requirements=$repo/bench/requirements.txt
stamp=$venv/.requirements.sha256
want_sha=$(sha256sum "$requirements" | cut -d' ' -f1)
mkdir -p "$(dirname "$venv")"
# Two benchmark runs (say, the smoke tests of two build trees) share the
# venv; the lock keeps them from building it at the same time.
exec {venv_lock}>"$venv.lock"
flock "$venv_lock"
if [[ ! -x $venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want_sha" ]]; then
  say "preparing $venv (pip install -r bench/requirements.txt)"
  # Debian's python3 on purpose: a pyenv or conda python on PATH would make
  # the venv depend on one developer's setup.
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" || die "python3 -m venv failed (Debian package python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" \
    || die "pip install -r bench/requirements.txt failed"
  echo "$want_sha" >"$stamp"
fi
flock -u "$venv_lock"
py=$venv/bin/python

# ---- the private MariaDB ------------------------------------------------------
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
db_running() { [[ -f $db_dir/mysqld.pid ]] && kill -0 "$(cat "$db_dir/mysqld.pid")" 2>/dev/null; }
start_db() {
  if ! db_running; then
    started_db=1
    # 13320+ for benchmark databases: clear of run.sh (13306) and the test
    # databases (13307+) in the usual case; any free port will do.
    local port=${MINITER_BENCH_DB_PORT:-13320}
    while ! port_is_free "$port"; do port=$((port + 1)); done
    bash scripts/mariadb.sh start "$db_dir" "$port" >/dev/null
  fi
  database_url=$(cat "$db_dir/database_url")
}
# The same socket rule as scripts/mariadb.sh (root connects over it).
db_socket=$db_dir/mysqld.sock
if (( ${#db_socket} > 100 )); then
  db_socket="/tmp/miniter-$(printf '%s' "$db_dir" | md5sum | cut -c1-12).sock"
fi
root_sql() { mariadb --no-defaults --protocol=socket --socket="$db_socket" -uroot -N -B -e "$1"; }

manifest=$state_dir/manifest.json
manifest_matches() {
  [[ -f $manifest ]] && "$py" - "$manifest" "$preset" "$seed" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m.get("preset") == sys.argv[2] and str(m.get("seed")) == sys.argv[3] else 1)
EOF
}

# Every run measures the data set as loaded: write scenarios (Tweet, the
# mix) add tweets and trim home timelines, so a run that wrote leaves a
# "dirty" mark, and the next run restores the snapshot taken after loading
# (or reloads when there is none). Earlier, the anchor and every figure
# drifted as each run added a few percent of tweets (docs/profile.md).
snapshot=$state_dir/snapshot
dirty=$state_dir/dirty
if manifest_matches && [[ -f $dirty ]]; then
  if db_running; then bash scripts/mariadb.sh stop "$db_dir"; fi
  if [[ -d $snapshot ]]; then
    say "restoring the loaded $preset data set from its snapshot (an earlier run wrote to it)"
    rm -rf "$db_dir/data"
    cp -a "$snapshot" "$db_dir/data"
    rm -f "$dirty"
  else
    say "an earlier run wrote to the $preset data set and there is no snapshot: reloading"
    rm -f "$manifest"
  fi
fi
load_preset() {
  # Anything else in the directory is a different or half-finished load:
  # start from an empty database.
  if db_running; then bash scripts/mariadb.sh stop "$db_dir"; fi
  rm -rf "$db_dir" "$manifest" "$snapshot" "$dirty"
  start_db
  say "loading preset $preset (seed $seed)"
  MINITER_DATABASE_URL=$database_url "$generate" --preset="$preset" --seed="$seed" \
      --manifest="$manifest.partial" | sed 's/^/  /'
  [[ ${PIPESTATUS[0]} == 0 ]] || die "miniter-generate failed"
  mv "$manifest.partial" "$manifest"
}
manifest_tweets() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tweets"])' "$manifest"; }
if manifest_matches; then
  start_db
  # A data set written to by a run from before the dirty mark existed.
  if [[ $(root_sql "SELECT COUNT(*) FROM miniter.tweets") != "$(manifest_tweets)" ]]; then
    say "the $preset data set has more tweets than were loaded (an earlier run wrote to it): reloading"
    load_preset
  else
    say "reusing the loaded $preset data set in ${state_dir#"$repo"/}"
  fi
else
  load_preset
fi
# The snapshot a later run restores, taken with the database stopped (a
# copy of a running InnoDB is not consistent); only needed when this run
# writes, and only of a database this script runs.
if [[ $writes == 1 && ! -d $snapshot ]]; then
  if [[ $started_db == 1 ]]; then
    say "snapshotting the loaded data set ($(du -sh "$db_dir/data" | cut -f1)) for later runs"
    bash scripts/mariadb.sh stop "$db_dir"
    rm -rf "$snapshot.partial"
    cp -a "$db_dir/data" "$snapshot.partial"
    mv "$snapshot.partial" "$snapshot"
    start_db
  else
    say "warning: the database was already running; no snapshot taken, so a later run will reload"
  fi
fi
root_sql "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$buffer_pool")" \
  || say "warning: could not resize the buffer pool to $buffer_pool"
root_sql "SET GLOBAL innodb_log_file_size = $(numfmt --from=iec "$redo_log")" \
  || say "warning: could not resize the redo log to $redo_log"

# The client tools read the password from a file, not the command line.
db_cnf=$work/client.cnf
"$py" - "$database_url" >"$db_cnf" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print("[client]")
print(f"host={u.hostname}\nport={u.port or 3306}\nuser={urllib.parse.unquote(u.username)}")
print(f"password={urllib.parse.unquote(u.password or '')}")
# [client] is read by mariadb-slap too, which has no --database option.
print(f"[mysql]\ndatabase={u.path.lstrip('/')}")
EOF
chmod 600 "$db_cnf"
db_sql() { mariadb --defaults-file="$db_cnf" -N -B -e "$1"; }

# ---- the server ---------------------------------------------------------------
server_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
address=127.0.0.1:$server_port
server_log=$out/server.log
# The load comes from one address at ~1,000 tweets/s: rate limits (on by
# default, per address and account) are raised so they measure nothing.
# The pool's wait queue (by default as long as the pool) would turn the
# closed loop's 32 calls in flight into RESOURCE_EXHAUSTED: the benchmark
# measures queueing as latency; failing fast is tested elsewhere.
say "starting miniter-server on $address (pool_size $pool_size)"
MINITER_DATABASE_URL=$database_url \
MINITER_TOKEN_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
MINITER_LISTEN=$address MINITER_POOL_SIZE=$pool_size \
MINITER_LOGIN_RATE_PER_PEER=1000000/1m MINITER_TWEET_RATE_PER_PEER=1000000/1m \
MINITER_TWEET_RATE_PER_ACCOUNT=1000000/1m \
MINITER_POOL_QUEUE=1000 \
  setsid "$server_bin" >"$server_log" 2>&1 </dev/null &
server_pid=$!
for _ in $(seq 1 600); do
  grep -qs "serving miniter.v1.Miniter" "$server_log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; die "the server exited"; }
  sleep 0.1
done
grep -qs "serving miniter.v1.Miniter" "$server_log" || die "the server did not start in 60 s"

# ---- users, tokens, follow lists ----------------------------------------------
user_count=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' "$manifest")
read -r min_id max_id < <(db_sql "SELECT MIN(id), MAX(id) FROM users")
say "logging in $users sampled users (Argon2id, a few per second)"
"$py" - "$user_count" "$users" "$seed" >"$work/emails" <<'EOF'
import random, sys
total, k, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for n in random.Random(seed).sample(range(1, total + 1), min(k, total)):
    print(f"user{n}@bench.miniter.test")
EOF
"$load" login --server="$address" --emails_file="$work/emails" --out="$work/tokens.tsv"
ids=$(cut -f2 "$work/tokens.tsv" | paste -sd, -)
db_sql "SET SESSION group_concat_max_len = 16777216;
        SELECT follower_id, GROUP_CONCAT(followee_id) FROM follows
        WHERE follower_id IN ($ids) GROUP BY follower_id" >"$work/follows.tsv"
"$py" - "$work" "$quick" <<'EOF'
# workload.tsv for miniter-load; anchor.sql: the raw SQL anchor, one
# straightforward indexed timeline query per sampled user (its follow list
# plus itself), repeated in shuffled order so the clients of mariadb-slap
# do not all read the same user at the same moment.
import random, sys
work, quick = sys.argv[1], sys.argv[2] == "1"
follows = {}
for line in open(f"{work}/follows.tsv"):
    user, _, lst = line.rstrip("\n").partition("\t")
    follows[user] = lst
users = []
with open(f"{work}/workload.tsv", "w") as w:
    for line in open(f"{work}/tokens.tsv"):
        email, uid, token = line.rstrip("\n").split("\t")
        w.write(f"{uid}\t{token}\t{follows.get(uid, '')}\n")
        users.append(uid)
rng = random.Random(7)
with open(f"{work}/anchor.sql", "w") as a:
    for _ in range(4 if quick else 40):
        rng.shuffle(users)
        for uid in users:
            authors = ",".join(filter(None, [follows.get(uid, ""), uid]))
            a.write("SELECT id, user_id, text, created_at FROM tweets "
                    f"WHERE user_id IN ({authors}) ORDER BY id DESC LIMIT 50;\n")
EOF

# ---- server memory, sampled during each run ----------------------------------
rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status" 2>/dev/null || echo 0; }
start_sampler() {  # FILE: keeps the highest VmRSS seen, in kB
  ( max=0
    while :; do
      v=$(rss_kb VmRSS); v=${v:-0}
      (( v > max )) && { max=$v; echo "$max" >"$1"; }
      sleep 0.2
    done ) &
  sampler_pid=$!
}
stop_sampler() { kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""; }

# ---- the raw SQL anchor --------------------------------------------------------
slap() {  # QUERIES -> prints "seconds queries"
  local before after secs
  before=$(db_sql "SHOW GLOBAL STATUS LIKE 'Com_select'" | cut -f2)
  mariadb-slap --defaults-file="$db_cnf" --create-schema="$(sed -n 's/^database=//p' "$db_cnf")" \
      --no-drop --query="$work/anchor.sql" --delimiter=";" \
      --concurrency="$concurrency" --iterations=1 --number-of-queries="$1" >"$work/slap.out" \
    || { cat "$work/slap.out" >&2; die "mariadb-slap failed"; }
  after=$(db_sql "SHOW GLOBAL STATUS LIKE 'Com_select'" | cut -f2)
  secs=$(sed -nE 's/.*Average number of seconds to run all queries: ([0-9.]+).*/\1/p' "$work/slap.out")
  # Com_select counts what actually ran, whatever mariadb-slap makes of
  # --number-of-queries (it is a per-client approximation).
  echo "$secs $(( after - before ))"
}
anchor_s_target=$("$py" - "$anchor_duration" <<'EOF'
import re, sys
m = re.fullmatch(r"([0-9.]+)(ms|s|m)?", sys.argv[1])
if not m: sys.exit("bad --anchor-duration " + sys.argv[1])
v, unit = float(m.group(1)), m.group(2) or "s"
print(v / 1000 if unit == "ms" else v * 60 if unit == "m" else v)
EOF
)
say "raw SQL anchor: mariadb-slap, concurrency $concurrency, $anchor_runs runs of ~$anchor_duration after a warm-up"
# Warm-up, not measured: every query of the file once, so the pages of the
# sampled users' followees are in the buffer pool (the pool starts at 256M
# and holds only what the last shutdown dumped; a cold first run measured
# the disk, not the query: docs/profile.md). Then sized from the warm-up
# and again while a run is much shorter than the target.
read -r anchor_s anchor_q < <(slap "$(wc -l <"$work/anchor.sql")")
for _ in 1 2 3; do
  next_q=$("$py" -c "import sys; s,q,d=map(float,sys.argv[1:]); print(0 if s >= d/2 else max(int(q)*2, int(q*d/max(s,1e-3))))" \
           "$anchor_s" "$anchor_q" "$anchor_s_target")
  [[ $next_q == 0 ]] && break
  read -r anchor_s anchor_q < <(slap "$next_q")
done
# Several runs of the same size: the median is the anchor, the spread says
# how far to trust it.
anchor_runs_json=""
for i in $(seq 1 "$anchor_runs"); do
  read -r s q < <(slap "$anchor_q")
  say "anchor run $i/$anchor_runs: $q queries in $s s"
  anchor_runs_json+="${anchor_runs_json:+, }{\"seconds\": $s, \"queries\": $q}"
done
printf '{"tool": "mariadb-slap", "concurrency": %d, "users": %d, "runs": [%s]}\n' \
  "$concurrency" "$(wc -l <"$work/workload.tsv")" "$anchor_runs_json" >"$raw/anchor.json"

# ---- the scenarios ---------------------------------------------------------------
run_load() {  # NAME ARGS...: one measurement, plus the server's memory
  local name=$1; shift
  start_sampler "$raw/$name.rss"
  "$load" run --server="$address" --workload="$work/workload.tsv" \
      --min_user_id="$min_id" --max_user_id="$max_id" --warmup="$warmup" \
      --duration="$duration" --seed="$seed" --out="$raw/$name.json" "$@" \
      2> >(sed 's/^/  /' >&2)
  stop_sampler
  printf '{"vmrss_max_kb": %d, "vmhwm_kb": %d}\n' \
    "$(cat "$raw/$name.rss" 2>/dev/null || echo 0)" "$(rss_kb VmHWM)" >"$raw/$name.mem.json"
  rm -f "$raw/$name.rss"
}
# Read-only first, so a timeline measurement never sees the tweets that a
# write scenario of the same run added.
for scenario in timeline tweet follow mix; do
  [[ ,$scenarios, == *,$scenario,* ]] || continue
  [[ $scenario == timeline ]] || touch "$dirty"
  say "$scenario: closed loop, concurrency $concurrency"
  run_load "$scenario-closed" --scenario="$scenario" --concurrency="$concurrency"
  peak=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["qps"])' "$raw/$scenario-closed.json")
  for pct in ${loads//,/ }; do
    rate=$("$py" -c "import sys; print(max(1.0, float(sys.argv[1]) * float(sys.argv[2]) / 100))" "$peak" "$pct")
    say "$scenario: open loop at $pct% of peak ($rate calls/s)"
    run_load "$scenario-open-$pct" --scenario="$scenario" --rate="$rate" --concurrency=0
  done
  if [[ $scenario == mix && -n $soak ]]; then
    rate=$("$py" -c "import sys; print(max(1.0, float(sys.argv[1]) * float(sys.argv[2]) / 100))" "$peak" "$soak_load")
    say "mix: soak, open loop at $soak_load% of peak ($rate calls/s) for $soak"
    run_load "mix-soak-$soak_load" --scenario=mix --rate="$rate" --concurrency=0 --duration="$soak"
  fi
done

# ---- machine and report ------------------------------------------------------------
"$py" - "$raw/machine.json" <<EOF
import json, platform, sys, datetime, os
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
mem_kb = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")))
json.dump({
    "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gib": round(mem_kb / 1048576, 1),
    "kernel": platform.release(),
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "mariadb": "$(db_sql "SELECT VERSION()")",
    "load_average_at_start": "$loadavg_start",
}, open(sys.argv[1], "w"), indent=2)
EOF
printf '{"preset": "%s", "duration": "%s", "warmup": "%s", "concurrency": %d, "loads": "%s", "users_sampled": %d, "pool_size": %d, "db_buffer_pool": "%s", "db_redo_log": "%s", "quick": %s, "scenarios": "%s", "soak": "%s", "soak_load": %d}\n' \
  "$preset" "$duration" "$warmup" "$concurrency" "$loads" "$(wc -l <"$work/workload.tsv")" \
  "$pool_size" "$buffer_pool" "$redo_log" "$([[ $quick == 1 ]] && echo true || echo false)" \
  "$scenarios" "$soak" "$soak_load" >"$raw/settings.json"
cp "$manifest" "$raw/manifest.json"
"$py" "$repo/bench/report.py" "$raw" "$out" ${compare_with:+"$compare_with"}
say "results: $out/results.md, $out/results.json, $out/latency_vs_load.png"
