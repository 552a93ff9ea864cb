#!/usr/bin/env bash
# Illegal birrd, nest, nest_pe and nest_birrd parameters must stop
# elaboration in Verilator, Icarus and Yosys with a message naming the problem.
#   usage: illegal_params.sh <repo-root> <scratch-dir>
# The modules report an illegal parameter by instantiating a module that does
# not exist and whose name is the message (birrd_error_<problem>,
# nest_error_<problem>, nest_pe_error_<problem>); every tool then fails with
# that name in its error. A legal configuration of each top is run through
# the same commands first, so a failure cannot come from a broken command
# line. Parameters not named in a case keep their defaults (nest: AH = AW = 4,
# OW = 8, ACCW = 32, DEPTH = AH; nest_pe: OW = 8, ACCW = 32, DEPTH = 4).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/illegal_params"
WORK=$(cd "$2/illegal_params" && pwd)
rm -f "$WORK"/*.log

for t in verilator iverilog yosys; do
  command -v $t >/dev/null || { echo "FAIL: $t not found" >&2; exit 1; }
done

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
SRCS_TXT=$(rtl_sources "$ROOT")
mapfile -t SRCS <<< "$SRCS_TXT"

# run <tool> <top> <param> <value> <log>: elaborate <top> with one parameter set.
run() {
  local tool=$1 top=$2 p=$3 v=$4 log=$5
  case $tool in
    verilator)
      verilator --lint-only -Wall --assert --top-module "$top" "-G$p=$v" "$ROOT/rtl/feather.vlt" "${SRCS[@]}" ;;
    iverilog)
      iverilog -g2012 -s "$top" "-P$top.$p=$v" -o "$WORK/$top.vvp" "${SRCS[@]}" ;;
    yosys)
      yosys -p "read_verilog -sv ${SRCS[*]}; chparam -set $p $v $top; hierarchy -check -top $top; proc" ;;
  esac > "$log" 2>&1
}

fail=0

# Positive controls: <top> <parameter> <value>
LEGAL=(
  "birrd AW 8"
  "nest AH 8"
  "nest_pe DEPTH 5"
  "nest_birrd AW 8"
  "feather_top AW 8"
)

for c in "${LEGAL[@]}"; do
  read -r top p v <<< "$c"
  for tool in verilator iverilog yosys; do
    log="$WORK/legal_${top}_$tool.log"
    if run "$tool" "$top" "$p" "$v" "$log"; then
      echo "  ok   $tool accepts $top $p=$v"
    else
      echo "  FAIL $tool rejects the legal $top $p=$v (log: $log)"
      sed -n '1,20p' "$log"
      fail=1
    fi
  done
done

# <top> <parameter> <value> <expected message>
CASES=(
  "birrd AW 12 birrd_error_AW_must_be_a_power_of_two"
  "birrd AW 6 birrd_error_AW_must_be_a_power_of_two"
  "birrd AW 0 birrd_error_AW_must_be_a_power_of_two"
  "birrd AW 2 birrd_error_AW_must_be_at_least_4"
  "birrd DW 0 birrd_error_DW_must_be_at_least_1"
  "birrd WIRING 2 birrd_error_WIRING_must_be_0_or_1"
  "birrd STAGES 0 birrd_error_STAGES_must_be_at_least_1"
  "nest AH 0 nest_error_AH_must_be_at_least_1"
  "nest AW 0 nest_error_AW_must_be_at_least_1"
  "nest OW 0 nest_error_OW_must_be_at_least_1"
  "nest DEPTH 0 nest_error_DEPTH_must_be_at_least_1"
  "nest ACCW 17 nest_error_ACCW_must_be_at_least_2_OW_plus_2"
  "nest_pe OW 0 nest_pe_error_OW_must_be_at_least_1"
  "nest_pe ACCW 17 nest_pe_error_ACCW_must_be_at_least_2_OW_plus_2"
  "nest_pe DEPTH 0 nest_pe_error_DEPTH_must_be_at_least_1"
  "nest_birrd ACCW 10 nest_error_ACCW_must_be_at_least_2_OW_plus_2"
  "nest_birrd AW 6 birrd_error_AW_must_be_a_power_of_two"
  "nest_birrd AW 2 birrd_error_AW_must_be_at_least_4"
  "feather_top AH 3 feather_top_error_AH_must_be_a_power_of_two_2_to_64"
  "feather_top AW 6 feather_top_error_AW_must_be_a_power_of_two_4_to_64"
  "feather_top AW 2 feather_top_error_AW_must_be_a_power_of_two_4_to_64"
  "feather_top SD 2 feather_top_error_SD_WD_OD_must_be_at_least_AH"
  "feather_top QD 18 feather_top_error_QD_must_be_a_multiple_of_AW"
  "feather_top FAULT 2 feather_top_error_FAULT_must_be_0_or_1"
  "feather_mem DEPTH 1 feather_mem_error_DEPTH_must_be_at_least_2"
)

for c in "${CASES[@]}"; do
  read -r top p v msg <<< "$c"
  for tool in verilator iverilog yosys; do
    log="$WORK/${top}_${p}_${v}_$tool.log"
    if run "$tool" "$top" "$p" "$v" "$log"; then
      echo "  FAIL $tool accepted $top $p=$v (log: $log)"
      fail=1
    elif ! grep -q "$msg" "$log"; then
      echo "  FAIL $tool rejected $top $p=$v without naming the problem ($msg) (log: $log)"
      sed -n '1,20p' "$log"
      fail=1
    else
      echo "  ok   $tool rejects $top $p=$v: $(grep -m1 "$msg" "$log" | cut -c1-150)"
    fi
  done
done

if [[ $fail -ne 0 ]]; then
  echo "FAIL: illegal-parameter checks (see above)" >&2
  exit 1
fi
echo "PASS: ${#CASES[@]} illegal parameter cases rejected with a clear message by verilator, iverilog and yosys"
