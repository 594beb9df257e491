#!/usr/bin/env bash
# run_scenario.sh: one fault scenario of the reliability suite. It starts a
# private MariaDB, a private Redis (the memory tier) and miniter-server under
# STATE_DIR, runs the load driver, injects the fault at a logged moment, and
# lets check_log.py judge the load log, the fault events and the database.
#
#   run_scenario.sh SCENARIO STATE_DIR SERVER_BINARY LOAD_DRIVER_BINARY
#
# SCENARIO: db_kill | db_pause | server_term | server_kill | overload |
#           tier_kill | tier_pause | tier_flush | tier_restart | outbox_kill |
#           starvation
# (docs/reliability.md, "1-4. Faults", says what each one proves).
# STATE_DIR is wiped first; it keeps the logs for a failed run to inspect.
set -euo pipefail

[[ $# -eq 4 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
scenario=$1
state_dir=$2
server_binary=$3
driver_binary=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
mariadb_sh=$repo/scripts/mariadb.sh
redis_sh=$repo/scripts/redis.sh

# Small on purpose: "ten times the pool" must fit on two cores. The queue is
# the server's default, 4 x pool_size.
pool_size=4
grace_seconds=5
deadline_ms=2000
redis_timeout=250ms  # the server's default
if [[ $scenario == outbox_kill ]]; then
  # A tier write stalled by a paused Redis must stay in flight long enough
  # to kill the server in it, and so must the client's call.
  redis_timeout=30s deadline_ms=20000
fi

if [[ -f $state_dir/db/mysqld.pid ]]; then
  kill -CONT "$(cat "$state_dir/db/mysqld.pid")" 2>/dev/null || true
  bash "$mariadb_sh" stop "$state_dir/db" || true
fi
# redis.sh stop resumes a paused (SIGSTOP) instance itself.
if [[ -f $state_dir/redis/redis.pid ]]; then
  bash "$redis_sh" stop "$state_dir/redis" || true
fi
rm -rf "$state_dir"
mkdir -p "$state_dir"
events=$state_dir/events.log
load_log=$state_dir/load.log
server_log=$state_dir/server.log
: >"$events"

now_ms() { date +%s%3N; }
event() { printf '%s\t%s\n' "$(now_ms)" "$*" >>"$events"; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_pid=
driver_pid=
sampler_pid=
cleanup() {
  set +e
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null
  [[ -n $driver_pid ]] && kill "$driver_pid" 2>/dev/null
  [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null
  if [[ -f $state_dir/db/mysqld.pid ]]; then
    kill -CONT "$(cat "$state_dir/db/mysqld.pid")" 2>/dev/null
  fi
  bash "$mariadb_sh" stop "$state_dir/db" >/dev/null 2>&1
  bash "$redis_sh" stop "$state_dir/redis" >/dev/null 2>&1
  wait 2>/dev/null
}
trap cleanup EXIT

db_port=$(free_port)
bash "$mariadb_sh" start "$state_dir/db" "$db_port" >/dev/null
db_url_file=$state_dir/db/database_url
db_pid() { cat "$state_dir/db/mysqld.pid"; }

# The memory tier, with helpers for tier-fault scenarios: redis_pid to
# signal it (kill -9, SIGSTOP/SIGCONT), start_redis to bring it back (empty:
# it is a cache), redis_socket and redis_url_file to talk to it (redis-cli
# -s "$(redis_socket)"). The URL stays the same across restarts.
redis_dir=$state_dir/redis
redis_url_file=$redis_dir/redis_url
start_redis() { bash "$redis_sh" start "$redis_dir" >/dev/null; }
redis_pid() { cat "$redis_dir/redis.pid"; }
redis_socket() { local url; url=$(cat "$redis_url_file"); echo "${url#unix://}"; }
start_redis
server_port=$(free_port)

# Rate limits are off: this suite loads one server from one address on
# purpose, and its refusals must come from overload, not from abuse rules.
start_server() {
  MINITER_DATABASE_URL=$(cat "$db_url_file") \
  MINITER_REDIS_URL=${redis_url_override-$(cat "$redis_url_file")} \
  MINITER_TOKEN_SECRET=reliability-test-secret-0123456789abcdef \
  MINITER_LISTEN=127.0.0.1:$server_port \
  MINITER_POOL_SIZE=$pool_size \
  MINITER_SHUTDOWN_GRACE=${grace_seconds}s \
  MINITER_TWEET_RATE_PER_ACCOUNT=off MINITER_TWEET_RATE_PER_PEER=off \
  MINITER_SIGNUP_RATE_PER_PEER=off MINITER_LOGIN_RATE_PER_PEER=off \
  MINITER_MAX_CALLS_PER_ACCOUNT=${max_calls_per_account:-0} \
  MINITER_DEEP_READ_COST=${deep_read_cost:-3} \
  MINITER_REDIS_TIMEOUT=$redis_timeout \
    "$server_binary" 2>>"$server_log" &
  server_pid=$!
  echo "$server_pid" >"$state_dir/server.pid"
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$server_port") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; exit 1; }
    sleep 0.1
  done
  echo "run_scenario.sh: server did not listen within 30 s" >&2
  exit 1
}

# Threads of the server process and its established connections to the
# database, four times a second, for the "bounded" criteria.
sample_forever() {
  local port_hex
  port_hex=$(printf '%04X' "$db_port")
  while true; do
    local threads=0 connections pid
    pid=$(cat "$state_dir/server.pid" 2>/dev/null || true)
    if [[ -n $pid && -r /proc/$pid/status ]]; then
      threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    fi
    connections=$(awk -v p=":$port_hex" '$4 == "01" && substr($3, length($3) - 4) == p' \
                    /proc/net/tcp /proc/net/tcp6 2>/dev/null | wc -l)
    event "sample threads=${threads:-0} db_connections=$connections"
    sleep 0.25
  done
}

# Waits until the driver has signed up and started its writers.
wait_for_load() {
  for _ in $(seq 1 600); do
    grep -q $'\tstart\t' "$load_log" 2>/dev/null && return 0
    kill -0 "$driver_pid" 2>/dev/null || { echo "load driver exited early" >&2; exit 1; }
    sleep 0.1
  done
  echo "run_scenario.sh: load did not start within 60 s" >&2
  exit 1
}

# run_load RUN WRITERS SECONDS DEADLINE_MS [DRIVER FLAGS...]: starts the
# driver in the background; its run name (the marker prefix) is in $run.
run_load() {
  run=$1-$(now_ms)
  "$driver_binary" --server="127.0.0.1:$server_port" --log="$load_log" \
    --run="$run" --writers="$2" --duration="$3" --deadline_ms="$4" "${@:5}" \
    2>>"$state_dir/driver.err" &
  driver_pid=$!
  wait_for_load
}

wait_driver() {
  wait "$driver_pid" || { echo "load driver failed" >&2; cat "$state_dir/driver.err" >&2; exit 1; }
  driver_pid=
}

# Waits for the server process to exit; logs how; returns 1 after $1 s.
wait_server_exit() {
  local limit_ms=$(( $1 * 1000 )) start
  start=$(now_ms)
  while kill -0 "$server_pid" 2>/dev/null; do
    if (( $(now_ms) - start > limit_ms )); then return 1; fi
    # A zombie counts as gone: reap it below.
    [[ $(awk '{print $3}' "/proc/$server_pid/stat" 2>/dev/null) == Z ]] && break
    sleep 0.02
  done
  local status=0
  wait "$server_pid" || status=$?
  event "server_exited status=$status"
  server_pid=
}

start_server
sample_forever &
sampler_pid=$!
event "setup pool_size=$pool_size pool_queue=$((pool_size * 4)) grace_ms=$((grace_seconds * 1000)) deadline_ms=$deadline_ms"

# The fixed sleeps below are each scenario's timeline (load before the
# fault, how long the fault lasts), not waits for something to get ready:
# those are start_server, wait_for_load, wait_server_exit and wait_driver.
case "$scenario" in
  db_kill)
    run_load db_kill 8 16 "$deadline_ms"
    sleep 3
    event "fault_begin kill -9 mariadbd"
    kill -9 "$(db_pid)"
    sleep 4
    event "restart_begin mariadbd"
    bash "$mariadb_sh" start "$state_dir/db" "$db_port" >/dev/null
    event "fault_end mariadbd restarted and answering"
    wait_driver
    ;;
  db_pause)
    run_load db_pause 8 20 "$deadline_ms"
    sleep 3
    event "fault_begin SIGSTOP mariadbd"
    kill -STOP "$(db_pid)"
    sleep 10
    kill -CONT "$(db_pid)"
    event "fault_end SIGCONT mariadbd"
    wait_driver
    ;;
  server_term)
    run_load server_term 8 12 "$deadline_ms"
    sleep 3
    event "fault_begin SIGTERM miniter-server"
    kill -TERM "$server_pid"
    wait_server_exit $((grace_seconds + 5)) || { echo "server did not exit" >&2; exit 1; }
    start_server
    event "fault_end miniter-server restarted"
    wait_driver
    ;;
  server_kill)
    run_load server_kill 8 12 "$deadline_ms"
    sleep 3
    event "fault_begin kill -9 miniter-server"
    kill -9 "$server_pid"
    wait_server_exit 5
    sleep 1
    start_server
    event "fault_end miniter-server restarted"
    wait_driver
    ;;
  overload)
    # Ten times more concurrent callers than connections, then a light load
    # that must be served normally again.
    run_load overload $((pool_size * 10)) 10 5000
    event "fault_begin $((pool_size * 10)) concurrent writers"
    wait_driver
    event "fault_end overload over"
    run_load after_overload 2 3 "$deadline_ms"
    wait_driver
    ;;
  tier_kill)
    # The memory tier dies and comes back empty: writes keep succeeding on
    # MariaDB alone, and the tier is used again once repaired.
    run_load tier_kill 8 12 "$deadline_ms"
    sleep 3
    event "fault_begin kill -9 redis-server"
    kill -9 "$(redis_pid)"
    sleep 3
    event "restart_begin redis-server"
    start_redis
    event "fault_end redis-server restarted empty"
    wait_driver
    ;;
  tier_pause)
    run_load tier_pause 8 14 "$deadline_ms"
    sleep 3
    event "fault_begin SIGSTOP redis-server"
    kill -STOP "$(redis_pid)"
    sleep 4
    kill -CONT "$(redis_pid)"
    event "fault_end SIGCONT redis-server"
    wait_driver
    ;;
  tier_flush)
    # Entries vanish without an error (the breaker stays closed): reads
    # must rebuild them, racing fan-outs and other rebuilds.
    run_load tier_flush 8 12 "$deadline_ms" --followers=4 --follower_read_ms=50
    sleep 3
    event "fault_begin FLUSHALL, FLUSHALL ASYNC, FLUSHDB of redis-server"
    for flush in FLUSHALL "FLUSHALL ASYNC" FLUSHDB; do
      # shellcheck disable=SC2086  # "FLUSHALL ASYNC" is two words
      redis-cli -s "$(redis_socket)" $flush >/dev/null
      sleep 1
    done
    event "fault_end flushes over"
    wait_driver
    ;;
  tier_restart)
    run_load tier_restart 8 12 "$deadline_ms" --followers=4 --follower_read_ms=50
    sleep 3
    event "fault_begin restart redis-server (SHUTDOWN NOSAVE, start)"
    bash "$redis_sh" stop "$redis_dir" >/dev/null
    start_redis
    event "fault_end redis-server restarted empty"
    wait_driver
    ;;
  outbox_kill)
    # CLIENT PAUSE WRITE, not SIGSTOP: Redis holds the stalled script
    # unexecuted and drops it with the dead client, where a stopped Redis
    # would still run it from its socket buffer on SIGCONT (the new
    # server's outbox would then have nothing left to prove).
    # Paced, so the run's tweets stay below the entries' retention (800)
    # and the stalled one is never trimmed away.
    run_load outbox_kill 1 14 "$deadline_ms" --followers=3 --tweet_interval_ms=25
    sleep 3
    redis-cli -s "$(redis_socket)" CLIENT PAUSE 60000 WRITE >/dev/null
    event "tier_paused CLIENT PAUSE WRITE"
    tweet=$(python3 "$here/tier_state.py" stalled-tweet "$db_url_file" "$run" 10)
    event "fault_begin kill -9 miniter-server in the tier write of tweet=$tweet"
    kill -9 "$server_pid"
    wait_server_exit 5
    redis-cli -s "$(redis_socket)" CLIENT UNPAUSE >/dev/null
    # A window, not a wait: had Redis kept the dead server's stalled write,
    # it would run now, and the holders read next would show it (the run
    # is then judged inconclusive by check_log.py).
    sleep 0.5
    event "tier_before_restart holders=$(python3 "$here/tier_state.py" holders "$redis_url_file" "$tweet" | paste -sd,)"
    event "restart_begin miniter-server"
    start_server
    event "fault_end miniter-server restarted"
    wait_driver
    ;;
  starvation)
    # One account must not starve everyone: check_starvation.py judges it
    # (docs/reliability.md, "Starvation"). MariaDB alone: every victim read
    # then needs a connection of the pool the attacker competes for.
    redis_url_override=
    kill -TERM "$server_pid"
    wait_server_exit 10
    "$MINITER_GENERATE_BINARY" --database_url="$(cat "$db_url_file")" \
      --preset=deep >"$state_dir/generate.log" 2>&1
    starvation_run() {  # LABEL MAX_CALLS DEEP_READ_COST PHASE_SECONDS
      max_calls_per_account=$2 deep_read_cost=$3 start_server
      event "starvation_run $1 max_calls_per_account=$2 deep_read_cost=$3"
      "$MINITER_STARVATION_DRIVER" --server="127.0.0.1:$server_port" \
        --log="$state_dir/starvation.log" --label="$1" --phase_seconds="$4" \
        2>>"$state_dir/driver.err" || { cat "$state_dir/driver.err" >&2; exit 1; }
      kill -TERM "$server_pid"
      wait_server_exit 10
    }
    starvation_run cost 4 3 8          # the defaults: judged
    starvation_run calls_only 4 1 5    # per-account calls, no cost weight
    starvation_run off 0 1 5           # no per-account admission at all
    kill "$sampler_pid" 2>/dev/null || true
    python3 "$here/check_starvation.py" --log "$state_dir/starvation.log" \
      | tee "$state_dir/result.txt"
    exit "${PIPESTATUS[0]}"
    ;;
  *)
    echo "run_scenario.sh: unknown scenario $scenario" >&2
    exit 2
    ;;
esac

kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
# The verdict also stays in STATE_DIR/result.txt (the numbers quoted in
# docs/reliability.md come from there).
set -o pipefail
python3 "$here/check_log.py" --scenario "$scenario" --load "$load_log" \
  --events "$events" --database-url-file "$db_url_file" \
  --server-log "$server_log" --redis-url-file "$redis_url_file" \
  | tee "$state_dir/result.txt"
