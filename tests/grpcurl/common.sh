# common.sh: shared helpers of the grpcurl suite (sourced by
# grpcurl_e2e_test.sh and grpcurl_readme_test.sh): finding the pinned
# grpcurl, calling it, and checking results the way a person reads them,
# by the status code name grpcurl prints and its exit status.

# scripts/install-deps.sh --test pins grpcurl v1.9.3 and puts it in /usr/local/bin
# (root) or ~/.local/bin. Prefer that one over another grpcurl on PATH; fail,
# not skip, when there is none: these tests are how we know the README works.
grpcurl_pinned_version=v1.9.3
find_grpcurl() {
  local candidate fallback=""
  for candidate in /usr/local/bin/grpcurl "$HOME/.local/bin/grpcurl" "$(command -v grpcurl || true)"; do
    [[ -n $candidate && -x $candidate ]] || continue
    if [[ $("$candidate" -version 2>&1) == "grpcurl $grpcurl_pinned_version" ]]; then
      echo "$candidate"
      return
    fi
    [[ -n $fallback ]] || fallback=$candidate
  done
  if [[ -n $fallback ]]; then
    echo "NOTE: using $fallback ($("$fallback" -version 2>&1)), not the pinned $grpcurl_pinned_version" >&2
    echo "$fallback"
    return
  fi
  echo "FAIL: grpcurl is not installed; scripts/install-deps.sh --test installs $grpcurl_pinned_version" >&2
  return 1
}

# gRPC status code numbers by the names grpcurl prints ("Code: NotFound").
# grpcurl exits with 64 + the code when an RPC fails.
declare -A grpc_code_number=(
  [InvalidArgument]=3 [NotFound]=5 [AlreadyExists]=6 [Unauthenticated]=16)

failures=0
passes=0
pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() {  # fail DESCRIPTION REASON [OUTPUT]
  echo "FAIL $1: $2"
  [[ -z ${3:-} ]] || sed 's/^/     /' <<<"$3"
  failures=$((failures + 1))
}

# call ARGS...: runs grpcurl -plaintext ARGS; sets $out (stdout and stderr
# together, as a person at a terminal sees them) and $rc.
call() {
  out=$("$grpcurl" -plaintext "$@" 2>&1) && rc=0 || rc=$?
}

# expect_ok DESCRIPTION SUBSTRING ARGS...: the call succeeds and prints SUBSTRING.
expect_ok() {
  local description=$1 expected=$2
  shift 2
  call "$@"
  if [[ $rc -ne 0 ]]; then
    fail "$description" "grpcurl exited $rc" "$out"
  elif [[ $out != *"$expected"* ]]; then
    fail "$description" "expected '$expected' in the output" "$out"
  else
    pass "$description"
  fi
}

# expect_error DESCRIPTION CODE_NAME ARGS...: the call fails with that status
# code: grpcurl prints "Code: CODE_NAME" and exits 64 + the code's number.
expect_error() {
  local description=$1 code=$2
  shift 2
  call "$@"
  local want_rc=$((64 + ${grpc_code_number[$code]}))
  if [[ $out != *"Code: $code"* ]]; then
    fail "$description" "expected 'Code: $code'" "$out"
  elif [[ $rc -ne $want_rc ]]; then
    fail "$description" "grpcurl exited $rc, expected $want_rc (64 + $code)" "$out"
  else
    pass "$description"
  fi
}

# json FIELD_PATH: a field of the last call's JSON output, e.g. json user.id;
# empty when absent or when the output is not JSON.
json() {
  python3 -c '
import json, sys
value = json.loads(sys.stdin.read())
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value.get(key, "")
print(value if not isinstance(value, (dict, list)) else json.dumps(value, ensure_ascii=False))
' "$1" <<<"$out" 2>/dev/null || true
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "got '$2', expected '$3'" "$out"; fi
}

# expect_count DESCRIPTION COUNT SUBSTRING: SUBSTRING occurs exactly COUNT
# times in the last output ($out).
expect_count() {
  local n
  n=$(python3 -c 'import sys; print(sys.stdin.read().count(sys.argv[1]))' "$3" <<<"$out")
  if [[ $n -eq $2 ]]; then pass "$1"; else fail "$1" "'$3' appears $n times, expected $2" "$out"; fi
}

summary() {
  echo "$passes passed, $failures failed"
  [[ $failures -eq 0 ]]
}
