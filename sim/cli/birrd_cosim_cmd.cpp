// `feather birrd-cosim`: the BIRRD RTL and its cycle model in lockstep under random traffic
// (docs/debugging.md).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "commands.hpp"
#include "cosim_debug.hpp"
#include "feather/sim/birrd_cosim.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "options.hpp"

namespace feather::cli {

namespace {

struct BirrdCosimArgs {
  int aw = 16;
  int dw = 32;
  std::string wiring = "benes";
  std::uint64_t seed = 1;
  std::uint64_t cycles = 5000;
  std::string trace;
  CosimDebugArgs debug;
};

int birrd_cosim(int aw, int dw, const std::string& wiring, std::uint64_t seed, std::uint64_t cycles,
                const std::string& trace, CosimDebugArgs& dbg) {
  auto dut = sim::make_birrd_dut(aw, dw, parse_wiring(wiring));
  sim::BirrdCosimOptions co;
  co.seed = seed;
  co.cycles = cycles;
  co.trace_path = trace;
  apply_cosim_debug(dbg, *dut, trace, co);
  auto res = sim::run_birrd_cosim(*dut, co);
  report_cosim_debug(dbg, res.divergence, res.trace_events);
  fmt::print(
      "birrd AW={} DW={} wiring={} seed={}: {} cycles, {} results checked, {:.0f} cycles/s\n", aw,
      dw, wiring, seed, res.cycles, res.results_checked,
      static_cast<double>(res.cycles) / res.seconds);
  return cosim_verdict(
      trace, res.gtkw_path, res.ok, res.mismatch,
      fmt::format("feather birrd-cosim --aw {} --dw {} --wiring {} --seed {} --cycles {}", aw, dw,
                  wiring, seed, cycles));
}

}  // namespace

Command add_birrd_cosim(CLI::App& app) {
  auto a = std::make_shared<BirrdCosimArgs>();
  auto* co = app.add_subcommand("birrd-cosim", "lockstep RTL vs model with random traffic");
  co->add_option("--aw", a->aw, "lanes")->check(whole_number(1));
  co->add_option("--dw", a->dw, "data width")->check(whole_number(1));
  co->add_option("--wiring", a->wiring, "benes or feather");
  co->add_option("--seed", a->seed, "random seed (printed; rerun with it to reproduce)")
      ->check(whole_number(0));
  co->add_option("--cycles", a->cycles, "cycles")->check(whole_number(1));
  co->add_option("--trace", a->trace, "FST waveform to write");
  add_cosim_debug_options(co, a->debug, false);
  return {co, [a] {
            return birrd_cosim(a->aw, a->dw, a->wiring, a->seed, a->cycles, a->trace, a->debug);
          }};
}

}  // namespace feather::cli
