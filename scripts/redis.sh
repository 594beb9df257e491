#!/usr/bin/env bash
# redis.sh: starts and stops a private redis-server for miniter's memory tier
# (the cache of home timelines that all servers share), in a directory of its
# own (socket, pid, log), never the machine's system instance.
#
#   scripts/redis.sh start STATE_DIR [PORT]   start it; prints the tier URL
#   scripts/redis.sh stop STATE_DIR           stop it (SHUTDOWN NOSAVE)
#   scripts/redis.sh url STATE_DIR            print the URL again
#   scripts/redis.sh status STATE_DIR         running or not, memory, keys
#                                             (exit status 3 when not running)
#
# It listens on a Unix socket (mode 0700: this user only) and, when PORT is
# given and not 0, on 127.0.0.1:PORT as well. The URL it prints, also kept in
# STATE_DIR/redis_url, is the socket's: unix:///path/redis.sock, a value for
# MINITER_REDIS_URL. MINITER_REDIS_MAXMEMORY caps its memory (default 256mb).
set -euo pipefail

usage() { sed -n '2,15p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
command_name=$1
state_dir=$(mkdir -p "$2" && cd "$2" && pwd)
port=${3:-0}
# shellcheck source=lib/socket_path.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/socket_path.sh"
socket_path=$(miniter_socket_path "$state_dir" redis.sock redis)
pid_file="$state_dir/redis.pid"
log_file="$state_dir/redis.log"
url_file="$state_dir/redis_url"

alive() {  # PID: a zombie counts as gone
  kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

is_running() {
  [[ -f "$pid_file" ]] && alive "$(cat "$pid_file")"
}

cli() {
  timeout 5 redis-cli -s "$socket_path" "$@"
}

start() {
  if is_running; then
    cat "$url_file"
    return
  fi
  rm -f "$pid_file"
  # The tier is a cache: MariaDB is the only durable truth and every entry is
  # rebuilt from it, so nothing is persisted (no RDB snapshots: --save '', no
  # AOF) and a restarted tier starts empty. When full it evicts the least
  # recently used keys (allkeys-lru) rather than refusing writes. A home
  # timeline entry (up to 800 + 32 ids) stays a compact listpack, about 12
  # bytes an id, instead of a skiplist at about 80 (docs/timeline-design.md).
  # Everything
  # is on the command line, so nothing is read from /etc/redis. setsid and
  # --daemonize no: its own session (a Ctrl-C meant for scripts/run.sh does
  # not reach it) and a pid of our own to watch, so a failed start (say, a
  # taken port) is seen at once; --daemonize yes would report success anyway.
  setsid redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --unixsocket "$socket_path" --unixsocketperm 700 \
    --dir "$state_dir" --pidfile "$pid_file" --logfile "$log_file" \
    --daemonize no --save '' --appendonly no \
    --maxmemory "${MINITER_REDIS_MAXMEMORY:-256mb}" --maxmemory-policy allkeys-lru \
    --zset-max-listpack-entries 1024 \
    >>"$log_file" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 300); do
    if [[ $(cli ping 2>/dev/null) == PONG ]]; then
      # redis-server wrote its pid file (the same pid) before answering.
      echo "unix://$socket_path" >"$url_file"
      cat "$url_file"
      return
    fi
    if ! alive "$pid"; then
      echo "redis.sh: redis-server exited; see $log_file" >&2
      tail -n 20 "$log_file" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "redis.sh: redis-server did not answer PING in 30 s; see $log_file" >&2
  tail -n 20 "$log_file" >&2 || true
  kill -KILL "$pid" 2>/dev/null || true
  exit 1
}

stop() {
  if ! is_running; then
    rm -f "$pid_file"
    return 0
  fi
  local pid
  pid=$(cat "$pid_file")
  # A paused instance (SIGSTOP, as a fault test may leave it) must run again
  # to shut down. NOSAVE: there is nothing worth keeping.
  kill -CONT "$pid" 2>/dev/null || true
  cli shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    alive "$pid" || { rm -f "$pid_file"; return 0; }
    sleep 0.1
  done
  echo "redis.sh: redis-server $pid did not stop in 10 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || { rm -f "$pid_file" "$socket_path"; return 0; }
    sleep 0.1
  done
  echo "redis.sh: redis-server $pid is still there after SIGKILL" >&2
  exit 1
}

status() {
  if ! is_running; then
    echo "stopped"
    exit 3
  fi
  local memory keys
  memory=$(cli info memory 2>/dev/null | sed -n 's/^used_memory_human:\([^[:space:]]*\).*/\1/p')
  keys=$(cli dbsize 2>/dev/null || echo '?')
  echo "running (pid $(cat "$pid_file")) $(cat "$url_file"), memory ${memory:-?}, keys $keys"
}

case "$command_name" in
  start) start ;;
  stop) stop ;;
  url) cat "$url_file" ;;
  status) status ;;
  *) usage ;;
esac
