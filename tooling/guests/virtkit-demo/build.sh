#!/usr/bin/env bash
# Rebuilds demo.bin from demo.asm with nasm; --check verifies the committed binary is reproduced exactly.
set -euo pipefail
cd "$(dirname "$0")"
command -v nasm >/dev/null || { echo "nasm is not installed (Debian package nasm)" >&2; exit 1; }
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp)
  nasm -f bin -o "$tmp" demo.asm
  cmp "$tmp" demo.bin && echo "demo.bin is reproduced byte-identically"
  rm -f "$tmp"
else
  nasm -f bin -o demo.bin demo.asm
  sha256sum demo.bin
fi
