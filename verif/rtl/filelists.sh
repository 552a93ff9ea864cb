#!/usr/bin/env bash
# The unit filelists work as Verilator's -F reads them, from any directory (paths relative to
# each list, nested -F): rtl/birrd.f, rtl/nest.f, rtl/nest_birrd.f and rtl/feather.f each lint
# their unit clean (-Wall) from a scratch directory, and each names the sources rtl_sources
# expands from it (the same lists CMake reads, cmake/filelist.cmake).
#   usage: filelists.sh <repo-root> <scratch-dir>
set -euo pipefail
ROOT=$(cd "$1" && pwd)
mkdir -p "$2/filelists"
WORK=$(cd "$2/filelists" && pwd)
# shellcheck source=verif/rtl/common.sh
source "$ROOT/verif/rtl/common.sh"
command -v verilator > /dev/null || { echo "FAIL: verilator not found" >&2; exit 1; }
fail=0
for unit in birrd:birrd nest:nest nest_birrd:nest_birrd feather:feather_top; do
  list=${unit%%:*}
  top=${unit#*:}
  if (cd "$WORK" && verilator --lint-only -Wall --top-module "$top" "$ROOT/rtl/feather.vlt" \
        -F "$ROOT/rtl/$list.f") > "$WORK/$list.log" 2>&1; then
    echo "  ok   verilator -F rtl/$list.f ($top, $(rtl_filelist "$ROOT/rtl/$list.f" | wc -l) sources)"
  else
    echo "  FAIL verilator -F rtl/$list.f ($top):"
    sed -n '1,20p' "$WORK/$list.log"
    fail=1
  fi
done
exit $fail
