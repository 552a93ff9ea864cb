// `feather map` and the network-layer form of `feather run` (docs/mapper.md, docs/user-guide.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>

#include "feather/map/mapper.hpp"
#include "feather/sim/layer_run.hpp"

namespace feather::cli {

// "AHxAW" such as "16x16"; throws CLI::ValidationError naming --array otherwise.
std::pair<int, int> parse_array(const std::string& text);

// "wos" / "ios" (also "WO-S", "IO-S"); throws CLI::ValidationError otherwise.
map::Dataflow parse_dataflow(const std::string& text);

// The FEATHER parameters for an AHxAW array: the verilated configuration's when there is one,
// else the 16x16 configuration's buffer depths; sd/wd/od/qd > 0 override.
top::TopParams array_params(int ah, int aw, int sd, int wd, int od, int qd);

// A network layer as a runnable layer (conv with square kernel, stride, padding and dilation,
// or a GEMM); throws std::invalid_argument if it has no such form.
sim::LayerSpec spec_of(const map::Layer& l);

struct MapArgs {
  std::string network;     // builtin name or file
  std::string layer_name;  // only this layer
  std::string array = "16x16";
  int sd = 0, wd = 0, od = 0, qd = 0;
  int latency = 2;
  double bandwidth = 1.0;
  bool per_tensor = false;
  std::string dataflow;
  std::string json;  // write the plan as JSON here
};

// Adds the `map` subcommand's options to `cmd` (layer flags come from the caller's LayerSpec).
void add_map_options(CLI::App* cmd, MapArgs& a);
// Maps a network (a.network) or the single layer `spec`; prints the table.
int cmd_map(const MapArgs& a, const sim::LayerSpec* spec);

}  // namespace feather::cli
