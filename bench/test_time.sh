#!/usr/bin/env bash
# Wall time of `make test` on a fresh clone with a cold compiler cache, phase by phase:
#   bench/test_time.sh <repo> [<scratch-dir>]
# Clones <repo> (its HEAD) into the scratch directory (default: a new temporary one), points
# ccache at an empty cache there, and runs the phases of `make test` in its order: build
# (`make build`: packages, configure, compile), the CTest run, `make test-sanitize`, `make
# fuzz-smoke`. Prints a markdown table (docs/performance.md, "Build time"; `make test-time`).
# The Debian packages must already be installed (the package check is timed, not the
# installation). Any failing phase fails the script.
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <repo> [<scratch-dir>]" >&2
  exit 2
fi
REPO=$(cd "$1" && pwd)
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
rm -rf "$WORK/clone" "$WORK/ccache"
git clone -q "$REPO" "$WORK/clone"
export CCACHE_DIR=$WORK/ccache
JOBS=$(nproc)

rows=()
total=0
phase() {
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s)
  if ! (cd "$WORK/clone" && "$@") >"$WORK/$name.log" 2>&1; then
    echo "test_time: phase '$name' failed (log: $WORK/$name.log)" >&2
    exit 1
  fi
  t1=$(date +%s)
  rows+=("| $name | $((t1 - t0)) |")
  total=$((total + t1 - t0))
}
phase "make build" make build
phase "ctest" bash -c "cd build && ctest -j $JOBS --timeout 900"
phase "make test-sanitize" make test-sanitize
phase "make fuzz-smoke" make fuzz-smoke

echo "| phase of a cold make test | wall (s) |"
echo "|---|---|"
printf '%s\n' "${rows[@]}"
echo "| total | $total ($((total / 60)) min $((total % 60)) s) |"
echo
echo "Commit $(git -C "$REPO" rev-parse --short HEAD), a fresh clone with an empty ccache, measured" \
  "$(date -u +%F) on $JOBS cores."
