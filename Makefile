# FEATHER: top-level entry points. `make test` and `make demo` each install what they need.
#   make deps    install the Debian packages the project needs (safe to run again)
#   make nightly the nightly regression, the long fuzz runs and the browser check (installs
#                chromium: deps-nightly); make browser-check renders the generated SVG and HTML
#   make build   configure and build (Release, ccache) into build/
#   make test    build and run every test (CTest), then test-sanitize and fuzz-smoke
#   make test-sanitize  the unit tests and the software CLI under ASan + UBSan ("asan" preset)
#   make fuzz-smoke     build the libFuzzer targets (preset "fuzz", build-fuzz/), run each briefly
#   make fuzz-nightly   the same, each target for FUZZ_NIGHTLY_TIME seconds, and the verilated 4x4
#                       top's target (preset "fuzz-rtl", build-fuzz-rtl/)
#   make fuzz-corpus    merge what the fuzz runs found into the checked-in corpora (to commit)
#   make hostile-table  what every bad input gets: docs/hostile-input.md
#   make demo    build and run the main demo
#   make bench   build and run the benchmarks
#   make format  clang-format the C++ sources in place
#   make build-tables / test-time  the generated build-time tables of docs/performance.md
#   make perf-tables  every performance table of docs/ (speed, build, FPGA, utilization), ~2 h
#   make formal  the formal proofs and their seeded bugs (verif/formal, docs/formal.md), ~1 min
#   make formal-table  rerun the proofs and write their table into docs/formal.md
#   make coverage  FEATHER_COVERAGE=ON build (build-cov/) + the `coverage` suite with Verilator
#                  line/toggle coverage: out/regress/coverage/report.html (docs/coverage.md)
#   make mutate    MUTANTS=N SEED=S MUTATE_TIMEOUT=secs: mutation testing of rtl/ (nightly; report in
#                  out/mutate/report.md); make mutate-table splices its summary (docs/mutation.md)

BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# ccache: rewrite paths under the checkout as relative, so clones elsewhere hit the cache too.
export CCACHE_BASEDIR := $(CURDIR)

DEB_PACKAGES := build-essential cmake ninja-build ccache pkg-config git \
  verilator iverilog yosys gtkwave nextpnr-ice40 fpga-icestorm \
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev \
  libyaml-cpp-dev libcadical-dev libxml2-dev zlib1g-dev clang-format clang libclang-rt-14-dev \
  lcov z3 libxml2-utils help2man slurm-wlm munge libonnx-dev libprotobuf-dev libonnx-testdata \
  pybind11-dev python3-dev python3-numpy
# What only `make nightly` needs: a browser for the rendering check (ctest label browser).
NIGHTLY_PACKAGES := chromium

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Seconds per fuzz target: the CI smoke run and the nightly run.
FUZZ_TIME ?= 20
FUZZ_NIGHTLY_TIME ?= 600

.PHONY: coverage
COV_BUILD ?= build-cov
COV_JOBS ?= 2
coverage: deps
	cmake -S . -B $(COV_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DFEATHER_COVERAGE=ON
	cmake --build $(COV_BUILD) -j $(COV_JOBS) --target feather
	$(COV_BUILD)/sim/feather regress coverage --coverage -j $(COV_JOBS) --out out/regress/coverage

.PHONY: deps deps-nightly install-packages browser-check configure build test test-sanitize fuzz-build fuzz-smoke fuzz-nightly fuzz-rtl-build \
  fuzz-corpus nightly demo bench regress-bench-table \
  format clean mapper-tables compare-tables network-tables layer-tables build-tables test-time \
  sim-tables verilator-options-table perf-tables formal formal-table

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES)"

deps-nightly: deps
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(NIGHTLY_PACKAGES)"

install-packages:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else \
	  echo "deps: all Debian packages present"; \
	fi

# Formal proofs (no C++ build): every proof, then every seeded bug must be caught.
formal: deps
	bash verif/formal/prove.sh . out/formal
	bash verif/formal/prove.sh . out/formal-seeded --seeded-bugs

formal-table: deps
	@mkdir -p out
	bash verif/formal/prove.sh . out/formal --table out/formal.md
	docs/splice.sh docs/formal.md formal out/formal.md

configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) --no-print-directory test-sanitize
	$(MAKE) --no-print-directory fuzz-smoke

# The C++ library, its unit tests and the feather CLI without the verilated models
# (FEATHER_RTL=OFF: map, compare, route, and the messages of the RTL commands) with
# AddressSanitizer + UndefinedBehaviorSanitizer (GCC): any finding fails the test
# (ASAN_OPTIONS/UBSAN_OPTIONS in the "asan" test preset: halt_on_error=1, detect_leaks=1).
test-sanitize: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# libFuzzer targets (verif/fuzz, clang): each replays its corpus (seeds and crash regressions)
# and then fuzzes for FUZZ_TIME seconds; a crash, sanitizer finding, hang or leak fails.
fuzz-build: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)

fuzz-smoke: fuzz-build
	FUZZ_JOBS=$(JOBS) verif/fuzz/run.sh build-fuzz $(FUZZ_TIME)

fuzz-nightly: fuzz-build fuzz-rtl-build
	FUZZ_JOBS=$(JOBS) verif/fuzz/run.sh build-fuzz $(FUZZ_NIGHTLY_TIME)
	verif/fuzz/run.sh build-fuzz-rtl $(FUZZ_NIGHTLY_TIME) fuzz_top_stream

# The verilated 4x4 top's target (preset fuzz-rtl: only that model, clang + sanitizers).
fuzz-rtl-build: deps
	cmake --preset fuzz-rtl
	cmake --build --preset fuzz-rtl -j $(JOBS)

# Grows the checked-in corpora: the inputs of the runs (build-fuzz*/fuzz-work/<target>/) that
# add coverage are merged into verif/fuzz/corpus/<target>/ (libFuzzer -merge=1), to be committed.
fuzz-corpus:
	verif/fuzz/run.sh --merge build-fuzz
	[ ! -x build-fuzz-rtl/verif/fuzz/fuzz_top_stream ] || \
	  verif/fuzz/run.sh --merge build-fuzz-rtl fuzz_top_stream

# The nightly run: the nightly regression suite (fresh seeds, reports in out/regress/nightly)
# and the long fuzz run of every target.
nightly: build deps-nightly
	$(BUILD)/sim/feather regress nightly -j $(JOBS) --reseed 1
	$(MAKE) --no-print-directory fuzz-nightly
	$(MAKE) --no-print-directory browser-check

# Generated SVG and HTML rendered in headless Chromium (verif/browser/render_check.py).
browser-check: build deps-nightly
	cd $(BUILD) && ctest --output-on-failure -L browser

# The main job: the whole of ResNet-50 (224x224, batch 1) on a 16x16 FEATHER, every layer
# checked bit-exact against the golden model and the whole-network reference (about 3 minutes
# on 2 cores); then one of its 3x3 convolutions again with a waveform (out/demo.fst).
demo: build
	$(BUILD)/sim/feather run --network resnet50 --array 16x16
	$(BUILD)/sim/feather run --preset resnet50-conv3x3 --array 16x16 --trace out/demo.fst

bench: build
	$(BUILD)/bench/feather_bench
	$(BUILD)/bench/feather_layer_bench --array 16x16
	$(BUILD)/bench/feather_map_bench

# The generated tables of docs/mapper.md: the mapper vs the RTL over the layer set
# (verif/cosim/mapper_agreement_test.cpp) and the search time over the built-in networks.
mapper-tables: build
	cd $(BUILD)/verif && ./feather_mapper_tests >/dev/null
	docs/splice.sh docs/mapper.md mapper-agreement $(BUILD)/verif/mapper_agreement.md
	$(BUILD)/bench/feather_map_bench --array 8x8 16x16 32x32 >$(BUILD)/map_bench.md
	docs/splice.sh docs/mapper.md mapper-search $(BUILD)/map_bench.md

# docs/performance.md, "Build time": every verilated model built alone from a cold cache
# (bench/build_time.sh, about 5 minutes), and a whole cold `make test` of a fresh clone of HEAD,
# phase by phase (bench/test_time.sh, about 25 minutes; commit first).
build-tables: deps
	mkdir -p out
	bench/build_time.sh . $(BUILD)-time >out/build-time.md
	docs/splice.sh docs/performance.md build-time out/build-time.md

test-time: deps
	mkdir -p out
	bench/test_time.sh . $(CURDIR)/out/test-time >out/test-time.md
	docs/splice.sh docs/performance.md test-time out/test-time.md

# docs/performance.md, "Regression runner": its own time per job for 100 to 10,000 jobs (plan,
# collect, merge) and over real runs of 100 and 1,000 trivial jobs (about 15 s).
regress-bench-table: build
	mkdir -p out
	$(BUILD)/bench/feather_regress_bench --scratch out/regress-bench >out/regress-bench.md
	docs/splice.sh docs/performance.md regress-runner out/regress-bench.md

# docs/performance.md's simulation-speed and router tables: feather_bench with fresh random
# stimulus every cycle, medians of 3 interleaved repetitions (about 10 minutes), turned into
# tables beside the published RTL's figures by bench/perf_tables.cpp.
sim-tables: build
	mkdir -p out/perf
	$(BUILD)/bench/feather_bench --benchmark_filter='BM_(Sim|Route)' --benchmark_min_time=0.5 \
	  --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
	  --benchmark_out=out/perf/bench.json --benchmark_out_format=json
	$(BUILD)/bench/feather_perf_tables --json out/perf/bench.json --out out/perf \
	  --verilator "$$(verilator --version)" --compiler "$$(c++ --version | head -1)"
	for t in sim-birrd sim-nest sim-top route; do \
	  docs/splice.sh docs/performance.md $$t out/perf/$$t.md || exit 1; done

# docs/performance.md, "Verilator options": NEST verilated alone under three option sets
# (bench/standalone/nest_options.sh, about 15 minutes with 32x32).
verilator-options-table: deps
	mkdir -p out
	bench/standalone/nest_options.sh "4x4 8x8 16x16 32x32" 100000 >out/verilator-options.md
	docs/splice.sh docs/performance.md verilator-options out/verilator-options.md

# Every performance table of docs/ regenerated, each stamped with its date and machine:
# simulation speed and router, Verilator options, build times (a cold fresh-clone make test
# included), FPGA resources and depth (docs/fpga.md), whole-layer and whole-network
# utilization on the RTL. About two hours on 2 cores; commit first (test-time clones HEAD).
perf-tables: sim-tables verilator-options-table build-tables test-time fpga-table \
  layer-tables network-tables

# docs/performance.md, "Whole layers": the layer presets on the 16x16 RTL, bit-exact checked.
layer-tables: build
	$(BUILD)/bench/feather_layer_bench --array 16x16 --markdown >$(BUILD)/layer_util.md
	docs/splice.sh docs/performance.md layer-util $(BUILD)/layer_util.md

# docs/performance.md, "Whole networks": the three built-in networks at full size on the 16x16
# RTL, every layer bit-exact, with the on-chip hand-off off, auto and always (about 30 minutes).
network-tables: build
	$(BUILD)/bench/feather_network_bench --array 16x16 >$(BUILD)/network_util.md
	docs/splice.sh docs/performance.md network-util $(BUILD)/network_util.md

# docs/compare.md: FEATHER against the fixed-dataflow / fixed-layout designs on the three built-in
# networks (16x16; the dual-port line buffer, and the single-port one as a sensitivity), the
# per-layer tables and the SVG plots in docs/img/. Nothing in that page is typed by hand.
COMPARE_NETS := resnet50,mobilenet_v3_large,bert_base
compare-tables: build
	mkdir -p $(BUILD)/compare docs/img
	$(BUILD)/sim/feather compare --network $(COMPARE_NETS) --array 16x16 \
	  --markdown $(BUILD)/compare/{network}.md --svg docs/img/compare-{network}.svg \
	  --json $(BUILD)/compare/{network}.json --summary $(BUILD)/compare/summary.md >/dev/null
	$(BUILD)/sim/feather compare --network $(COMPARE_NETS) --array 16x16 --ports 1 \
	  --summary $(BUILD)/compare/summary-1port.md >/dev/null
	docs/splice.sh docs/compare.md compare-summary $(BUILD)/compare/summary.md
	docs/splice.sh docs/compare.md compare-summary-1port $(BUILD)/compare/summary-1port.md
	$(BUILD)/bench/feather_map_bench --compare --repeat 1 --array 16x16 >$(BUILD)/compare/time.md
	docs/splice.sh docs/compare.md compare-time $(BUILD)/compare/time.md
	for n in resnet50 mobilenet_v3_large bert_base; do \
	  docs/splice.sh docs/compare.md compare-$$n $(BUILD)/compare/$$n.md || exit 1; done

format:
	find sw sim verif bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-fuzz out

# FPGA flows (fpga/, docs/fpga.md): Yosys netlists + resource reports, the generated table,
# nextpnr-ice40 place and route. CONFIG: birrd-AW | nest-AHxAW | top-AHxAW (or AHxAW);
# TARGET: xcup | ecp5 | ice40. Top buffer depths: SD= WD= OD= QD= (defaults in fpga/synth.sh).
CONFIG ?= birrd-8
TARGET ?= xcup
.PHONY: fpga fpga-table fpga-pnr hostile-table
fpga:
	fpga/synth.sh $(CONFIG) $(TARGET)

fpga-table:
	fpga/table.sh

# docs/hostile-input.md: what every bad input gets (verif/cli/hostile_inputs.sh, seconds).
hostile-table: build
	mkdir -p out
	verif/cli/hostile_inputs.sh $(BUILD)/sim/feather --markdown out/hostile-input.md
	docs/splice.sh docs/hostile-input.md hostile out/hostile-input.md

fpga-pnr:
	fpga/pnr_ice40.sh

# Mutation testing (docs/mutation.md; nightly, not part of `make test`): MUTANTS mutants of rtl/
# drawn with SEED, each rebuilt in a reduced build (out/mutate/work) and run against the suite
# `mutate` with MUTATE_TIMEOUT seconds; report in out/mutate/report.md and report.json. A rerun
# with the same sample resumes. `make mutate-table` splices the summary into docs/mutation.md.
MUTANTS ?= 30
SEED ?= 1
MUTATE_TIMEOUT ?= 600
.PHONY: mutate mutate-table
mutate: deps
	MUTANTS=$(MUTANTS) SEED=$(SEED) MUTATE_TIMEOUT=$(MUTATE_TIMEOUT) verif/mutate/run.sh . out/mutate

mutate-table:
	@test -f out/mutate/summary.md || { echo "mutate-table: no out/mutate/summary.md: run make mutate first" >&2; exit 1; }
	docs/splice.sh docs/mutation.md mutation out/mutate/summary.md
