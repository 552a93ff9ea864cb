#!/usr/bin/env bash
# Writes a help2man include file with every subcommand's own --help (cmake/install.cmake), so
# that feather.1 documents each command's options, not only the list of commands.
#   usage: man_include.sh <feather> <out-file>
set -euo pipefail
FEATHER=$1
OUT=$2
{
  echo "[COMMANDS]"
  "$FEATHER" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }' |
    while read -r cmd; do
      echo ".SS \"feather $cmd\""
      echo ".nf"
      # Leading dots and backslashes would be read as roff requests and escapes.
      "$FEATHER" "$cmd" --help |
        sed -e 's|^Usage: [^ ]*/feather|Usage: feather|' -e 's/\\/\\e/g' -e 's/^\./\\\&./'
      echo ".fi"
    done
  echo "[SEE ALSO]"
  echo "docs/user-guide.md in the source tree; share/feather/suites.yaml (the regression suites)."
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
