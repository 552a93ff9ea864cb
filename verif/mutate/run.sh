#!/usr/bin/env bash
# `make mutate`: build and run a sample of the mutants of rtl/ (docs/mutation.md).
#   usage: run.sh <repo-root> <out-dir>
#   environment: MUTANTS (sample size, 0 = every mutant; default 30), SEED (default 1),
#                MUTATE_TIMEOUT (seconds of suite per mutant, default 600),
#                MUTATE_BUILD_TIMEOUT (seconds of build per mutant, default 900),
#                MUTATE_TEST_JOBS (parallel regress jobs, default 2),
#                MUTATE_EQUIV_TIMEOUT (seconds per Yosys proof of a survivor, default 300),
#                MUTATE_BUILD_JOBS (ninja jobs of each rebuild, default 1)
# The tree is copied once to <out>/work/src and built once, reduced (below), in
# <out>/work/build; each mutant then changes one file of the copy, is rebuilt there (ninja,
# ccache: only what the file feeds is recompiled), run against the suite `mutate` under the
# time limit, and, when it survives, checked for equivalence (equiv.sh). Each verdict is
# written to <out>/results/<id> as soon as it is known, so an interrupted run resumes where it
# stopped when run again; a larger MUTANTS with the same SEED extends the sample and keeps the
# verdicts; a different seed, time limit, reduced build or changed rtl/ or suites start over.
# The report (report.md, report.json, summary.md) is rewritten after every mutant.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <repo-root> <out-dir>" >&2
  exit 2
fi
ROOT=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
COUNT=${MUTANTS:-30}
SEED=${SEED:-1}
TIMEOUT=${MUTATE_TIMEOUT:-600}
BUILD_TIMEOUT=${MUTATE_BUILD_TIMEOUT:-900}
TEST_JOBS=${MUTATE_TEST_JOBS:-2}
# A proof of the output engine's cast-width mutants takes about 140 s on 2 cores: 300 s leaves
# room for the larger modules.
EQUIV_TIMEOUT=${MUTATE_EQUIV_TIMEOUT:-300}
BUILD_JOBS=${MUTATE_BUILD_JOBS:-1}
for v in COUNT SEED TIMEOUT BUILD_TIMEOUT TEST_JOBS EQUIV_TIMEOUT BUILD_JOBS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a whole number, got '${!v}'" >&2; exit 2; }
done
for t in cmake ninja verilator yosys git timeout; do
  command -v $t >/dev/null || { echo "run.sh: $t not found (make deps)" >&2; exit 1; }
done

# The reduced build: the configurations the suite runs, nothing else. The designs equiv.sh
# proves on are the same configurations (the 4x4 top takes its depths from
# sw/configs/arrays.json).
CMAKE_CONFIG=(-DFEATHER_TOP_CONFIGS=4x4 "-DFEATHER_BIRRD_CONFIGS=4:32:1;8:32:1;4:32:0"
              -DFEATHER_NEST_CONFIGS=4:4 -DFEATHER_NEST_BIRRD_CONFIGS=4:4:1)
# shellcheck disable=SC2054  # the commas separate parameters within one design
DESIGNS=(birrd:AW=4,DW=32,WIRING=1 birrd:AW=8,DW=32,WIRING=1 birrd:AW=4,DW=32,WIRING=0
         nest:AH=4,AW=4
         nest_birrd:AH=4,AW=4,WIRING=1
         feather_top:AH=4,AW=4,SD=1024,WD=512,OD=512,QD=64,MAW=24,FAULT=1)
# The suite `mutate`: the regress suite of that name (verif/regress/suites.yaml), then the
# GoogleTest cosim tests of the built configurations, then the package probe's tests (the size
# functions of rtl/feather_pkg.sv at parameters beyond the built ones, against the C++ side).
GTEST_FILTER='Compiled/*:NestCollision.*:NestBirrd.*:Arrays/TopCosim.*/4x4:TopRunOptions.*'
SUITE="feather regress mutate + feather_cosim_tests --gtest_filter=$GTEST_FILTER + feather_pkg_tests"

WORK=$OUT/work
SRC=$WORK/src
BUILD=$WORK/build
mkdir -p "$SRC" "$OUT/results" "$OUT/logs"
export CCACHE_BASEDIR=$SRC
log() { echo "[mutate $(date -u +%H:%M:%S)] $*"; }

# The copy: every file of the tree git knows or would add, rewritten only where it differs (a rewritten file
# gets a new time stamp, so ninja rebuilds what it feeds, a mutant's leftovers included).
sync_tree() {
  local f
  (cd "$ROOT" && git ls-files --cached --others --exclude-standard) | while read -r f; do
    [[ -f $ROOT/$f ]] || continue
    if ! cmp -s "$ROOT/$f" "$SRC/$f"; then
      mkdir -p "$(dirname "$SRC/$f")"
      cp "$ROOT/$f" "$SRC/$f"
    fi
  done
}

log "syncing $ROOT into $SRC"
sync_tree
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "${CMAKE_CONFIG[@]}" \
  > "$OUT/logs/configure.log" 2>&1 \
  || { echo "run.sh: cmake failed: $OUT/logs/configure.log" >&2; exit 1; }
TARGETS=(feather feather_cosim_tests feather_pkg_tests)
log "building the unmutated reduced tree (first time: ~20 min on 2 cores; then seconds)"
ninja -C "$BUILD" -j"$BUILD_JOBS" feather_mutate "${TARGETS[@]}" > "$OUT/logs/build-original.log" 2>&1 \
  || { echo "run.sh: the unmutated tree does not build: $OUT/logs/build-original.log" >&2; exit 1; }
MUTATE=$BUILD/verif/mutate/feather_mutate

# run_suite <log>: 0 when the suite passes, 1 when it fails, 124 on the time limit.
run_suite() {
  local logf=$1 start left rc=0
  start=$(date +%s)
  timeout "$TIMEOUT" "$BUILD/sim/feather" regress mutate -j "$TEST_JOBS" --seed 1 -q \
    --no-debug-rerun --no-history --out "$WORK/regress" > "$logf" 2>&1 || rc=$?
  [[ $rc -ne 0 ]] && return $rc
  left=$((TIMEOUT - ($(date +%s) - start)))
  [[ $left -le 0 ]] && return 124
  timeout "$left" "$BUILD/verif/feather_cosim_tests" --gtest_filter="$GTEST_FILTER" \
    --gtest_brief=1 >> "$logf" 2>&1 || rc=$?
  [[ $rc -ne 0 ]] && return $rc
  left=$((TIMEOUT - ($(date +%s) - start)))
  [[ $left -le 0 ]] && return 124
  timeout "$left" "$BUILD/verif/feather_pkg_tests" --gtest_brief=1 >> "$logf" 2>&1 || rc=$?
  return $rc
}

# The sample, and whether earlier results belong to it.
HASH=$(cd "$ROOT" && cat rtl/*.sv verif/regress/suites.yaml | sha1sum | cut -c1-12)
TOTAL=$("$MUTATE" --root "$ROOT" list --tsv | wc -l)
"$MUTATE" --root "$ROOT" list --tsv --count "$COUNT" --seed "$SEED" > "$OUT/sample.tsv"
# The sample size is not part of the key: a larger sample with the same seed contains the smaller
# one (sampling draws the same mutants first), so growing MUTANTS reuses every verdict.
KEY="seed=$SEED sources=$HASH timeout=$TIMEOUT build=${CMAKE_CONFIG[*]}"
if [[ -f $OUT/run.key && $(cat "$OUT/run.key") != "$KEY" ]]; then
  log "a different seed, time limit, build or sources: earlier results moved to $OUT/results.old"
  rm -rf "$OUT/results.old"
  mv "$OUT/results" "$OUT/results.old"
  mkdir -p "$OUT/results"
  rm -f "$OUT/baseline.ok"
fi
echo "$KEY" > "$OUT/run.key"
cat > "$OUT/run.meta" <<META
date=$(date -u +%Y-%m-%d)
time=$(date -u +%H:%M)
seed=$SEED
count=$(wc -l < "$OUT/sample.tsv")
total=$TOTAL
timeout=$TIMEOUT
suite=$SUITE
commit=$(cd "$ROOT" && git rev-parse --short HEAD)
META

if [[ ! -f $OUT/baseline.ok ]]; then
  log "the suite on the unmutated tree"
  t0=$(date +%s)
  run_suite "$OUT/logs/baseline.log" \
    || { echo "run.sh: the suite fails on the unmutated tree: $OUT/logs/baseline.log" >&2; exit 1; }
  echo "$(( $(date +%s) - t0 )) s" > "$OUT/baseline.ok"
  log "baseline passed in $(cat "$OUT/baseline.ok")"
fi

report() {
  "$MUTATE" --root "$ROOT" report --results "$OUT" --out "$OUT" \
    || echo "run.sh: the report failed" >&2
}

n=0
while IFS=$'\t' read -r id file line module _; do
  n=$((n + 1))
  [[ -f $OUT/results/$id ]] && continue
  t0=$(date +%s)
  "$MUTATE" --root "$ROOT" apply --id "$id" --into "$SRC" > /dev/null
  status="" detail=""
  if ! timeout "$BUILD_TIMEOUT" ninja -C "$BUILD" -j"$BUILD_JOBS" "${TARGETS[@]}" > "$OUT/logs/$id.build.log" 2>&1; then
    status=did-not-build
    detail=$(grep -m1 -E '%Error|error:' "$OUT/logs/$id.build.log" | cut -c1-160 || true)
  else
    rc=0
    run_suite "$OUT/logs/$id.suite.log" || rc=$?
    if [[ $rc -eq 124 ]]; then
      status=killed detail="time limit"
    elif [[ $rc -ne 0 ]]; then
      status=killed detail=$(grep -m1 -E 'FAIL|Failure|mismatch' "$OUT/logs/$id.suite.log" | cut -c1-160 || true)
    elif EQUIV_TIMEOUT=$EQUIV_TIMEOUT "$ROOT/verif/mutate/equiv.sh" "$ROOT" "$SRC" "$module" \
           "$WORK/equiv/$id" "${DESIGNS[@]}" > "$OUT/logs/$id.equiv.log" 2>&1; then
      status=equivalent detail=$(tail -1 "$OUT/logs/$id.equiv.log")
    else
      status=survived detail=$(tail -1 "$OUT/logs/$id.equiv.log")
    fi
  fi
  cp "$ROOT/$file" "$SRC/$file"  # restored with a new time stamp: the next build redoes it
  secs=$(( $(date +%s) - t0 ))
  echo "$status $secs $detail" > "$OUT/results/$id.tmp"
  mv "$OUT/results/$id.tmp" "$OUT/results/$id"
  log "$n/$COUNT $id $file:$line $status (${secs} s)"
  report
done < "$OUT/sample.tsv"
report
log "done: $OUT/report.md"
