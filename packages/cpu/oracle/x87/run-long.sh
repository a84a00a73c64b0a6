#!/bin/sh
# Long differential run of the x87 model against the host's FPU (the in-suite run uses scale 1,
# about 11 700 cases). Prints per-family exact-match rates and the first differences.
#
# usage: oracle/x87/run-long.sh [scale] [seed] [families]
#   scale     multiplies every family's case count (default 100: about 1.2 million cases)
#   seed      PRNG seed (default: the current time, printed)
#   families  comma-separated family names, e.g. fsin,fprem (default: all)
set -e
cd "$(dirname "$0")/../.."
scale="${1:-100}"
seed="${2:-$(date +%s)}"
echo "x87 long run: scale $scale, seed $seed"
if [ -n "$3" ]; then export X87_ORACLE_ONLY="$3"; fi
export X87_ORACLE_SCALE="$scale" X87_ORACLE_SEED="$seed"
exec pnpm exec vitest run src/fpu/x87-native-differential.test.ts --testTimeout=0
