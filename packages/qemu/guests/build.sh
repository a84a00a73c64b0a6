#!/bin/sh
# Rebuilds the device-layer test guests (guests/*.asm -> guests/*.bin) with NASM. The output is
# byte-identical for the same sources: NASM's flat binary format has no timestamps or paths.
# Usage: build.sh [--check] [name...]   --check compares with the committed .bin instead of writing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
command -v nasm >/dev/null 2>&1 || { echo "build.sh: nasm not found (Debian package: nasm)" >&2; exit 2; }
if [ "$#" -eq 0 ]; then
  set -- $(cd "$here" && ls *.asm | sed 's/\.asm$//')
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for name in "$@"; do
  src="$here/$name.asm"
  [ -f "$src" ] || { echo "build.sh: no such guest source: $src" >&2; exit 2; }
  nasm -f bin -I "$here/" -o "$tmp/$name.bin" "$src"
  if [ "$check" -eq 1 ]; then
    if ! cmp -s "$tmp/$name.bin" "$here/$name.bin"; then echo "differs: $name.bin"; status=1; fi
  else
    cp "$tmp/$name.bin" "$here/$name.bin"
  fi
done
exit $status
