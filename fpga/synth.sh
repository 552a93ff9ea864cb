#!/usr/bin/env bash
# synth.sh: Yosys FPGA flow for one FEATHER configuration and one target.
#
#   usage: fpga/synth.sh CONFIG TARGET [OUTDIR]
#     CONFIG  birrd-AW        birrd alone (e.g. birrd-16)
#             nest-AHxAW      the NEST PE array (e.g. nest-8x8)
#             top-AHxAW       feather_top (e.g. top-16x16); a bare AHxAW means top-AHxAW
#     TARGET  xcup            synth_xilinx -family xcup (UltraScale+, e.g. ZCU104's xczu7ev)
#             ecp5            synth_ecp5
#             ice40           synth_ice40
#     OUTDIR  default build/fpga/<config>-<target>
#
# Parameters (environment; the defaults are what docs/fpga.md's table uses):
#   DW=32 WIRING=1                      birrd data width and wiring (1 Benes, 0 published)
#   OW=8 ACCW=32                        nest operand and accumulator widths (DEPTH = AH)
#   SD=1024 WD=512 OD=256 QD=256 MAW=24 feather_top buffer depths (lines per bank), requant
#                                       entries, off-chip address width (FAULT is always 0).
#                                       xcup: keep OD <= 256. The output banks (combinational
#                                       read) become LUTRAM, and Yosys 0.23's lutrams_xcu.txt
#                                       lists RAM512X1S as ABITS 16 (not 9), so a deeper bank
#                                       stops with "invalid OPTION_ABITS/WIDTH combination".
#   WIRING applies to top too.  YOSYS (default yosys), ICE40_DSP=1 adds -dsp to synth_ice40.
#   SHARE=skip (default) | fast | full   xcup only: synth_xilinx's `share` step (SAT-based
#                                       resource sharing) skipped, run as `share -fast`, or run
#                                       as synth_xilinx runs it (see docs/fpga.md: in Yosys 0.23
#                                       it does not finish for top-8x8 and top-16x16).
#   WIDELUT=0 (default) | 1             xcup only: 0 passes -nowidelut (ABC maps to LUT1..LUT6
#                                       only); 1 lets ABC map 7- and 8-input LUTs, which Yosys
#                                       builds from LUT6 + MUXF7/MUXF8 (synth_xilinx's default;
#                                       see docs/fpga.md: more LUTs, and a count that moves by
#                                       up to 15% with the order of the netlist).
#   FPGA_BUILD                          default OUTDIR root (default build/fpga)
#
# Writes into OUTDIR:
#   netlist.json    Yosys JSON netlist (read by nextpnr, or by yosys read_json)
#   netlist.edif    EDIF for a vendor flow (xcup only; see docs/fpga.md for Vivado)
#   netlist.v       structural Verilog (write_verilog -noattr)
#   report.txt      resources (LUT, FF, DSP, block/distributed RAM, shift registers, carry
#                   cells), logic depth (xcup/ecp5/ice40: `ltp` on the mapped netlist with
#                   flip-flops and I/O buffers cut out: a timing proxy, not a timing report),
#                   Yosys time and peak memory, and the full `stat` output
#   report.json     the same figures as JSON
#   yosys.log       the Yosys log;  time.txt  /usr/bin/time -v output (if present)
set -euo pipefail

usage() { sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
config=$1 target=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
yosys=${YOSYS:-yosys}
command -v "$yosys" >/dev/null || { echo "$0: $yosys not found" >&2; exit 1; }

DW=${DW:-32} WIRING=${WIRING:-1} OW=${OW:-8} ACCW=${ACCW:-32}
SD=${SD:-1024} WD=${WD:-512} OD=${OD:-256} QD=${QD:-256} MAW=${MAW:-24}

[[ $config =~ ^[0-9]+x[0-9]+$ ]] && config="top-$config"
case $config in
  birrd-*)
    aw=${config#birrd-}
    [[ $aw =~ ^[0-9]+$ ]] || usage
    top=birrd
    chp="-set AW $aw -set DW $DW -set WIRING $WIRING"
    params="AW=$aw DW=$DW WIRING=$WIRING" ;;
  nest-*x*)
    hw=${config#nest-}; ah=${hw%x*}; aw=${hw#*x}
    [[ $ah =~ ^[0-9]+$ && $aw =~ ^[0-9]+$ ]] || usage
    top=nest
    chp="-set AH $ah -set AW $aw -set OW $OW -set ACCW $ACCW"
    params="AH=$ah AW=$aw OW=$OW ACCW=$ACCW DEPTH=$ah" ;;
  top-*x*)
    hw=${config#top-}; ah=${hw%x*}; aw=${hw#*x}
    [[ $ah =~ ^[0-9]+$ && $aw =~ ^[0-9]+$ ]] || usage
    top=feather_top
    chp="-set AH $ah -set AW $aw -set WIRING $WIRING -set SD $SD -set WD $WD -set OD $OD -set QD $QD -set MAW $MAW -set FAULT 0"
    params="AH=$ah AW=$aw WIRING=$WIRING SD=$SD WD=$WD OD=$OD QD=$QD MAW=$MAW FAULT=0" ;;
  *) echo "$0: unknown CONFIG '$config'" >&2; usage ;;
esac

# xcup: synth_xilinx's script with its `share` step (label coarse) under SHARE's control.
# Yosys 0.23's share runs a SAT query per candidate $memrd/$mul/$shift cell over its
# activation logic; in feather_top 8x8/16x16 these queries do not finish in hours. The xcup
# flow therefore runs synth_xilinx in two -run ranges and the coarse label's commands
# (identical to `help synth_xilinx`, LUT_WIDTH=6) in between, with share skipped by default.
case ${SHARE:=skip} in
  skip) share_cmd="" ;;
  fast) share_cmd="share -fast" ;;
  full) share_cmd="share" ;;
  *) echo "$0: SHARE must be skip, fast or full" >&2; exit 2 ;;
esac
# xcup: LUT7/LUT8 through MUXF7/MUXF8 (synth_xilinx's default) or LUT6 at most (the flow's).
case ${WIDELUT:=0} in
  0) widelut=" -nowidelut" ;;
  1) widelut="" ;;
  *) echo "$0: WIDELUT must be 0 or 1" >&2; exit 2 ;;
esac
xsx="synth_xilinx -family xcup -flatten$widelut -top $top"
case $target in
  xcup)  synth="$xsx -run begin:coarse
techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6
alumacc${share_cmd:+
$share_cmd}
opt
memory -nomap
opt_clean
$xsx -run map_memory:"; edif=1 ;;
  ecp5)  synth="synth_ecp5 -top $top"; edif=0 ;;
  ice40) synth="synth_ice40 -top $top${ICE40_DSP:+ -dsp}"; edif=0 ;;
  *) echo "$0: unknown TARGET '$target'" >&2; usage ;;
esac

out=${3:-${FPGA_BUILD:-$root/build/fpga}/$config-$target}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/netlist.* "$out"/report.* "$out"/*.stat "$out"/ltp.log

# shellcheck source=verif/rtl/common.sh
source "$root/verif/rtl/common.sh"
srcs_text=$(rtl_sources "$root") || exit 1
mapfile -t srcs <<<"$srcs_text"

# Flip-flop and I/O-buffer cell types removed before `ltp` (so paths start and end at registers
# and ports). Memory and DSP cells stay (one level each).
case $target in
  xcup)  cut='t:FD* t:IBUF t:OBUF t:BUFG t:BUFGCTRL t:SRL*' ;;
  ecp5)  cut='t:TRELLIS_FF t:TRELLIS_IO' ;;
  ice40) cut='t:SB_DFF* t:SB_IO t:SB_GB' ;;
esac

script="read_verilog -sv ${srcs[*]}
chparam $chp $top
$synth
check
tee -q -o $out/stat.stat stat
write_json $out/netlist.json
write_verilog -noattr $out/netlist.v"
((edif)) && script+="
write_edif $out/netlist.edif"
script+="
delete $cut
tee -q -o $out/ltp.log ltp -noff"

synth_txt=$synth
[[ $target == xcup ]] && synth_txt="$xsx (share: $SHARE)"
echo "[fpga] $config $target ($params): $synth_txt" >&2
status=0
t0=$(date +%s.%N)
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -v -o "$out/time.txt" "$yosys" -q -d -l "$out/yosys.log" -p "$script" >/dev/null 2>&1 || status=$?
else
  "$yosys" -q -d -l "$out/yosys.log" -p "$script" >/dev/null 2>&1 || status=$?
fi
t1=$(date +%s.%N)
if ((status != 0)); then
  echo "$0: yosys failed ($status); log $out/yosys.log:" >&2
  tail -20 "$out/yosys.log" >&2
  exit 1
fi

secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
mem_mb=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$out/time.txt" 2>/dev/null || true)
mem_mb=${mem_mb:-null}
# CPU seconds (user + system, Yosys and its ABC children): unlike the wall time, not inflated
# when other work shares the machine.
cpu_s=$(awk -F': ' '/User time|System time/ { s += $2 } END { if (NR) printf "%.1f", s }' "$out/time.txt" 2>/dev/null || true)
cpu_s=${cpu_s:-null}

st=$out/stat.stat
sum() {  # extended regex over the cell type names of the final stat
  awk -v re="^($1)\$" '$1 ~ re && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' "$st"
}
case $target in
  xcup)
    lut=$(sum 'LUT[1-6]'); ff=$(sum 'FD[CPRS]E(_1)?')
    dsp=$(sum 'DSP48E[12]')
    bram36=$(sum 'RAMB36E[12]'); bram18=$(sum 'RAMB18E[12]')
    lutram=$(sum 'RAM(32|64|128|256|512)[A-Z0-9_]*')
    srl=$(sum 'SRL(16E|C32E)')
    carry=$(sum 'CARRY[48]'); muxf=$(sum 'MUXF[789]') ;;
  ecp5)
    lut=$(sum 'LUT4'); ff=$(sum 'TRELLIS_FF')
    dsp=$(sum 'MULT18X18D|ALU54B')
    bram36=0; bram18=$(sum 'DP16KD|PDPW16KD')
    lutram=$(sum 'TRELLIS_DPR16X4'); srl=0
    carry=$(sum 'CCU2C'); muxf=$(sum 'PFUMX|L6MUX21') ;;
  ice40)
    lut=$(sum 'SB_LUT4'); ff=$(sum 'SB_DFF[A-Z]*')
    dsp=$(sum 'SB_MAC16')
    bram36=0; bram18=$(sum 'SB_RAM40_4K[A-Z]*')
    lutram=0; srl=0
    carry=$(sum 'SB_CARRY'); muxf=0 ;;
esac
cells=$(awk '/Number of cells:/ { n = $4 } END { print n + 0 }' "$st")
depth=$(sed -n 's/.*Longest topological path in .* (length=\([0-9]*\)).*/\1/p' "$out/ltp.log" | tail -1)
depth=${depth:-null}
yv=$("$yosys" -V | awk '{ print $2 }')

# Block-RAM label per target: xcup RAMB36/RAMB18, ecp5 DP16KD (18 kbit), ice40 SB_RAM40_4K (4 kbit).
case $target in
  xcup)  bram_txt="$bram36 RAMB36E2 + $bram18 RAMB18E2" ;;
  ecp5)  bram_txt="$bram18 DP16KD" ;;
  ice40) bram_txt="$bram18 SB_RAM40_4K" ;;
esac

{
  echo "config   $config ($top: $params)"
  echo "target   $target: $synth_txt"
  echo "yosys    $yv"
  echo "LUTs              $lut"
  echo "FFs               $ff"
  echo "DSPs              $dsp"
  echo "block RAM         $bram_txt"
  echo "distributed RAM   $lutram cells"
  echo "shift registers   $srl"
  echo "carry cells       $carry"
  echo "wide muxes        $muxf"
  echo "cells (all)       $cells"
  echo "logic depth       $depth cells between registers/ports (Yosys ltp; a timing proxy)"
  echo "synthesis time    $secs s wall, $cpu_s s CPU"
  echo "peak memory       $mem_mb MB"
  echo
  echo "Yosys stat of the mapped netlist:"
  cat "$st"
} >"$out/report.txt"

cat >"$out/report.json" <<EOF
{
  "config": "$config", "top": "$top", "params": "$params", "target": "$target",
  "synth": "$synth_txt", "share": "$( [[ $target == xcup ]] && echo "$SHARE" || echo default )",
  "widelut": "$( [[ $target == xcup ]] && echo "$WIDELUT" || echo default )", "yosys": "$yv",
  "lut": $lut, "ff": $ff, "dsp": $dsp, "bram36": $bram36, "bram18": $bram18,
  "lutram": $lutram, "srl": $srl, "carry": $carry, "muxf": $muxf, "cells": $cells,
  "logic_depth": $depth, "seconds": $secs, "cpu_s": $cpu_s, "peak_mb": $mem_mb
}
EOF
sed -n '1,15p' "$out/report.txt"
echo "[fpga] wrote $out" >&2
