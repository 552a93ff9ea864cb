#!/usr/bin/env bash
# Yosys 0.23 synthesis of birrd: AW = 8 16, DW = 32, WIRING = 0 1.
#   usage: yosys_synth.sh <repo-root> <scratch-dir>
# Sources are read in the order of rtl/feather.f. Each configuration runs
#   read_verilog -sv ...; chparam ...; synth -top birrd -flatten; check -assert; stat
# and fails on: a Yosys error (including check -assert, e.g. multiple
# drivers), any latch ($dlatch/$_DLATCH_* cells or "Latch inferred"),
# "Resizing cell port", any other Yosys warning, or a flip-flop count that
# differs from the registers the design must have:
#   T*AW*DW (data) + T*AW (valid) + T*AW (mask) + AW*T*(T-1)/2 (commands).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/yosys_synth"
WORK=$(cd "$2/yosys_synth" && pwd)
rm -f "$WORK"/*.log "$WORK"/*.stat

command -v yosys >/dev/null || { echo "FAIL: yosys not found" >&2; exit 1; }

SRCS=""
while read -r f; do
  [[ -z "$f" || "$f" == \#* ]] && continue
  SRCS+=" $ROOT/$f"
done < "$ROOT/rtl/feather.f"

run_one() {
  local aw=$1 dw=$2 w=$3
  local name="birrd_AW${aw}_DW${dw}_W${w}"
  local log="$WORK/$name.log"
  local l t exp_ff ff problems=""
  l=0; while (( (1 << l) < aw )); do l=$((l + 1)); done
  if (( w == 0 )); then
    if (( aw == 4 )); then t=3; else t=$((2 * l)); fi
  else
    t=$((2 * l - 1))
  fi
  exp_ff=$(( t*aw*dw + 2*t*aw + aw*t*(t-1)/2 ))

  if ! yosys -p "read_verilog -sv $SRCS; chparam -set AW $aw -set DW $dw -set WIRING $w birrd; synth -top birrd -flatten; check -assert; stat" \
       > "$log" 2>&1; then
    problems+=" yosys-error"
  fi
  # shellcheck disable=SC2016  # literal $ in a regex
  grep -Eq '\$_?(a?dlatch|DLATCH)' "$log" && problems+=" latch-cells"
  grep -q 'Latch inferred' "$log" && problems+=" latch-inferred"
  grep -q 'Resizing cell port' "$log" && problems+=" resizing-cell-port"
  grep -q 'multiple conflicting drivers' "$log" && problems+=" multiple-drivers"
  grep -q '^Warning' "$log" && problems+=" warnings"
  # Statistics of the final 'stat' (synth prints an earlier copy).
  tac "$log" | sed '/Printing statistics/q' | tac > "$WORK/$name.stat"
  ff=$(awk '$1 ~ /^\$_(S?DFF|DFFE|ADFF)/ {n += $2} END {print n + 0}' "$WORK/$name.stat")
  (( ff == exp_ff )) || problems+=" ff-count($ff!=$exp_ff)"

  local cells
  cells=$(awk '/Number of cells:/ {print $4}' "$WORK/$name.stat")
  if [[ -z "$problems" ]]; then
    echo "  ok   $name: $cells cells, $ff flip-flops (T=$t)"
    awk '$1 ~ /^\$/ {printf "         %-12s %s\n", $1, $2}' "$WORK/$name.stat"
  else
    echo "  FAIL $name:$problems (log: $log)"
    grep -E 'ERROR|Warning|Latch inferred|Resizing|conflicting' "$log" | sort | uniq -c | sed -n '1,30p'
    return 1
  fi
}
export -f run_one
export WORK SRCS

NPROC=$(nproc 2>/dev/null || echo 2)
status=0
printf '%s\n' "16 32 0" "16 32 1" "8 32 0" "8 32 1" | \
  xargs -P "$NPROC" -L 1 bash -c 'run_one "$@"' _ || status=$?

if [[ $status -ne 0 ]]; then
  echo "FAIL: yosys synthesis of birrd (see above)" >&2
  exit 1
fi
echo "PASS: yosys synth -flatten of birrd (AW 8/16, DW 32, WIRING 0/1): no latches, no resized ports, no warnings, check -assert clean"
