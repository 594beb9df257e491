# socket_path.sh: the one rule for where miniter's private servers put their
# Unix sockets; sourced by scripts/mariadb.sh and scripts/redis.sh, and
# called by scripts/lib/miniter_cluster.py for HAProxy's (not run on its own).
#
#   miniter_socket_path DIR NAME [TAG]
#
# prints DIR/NAME, or, when that is longer than 100 bytes (a Unix socket path
# must fit in sun_path, ~107 bytes), the short /tmp/miniter-HASH[-TAG].sock,
# where HASH is the first 12 hex digits of the md5 of DIR, so each state
# directory keeps its own socket. TAG tells apart servers of different kinds
# that share a DIR (MariaDB passes none, which keeps its old paths).
miniter_socket_path() {
  local path=$1/$2
  if (( ${#path} > 100 )); then
    path="/tmp/miniter-$(printf '%s' "$1" | md5sum | cut -c1-12)${3:+-$3}.sock"
  fi
  printf '%s\n' "$path"
}
