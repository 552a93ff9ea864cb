#!/usr/bin/env bash
# The formal proofs of verif/formal (docs/formal.md): Yosys 0.23 reads the RTL
# and a property harness, yosys-smtbmc with Z3 checks it.
#   usage: prove.sh SRC_DIR SCRATCH_DIR [--seeded-bugs] [--table FILE] [NAME...]
# A proof of depth K passes when both hold:
#   - base case: BMC from reset, no assertion fails in steps 0..K-1;
#   - induction step (yosys-smtbmc -i): from any state in which the
#     assertions held for K consecutive steps, they hold in the next one.
# Together they prove the assertions for every reachable state (k-induction);
# the combinational harnesses use K = 1. One line per proof: name, method,
# result, seconds. Exits 1 when a proof fails.
# --seeded-bugs: for each proof, a copy of the RTL gets that proof's seeded
# bug (a sed edit of one line, listed below); the BMC of depth K must then
# FAIL, and the failing assertion and step are printed. Exits 1 when a seeded
# bug is not caught (or the sed edit no longer applies).
# --table FILE: also write the results as a Markdown table (make formal-table).
set -euo pipefail

usage() { echo "usage: $0 SRC_DIR SCRATCH_DIR [--seeded-bugs] [--table FILE] [NAME...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
SRC=$(cd "$1" && pwd) || { echo "prove.sh: source dir $1 not found" >&2; exit 2; }
mkdir -p "$2/formal"
WORK=$(cd "$2/formal" && pwd)
shift 2
SEEDED=0
TABLE=""
NAMES=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --seeded-bugs) SEEDED=1 ;;
    --table) [[ $# -ge 2 ]] || usage; TABLE=$2; shift ;;
    -*) echo "prove.sh: unknown option $1" >&2; usage ;;
    *) NAMES+=("$1") ;;
  esac
  shift
done

for t in yosys yosys-smtbmc z3; do
  command -v $t >/dev/null || { echo "prove.sh: $t not found (make deps installs it)" >&2; exit 1; }
done

# The proofs: name | harness (verif/formal/NAME.sv, its top) | RTL files | parameters of the
# harness | depth K (bmc:K = bounded only, no induction step) | the module it checks | its
# assertions | seeded bug: file, sed edit, what it breaks.
PROOFS=(
  "egg_dw4|egg_props|egg.sv|DW=4|1|egg|a_pass, a_swap, a_addlo, a_addhi, a_route_count, a_no_spurious|egg.sv|s/assign add_lo = cmd_i == CmdAddLo;/assign add_lo = cmd_i == CmdAddHi;/|ADD_LO decoded as ADD_HI: command 01 no longer adds into lo"
  "birrd_aw4_benes|birrd_props|egg.sv birrd.sv|AW=4 DW=2 WIRING=1 COUNT=0|5|birrd|a_data, a_valid|birrd.sv|s/link = swap_bit0(swap_bit0(p, benes_bit(l, s)), benes_bit(l, s + 1));/link = swap_bit0(swap_bit0(p, benes_bit(l, s)), benes_bit(l, s));/|Benes wiring exchanges the wrong bit between stages"
  "birrd_aw4_benes_count|birrd_props|egg.sv birrd.sv|AW=4 DW=2 WIRING=1 COUNT=1|5|birrd|a_valid, a_count|birrd.sv|s/valid_q <= sw_valid;/valid_q <= {sw_valid[AW-2:0], sw_valid[0]};/|a stage duplicates lane 0's valid and drops the top lane's"
  "birrd_aw4_feather|birrd_props|egg.sv birrd.sv|AW=4 DW=2 WIRING=0 COUNT=0|5|birrd|a_data, a_valid|birrd.sv|s/g = s + 2;/g = s + 1;/|published wiring reverses one bit too few in early stages"
  "addr_aw4_ah2|addr_props|feather_addr.sv|AW=4 AH=2 LA=4 DEPTH=12|1|feather_addr|a_in_range, a_bank, a_line, a_depth|feather_addr.sv|s/assign in_range_o = (d1 < f1) \&\& (b_i < f2);/assign in_range_o = (d1 <= f1) \&\& (b_i < f2);/|a VN one digit past F1 counts as in range (its line can leave the buffer)"
  "bank_arb_aw4|bank_arb_props|feather_bank_arb.sv|AW=4 LA=3|1|feather_bank_arb|a_lowest, a_served, a_conflict, a_quiet|feather_bank_arb.sv|s/if (!hit) bank_line_o/if (1'b1) bank_line_o/|the highest requesting column, not the lowest, wins a bank"
)

# Every NAME given must be a proof of the table.
for n in "${NAMES[@]+"${NAMES[@]}"}"; do
  found=0
  for entry in "${PROOFS[@]}"; do [[ ${entry%%|*} == "$n" ]] && found=1; done
  if [[ $found == 0 ]]; then
    echo "prove.sh: no proof named $n (known: $(for e in "${PROOFS[@]}"; do printf '%s ' "${e%%|*}"; done))" >&2
    exit 2
  fi
done

row() { printf '%-28s %-14s %-7s %7s\n' "$@"; }
row proof method result seconds
fails=0
table_rows=()

# build NAME TOP RTL_DIR FILES PARAMS OUT: the SMT-LIB model of harness TOP over RTL_DIR.
build() {
  local name=$1 top=$2 rtl=$3 files=$4 params=$5 out=$6 srcs=() chp="" f p
  srcs+=("$rtl/feather_pkg.sv")
  for f in $files; do srcs+=("$rtl/$f"); done
  srcs+=("$SRC/verif/formal/$top.sv")
  for p in $params; do chp+=" -set ${p%%=*} ${p#*=}"; done
  yosys -q -l "$out.yosys.log" -p "read_verilog -formal -sv ${srcs[*]}; chparam$chp $top; \
    prep -top $top; async2sync; dffunmap; write_smt2 -wires $out.smt2" >/dev/null 2>&1 || {
    echo "prove.sh: $name: yosys failed to read the harness (log: $out.yosys.log)" >&2
    return 1
  }
}

# smtbmc OUT DEPTH [-i]: 0 when every assertion holds.
smtbmc() {
  local out=$1 depth=$2 mode=${3:-} log args=(-s z3)
  log="$out.bmc${mode}.log"
  [[ -n $mode ]] && args+=("$mode")
  yosys-smtbmc "${args[@]}" -t "$depth" "$out.smt2" >"$log" 2>&1 || true
  grep -q "Status: PASSED" "$log"
}

want() {
  local n=$1 x
  [[ ${#NAMES[@]} -eq 0 ]] && return 0
  for x in "${NAMES[@]}"; do [[ $x == "$n" ]] && return 0; done
  return 1
}

for entry in "${PROOFS[@]}"; do
  IFS='|' read -r name top files params depth module props bug_file bug_sed bug_what <<<"$entry"
  want "$name" || continue
  dir="$WORK/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  t0=$(date +%s.%N)
  induct=1
  if [[ $depth == bmc:* ]]; then
    induct=0
    depth=${depth#bmc:}
    method="BMC depth $depth"
  else
    method="induction k=$depth"
  fi
  result=PASS
  if ! build "$name" "$top" "$SRC/rtl" "$files" "$params" "$dir/model"; then
    result=ERROR
  elif ! smtbmc "$dir/model" "$depth"; then
    result="FAIL (base case, log: $dir/model.bmc.log)"
  elif [[ $induct == 1 ]] && ! smtbmc "$dir/model" "$depth" -i; then
    result="FAIL (induction step, log: $dir/model.bmc-i.log)"
  fi
  secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
  row "$name" "$method" "${result%% *}" "$secs"
  [[ $result == PASS ]] || { echo "  $result"; fails=$((fails + 1)); }
  table_rows+=("| $name | $props | $module | ${params// /, } | $method | ${result%% *} | $secs |")

  if [[ $SEEDED == 1 ]]; then
    sdir="$dir/seeded"
    mkdir -p "$sdir"
    cp -r "$SRC/rtl" "$sdir/rtl"
    sed -i "$bug_sed" "$sdir/rtl/$bug_file"
    if cmp -s "$SRC/rtl/$bug_file" "$sdir/rtl/$bug_file"; then
      echo "  seeded bug of $name: the edit no longer applies to rtl/$bug_file ($bug_sed)"
      fails=$((fails + 1))
      continue
    fi
    t0=$(date +%s.%N)
    if ! build "$name (seeded)" "$top" "$sdir/rtl" "$files" "$params" "$sdir/model"; then
      echo "  seeded bug of $name: the mutated RTL does not build"
      fails=$((fails + 1))
    elif smtbmc "$sdir/model" "$depth"; then
      echo "  seeded bug of $name NOT CAUGHT: $bug_what"
      fails=$((fails + 1))
    else
      step=$(grep -o 'Checking assertions in step [0-9]*' "$sdir/model.bmc.log" | tail -1 | grep -o '[0-9]*$')
      which=$(grep -o 'Assert failed in .*' "$sdir/model.bmc.log" | head -1)
      secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
      echo "  seeded bug caught (${secs} s): $bug_what; step $step: $which"
    fi
  fi
done

if [[ -n $TABLE ]]; then
  {
    echo "| proof | properties | module | parameters | method | result | seconds |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${table_rows[@]}"
  } >"$TABLE"
fi

if [[ $fails -ne 0 ]]; then
  echo "FAIL: $fails proof(s) or seeded bug(s) failed"
  exit 1
fi
echo "PASS: every proof holds"
