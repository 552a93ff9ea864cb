#!/usr/bin/env bash
# Tests of verif/rtl/common.sh on a scratch tree: rtl_sources keeps rtl/feather.f's order with
# its -F filelists expanded in place (paths relative to each list, each source once) and fails,
# naming the file, when a list names a missing file or filelist or an rtl/*.sv is not listed;
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
mkdir -p "$t/rtl/sub"
touch "$t/rtl/b.sv" "$t/rtl/a.sv" "$t/rtl/sub/s.sv"
printf -- '// comment\ns.sv  # trailing comment\n' > "$t/rtl/sub/part.f"
printf -- '# comment\nb.sv\n\n-F sub/part.f\na.sv\n' > "$t/rtl/feather.f"
out=$(rtl_sources "$t" 2> "$WORK/complete.err") || bad "rtl_sources failed on a complete list"
# The nested list's path is relative to it; rtl/sub/s.sv is not an rtl/*.sv, so not required.
[[ "$out" == "$t/rtl/b.sv"$'\n'"$t/rtl/sub/s.sv"$'\n'"$t/rtl/a.sv" ]] || bad "rtl_sources order: $out"
# A source listed twice (through two filelists) comes once.
printf -- '-F sub/part.f\n' >> "$t/rtl/feather.f"
[[ $(rtl_sources "$t" | wc -l) -eq 3 ]] || bad "a source listed twice came twice"

touch "$t/rtl/c.sv"
if rtl_sources "$t" > /dev/null 2> "$WORK/unlisted.err"; then bad "an unlisted rtl/c.sv passed"; fi
grep -q "c.sv is not listed in rtl/feather.f" "$WORK/unlisted.err" || bad "no message naming c.sv"
rm "$t/rtl/c.sv"

echo "gone.sv" >> "$t/rtl/feather.f"
if rtl_sources "$t" > /dev/null 2> "$WORK/missing.err"; then bad "a missing gone.sv passed"; fi
grep -q "lists gone.sv, which does not exist" "$WORK/missing.err" || bad "no message naming gone.sv"
echo "-F nothere.f" >> "$t/rtl/feather.f"
if rtl_sources "$t" > /dev/null 2> "$WORK/nolist.err"; then bad "a missing filelist passed"; fi
grep -q "nothere.f does not exist" "$WORK/nolist.err" || bad "no message naming nothere.f"

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
