#!/usr/bin/env bash
# The installed tree works without the source tree (docs/user-guide.md, "Installing"):
# `cmake --install` into a fresh prefix, then
#   - the installed feather prints its version, finds its suites under share/feather (a suite
#     added there is listed) and maps a built-in network;
#   - a CMake project outside the tree (verif/install/consumer) finds the package, links
#     feather::sw, and its program routes and maps correctly;
#   - the same program builds with pkg-config alone;
#   - the man page is installed and names the commands (when help2man is there);
#   - the Python module imports from the prefix and routes (when the build has it).
#   usage: install_test.sh <build-dir> <scratch-dir>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <build-dir> <scratch-dir>" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
rm -rf "$2" && mkdir -p "$2"
WORK=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=$WORK/prefix

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== cmake --install"
cmake --install "$BUILD" --prefix "$PREFIX" > "$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log"; fail "cmake --install failed"; }
for f in bin/feather include/feather/version.hpp include/feather/map/mapper.hpp \
         share/feather/suites.yaml share/feather/networks/resnet50.yaml \
         share/feather/configs/arrays.json; do
  [[ -e $PREFIX/$f ]] || fail "not installed: $f"
done
LIBDIR=$(dirname "$(find "$PREFIX" -name libfeather_sw.a | head -1)")
[[ -f $LIBDIR/libfeather_sw.a ]] || fail "libfeather_sw.a not installed"
[[ -f $LIBDIR/cmake/feather/featherConfig.cmake ]] || fail "featherConfig.cmake not installed"
[[ -f $LIBDIR/pkgconfig/feather.pc ]] || fail "feather.pc not installed"

# Run from a directory with nothing of the project in it.
cd "$WORK"
echo "== the installed feather"
FEATHER=$PREFIX/bin/feather
want=$(sed -n 's/^project(feather VERSION \([0-9.]*\).*/\1/p' "$HERE/../../CMakeLists.txt")
got=$("$FEATHER" --version)
[[ $got == "feather $want" ]] || fail "feather --version printed '$got', expected 'feather $want'"
cat >> "$PREFIX/share/feather/suites.yaml" <<'YAML'
  installed-only:
    description: "added to the installed suites file by install_test.sh"
    jobs:
      - test: route
        command: birrd-cosim --aw 4 --cycles 100 --seed {seed}
YAML
"$FEATHER" regress --list > "$WORK/list.txt" 2>&1 || { cat "$WORK/list.txt"; fail "regress --list failed"; }
grep -q '^installed-only' "$WORK/list.txt" \
  || { cat "$WORK/list.txt"; fail "the installed feather does not read share/feather/suites.yaml"; }
"$FEATHER" map --network "$PREFIX/share/feather/networks/examples/residual_small.yaml" \
  --array 4x4 > "$WORK/map.txt" 2>&1 \
  || { cat "$WORK/map.txt"; fail "the installed feather cannot map an installed network file"; }
grep -q 'layers mapped' "$WORK/map.txt" || { cat "$WORK/map.txt"; fail "map printed no total"; }

echo "== find_package(feather) from another project"
cmake -S "$HERE/consumer" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_BUILD_TYPE=Release > "$WORK/consumer.log" 2>&1 \
  || { cat "$WORK/consumer.log"; fail "the consumer project does not configure"; }
cmake --build "$WORK/consumer" >> "$WORK/consumer.log" 2>&1 \
  || { cat "$WORK/consumer.log"; fail "the consumer project does not build"; }
out=$("$WORK/consumer/consumer") || fail "the consumer program failed: $out"
echo "  $out"
[[ $out == "feather $want: route ok"* ]] || fail "unexpected consumer output: $out"

echo "== pkg-config"
PKG_CONFIG_PATH=$LIBDIR/pkgconfig pkg-config --exists feather || fail "pkg-config does not find feather"
[[ $(PKG_CONFIG_PATH=$LIBDIR/pkgconfig pkg-config --modversion feather) == "$want" ]] \
  || fail "pkg-config --modversion is not $want"
# shellcheck disable=SC2046  # the flags are words
g++ "$HERE/consumer/main.cpp" -o "$WORK/consumer_pc" \
  $(PKG_CONFIG_PATH=$LIBDIR/pkgconfig pkg-config --cflags --libs feather) \
  > "$WORK/pc.log" 2>&1 || { cat "$WORK/pc.log"; fail "the consumer does not build with pkg-config"; }
out=$("$WORK/consumer_pc") || fail "the pkg-config consumer failed: $out"
[[ $out == "feather $want: route ok"* ]] || fail "unexpected pkg-config consumer output: $out"

echo "== Python module"
PYMOD=$(find "$PREFIX" -path '*python3/dist-packages/feather*.so' | head -1)
if [[ -n $PYMOD ]]; then
  got=$(cd "$WORK" && PYTHONPATH=$(dirname "$PYMOD") /usr/bin/python3 -c \
        'import feather; print(feather.__version__, feather.route(4, "0<-1+2")["ok"])') \
    || fail "the installed Python module does not import"
  [[ $got == "$want True" ]] || fail "the installed Python module says '$got'"
else
  echo "  no Python module in this build (FEATHER_PYTHON=OFF)"
fi

echo "== man page"
if command -v help2man > /dev/null; then
  MAN=$PREFIX/share/man/man1/feather.1
  [[ -f $MAN ]] || fail "feather.1 not installed"
  # Each command has its own section with its options (from its --help).
  for c in regress map compare run route; do
    grep -q "^\.SS \"feather $c\"" "$MAN" || fail "feather.1 has no section for feather $c"
  done
  grep -q -- '--launcher\|--suites' "$MAN" || fail "feather.1 does not list regress's options"
  grep -q "$want" "$MAN" || fail "feather.1 does not carry the version $want"
else
  echo "  help2man not installed: no man page to check (make deps installs it)"
fi
echo "install: the installed tree works from $PREFIX"
