#!/usr/bin/env bash
# Shared by the RTL checks in verif/rtl (sourced, not run).
#
#   rtl_sources <repo-root>
#       Prints the RTL sources, one absolute path a line, in the compilation order of
#       rtl/feather.f. Fails, naming the file, when rtl/feather.f lists a
#       file that does not exist or an rtl/*.sv is missing from it, so a new module cannot be
#       left out of the checks.
#   run_jobs <function> [<name> ...] < jobs
#       Runs `<function> <args of the line>` for every line of standard input, up to nproc at
#       once (xargs -P). The function and the other names (functions it calls, variables it
#       reads) are exported to the jobs. Returns non-zero when any job failed; every job runs
#       regardless.

rtl_sources() {
  local root=$1 f listed=() missing=0
  while read -r f; do
    [[ -z "$f" || "$f" == \#* ]] && continue
    if [[ ! -f "$root/$f" ]]; then
      echo "rtl_sources: rtl/feather.f lists $f, which does not exist" >&2
      missing=1
    fi
    listed+=("$f")
    echo "$root/$f"
  done < "$root/rtl/feather.f"
  for f in "$root"/rtl/*.sv; do
    if ! printf '%s\n' "${listed[@]}" | grep -qx "rtl/$(basename "$f")"; then
      echo "rtl_sources: $f is not listed in rtl/feather.f" >&2
      missing=1
    fi
  done
  return $missing
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
