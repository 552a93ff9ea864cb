// One layer end to end, as `feather run` and `make demo` do it: build the layer (preset or
// given shape, random operands from a seed), compile it, run it on the golden model and on the
// verilated FEATHER top, check the RTL against both the golden model (every buffer line, error
// status, off-chip memory) and the reference math (the output tensor), and report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/map/mapper.hpp"
#include "feather/sim/top_run.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"

namespace feather::sim {

struct LayerSpec {
  // conv | gemm | layouts (a directed program, no layer) | random-stream (directed error
  // programs and random legal/illegal instruction streams: run_random_streams)
  std::string kind = "conv";
  // conv
  int h = 8, w = 8, c = 16, co = 16, r = 3, stride = 1, pad = 1, dilation = 1, groups = 1;
  // gemm
  int m = 16, k = 64, n = 16;
  std::string name;         // e.g. "resnet50.conv2_x.3x3 (56x56 scaled to 28x28)"
  bool per_tensor = false;  // one requantization scale/zero point (lets the mapper use IO-S)
  int streams = 100;        // random-stream: random streams after the directed programs
};

// Named layers: resnet50-conv3x3 (the demo), resnet50-conv1x1, mobilenet-dw3x3, bert-gemm, ...
std::vector<std::string> layer_presets();
// Throws std::invalid_argument listing the presets when the name is unknown.
LayerSpec layer_preset(const std::string& name);

struct LayerReport {
  std::string layer;                // description
  std::string mapping;              // the mapper's choice and the compiler's summary of tile 0
  map::LayerMap map;                // the mapper's plan
  std::vector<top::Instr> program;  // the instruction stream that ran
  std::uint64_t macs = 0;           // useful MACs
  RunResult run;                    // RTL run
  top::Timing predicted;            // the cycle model's prediction (top/timing.hpp)
  double utilization = 0;           // macs / (ah*aw*cycles)
  bool golden_ok = false;           // RTL buffers, error status and memory equal the golden model's
  bool output_ok = false;           // output tensor equals the reference, bit for bit
  std::string mismatch;             // first mismatches when not ok
  // The first divergence between the RTL and the golden model (an off-chip write during the
  // run, the watchdog, else the first buffer/status difference at the end of the run), in
  // words; printed by `feather run` as a FEATHER-DIVERGENCE line (docs/debugging.md).
  std::optional<Divergence> divergence;
  std::string divergence_text;
  std::string gtkw;  // the save file written beside RunOptions::trace ("" without a trace)
  double compile_seconds = 0;
  double golden_seconds = 0;
};

// Runs `spec` on the AH x AW top (a verilated configuration must exist): the mapper chooses the
// dataflow, tiling, mapping and layouts (map::map_layer, options `mopt`), the program is built
// with random operands from `seed` (map::build_program). The RTL's off-chip writes are checked
// against the golden model's as they happen; with a trace, a .gtkw is written beside it (with
// the divergence group, marker and zoom when the run diverged).
LayerReport run_layer(const LayerSpec& spec, int ah, int aw, std::uint64_t seed,
                      const RunOptions& opt, const map::MapOptions& mopt = {});

}  // namespace feather::sim
