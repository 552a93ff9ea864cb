#!/usr/bin/env bash
# Verilator options for NEST, measured in isolation: verilate + compile time and simulated
# cycles/s of a stand-alone driver (nest_driver.cpp), per array size and option set.
#   usage: bench/standalone/nest_options.sh [SIZES] [CYCLES]     e.g. "4x4 8x8 16x16 32x32" 100000
# Prints a markdown table. Option sets: the project's default (-O3 --x-assign fast
# --x-initial fast), Verilator's defaults, and the default plus --threads 2.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=${1:-"4x4 8x8 16x16 32x32"}
CYCLES=${2:-100000}
# Real compile times: no compiler cache.
export OBJCACHE=
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOGS=${LOGS:-/tmp/nest_options_logs}
mkdir -p "$LOGS"
declare -A OPTS=(
  [project]="-O3 --x-assign fast --x-initial fast"
  [verilator-defaults]=""
  [project+threads2]="-O3 --x-assign fast --x-initial fast --threads 2"
)
echo "| AH x AW | options | verilate + compile (s) | cycles/s |"
echo "|---|---|---|---|"
for size in $SIZES; do
  ah=${size%x*}
  aw=${size#*x}
  for name in project verilator-defaults project+threads2; do
    dir="$WORK/${size}_${name}"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # option lists are meant to split
    verilator --cc --exe --build -j 2 ${OPTS[$name]} --Mdir "$dir" --prefix Vnest \
      --top-module nest -GAH="$ah" -GAW="$aw" -CFLAGS -O2 \
      "$ROOT/rtl/nest_pe.sv" "$ROOT/rtl/nest.sv" "$ROOT/bench/standalone/nest_driver.cpp" \
      -o nest_bench > "$LOGS/${size}_${name}.log" 2>&1 ||
      { echo "| $size | $name | build failed (see $LOGS/${size}_${name}.log) | - |"; continue; }
    end=$(date +%s.%N)
    rate=$("$dir/nest_bench" "$CYCLES" | awk '{print $(NF-1)}')
    printf '| %s | %s | %.1f | %s |\n' "$size" "$name" "$(echo "$end - $start" | bc)" "$rate"
  done
done
