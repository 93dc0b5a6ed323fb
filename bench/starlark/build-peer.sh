#!/usr/bin/env bash
# Build the reference Starlark runner (bench/starlark/go/main.go against Debian's
# starlark-go sources) into bench/.cache/starlark-peer. Idempotent; rebuilds when
# main.go is newer than the binary. Prints the binary's path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/bench/.cache"
BIN="$CACHE/starlark-peer"
SRC="$("$ROOT/scripts/fetch-starlark-go.sh" --go)"   # .../usr/share/gocode/src/go.starlark.net
if [[ -x "$BIN" && "$BIN" -nt "$ROOT/bench/starlark/go/main.go" ]]; then echo "$BIN"; exit 0; fi
GOPATH_DIR="$CACHE/gopath"
mkdir -p "$GOPATH_DIR/src"
ln -sfn "$SRC" "$GOPATH_DIR/src/go.starlark.net"
mkdir -p "$CACHE/gocache"
# GOPATH mode: go.starlark.net from the Debian package, golang.org/x/sys from /usr/share/gocode.
( cd "$ROOT/bench/starlark/go" &&
  GO111MODULE=off GOFLAGS= GOCACHE="$CACHE/gocache" GOPATH="$GOPATH_DIR:/usr/share/gocode" \
    go build -ldflags "-X main.defaultAssert=$SRC/starlarktest/assert.star" -o "$BIN" . ) >&2
echo "$BIN"
