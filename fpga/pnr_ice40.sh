#!/usr/bin/env bash
# pnr_ice40.sh: place and route of BIRRD on an iCE40 with open tools (Yosys + nextpnr-ice40 +
# icepack + icetime), inside the pin-limited wrapper fpga/birrd_serial_wrap.sv (5 I/Os: the bare
# birrd has more ports than any iCE40 package has pins).
#
#   usage: fpga/pnr_ice40.sh [OUTDIR]      (default build/fpga/birrd-<AW>-ice40-pnr)
# Environment: AW=8 DW=32 WIRING=1 (birrd), DEVICE=hx8k PACKAGE=ct256 (nextpnr-ice40 --DEVICE
#   --package), FREQ=100 (MHz target given to nextpnr), SEED=1.
# Writes: wrap.json (synth_ice40 netlist), wrap.asc, wrap.bin (bitstream), nextpnr.log,
#   icetime.log, report.txt and report.json (logic cells, Fmax from nextpnr, icetime's estimate).
# nextpnr-ice40 and icestorm are Debian packages (nextpnr-ice40, fpga-icestorm; `make deps`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
AW=${AW:-8} DW=${DW:-32} WIRING=${WIRING:-1}
DEVICE=${DEVICE:-hx8k} PACKAGE=${PACKAGE:-ct256} FREQ=${FREQ:-100} SEED=${SEED:-1}
out=${1:-$root/build/fpga/birrd-$AW-ice40-pnr}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/wrap.* "$out"/*.log "$out"/report.*

for t in yosys nextpnr-ice40 icepack; do
  command -v $t >/dev/null || { echo "$0: $t not found (make deps installs nextpnr-ice40 fpga-icestorm)" >&2; exit 1; }
done

srcs=("$root/rtl/feather_pkg.sv" "$root/rtl/egg.sv" "$root/rtl/birrd.sv" "$here/birrd_serial_wrap.sv")
echo "[pnr] synth_ice40 birrd_serial_wrap AW=$AW DW=$DW WIRING=$WIRING" >&2
t0=$(date +%s.%N)
yosys -q -l "$out/yosys.log" -p "read_verilog -sv ${srcs[*]}; \
chparam -set AW $AW -set DW $DW -set WIRING $WIRING birrd_serial_wrap; \
synth_ice40 -top birrd_serial_wrap -json $out/wrap.json" >/dev/null
t1=$(date +%s.%N)
echo "[pnr] nextpnr-ice40 --$DEVICE --package $PACKAGE --freq $FREQ" >&2
nextpnr-ice40 "--$DEVICE" --package "$PACKAGE" --json "$out/wrap.json" --asc "$out/wrap.asc" \
  --pcf-allow-unconstrained --freq "$FREQ" --seed "$SEED" >"$out/nextpnr.log" 2>&1 || {
  echo "$0: nextpnr-ice40 failed; log $out/nextpnr.log:" >&2
  grep -E 'ERROR|Info: Device utilisation' -A12 "$out/nextpnr.log" | tail -20 >&2
  exit 1
}
t2=$(date +%s.%N)
icepack "$out/wrap.asc" "$out/wrap.bin"
icet=null
if command -v icetime >/dev/null; then
  icetime -d "$DEVICE" -P "$PACKAGE" -t "$out/wrap.asc" >"$out/icetime.log" 2>&1 || true
  icet=$(sed -n 's/.*Total path delay: .*(\([0-9.]*\) MHz).*/\1/p' "$out/icetime.log" | tail -1)
  icet=${icet:-null}
fi

# nextpnr prints the timing summary after placement and again after routing: take the last.
fmax=$(sed -n "s/.*Max frequency for clock .*: \([0-9.]*\) MHz.*/\1/p" "$out/nextpnr.log" | tail -1)
lc=$(sed -n 's/.*ICESTORM_LC: *\([0-9]*\)\/ *\([0-9]*\).*/\1 \2/p' "$out/nextpnr.log" | tail -1)
io=$(sed -n 's/.*SB_IO: *\([0-9]*\)\/ *\([0-9]*\).*/\1 \2/p' "$out/nextpnr.log" | tail -1)
ys=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
ps=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')

{
  echo "design      birrd_serial_wrap (birrd AW=$AW DW=$DW WIRING=$WIRING), $DEVICE $PACKAGE"
  echo "logic cells ${lc% *} / ${lc#* }"
  echo "I/O         ${io% *} / ${io#* }"
  echo "Fmax        ${fmax:-?} MHz (nextpnr-ice40, after routing; target $FREQ MHz)"
  echo "icetime     $icet MHz (icestorm timing estimate of the routed design)"
  echo "time        yosys $ys s, nextpnr $ps s"
} >"$out/report.txt"
cat >"$out/report.json" <<EOF
{ "design": "birrd_serial_wrap", "aw": $AW, "dw": $DW, "wiring": $WIRING, "device": "$DEVICE",
  "package": "$PACKAGE", "lc": ${lc% *}, "lc_total": ${lc#* }, "fmax_mhz": ${fmax:-null},
  "icetime_mhz": $icet, "yosys_s": $ys, "nextpnr_s": $ps }
EOF
cat "$out/report.txt"
