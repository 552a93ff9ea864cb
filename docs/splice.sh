#!/usr/bin/env bash
# Replaces the generated block of a docs page: the lines between
#   <!-- BEGIN NAME -->  and  <!-- END NAME -->
# of DOC by the contents of FILE. Used by the generators of the tables in docs/
# (fpga/table.sh, make mapper-table), so that no generated number is typed by hand.
#   docs/splice.sh DOC NAME FILE
set -euo pipefail
doc=$1
name=$2
file=$3
if [[ ! -f $doc ]] || ! grep -q "<!-- BEGIN $name -->" "$doc"; then
  echo "[splice] $doc has no <!-- BEGIN $name --> marker: nothing replaced" >&2
  exit 1
fi
tmp=$(mktemp)
awk -v f="$file" -v b="<!-- BEGIN $name -->" -v e="<!-- END $name -->" '
  index($0, b) == 1 { print; while ((getline l < f) > 0) print l; skip = 1; next }
  index($0, e) == 1 { skip = 0 }
  !skip { print }' "$doc" >"$tmp"
cat "$tmp" >"$doc"
rm -f "$tmp"
echo "[splice] updated $doc ($name)" >&2
