#!/bin/sh
# The whole scripted session on the Linux guest (see README.md beside this file):
#   boot-test.sh [--emulator virtkit|qemu] [--path bzImage|vmlinux] [--marker-only] [--append PARAMS] [--only-blk]
# Builds what is missing first (the guest from Debian's packages, our qemu-system). Exit 0 passed, 1 failed,
# 2 skipped (no apt/network for the packages, or no qemu-system-i386 for --emulator qemu).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if [ ! -f "$here/../dist/linux-boot-cli.js" ] || [ ! -f "$root/apps/qemu-system/dist/cli.js" ]; then
  (cd "$root" && pnpm exec turbo run build --filter=qemu-system... --filter=@virtkit/guests >&2)
fi
exec node "$here/../dist/linux-boot-cli.js" "$@"
