#!/usr/bin/env bash
# Run today's starlark-go testdata (a snapshot of google/starlark-go, a bare git directory)
# against lib/starlark through the conformance harness (test/conformance/run.ts), with
# today's starlarktest/assert.star. The files are copied to a temporary folder for the run
# and never committed. This is a measuring tool, not a test: it prints every failing chunk;
# exit status 1 when any chunk failed.
#
# Usage: scripts/starlark-go-today.sh GIT_DIR [FILE...]
#   GIT_DIR  the snapshot: a bare git directory of google/starlark-go (or set STARLARK_GO_GIT_DIR)
#   FILE     paths inside the repository (default: every starlark/testdata, starlarkstruct,
#            resolve and syntax testdata file the harness can run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GIT_DIR="${1:-${STARLARK_GO_GIT_DIR:-}}"
if [[ -z "$GIT_DIR" ]]; then
  echo "usage: scripts/starlark-go-today.sh GIT_DIR [FILE...]  (GIT_DIR: a git snapshot of google/starlark-go; or set STARLARK_GO_GIT_DIR)" >&2
  exit 2
fi
shift || true
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
git -C "$GIT_DIR" archive HEAD starlark/testdata starlarkstruct/testdata resolve/testdata \
  syntax/testdata starlarktest/assert.star | tar -x -C "$TMP"
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  # benchmark.star is timing input and proto.star needs protobuf descriptors: not run.
  files=()
  for f in "$TMP"/starlark/testdata/*.star "$TMP"/starlarkstruct/testdata/*.star \
    "$TMP"/resolve/testdata/*.star "$TMP"/syntax/testdata/*.star; do
    case "$(basename "$f")" in benchmark.star | proto.star) continue ;; esac
    files+=("${f#"$TMP"/}")
  done
fi
cd "$TMP"
# One process per file: a file's failures stay its own (one run of them all has run out of memory).
status=0
for f in "${files[@]}"; do
  node --import="file://$ROOT/node_modules/tsx/dist/loader.mjs" "$ROOT/test/conformance/run.ts" --verbose \
    --assert "$TMP/starlarktest/assert.star" "$f" | grep -v '^total:' || status=1
done
exit $status
