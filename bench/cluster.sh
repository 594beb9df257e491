#!/usr/bin/env bash
# cluster.sh (bench): Timeline throughput through HAProxy with two servers
# next to one server dialled directly, on the same loaded data set and the
# same machine. Closed loop (a fixed number of calls in flight), the
# "timeline" scenario of tools/miniter-load, as in bench/run.sh.
#
#   bench/cluster.sh [--preset medium] [--duration 30s] [--concurrency 32]
#                    [--users 256] [--pool-size N] [--build-dir build]
#                    [--out bench/results/cluster] [--state-dir DIR]
#                    [--db-buffer-pool SIZE]
#
# Needs the data set that bench/run.sh loads (.miniter/bench-db-<preset>,
# or its --state-dir; run bench/run.sh --preset medium once first). Starts that database if it
# is not running (and stops it again), two servers and HAProxy with
# scripts/cluster.sh (no replica: the comparison is about the proxy and the
# second process), logs in sampled users, then measures
#   1. one server, dialled directly (the other idle),
#   2. both servers through HAProxy,
# in alternating order, twice each, and writes OUT/cluster.json and
# OUT/cluster.md. About 2 × 2 × (duration + 3 s warm-up) plus ~1 min of
# set-up: ~4 min at the default 30 s.
#
# On a 2-core machine running MariaDB, both servers, HAProxy and the load
# generator together, the ratio shows the overhead of the extra hop and
# processes, not a gain.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { echo "bench-cluster: $*"; }
die() { echo "bench-cluster: ERROR: $*" >&2; exit 1; }

preset=medium duration=30s concurrency=32 users=256 pool_size="" build_dir=build
out="" state_dir="" buffer_pool=""
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case "$arg" in
    --*=*) set -- "${arg#*=}" "$@"; arg=${arg%%=*} ;;
  esac
  case "$arg" in
    --preset) preset=$1; shift ;;
    --duration) duration=$1; shift ;;
    --concurrency) concurrency=$1; shift ;;
    --users) users=$1; shift ;;
    --pool-size) pool_size=$1; shift ;;
    --build-dir) build_dir=$1; shift ;;
    --out) out=$1; shift ;;
    --state-dir) state_dir=$1; shift ;;
    --db-buffer-pool) buffer_pool=$1; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done
[[ -n $pool_size ]] || pool_size=$(( 4 * $(nproc) ))
[[ -n $out ]] || out=$repo/bench/results/cluster
mkdir -p "$out"
out=$(cd "$out" && pwd)

[[ -n $state_dir ]] || state_dir=$repo/.miniter/bench-db-$preset
state_dir=$(cd "$state_dir" && pwd) || die "no directory $state_dir"
db_dir=$state_dir/db
[[ -f $state_dir/manifest.json ]] \
  || die "no loaded data set in $state_dir; run bench/run.sh --preset $preset first"
# As bench/run.sh: the data must fit in memory (mariadb.sh starts with 256M).
[[ -n $buffer_pool ]] || { [[ $preset == tiny ]] && buffer_pool=256M || buffer_pool=2G; }
load=$build_dir/tools/miniter-load
server_bin=$build_dir/server/miniter-server
[[ -x $load && -x $server_bin ]] || bash scripts/build.sh "$build_dir"

work=$(mktemp -d -t miniter-bench-cluster.XXXXXX)
state=$work/cluster
started_db=0
cleanup() {
  bash scripts/cluster.sh stop "$state" >/dev/null 2>&1 || true
  if [[ $started_db == 1 ]]; then bash scripts/mariadb.sh stop "$db_dir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The database, as bench/run.sh starts it.
if ! { [[ -f $db_dir/mysqld.pid ]] && kill -0 "$(cat "$db_dir/mysqld.pid")" 2>/dev/null; }; then
  port=${MINITER_BENCH_DB_PORT:-13320}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  bash scripts/mariadb.sh start "$db_dir" "$port" >/dev/null
  started_db=1
fi
database_url=$(cat "$db_dir/database_url")
db_socket=$db_dir/mysqld.sock
if (( ${#db_socket} > 100 )); then
  db_socket="/tmp/miniter-$(printf '%s' "$db_dir" | md5sum | cut -c1-12).sock"
fi
root_sql() { mariadb --no-defaults --protocol=socket --socket="$db_socket" -uroot -N -B -e "$1"; }
root_sql "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$buffer_pool")" \
  || say "warning: could not resize the buffer pool to $buffer_pool"

# A free block of 13 ports for the cluster.
base=24300
port_used() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while port_used "$base" || port_used $((base + 11)) || port_used $((base + 12)); do
  base=$((base + 20))
done
say "starting two servers and HAProxy on the $preset data (ports from $base)"
# Rate limits (on by default) are raised so that they measure nothing; the
# load comes from one address. HAProxy logs only errors (a log line per call
# would be measured as proxy overhead).
MINITER_HAPROXY_LOG_ERRORS_ONLY=1 MINITER_CLUSTER_DATABASE_URL=$database_url MINITER_CLUSTER_PORT=$base \
MINITER_SERVER_BINARY=$server_bin MINITER_LOAD_BINARY=$load MINITER_POOL_SIZE=$pool_size \
MINITER_SERVER_WAIT=$([[ $preset == large ]] && echo 600s || echo 120s) \
MINITER_LOGIN_RATE_PER_PEER=1000000/1m MINITER_LOGIN_RATE_PER_EMAIL=1000000/1m \
MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER=off MINITER_MAX_CALLS_PER_ACCOUNT=0 \
MINITER_TWEET_RATE_PER_PEER=1000000/1m MINITER_TWEET_RATE_PER_ACCOUNT=1000000/1m \
  bash scripts/cluster.sh start "$state" >"$work/cluster-start.log" \
  || { cat "$work/cluster-start.log" >&2; die "cluster.sh start failed"; }
balancer=127.0.0.1:$base
direct=127.0.0.1:$((base + 11))

# Users and tokens, as bench/run.sh does.
user_count=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' \
               "$state_dir/manifest.json")
python3 - "$user_count" "$users" >"$work/emails" <<'EOF'
import random, sys
total, k = int(sys.argv[1]), int(sys.argv[2])
for n in random.Random(1).sample(range(1, total + 1), min(k, total)):
    print(f"user{n}@bench.miniter.test")
EOF
say "logging in $users users"
"$load" login --server="$balancer" --emails_file="$work/emails" --out="$work/tokens.tsv"
awk -F'\t' '{ print $2 "\t" $3 "\t" }' "$work/tokens.tsv" >"$work/workload.tsv"
read -r min_id max_id < <(root_sql "SELECT MIN(id), MAX(id) FROM miniter.users")

measure() {  # NAME ADDRESS
  say "$1: Timeline, closed loop, $concurrency in flight, $duration"
  "$load" run --server="$2" --workload="$work/workload.tsv" --scenario=timeline \
      --min_user_id="$min_id" --max_user_id="$max_id" --warmup=3s \
      --duration="$duration" --seed=1 --concurrency="$concurrency" \
      --out="$out/$1.json" 2> >(sed 's/^/  /' >&2)
}
measure one-server-1 "$direct"
measure haproxy-two-servers-1 "$balancer"
measure haproxy-two-servers-2 "$balancer"
measure one-server-2 "$direct"

python3 - "$out" "$preset" "$concurrency" "$duration" <<'EOF'
import json, os, sys
out, preset, concurrency, duration = sys.argv[1:]
rows = []
for name in ["one-server-1", "one-server-2", "haproxy-two-servers-1", "haproxy-two-servers-2"]:
    r = json.load(open(os.path.join(out, name + ".json")))
    rows.append((name, r))
def best(prefix):
    return max(r["qps"] for n, r in rows if n.startswith(prefix))
one, two = best("one-server"), best("haproxy-two-servers")
summary = {"preset": preset, "concurrency": int(concurrency), "duration": duration,
           "one_server_qps": one, "haproxy_two_servers_qps": two, "ratio": two / one,
           "runs": {n: r for n, r in rows}}
json.dump(summary, open(os.path.join(out, "cluster.json"), "w"), indent=2)
with open(os.path.join(out, "cluster.md"), "w") as f:
    f.write(f"| Timeline, {preset}, closed loop {concurrency} | QPS (best of 2) | ratio |\n|---|---:|---:|\n")
    f.write(f"| one server, direct | {one:.1f} | 1.00 |\n")
    f.write(f"| two servers behind HAProxy | {two:.1f} | {two/one:.2f} |\n")
print(open(os.path.join(out, "cluster.md")).read())
EOF
say "results in $out/cluster.json and cluster.md"
