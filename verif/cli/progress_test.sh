#!/usr/bin/env bash
# Long commands show a progress bar on a terminal and nothing of it anywhere else
# (docs/user-guide.md): `feather map` and `feather compare` of a network run once under a
# pseudo-terminal (script(1)), where the bar must appear and be cleared before the table, and
# once into a pipe and a file, which must hold no bar, carriage return or escape sequence.
#   usage: progress_test.sh <feather> <network-file> <scratch-dir>
set -euo pipefail
FEATHER=$1
NET=$2
rm -rf "$3" && mkdir -p "$3"
WORK=$(cd "$3" && pwd)
command -v script > /dev/null || { echo "FAIL: script (util-linux) not found"; exit 1; }
fails=0
for cmd in map compare; do
  args=("$cmd" --network "$NET" --array 4x4)
  # On a terminal: stderr is the pty, stdout goes to a file.
  script -qec "$(printf '%q ' "$FEATHER" "${args[@]}") > $WORK/$cmd.tty.out" "$WORK/$cmd.tty.log" \
    > /dev/null 2>&1 || { echo "FAIL: feather $cmd failed on a terminal"; cat "$WORK/$cmd.tty.log"; fails=$((fails + 1)); }
  if ! grep -q '\[#*\.*\] [0-9]*/[0-9]* ' "$WORK/$cmd.tty.log"; then
    echo "FAIL: feather $cmd drew no progress bar on a terminal"
    fails=$((fails + 1))
  fi
  # The bar's line is cleared at the end: the last thing on the terminal is the erase sequence.
  if ! tail -c 200 "$WORK/$cmd.tty.log" | grep -q $'\r\033\\[K'; then
    echo "FAIL: feather $cmd left its progress bar on the terminal"
    fails=$((fails + 1))
  fi
  # Not a terminal: no trace of the bar.
  "$FEATHER" "${args[@]}" > "$WORK/$cmd.out" 2> "$WORK/$cmd.err"
  if grep -q $'\r\|\033\|\[###' "$WORK/$cmd.out" "$WORK/$cmd.err"; then
    echo "FAIL: feather $cmd wrote progress output into a file"
    fails=$((fails + 1))
  fi
done
[[ $fails -eq 0 ]] || exit 1
echo "progress: a bar on a terminal, none in files"
