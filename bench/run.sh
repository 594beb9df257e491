#!/usr/bin/env bash
# run.sh: the benchmark command. It builds miniter, starts a private MariaDB
# kept under .miniter/bench-db-<preset> (so a preset loads once) and a
# private Redis (the memory tier; --no-tier: none), loads the preset if
# needed (tools/miniter-generate), starts miniter-server and waits for its
# gRPC health check, mints tokens for a sample of readers with the server's
# secret, measures the anchors (mariadb-slap and a prepared-statement read
# query, a durable INSERT, Health/Check), drives every scenario closed-loop
# (peak) and open-loop (fixed rates) with tools/miniter-load, measures
# follower staleness and a write burst, and writes results.json,
# results.md (with the issue's Targets table) and latency_vs_load.png.
# See bench/README.md.
#
#   bench/run.sh [--preset medium] [--duration 30s] [--out bench/results]
#                [--quick] [--concurrency N] [--loads 25,50,75,100]
#                [--scenarios timeline,tweet,follow,mix,burst] [--no-tier]
#                [--anchor-runs 5] [--anchor-duration 10s] [--anchor-query best]
#                [--soak DURATION] [--soak-load 80] [--compare-with RESULTS_JSON]
#                [--users N] [--small-users 256] [--burst-count N]
#                [--burst-concurrency N] [--staleness-sample N]
#                [--staleness-authors N] [--server-wait DURATION]
#                [--pool-size N] [--seed N] [--state-dir DIR]
#                [--build-dir DIR] [--no-build] [--db-buffer-pool SIZE]
#                [--db-redo-log SIZE] [--trace]
#
# --scenarios picks what runs; the raw-SQL read anchors always run, first.
# timeline adds the run with only --small-users readers and the Health/Check
# rate; tweet adds the INSERT anchor (before it) and follower staleness
# (after it, open loop at 50 % of its peak); burst (last) posts
# --burst-count tweets by random authors, then repeats the read anchor and
# the Timeline closed loop. --soak adds, after the mix's closed loop, one
# open-loop mix run of that length at --soak-load % of the mix's peak (the
# "zero errors for 60 s at 80 %" check). --compare-with another preset's
# results.json adds the flat-cost ratio (this run's Timeline p50 at peak
# over that one's). Write scenarios change the data; the next run restores
# the loaded data from a snapshot (.miniter/bench-db-<preset>/snapshot) or
# reloads it.
#
# --trace keeps every measured call's due time and latency
# (raw/<run>.trace.tsv, miniter-load --trace_out): when the slow calls
# happen, not only how many there are (bench/trace_report.py reads it).
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
scenarios=timeline,tweet,follow,mix,burst anchor_runs="" anchor_duration="" soak=""
soak_load=80 compare_with="" tier=1 small_users=256 burst_count="" burst_concurrency=""
staleness_sample="" staleness_authors="" server_wait="" anchor_query=best trace=0
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
    --no-tier) tier=0 ;;
    --trace) trace=1 ;;
    --small-users) need "$@"; small_users=$1; shift ;;
    --burst-count) need "$@"; burst_count=$1; shift ;;
    --burst-concurrency) need "$@"; burst_concurrency=$1; shift ;;
    --staleness-sample) need "$@"; staleness_sample=$1; shift ;;
    --staleness-authors) need "$@"; staleness_authors=$1; shift ;;
    --server-wait) need "$@"; server_wait=$1; shift ;;
    --anchor-query) need "$@"; anchor_query=$1; shift ;;
    -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

# Defaults: a real measurement, or with --quick one that only proves the
# whole pipeline works (the numbers of a quick run mean nothing).
if [[ $quick == 1 ]]; then
  : "${preset:=tiny}" "${duration:=1s}" "${loads:=50}" "${users:=16}"
  : "${concurrency:=8}" "${anchor_runs:=1}" "${anchor_duration:=1s}"
  : "${burst_count:=500}" "${burst_concurrency:=16}" "${staleness_sample:=5}"
  : "${staleness_authors:=16}"
  warmup=0.5s
else
  : "${preset:=medium}" "${duration:=30s}" "${loads:=25,50,75,100}"
  : "${users:=5000}" "${concurrency:=32}" "${anchor_runs:=5}" "${anchor_duration:=10s}"
  : "${burst_count:=50000}" "${burst_concurrency:=128}" "${staleness_sample:=20}"
  : "${staleness_authors:=500}"
  warmup=3s
fi
for s in ${scenarios//,/ }; do
  case "$s" in timeline|tweet|follow|mix|burst) ;; *) die "--scenarios: unknown scenario $s" ;; esac
done
case "$anchor_query" in in|derived) anchor_forms=$anchor_query ;; best) anchor_forms="in derived" ;;
  *) die "--anchor-query must be in, derived or best" ;; esac
has() { [[ ,$scenarios, == *,$1,* ]]; }
writes=0  # whether this run changes the data set
for s in ${scenarios//,/ }; do [[ $s == timeline ]] || writes=1; done
case "$preset" in tiny|medium|large) ;; *) die "--preset must be tiny, medium or large" ;; esac
# How long the server may take to answer its health check: a large data set
# restored or just loaded makes MariaDB's first statements (migration
# checks on big tables, a cold buffer pool) slower.
if [[ -z $server_wait ]]; then
  case "$preset" in tiny) server_wait=60s ;; medium) server_wait=120s ;; large) server_wait=600s ;; esac
fi
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
redis_dir=$state_dir/redis started_redis=0
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [[ $started_redis == 1 ]]; then
    bash "$repo/scripts/redis.sh" stop "$redis_dir" || true
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
if [[ $tier == 1 ]]; then
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || die "redis-server/redis-cli are missing (Debian package redis-server), or run with --no-tier"
fi

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
util() { "$py" "$repo/bench/bench_util.py" "$@"; }

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
manifest_matches() { [[ -f $manifest ]] && util manifest-matches "$manifest" "$preset" "$seed"; }

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
manifest_tweets() { util json-get "$manifest" tweets; }
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
util client-cnf "$database_url" >"$db_cnf"
chmod 600 "$db_cnf"
db_sql() { mariadb --defaults-file="$db_cnf" -N -B -e "$1"; }

# ---- the memory tier ------------------------------------------------------------
# A private Redis for the server (scripts/redis.sh; Unix socket, no
# persistence), started empty: one left running by an interrupted run would
# hold entries of data that has since been restored, so it is restarted.
tier_url="" redis_socket="" redis_baseline=0 redis_baseline_dataset=0
if [[ $tier == 1 ]]; then
  bash scripts/redis.sh stop "$redis_dir" >/dev/null 2>&1 || true
  started_redis=1
  tier_url=$(bash scripts/redis.sh start "$redis_dir") || die "could not start Redis (scripts/redis.sh)"
  redis_socket=${tier_url#unix://}
  redis_baseline=$(util redis-used-memory "$redis_socket")
  redis_baseline_dataset=$(util redis-used-memory "$redis_socket" used_memory_dataset)
  say "memory tier: private Redis at $tier_url (empty: $redis_baseline bytes used)"
else
  say "memory tier: none (--no-tier): MariaDB alone"
fi

# ---- the server ---------------------------------------------------------------
server_port=$(util free-port)
address=127.0.0.1:$server_port
server_log=$out/server.log
# The token secret, in a file only we can read: the server signs with it and
# miniter-load mint issues the readers' tokens with it (no Argon2 logins).
secret_file=$work/token_secret
( umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file" )
# The load comes from one address at ~1,000 tweets/s: rate limits (on by
# default, per address and account) are raised, and the per-account limit
# on calls in flight is off (sampled readers may overlap), so they measure
# nothing.
# The pool's wait queue (by default as long as the pool) would turn the
# closed loop's 32 calls in flight into RESOURCE_EXHAUSTED: the benchmark
# measures queueing as latency; failing fast is tested elsewhere.
# MINITER_REDIS_URL is set either way: empty means no tier, whatever the
# caller's environment says.
say "starting miniter-server on $address (pool_size $pool_size, tier ${tier_url:-none})"
MINITER_DATABASE_URL=$database_url \
MINITER_TOKEN_SECRET= MINITER_TOKEN_SECRET_FILE=$secret_file \
MINITER_REDIS_URL=$tier_url \
MINITER_LISTEN=$address MINITER_POOL_SIZE=$pool_size \
MINITER_LOGIN_RATE_PER_PEER=1000000/1m MINITER_TWEET_RATE_PER_PEER=1000000/1m \
MINITER_TWEET_RATE_PER_ACCOUNT=1000000/1m \
MINITER_MAX_CALLS_PER_ACCOUNT=0 \
MINITER_POOL_QUEUE=1000 \
  setsid "$server_bin" >"$server_log" 2>&1 </dev/null &
server_pid=$!
# Ready means answering the gRPC health check with SERVING (not a log line);
# miniter-load says what it waits for and stops early if the server exits.
if ! "$load" health --server="$address" --wait="$server_wait" --watch_pid="$server_pid"; then
  echo "bench: ---- server log, last 60 lines ($server_log) ----" >&2
  tail -n 60 "$server_log" >&2 || true
  echo "bench: ---- MariaDB error log, last 30 lines ($db_dir/mysqld.log) ----" >&2
  tail -n 30 "$db_dir/mysqld.log" >&2 2>/dev/null || true
  if [[ $tier == 1 ]]; then
    echo "bench: ---- Redis log, last 10 lines ----" >&2
    tail -n 10 "$redis_dir/redis.log" >&2 2>/dev/null || true
  fi
  if kill -0 "$server_pid" 2>/dev/null; then
    die "the server did not answer its health check with SERVING in $server_wait (--server-wait)"
  fi
  die "the server exited before it served (log above)"
fi

# ---- users, tokens, follow lists ----------------------------------------------
db_sql "SELECT id FROM users ORDER BY id" >"$work/all_ids"
read -r min_id max_id < <(db_sql "SELECT MIN(id), MAX(id) FROM users")
util sample "$work/all_ids" "$users" "$seed" >"$work/reader_ids"
say "minting tokens for $(wc -l <"$work/reader_ids") sampled readers (the server's secret, no logins)"
"$load" mint --secret_file="$secret_file" --user_ids_file="$work/reader_ids" --out="$work/tokens.tsv"
ids=$(paste -sd, "$work/reader_ids")
db_sql "SET SESSION group_concat_max_len = 16777216;
        SELECT follower_id, GROUP_CONCAT(followee_id) FROM follows
        WHERE follower_id IN ($ids) GROUP BY follower_id" >"$work/follows.tsv"
# The mariadb-slap file: about 10k queries (each sampled user at least
# twice; 4 times in quick mode), shuffled.
reader_count=$(wc -l <"$work/reader_ids")
if [[ $quick == 1 ]]; then
  slap_repeats=4
else
  slap_repeats=$(( (10240 + reader_count - 1) / reader_count ))
  (( slap_repeats >= 2 )) || slap_repeats=2
fi
util workload "$work" "$slap_repeats"
# The same Timeline run with only the first --small-users readers: whether
# the number of distinct readers changes the throughput.
head -n "$small_users" "$work/workload.tsv" >"$work/workload-small.tsv"

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
anchor_s_target=$(util seconds "$anchor_duration")
say "raw SQL anchor: mariadb-slap, concurrency $concurrency, $anchor_runs runs of ~$anchor_duration after a warm-up"
# Warm-up, not measured: every query of the file once, so the pages of the
# sampled users' followees are in the buffer pool (the pool starts at 256M
# and holds only what the last shutdown dumped; a cold first run measured
# the disk, not the query: docs/profile.md). Then sized from the warm-up
# and again while a run is much shorter than the target.
read -r anchor_s anchor_q < <(slap "$(wc -l <"$work/anchor.sql")")
for _ in 1 2 3; do
  next_q=$(util slap-next "$anchor_s" "$anchor_q" "$anchor_s_target")
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

# The raw fan-out-on-read query as a prepared statement (miniter-load
# anchor-read): --concurrency connections, the same readers as the Timeline
# closed loop, every row read; its EXPLAIN goes into the JSON. Both SQL
# forms by default (--anchor-query best): the anchor is the faster one, the
# best MariaDB does for this query on the data as it is at that moment.
# A form that answers nothing in time (the derived join on `large`: every
# query outlived the connection's read timeout) is not the best one; the
# anchor fails only when no form answers.
anchor_read() {  # NAME
  local form answered=0
  for form in $anchor_forms; do
    say "raw read anchor ($1, form $form): prepared statement, $concurrency connections, $anchor_duration"
    if "$load" anchor-read --database_url="$database_url" --workload="$work/workload.tsv" \
        --threads="$concurrency" --warmup="$warmup" --duration="$anchor_duration" \
        --query="$form" --seed="$seed" --out="$raw/$1-$form.json" 2> >(sed 's/^/  /' >&2); then
      answered=1
    else
      say "raw read anchor ($1, form $form) answered no query; it is kept in the results as 0 q/s"
    fi
  done
  (( answered )) || die "no form of the raw read anchor ($1) answered"
}
anchor_read anchor-read

# ---- the scenarios ---------------------------------------------------------------
run_load() {  # NAME ARGS...: one measurement, plus the server's memory
  local name=$1 traced=(); shift
  if (( trace )); then traced=(--trace_out="$raw/$name.trace.tsv"); fi
  start_sampler "$raw/$name.rss"
  "$load" run --server="$address" --workload="$work/workload.tsv" \
      --min_user_id="$min_id" --max_user_id="$max_id" --warmup="$warmup" \
      --duration="$duration" --seed="$seed" --server_pid="$server_pid" \
      "${traced[@]}" \
      --out="$raw/$name.json" "$@" \
      2> >(sed 's/^/  /' >&2)
  stop_sampler
  printf '{"vmrss_max_kb": %d, "vmhwm_kb": %d}\n' \
    "$(cat "$raw/$name.rss" 2>/dev/null || echo 0)" "$(rss_kb VmHWM)" >"$raw/$name.mem.json"
  rm -f "$raw/$name.rss"
}
peak_of() { util json-get "$raw/$1-closed.json" qps; }
tier_memory() {  # LABEL: Redis memory over its empty baseline, keys, bytes per owner
  [[ $tier == 1 ]] || return 0
  util tier-memory "$redis_socket" "$redis_baseline" "$redis_baseline_dataset" \
    >"$raw/tier-memory-$1.json"
}
closed_and_open() {  # SCENARIO
  local scenario=$1 peak pct rate
  say "$scenario: closed loop, concurrency $concurrency"
  run_load "$scenario-closed" --scenario="$scenario" --concurrency="$concurrency"
  peak=$(peak_of "$scenario")
  for pct in ${loads//,/ }; do
    rate=$(util rate "$peak" "$pct")
    say "$scenario: open loop at $pct% of peak ($rate calls/s)"
    run_load "$scenario-open-$pct" --scenario="$scenario" --rate="$rate" --concurrency=0
  done
}

# Read-only first, so a timeline measurement never sees the tweets that a
# write scenario of the same run added.
if has timeline; then
  # Every reader's first Timeline fills its tier entry from MariaDB (the
  # private Redis starts empty); one call per reader first, as the anchor
  # gets its warm-up pass, so the runs below measure the tier as it is once
  # the readers are active. That pass is reported on its own: the rate of
  # first reads.
  say "timeline: first call of each of the $(wc -l <"$work/workload.tsv") readers (fills the tier)"
  run_load timeline-first --scenario=timeline --concurrency="$concurrency" \
      --count="$(wc -l <"$work/workload.tsv")" --each_user_in_turn
  closed_and_open timeline
  say "timeline: closed loop with only the first $(wc -l <"$work/workload-small.tsv") readers"
  run_load timeline-small-closed --scenario=timeline --concurrency="$concurrency" \
      --workload="$work/workload-small.tsv"
  say "health: closed loop of grpc.health.v1.Health/Check, concurrency $concurrency"
  run_load health-closed --scenario=health --concurrency="$concurrency"
  tier_memory after-timeline
fi

if has tweet; then
  touch "$dirty"
  # The durable-write anchor: autocommit single-row INSERTs of random
  # authors straight into tweets, at the Tweet scenario's concurrency.
  # Its authors are the ones whose tweets are fanned out (not merged at
  # read), so no server cache ever holds one of its rows; the rows are
  # deleted again afterwards (nothing refers to them), so the tweets the
  # later scenarios and the burst add are the only ones the data gained.
  db_sql "SELECT u.id FROM users u LEFT JOIN author_fanout a ON a.user_id = u.id
          WHERE COALESCE(a.merged_at_read, 0) = 0" >"$work/insert_authors"
  last_tweet=$(db_sql "SELECT COALESCE(MAX(id), 0) FROM tweets")
  say "raw insert anchor: prepared autocommit INSERT INTO tweets, $concurrency connections, $anchor_duration"
  "$load" anchor-insert --database_url="$database_url" --user_ids_file="$work/insert_authors" \
      --threads="$concurrency" --warmup="$warmup" --duration="$anchor_duration" \
      --seed="$seed" --out="$raw/anchor-insert.json" 2> >(sed 's/^/  /' >&2)
  while [[ $(db_sql "DELETE FROM tweets WHERE id > $last_tweet LIMIT 10000; SELECT ROW_COUNT()") != 0 ]]; do :; done
  # Let InnoDB purge the deleted rows before the Tweet scenario is measured.
  for _ in $(seq 1 60); do
    history=$(root_sql "SELECT COUNT FROM information_schema.INNODB_METRICS
                        WHERE NAME = 'trx_rseg_history_len'" 2>/dev/null || echo 0)
    (( ${history:-0} < 1000 )) && break
    sleep 0.5
  done
  closed_and_open tweet
  # Follower staleness: Tweets by authors that have followers, open loop at
  # 50 % of the Tweet peak; one in --staleness-sample is looked for on one
  # follower's first Timeline page (tokens minted like the readers').
  db_sql "SELECT DISTINCT followee_id FROM follows" >"$work/followed_ids"
  util sample "$work/followed_ids" "$staleness_authors" "$seed" >"$work/staleness_authors"
  db_sql "SELECT followee_id, follower_id FROM (
            SELECT followee_id, follower_id,
                   ROW_NUMBER() OVER (PARTITION BY followee_id ORDER BY RAND($seed)) AS n
            FROM follows WHERE followee_id IN ($(paste -sd, "$work/staleness_authors"))) x
          WHERE n <= 3" >"$work/author_followers"
  awk '{ print $1; print $2 }' "$work/author_followers" | sort -un >"$work/staleness_ids"
  "$load" mint --secret_file="$secret_file" --user_ids_file="$work/staleness_ids" \
      --out="$work/staleness_tokens.tsv"
  util staleness-pairs "$work/author_followers" "$work/staleness_tokens.tsv" >"$work/staleness_pairs.tsv"
  rate=$(util rate "$(peak_of tweet)" 50)
  say "staleness: Tweets at 50% of the Tweet peak ($rate/s) by $(wc -l <"$work/staleness_authors") authors; 1 in $staleness_sample followed up on a follower's timeline"
  "$load" staleness --server="$address" --pairs="$work/staleness_pairs.tsv" --rate="$rate" \
      --warmup="$warmup" --duration="$duration" --sample_every="$staleness_sample" \
      --seed="$seed" --out="$raw/staleness.json" 2> >(sed 's/^/  /' >&2)
fi

for scenario in follow mix; do
  has "$scenario" || continue
  touch "$dirty"
  closed_and_open "$scenario"
  if [[ $scenario == mix && -n $soak ]]; then
    rate=$(util rate "$(peak_of mix)" "$soak_load")
    say "mix: soak, open loop at $soak_load% of peak ($rate calls/s) for $soak"
    run_load "mix-soak-$soak_load" --scenario=mix --rate="$rate" --concurrency=0 --duration="$soak"
  fi
done

# The write burst: --burst-count Tweets by random authors (any user, tokens
# minted for all), as fast as --burst-concurrency calls in flight allow;
# then the read anchor and the Timeline closed loop again, on the data as
# the burst left it (new tweets at the newest end of the primary key, by
# authors a reader mostly does not follow: the fan-out-on-read query's
# worst case).
if has burst; then
  touch "$dirty"
  "$load" mint --secret_file="$secret_file" --user_ids_file="$work/all_ids" --out="$work/burst_tokens.tsv"
  say "burst: $burst_count Tweets by random authors, closed loop, concurrency $burst_concurrency"
  "$load" run --server="$address" --workload="$work/burst_tokens.tsv" --scenario=tweet \
      --concurrency="$burst_concurrency" --count="$burst_count" --seed="$seed" \
      --out="$raw/burst-tweets.json" 2> >(sed 's/^/  /' >&2)
  anchor_read anchor-read-after-burst
  say "burst: Timeline closed loop again, concurrency $concurrency"
  run_load burst-timeline-closed --scenario=timeline --concurrency="$concurrency"
fi
tier_memory at-end

# ---- machine and report ------------------------------------------------------------
util machine-json "$raw/machine.json" "$(db_sql "SELECT VERSION()")" "$loadavg_start"
util json-object "$raw/settings.json" preset="$preset" duration="$duration" warmup="$warmup" \
  concurrency:="$concurrency" loads="$loads" users_sampled:="$(wc -l <"$work/workload.tsv")" \
  small_users:="$(wc -l <"$work/workload-small.tsv")" \
  pool_size:="$pool_size" db_buffer_pool="$buffer_pool" db_redo_log="$redo_log" \
  quick:="$([[ $quick == 1 ]] && echo true || echo false)" scenarios="$scenarios" \
  soak="$soak" soak_load:="$soak_load" tier:="$([[ $tier == 1 ]] && echo true || echo false)" \
  tier_url="$tier_url" anchor_query="$anchor_query" anchor_duration="$anchor_duration" \
  burst_count:="$burst_count" burst_concurrency:="$burst_concurrency" \
  staleness_sample:="$staleness_sample" staleness_authors:="$staleness_authors" \
  tokens=minted
cp "$manifest" "$raw/manifest.json"
"$py" "$repo/bench/report.py" "$raw" "$out" ${compare_with:+"$compare_with"}
say "results: $out/results.md, $out/results.json, $out/latency_vs_load.png"
