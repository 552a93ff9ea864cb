#!/usr/bin/env bash
# Hostile input for `feather` (issue 22): every bad input is refused with exit code 2 and a
# message naming what is wrong, never wrapped, clamped, ignored, crashed on or hung on.
#
#   verif/cli/hostile_inputs.sh FEATHER [--markdown FILE]
#
# Two parts:
#   1. the curated cases of verif/cli/hostile_inputs.txt (bad values, impossible layers,
#      malformed files, options that do not apply), each with the message it must print;
#   2. a sweep over every numeric option of every command, found in the commands' --help (so a
#      new option is covered the day it is added): each takes -1, nan, inf, 1e30,
#      99999999999999999999, 1.5e, abc and an empty string, after arguments that are valid on
#      their own, and must be refused with exit code 2 and a message naming the option.
# Exits with 1 and names every case that failed. With --markdown, writes the table of
# docs/hostile-input.md (make hostile-table splices it there).
set -uo pipefail
feather=$(realpath "${1:?usage: hostile_inputs.sh FEATHER [--markdown FILE]}")
markdown=
if [[ ${2:-} == --markdown ]]; then markdown=${3:?--markdown needs a file}; fi
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The malformed files the cases name.
printf 'network: truncated\nlayers:\n  - {name: a, op: conv, h: 4\n' >"$tmp/truncated.yaml"
printf 'network: negative\nlayers:\n  - {name: a, op: conv, h: -4, w: 4, c: 4, k: 4, r: 3, s: 3}\n' \
  >"$tmp/negative.yaml"
printf 'suites:\n  noseed:\n    jobs:\n      - test: t\n        command: birrd-cosim --aw 8\n' \
  >"$tmp/suites.yaml"

failures=0
rows=()

# run_case ARGS...: runs feather in the scratch directory (so that nothing lands in the tree),
# sets $rc and $out.
run_case() {
  out=$(cd "$tmp" && timeout 60 "$feather" "$@" 2>&1)
  rc=$?
}

# The line of the output that says what is wrong: the one matching $1 (else the first), with
# the scratch directory left out.
message() {
  local m
  m=$(grep -m1 -E -- "$1" <<<"$out" || grep -v -E '^(Run with --help|\s*$)' <<<"$out" | head -1)
  m=${m//$tmp\//}
  cut -c1-200 <<<"$m"
}

md_escape() { sed -e 's/|/\\|/g' -e 's/`/\\`/g' <<<"$1"; }

# 1. Curated cases.
while IFS= read -r line; do
  [[ -z ${line// /} || $line == \#* ]] && continue
  what=${line%% | *}
  rest=${line#* | }
  args_text=${rest%% | *}
  expect=${rest#* | }
  args_text=${args_text//@SRC@/$src}
  args_text=${args_text//@TMP@/$tmp}
  eval "args=($args_text)"
  run_case "${args[@]}"
  msg=$(message "$expect")
  if [[ $rc -ne 2 ]] || ! grep -q -E -- "$expect" <<<"$out"; then
    echo "FAIL: $what: feather ${args_text}: exit $rc (want 2), output:" >&2
    sed 's/^/    /' <<<"$out" | head -8 >&2
    echo "    expected: $expect" >&2
    failures=$((failures + 1))
  fi
  # The table names no machine's paths: the scratch directory as TMP, the tree as relative.
  shown=${args_text//$tmp\//}
  shown=${shown//$tmp/TMP}
  shown=${shown//$src\//}
  msg=${msg//$tmp/TMP}
  msg=${msg//$src\//}
  rows+=("| $(md_escape "$what") | \`feather $(md_escape "$shown")\` | $rc | $(md_escape "$msg") |")
done <"$here/hostile_inputs.txt"

# 2. The numeric options of every command, swept.
declare -A base=(
  [birrd-demo]="--cycles 100"
  [route]="--aw 8 --target 0<-1"
  [birrd-cosim]="--aw 8 --cycles 100"
  [nest-cosim]="--ah 4 --aw 4 --cycles 100"
  [run]="--layer gemm --m 4 --k 4 --n 4 --array 4x4"
  [map]="--layer gemm --m 4 --k 4 --n 4 --array 4x4"
  [compare]="--network $src/sw/networks/examples/residual_small.yaml --array 4x4"
  [regress]="--suites $src/verif/regress/selftest.yaml fault --out $tmp/regress"
)
values=(-1 nan inf 1e30 99999999999999999999 1.5e abc '')
swept=0
options_swept=()
commands=$("$feather" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}')
for cmd in $commands; do
  [[ -v base[$cmd] ]] || { [[ $cmd == list-models ]] && continue; echo "FAIL: no base arguments for command '$cmd' in $0" >&2; failures=$((failures + 1)); continue; }
  read -r -a b <<<"${base[$cmd]}"
  opts=$("$feather" "$cmd" --help | grep -E '^\s+(-[a-z],)?--[a-z-]+ (INT|UINT|FLOAT)' |
    sed -E 's/^\s+(-[a-z],)?(--[a-z-]+).*/\2/')
  names=()
  for o in $opts; do
    # Shape options of the other layer kind are refused as not applying; the sweep gives each
    # kind's options with a layer of that kind.
    args=("${b[@]}")
    if [[ $cmd == run || $cmd == map ]]; then
      case $o in
        --h | --w | --c | --co | --kernel | --stride | --pad | --dilation | --groups)
          args=(--layer conv --array 4x4) ;;
        --streams) args=(--layer random-stream --array 4x4) ;;
      esac
    fi
    names+=("\`$o\`")
    for v in "${values[@]}"; do
      # An option of the base arguments takes the bad value in its place.
      given=()
      replaced=0
      for ((i = 0; i < ${#args[@]}; ++i)); do
        given+=("${args[i]}")
        if [[ ${args[i]} == "$o" ]]; then
          given+=("$v")
          i=$((i + 1))
          replaced=1
        fi
      done
      [[ $replaced -eq 1 ]] || given+=("$o" "$v")
      run_case "$cmd" "${given[@]}"
      swept=$((swept + 1))
      if [[ $rc -ne 2 ]] || ! grep -q -F -- "$o" <<<"$out"; then
        echo "FAIL: feather $cmd ${given[*]} (bad value '$v'): exit $rc (want 2 and a message naming $o):" >&2
        sed 's/^/    /' <<<"$out" | head -4 >&2
        failures=$((failures + 1))
      fi
    done
  done
  options_swept+=("| \`$cmd\` | ${#names[@]} | $(IFS=' '; echo "${names[*]}") |")
done

echo "[hostile] ${#rows[@]} curated cases, $swept swept values: $failures failure(s)" >&2

if [[ -n $markdown ]]; then
  {
    echo "Generated by \`make hostile-table\` (verif/cli/hostile_inputs.sh) on $(date -u +%Y-%m-%d);"
    echo "exit code 2 is every error of \`feather\` (1: a run that ran and failed a check)."
    echo
    echo "| input | command | exit | message |"
    echo "|---|---|---:|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Every numeric option of every command, swept with the values" \
      "$(printf '`%s` ' "${values[@]:0:7}")and the empty string after arguments" \
      "that are valid on their own ($swept runs): each is refused with exit code 2 and a" \
      "message naming the option."
    echo
    echo "| command | options | swept |"
    echo "|---|---:|---|"
    printf '%s\n' "${options_swept[@]}"
  } >"$markdown"
fi
[[ $failures -eq 0 ]]
