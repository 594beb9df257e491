#!/usr/bin/env bash
# generate.sh: generates the Go stubs (package miniterpb) from
# proto/miniter/v1/miniter.proto with pinned protoc plugins; used by the ctest
# setup test go_client_setup and by hand (also via `go generate ./...`).
#
#   clients/go/generate.sh [PLUGIN_DIR]
#
# PLUGIN_DIR is where protoc-gen-go and protoc-gen-go-grpc are installed
# (GOBIN of `go install`); default build/clients/go/bin in the repository,
# which .gitignore already covers. Uses GO (default: go on PATH, Go >= 1.22)
# and PROTOC (default: protoc on PATH). A plugin is installed only when the
# one there does not report the pinned version, and files are rewritten only
# when their contents change, so a run with nothing to do takes a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
plugin_dir=${1:-$repo/build/clients/go/bin}
go=${GO:-go}
protoc=${PROTOC:-protoc}

# protoc-gen-go writes code for exactly one google.golang.org/protobuf
# runtime, so its version is the one go.mod requires, not a second pin.
protobuf_version=$(cd "$here" && "$go" list -m -f '{{.Version}}' google.golang.org/protobuf)
# v1.5.1 is the last protoc-gen-go-grpc that builds with Go 1.22 (v1.6 needs
# 1.24); its code needs grpc >= v1.64, and go.mod has more.
grpc_plugin_version=v1.5.1

install_plugin() {  # NAME PACKAGE VERSION: go install unless already there
  local reported
  reported=$("$plugin_dir/$1" --version 2>/dev/null || true)
  # protoc-gen-go says "protoc-gen-go v1.36.6", protoc-gen-go-grpc says
  # "protoc-gen-go-grpc 1.5.1".
  if [[ $reported != "$1 $3" && $reported != "$1 ${3#v}" ]]; then
    echo "generate.sh: go install $2@$3 into $plugin_dir"
    # GOFLAGS is cleared: flags such as -mod=mod are meant for our module,
    # and `go install pkg@version` refuses them.
    GOBIN=$plugin_dir GOFLAGS= "$go" install "$2@$3"
  fi
}
mkdir -p "$plugin_dir"
install_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$protobuf_version"
install_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$grpc_plugin_version"

# Generate next to the target and rename file by file, so that a test in
# another build tree reading miniterpb/ meanwhile never sees half a file.
out_dir=$here/miniterpb
tmp_dir=$(mktemp -d "$out_dir/.generate.XXXXXX")
trap 'rm -rf "$tmp_dir"' EXIT
# module=...: files land under clients/go by their go_package path, and
# protoc fails if the .proto's go_package leaves this module.
"$protoc" -I "$repo/proto" \
  --plugin=protoc-gen-go="$plugin_dir/protoc-gen-go" \
  --plugin=protoc-gen-go-grpc="$plugin_dir/protoc-gen-go-grpc" \
  --go_out="$tmp_dir" --go_opt=module=github.com/miniter/miniter/clients/go \
  --go-grpc_out="$tmp_dir" --go-grpc_opt=module=github.com/miniter/miniter/clients/go \
  miniter/v1/miniter.proto
[[ -d $tmp_dir/miniterpb ]] \
  || { echo "generate.sh: protoc wrote nothing to miniterpb/; was go_package changed?" >&2; exit 1; }

# Drop stubs the .proto no longer produces, then put in the new ones.
for file in "$out_dir"/*.pb.go; do
  [[ -e $file && ! -e $tmp_dir/miniterpb/${file##*/} ]] && rm -f "$file"
done
for file in "$tmp_dir"/miniterpb/*.pb.go; do
  name=${file##*/}
  cmp -s "$file" "$out_dir/$name" || mv -f "$file" "$out_dir/$name"
done
