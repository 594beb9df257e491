#!/usr/bin/env bash
# proto_check.sh: the proto hygiene checks of ctest label "proto": buf lint,
# and buf breaking against the last released API (the baseline below).
#
#   tests/proto/proto_check.sh lint               buf lint (rules: buf.yaml)
#   tests/proto/proto_check.sh breaking           buf breaking against the baseline
#   tests/proto/proto_check.sh refresh-baseline   make the current API the baseline
#
# The baseline, tests/proto/baseline/miniter/v1/miniter.proto, is a copy of
# the .proto as last released. Refresh it as part of cutting a release, and
# only then: a failing `breaking` between releases means a change would break
# existing clients, and the fix is to make the change compatible (add a new
# field or RPC, reserve the old number and name), not to refresh. See
# tests/proto/README.md.
#
# Tools come from tests/proto/install_tools.sh into $MINITER_PROTO_TOOLS_DIR
# (default: build/proto-tools).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
baseline_dir=tests/proto/baseline
api_file=miniter/v1/miniter.proto

[[ $# -eq 1 ]] || { sed -n '2,17p' "$0" >&2; exit 2; }
tools_dir=${MINITER_PROTO_TOOLS_DIR:-$repo/build/proto-tools}
bash "$repo/tests/proto/install_tools.sh" "$tools_dir"
buf=$tools_dir/bin/buf
export BUF_CACHE_DIR="$tools_dir/buf-cache"
# buf reads buf.yaml from the working directory, the repository root.
cd "$repo"

case "$1" in
  lint)
    if "$buf" lint; then
      echo "buf lint: clean"
    else
      echo "FAIL: buf lint found the problems above (rules and exceptions: buf.yaml)" >&2
      exit 1
    fi
    ;;
  breaking)
    [[ -f $baseline_dir/$api_file ]] || { echo "FAIL: no baseline at $baseline_dir/$api_file" >&2; exit 1; }
    # The baseline directory is read as plain .proto files; the rules
    # (breaking.use in buf.yaml) are those of the current workspace.
    if "$buf" breaking --against "$baseline_dir"; then
      echo "buf breaking: compatible with $baseline_dir/$api_file"
    else
      echo "FAIL: the changes above would break clients built against the released API" >&2
      echo "      ($baseline_dir/$api_file). Make them compatible; refresh the baseline" >&2
      echo "      only when cutting a release: tests/proto/proto_check.sh refresh-baseline" >&2
      exit 1
    fi
    ;;
  refresh-baseline)
    mkdir -p "$baseline_dir/$(dirname "$api_file")"
    # A header line says what the copy is; comments do not affect the check.
    {
      echo "// BASELINE for tests/proto/proto_check.sh breaking: proto/$api_file as released. Do not edit; see tests/proto/README.md."
      cat "proto/$api_file"
    } >"$baseline_dir/$api_file"
    "$buf" breaking --against "$baseline_dir" >/dev/null
    echo "baseline refreshed: $baseline_dir/$api_file (commit it with the release)"
    ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 2
    ;;
esac
