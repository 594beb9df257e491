#!/usr/bin/env bash
# install_and_consume_test.sh: the ctest "install_and_consume" — proves that
# an installed miniter works for someone else's CMake project.
#
#   tests/install/install_and_consume_test.sh BUILD_DIR CONFIG CONSUMER_SRC WORK_DIR
#
# 1. cmake --install BUILD_DIR into WORK_DIR/prefix (not the configured
#    prefix, which also shows the package is relocatable);
# 2. checks the files a user of the package relies on are there;
# 3. configures and builds CONSUMER_SRC with CMAKE_PREFIX_PATH=that prefix;
# 4. runs it against the server whose address is in the file named by
#    $MINITER_TEST_SERVER_ADDRESS_FILE, and checks what it printed.
set -euo pipefail

[[ $# -eq 4 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
build_dir=$1
config=$2
consumer_src=$3
work_dir=$4
: "${MINITER_TEST_SERVER_ADDRESS_FILE:?run through ctest (fixture miniter_server)}"

prefix=$work_dir/prefix
consumer_build=$work_dir/consumer-build
rm -rf "$work_dir"
mkdir -p "$work_dir"

step() { echo "== $*"; }

step "install $build_dir into $prefix"
install_args=(--install "$build_dir" --prefix "$prefix")
[[ -n $config ]] && install_args+=(--config "$config")
cmake "${install_args[@]}" >"$work_dir/install.log" \
  || { cat "$work_dir/install.log" >&2; exit 1; }

step "check the installed files"
# GNUInstallDirs may pick lib64 or a multiarch lib dir; find the package.
config_file=$(find "$prefix" -path '*/cmake/miniter/miniterConfig.cmake' | head -n1)
libdir=${config_file%/cmake/miniter/miniterConfig.cmake}
missing=0
for f in \
    "$prefix/bin/miniter" \
    "$prefix/bin/miniter-server" \
    "$prefix/share/bash-completion/completions/miniter" \
    "$prefix/include/miniter/client/miniter_client.h" \
    "$prefix/include/miniter/v1/miniter.pb.h" \
    "$prefix/include/miniter/v1/miniter.grpc.pb.h" \
    "$prefix/share/miniter/proto/miniter/v1/miniter.proto" \
    "$libdir/libminiter_client.a" \
    "$libdir/libminiter_proto.a" \
    "$libdir/cmake/miniter/miniterConfig.cmake" \
    "$libdir/cmake/miniter/miniterConfigVersion.cmake" \
    "$libdir/cmake/miniter/miniterTargets.cmake"; do
  if [[ ! -e $f ]]; then
    echo "missing after install: $f" >&2
    missing=1
  fi
done
# Private headers must stay private.
if [[ -e $prefix/include/client ]]; then
  echo "private client/ headers were installed" >&2
  missing=1
fi
[[ $missing -eq 0 ]] || { echo "installed tree:" >&2; find "$prefix" >&2; exit 1; }

step "configure and build the consumer"
cmake -S "$consumer_src" -B "$consumer_build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE="${config:-Release}" \
  >"$work_dir/configure.log" 2>&1 \
  || { cat "$work_dir/configure.log" >&2; exit 1; }
# It must have used the package just installed, not some other copy.
found=$(sed -n 's/^miniter_DIR:PATH=//p' "$consumer_build/CMakeCache.txt")
if [[ $found != "$libdir/cmake/miniter" ]]; then
  echo "consumer found miniter in '$found', not in $libdir/cmake/miniter" >&2
  exit 1
fi
cmake --build "$consumer_build" >"$work_dir/build.log" 2>&1 \
  || { cat "$work_dir/build.log" >&2; exit 1; }

address=$(cat "$MINITER_TEST_SERVER_ADDRESS_FILE")
step "run the consumer against $address"
consumer=$(find "$consumer_build" -type f -name miniter_consumer -perm -u+x | head -n1)
output=$("$consumer" "$address" 2>&1) || {
  echo "$output"
  echo "the consumer failed" >&2
  exit 1
}
echo "$output"
for expected in "signed up user " "logged in as user " "tweeted #" \
                "timeline starts with #" "consumer: all calls succeeded"; do
  if ! grep -qF -- "$expected" <<<"$output"; then
    echo "consumer output lacks: $expected" >&2
    exit 1
  fi
done
echo "install_and_consume: ok"
