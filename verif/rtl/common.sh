#!/usr/bin/env bash
# Shared by the RTL checks in verif/rtl (sourced, not run).
#
#   rtl_sources <repo-root>
#       Prints the RTL sources, one absolute path a line, in the compilation order of
#       rtl/feather.f (feather_pkg first; its -F filelists expanded, paths relative to each
#       filelist, each source once). Fails, naming the file, when a filelist names a file that
#       does not exist or an rtl/*.sv is missing from them, so a new module cannot be left out
#       of the checks.
#   rtl_filelist <file.f>
#       The same for any filelist (rtl/birrd.f, rtl/nest.f, rtl/nest_birrd.f), without the
#       every-module check.
#   pkg_eval <repo-root> <expression>
#       Prints the value of an integer expression over feather_pkg (for example
#       "feather_pkg::birrd_stages(16, 1)"), evaluated by Icarus from rtl/feather_pkg.sv, so a
#       script needs no copy of a formula the package holds.
#   run_jobs <function> [<name> ...] < jobs
#       Runs `<function> <args of the line>` for every line of standard input, up to nproc at
#       once (xargs -P). The function and the other names (functions it calls, variables it
#       reads) are exported to the jobs. Returns non-zero when any job failed; every job runs
#       regardless.

# The sources a filelist names, one absolute path a line, in order: "-F FILE" lines are
# expanded in place, every path is relative to the filelist that names it (Verilator's -F), and
# "//" and "#" start comments. A missing file is named on stderr and fails.
rtl_filelist() {
  local f=$1 dir line rc=0
  if [[ ! -f $f ]]; then
    echo "rtl_filelist: $f does not exist" >&2
    return 1
  fi
  dir=$(cd "$(dirname "$f")" && pwd)
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%//*}
    line=${line%%#*}
    line=$(echo "$line" | xargs)
    [[ -z $line ]] && continue
    if [[ $line == "-F "* ]]; then
      rtl_filelist "$dir/${line#-F }" || rc=1
    else
      if [[ ! -f $dir/$line ]]; then
        echo "rtl_sources: $f lists $line, which does not exist" >&2
        rc=1
      fi
      echo "$dir/$line"
    fi
  done < "$f"
  return $rc
}

rtl_sources() {
  local root=$1 f listed missing=0
  listed=$(rtl_filelist "$root/rtl/feather.f" | awk '!seen[$0]++') || missing=1
  [[ -n $listed ]] && printf '%s\n' "$listed"
  for f in "$root"/rtl/*.sv; do
    if ! grep -qx "$(cd "$root/rtl" && pwd)/$(basename "$f")" <<<"$listed"; then
      echo "rtl_sources: $f is not listed in rtl/feather.f" >&2
      missing=1
    fi
  done
  return $missing
}

pkg_eval() {
  local root=$1 expr=$2 tmp rc=0
  tmp=$(mktemp -d)
  printf 'module pkg_eval_top;\n  initial $display("%%0d", %s);\nendmodule\n' "$expr" > "$tmp/top.sv"
  if iverilog -g2012 -o "$tmp/eval.vvp" "$root/rtl/feather_pkg.sv" "$tmp/top.sv" 2> "$tmp/log" \
     && vvp -n "$tmp/eval.vvp" > "$tmp/out" 2>> "$tmp/log"; then
    head -1 "$tmp/out"
  else
    echo "pkg_eval: cannot evaluate $expr:" >&2
    cat "$tmp/log" >&2
    rc=1
  fi
  rm -rf "$tmp"
  return $rc
}

run_jobs() {
  local fn=$1 name
  for name in "$@"; do
    if declare -F "$name" >/dev/null; then
      export -f "${name?}"
    else
      # shellcheck disable=SC2163  # exporting the variable named by the argument
      export "$name"
    fi
  done
  local nproc
  nproc=$(nproc 2>/dev/null || echo 2)
  # shellcheck disable=SC2016  # $0 and $@ belong to the inner bash
  xargs -P "$nproc" -L 1 bash -c '"$0" "$@"' "$fn"
}
