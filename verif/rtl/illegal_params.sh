#!/usr/bin/env bash
# Illegal birrd parameters must stop elaboration in Verilator, Icarus and
# Yosys with a message naming the problem.
#   usage: illegal_params.sh <repo-root> <scratch-dir>
# birrd reports an illegal parameter by instantiating a module that does not
# exist and whose name is the message (birrd_error_<problem>); every tool then
# fails with that name in its error. A legal configuration is run through the
# same commands first, so a failure cannot come from a broken command line.
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

SRCS=()
while read -r f; do
  [[ -z "$f" || "$f" == \#* ]] && continue
  SRCS+=("$ROOT/$f")
done < "$ROOT/rtl/feather.f"

# run <tool> <param> <value> <log>: elaborate birrd with one parameter set.
run() {
  local tool=$1 p=$2 v=$3 log=$4
  case $tool in
    verilator)
      verilator --lint-only -Wall --top-module birrd "-G$p=$v" "$ROOT/rtl/feather.vlt" "${SRCS[@]}" ;;
    iverilog)
      iverilog -g2012 -s birrd "-Pbirrd.$p=$v" -o "$WORK/birrd.vvp" "${SRCS[@]}" ;;
    yosys)
      yosys -p "read_verilog -sv ${SRCS[*]}; chparam -set $p $v birrd; hierarchy -check -top birrd; proc" ;;
  esac > "$log" 2>&1
}

fail=0

# Positive control.
for tool in verilator iverilog yosys; do
  log="$WORK/legal_$tool.log"
  if run "$tool" AW 8 "$log"; then
    echo "  ok   $tool accepts AW=8"
  else
    echo "  FAIL $tool rejects the legal AW=8 (log: $log)"
    sed -n '1,20p' "$log"
    fail=1
  fi
done

# <parameter> <value> <expected message>
CASES=(
  "AW 12 birrd_error_AW_must_be_a_power_of_two"
  "AW 6 birrd_error_AW_must_be_a_power_of_two"
  "AW 0 birrd_error_AW_must_be_a_power_of_two"
  "AW 2 birrd_error_AW_must_be_at_least_4"
  "DW 0 birrd_error_DW_must_be_at_least_1"
  "WIRING 2 birrd_error_WIRING_must_be_0_or_1"
  "STAGES 0 birrd_error_STAGES_must_be_at_least_1"
)

for c in "${CASES[@]}"; do
  read -r p v msg <<< "$c"
  for tool in verilator iverilog yosys; do
    log="$WORK/${p}_${v}_$tool.log"
    if run "$tool" "$p" "$v" "$log"; then
      echo "  FAIL $tool accepted $p=$v (log: $log)"
      fail=1
    elif ! grep -q "$msg" "$log"; then
      echo "  FAIL $tool rejected $p=$v without naming the problem ($msg) (log: $log)"
      sed -n '1,20p' "$log"
      fail=1
    else
      echo "  ok   $tool rejects $p=$v: $(grep -m1 "$msg" "$log" | cut -c1-150)"
    fi
  done
done

if [[ $fail -ne 0 ]]; then
  echo "FAIL: illegal-parameter checks (see above)" >&2
  exit 1
fi
echo "PASS: ${#CASES[@]} illegal parameter cases rejected with a clear message by verilator, iverilog and yosys"
