// `feather compare` (docs/compare.md): FEATHER against fixed-dataflow / fixed-layout designs on
// a whole network, and the chosen plan's layers run on the RTL (--verify).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace feather::cli {

struct CompareArgs {
  std::string network = "resnet50";  // one or several, comma separated
  std::string array = "16x16";
  int sd = 0, wd = 0, od = 0, qd = 0;
  int latency = 2;
  double bandwidth = 1.0;
  int line = 32, ports = 2;
  std::uint64_t steps = 96;  // streaming steps sampled per layer for the layout model
  bool per_tensor = false;
  // Outputs; with several networks each path must contain "{network}".
  std::string svg, json, markdown;
  std::string summary;  // the totals of every network beside the published figures (markdown)
  int verify = 0;       // layers of FEATHER's plan to run on the RTL
  std::vector<std::string> verify_layers;
  std::uint64_t seed = 1;
};

void add_compare_options(CLI::App* cmd, CompareArgs& a);
int cmd_compare(const CompareArgs& a);

}  // namespace feather::cli
