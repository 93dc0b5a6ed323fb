#!/usr/bin/env bash
# Validate ebb's own Starlark test suite (test/starlark/*.star) against the reference
# implementation: every chunk must pass on starlark-go, both with starlark-go's own
# assert module and with ours (test/starlark/assert.star). Files marked "peer:skip"
# in their header are reported as skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEER="$("$ROOT/bench/starlark/build-peer.sh")"
cd "$ROOT"
files=()
for f in test/starlark/*.star; do [[ "$(basename "$f")" == assert.star ]] || files+=("$f"); done
echo "== with starlark-go's assert module"
"$PEER" -chunked "${files[@]}" 2>/dev/null
echo "== with test/starlark/assert.star"
"$PEER" -chunked -assert test/starlark/assert.star "${files[@]}" 2>/dev/null
