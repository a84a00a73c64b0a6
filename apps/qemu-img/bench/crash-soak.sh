#!/usr/bin/env bash
# Long crash-safety run: many SIGKILLs of a child writing through our qcow2 driver,
# each followed by real `qemu-img check` (must never report corruption) and a
# read-back of everything flushed before the kill. The in-suite run does 7 kills
# per cluster size; this does KILLS (default 300) per cluster size.
# usage: apps/qemu-img/bench/crash-soak.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/../../../packages/qemu"
CRASH_KILLS="${1:-300}" npx vitest run src/block/qcow2-crash.test.ts --testTimeout=0
