#!/usr/bin/env bash
# RTL vs Yosys netlist simulation of birrd (AW=8, DW=16, WIRING 0 and 1).
#   usage: netlist_equiv.sh <repo-root> <scratch-dir>
# For each wiring: Yosys writes the flattened gate-level netlist
#   chparam ...; synth -top birrd -flatten; rename -top birrd_gl; write_verilog -noattr
# and Icarus runs verif/rtl/birrd_equiv_tb.sv, which drives the RTL and the
# netlist with the same LFSR stimulus (reset pulse at the start, another one
# mid-run) and compares every cycle's outputs, printing the first mismatching
# cycle and lane.
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

AW=8
DW=16
NCYC=4000
TB="$ROOT/verif/rtl/birrd_equiv_tb.sv"

SRCS=()
while read -r f; do
  [[ -z "$f" || "$f" == \#* ]] && continue
  SRCS+=("$ROOT/$f")
done < "$ROOT/rtl/feather.f"

run_one() {
  local w=$1
  local name="birrd_AW${AW}_DW${DW}_W${w}"
  local net="$WORK/${name}_netlist.v"
  local ylog="$WORK/${name}_yosys.log" clog="$WORK/${name}_iverilog.log" slog="$WORK/${name}_sim.log"

  if ! yosys -p "read_verilog -sv ${SRCS[*]}; chparam -set AW $AW -set DW $DW -set WIRING $w birrd; synth -top birrd -flatten; rename -top birrd_gl; write_verilog -noattr $net" \
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

  if ! iverilog -g2012 -s birrd_equiv_tb -o "$WORK/$name.vvp" \
         -Pbirrd_equiv_tb.AW=$AW -Pbirrd_equiv_tb.DW=$DW -Pbirrd_equiv_tb.WIRING="$w" \
         -Pbirrd_equiv_tb.NCYC=$NCYC \
         "$TB" "${SRCS[@]}" "$net" "${cells[@]}" > "$clog" 2>&1 \
     || grep -v 'sorry: Case unique/unique0 qualities are ignored\.' "$clog" | grep -q .; then
    echo "  FAIL $name: iverilog failed or warned (log: $clog)"
    sort "$clog" | uniq -c | sed -n '1,20p'
    return 1
  fi

  vvp -n "$WORK/$name.vvp" > "$slog" 2>&1 || true
  if grep -q '^PASS' "$slog" && ! grep -q 'MISMATCH\|UNKNOWN\|^FAIL' "$slog"; then
    echo "  ok   $(grep '^PASS' "$slog" | sed 's/^PASS: //')"
  else
    echo "  FAIL $name: RTL and netlist simulations differ (log: $slog)"
    sed -n '1,20p' "$slog"
    return 1
  fi
}
export -f run_one
export WORK AW DW NCYC TB
export SRCS_LIST="${SRCS[*]}"

NPROC=$(nproc 2>/dev/null || echo 2)
status=0
# shellcheck disable=SC2016  # $SRCS_LIST is expanded by the inner bash
printf '%s\n' 0 1 | \
  xargs -P "$NPROC" -L 1 bash -c 'read -r -a SRCS <<< "$SRCS_LIST"; run_one "$@"' _ || status=$?

if [[ $status -ne 0 ]]; then
  echo "FAIL: birrd netlist/RTL equivalence simulation (see above)" >&2
  exit 1
fi
echo "PASS: Yosys netlist of birrd matches the RTL cycle by cycle (AW=$AW, DW=$DW, WIRING 0 and 1, $NCYC cycles each)"
