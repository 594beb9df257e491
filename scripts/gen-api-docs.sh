#!/usr/bin/env bash
# gen-api-docs.sh: regenerates the API reference docs/api.md from the
# comments in proto/miniter/v1/miniter.proto (buf generate + protoc-gen-doc,
# template docs/api.md.tmpl, configuration buf.gen.yaml).
#
#   scripts/gen-api-docs.sh           rewrite docs/api.md
#   scripts/gen-api-docs.sh --check   change nothing; fail with a diff when
#                                     docs/api.md is not what the .proto says
#                                     (ctest test proto_api_docs_current)
#
# The pinned buf and protoc-gen-doc are installed on first use into
# $MINITER_PROTO_TOOLS_DIR/bin (default: build/proto-tools, inside
# scripts/build.sh's build tree); tests/proto/install_tools.sh has the pins.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  *) echo "gen-api-docs.sh: unknown argument: $1" >&2; exit 2 ;;
esac

tools_dir=${MINITER_PROTO_TOOLS_DIR:-$repo/build/proto-tools}
bash "$repo/tests/proto/install_tools.sh" "$tools_dir"
export PATH="$tools_dir/bin:$PATH"
# buf's cache stays in the build tree too, not in the user's home.
export BUF_CACHE_DIR="$tools_dir/buf-cache"

out_dir=$(mktemp -d -t miniter-api-docs.XXXXXX)
trap 'rm -rf "$out_dir"' EXIT
# From the repository root: buf.gen.yaml's input (.) and the template path in
# its plugin option are relative to it.
(cd "$repo" && buf generate --template buf.gen.yaml -o "$out_dir")
generated=$out_dir/docs/api.md
[[ -s $generated ]] || { echo "gen-api-docs.sh: buf generate wrote no $generated" >&2; exit 1; }

if [[ $check == 0 ]]; then
  mkdir -p "$repo/docs"
  cp "$generated" "$repo/docs/api.md"
  echo "gen-api-docs.sh: wrote docs/api.md"
  exit 0
fi

if diff -u --label "docs/api.md (committed)" --label "docs/api.md (from the .proto)" \
     "$repo/docs/api.md" "$generated"; then
  echo "docs/api.md is current"
  exit 0
fi
echo >&2
echo "FAIL: docs/api.md does not match proto/miniter/v1/miniter.proto (diff above)." >&2
echo "Regenerate it and commit the result:  scripts/gen-api-docs.sh" >&2
exit 1
