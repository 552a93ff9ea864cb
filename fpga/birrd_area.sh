#!/usr/bin/env bash
# birrd_area.sh: area of the BIRRD candidates (wiring x stage count) with Yosys.
#
# For each candidate and AW = 8, 16, 32 (DW = 32) synthesizes rtl/egg.sv + rtl/birrd.sv twice:
#   synth_xilinx -family xcup -flatten -top birrd   (UltraScale+: LUTs, FFs, carry cells)
#   synth -flatten -top birrd                       (generic cell count)
# one configuration at a time, and prints a markdown table (also written to OUT.md if given).
#
# Usage: fpga/birrd_area.sh [OUT.md]
# Environment: YOSYS (default yosys), BIRRD_AREA_AW (default "8 16 32"), BIRRD_AREA_DW (32).
set -euo pipefail

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
  echo "usage: $0 [OUT.md]" >&2
  exit 2
fi
out=${1:-}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
yosys=${YOSYS:-yosys}
aws=${BIRRD_AREA_AW:-"8 16 32"}
dw=${BIRRD_AREA_DW:-32}
rtl=("$root/rtl/feather_pkg.sv" "$root/rtl/egg.sv" "$root/rtl/birrd.sv")

for f in "${rtl[@]}"; do
  [[ -f $f ]] || { echo "$0: missing $f" >&2; exit 1; }
done
command -v "$yosys" >/dev/null || { echo "$0: $yosys not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Candidates: label|WIRING|stage rule (published = the wiring's published count, else 2L+offset).
candidates=(
  "FEATHER T=2L (published)|0|published"
  "FEATHER T=2L-1|0|-1"
  "FEATHER T=2L+1|0|1"
  "Benes T=2L-1 (default)|1|-1"
  "Benes T=2L-2 (truncated)|1|-2"
  "Benes T=2L|1|0"
)

log2() {
  local n=$1 l=0
  while ((1 << l < n)); do l=$((l + 1)); done
  echo "$l"
}

stages_of() {  # rule AW
  local rule=$1 aw=$2 l
  l=$(log2 "$aw")
  if [[ $rule == published ]]; then
    if ((aw == 4)); then echo 3; else echo $((2 * l)); fi
  else
    echo $((2 * l + rule))
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Sums the counts of the cell types matching an extended regex in a `stat` report.
cells_matching() {  # file regex
  awk -v re="^($2)\$" '$1 ~ re && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' "$1"
}
total_cells() {  # file
  awk '/Number of cells:/ { n = $4 } END { print n + 0 }' "$1"
}

run_yosys() {  # aw wiring stages synth-command stat-file log-file
  local aw=$1 wiring=$2 stages=$3 synth=$4 stat=$5 log=$6
  if ! "$yosys" -q -l "$log" -p "read_verilog -sv ${rtl[*]}; \
chparam -set AW $aw -set DW $dw -set WIRING $wiring -set STAGES $stages birrd; \
$synth; tee -q -o $stat stat" >/dev/null 2>&1; then
    echo "$0: yosys failed (AW=$aw WIRING=$wiring STAGES=$stages: $synth); log:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
}

md=""
emit() {
  md+="$1"$'\n'
  printf '%s\n' "$1"
}

emit "# BIRRD area (Yosys)"
emit ""
emit "Command: \`fpga/birrd_area.sh${out:+ $out}\`; $("$yosys" -V); DW = $dw."
emit "xcup: \`synth_xilinx -family xcup -flatten -top birrd\` (LUTs = LUT1..LUT6, FFs = FD*, CARRY = CARRY4 + CARRY8 cells);"
emit "generic: \`synth -flatten -top birrd\` (all cells). I/O and clock buffers are not counted."
emit ""
emit "| candidate | AW | stages | xcup LUTs | xcup FFs | xcup CARRY | generic cells | xcup s | generic s |"
emit "|---|---:|---:|---:|---:|---:|---:|---:|---:|"

for aw in $aws; do
  for c in "${candidates[@]}"; do
    IFS='|' read -r label wiring rule <<<"$c"
    stages=$(stages_of "$rule" "$aw")
    echo "[birrd_area] AW=$aw $label (STAGES=$stages)" >&2

    t0=$(now)
    run_yosys "$aw" "$wiring" "$stages" "synth_xilinx -family xcup -flatten -top birrd" \
      "$tmp/xcup.stat" "$tmp/xcup.log"
    t1=$(now)
    run_yosys "$aw" "$wiring" "$stages" "synth -flatten -top birrd" \
      "$tmp/generic.stat" "$tmp/generic.log"
    t2=$(now)

    luts=$(cells_matching "$tmp/xcup.stat" 'LUT[1-6]')
    ffs=$(cells_matching "$tmp/xcup.stat" 'FD[A-Z]*(_1)?')
    carry=$(cells_matching "$tmp/xcup.stat" 'CARRY[48]')
    generic=$(total_cells "$tmp/generic.stat")
    emit "| $label | $aw | $stages | $luts | $ffs | $carry | $generic | $(elapsed "$t0" "$t1") | $(elapsed "$t1" "$t2") |"
  done
done

if [[ -n $out ]]; then
  printf '%s' "$md" >"$out"
fi
