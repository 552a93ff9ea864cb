# FEATHER: top-level entry points. `make test` and `make demo` each install what they need.
#   make deps    install the Debian packages the project needs (safe to run again)
#   make build   configure and build (Release, ccache) into build/
#   make test    build and run every test (CTest)
#   make demo    build and run the main demo
#   make bench   build and run the benchmarks
#   make format  clang-format the C++ sources in place

BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
# ccache: rewrite paths under the checkout as relative, so clones elsewhere hit the cache too.
export CCACHE_BASEDIR := $(CURDIR)

DEB_PACKAGES := build-essential cmake ninja-build ccache pkg-config git \
  verilator iverilog yosys gtkwave \
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev \
  libyaml-cpp-dev libcadical-dev zlib1g-dev clang-format

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps configure build test demo bench format clean

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else \
	  echo "deps: all Debian packages present"; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# The main job: a ResNet-50 3x3 convolution on a 16x16 FEATHER, checked bit-exact against the
# golden model and the reference math; prints cycles, PE utilization, speed and the waveform.
demo: build
	$(BUILD)/sim/feather run --preset resnet50-conv3x3 --array 16x16 --trace out/demo.fst

bench: build
	$(BUILD)/bench/feather_bench
	$(BUILD)/bench/feather_layer_bench --array 16x16

format:
	find sw sim verif bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) out
