#!/usr/bin/env bash
# Is a mutant of rtl/ equivalent to the original? A Yosys proof (docs/mutation.md).
#   usage: equiv.sh <original-root> <mutant-root> <module> <scratch-dir> <design>...
#   design: TOP:P=V,P=V,...  (a built configuration, e.g. birrd:AW=4,DW=32,WIRING=1)
# For every design, both trees are elaborated at its parameters; every derived copy of <module>
# in it (one per distinct parameter set) is flattened, and the original and the mutant are
# compared with equiv_make / equiv_simple -seq / equiv_induct -seq / equiv_status -assert.
# Exit 0 only when every copy in every design is proven equivalent; 1 when a proof fails, a
# copy cannot be matched, or Yosys fails (the log in the scratch directory says why); 2 on a
# usage error. Each Yosys run is limited to EQUIV_TIMEOUT seconds (default 120).
set -euo pipefail

if [[ $# -lt 5 ]]; then
  echo "usage: $0 <original-root> <mutant-root> <module> <scratch-dir> <design>..." >&2
  exit 2
fi
ORIG=$(cd "$1" && pwd)
MUT=$(cd "$2" && pwd)
MODULE=$3
mkdir -p "$4"
WORK=$(cd "$4" && pwd)
shift 4
TIMEOUT=${EQUIV_TIMEOUT:-120}
SEQ=${EQUIV_SEQ:-4}
command -v yosys >/dev/null || { echo "equiv: yosys not found" >&2; exit 1; }

# shellcheck source=verif/rtl/common.sh
source "$ORIG/verif/rtl/common.sh"
mapfile -t ORIG_SRCS < <(rtl_sources "$ORIG")
mapfile -t MUT_SRCS < <(rtl_sources "$MUT")

# elaborate <srcs...>: the Yosys commands reading the sources and elaborating $top at $chp.
elaborate() {
  echo "read_verilog -sv $*"
  echo "chparam $chp $top"
  echo "hierarchy -top $top"
}

proven=0
for design in "$@"; do
  top=${design%%:*}
  chp=""
  if [[ $design == *:* ]]; then
    IFS=, read -ra kv <<< "${design#*:}"
    for p in "${kv[@]}"; do chp+=" -set ${p%%=*} ${p#*=}"; done
  fi
  tag=$(echo "$design" | tr ':,=' '_._')
  # The derived copies of the module in this design (module names end in \<module>).
  { elaborate "${ORIG_SRCS[@]}"; echo "tee -o $WORK/$tag.mods ls"; } > "$WORK/$tag.list.ys"
  if ! timeout "$TIMEOUT" yosys -q -s "$WORK/$tag.list.ys" > "$WORK/$tag.list.log" 2>&1; then
    echo "equiv: yosys could not elaborate $design (log: $WORK/$tag.list.log)"
    exit 1
  fi
  # Names: <module>, $paramod$<hash>\<module> or $paramod\<module>\P=V...
  mapfile -t copies < <(awk -v m="$MODULE" '{ n = $1; b = n; sub(/.*\\/, "", b) }
    n == m || (n ~ /^\$paramod\$/ && b == m) || index(n, "$paramod\\" m "\\") == 1 { print n }' \
    "$WORK/$tag.mods")
  for d in "${copies[@]}"; do
    {
      elaborate "${ORIG_SRCS[@]}"
      echo "hierarchy -top $d"
      echo "proc; flatten; async2sync; opt_clean; memory -nomap"
      echo "rename -top gold"
      echo "design -stash gold"
      elaborate "${MUT_SRCS[@]}"
      echo "hierarchy -top $d"
      echo "proc; flatten; async2sync; opt_clean; memory -nomap"
      echo "rename -top gate"
      echo "design -stash gate"
      echo "design -copy-from gold -as gold gold"
      echo "design -copy-from gate -as gate gate"
      echo "equiv_make gold gate equiv"
      echo "hierarchy -top equiv"
      echo "equiv_simple -seq $SEQ"
      echo "equiv_induct -seq $SEQ"
      echo "equiv_status -assert"
    } > "$WORK/$tag.$proven.ys"
    rc=0
    timeout "$TIMEOUT" yosys -q -s "$WORK/$tag.$proven.ys" > "$WORK/$tag.$proven.log" 2>&1 || rc=$?
    if [[ $rc -eq 124 ]]; then
      echo "equiv: not proven in $design ($d): no proof within $TIMEOUT s"
      exit 1
    elif [[ $rc -ne 0 ]]; then
      why=$(grep -m1 '^ERROR' "$WORK/$tag.$proven.log" || echo "yosys exit code $rc")
      echo "equiv: not proven in $design ($d): $why (log $WORK/$tag.$proven.log)"
      exit 1
    fi
    proven=$((proven + 1))
  done
done
if [[ $proven -eq 0 ]]; then
  echo "equiv: no copy of module $MODULE in the designs: nothing proven"
  exit 1
fi
echo "equiv: $MODULE proven equivalent ($proven copies)"
