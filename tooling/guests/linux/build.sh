#!/bin/sh
# Assembles the Linux guest from Debian's i386 packages (no installation): see README.md beside this file.
# Outputs go to tooling/guests/linux/.cache/out/ (vmlinuz, vmlinux, initramfs.cpio, disk.ext2, manifest.json).
# Exit status 2: the packages cannot be fetched here (no apt or no network) — the message says how to supply them.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cli="$here/../dist/linux-guest-cli.js"
if [ ! -f "$cli" ]; then
  echo "build.sh: $cli is missing: run 'pnpm --filter @virtkit/guests build' first" >&2
  exit 1
fi
exec node "$cli" "$@"
