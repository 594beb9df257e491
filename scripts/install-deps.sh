#!/usr/bin/env bash
# install-deps.sh: installs what miniter needs on Debian 12, from the Debian
# archive. By default only what scripts/run.sh needs to build and serve
# (compiler, CMake, the libraries, MariaDB, Redis); with --test, which
# scripts/test.sh passes, also what only the tests need (GoogleTest, Python,
# clang, HAProxy, the package tools) and a Go >= 1.22 (fetched through the
# Go module proxy when Debian's is older) with grpcurl. Safe to run again:
# when everything is there it only checks.
#
#   scripts/install-deps.sh [--test] [--grpcurl] [--no-go]
#
# --grpcurl adds Go and grpcurl alone (for the README's grpcurl examples).
# --no-go (or MINITER_NO_GO=1) skips Go and grpcurl, which only the grpcurl
# examples and the Go, grpcurl and proto test suites need.
set -euo pipefail

# What scripts/run.sh needs. A new build or runtime dependency goes here.
run_packages=(
  # Build tools; openssl makes run.sh's token secret.
  cmake ninja-build pkg-config g++ openssl
  # Libraries the top-level CMakeLists.txt finds.
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libmysqlcppconn-dev libabsl-dev libsodium-dev libutf8proc-dev libjwt-dev
  libhiredis-dev
  # Metrics (server/metrics: prometheus-cpp) and JSON (nlohmann-json).
  prometheus-cpp-dev nlohmann-json3-dev
  # The CLI's command line (client/command_line.cc: CLI11).
  libcli11-dev
  # The private database and memory tier (scripts/mariadb.sh starts a private
  # MariaDB, scripts/redis.sh a private redis-server).
  mariadb-server mariadb-client redis-server
)
# What only scripts/test.sh needs (--test). A new test tool goes here.
test_packages=(
  # The GoogleTest suites (MINITER_BUILD_TESTS).
  libgtest-dev libgmock-dev googletest
  # python3 runs scripts/cluster.sh, reads JSON in the grpcurl tests and
  # judges the reliability and package tests; python3-venv gives the Python
  # client suite its own virtualenv.
  python3 python3-venv
  # The sanitizer stage of scripts/test.sh: clang builds the libFuzzer targets
  # (tests/fuzz), whose runtime is in libclang-rt-14-dev.
  clang libclang-rt-14-dev
  # The lint tests (cmake/miniter_lint.cmake): .clang-format and .clang-tidy.
  clang-format clang-tidy
  # The load balancer of scripts/cluster.sh and the scale suite.
  haproxy
  # The package test (tests/package): cpack's dpkg-shlibdeps (dpkg-dev) and
  # systemd-analyze (systemd).
  dpkg-dev systemd
  # The metrics tests (tests/metrics): an HTTP client and a real Prometheus.
  libcurl4-openssl-dev prometheus
)
# What Go and grpcurl need (--test or --grpcurl; golang-go itself only when
# no Go is found): Go, grpcurl, buf and the Python packages come over HTTPS,
# and Go fetches a module the proxy lacks with git.
go_packages=(ca-certificates git)
grpcurl_module=github.com/fullstorydev/grpcurl/cmd/grpcurl
grpcurl_version=v1.9.3
# The Go client module (clients/go/go.mod) says "go 1.22.0"; grpcurl needs
# 1.21. Older Go (Debian 12's golang-go is 1.19) cannot build either.
# The fallback is the Go that buf (tests/proto) needs, so a fresh machine
# fetches one toolchain, not two.
min_go_minor=22
# When the Go on this machine is older (Debian 12's golang-go is 1.19), a
# newer Go is fetched as a module from the Go module proxy, the same way
# Go >= 1.21 switches toolchains by itself (GOTOOLCHAIN).
fallback_toolchain=go1.26.7

want_test=0
want_go=0
no_go=${MINITER_NO_GO:-0}
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1; want_go=1 ;;
    --grpcurl) want_go=1 ;;
    --no-go) no_go=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

say() { echo "install-deps: $*"; }
fail() { echo "install-deps: ERROR: $*" >&2; exit 1; }

# Root installs directly; anyone else needs sudo, asked for only when there is
# something to install.
sudo_cmd=()
need_root() {
  if [[ $EUID -ne 0 && ${#sudo_cmd[@]} -eq 0 ]]; then
    command -v sudo >/dev/null || fail "not root and sudo is missing; run as root"
    sudo_cmd=(sudo)
  fi
}

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

# apt output goes to a log so that success stays one line; on failure the
# whole log is shown, because that is when someone needs to read it.
apt_log=$(mktemp -t miniter-apt.XXXXXX)
policy_rc_created=0
cleanup() {
  rm -f "$apt_log"
  if [[ $policy_rc_created == 1 ]]; then
    "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d
  fi
}
trap cleanup EXIT

apt_install() {
  need_root
  # Installing mariadb-server would start (and enable) the system MariaDB.
  # miniter never uses it (scripts/mariadb.sh runs private instances), so a
  # policy-rc.d that denies service starts is in place during the install,
  # unless the machine already has one of its own (which is then left alone).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# Temporary, from miniter scripts/install-deps.sh.\nexit 101\n' \
      | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo_cmd[@]}" chmod 0755 /usr/sbin/policy-rc.d
    policy_rc_created=1
  fi
  say "apt-get update"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 \
    || { cat "$apt_log" >&2; fail "apt-get update failed (output above)"; }
  say "apt-get install $*"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends "$@" >"$apt_log" 2>&1 \
    || { cat "$apt_log" >&2; fail "apt-get install failed (output above)"; }
  if [[ $policy_rc_created == 1 ]]; then
    "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d
    policy_rc_created=0
  fi
}

[[ $no_go == 1 ]] && want_go=0
packages=("${run_packages[@]}")
[[ $want_test == 1 ]] && packages+=("${test_packages[@]}")
[[ $want_go == 1 ]] && packages+=("${go_packages[@]}")
missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  apt_install "${missing[@]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || fail "package $p is still not installed after apt-get install"
  done
fi

[[ $want_go == 1 ]] || exit 0

# ---- Go (for grpcurl, the Go client suite and the proto tools) -------------

# /usr/local/bin when we may write there (root), else the user's own bin.
if [[ -w /usr/local/bin ]]; then
  bin_dir=/usr/local/bin
else
  bin_dir=$HOME/.local/bin
fi
mkdir -p "$bin_dir"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "note: $bin_dir is not on PATH; add it: export PATH=\"$bin_dir:\$PATH\"" ;;
esac

go_minor_of() {  # GO_BINARY: prints the minor version (22 for go1.22.12)
  "$1" env GOVERSION 2>/dev/null | sed -nE 's/^go1\.([0-9]+).*/\1/p'
}

go_bin=$(command -v go || true)
if [[ -z $go_bin && -x /usr/local/go/bin/go ]]; then
  go_bin=/usr/local/go/bin/go  # the upstream tarball's place, often off PATH
fi
if [[ -z $go_bin ]]; then
  apt_install golang-go
  go_bin=$(command -v go) || fail "golang-go installed but 'go' not found"
fi
go_minor=$(go_minor_of "$go_bin")
if [[ -z $go_minor || $go_minor -lt $min_go_minor ]]; then
  say "Go on this machine is too old (need go1.$min_go_minor+); fetching $fallback_toolchain from the Go module proxy"
  case "$(uname -m)" in
    x86_64) go_arch=amd64 ;;
    aarch64|arm64) go_arch=arm64 ;;
    *) fail "no newer Go is known for $(uname -m)" ;;
  esac
  toolchain_module=golang.org/toolchain@v0.0.1-$fallback_toolchain.linux-$go_arch
  # Run from an empty directory so that no go.mod around us is involved.
  empty_dir=$(mktemp -d -t miniter-go.XXXXXX)
  toolchain_dir=$(cd "$empty_dir" && GOFLAGS= GO111MODULE=on GOTOOLCHAIN=local \
                    "$go_bin" mod download -json "$toolchain_module" 2>/dev/null \
                    | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p') || true
  rmdir "$empty_dir"
  [[ -n $toolchain_dir && -f $toolchain_dir/bin/go ]] \
    || fail "fetching $toolchain_module failed"
  # Module zips do not keep executable bits; Go's own toolchain switch sets
  # them the same way.
  chmod +x "$toolchain_dir"/bin/* "$toolchain_dir"/pkg/tool/*/* 2>/dev/null || true
  # A stable name on PATH, ahead of Debian's /usr/bin/go, so that later
  # steps (CMake, the client suites) find the same Go.
  ln -sf "$toolchain_dir/bin/go" "$bin_dir/go"
  ln -sf "$toolchain_dir/bin/gofmt" "$bin_dir/gofmt"
  go_bin=$bin_dir/go
  say "go is now $("$go_bin" env GOVERSION) at $go_bin"
fi

# ---- grpcurl ----------------------------------------------------------------

grpcurl_reports_version() {  # BINARY: true when it is the pinned version
  [[ -x "$1" ]] && [[ $("$1" -version 2>&1) == "grpcurl $grpcurl_version" ]]
}
if ! grpcurl_reports_version "$bin_dir/grpcurl"; then
  say "go install grpcurl $grpcurl_version into $bin_dir"
  go_log=$(mktemp -t miniter-go.XXXXXX)
  # GOFLAGS is cleared because a user's flags are meant for their own
  # modules. -X main.version: `go install` alone leaves grpcurl reporting
  # "dev build", and the version check above needs the real one.
  GOBIN=$bin_dir GOTOOLCHAIN=local GOFLAGS= "$go_bin" install \
      -ldflags "-X main.version=$grpcurl_version" \
      "$grpcurl_module@$grpcurl_version" >"$go_log" 2>&1 \
    || { cat "$go_log" >&2; rm -f "$go_log"; fail "go install grpcurl failed (output above)"; }
  rm -f "$go_log"
  grpcurl_reports_version "$bin_dir/grpcurl" \
    || fail "$bin_dir/grpcurl does not report $grpcurl_version"
fi
on_path=$(command -v grpcurl || true)
if [[ -n $on_path && $on_path != "$bin_dir/grpcurl" ]] && ! grpcurl_reports_version "$on_path"; then
  say "note: 'grpcurl' on PATH is $on_path (not $grpcurl_version); $bin_dir/grpcurl is the pinned one"
fi
