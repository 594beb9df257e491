#!/usr/bin/env bash
# cluster.sh: runs miniter's scale-out topology on one machine: a primary and
# a replica MariaDB (GTID replication, semi-synchronous), one Redis as the
# memory tier both servers share, two miniter-server processes on the
# primary, and HAProxy in front of them speaking gRPC over cleartext HTTP/2
# and checking each server through grpc.health.v1.
#
#   scripts/cluster.sh start    [STATE_DIR]   start (or resume) everything
#   scripts/cluster.sh stop     [STATE_DIR]   stop everything (data is kept)
#   scripts/cluster.sh status   [STATE_DIR]   what runs, replication state
#   scripts/cluster.sh failover [STATE_DIR]   the primary-failure procedure:
#       stop the primary, let the replica apply what it received, promote it,
#       restart the servers on it (docs/scaling.md, "Primary failure")
#   scripts/cluster.sh rejoin   [STATE_DIR]   make the old primary a replica again
#   scripts/cluster.sh server-stop|server-kill|server-start|server-restart N [STATE_DIR]
#       SIGTERM (drain), SIGKILL, start, or drain and restart server N (1 or 2)
#   scripts/cluster.sh db-stop|db-start primary|replica [STATE_DIR]
#   scripts/cluster.sh sql primary|replica SQL [STATE_DIR]   run SQL as root
#
# STATE_DIR defaults to .miniter/cluster. Ports are consecutive from
# MINITER_CLUSTER_PORT (default 14300): +0 HAProxy (gRPC), +1 HAProxy stats,
# +6 and +7 the two MariaDB instances, +11 and +12 the two servers.
# MINITER_SERVER_BINARY names a built miniter-server; without it the script
# builds build/ first (scripts/build.sh, which also installs what is missing).
# A server is ready when it answers grpc.health.v1 Check with SERVING
# (miniter-load health, next to the server binary or MINITER_LOAD_BINARY),
# within MINITER_SERVER_WAIT (seconds, default 120s; loaded data sets start
# slower).
# MINITER_CLUSTER_DATABASE_URL (for bench/cluster.sh): use that database,
# start no MariaDB and no replica; the tier, servers and HAProxy only.
# The tier is scripts/redis.sh's, in STATE_DIR/redis (Unix socket only);
# MINITER_REDIS_URL at the first `start` gives the servers another one
# instead (empty: none), kept in STATE_DIR/tier-url for later commands.
# MINITER_HAPROXY_LOG_ERRORS_ONLY=1: HAProxy logs failed calls only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/socket_path.sh
source "$repo/scripts/lib/socket_path.sh"
usage() { sed -n '2,30p' "$0" >&2; exit 2; }
say() { echo "cluster: $*"; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }

[[ $# -ge 1 ]] || usage
command_name=$1; shift
server_arg=""
role_arg=""
sql_arg=""
case "$command_name" in
  server-*)
    [[ $# -ge 1 && ($1 == 1 || $1 == 2) ]] || usage
    server_arg=$1; shift ;;
  db-stop|db-start) [[ $# -ge 1 ]] || usage; role_arg=$1; shift ;;
  sql) [[ $# -ge 2 ]] || usage; role_arg=$1; sql_arg=$2; shift 2 ;;
  start|stop|status|failover|rejoin) ;;
  *) usage ;;
esac
state_dir=${1:-$repo/.miniter/cluster}
mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
# Ports are fixed when the cluster is first created, so that a later
# `stop`/`start` finds the same addresses (and the replica its primary).
if [[ ! -f $state_dir/port-base ]]; then
  echo "${MINITER_CLUSTER_PORT:-14300}" >"$state_dir/port-base"
fi
base=$(cat "$state_dir/port-base")
lb_port=$base
stats_port=$((base + 1))
db_ports=([1]=$((base + 6)) [2]=$((base + 7)))
server_ports=([1]=$((base + 11)) [2]=$((base + 12)))
# Which of the two database instances (db1, db2) is the primary right now;
# `failover` swaps the roles.
primary_file=$state_dir/primary
[[ -f $primary_file ]] || echo 1 >"$primary_file"
primary=$(cat "$primary_file")
replica=$((3 - primary))

# ---- MariaDB instances ------------------------------------------------------
# The same pieces as scripts/mariadb.sh (private datadir, --no-defaults,
# utf8mb4, durable commits), plus what replication needs: a server id, a
# binary log with GTIDs, and semi-synchronous replication, built into 10.11.

db_dir() { echo "$state_dir/db$1"; }
db_socket() { miniter_socket_path "$state_dir/db$1" mysqld.sock; }
db_pid() { cat "$(db_dir "$1")/mysqld.pid" 2>/dev/null || true; }
db_running() { local pid; pid=$(db_pid "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
db_sql() {  # N SQL: runs SQL as root over the socket, tab-separated output
  mariadb --no-defaults --protocol=socket --socket="$(db_socket "$1")" -uroot \
    --batch --skip-column-names -e "$2"
}

db_start() {  # N ROLE(primary|replica)
  local n=$1 role=$2 dir
  dir=$(db_dir "$n")
  if db_running "$n"; then return; fi
  mkdir -p "$dir/tmp"
  if [[ ! -d $dir/data/mysql ]]; then
    mkdir -p "$dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  fi
  local read_only=0
  [[ $role == replica ]] && read_only=1
  # AFTER_SYNC: a commit is acknowledged to miniter only once the replica
  # has the transaction in its relay log, so promoting the replica loses no
  # acknowledged write. The 1 s timeout bounds how long writes stall when
  # the replica is gone; the primary then continues asynchronously and
  # turns semi-sync back on when the replica catches up.
  mariadbd --no-defaults --user="$(id -un)" \
    --datadir="$dir/data" --socket="$(db_socket "$n")" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/mysqld.log" --bind-address=127.0.0.1 --port="${db_ports[$n]}" \
    --tmpdir="$dir/tmp" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 \
    --innodb-buffer-pool-size=256M --max-connections=500 --skip-name-resolve \
    --server-id="$n" --log-bin=mariadb-bin --binlog-format=ROW \
    --log-slave-updates=1 --gtid-strict-mode=1 \
    --relay-log=relay-bin --relay-log-recovery=1 \
    --rpl-semi-sync-master-enabled=$((1 - read_only)) \
    --rpl-semi-sync-master-wait-point=AFTER_SYNC \
    --rpl-semi-sync-master-timeout=1000 \
    --rpl-semi-sync-slave-enabled="$read_only" \
    --read-only="$read_only" \
    >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults --protocol=socket --socket="$(db_socket "$n")" \
         -uroot ping >/dev/null 2>&1; then
      return
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/mysqld.log" >&2; die "db$n exited"; }
    sleep 0.1
  done
  die "db$n did not answer in 30 s; see $dir/mysqld.log"
}

db_stop() {  # N [KILL]: SIGTERM (clean) or SIGKILL (a crash)
  local pid
  pid=$(db_pid "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-${2:-TERM}" "$pid"
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "db$1 ($pid) did not stop in 60 s"
}

secret() {  # FILE: creates a random secret once, prints it
  if [[ ! -s $1 ]]; then
    # 64 hex digits: long enough for the token secret (32 bytes at least)
    # and free of characters a URL or SQL string would need to escape.
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
  fi
  cat "$1"
}

# Users and the database are created on the primary with the binary log on,
# so the replica receives them through replication like any other write.
db_bootstrap_primary() {  # N
  local password repl_password
  password=$(secret "$state_dir/miniter-password")
  repl_password=$(secret "$state_dir/repl-password")
  db_sql "$1" "CREATE DATABASE IF NOT EXISTS miniter
                 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
               CREATE USER IF NOT EXISTS 'miniter'@'127.0.0.1' IDENTIFIED BY '$password';
               GRANT ALL PRIVILEGES ON miniter.* TO 'miniter'@'127.0.0.1';
               CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY '$repl_password';
               GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';"
}

# Points the replica at the primary by GTID (slave_pos: it resumes from what
# it has applied, whatever binlog file the primary is on).
db_attach_replica() {  # REPLICA_N PRIMARY_N
  local repl_password configured
  repl_password=$(secret "$state_dir/repl-password")
  configured=$(db_sql "$1" "SHOW SLAVE STATUS" | wc -l)
  if [[ $configured == 0 ]]; then
    db_sql "$1" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${db_ports[$2]},
                   MASTER_USER='repl', MASTER_PASSWORD='$repl_password',
                   MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
                 START SLAVE;"
  else
    db_sql "$1" "START SLAVE" 2>/dev/null || true
  fi
}

# SHOW SLAVE STATUS as "Field: value" lines (empty when not a replica).
db_slave_status() {  # N
  mariadb --no-defaults --protocol=socket --socket="$(db_socket "$1")" -uroot \
    -e "SHOW SLAVE STATUS\G" | sed -E 's/^ +//'
}

db_url() { echo "mysql://miniter:$(cat "$state_dir/miniter-password")@127.0.0.1:${db_ports[$1]}/miniter"; }

# ---- the memory tier (Redis) ------------------------------------------------
# One redis-server for both servers, so a timeline cached through one is
# read through the other. It is a cache: losing or flushing it costs reads
# from MariaDB until it refills, never data.

redis_dir=$state_dir/redis
# What the servers get as MINITER_REDIS_URL, fixed at the first `start`
# like the ports: "private" (the instance below), or a URL given then.
tier_file=$state_dir/tier-url
if [[ ! -f $tier_file && $command_name == start ]]; then
  if [[ -n ${MINITER_REDIS_URL+set} ]]; then
    printf '%s\n' "$MINITER_REDIS_URL" >"$tier_file"
  else
    echo private >"$tier_file"
  fi
fi
tier_private() { [[ ! -f $tier_file || $(cat "$tier_file") == private ]]; }
tier_url() {
  if tier_private; then cat "$redis_dir/redis_url" 2>/dev/null || true; else cat "$tier_file"; fi
}
redis_start() {
  tier_private || return 0
  bash "$repo/scripts/redis.sh" start "$redis_dir" >/dev/null \
    || die "redis did not start; see $redis_dir/redis.log"
}
redis_stop() { [[ ! -d $redis_dir ]] || bash "$repo/scripts/redis.sh" stop "$redis_dir"; }
redis_flush() {  # empties the private tier (entries built from an old primary)
  tier_private || return 0
  timeout 5 redis-cli -e -s "$(tier_url | sed 's|^unix://||')" flushall >/dev/null
}

# ---- miniter servers --------------------------------------------------------

server_binary() {
  if [[ -n ${MINITER_SERVER_BINARY:-} ]]; then
    echo "$MINITER_SERVER_BINARY"
  else
    echo "$repo/build/server/miniter-server"
  fi
}

# miniter-load (its `health` subcommand is the readiness wait), from the
# same build as the server unless MINITER_LOAD_BINARY names one.
load_binary() {
  echo "${MINITER_LOAD_BINARY:-$(dirname "$(server_binary)")/../tools/miniter-load}"
}

server_pid() { cat "$state_dir/server$1.pid" 2>/dev/null || true; }
server_running() { local pid; pid=$(server_pid "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

server_start() {  # N
  local n=$1 log=$state_dir/server$1.log
  server_running "$n" && return
  local lines=0
  [[ -f $log ]] && lines=$(wc -l <"$log")
  touch "$log"
  # Secrets travel in the environment, not on the command line (ps).
  # Both servers share the token secret, so a token from one works on the
  # other. MINITER_TRUSTED_PROXIES lets rate limits see the client address
  # HAProxy forwards (option forwardfor) rather than HAProxy's own. The
  # drain delay (5 s) outlasts HAProxy's detection of NOT_SERVING (up to
  # 3 s, see haproxy_config), so a draining server gets no new calls.
  local url replica_url
  if [[ -n ${MINITER_CLUSTER_DATABASE_URL:-} ]]; then
    url=$MINITER_CLUSTER_DATABASE_URL replica_url=""
  else
    url=$(db_url "$primary") replica_url=$(db_url "$replica")
  fi
  MINITER_DATABASE_URL=$url \
  MINITER_REPLICA_DATABASE_URL=$replica_url \
  MINITER_REDIS_URL=$(tier_url) \
  MINITER_TOKEN_SECRET=$(secret "$state_dir/token-secret") \
  MINITER_LISTEN=127.0.0.1:${server_ports[$n]} \
  MINITER_TRUSTED_PROXIES=127.0.0.1 \
  MINITER_SHUTDOWN_GRACE=${MINITER_SHUTDOWN_GRACE:-10s} \
  MINITER_DRAIN_DELAY=${MINITER_DRAIN_DELAY:-5s} \
    setsid "$(server_binary)" >>"$log" 2>&1 </dev/null &
  echo $! >"$state_dir/server$n.pid"
  # Ready means answering the gRPC health check with SERVING; miniter-load
  # says what it waits for and stops early if the server exits. Without it
  # (only the server was built), the server's "serving" log line.
  local wait=${MINITER_SERVER_WAIT:-120s} load
  load=$(load_binary)
  if [[ -x $load ]]; then
    "$load" health --server="127.0.0.1:${server_ports[$n]}" --wait="$wait" \
      --watch_pid="$(server_pid "$n")" && return
  else
    local limit_s=${wait%s}
    for _ in $(seq 1 $((limit_s * 10))); do
      tail -n +"$((lines + 1))" "$log" | grep -q "serving miniter.v1.Miniter" && return
      server_running "$n" || break
      sleep 0.1
    done
  fi
  echo "---- server $n log, last 40 lines ($log) ----" >&2
  tail -n +"$((lines + 1))" "$log" | tail -n 40 >&2
  server_running "$n" && die "server $n did not serve within $wait (MINITER_SERVER_WAIT)"
  die "server $n exited before it served; see $log"
}

server_stop() {  # N [SIGNAL]: SIGTERM drains (health NOT_SERVING first)
  local pid
  pid=$(server_pid "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-${2:-TERM}" "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# ---- HAProxy ----------------------------------------------------------------

# HAProxy 2.6's `http-check send` takes its body as a C string, so it cannot
# send a gRPC message (every gRPC frame starts with a zero byte: the
# "compressed" flag and a 4-byte length); `body "\x00..."` is rejected and
# `body-lf "%[bin(...)]"` arrives empty. The check is therefore a tcp-check
# that speaks HTTP/2 itself: the connection preface, an empty SETTINGS frame,
# a HEADERS frame (POST /grpc.health.v1.Health/Check, content-type
# application/grpc, te: trailers; HPACK literals, no Huffman) and a DATA
# frame with HealthCheckRequest{service: "miniter.v1.Miniter"}. It passes
# only when the reply's DATA frame holds HealthCheckResponse{status: SERVING}
# (gRPC frame 00 00000002, then field 1 = 1: 08 01); NOT_SERVING (08 02), an
# error status or no answer within `timeout check` marks the server down.
# tests/scale/health_check_frames.py rebuilds these bytes from that recipe.
health_check_hex=505249202a20485454502f322e300d0a0d0a534d0d0a0d0a00000004000000000000004b0104000000018386041c2f677270632e6865616c74682e76312e4865616c74682f436865636b01096c6f63616c686f73740f10106170706c69636174696f6e2f677270630002746508747261696c65727300001900010000000100000000140a126d696e697465722e76312e4d696e69746572

haproxy_config() {
  cat <<EOF
# Generated by scripts/cluster.sh; edits are overwritten at the next start.
global
  log stdout format raw local0 info
  stats socket $state_dir/haproxy.sock mode 600 level admin

defaults
  mode http
  log global
  option httplog
  ${MINITER_HAPROXY_LOG_ERRORS_ONLY:+option dontlog-normal}
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
  bind 127.0.0.1:$lb_port proto h2
  option forwardfor
  default_backend miniter

backend miniter
  balance roundrobin
  # Checked every 500 ms; down after 2 failures, up after 2 successes.
  option tcp-check
  tcp-check connect
  tcp-check send-binary $health_check_hex
  # A NOT_SERVING answer fails the check only when \`timeout check\` ends
  # (tcp-check keeps waiting for the pattern; a second expect rule does not
  # see the data the first one matched), so marking a draining server down
  # takes up to fall x (inter + timeout) = 3 s: the drain delay is longer.
  tcp-check expect binary 00000000020801
  default-server proto h2 check inter 500ms fall 2 rise 2 observe layer4 error-limit 2 on-error mark-down
  server s1 127.0.0.1:${server_ports[1]}
  server s2 127.0.0.1:${server_ports[2]}

frontend stats
  bind 127.0.0.1:$stats_port
  stats enable
  stats uri /
  stats refresh 2s
EOF
}

haproxy_pid() { cat "$state_dir/haproxy.pid" 2>/dev/null || true; }
haproxy_running() { local pid; pid=$(haproxy_pid); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

haproxy_start() {
  haproxy_running && return
  haproxy_config >"$state_dir/haproxy.cfg"
  haproxy -c -q -f "$state_dir/haproxy.cfg" || die "invalid $state_dir/haproxy.cfg"
  # Foreground (no -D), a single process whose pid is $!; its log goes to
  # stdout, which is haproxy.log.
  setsid haproxy -f "$state_dir/haproxy.cfg" >>"$state_dir/haproxy.log" 2>&1 </dev/null &
  echo $! >"$state_dir/haproxy.pid"
  for _ in $(seq 1 100); do
    [[ -S $state_dir/haproxy.sock ]] && haproxy_running && return
    haproxy_running || break
    sleep 0.1
  done
  die "haproxy did not start; see $state_dir/haproxy.log"
}

haproxy_stop() {
  local pid
  pid=$(haproxy_pid)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$state_dir/haproxy.pid"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Prints "s1 UP" lines from HAProxy's runtime API (stats socket).
haproxy_server_states() {
  python3 - "$state_dir/haproxy.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
lines = data.decode().splitlines()
header = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    row = dict(zip(header, line.split(",")))
    if row.get("pxname") == "miniter" and row.get("svname") not in ("FRONTEND", "BACKEND"):
        print(row["svname"], row["status"])
EOF
}

# ---- commands ---------------------------------------------------------------

wait_replica_running() {  # N: until both replication threads run (30 s)
  for _ in $(seq 1 300); do
    if [[ $(db_slave_status "$1" | grep -cE '^Slave_(IO|SQL)_Running: Yes') == 2 ]]; then
      return
    fi
    sleep 0.1
  done
  db_slave_status "$1" >&2 || true
  die "replication on db$1 did not start"
}

cmd_start() {
  if [[ -z ${MINITER_SERVER_BINARY:-} ]]; then
    bash "$repo/scripts/build.sh" build
  fi
  [[ -x $(server_binary) ]] || die "no server binary at $(server_binary)"
  command -v haproxy >/dev/null || die "haproxy is missing (scripts/install-deps.sh --test installs it)"
  if [[ -z ${MINITER_CLUSTER_DATABASE_URL:-} ]]; then
    db_start "$primary" primary
    db_bootstrap_primary "$primary"
    db_start "$replica" replica
    db_attach_replica "$replica" "$primary"
    wait_replica_running "$replica"
    # On by start-up flag, but a primary promoted by `failover` runs on.
    db_sql "$primary" "SET GLOBAL rpl_semi_sync_master_enabled = ON"
  fi
  redis_start
  server_start 1
  server_start 2
  haproxy_start
  for _ in $(seq 1 100); do
    [[ $(haproxy_server_states | grep -c ' UP') == 2 ]] && break
    sleep 0.1
  done
  cmd_status
  cat <<EOF

cluster: gRPC through HAProxy: 127.0.0.1:$lb_port (round robin over both servers)
  grpcurl -plaintext 127.0.0.1:$lb_port list
  build/client/miniter --server=127.0.0.1:$lb_port signup --name=Ann --email=ann@example.com --password='correct horse battery'
  build/client/miniter --server=127.0.0.1:${server_ports[1]},127.0.0.1:${server_ports[2]} timeline   # client-side round robin
cluster: HAProxy stats: http://127.0.0.1:$stats_port/
cluster: stop with: scripts/cluster.sh stop $state_dir
EOF
}

cmd_stop() {
  haproxy_stop
  server_stop 1
  server_stop 2
  db_stop "$replica"
  db_stop "$primary"
  redis_stop
  say "stopped (data kept in $state_dir)"
}

cmd_status() {
  local n
  say "state: $state_dir"
  say "primary db$primary 127.0.0.1:${db_ports[$primary]} $(db_running "$primary" && echo running || echo stopped)"
  say "replica db$replica 127.0.0.1:${db_ports[$replica]} $(db_running "$replica" && echo running || echo stopped)"
  if db_running "$replica"; then
    db_slave_status "$replica" 2>/dev/null \
      | grep -E '^(Slave_(IO|SQL)_Running|Seconds_Behind_Master|Gtid_IO_Pos):' \
      | sed 's/^/cluster:   /' || true
  fi
  if db_running "$primary"; then
    say "  semi-sync on primary: $(db_sql "$primary" "SHOW STATUS LIKE 'Rpl_semi_sync_master_status'" | cut -f2)"
  fi
  if tier_private; then
    if [[ -d $redis_dir ]]; then
      say "redis (memory tier) $(bash "$repo/scripts/redis.sh" status "$redis_dir" || true)"
    else
      say "redis (memory tier) never started"
    fi
  else
    say "memory tier: $(tier_url | grep . || echo none) (given, not started here)"
  fi
  for n in 1 2; do
    say "server $n 127.0.0.1:${server_ports[$n]} $(server_running "$n" && echo "running (pid $(server_pid "$n"))" || echo stopped)"
  done
  if haproxy_running; then
    say "haproxy 127.0.0.1:$lb_port running; $(haproxy_server_states | tr '\n' ' ')"
  else
    say "haproxy stopped"
  fi
}

# The primary-failure procedure (docs/scaling.md). Every write miniter
# acknowledged is in the replica's relay log (semi-sync, AFTER_SYNC), so the
# replica must apply everything it received before it takes writes.
cmd_failover() {
  local old=$primary new=$replica received
  say "1/5 stopping the old primary db$old (if it still runs)"
  db_stop "$old" KILL
  say "2/5 waiting for db$new to apply every transaction it received"
  received=$(db_slave_status "$new" | sed -nE 's/^Gtid_IO_Pos: *//p')
  db_sql "$new" "STOP SLAVE IO_THREAD"
  if [[ -n $received ]]; then
    [[ $(db_sql "$new" "SELECT MASTER_GTID_WAIT('$received', 60)") == 0 ]] \
      || die "db$new did not apply up to $received in 60 s; not promoting"
  fi
  say "3/5 promoting db$new (applied up to GTID ${received:-none})"
  db_sql "$new" "STOP SLAVE; RESET SLAVE ALL;
                 SET GLOBAL rpl_semi_sync_slave_enabled = OFF;
                 SET GLOBAL read_only = OFF;"
  echo "$new" >"$primary_file"
  primary=$new
  replica=$old
  say "4/5 emptying the memory tier, restarting the servers on the new primary 127.0.0.1:${db_ports[$new]}"
  # The tier may hold entries built from writes that only the old primary
  # had (semi-sync falls back to asynchronous after its timeout); it is a
  # cache, so it is emptied and refills from the new primary.
  redis_flush || say "    warning: could not empty the memory tier ($(tier_url))"
  server_stop 1 && server_start 1
  server_stop 2 && server_start 2
  # The old primary may hold transactions nobody acknowledged (committed
  # there, never received here); it must not rejoin with them. Its data is
  # kept aside for inspection, and the next `start` or `rejoin` clones a
  # fresh replica from the new primary.
  local aside
  aside="$(db_dir "$old").old-primary-$(date +%Y%m%d%H%M%S)"
  mv "$(db_dir "$old")" "$aside"
  say "5/5 done. The old primary's data is in $aside;"
  say "    make a new replica with: scripts/cluster.sh rejoin $state_dir"
}

# Turns the stopped old primary into a fresh replica of the new one: its data
# may hold transactions the new primary never received (unacknowledged), so
# it is re-cloned from scratch rather than trusted.
cmd_rejoin() {
  db_stop "$replica"
  rm -rf "$(db_dir "$replica")"
  # A new, empty replica copies the whole history from the primary's binary
  # log, which is complete because it was never purged.
  db_start "$replica" replica
  db_sql "$replica" "SET GLOBAL gtid_slave_pos = ''"
  db_attach_replica "$replica" "$primary"
  wait_replica_running "$replica"
  db_sql "$primary" "SET GLOBAL rpl_semi_sync_master_enabled = ON"
  say "db$replica is a replica of db$primary again"
}

case "$command_name" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  failover) cmd_failover ;;
  rejoin) cmd_rejoin ;;
  server-stop) server_stop "$server_arg" ;;
  server-kill) server_stop "$server_arg" KILL ;;
  server-start) server_start "$server_arg" ;;
  server-restart)
    server_stop "$server_arg"
    server_start "$server_arg" ;;
  sql)
    case "$role_arg" in primary) db_sql "$primary" "$sql_arg" ;; replica) db_sql "$replica" "$sql_arg" ;; *) usage ;; esac ;;
  db-stop)
    case "$role_arg" in primary) db_stop "$primary" ;; replica) db_stop "$replica" ;; *) usage ;; esac ;;
  db-start)
    case "$role_arg" in
      primary) db_start "$primary" primary ;;
      replica) db_start "$replica" replica; db_attach_replica "$replica" "$primary"; wait_replica_running "$replica" ;;
      *) usage ;;
    esac ;;
  *) usage ;;
esac
