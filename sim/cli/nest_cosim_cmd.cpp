// `feather nest-cosim`: the NEST RTL and its model in lockstep under random traffic
// (docs/debugging.md).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.hpp"
#include "cosim_debug.hpp"
#include "feather/sim/nest_cosim.hpp"
#include "feather/sim/nest_dut.hpp"
#include "options.hpp"

namespace feather::cli {

namespace {

struct NestCosimArgs {
  int ah = 4;
  int aw = 16;
  std::uint64_t seed = 1;
  std::uint64_t cycles = 5000;
  std::string trace;
  CosimDebugArgs debug;
};

int nest_cosim(int ah, int aw, std::uint64_t seed, std::uint64_t cycles, const std::string& trace,
               CosimDebugArgs& dbg) {
  auto dut = sim::make_nest_dut(ah, aw);
  sim::NestCosimOptions co;
  co.seed = seed;
  co.cycles = cycles;
  co.trace_path = trace;
  apply_cosim_debug(dbg, *dut, trace, co);
  auto res = sim::run_nest_cosim(*dut, co);
  report_cosim_debug(dbg, res.divergence, res.trace_events);
  fmt::print("nest {}x{} seed={}: {} cycles, {} column sums compared, {:.0f} cycles/s\n", ah, aw,
             seed, res.cycles, res.sums, static_cast<double>(res.cycles) / res.seconds);
  return cosim_verdict(trace, res.gtkw_path, res.ok, res.mismatch,
                       fmt::format("feather nest-cosim --ah {} --aw {} --seed {} --cycles {}", ah,
                                   aw, seed, cycles));
}

}  // namespace

Command add_nest_cosim(CLI::App& app) {
  auto a = std::make_shared<NestCosimArgs>();
  auto* nc = app.add_subcommand("nest-cosim", "lockstep NEST RTL vs model with random traffic");
  nc->add_option("--ah", a->ah, "rows")->check(whole_number(1));
  nc->add_option("--aw", a->aw, "columns")->check(whole_number(1));
  nc->add_option("--seed", a->seed, "random seed (printed; rerun with it to reproduce)")
      ->check(whole_number(0));
  nc->add_option("--cycles", a->cycles, "cycles")->check(whole_number(1));
  nc->add_option("--trace", a->trace, "FST waveform to write");
  add_cosim_debug_options(nc, a->debug, true);
  return {nc, [a] { return nest_cosim(a->ah, a->aw, a->seed, a->cycles, a->trace, a->debug); }};
}

}  // namespace feather::cli
