// `feather list-models`: the verilated configurations in this build (sim/CMakeLists.txt).
#include <fmt/format.h>

#include "commands.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/nest_dut.hpp"
#include "feather/sim/top_dut.hpp"

namespace feather::cli {

namespace {

int list_models() {
  for (const auto& d : sim::birrd_duts()) {
    fmt::print("birrd AW={:<4} DW={:<3} wiring={:<8} stages={:<3} ({})\n", d.lanes, d.data_width,
               birrd::to_string(d.wiring), d.stages, d.prefix);
  }
  for (const auto& d : sim::nest_duts()) {
    fmt::print("nest  {}x{} OW={} ACCW={} DEPTH={} ({})\n", d.params.ah, d.params.aw, d.params.ow,
               d.params.accw, d.params.depth, d.prefix);
  }
  for (const auto& d : sim::nest_birrd_duts()) {
    fmt::print("nest_birrd {}x{} wiring={} ({})\n", d.params.ah, d.params.aw,
               birrd::to_string(d.wiring), d.prefix);
  }
  for (const auto& d : sim::top_duts()) {
    fmt::print("feather_top {} ({})\n", d.params.to_string(), d.prefix);
  }
  return 0;
}

}  // namespace

Command add_list_models(CLI::App& app) {
  auto* ls = app.add_subcommand("list-models", "verilated configurations in this build");
  return {ls, [] { return list_models(); }};
}

}  // namespace feather::cli
