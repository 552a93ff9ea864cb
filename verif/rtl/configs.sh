#!/usr/bin/env bash
# The parameter sets every RTL portability check covers (sourced by lint.sh and iverilog.sh, so
# the tools always see the same list). rtl_configs <root> prints one job per line,
# largest first: <name> <top> [PARAM=VALUE ...]. Every module in rtl/ without an entry below is
# checked once with its default parameters (feather_pkg is a package, not a module).
# rtl_jobs <root> verilator|iverilog prints the same jobs with the parameters as that tool's
# flags (-GPARAM=VALUE, -Ptop.PARAM=VALUE): <name> <top> [flag ...].
rtl_configs() {
  local root=$1 aw w dw hw f m
  # AW = 256 (the largest; DW changes only the data widths, whose checks the smaller AWs make)
  # with DW = 32 only.
  for w in 0 1; do
    echo "birrd_AW256_W${w}_DW32 birrd AW=256 WIRING=$w DW=32"
  done
  for aw in 64 16 8 4; do
    for w in 0 1; do
      for dw in 8 16 32; do
        echo "birrd_AW${aw}_W${w}_DW${dw} birrd AW=$aw WIRING=$w DW=$dw"
      done
    done
  done
  for hw in 16x16 8x32 16x4 4x16 8x8 4x4 2x4 1x4; do
    echo "nest_${hw} nest AH=${hw%x*} AW=${hw#*x}"
  done
  echo "nest_4x4_DEPTH8 nest AH=4 AW=4 DEPTH=8"
  for hw in 16x16 8x8 4x4; do
    echo "nest_birrd_${hw} nest_birrd AH=${hw%x*} AW=${hw#*x}"
  done
  for dw in 8 16 32; do
    echo "egg_DW${dw} egg DW=$dw"
  done
  echo "feather_top_16x16 feather_top AH=16 AW=16 SD=1024 WD=512 OD=512 QD=256 FAULT=1"
  echo "feather_top_8x8 feather_top AH=8 AW=8"
  echo "feather_top_4x8_W0 feather_top AH=4 AW=8 WIRING=0 FAULT=1"
  echo "feather_top_2x4 feather_top AH=2 AW=4 SD=2 WD=3 OD=5 QD=4 MAW=1"
  echo "feather_top_4x4 feather_top AH=4 AW=4"
  for f in "$root"/rtl/*.sv; do
    m=$(basename "$f" .sv)
    case $m in birrd|egg|nest|nest_birrd|feather_top|feather_pkg) ;; *) echo "${m}_default $m" ;; esac
  done
}

rtl_jobs() {
  local root=$1 tool=$2 name top params kv args
  case $tool in
    verilator | iverilog) ;;
    *) echo "rtl_jobs: unknown tool '$tool' (verilator or iverilog)" >&2; return 2 ;;
  esac
  rtl_configs "$root" | while read -r name top params; do
    args=""
    for kv in $params; do
      if [[ $tool == verilator ]]; then args+=" -G$kv"; else args+=" -P$top.$kv"; fi
    done
    echo "$name $top$args"
  done
}
