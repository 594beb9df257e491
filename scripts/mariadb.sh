#!/usr/bin/env bash
# mariadb.sh: starts and stops a private MariaDB for miniter, in a directory
# of its own (datadir, socket, pid, log), never the machine's system instance.
#
#   scripts/mariadb.sh start STATE_DIR [PORT [MARIADBD_OPTION...]]
#       start (initialising if new); prints the database URL. The options go
#       to mariadbd after miniter's own, which they override (a replica's
#       server id, binary log, read_only: scripts/lib/miniter_cluster.py)
#   scripts/mariadb.sh stop STATE_DIR           stop it cleanly
#   scripts/mariadb.sh url STATE_DIR            print the URL again
#   scripts/mariadb.sh sql STATE_DIR SQL [MARIADB_OPTION...]
#       run SQL as root over the Unix socket: tab-separated rows, no header
#       (--column-names adds one; options go to the mariadb client)
#
# It listens on 127.0.0.1:PORT (default 13306) and on a Unix socket. It keeps
# its data in STATE_DIR/data, so a later start finds the same data. A user
# "miniter" with a random password (STATE_DIR/miniter-password, mode 0600;
# one already there is kept, which is how a primary and its replica get the
# same) owns database "miniter"; STATE_DIR/database_url holds the full URL.
#
# TLS (optional): with MINITER_MARIADB_SSL_CERT and MINITER_MARIADB_SSL_KEY
# (PEM files) set, the server presents that certificate and refuses every
# TCP session that is not TLS (require_secure_transport; the Unix socket
# stays open to root). MINITER_MARIADB_SSL_CA, if set, is the CA that client
# certificates must chain to, and goes into the URL as ?ssl-ca= so that
# miniter verifies the server against it (one CA signs both in tests).
set -euo pipefail

usage() { sed -n '2,26p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
command_name=$1
state_dir=$(mkdir -p "$2" && cd "$2" && pwd)
port=${3:-13306}
mariadbd_options=("${@:4}")
data_dir="$state_dir/data"
# Unix socket paths are limited to ~107 bytes, so the socket lives under a
# short per-state-dir path in /tmp when the state dir's own path is long.
# shellcheck source=lib/socket_path.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/socket_path.sh"
socket_path=$(miniter_socket_path "$state_dir" mysqld.sock)
pid_file="$state_dir/mysqld.pid"
log_file="$state_dir/mysqld.log"
password_file="$state_dir/miniter-password"
url_file="$state_dir/database_url"
# On-disk temporary tables go here, not to a shared /tmp that others clean.
tmp_dir="$state_dir/tmp"

tls_args=()
if [[ -n ${MINITER_MARIADB_SSL_CERT:-} || -n ${MINITER_MARIADB_SSL_KEY:-} ]]; then
  [[ -r ${MINITER_MARIADB_SSL_CERT:-} && -r ${MINITER_MARIADB_SSL_KEY:-} ]] || {
    echo "mariadb.sh: MINITER_MARIADB_SSL_CERT and _KEY must both name readable files" >&2
    exit 2
  }
  tls_args=(--ssl-cert="$MINITER_MARIADB_SSL_CERT" --ssl-key="$MINITER_MARIADB_SSL_KEY"
            --require-secure-transport=ON)
fi
url_query=
if [[ -n ${MINITER_MARIADB_SSL_CA:-} ]]; then
  tls_args+=(--ssl-ca="$MINITER_MARIADB_SSL_CA")
  url_query="?ssl-ca=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$MINITER_MARIADB_SSL_CA")"
fi

is_running() {
  [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

root_sql() {  # [MARIADB_OPTION...]
  mariadb --no-defaults --protocol=socket --socket="$socket_path" -uroot "$@"
}

start() {
  if is_running; then
    cat "$url_file"
    return
  fi
  mkdir -p "$tmp_dir"
  if [[ ! -d "$data_dir/mysql" ]]; then
    mkdir -p "$data_dir"
    mariadb-install-db --no-defaults --datadir="$data_dir" --user="$(id -un)" \
      --auth-root-authentication-method=socket --skip-test-db \
      >"$state_dir/install.log" 2>&1 \
      || { cat "$state_dir/install.log" >&2; exit 1; }
  fi
  # Settings are spelled out (--no-defaults): utf8mb4 everywhere, InnoDB
  # flushing its log at every commit, and nothing read from /etc/mysql.
  mariadbd --no-defaults --user="$(id -un)" \
    --datadir="$data_dir" --socket="$socket_path" --pid-file="$pid_file" \
    --log-error="$log_file" --bind-address=127.0.0.1 --port="$port" \
    --tmpdir="$tmp_dir" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 \
    --innodb-buffer-pool-size=256M --max-connections=500 \
    --skip-name-resolve "${tls_args[@]}" "${mariadbd_options[@]}" >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults --protocol=socket --socket="$socket_path" \
         -uroot ping >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 $! 2>/dev/null; then
      echo "mariadb.sh: mariadbd exited; see $log_file" >&2
      tail -n 20 "$log_file" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  if [[ ! -s "$password_file" ]]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$password_file")
  fi
  local password
  password=$(cat "$password_file")
  # Not binary-logged: each instance makes its own, and a replica in GTID
  # strict mode must not log transactions of its own (the next one it
  # receives from its primary would then be out of order).
  root_sql -e "SET SESSION sql_log_bin = 0;
            CREATE DATABASE IF NOT EXISTS miniter
              CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS 'miniter'@'127.0.0.1' IDENTIFIED BY '$password';
            CREATE USER IF NOT EXISTS 'miniter'@'localhost' IDENTIFIED BY '$password';
            GRANT ALL PRIVILEGES ON miniter.* TO 'miniter'@'127.0.0.1';
            GRANT ALL PRIVILEGES ON miniter.* TO 'miniter'@'localhost';"
  (umask 077; echo "mysql://miniter:$password@127.0.0.1:$port/miniter$url_query" >"$url_file")
  cat "$url_file"
}

stop() {
  if is_running; then
    local pid
    pid=$(cat "$pid_file")
    kill -TERM "$pid"
    for _ in $(seq 1 600); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.1
    done
    echo "mariadb.sh: mariadbd $pid did not stop in 60 s" >&2
    exit 1
  fi
}

case "$command_name" in
  start) start ;;
  stop) stop ;;
  url) cat "$url_file" ;;
  sql) [[ $# -ge 3 ]] || usage; root_sql --batch --skip-column-names "${@:4}" -e "$3" ;;
  *) usage ;;
esac
