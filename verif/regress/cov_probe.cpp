// A stand-in for `feather birrd-cosim` in the code-coverage tests (verif/regress/regress_test.cpp):
// one small BIRRD (AW 8, DW 32, Benes) verilated with line and toggle coverage, driven with
// random inputs for --cycles cycles from --seed. Like a model of a FEATHER_COVERAGE=ON build, it
// writes its counters to $FEATHER_CODE_COVERAGE.<model>.0.dat when that variable is set, so
// `feather regress --coverage` (run_jobs with this binary as the job executable) can merge them
// without the cost of a whole coverage build in CI. Other arguments are ignored.
#include <verilated.h>
#include <verilated_cov.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "Vcov_probe_birrd.h"

int main(int argc, char** argv) {
  std::uint64_t seed = 1, cycles = 1000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seed") == 0) seed = std::strtoull(argv[i + 1], nullptr, 0);
    if (std::strcmp(argv[i], "--cycles") == 0) cycles = std::strtoull(argv[i + 1], nullptr, 0);
  }
  auto ctx = std::make_unique<VerilatedContext>();
  auto top = std::make_unique<Vcov_probe_birrd>(ctx.get(), "TOP");
  std::mt19937_64 rng(seed);
  top->clk_i = 0;
  top->rst_ni = 0;
  top->eval();
  for (std::uint64_t c = 0; c < cycles + 2; ++c) {
    top->rst_ni = c >= 2 ? 1 : 0;
    for (auto& w : top->data_i.m_storage) w = static_cast<std::uint32_t>(rng());
    top->valid_i = static_cast<CData>(rng());
    top->cmd_i = rng() & ((std::uint64_t{1} << 40) - 1);  // 5 stages x 8 lanes
    top->mask_i = static_cast<CData>(rng());
    top->clk_i = 1;
    top->eval();
    top->clk_i = 0;
    top->eval();
  }
  top->final();
  if (const char* base = std::getenv("FEATHER_CODE_COVERAGE"); base && *base) {
    const std::string path = std::string(base) + ".Vcov_probe_birrd.0.dat";
    ctx->coveragep()->write(path.c_str());
  }
  // The cosim summary format the runner parses (cycles and speed).
  std::printf("birrd aw=8 seed=%llu: %llu cycles, 0 outputs compared, 1000000 cycles/s\nPASS\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(cycles));
  return 0;
}
