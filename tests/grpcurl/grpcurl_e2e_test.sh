#!/usr/bin/env bash
# grpcurl_e2e_test.sh: drives a running miniter ONLY through grpcurl and
# server reflection (no .proto file), as a user of the README would: list,
# describe, health, SignUp, Login, Tweet, Follow, Unfollow, Timeline with a
# Bearer token, and the error cases by the status code names grpcurl prints.
#
#   MINITER_TEST_SERVER_ADDRESS_FILE=... tests/grpcurl/grpcurl_e2e_test.sh
#
# The server is the ctest fixture "miniter_server" (tests/CMakeLists.txt),
# shared with other suites, so every e-mail is unique to this run and ids
# are read from responses, never assumed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/common.sh"
grpcurl=$(find_grpcurl)

address_file=${MINITER_TEST_SERVER_ADDRESS_FILE:?set by ctest (fixture miniter_server)}
[[ -s $address_file ]] || { echo "FAIL: no server address in $address_file"; exit 1; }
address=$(cat "$address_file")
# start_test_server.sh keeps the server's log beside the address file.
server_log=$(dirname "$address_file")/server.log
echo "server: $address, grpcurl: $grpcurl ($("$grpcurl" -version 2>&1))"

run_id=$$.$RANDOM$RANDOM
ann_email="ann.$run_id@example.com"
minsu_email="minsu.$run_id@example.com"
password="correct horse battery"
svc=miniter.v1.Miniter

# ---- discovery through reflection -----------------------------------------
expect_ok "list shows the service" "$svc" "$address" list
expect_ok "list shows health" "grpc.health.v1.Health" "$address" list
call "$address" describe "$svc"
for rpc in SignUp Login Tweet Follow Unfollow Timeline; do
  if [[ $rc -eq 0 && $out == *"rpc $rpc ( .miniter.v1.${rpc}Request ) returns ( .miniter.v1.${rpc}Response );"* ]]; then
    pass "describe $svc shows rpc $rpc"
  else
    fail "describe $svc shows rpc $rpc" "not in the output (grpcurl exited $rc)" "$out"
  fi
done
expect_ok "describe a request message" "int32 page_size = 2;" "$address" describe miniter.v1.TimelineRequest
expect_ok "health of the service" '"status": "SERVING"' \
  -d '{"service":"miniter.v1.Miniter"}' "$address" grpc.health.v1.Health/Check
expect_ok "health of the server" '"status": "SERVING"' -d '{}' "$address" grpc.health.v1.Health/Check
expect_ok "readiness" '"status": "SERVING"' \
  -d '{"service":"readiness"}' "$address" grpc.health.v1.Health/Check
expect_ok "liveness" '"status": "SERVING"' \
  -d '{"service":"liveness"}' "$address" grpc.health.v1.Health/Check
expect_error "health of an unknown service is NotFound" NotFound \
  -d '{"service":"no.such.Service"}' "$address" grpc.health.v1.Health/Check

# ---- accounts -----------------------------------------------------------------
expect_ok "SignUp Ann" "\"email\": \"$ann_email\"" \
  -d "{\"name\":\"Ann\",\"email\":\"$ann_email\",\"password\":\"$password\"}" "$address" $svc/SignUp
ann_id=$(json user.id)
expect_ok "SignUp 민수 (Korean name)" '"name": "민수"' \
  -d "{\"name\":\"민수\",\"email\":\"$minsu_email\",\"password\":\"$password\"}" "$address" $svc/SignUp
minsu_id=$(json user.id)
[[ -n $ann_id && -n $minsu_id ]] || { fail "SignUp returns ids" "ann='$ann_id' minsu='$minsu_id'"; summary; exit 1; }
expect_error "SignUp with a taken e-mail (other letter case) is AlreadyExists" AlreadyExists \
  -d "{\"name\":\"Ann 2\",\"email\":\"${ann_email^^}\",\"password\":\"$password\"}" "$address" $svc/SignUp
expect_error "SignUp with a short password is InvalidArgument" InvalidArgument \
  -d "{\"name\":\"Bob\",\"email\":\"bob.$run_id@example.com\",\"password\":\"short\"}" "$address" $svc/SignUp

expect_ok "Login Ann" '"access_token"' \
  -d "{\"email\":\"$ann_email\",\"password\":\"$password\"}" "$address" $svc/Login
ann_token=$(json access_token)
expect_eq "Login returns Ann's user_id" "$(json user_id)" "$ann_id"
expect_ok "Login 민수" '"access_token"' \
  -d "{\"email\":\"$minsu_email\",\"password\":\"$password\"}" "$address" $svc/Login
minsu_token=$(json access_token)
expect_error "Login with a wrong password is Unauthenticated" Unauthenticated \
  -d "{\"email\":\"$ann_email\",\"password\":\"wrong password\"}" "$address" $svc/Login
ann=(-H "authorization: Bearer $ann_token")
minsu=(-H "authorization: Bearer $minsu_token")

# ---- tweets -----------------------------------------------------------------------
expect_ok "Tweet in Korean with an emoji" '"text": "안녕하세요 👋"' \
  "${ann[@]}" -d '{"text":"안녕하세요 👋"}' "$address" $svc/Tweet
expect_eq "the tweet's author is the token's user" "$(json tweet.author_id)" "$ann_id"
expect_ok "Tweet of 300 characters (Hangul) fits" '"tweet"' \
  "${minsu[@]}" -d "{\"text\":\"$(printf '가%.0s' $(seq 300))\"}" "$address" $svc/Tweet
expect_error "Tweet of 301 characters is InvalidArgument" InvalidArgument \
  "${ann[@]}" -d "{\"text\":\"$(printf 'x%.0s' $(seq 301))\"}" "$address" $svc/Tweet
expect_error "Tweet without a token is Unauthenticated" Unauthenticated \
  -d '{"text":"hi"}' "$address" $svc/Tweet
# Forged: the first character of the signature changed (it carries six full
# bits, so the signature bytes really differ).
signature=${ann_token##*.}
[[ ${signature:0:1} == A ]] && swap=B || swap=A
forged_token=${ann_token%.*}.$swap${signature:1}
expect_error "Tweet with a forged token is Unauthenticated" Unauthenticated \
  -H "authorization: Bearer $forged_token" -d '{"text":"hi"}' "$address" $svc/Tweet
expect_ok "민수 tweets" '"text": "반가워요"' \
  "${minsu[@]}" -d '{"text":"반가워요"}' "$address" $svc/Tweet

# ---- follow, timeline, unfollow ------------------------------------------------------
expect_ok "Follow 민수" '{}' "${ann[@]}" -d "{\"user_id\":\"$minsu_id\"}" "$address" $svc/Follow
expect_ok "Follow again changes nothing" '{}' "${ann[@]}" -d "{\"user_id\":$minsu_id}" "$address" $svc/Follow
expect_error "Follow an unknown user is NotFound" NotFound \
  "${ann[@]}" -d '{"user_id":"999999999999"}' "$address" $svc/Follow
expect_error "Follow yourself is InvalidArgument" InvalidArgument \
  "${ann[@]}" -d "{\"user_id\":\"$ann_id\"}" "$address" $svc/Follow
expect_error "Follow without a token is Unauthenticated" Unauthenticated \
  -d "{\"user_id\":\"$minsu_id\"}" "$address" $svc/Follow

expect_ok "Timeline shows the followed user's tweet" '"text": "반가워요"' \
  "${ann[@]}" -d '{"page_size":10}' "$address" $svc/Timeline
expect_eq "Timeline is newest first" "$(json tweets.0.text)" "반가워요"
expect_eq "Timeline fills author_name" "$(json tweets.0.author_name)" "민수"
expect_ok "Timeline shows your own tweet" '"text": "안녕하세요 👋"' \
  "${ann[@]}" -d '{"page_size":10}' "$address" $svc/Timeline
expect_ok "Timeline pages with page_size" '"next_page_token"' \
  "${ann[@]}" -d '{"page_size":1}' "$address" $svc/Timeline
expect_error "Timeline of an unknown user is NotFound" NotFound \
  "${ann[@]}" -d '{"user_id":"999999999999"}' "$address" $svc/Timeline
expect_error "Timeline without a token is Unauthenticated" Unauthenticated \
  -d '{}' "$address" $svc/Timeline

expect_ok "Unfollow 민수" '{}' "${ann[@]}" -d "{\"user_id\":\"$minsu_id\"}" "$address" $svc/Unfollow
call "${ann[@]}" -d '{"page_size":10}' "$address" $svc/Timeline
if [[ $rc -eq 0 && $out == *"안녕하세요 👋"* && $out != *"반가워요"* ]]; then
  pass "after Unfollow the timeline has only your own tweets"
else
  fail "after Unfollow the timeline has only your own tweets" "grpcurl exited $rc" "$out"
fi
expect_error "Unfollow an unknown user is NotFound" NotFound \
  "${ann[@]}" -d '{"user_id":"999999999999"}' "$address" $svc/Unfollow

# ---- secrets stay out of the log -----------------------------------------------------
if [[ -f $server_log ]]; then
  if grep -qF -e "$ann_token" -e "$password" "$server_log"; then
    fail "the server log has no token or password" "found in $server_log"
  else
    pass "the server log has no token or password"
  fi
fi

summary
