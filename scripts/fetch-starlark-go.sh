#!/usr/bin/env bash
# Fetch starlark-go's sources (with their testdata/*.star conformance files) from
# Debian's golang-starlark-dev package and unpack them into bench/.cache/starlark-go/.
# The files are never committed (bench/.cache/ is git-ignored).
#
# Usage: scripts/fetch-starlark-go.sh [--go]
#   prints the path of the unpacked tree (the directory holding starlark/, syntax/, ...)
#   --go   also make sure a Go toolchain and the Go packages starlark-go imports are installed
#          (needed by bench/starlark/build-peer.sh only)
# Idempotent: does nothing when the tree is already there.
# Exit status: 0 on success; 2 when apt/dpkg are unavailable or the package can't be had.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/bench/.cache"
DEST="$CACHE/starlark-go"
DEBDIR="$CACHE/debs"
PKG="golang-starlark-dev"
SRC_REL="usr/share/gocode/src/go.starlark.net"
WANT_GO=0
[[ "${1:-}" == "--go" ]] && WANT_GO=1

die() { echo "fetch-starlark-go: $*" >&2; exit 2; }

SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi

apt_updated=0
apt_update_once() {
  if [[ $apt_updated == 0 ]]; then
    apt_updated=1
    $SUDO apt-get update -qq >/dev/null 2>&1 || echo "fetch-starlark-go: apt-get update failed (continuing)" >&2
  fi
}

if [[ ! -f "$DEST/$SRC_REL/starlark/eval.go" ]]; then
  command -v dpkg >/dev/null 2>&1 || die "dpkg is not available; cannot unpack $PKG"
  mkdir -p "$DEBDIR"
  deb="$(ls "$DEBDIR"/${PKG}_*.deb 2>/dev/null | head -n1 || true)"
  if [[ -z "$deb" ]]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get is not available; cannot fetch $PKG"
    # apt-get download writes into the current directory.
    if ! (cd "$DEBDIR" && apt-get download -qq "$PKG" >/dev/null 2>&1); then
      apt_update_once
      (cd "$DEBDIR" && apt-get download -qq "$PKG" >/dev/null 2>&1) \
        || die "apt-get download $PKG failed (no network or package unknown to apt)"
    fi
    deb="$(ls "$DEBDIR"/${PKG}_*.deb 2>/dev/null | head -n1 || true)"
    [[ -n "$deb" ]] || die "apt-get download $PKG produced no .deb"
  fi
  rm -rf "$DEST.tmp"
  mkdir -p "$DEST.tmp"
  dpkg -x "$deb" "$DEST.tmp" || die "dpkg -x $deb failed"
  [[ -f "$DEST.tmp/$SRC_REL/starlark/eval.go" ]] || die "unexpected layout in $deb (no $SRC_REL/starlark/eval.go)"
  rm -rf "$DEST"
  mv "$DEST.tmp" "$DEST"
fi

if [[ $WANT_GO == 1 ]]; then
  # Go packages starlark-go imports (see the .deb's Depends); readline is only for its REPL.
  need=()
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  [[ -d /usr/share/gocode/src/golang.org/x/sys/unix ]] || need+=(golang-golang-x-sys-dev)
  if (( ${#need[@]} )); then
    command -v apt-get >/dev/null 2>&1 || die "apt-get is not available; cannot install ${need[*]}"
    apt_update_once
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
      || die "apt-get install ${need[*]} failed"
  fi
  command -v go >/dev/null 2>&1 || die "go still not on PATH after installing golang-go"
fi

echo "$DEST/$SRC_REL"
