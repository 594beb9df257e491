#!/usr/bin/env bash
# setup_env.sh: prepares the Python client: a virtualenv with the pinned
# requirements and the stubs generated from proto/miniter/v1/miniter.proto.
# Used by ctest (test python_client_setup) and by hand.
#
#   clients/python/setup_env.sh OUT_DIR      e.g. build/clients/python
#
# Creates OUT_DIR/venv and OUT_DIR/gen (put gen on PYTHONPATH, then
# `from miniter.v1 import miniter_pb2, miniter_pb2_grpc`). Set PYTHON to use
# another interpreter than python3.
set -euo pipefail

[[ $# -eq 1 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
python=${PYTHON:-python3}
venv=$out/venv
gen=$out/gen

# The venv is rebuilt only when requirements.txt or the interpreter changes:
# re-runs cost no network and well under a second.
key=$({ cat "$here/requirements.txt"; "$python" -c 'import sys; print(sys.version)'; } \
      | sha256sum | cut -d' ' -f1)
stamp=$venv/.miniter-requirements.sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$key" ]]; then
  echo "setup_env.sh: creating $venv"
  # --clear: leftovers of older pins must not linger in the new venv.
  if ! "$python" -m venv --clear "$venv"; then
    echo "setup_env.sh: '$python -m venv' failed; on Debian install python3-venv" >&2
    exit 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$here/requirements.txt"
  echo "$key" >"$stamp"
fi

# Regenerated every time (it takes a moment): stubs must never lag behind the
# .proto. Written to a scratch directory and swapped in, so a failed protoc
# leaves no half-updated package behind.
rm -rf "$gen.new"
mkdir -p "$gen.new"
"$venv/bin/python" -m grpc_tools.protoc -I "$repo/proto" \
  --python_out="$gen.new" --grpc_python_out="$gen.new" --pyi_out="$gen.new" \
  miniter/v1/miniter.proto
rm -rf "$gen"
mv "$gen.new" "$gen"
echo "setup_env.sh: ready: PYTHONPATH=$gen $venv/bin/python"
