#!/usr/bin/env bash
# Tests of verif/rtl/common.sh on a scratch tree: rtl_sources keeps rtl/feather.f's order and
# fails, naming the file, when the list names a missing file or an rtl/*.sv is not listed;
# pkg_eval evaluates feather_pkg and fails on an expression it cannot evaluate.
#   usage: common_test.sh <repo-root> <scratch-dir>
set -euo pipefail
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/common_test"
WORK=$(cd "$2/common_test" && pwd)
rm -rf "${WORK:?}"/*
# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
fail=0
bad() { echo "  FAIL $*"; fail=1; }

t="$WORK/tree"
mkdir -p "$t/rtl"
touch "$t/rtl/b.sv" "$t/rtl/a.sv"
printf '# comment\nrtl/b.sv\n\nrtl/a.sv\n' > "$t/rtl/feather.f"
out=$(rtl_sources "$t") || bad "rtl_sources failed on a complete list"
[[ "$out" == "$t/rtl/b.sv"$'\n'"$t/rtl/a.sv" ]] || bad "rtl_sources order: $out"

touch "$t/rtl/c.sv"
if rtl_sources "$t" > /dev/null 2> "$WORK/unlisted.err"; then bad "an unlisted rtl/c.sv passed"; fi
grep -q "c.sv is not listed in rtl/feather.f" "$WORK/unlisted.err" || bad "no message naming c.sv"
rm "$t/rtl/c.sv"

echo "rtl/gone.sv" >> "$t/rtl/feather.f"
if rtl_sources "$t" > /dev/null 2> "$WORK/missing.err"; then bad "a missing rtl/gone.sv passed"; fi
grep -q "lists rtl/gone.sv, which does not exist" "$WORK/missing.err" || bad "no message naming gone.sv"

[[ $(pkg_eval "$ROOT" "feather_pkg::birrd_stages(16, 1)") == 7 ]] || bad "pkg_eval birrd_stages(16, 1)"
if pkg_eval "$ROOT" "feather_pkg::no_such_function(1)" > /dev/null 2> "$WORK/eval.err"; then
  bad "pkg_eval accepted an unknown function"
fi
grep -q "pkg_eval: cannot evaluate feather_pkg::no_such_function(1)" "$WORK/eval.err" \
  || bad "no message naming the expression"

if [[ $fail -ne 0 ]]; then
  echo "FAIL: verif/rtl/common.sh" >&2
  exit 1
fi
echo "PASS: rtl_sources (order, unlisted and missing files named) and pkg_eval (value, error named)"
