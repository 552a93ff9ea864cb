#!/usr/bin/env bash
# Every simulation assertion of feather_top is driven into its violation and
# must fire; a legal run must fire none (verif/rtl/assert_tb.sv).
#   usage: assertions.sh <repo-root> <scratch-dir>
# The testbench runs a small top (AH = 2, AW = 4, SD = 8, WD = 32, OD = 16,
# QD = 8, FAULT = 1). Each case must raise assert_fails_q by exactly 1 (0 for
# the legal case, whose stored results are also checked), and the warnings
# printed inside a case must name its assertion and no other:
#   - Verilator 5.006 (--binary --timing --assert): legal, a_ob_line_in_range,
#     a_sb_line_in_range, a_stream_has_mapping, a_map_has_layout,
#     a_store_queue, a_ctx_free;
#   - Icarus 11: a_ob_write_is_result (it forces the output bank's we_i, the
#     net of feather_top's ob_we[3]; Verilator cannot force an input port nor a
#     word of an unpacked array). Icarus 11 does not leave time 0 on
#     feather_top's always_comb blocks, so it simulates a copy of the RTL with
#     always_comb read as always @* (no other change); in that run assertions
#     whose condition is X also print (uncounted), so only the counter and the
#     assertion's own message are checked there.
# Fails with a message naming each assertion that did not fire as required.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <scratch-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/assertions"
WORK=$(cd "$2/assertions" && pwd)
rm -rf "$WORK"/*

for t in verilator iverilog vvp; do
  command -v $t >/dev/null || { echo "FAIL: $t not found" >&2; exit 1; }
done

# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
SRCS_TXT=$(rtl_sources "$ROOT")
mapfile -t SRCS <<< "$SRCS_TXT"
TB="$ROOT/verif/rtl/assert_tb.sv"

VCASES="legal a_ob_line_in_range a_sb_line_in_range a_stream_has_mapping a_map_has_layout a_store_queue a_ctx_free"
ICASES="a_ob_write_is_result"
ALL="a_ob_line_in_range a_sb_line_in_range a_ob_write_is_result a_stream_has_mapping a_map_has_layout a_store_queue a_ctx_free"

# Verilator: lint and style warnings are waived for the testbench only (the RTL
# is linted with -Wall by lint.sh); any other warning fails.
vlog="$WORK/verilator_build.log"
if ! verilator --binary --timing --assert --timescale 1ns/1ps -Wno-lint -Wno-style \
       --top-module assert_tb -Mdir "$WORK/obj" -j 2 "${SRCS[@]}" "$TB" > "$vlog" 2>&1 \
   || grep -q '%Warning\|%Error' "$vlog"; then
  echo "FAIL: verilator build of assert_tb failed or warned (log: $vlog)"
  grep '%Warning\|%Error' "$vlog" | sed -n '1,20p'
  exit 1
fi
"$WORK/obj/Vassert_tb" > "$WORK/verilator_sim.log" 2>&1 || true

# Icarus: the RTL with always_comb read as always @*.
mkdir -p "$WORK/rtl"
ISRCS=()
for f in "${SRCS[@]}"; do
  sed 's/\balways_comb\b/always @*/' "$f" > "$WORK/rtl/$(basename "$f")"
  ISRCS+=("$WORK/rtl/$(basename "$f")")
done
ilog="$WORK/iverilog_build.log"
if ! iverilog -g2012 -s assert_tb -o "$WORK/assert_tb.vvp" "${ISRCS[@]}" "$TB" > "$ilog" 2>&1 \
   || grep -v 'sorry: Case unique/unique0 qualities are ignored\.' "$ilog" | grep -q .; then
  echo "FAIL: iverilog build of assert_tb failed or warned (log: $ilog)"
  sed -n '1,20p' "$ilog"
  exit 1
fi
for c in $ICASES; do
  vvp -n "$WORK/assert_tb.vvp" "+only=$c" > "$WORK/iverilog_$c.log" 2>&1 || true
done

# check <log> <case> <strict>: the case ran, its counter rose as required, its
# own message was printed and (strict) no other assertion's.
status=0
check() {
  local log=$1 c=$2 strict=$3 want=1 body fails bad=0
  [[ $c == legal ]] && want=0
  body=$(sed -n "/^CASE $c begin\$/,/^CASE $c end /p" "$log")
  if [[ -z "$body" ]] || ! grep -q "^CASE $c end " <<< "$body"; then
    echo "  FAIL $c: case did not run to its end (log: $log)"; status=1; return 0
  fi
  fails=$(sed -n "s/^CASE $c end fails=\([0-9]*\)\$/\1/p" <<< "$body")
  if [[ "$fails" != "$want" ]]; then
    echo "  FAIL $c: assert_fails_q rose by $fails, expected $want (log: $log)"; bad=1
  fi
  if grep -q "^FAIL $c:" <<< "$body"; then
    grep "^FAIL $c:" <<< "$body" | sed -n '1,5p;s/^/  /'; bad=1
  fi
  if [[ $c != legal ]] && ! grep -q "feather_top: $c:" <<< "$body"; then
    echo "  FAIL $c: the assertion's message did not appear (log: $log)"; bad=1
  fi
  if [[ $strict == 1 ]]; then
    local other
    other=$(grep -o 'feather_top: a_[a-z_]*:\|nest: column' <<< "$body" | grep -v "feather_top: $c:" | sort -u || true)
    if [[ -n "$other" ]]; then
      echo "  FAIL $c: other assertions fired: $(tr '\n' ' ' <<< "$other")(log: $log)"; bad=1
    fi
  fi
  if [[ $bad -eq 0 ]]; then echo "  ok   $c (assert_fails_q +$fails)"; else status=1; fi
  return 0
}

for c in $VCASES; do check "$WORK/verilator_sim.log" "$c" 1; done
for c in $ICASES; do check "$WORK/iverilog_$c.log" "$c" 0; done
grep -q '^PASS$' "$WORK/verilator_sim.log" || { echo "  FAIL: verilator run did not end with PASS"; status=1; }

if [[ $status -ne 0 ]]; then
  echo "FAIL: simulation assertions (see above)" >&2
  exit 1
fi
echo "PASS: every feather_top assertion fires on its violation ($ALL), none in a legal run"
