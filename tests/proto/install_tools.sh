#!/usr/bin/env bash
# install_tools.sh: installs the pinned proto tools (buf, protoc-gen-doc) into
# TOOLS_DIR/bin with `go install`, for the "proto" ctest suite and
# scripts/gen-api-docs.sh. Nothing is installed globally.
#
#   tests/proto/install_tools.sh TOOLS_DIR
#
# Idempotent and quick when the pinned versions are already there (it only
# runs each tool's --version). The first install downloads and compiles buf,
# which takes minutes; ctest runs this once, as the setup test of fixture
# "proto_tools" (tests/proto/CMakeLists.txt), never a plain `cmake --build`.
# Exits non-zero with the reason when a tool cannot be installed: the proto
# tests must fail loudly then, not skip.
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
tools_dir=$(mkdir -p "$1" && cd "$1" && pwd)
bin_dir=$tools_dir/bin

# ---- the pins ----------------------------------------------------------------
# buf: lint, breaking-change check and the compiler behind `buf generate`.
# Its version decides which rules exist, so a bump can fail lint: bump it on
# purpose, alone.
buf_module=github.com/bufbuild/buf/cmd/buf
buf_version=v1.75.0
# buf v1.75.0's go.mod says "go 1.26.7": older Go cannot compile it, so an
# older Go on the machine fetches this toolchain first (see find_go).
buf_go=go1.26.7
# protoc-gen-doc: renders docs/api.md from the .proto comments
# (template docs/api.md.tmpl). v1.5.1 is its latest release.
doc_module=github.com/pseudomuto/protoc-gen-doc/cmd/protoc-gen-doc
doc_version=v1.5.1

say() { echo "install_tools: $*"; }
fail() { echo "install_tools: ERROR: $*" >&2; exit 1; }

have_buf() {
  [[ -x $bin_dir/buf ]] && [[ $("$bin_dir/buf" --version 2>/dev/null) == "${buf_version#v}" ]]
}
have_doc() {
  [[ -x $bin_dir/protoc-gen-doc ]] &&
    [[ $("$bin_dir/protoc-gen-doc" --version 2>/dev/null) == *" version ${doc_version#v}" ]]
}

if have_buf && have_doc; then
  exit 0
fi

# Several ctest tests (and a developer's gen-api-docs.sh) may get here at
# once; one installs, the others wait and then find the tools in place.
exec 9>"$tools_dir/.install.lock"
flock 9
if have_buf && have_doc; then
  exit 0
fi

# ---- a Go new enough for buf ------------------------------------------------
go_bin=$(command -v go || true)
if [[ -z $go_bin && -x /usr/local/go/bin/go ]]; then
  go_bin=/usr/local/go/bin/go  # the upstream tarball's place, often off PATH
fi
[[ -n $go_bin ]] || fail "Go is needed to build buf $buf_version and protoc-gen-doc $doc_version, and 'go' is not on PATH. Install it: apt-get install golang-go (scripts/install-deps.sh --test does when it installs grpcurl)."

go_version=$("$go_bin" env GOVERSION 2>/dev/null) || go_version=unknown
older_than() {  # older_than A B: true when Go version A sorts before B
  [[ $1 != "$2" && $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$1" ]]
}
if [[ $go_version != go1.* ]] || older_than "$go_version" "$buf_go"; then
  # Debian 12's golang-go is 1.19, which cannot switch toolchains by itself
  # (GOTOOLCHAIN came with 1.21). The toolchain is a module on the Go module
  # proxy, fetched the same way scripts/install-deps.sh does for grpcurl.
  case "$(uname -m)" in
    x86_64) go_arch=amd64 ;;
    aarch64|arm64) go_arch=arm64 ;;
    *) fail "Go is $go_version, buf $buf_version needs $buf_go, and no toolchain is known for $(uname -m)" ;;
  esac
  toolchain_module=golang.org/toolchain@v0.0.1-$buf_go.linux-$go_arch
  say "Go is $go_version, buf $buf_version needs $buf_go: fetching $toolchain_module"
  empty_dir=$(mktemp -d -t miniter-go.XXXXXX)
  # An empty directory, so that no go.mod around us is involved.
  toolchain_dir=$(cd "$empty_dir" && GOFLAGS= GO111MODULE=on GOTOOLCHAIN=local \
                    "$go_bin" mod download -json "$toolchain_module" \
                    | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p') || true
  rmdir "$empty_dir"
  [[ -n $toolchain_dir && -f $toolchain_dir/bin/go ]] \
    || fail "could not fetch $toolchain_module from the Go module proxy (GOPROXY=$("$go_bin" env GOPROXY))"
  # Module zips do not keep executable bits.
  chmod +x "$toolchain_dir"/bin/* "$toolchain_dir"/pkg/tool/*/* 2>/dev/null || true
  go_bin=$toolchain_dir/bin/go
  go_version=$("$go_bin" env GOVERSION)
fi

# ---- install -------------------------------------------------------------------
mkdir -p "$bin_dir"
go_install() {  # go_install MODULE@VERSION
  local log
  log=$(mktemp -t miniter-go-install.XXXXXX)
  say "go install $1 into $bin_dir (with $go_version; the first time takes minutes)"
  # GOFLAGS is cleared: a user's flags are meant for their own modules.
  # GOTOOLCHAIN=local: use exactly the Go chosen above, never switch again.
  if GOBIN=$bin_dir GOFLAGS= GOTOOLCHAIN=local "$go_bin" install "$1" >"$log" 2>&1; then
    rm -f "$log"
  else
    cat "$log" >&2
    rm -f "$log"
    fail "go install $1 failed (output above)"
  fi
}
have_buf || go_install "$buf_module@$buf_version"
have_buf || fail "$bin_dir/buf does not report ${buf_version#v}: $("$bin_dir/buf" --version 2>&1 || true)"
have_doc || go_install "$doc_module@$doc_version"
have_doc || fail "$bin_dir/protoc-gen-doc does not report ${doc_version#v}: $("$bin_dir/protoc-gen-doc" --version 2>&1 || true)"
say "buf ${buf_version#v} and protoc-gen-doc ${doc_version#v} are in $bin_dir"
