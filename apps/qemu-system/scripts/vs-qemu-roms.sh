#!/bin/sh
# Runs every CPU oracle ROM (packages/cpu/guests) on virtkit's qemu-system-i386 and on the real
# qemu-system-i386 (TCG) with the oracle's options and reports which give the same debug console
# output and exit status. Needs the app built (pnpm --filter qemu-system build) and QEMU installed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
G="$here/../../packages/cpu/guests"
CLI="$here/dist/cli.js"
command -v qemu-system-i386 >/dev/null 2>&1 || { echo "vs-qemu-roms: qemu-system-i386 not found (Debian package qemu-system-x86)" >&2; exit 2; }
[ -f "$CLI" ] || { echo "vs-qemu-roms: build the app first (pnpm --filter qemu-system build)" >&2; exit 2; }
OPTS="-nodefaults -machine isapc -cpu pentium3 -m 32 -display none -monitor none -serial none -parallel none -no-reboot -debugcon stdio -device isa-debug-exit,iobase=0x501,iosize=2"
same=""; differ=""
for asm in "$G"/*.asm; do
  n=$(basename "$asm" .asm)
  ours=$(timeout 120 node "$CLI" $OPTS -bios "$G/$n.bin" 2>/dev/null); rc=$?
  theirs=$(timeout 120 qemu-system-i386 -accel tcg $OPTS -bios "$G/$n.bin" 2>/dev/null); qrc=$?
  if [ "$ours" = "$theirs" ] && [ $rc -eq $qrc ]; then same="$same $n"; else differ="$differ $n($rc/$qrc)"; fi
done
echo "same:$same"
echo "differ:$differ"
[ -z "$differ" ]
