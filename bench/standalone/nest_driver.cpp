// Stand-alone driver for a verilated nest (bench/standalone/nest_options.sh): random loads and
// streams every cycle from a xorshift generator, tracing off; prints simulated cycles per second.
// Kept free of the project's harness so that Verilator options can be compared in isolation.
#include <verilated.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "Vnest.h"

namespace {
std::uint64_t state = 0x9E3779B97F4A7C15ULL;
std::uint64_t next() {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
template <class P>
void randomize(P& port) {
  if constexpr (sizeof(P) <= 8) {
    port = static_cast<P>(next());  // Verilator masks the unused upper bits
  } else {
    for (auto& w : port.m_storage) w = static_cast<EData>(next());
  }
}
}  // namespace

int main(int argc, char** argv) {
  const long cycles = argc > 1 ? std::atol(argv[1]) : 200000;
  auto ctx = std::make_unique<VerilatedContext>();
  auto top = std::make_unique<Vnest>(ctx.get(), "TOP");
  top->rst_ni = 0;
  top->eval();
  top->rst_ni = 1;
  top->red_len_m1_i = 0xff;  // clipped to the port: the longest reduction (DEPTH)
  auto t0 = std::chrono::steady_clock::now();
  for (long c = 0; c < cycles; ++c) {
    randomize(top->act_i);
    randomize(top->act_valid_i);
    randomize(top->act_bank_i);
    randomize(top->ld_valid_i);
    randomize(top->ld_row_i);
    randomize(top->ld_idx_i);
    randomize(top->ld_data_i);
    top->clk_i = 1;
    top->eval();
    top->clk_i = 0;
    top->eval();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%ld cycles in %.2f s: %.0f cycles/s\n", cycles, s, cycles / s);
  top->final();
  return 0;
}
