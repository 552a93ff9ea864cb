#!/usr/bin/env bash
# Generated documents escape the names users write (docs/user-guide.md, "Exit codes and bad
# input"): a network, its layers and a regression suite's tests named with & < > " ' | and a
# backslash go through `feather compare` (SVG, Markdown, JSON, summary), `feather map`
# (Markdown table) and `feather regress` (JUnit XML, HTML); every XML/HTML output must parse
# (xmllint), the JSON must parse and keep the names as written, and every Markdown table row
# must keep its column count.
#   usage: escaping.sh <feather> <scratch-dir>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <feather> <scratch-dir>" >&2
  exit 2
fi
FEATHER=$1
rm -rf "$2" && mkdir -p "$2"
WORK=$(cd "$2" && pwd)
command -v xmllint >/dev/null || { echo "FAIL: xmllint not found (make deps: libxml2-utils)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 not found" >&2; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Markdown tables: every row of a table (a run of lines starting with '|') has as many
# unescaped '|' as its header.
check_md() {
  python3 - "$1" <<'PY' || fail "$1: a table row lost or gained a column"
import re, sys
cols = None
bad = 0
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.startswith("|"):
        cols = None
        continue
    k = len(re.findall(r"(?<!\\)\|", line))
    if cols is None:
        cols = k
    elif k != cols:
        print(f"  line {n}: {k} cells, the header has {cols}: {line.rstrip()}")
        bad = 1
sys.exit(bad)
PY
}

NET="$WORK/hostile.yaml"
cat > "$NET" <<'YAML'
network: "a&b <c> \"d\" 'e' | f"
layers:
  - {name: "stem<&>", op: conv, h: 8, w: 8, c: 3, k: 8, r: 3, s: 3, pad: 1}
  - {name: "mid|\"q\"\\", op: conv, h: 8, w: 8, c: 8, k: 8, r: 1, s: 1}
  - {name: "fc'</svg>", op: fc, gm: 1, gk: 8, gn: 4}
YAML

echo "== feather compare"
"$FEATHER" compare --network "$NET" --array 4x4 --svg "$WORK/c.svg" --markdown "$WORK/c.md" \
  --json "$WORK/c.json" --summary "$WORK/summary.md" > "$WORK/compare.log" 2>&1 \
  || { cat "$WORK/compare.log"; fail "feather compare exited non-zero"; }
xmllint --noout "$WORK/c.svg" 2> "$WORK/svg.err" || { cat "$WORK/svg.err"; fail "c.svg is not well-formed XML"; }
grep -q 'stem&lt;&amp;&gt;' "$WORK/c.svg" || fail "c.svg does not name the layer stem<&> escaped"
check_md "$WORK/c.md"
check_md "$WORK/summary.md"
python3 - "$WORK/c.json" <<'PY' || fail "c.json does not keep the names as written"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["network"] == "a&b <c> \"d\" 'e' | f", j["network"]
names = {l["name"] for l in j["layers"]}
assert {"stem<&>", "mid|\"q\"\\", "fc'</svg>"} <= names, names
PY

echo "== feather map"
"$FEATHER" map --network "$NET" --array 4x4 > "$WORK/map.md" 2>&1 \
  || { cat "$WORK/map.md"; fail "feather map exited non-zero"; }
check_md "$WORK/map.md"

echo "== feather regress"
cat > "$WORK/suites.yaml" <<'YAML'
suites:
  "s<&>":
    description: "names with markup: <b>&amp;</b> \"x\" 'y'"
    timeout: 60
    jobs:
      - test: "pass<&>\"'"
        command: birrd-cosim --aw 4 --cycles 1000 --seed {seed}
      - test: "fail</testcase>&"
        command: birrd-cosim --aw 4 --cycles 1000 --fault-cycle 300 --fault-stage 1 --seed {seed}
YAML
rc=0
"$FEATHER" regress "s<&>" --suites "$WORK/suites.yaml" --out "$WORK/regress" -j 1 -q --no-debug-rerun \
  > "$WORK/regress.log" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { cat "$WORK/regress.log"; fail "feather regress exited $rc, expected 1 (one job fails)"; }
for f in "$WORK"/regress/*.xml; do
  xmllint --noout "$f" 2> "$WORK/xml.err" || { cat "$WORK/xml.err"; fail "$f is not well-formed XML"; }
done
ls "$WORK"/regress/*.xml > /dev/null 2>&1 || fail "feather regress wrote no JUnit XML"
for f in "$WORK"/regress/*.html; do
  xmllint --html --noout "$f" 2> "$WORK/html.err" || true
  # libxml2's HTML parser accepts any tag soup; what must not happen is a name that opens or
  # closes an element: it reports those as unexpected or mismatched tags.
  if grep -q 'Unexpected end tag\|Tag testcase invalid\|Opening and ending tag mismatch' "$WORK/html.err"; then
    cat "$WORK/html.err"; fail "$f: a name was taken as markup"
  fi
  grep -q 'pass&lt;&amp;&gt;&quot;&#39;' "$f" || fail "$f does not show the test pass<&>\"' escaped"
done
ls "$WORK"/regress/*.html > /dev/null 2>&1 || fail "feather regress wrote no HTML report"

if [[ $fails -ne 0 ]]; then
  echo "escaping: $fails failure(s); outputs in $WORK"
  exit 1
fi
echo "escaping: every generated document parses and keeps its columns"
