#!/bin/sh
# Long differential run of virtkit's CPU model against the host CPU (the in-suite slice compares
# 20 000 instructions): random user-level instruction sequences, compared on everything the SDM
# defines, failures minimised to one instruction and written to a JSON report.
#
# usage: oracle/fuzz-long.sh [instructions] [seed] [report.json]
#   instructions  how many instructions to compare (default 1000000)
#   seed          PRNG seed (default: the current time, printed)
#   report.json   where mismatches are written (default: fuzz-mismatches.json in the current directory)
set -e
here="$(cd "$(dirname "$0")" && pwd)"
instructions="${1:-1000000}"
seed="${2:-$(date +%s)}"
out="${3:-fuzz-mismatches.json}"
echo "virtkit differential fuzz: $instructions instructions, seed $seed"
exec node "$here/fuzz.mjs" --runner virtkit --seed "$seed" --instructions "$instructions" --out "$out"
