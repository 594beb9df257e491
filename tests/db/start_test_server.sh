#!/usr/bin/env bash
# start_test_server.sh: starts the real miniter-server against the test
# MariaDB for the client suites (the setup test of ctest fixture
# "miniter_server", see tests/CMakeLists.txt), on a free loopback port.
#
#   tests/db/start_test_server.sh STATE_DIR SERVER_BINARY DATABASE_URL_FILE [REDIS_URL_FILE]
#
# REDIS_URL_FILE (fixture "miniter_redis") names the memory tier the server
# uses (MINITER_REDIS_URL); without it the server runs on MariaDB alone.
# Writes STATE_DIR/address (host:port to dial), STATE_DIR/server.pid and
# STATE_DIR/server.log. Returns once the server answers RPCs. Rate limits
# are raised far above production: the client suites run from one address.
set -euo pipefail

[[ $# -eq 3 || $# -eq 4 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
state_dir=$1
server_binary=$2
database_url=$(cat "$3")
redis_url=""
[[ $# -lt 4 ]] || redis_url=$(cat "$4")

if [[ -f $state_dir/server.pid ]]; then
  kill "$(cat "$state_dir/server.pid")" 2>/dev/null || true
fi
rm -rf "$state_dir"
mkdir -p "$state_dir"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
address=127.0.0.1:$port
# setsid: ctest must not wait for this background server's output streams.
MINITER_DATABASE_URL=$database_url \
MINITER_REDIS_URL=$redis_url \
MINITER_TOKEN_SECRET=client-suite-test-secret-0123456789abcdef \
MINITER_LISTEN=$address \
MINITER_SIGNUP_RATE_PER_PEER=1000000/1m MINITER_LOGIN_RATE_PER_PEER=1000000/1m \
MINITER_LOGIN_RATE_PER_EMAIL=1000000/1m MINITER_TWEET_RATE_PER_PEER=1000000/1m \
MINITER_TWEET_RATE_PER_ACCOUNT=1000000/1m MINITER_LOGIN_BACKOFF_PER_EMAIL_AND_PEER=off MINITER_MAX_CALLS_PER_ACCOUNT=0 \
  setsid "$server_binary" >"$state_dir/server.log" 2>&1 </dev/null &
echo $! >"$state_dir/server.pid"

for _ in $(seq 1 300); do
  if grep -q "serving miniter.v1.Miniter" "$state_dir/server.log"; then
    echo "$address" >"$state_dir/address"
    echo "test server: $address"
    exit 0
  fi
  if ! kill -0 "$(cat "$state_dir/server.pid")" 2>/dev/null; then
    echo "start_test_server.sh: the server exited:" >&2
    cat "$state_dir/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "start_test_server.sh: the server did not start in 30 s" >&2
cat "$state_dir/server.log" >&2
exit 1
