#!/usr/bin/env bash
# Every command's --help ends with an example and shows its options' defaults (docs/user-guide.md,
# "The feather command"): the example names the command itself, and every option that takes a
# number and has a default shows "(default: ...)" (never a sentinel such as 2^64-1).
#   usage: help_test.sh <feather>
set -euo pipefail
FEATHER=$1
fails=0
commands=$("$FEATHER" --help | awk '/^Subcommands:/ {on = 1; next} on && NF {print $1}')
[[ -n $commands ]] || { echo "FAIL: feather --help lists no commands"; exit 1; }
for cmd in $commands; do
  help=$("$FEATHER" "$cmd" --help)
  if ! grep -A1 '^Example:' <<<"$help" | grep -q "feather $cmd"; then
    echo "FAIL: feather $cmd --help has no example of feather $cmd"
    fails=$((fails + 1))
  fi
  if grep -q -E '18446744073709551615|\(default[ :].*\(default:' <<<"$help"; then
    echo "FAIL: feather $cmd --help shows a raw sentinel or a default twice:"
    grep -E '18446744073709551615|\(default[ :].*\(default:' <<<"$help"
    fails=$((fails + 1))
  fi
done
# Spot checks of the defaults shown.
"$FEATHER" map --help | grep -q -- '--latency .*(default: 2)' || { echo "FAIL: map --latency default"; fails=$((fails + 1)); }
"$FEATHER" regress --help | grep -q -- '--timeout .*(default: the suite'"'"'s)' \
  || { echo "FAIL: regress --timeout default"; fails=$((fails + 1)); }
# (route: a command of every build, the FEATHER_RTL=OFF one included)
"$FEATHER" route --help | grep -q -- "--wiring .*benes" \
  || { echo "FAIL: route --wiring default"; fails=$((fails + 1)); }
"$FEATHER" route --help | grep -q -- "--aw .*(default: 16)" \
  || { echo "FAIL: route --aw default"; fails=$((fails + 1)); }
[[ $fails -eq 0 ]] || exit 1
echo "help: every command has an example and shows its defaults"
