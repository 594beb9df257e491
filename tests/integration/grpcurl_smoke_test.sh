#!/usr/bin/env bash
# grpcurl_smoke_test.sh: drives the real miniter-server with grpcurl only
# (server reflection, no .proto file): list, describe, health, and the
# README's SignUp -> Login -> Tweet -> Follow -> Timeline walk-through.
#
#   grpcurl_smoke_test.sh SERVER_BINARY DATABASE_URL_FILE
set -euo pipefail

server_binary=$1
database_url=$(cat "$2")
grpcurl_bin=$(command -v grpcurl || true)
[[ -n "$grpcurl_bin" ]] || { echo "FAIL: grpcurl is not installed (scripts/install-deps.sh installs it)"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
address="127.0.0.1:$port"
work_dir=$(mktemp -d)
log="$work_dir/server.log"
MINITER_DATABASE_URL=$database_url \
MINITER_TOKEN_SECRET=grpcurl-smoke-test-secret-0123456789abcdef \
MINITER_LISTEN=$address "$server_binary" 2>"$log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work_dir"' EXIT

for _ in $(seq 1 300); do
  grpcurl -plaintext "$address" list >/dev/null 2>&1 && break
  kill -0 $server_pid 2>/dev/null || { cat "$log"; echo "FAIL: server exited"; exit 1; }
  sleep 0.1
done

failures=0
check() {  # check DESCRIPTION EXPECTED_SUBSTRING COMMAND...
  local description=$1 expected=$2
  shift 2
  local output
  output=$("$@" 2>&1 || true)
  if [[ "$output" == *"$expected"* ]]; then
    echo "ok   $description"
  else
    echo "FAIL $description: expected '$expected' in:"
    echo "$output" | sed 's/^/     /'
    failures=$((failures + 1))
  fi
}

check "list shows the service" "miniter.v1.Miniter" grpcurl -plaintext "$address" list
check "list shows health" "grpc.health.v1.Health" grpcurl -plaintext "$address" list
check "describe shows Timeline" "rpc Timeline" grpcurl -plaintext "$address" describe miniter.v1.Miniter
check "describe shows field comments" "page_size" grpcurl -plaintext "$address" describe miniter.v1.TimelineRequest
check "health SERVING" '"SERVING"' grpcurl -plaintext -d '{"service":"miniter.v1.Miniter"}' "$address" grpc.health.v1.Health/Check

email="smoke.$RANDOM$RANDOM@example.com"
check "SignUp" '"email": "'"$email"'"' grpcurl -plaintext \
  -d '{"name":"Ann","email":"'"$email"'","password":"correct horse battery"}' \
  "$address" miniter.v1.Miniter/SignUp
check "SignUp duplicate" "AlreadyExists" grpcurl -plaintext \
  -d '{"name":"Ann","email":"'"$email"'","password":"correct horse battery"}' \
  "$address" miniter.v1.Miniter/SignUp
TOKEN=$(grpcurl -plaintext -d '{"email":"'"$email"'","password":"correct horse battery"}' \
  "$address" miniter.v1.Miniter/Login | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
check "Tweet" '"text": "안녕하세요 👋"' grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"text":"안녕하세요 👋"}' "$address" miniter.v1.Miniter/Tweet
check "Tweet without token" "Unauthenticated" grpcurl -plaintext \
  -d '{"text":"hi"}' "$address" miniter.v1.Miniter/Tweet
check "Tweet of 301 characters" "InvalidArgument" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d "{\"text\":\"$(printf 'x%.0s' $(seq 301))\"}" "$address" miniter.v1.Miniter/Tweet
check "Follow unknown user" "NotFound" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{"user_id":"999999999999"}' "$address" miniter.v1.Miniter/Follow
check "Timeline" "안녕하세요 👋" grpcurl -plaintext -H "authorization: Bearer $TOKEN" \
  -d '{}' "$address" miniter.v1.Miniter/Timeline

if grep -q -- "$TOKEN" "$log"; then
  echo "FAIL the server log contains an access token"; failures=$((failures + 1))
fi
echo "$(( 11 - failures )) passed, $failures failed"
[[ $failures -eq 0 ]]
