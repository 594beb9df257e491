#!/usr/bin/env bash
# grpcurl_readme_test.sh: runs the README's "### grpcurl" example block,
# exactly as written, against a fresh server on a fresh database, so that the
# README cannot drift from what miniter does.
#
#   tests/grpcurl/grpcurl_readme_test.sh STATE_DIR SERVER_BINARY README
#
# The block assumes a fresh database (Ann is user 1 and 민수 user 2: it
# follows user "2" and reads Ann's, user "1"'s, tweets), so this test starts its own throwaway MariaDB and server
# in STATE_DIR with tests/db/start_test_db.sh and start_test_server.sh, not
# the shared fixtures, and stops them when done. The only change made to the
# block is the address: 127.0.0.1:50051 becomes the test server's.
set -euo pipefail

[[ $# -eq 3 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
state_dir=$1
server_binary=$2
readme=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/common.sh"
grpcurl=$(find_grpcurl)
readme_address=127.0.0.1:50051

# ---- the block, from README.md -------------------------------------------------
# The first ```sh fence after the "### grpcurl" heading, up to its closing ```.
block=$(python3 - "$readme" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
try:
    start = lines.index("### grpcurl")
    fence = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```sh")
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].strip() == "```")
except (ValueError, StopIteration):
    sys.exit("no ```sh block under a '### grpcurl' heading")
print("\n".join(lines[fence + 1:end]))
EOF
) || { echo "FAIL: could not extract the grpcurl example from $readme"; exit 1; }
[[ $block == *"$readme_address"* ]] \
  || { echo "FAIL: the README's grpcurl block no longer uses $readme_address; update this test"; exit 1; }

# ---- a fresh database and server of our own ---------------------------------------
db_dir=$state_dir/db
server_dir=$state_dir/server
stop_all() {
  bash "$repo/tests/db/stop_test_server.sh" "$server_dir" || true
  bash "$repo/tests/db/stop_test_db.sh" "$db_dir" || true
}
trap stop_all EXIT
# 13357: start_test_db.sh scans upward from here for a free port; starting
# mid-range keeps clear of the shared test database at 13307 and up.
bash "$repo/tests/db/start_test_db.sh" "$db_dir" 13357
bash "$repo/tests/db/start_test_server.sh" "$server_dir" "$server_binary" "$db_dir/database_url"
address=$(cat "$server_dir/address")

# ---- run it ----------------------------------------------------------------------------
script=$state_dir/readme_grpcurl.sh
{
  echo "# The README's grpcurl block (address $readme_address -> $address)."
  # -e and pipefail: every command in the block must succeed, just as a
  # reader pasting it expects; -x shows which one did not.
  echo "set -euxo pipefail"
  printf '%s\n' "${block//$readme_address/$address}"
} >"$script"
echo "---- running the README's grpcurl block (grpcurl: $grpcurl) ----"
# The pinned grpcurl first on PATH: the block calls plain `grpcurl`.
out=$(PATH="$(dirname "$grpcurl"):$PATH" bash "$script" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
echo "---- end of output ----"
if [[ $rc -ne 0 ]]; then
  fail "the README's grpcurl block runs without an error" "it exited $rc (the last command shown above failed)"
else
  pass "the README's grpcurl block runs without an error"
fi

# What a reader is told to expect from it.
expect_in_output() {  # DESCRIPTION SUBSTRING
  if [[ $out == *"$2"* ]]; then pass "$1"; else fail "$1" "expected '$2' in the output above"; fi
}
expect_in_output "list shows the service" "miniter.v1.Miniter"
expect_in_output "describe shows the RPCs" "rpc Timeline"
expect_in_output "Ann signs up as user 1" '"id": "1",
    "name": "Ann"'
expect_in_output "민수 signs up as user 2 (the id the block follows)" '"id": "2",
    "name": "민수"'
expect_in_output "the tweet comes back byte for byte" '"text": "안녕하세요 👋"'
expect_in_output "the timeline shows it" '"tweets": ['
expect_in_output "SearchUsers finds 민수 as user 2" '"users": [
    {
      "id": "2",
      "name": "민수"'
expect_in_output "GetUser counts Ann as 민수's follower" '"follower_count": "1"'
expect_in_output "ListFollowers lists Ann" '"users": [
    {
      "id": "1",
      "name": "Ann"'
# "live 📡" once in the Tweet's answer and once on the WatchTimeline stream.
expect_count "WatchTimeline delivers the tweet posted while it streams" 2 '"text": "live 📡"'
expect_in_output "the bounded WatchTimeline ends at -max-time" "Code: DeadlineExceeded"
expect_in_output "health reports SERVING" '"status": "SERVING"'

# And the README's sentence about errors: a second sign-up with the same
# e-mail in another letter case is "Code: AlreadyExists".
expect_error "README: the same e-mail in any letter case is AlreadyExists" AlreadyExists \
  -d '{"name":"Ann","email":"ANN@example.com","password":"correct horse battery"}' \
  "$address" miniter.v1.Miniter/SignUp

summary
