#!/usr/bin/env bash
# feather regress --shard I/N and feather regress merge (docs/user-guide.md): a suite run as
# shards in parallel (as GNU parallel or LSF would) and merged gives the unsharded run's report:
# the same verdicts per job, the same merged functional coverage, the failing jobs' waveforms
# and rerun file. Bad shards and bad merges are refused by name.
#   usage: shard_test.sh <feather> <selftest.yaml> <scratch-dir>
set -euo pipefail
FEATHER=$1
SUITES=$2
rm -rf "$3" && mkdir -p "$3"
WORK=$(cd "$3" && pwd)
fail() { echo "FAIL: $*"; exit 1; }

verdicts() { python3 "$(dirname "$0")/junit_verdicts.py" "$1"; }

for suite in fault topcov; do
  echo "== $suite: 3 shards in parallel, merged, against one run"
  "$FEATHER" regress "$suite" --suites "$SUITES" -q --out "$WORK/$suite-whole" > /dev/null 2>&1 || true
  pids=()
  for i in 1 2 3; do
    "$FEATHER" regress "$suite" --suites "$SUITES" -q -j 1 --shard "$i/3" --out "$WORK/$suite-$i" \
      > "$WORK/$suite-$i.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  rc=0
  "$FEATHER" regress merge "$WORK/$suite-1" "$WORK/$suite-2" "$WORK/$suite-3" -q \
    --out "$WORK/$suite-merged" > "$WORK/$suite-merge.log" 2>&1 || rc=$?
  [[ $rc -le 1 ]] || { cat "$WORK/$suite-merge.log"; fail "$suite: merge exited $rc"; }
  xmllint --noout "$WORK/$suite-merged/junit.xml" || fail "$suite: merged junit.xml does not parse"
  verdicts "$WORK/$suite-whole/junit.xml" > "$WORK/$suite-whole.verdicts"
  verdicts "$WORK/$suite-merged/junit.xml" > "$WORK/$suite-merged.verdicts"
  want=$("$FEATHER" regress "$suite" --suites "$SUITES" --list | grep -c '(timeout')
  [[ $(wc -l < "$WORK/$suite-whole.verdicts") -eq $want ]] || fail "$suite: the unsharded run did not report its $want jobs"
  diff "$WORK/$suite-whole.verdicts" "$WORK/$suite-merged.verdicts" \
    || fail "$suite: merged verdicts differ from the unsharded run's (< whole, > merged)"
  python3 - "$WORK/$suite-whole/coverage.json" "$WORK/$suite-merged/coverage.json" <<'PY' \
    || fail "$suite: the merged functional coverage differs from the unsharded run's"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if a == b and a["groups"] else 1)
PY
done
n=$(ls "$WORK"/fault-merged/waves/*.fst | wc -l)
[[ $n -eq 2 ]] || fail "fault: $n waveforms in the merged run, expected 2"
[[ $(grep -c -- '--seed' "$WORK/fault-merged/rerun.txt") -eq 2 ]] || fail "fault: the merged rerun file does not hold the two failing jobs"
grep -q 'waves/birrd-fault' "$WORK/fault-merged/report.html" || fail "fault: the merged report does not link the waveform"

echo "== refused"
refuse() {  # refuse <expected message> <args...>
  local want=$1 rc=0
  shift
  out=$("$FEATHER" regress "$@" 2>&1) || rc=$?
  [[ $rc -eq 2 ]] || fail "feather regress $* exited $rc, expected 2"
  grep -q -- "$want" <<<"$out" || fail "feather regress $*: '$out' does not say '$want'"
}
refuse "shard 3/3 of suite fault missing" merge "$WORK/fault-1" "$WORK/fault-2" --out "$WORK/x"
refuse "given twice" merge "$WORK/fault-1" "$WORK/fault-1" "$WORK/fault-2" --out "$WORK/x"
refuse "not parts of one run" merge "$WORK/fault-1" "$WORK/topcov-2" "$WORK/fault-3" --out "$WORK/x"
refuse "results.json: missing" merge "$WORK" --out "$WORK/x"
for bad in 0/2 3/2 a/b 2 1/0 -1/2; do
  refuse "expected I/N" fault --suites "$SUITES" --shard "$bad"
done
echo "shard: sharded runs merge into the unsharded run's report"
