// What the command line runs on the verilated models, and whether this build has them. A build
// with FEATHER_RTL=ON links the RTL commands (run, birrd-demo, birrd-cosim, nest-cosim,
// list-models: commands.hpp) and rtl_commands.cpp; a build without the models (FEATHER_RTL=OFF,
// no Verilator) links no_rtl.cpp instead, whose commands and verify_plan fail with a message
// naming what is missing. sim/cli/CMakeLists.txt.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "feather/map/compare.hpp"
#include "feather/map/workload.hpp"
#include "feather/top/params.hpp"

namespace feather::cli {

// True when this feather has the verilated models.
bool have_rtl();

// The subcommands that need the verilated models.
inline const std::vector<std::string_view> kRtlCommands = {"birrd-demo", "birrd-cosim",
                                                           "nest-cosim", "run", "list-models"};

// "<what> needs the verilated models: this feather was built without them (FEATHER_RTL=OFF) ..."
std::string no_rtl_message(std::string_view what);

// `feather compare --verify`: layers of FEATHER's plan run on the verilated top of `params`.
struct PlanCheck {
  const map::Comparison* comparison = nullptr;
  const map::Network* network = nullptr;
  std::vector<std::size_t> layers;  // indices into comparison->layers
  top::TopParams params;
  top::TimingOptions timing;  // the comparison's
  bool per_tensor = false;
  std::uint64_t seed = 1;
};
// Prints a table of plan vs RTL cycles per layer; 0 when every layer agrees (cycles within 2%,
// outputs bit-exact, buffers equal to the golden model's), else 1.
int verify_plan(const PlanCheck& check);

}  // namespace feather::cli
