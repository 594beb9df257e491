#!/usr/bin/env bash
# run.sh: the one command that runs miniter on this machine. It installs what
# is missing, builds, starts a private MariaDB (unless given a database) and
# a private Redis as the memory tier (unless given one), prints commands to
# try, and runs the server in the foreground until Ctrl-C.
#
#   scripts/run.sh [server flags...]
#
# Environment (all optional):
#   MINITER_LISTEN        address to serve on (default 127.0.0.1:50051)
#   MINITER_DATABASE_URL  use this database instead of the private one
#   MINITER_DB_PORT       port of the private MariaDB (default 13306)
#   MINITER_REDIS_URL     use this memory tier (redis://127.0.0.1:PORT or
#                         unix:///path.sock) instead of the private one; set
#                         but empty (MINITER_REDIS_URL=) runs without a tier
#   MINITER_REDIS_MAXMEMORY  memory cap of the private Redis (default 256mb)
#   MINITER_TOKEN_SECRET  token signing secret (default: one generated once
#                         and kept in .miniter/token-secret)
#   MINITER_POOL_SIZE     database connection pool size (server default)
# The private MariaDB keeps its data in .miniter/mariadb between runs; the
# private Redis (.miniter/redis, Unix socket only) is a cache and keeps none.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
caller_dir=$PWD
cd "$repo"
state_dir=$repo/.miniter

# Until the server runs, Ctrl-C simply ends the script; the EXIT trap below
# still stops a database and a Redis this script started.
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/build.sh build

# .miniter holds the database password and the token secret: owner only.
mkdir -p "$state_dir"
chmod 0700 "$state_dir"

db_dir=$state_dir/mariadb
started_db=0
stop_db() {
  if [[ $started_db == 1 ]]; then
    echo "run.sh: stopping the private MariaDB (data kept in ${db_dir#"$repo"/})"
    bash scripts/mariadb.sh stop "$db_dir" || true
  fi
}
redis_dir=$state_dir/redis
started_redis=0
stop_redis() {
  if [[ $started_redis == 1 ]]; then
    echo "run.sh: stopping the private Redis (a cache: nothing to keep)"
    bash scripts/redis.sh stop "$redis_dir" || true
  fi
}
trap 'stop_redis; stop_db' EXIT

if [[ -z ${MINITER_DATABASE_URL:-} ]]; then
  # A MariaDB that is already running here (another run.sh) is shared, and
  # left running on exit: whoever started it stops it.
  if ! { [[ -f $db_dir/mysqld.pid ]] && kill -0 "$(cat "$db_dir/mysqld.pid")" 2>/dev/null; }; then
    started_db=1
  fi
  MINITER_DATABASE_URL=$(bash scripts/mariadb.sh start "$db_dir" "${MINITER_DB_PORT:-13306}")
  echo "run.sh: private MariaDB on 127.0.0.1:${MINITER_DB_PORT:-13306} (data in ${db_dir#"$repo"/})"
fi

# The memory tier: unset means the private one; set (even to empty, which
# means no tier) means as given. A --redis_url flag wins over both.
redis_flag=0
for arg in "$@"; do
  case "$arg" in --redis_url|--redis_url=*|-redis_url|-redis_url=*) redis_flag=1 ;; esac
done
if [[ $redis_flag == 1 ]]; then
  tier="the Redis named by --redis_url"
elif [[ -z ${MINITER_REDIS_URL+set} ]]; then
  # Shared with another run.sh like the database, and then left running.
  bash scripts/redis.sh status "$redis_dir" >/dev/null || started_redis=1
  MINITER_REDIS_URL=$(bash scripts/redis.sh start "$redis_dir")
  echo "run.sh: private Redis (memory tier) on ${MINITER_REDIS_URL}"
  tier="the private Redis at $MINITER_REDIS_URL"
elif [[ -n $MINITER_REDIS_URL ]]; then
  tier="the Redis at $MINITER_REDIS_URL"
fi

if [[ -z ${MINITER_TOKEN_SECRET:-} ]]; then
  # Generated once and reused, so tokens stay valid across restarts.
  secret_file=$state_dir/token-secret
  if [[ ! -s $secret_file ]]; then
    (umask 077
     openssl rand -hex 32 >"$secret_file" 2>/dev/null \
       || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file")
  fi
  MINITER_TOKEN_SECRET=$(cat "$secret_file")
fi

MINITER_LISTEN=${MINITER_LISTEN:-127.0.0.1:50051}
# The server flags win over the environment, so a --listen among the
# arguments is where the server will actually be.
listen=$MINITER_LISTEN
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --listen=*|-listen=*) listen=${args[i]#*=} ;;
    --listen|-listen) (( i + 1 < ${#args[@]} )) && listen=${args[i + 1]} ;;
  esac
done
# The environment, not the command line, carries these to the server, which
# keeps the database password and the token secret out of `ps`.
export MINITER_LISTEN MINITER_DATABASE_URL MINITER_TOKEN_SECRET MINITER_REDIS_URL

# Where clients connect: a wildcard listen address is reached on loopback.
port=${listen##*:}
host=${listen%:*}
case "$host" in
  ''|0.0.0.0|'[::]'|'*') host=127.0.0.1 ;;
esac
addr=$host:$port

# Print commands that work exactly as shown from the caller's directory.
if [[ $caller_dir == "$repo" ]]; then cli=build/client/miniter; else cli=$repo/build/client/miniter; fi
cli_server=""
[[ $addr == 127.0.0.1:50051 ]] || cli_server=" --server=$addr"
# grpcurl on PATH, else where scripts/install-deps.sh puts it (empty: none).
grpcurl=grpcurl
command -v grpcurl >/dev/null \
  || grpcurl=$(PATH=/usr/local/bin:$HOME/.local/bin command -v grpcurl || true)
# grpcurl (v1.9.3, checked) prints JSON with the proto field names
# (access_token), not the lowerCamelCase of the canonical JSON mapping.
if command -v python3 >/dev/null; then
  token_filter="python3 -c 'import json,sys;print(json.load(sys.stdin)[\"access_token\"])'"
else
  token_filter="sed -n 's/.*\"access_token\": \"\\([^\"]*\\)\".*/\\1/p'"
fi
ann_login='{"email":"ann@example.com","password":"correct horse battery"}'

echo
echo "miniter is starting on $listen."
if [[ -n ${tier:-} ]]; then
  echo "Memory tier: $tier (a cache of home timelines; MariaDB stays the durable store)."
else
  echo "Memory tier: none (MINITER_REDIS_URL is empty); every read goes to MariaDB."
fi
echo "Try it from another terminal:"
echo
if [[ -n $grpcurl ]]; then
  cat <<EOF
  $grpcurl -plaintext $addr list
  $grpcurl -plaintext -d '{"name":"Ann","email":"ann@example.com","password":"correct horse battery"}' $addr miniter.v1.Miniter/SignUp
  $grpcurl -plaintext -d '$ann_login' $addr miniter.v1.Miniter/Login
  TOKEN=\$($grpcurl -plaintext -d '$ann_login' $addr miniter.v1.Miniter/Login | $token_filter)
  $grpcurl -plaintext -H "authorization: Bearer \$TOKEN" -d '{"text":"hello from grpcurl"}' $addr miniter.v1.Miniter/Tweet
  $grpcurl -plaintext -H "authorization: Bearer \$TOKEN" -d '{}' $addr miniter.v1.Miniter/Timeline

EOF
else
  echo "  (grpcurl is not installed: scripts/install-deps.sh --grpcurl installs it; the CLI needs no grpcurl)"
  echo
fi
cat <<EOF
  $cli$cli_server signup --name=Bob --email=bob@example.com --password='correct horse battery'
  $cli$cli_server login --email=bob@example.com --password='correct horse battery'
  $cli$cli_server tweet "안녕하세요 👋"
  $cli$cli_server timeline

Data persists between runs, so a second SignUp of the same e-mail reports
ALREADY_EXISTS; log in instead. Stop the server with Ctrl-C.

EOF

# The server runs as a job of its own (set -m gives it its own process group
# and, unlike a plain background job, lets it receive SIGINT). So Ctrl-C
# reaches only this script, which passes it on exactly once, waits for the
# server to shut down cleanly, and then stops the database.
set -m
build/server/miniter-server "$@" &
server_pid=$!
set +m
trap 'kill -INT "$server_pid" 2>/dev/null || true' INT
trap 'kill -TERM "$server_pid" 2>/dev/null || true' TERM
# wait returns early whenever a trapped signal arrives, so wait again while
# the server still runs; bash remembers the exit status of a reaped job, so
# the last wait reports the server's own status.
while kill -0 "$server_pid" 2>/dev/null; do
  wait "$server_pid" || true
done
wait "$server_pid" && status=0 || status=$?
exit "$status"
