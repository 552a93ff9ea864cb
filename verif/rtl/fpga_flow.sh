#!/usr/bin/env bash
# Smoke test of the FPGA flow (fpga/, docs/fpga.md) on small configurations:
#   - verilator -Wall lint of the pin-limited wrapper fpga/birrd_serial_wrap.sv (DW 8 and 32);
#   - fpga/synth.sh birrd-8 xcup (DW=8): netlist.json, netlist.edif, netlist.v, report.txt and
#     report.json written; FF count = the birrd formula, no DSP/RAM, a numeric logic depth;
#   - fpga/synth.sh top-2x4 xcup (SD=WD=OD=32, QD=4, MAW=8): at least one DSP48E2 per PE, the
#     buffers in block or distributed RAM, no latch cells, and no MUXF7/MUXF8 (the flow maps
#     to LUT6 at most, -nowidelut: synth_xilinx's default builds about 1,500 of them here);
#   - fpga/pnr_ice40.sh (birrd AW=8 DW=8) when nextpnr-ice40 and icepack are installed: it
#     places, routes and reports a numeric Fmax.
#   usage: fpga_flow.sh <repo-root> <scratch-dir>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/fpga_flow"
WORK=$(cd "$2/fpga_flow" && pwd)
fail=0
bad() { echo "  FAIL $*"; fail=1; }
jget() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1" | head -1 | tr -d '" '; }

for dw in 8 32; do
  if verilator --lint-only -Wall --top-module birrd_serial_wrap -GDW=$dw "$ROOT/rtl/feather.vlt" \
       "$ROOT/rtl/feather_pkg.sv" "$ROOT/rtl/egg.sv" "$ROOT/rtl/birrd.sv" "$ROOT/fpga/birrd_serial_wrap.sv" \
       >"$WORK/lint_DW$dw.log" 2>&1 && ! grep -q '%Warning\|%Error' "$WORK/lint_DW$dw.log"; then
    echo "  ok   lint birrd_serial_wrap DW=$dw"
  else
    bad "lint birrd_serial_wrap DW=$dw (log: $WORK/lint_DW$dw.log)"
  fi
done

d=$WORK/birrd-8-xcup
if DW=8 bash "$ROOT/fpga/synth.sh" birrd-8 xcup "$d" >"$WORK/birrd.out" 2>&1; then
  for f in netlist.json netlist.edif netlist.v report.txt report.json; do
    [[ -s $d/$f ]] || bad "birrd-8 xcup: $f missing"
  done
  r=$d/report.json
  # T = 5 (Benes, AW=8): T*AW*DW + 2*T*AW + AW*T*(T-1)/2 = 320 + 80 + 80
  [[ $(jget "$r" ff) == 480 ]] || bad "birrd-8 xcup: $(jget "$r" ff) FFs, expected 480"
  [[ $(jget "$r" dsp) == 0 && $(jget "$r" lutram) == 0 ]] || bad "birrd-8 xcup: DSP or RAM cells"
  [[ $(jget "$r" logic_depth) =~ ^[0-9]+$ ]] || bad "birrd-8 xcup: no logic depth"
  grep -q '^(edif ' "$d/netlist.edif" || bad "birrd-8 xcup: netlist.edif is not EDIF"
  [[ $fail == 0 ]] && echo "  ok   birrd-8 xcup: $(jget "$r" lut) LUT, $(jget "$r" ff) FF, depth $(jget "$r" logic_depth), $(jget "$r" seconds) s"
else
  bad "fpga/synth.sh birrd-8 xcup failed (log: $WORK/birrd.out)"; tail -5 "$WORK/birrd.out"
fi

d=$WORK/top-2x4-xcup
if SD=32 WD=32 OD=32 QD=4 MAW=8 bash "$ROOT/fpga/synth.sh" top-2x4 xcup "$d" >"$WORK/top.out" 2>&1; then
  r=$d/report.json
  (( $(jget "$r" dsp) >= 8 )) || bad "top-2x4 xcup: $(jget "$r" dsp) DSPs, expected >= 8 (one per PE)"
  ram=$(( $(jget "$r" bram36) + $(jget "$r" bram18) + $(jget "$r" lutram) ))
  (( ram > 0 )) || bad "top-2x4 xcup: buffers not in block or distributed RAM"
  grep -Eq '^ +(LD[CP]E?|\$_?(a?dlatch|DLATCH))' "$d/stat.stat" && bad "top-2x4 xcup: latch cells"
  [[ $(jget "$r" muxf) == 0 ]] || bad "top-2x4 xcup: $(jget "$r" muxf) MUXF7/MUXF8 cells, expected none (-nowidelut)"
  echo "  ok   top-2x4 xcup: $(jget "$r" lut) LUT, $(jget "$r" ff) FF, $(jget "$r" dsp) DSP, $(jget "$r" bram36)+$(jget "$r" bram18) BRAM, $(jget "$r" lutram) LUTRAM, $(jget "$r" seconds) s"
else
  bad "fpga/synth.sh top-2x4 xcup failed (log: $WORK/top.out)"; tail -5 "$WORK/top.out"
fi

if command -v nextpnr-ice40 >/dev/null && command -v icepack >/dev/null; then
  d=$WORK/birrd-8-ice40-pnr
  if DW=8 bash "$ROOT/fpga/pnr_ice40.sh" "$d" >"$WORK/pnr.out" 2>&1 &&
     [[ $(jget "$d/report.json" fmax_mhz) =~ ^[0-9.]+$ ]]; then
    echo "  ok   nextpnr-ice40 birrd-8 DW=8: $(jget "$d/report.json" fmax_mhz) MHz"
  else
    bad "fpga/pnr_ice40.sh failed (log: $WORK/pnr.out)"; tail -5 "$WORK/pnr.out"
  fi
else
  echo "  skip nextpnr-ice40 not installed (make deps)"
fi

if [[ $fail != 0 ]]; then
  echo "FAIL: FPGA flow (see above)" >&2
  exit 1
fi
echo "PASS: FPGA flow: wrapper lint, xcup netlists + reports (birrd-8, top-2x4: DSP per PE, RAM buffers), iCE40 place and route"
