#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (make fuzz-smoke: 20 s in CI; make fuzz-nightly: 10 min)
# with ASan + UBSan halting on the first finding, FUZZ_JOBS targets at a time (default 1). Each
# run first replays the checked-in corpus verif/fuzz/corpus/<target>/ (seeds and crash
# regressions), then fuzzes; the corpus it grows is kept in BUILD/fuzz-work/<target>/ (so nightly
# runs build on each other), crash inputs go to BUILD/fuzz-artifacts/.
#   [FUZZ_JOBS=N] verif/fuzz/run.sh BUILD SECONDS [TARGET...]
# With --merge, runs nothing new: the inputs of earlier runs (BUILD/fuzz-work/<target>/) that add
# coverage are merged into the checked-in corpus (libFuzzer -merge=1), to be committed.
#   verif/fuzz/run.sh --merge BUILD [TARGET...]
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
default_targets=(fuzz_birrd_target fuzz_isa_golden fuzz_layer_compile fuzz_layout fuzz_workload)
if [[ ${1:-} == --merge ]]; then
  build=${2:?usage: run.sh --merge BUILD [TARGET...]}
  shift 2
  targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=("${default_targets[@]}")
  for t in "${targets[@]}"; do
    work=$build/fuzz-work/$t
    if [[ ! -d $work ]]; then
      echo "fuzz: $t: no runs to merge ($work does not exist)"
      continue
    fi
    before=$(find "$src/corpus/$t" -type f | wc -l)
    "$build/verif/fuzz/$t" -merge=1 "$src/corpus/$t" "$work" >"$build/fuzz-work/$t.merge.log" 2>&1 ||
      { tail -n 20 "$build/fuzz-work/$t.merge.log"; echo "fuzz: $t: merge FAILED"; exit 1; }
    after=$(find "$src/corpus/$t" -type f | wc -l)
    echo "fuzz: $t: corpus $before -> $after inputs (verif/fuzz/corpus/$t)"
  done
  exit 0
fi
build=$1
secs=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${default_targets[@]}")
jobs=${FUZZ_JOBS:-1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
art=$build/fuzz-artifacts
mkdir -p "$art"

# One target: exit status of libFuzzer, output in BUILD/fuzz-work/<target>.log.
fuzz_one() {
  local t=$1 work=$build/fuzz-work/$1
  mkdir -p "$work"
  # -timeout: one input taking longer is a hang (a finding); -rss_limit_mb: so is a blow-up.
  "$build/verif/fuzz/$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$art/$t-" "$work" "$src/corpus/$t" \
    >"$build/fuzz-work/$t.log" 2>&1
}

start=$(date +%s)
declare -A pid
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$t" &
  pid[$t]=$!
done

status=0
for t in "${targets[@]}"; do
  log=$build/fuzz-work/$t.log
  if wait "${pid[$t]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz: $t: ${runs:-?} runs, $cov, no finding"
  else
    tail -n 60 "$log"
    echo "fuzz: $t FAILED (log $log); reproduce with: $build/verif/fuzz/$t $art/$t-<file>"
    status=1
  fi
done
echo "fuzz: ${#targets[@]} targets, ${secs} s each, $jobs at a time: $(($(date +%s) - start)) s"
exit $status
