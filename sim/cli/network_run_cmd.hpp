// `feather run --network NAME` for a whole network (network_run_cmd.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "feather/sim/network_run.hpp"

namespace feather::cli {

struct NetworkRunArgs {
  std::string network;  // built-in name or file
  std::string onnx_unsupported = "error";
  std::string array = "16x16";
  std::uint64_t seed = 1;
  std::string shrink;  // "SPATIAL,CHANNELS" (net::shrink) or ""
  sim::NetworkRunOptions opt;
};

// Prints the per-layer table and the totals; 0 when every layer is bit-exact, 1 otherwise.
// Throws CLI::ValidationError for a bad --shrink, std::invalid_argument for a network it cannot
// run.
int run_whole_network(const NetworkRunArgs& a);

}  // namespace feather::cli
