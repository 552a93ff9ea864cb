#!/usr/bin/env bash
# Yosys 0.23 synthesis of birrd (AW = 8 16, DW = 32, WIRING = 0 1), nest 4x4,
# nest_birrd 4x4 (OW = 8, ACCW = 32, DEPTH = AH, WIRING = 1) and feather_top
# 4x4 (buffer depths 16; hygiene checks only, no flip-flop formula).
#   usage: yosys_synth.sh <repo-root> <scratch-dir>
# Sources are read in the order of rtl/feather.f. Each configuration runs
#   read_verilog -sv ...; chparam ...; synth -top <top> -flatten; check -assert; stat
# and fails on: a Yosys error (including check -assert, e.g. multiple
# drivers), any latch ($dlatch/$_DLATCH_* cells or "Latch inferred"),
# "Resizing cell port", any other Yosys warning, or a flip-flop count that
# differs from the registers the design must have:
#   birrd: T*AW*DW (data) + T*AW (valid) + T*AW (mask) + AW*T*(T-1)/2 (commands)
#   nest:  see nest_ff() below (every register of the spec, minus the bottom
#          row's forward registers, which feed nothing, minus the flops Yosys
#          merges because they hold the same value: in every PE v1_q/l1_q
#          equal the forward f_valid_q/f_last_q, and v2_q/l2_q of row r equal
#          f_valid_q/f_last_q of row r+1, so each column keeps AH+2 instead of
#          3*AH flops of each of the valid and last chains)
#   nest_birrd: nest + birrd with DW = ACCW.
# nest 4x4 is also mapped with `synth_xilinx -family xcup -flatten`; that run
# must give exactly one DSP48E2 per PE (the 9x9 signed multiplier) and
# no latches (Yosys' ABC note "The network is combinational" is not a
# problem and is ignored there). Yosys 0.23 leaves one INV per FDCE there,
# all on rst_ni (FDCE's CLR is active high); a vendor flow folds them into
# the flops' IS_CLR_INVERTED.
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

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
SRCS=$(rtl_sources "$ROOT" | tr '\n' ' ')

# Flip-flops of birrd: T*AW*DW + 2*T*AW + AW*T*(T-1)/2.
birrd_ff() {
  local aw=$1 dw=$2 t=$3
  echo $(( t*aw*dw + 2*t*aw + aw*t*(t-1)/2 ))
}

# Stages of birrd for AW and WIRING (birrd's STAGES default), from feather_pkg.
birrd_stages() {
  pkg_eval "$ROOT" "feather_pkg::birrd_stages($1, $2)"
}

# ceil(log2(n)) for n >= 2, else 1 (nest's RW and IW).
clog2w() {
  local n=$1 l=0
  if (( n <= 1 )); then echo 1; return; fi
  while (( (1 << l) < n )); do l=$((l + 1)); done
  echo $l
}

# Flip-flops of nest after synthesis (see the header).
nest_ff() {
  local ah=$1 aw=$2 ow=$3 accw=$4 depth=$5
  local rw iw pw col pe fwd
  rw=$(clog2w "$ah"); iw=$(clog2w "$depth"); pw=$((2 * (ow + 1)))
  # column: entry (cnt, act, valid, bank, idx, last), load entry, output bus
  col=$(( (iw + ow + 1 + 1 + iw + 1) + (1 + rw + 1 + iw + ow) + (accw + 2) ))
  # PE: banks, stage 1, stage 2, stage 3 (forward registers counted apart)
  pe=$(( 2*depth*ow + (2*(ow + 1) + 2) + (pw + 2) + (2*accw + 1) ))
  fwd=$(( ow + 1 + 1 + iw + 1 ))
  echo $(( 2*ow + aw*col + aw*ah*pe + aw*(ah - 1)*fwd - 2*aw*(2*ah - 2) ))
}

# check_log <log> <stat-file> <kind>: common checks; prints the problems found.
check_log() {
  local log=$1 stat=$2 kind=$3 problems=""
  # Statistics of the final 'stat' (synth prints an earlier copy).
  tac "$log" | sed '/Printing statistics/q' | tac > "$stat"
  if [[ $kind == xcup ]]; then
    # synth_xilinx's own script names $_DLATCH_ cells: look at the result only.
    # shellcheck disable=SC2016  # literal $ in a regex
    grep -Eq '^ +(LD[CP]E?|\$_?(a?dlatch|DLATCH))' "$stat" && problems+=" latch-cells"
  else
    # shellcheck disable=SC2016  # literal $ in a regex
    grep -Eq '\$_?(a?dlatch|DLATCH)' "$log" && problems+=" latch-cells"
  fi
  grep -q 'Latch inferred' "$log" && problems+=" latch-inferred"
  grep -q 'Resizing cell port' "$log" && problems+=" resizing-cell-port"
  grep -q 'multiple conflicting drivers' "$log" && problems+=" multiple-drivers"
  grep '^Warning' "$log" | grep -vq 'The network is combinational' && problems+=" warnings"
  grep -i '^ABC: Warning' "$log" | grep -vq 'The network is combinational' && problems+=" abc-warnings"
  echo "$problems"
}

# run_one birrd <aw> <dw> <wiring> | nest <ah> <aw> | nest_birrd <ah> <aw> | xcup <ah> <aw>
run_one() {
  local kind=$1
  local name log stat script exp_ff ff problems="" t=""
  local ow=8 accw=32 dsp=0
  case $kind in
    birrd)
      local aw=$2 dw=$3 w=$4
      name="birrd_AW${aw}_DW${dw}_W${w}"
      t=$(birrd_stages "$aw" "$w")
      exp_ff=$(birrd_ff "$aw" "$dw" "$t")
      script="chparam -set AW $aw -set DW $dw -set WIRING $w birrd; synth -top birrd -flatten" ;;
    nest)
      local ah=$2 aw=$3
      name="nest_${ah}x${aw}"
      exp_ff=$(nest_ff "$ah" "$aw" $ow $accw "$ah")
      script="chparam -set AH $ah -set AW $aw -set OW $ow -set ACCW $accw nest; synth -top nest -flatten" ;;
    nest_birrd)
      local ah=$2 aw=$3
      name="nest_birrd_${ah}x${aw}"
      t=$(birrd_stages "$aw" 1)
      exp_ff=$(( $(nest_ff "$ah" "$aw" $ow $accw "$ah") + $(birrd_ff "$aw" $accw "$t") ))
      script="chparam -set AH $ah -set AW $aw -set OW $ow -set ACCW $accw nest_birrd; synth -top nest_birrd -flatten" ;;
    top)
      local ah=$2 aw=$3
      name="feather_top_${ah}x${aw}"
      exp_ff=-1  # no closed form: hygiene only
      script="chparam -set AH $ah -set AW $aw -set SD 16 -set WD 16 -set OD 16 -set QD 16 feather_top; synth -top feather_top -flatten" ;;
    xcup)
      local ah=$2 aw=$3
      name="nest_${ah}x${aw}_xcup"
      # The stationary banks map to distributed RAM (LUTRAM), not flip-flops.
      exp_ff=$(( $(nest_ff "$ah" "$aw" $ow $accw "$ah") - 2 * ah * ow * ah * aw ))
      dsp=$((ah * aw))
      script="chparam -set AH $ah -set AW $aw -set OW $ow -set ACCW $accw nest; synth_xilinx -family xcup -flatten -top nest" ;;
  esac
  log="$WORK/$name.log"
  stat="$WORK/$name.stat"

  if ! yosys -p "read_verilog -sv $SRCS; $script; check -assert; stat" > "$log" 2>&1; then
    problems+=" yosys-error"
  fi
  problems+=$(check_log "$log" "$stat" "$kind")
  if [[ $kind == xcup ]]; then
    local ndsp
    ff=$(awk '$1 ~ /^FD[CPRS]E$/ {n += $2} END {print n + 0}' "$stat")
    ndsp=$(awk '$1 == "DSP48E2" {n += $2} END {print n + 0}' "$stat")
    (( ndsp == dsp )) || problems+=" dsp48e2-count($ndsp!=$dsp)"
    local nram
    nram=$(awk '$1 ~ /^RAM(32|64|128|256)/ {n += $2} END {print n + 0}' "$stat")
    (( nram > 0 )) || problems+=" stationary-banks-not-in-lutram"
  else
    ff=$(awk '$1 ~ /^\$_(S?DFF|DFFE|ADFF)/ {n += $2} END {print n + 0}' "$stat")
  fi
  (( exp_ff < 0 || ff == exp_ff )) || problems+=" ff-count($ff!=$exp_ff)"

  local cells
  cells=$(awk '/Number of cells:/ {print $4}' "$stat")
  if [[ -z "$problems" ]]; then
    local extra=""
    [[ -n $t ]] && extra+=" (T=$t)"
    (( dsp > 0 )) && extra+=", $dsp DSP48E2"
    echo "  ok   $name: $cells cells, $ff flip-flops$extra"
    awk '$1 ~ /^\$/ || $1 ~ /^[A-Z][A-Z0-9_]+$/ {printf "         %-14s %s\n", $1, $2}' "$stat"
  else
    echo "  FAIL $name:$problems (log: $log)"
    grep -E 'ERROR|Warning|Latch inferred|Resizing|conflicting' "$log" | grep -v 'No latch inferred' \
      | sort | uniq -c | sed -n '1,30p'
    return 1
  fi
}
status=0
# Longest first, to balance the jobs.
printf '%s\n' "top 4 4" "nest_birrd 4 4" "xcup 4 4" "nest 4 4" \
               "birrd 16 32 0" "birrd 16 32 1" "birrd 8 32 0" "birrd 8 32 1" | \
  run_jobs run_one check_log birrd_ff birrd_stages pkg_eval clog2w nest_ff WORK SRCS ROOT || status=$?

if [[ $status -ne 0 ]]; then
  echo "FAIL: yosys synthesis (see above)" >&2
  exit 1
fi
echo "PASS: yosys synth -flatten of birrd (AW 8/16, DW 32, WIRING 0/1), nest 4x4, nest_birrd 4x4 (OW 8, ACCW 32) and feather_top 4x4 (depth 16): no latches, no resized ports, no warnings, check -assert clean, expected flip-flops; nest 4x4 on xcup: one DSP48E2 per PE"
