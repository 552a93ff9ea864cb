#!/usr/bin/env bash
# The `make perf-tables` pipeline on a few short benchmarks (ctest bench.perf_tables): the
# tables are written with their headers and verdicts, and bad input is refused by name.
#   perf_tables_smoke.sh FEATHER_BENCH FEATHER_PERF_TABLES
set -euo pipefail
bench=$1
tables=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bench" --benchmark_filter='BM_Sim(Birrd/benes_.*/8|Nest/4x4/.*|Top/4x4)$|BM_Route(Constructive/permutation|Sat/benes_partition)/(8|16)$' \
  --benchmark_min_time=0.01 --benchmark_repetitions=2 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$dir/b.json" --benchmark_out_format=json >/dev/null 2>&1
"$tables" --json "$dir/b.json" --out "$dir" --verilator "Verilator test" --compiler "c++ test"
fail() { echo "perf_tables_smoke: $*" >&2; exit 1; }
for f in sim-birrd sim-nest sim-top route; do
  [[ -s $dir/$f.md ]] || fail "$f.md not written"
  grep -q 'medians of 2 interleaved repetitions' "$dir/$f.md" || fail "$f.md: no header"
done
grep -q '^| 8 | 2.32 M | [0-9.]* [Mk] | [0-9.]*x |' "$dir/sim-birrd.md" || fail "sim-birrd.md: no AW = 8 row"
grep -q '^| 4x4 | [0-9.]* [Mk] | [0-9.]* [Mk] | +[0-9]* % |' "$dir/sim-nest.md" || fail "sim-nest.md: no 4x4 row"
grep -q '^| 4x4 | [0-9.]* [Mk] | 1.47 M | [0-9.]*x |' "$dir/sim-top.md" || fail "sim-top.md: no 4x4 row"
grep -q 'Lockstep model, at most +30 % per cycle: ' "$dir/sim-nest.md" || fail "sim-nest.md: no verdict"
grep -q '^| constructive, permutation | [0-9.]* us |' "$dir/route.md" || fail "route.md: no permutation row"
grep -q '^| Benes, arbitrary partitions | [0-9.]* ms' "$dir/route.md" || fail "route.md: no SAT row"
# Bad input: named, exit 1, nothing crashes.
echo 'not json' >"$dir/bad.json"
out=$("$tables" --json "$dir/bad.json" --out "$dir" 2>&1) && fail "malformed JSON accepted"
grep -q 'is not valid JSON' <<<"$out" || fail "malformed JSON: unclear error: $out"
echo '{"benchmarks": []}' >"$dir/empty.json"
out=$("$tables" --json "$dir/empty.json" --out "$dir" 2>&1) && fail "empty results accepted"
grep -q 'has no BM_SimBirrd/\* results' <<<"$out" || fail "empty results: unclear error: $out"
echo "perf_tables_smoke: ok"
