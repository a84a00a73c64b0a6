#!/bin/sh
# Rebuilds guests/bench.bin from guests/bench.asm with NASM (flat binary: the output has no
# timestamps or paths, so it is byte-identical for the same source).
# Usage: build.sh [--check]   --check compares with the committed bench.bin instead of writing it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v nasm >/dev/null 2>&1 || { echo "build.sh: nasm not found (Debian package: nasm)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/bench.bin" "$here/bench.asm"
size=$(wc -c < "$tmp/bench.bin")
[ "$size" -eq 65536 ] || { echo "build.sh: bench.bin is $size bytes, expected 65536" >&2; exit 1; }
if [ "${1:-}" = "--check" ]; then
  cmp -s "$tmp/bench.bin" "$here/bench.bin" || { echo "differs: bench.bin (run guests/build.sh)"; exit 1; }
else
  cp "$tmp/bench.bin" "$here/bench.bin"
fi
