#!/usr/bin/env bash
# Icarus Verilog (iverilog -g2012) elaboration of the RTL.
#   usage: iverilog.sh <repo-root> <scratch-dir>
# Same configurations as lint.sh: birrd for AW = 4 8 16 64 x WIRING = 0 1
# x DW = 8 16 32 and AW = 256 x WIRING = 0 1 with DW = 32, egg for DW = 8 16 32, nest for AHxAW = 4x4 8x8 16x16 4x16
# 16x4 8x32 2x4 1x4 (DEPTH = AH) and 4x4 with DEPTH = 8, nest_birrd for 4x4
# 8x8 16x16, other rtl/*.sv modules with defaults.
# Fails on a non-zero exit or on any diagnostic except Icarus' known
# "sorry: Case unique/unique0 qualities are ignored." (it ignores `unique`).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/iverilog"
WORK=$(cd "$2/iverilog" && pwd)
rm -f "$WORK"/*.log "$WORK"/*.vvp

command -v iverilog >/dev/null || { echo "FAIL: iverilog not found" >&2; exit 1; }

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"

SRCF="$WORK/sources.f"
rtl_sources "$ROOT" > "$SRCF"

JOBS="$WORK/jobs.txt"
# shellcheck source=verif/rtl/configs.sh
source "$ROOT/verif/rtl/configs.sh"
rtl_jobs "$ROOT" iverilog > "$JOBS"

run_one() {
  local name=$1 top=$2
  shift 2
  local log="$WORK/$name.log"
  local rc=0
  iverilog -g2012 -s "$top" "$@" -o "$WORK/$name.vvp" -c "$SRCF" > "$log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]] && ! grep -v 'sorry: Case unique/unique0 qualities are ignored\.' "$log" | grep -q .; then
    echo "  ok   $name"
    rm -f "$WORK/$name.vvp"
  else
    echo "  FAIL $name (exit $rc, log: $log)"
    sort "$log" | uniq -c | sed -n '1,40p'
    return 1
  fi
}
status=0
run_jobs run_one WORK SRCF < "$JOBS" || status=$?

n=$(wc -l < "$JOBS")
if [[ $status -ne 0 ]]; then
  echo "FAIL: iverilog -g2012 elaboration failed or warned (see above)" >&2
  exit 1
fi
echo "PASS: iverilog -g2012 elaborates $n configurations"
