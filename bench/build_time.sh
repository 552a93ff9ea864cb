#!/usr/bin/env bash
# Build time of every verilated model of the default build, from a cold compiler cache
# (CCACHE_DISABLE=1), with the project's own compile commands (a fresh CMake build tree):
#   bench/build_time.sh <source-dir> <scratch-build-dir> [<model-name-regex>]
# Prints a markdown table (docs/performance.md, "Build time"; `make build-tables`): per model
# the generated C++, the verilate time, the compile time (CPU seconds: the sum of its compile
# jobs from .ninja_log) and the wall time of verilate + compile with two jobs, then the totals.
# The Verilator runtime is compiled first and not counted. The scratch tree is removed first;
# each model is built alone, so its wall time is that of a build of just that model.
set -euo pipefail
if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 <source-dir> <scratch-build-dir> [<model-name-regex>]" >&2
  exit 2
fi
SRC=$(cd "$1" && pwd)
OUT=$2
FILTER=${3:-.}
JOBS=2
export CCACHE_DISABLE=1

rm -rf "$OUT"
mkdir -p "$OUT"
cmake -S "$SRC" -B "$OUT" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$OUT/configure.log" 2>&1 || {
  echo "build_time: configure failed (log: $OUT/configure.log)" >&2
  exit 1
}
cd "$OUT"
targets=$(ninja -t targets all | sed -n 's/^\(sim\/CMakeFiles\/feather_models\.dir\/[^:]*\.o\): .*/\1/p')
runtime=$(grep '/usr/' <<<"$targets" || true)
[[ -n $runtime ]] && ninja -j "$JOBS" $runtime >/dev/null

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# CPU seconds of the jobs in .ninja_log whose output matches $1 (each job counted once).
cpu() {
  awk -v re="$1" 'NR > 1 && $4 ~ re && !seen[$1 " " $2 " " $5]++ { s += ($2 - $1) / 1000 }
    END { printf "%.1f", s }' .ninja_log
}

echo "| model | generated C++ (MB) | verilate (s) | compile (CPU s) | verilate + compile, $JOBS jobs (s) |"
echo "|---|---|---|---|---|"
total_cpu=0
total_wall=0
n=0
for dir in sim/verilated/V*/; do
  m=$(basename "$dir")
  grep -Eq "$FILTER" <<<"$m" || continue
  objs=$(grep "feather_models\.dir/verilated/$m/" <<<"$targets" || true)
  [[ -z $objs ]] && continue
  # Verilator ran at configure time; run its command again (it rewrites the sources, so the
  # compile below is from scratch).
  rm -f "$dir"/*__verFiles.dat  # else Verilator finds its output up to date and skips
  t0=$(now)
  bash -c "$(ninja -t commands "sim/verilated/$m/$m.cpp" | tail -1)" >/dev/null 2>&1
  t1=$(now)
  ninja -j "$JOBS" $objs >/dev/null
  t2=$(now)
  mb=$(cat "$dir"/*.cpp "$dir"/*.h | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
  c=$(cpu "feather_models\\.dir/verilated/$m/")
  echo "| $m | $mb | $(secs "$t0" "$t1") | $c | $(secs "$t0" "$t2") |"
  total_cpu=$(awk -v a="$total_cpu" -v b="$c" 'BEGIN { print a + b }')
  total_wall=$(awk -v a="$total_wall" -v b="$(secs "$t0" "$t2")" 'BEGIN { print a + b }')
  n=$((n + 1))
done
echo
echo "$n models: $total_cpu CPU-s of compile jobs, $total_wall s of verilate + compile on $JOBS" \
  "jobs (measured $(date -u +%F) on $(nproc) cores, $(verilator --version | cut -d' ' -f1-2)," \
  "$(c++ --version | head -1))."
