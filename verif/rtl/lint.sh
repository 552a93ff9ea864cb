#!/usr/bin/env bash
# Verilator -Wall lint of the RTL (every rtl/*.sv, with rtl/feather.vlt).
#   usage: lint.sh <repo-root> <scratch-dir>
# birrd is the top for AW = 4 8 16 64 x WIRING = 0 1 x DW = 8 16 32 and for
# AW = 256 x WIRING = 0 1 with DW = 32 (verif/rtl/configs.sh); egg
# is also linted standalone (DW = 8 16 32); nest for AHxAW = 4x4 8x8 16x16
# 4x16 16x4 8x32 2x4 1x4 (DEPTH = AH) and 4x4 with DEPTH = 8; nest_birrd for
# 4x4 8x8 16x16; any other module found in rtl/*.sv standalone with its
# default parameters. All runs use --assert (the simulation assertions are
# linted too). Any warning or error fails.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/lint"
WORK=$(cd "$2/lint" && pwd)
rm -f "$WORK"/*.log

command -v verilator >/dev/null || { echo "FAIL: verilator not found" >&2; exit 1; }

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"

# Command file shared by all runs: waivers first, then every RTL source (rtl/feather.f order).
SRCF="$WORK/sources.f"
{
  echo "$ROOT/rtl/feather.vlt"
  rtl_sources "$ROOT"
} > "$SRCF"

# One job per line: <name> <top> [-G...] (verif/rtl/configs.sh, largest first).
JOBS="$WORK/jobs.txt"
# shellcheck source=verif/rtl/configs.sh
source "$ROOT/verif/rtl/configs.sh"
rtl_jobs "$ROOT" verilator > "$JOBS"

run_one() {
  local name=$1 top=$2
  shift 2
  local log="$WORK/$name.log"
  if verilator --lint-only -Wall --assert --top-module "$top" "$@" -f "$SRCF" > "$log" 2>&1 \
     && ! grep -q '%Warning\|%Error' "$log"; then
    echo "  ok   $name"
  else
    echo "  FAIL $name (log: $log)"
    grep -v '^ *\.\.\. ' "$log" | sed -n '1,40p'
    return 1
  fi
}
status=0
run_jobs run_one WORK SRCF < "$JOBS" || status=$?

n=$(wc -l < "$JOBS")
if [[ $status -ne 0 ]]; then
  echo "FAIL: verilator lint reported warnings or errors (see above)" >&2
  exit 1
fi
echo "PASS: verilator --lint-only -Wall --assert clean for $n configurations"
