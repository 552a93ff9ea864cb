#!/usr/bin/env bash
# RTL vs Yosys netlist simulation of birrd (AW=8, DW=16, WIRING 0 and 1;
# AW=16, DW=16, WIRING 1 with NCYC16 cycles) and nest (AH=AW=4, OW=8, ACCW=32,
# DEPTH=4).
#   usage: netlist_equiv.sh <repo-root> <scratch-dir>
# For each configuration Yosys writes the flattened gate-level netlist
#   chparam ...; synth -top <top> -flatten; rename -top <top>_gl; write_verilog -noattr
# and Icarus runs verif/rtl/<top>_equiv_tb.sv, which drives the RTL and the
# netlist with the same LFSR stimulus (reset pulse at the start, another one
# mid-run) and compares every cycle's outputs, printing the first mismatching
# cycle and lane/column. For nest the stimulus has stationary loads, streams
# with valid gaps, bank switches, varying red_len_m1 and pe_mask, and column
# collisions; the number of collision reports of the RTL's assertion in the
# simulation log must equal the number of col_err_o bits the testbench saw.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/netlist_equiv"
WORK=$(cd "$2/netlist_equiv" && pwd)
rm -f "$WORK"/*.log "$WORK"/*.v "$WORK"/*.vvp

for t in yosys iverilog vvp; do
  command -v $t >/dev/null || { echo "FAIL: $t not found" >&2; exit 1; }
done

NCYC=4000
NCYC16=1500  # birrd AW=16: twice the lanes, ~2x slower per cycle in Icarus

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
SRCS_TXT=$(rtl_sources "$ROOT")
mapfile -t SRCS <<< "$SRCS_TXT"

# run_one birrd <aw> <dw> <wiring> [<cycles>] | nest <ah> <aw> <ow> <accw>
run_one() {
  local kind=$1 name top chp tbp=() ncyc=$NCYC
  case $kind in
    birrd)
      local aw=$2 dw=$3 w=$4
      ncyc=${5:-$NCYC}
      name="birrd_AW${aw}_DW${dw}_W${w}"
      top=birrd
      chp="-set AW $aw -set DW $dw -set WIRING $w"
      tbp=(-Pbirrd_equiv_tb.AW="$aw" -Pbirrd_equiv_tb.DW="$dw" -Pbirrd_equiv_tb.WIRING="$w") ;;
    nest)
      local ah=$2 aw=$3 ow=$4 accw=$5
      name="nest_${ah}x${aw}_OW${ow}_ACCW${accw}"
      top=nest
      chp="-set AH $ah -set AW $aw -set OW $ow -set ACCW $accw"
      tbp=(-Pnest_equiv_tb.AH="$ah" -Pnest_equiv_tb.AW="$aw" -Pnest_equiv_tb.OW="$ow"
           -Pnest_equiv_tb.ACCW="$accw") ;;
  esac
  local tb="$ROOT/verif/rtl/${top}_equiv_tb.sv"
  local net="$WORK/${name}_netlist.v"
  local ylog="$WORK/${name}_yosys.log" clog="$WORK/${name}_iverilog.log" slog="$WORK/${name}_sim.log"

  if ! yosys -p "read_verilog -sv ${SRCS[*]}; chparam $chp $top; synth -top $top -flatten; rename -top ${top}_gl; write_verilog -noattr $net" \
       > "$ylog" 2>&1; then
    echo "  FAIL $name: yosys failed (log: $ylog)"
    grep -m5 ERROR "$ylog" || true
    return 1
  fi

  # Yosys' simulation models, only if the netlist instantiates internal cells
  # (write_verilog normally emits them as expressions and always blocks).
  local cells=() datdir
  if grep -q '^ *\\\$' "$net"; then
    # yosys-config comes with the yosys-dev package; fall back to <prefix>/share/yosys.
    datdir=$(yosys-config --datdir 2>/dev/null || echo "$(dirname "$(command -v yosys)")/../share/yosys")
    cells=("$datdir/simcells.v" "$datdir/simlib.v")
  fi

  if ! iverilog -g2012 -s "${top}_equiv_tb" -o "$WORK/$name.vvp" \
         "${tbp[@]}" -P"${top}_equiv_tb.NCYC=$ncyc" \
         "${SRCS[@]}" "$tb" "$net" "${cells[@]}" > "$clog" 2>&1 \
     || grep -v 'sorry: Case unique/unique0 qualities are ignored\.' "$clog" | grep -q .; then
    echo "  FAIL $name: iverilog failed or warned (log: $clog)"
    sort "$clog" | uniq -c | sed -n '1,20p'
    return 1
  fi

  vvp -n "$WORK/$name.vvp" > "$slog" 2>&1 || true
  if ! grep -q '^PASS' "$slog" || grep -q 'MISMATCH\|UNKNOWN\|^FAIL' "$slog"; then
    echo "  FAIL $name: RTL and netlist simulations differ (log: $slog)"
    grep -v 'nest: column\|^ *Time:' "$slog" | sed -n '1,20p'
    return 1
  fi
  if [[ $kind == nest ]]; then
    # Every collision on col_err_o must have been reported by the assertion.
    local seen reported
    seen=$(sed -n 's/^PASS.*collisions \([0-9]*\).*/\1/p' "$slog")
    reported=$(grep -c 'nest: column [0-9]*: [0-9]* rows emitted in the same cycle' "$slog" || true)
    if [[ "$seen" != "$reported" ]]; then
      echo "  FAIL $name: $seen collisions on col_err_o but $reported assertion reports (log: $slog)"
      return 1
    fi
  fi
  echo "  ok   $(grep '^PASS' "$slog" | sed 's/^PASS: //')"
}
# The jobs get the sources as one string (arrays do not cross the process boundary).
SRCS_LIST="${SRCS[*]}"
equiv_job() {
  local SRCS
  read -r -a SRCS <<< "$SRCS_LIST"
  run_one "$@"
}
status=0
printf '%s\n' "birrd 16 16 1 $NCYC16" "nest 4 4 8 32" "birrd 8 16 0" "birrd 8 16 1" | \
  run_jobs equiv_job run_one WORK NCYC ROOT SRCS_LIST || status=$?

if [[ $status -ne 0 ]]; then
  echo "FAIL: netlist/RTL equivalence simulation (see above)" >&2
  exit 1
fi
echo "PASS: Yosys netlists match the RTL cycle by cycle (birrd AW=8 DW=16 WIRING 0 and 1, $NCYC cycles each; birrd AW=16 DW=16 WIRING 1, $NCYC16 cycles; nest 4x4 OW=8 ACCW=32, $NCYC cycles)"
