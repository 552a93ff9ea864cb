// One layer end to end, as `feather run` and `make demo` do it: random operands for the layer
// from a seed, compile it (map::compile_layer), run it on the golden model and on the
// verilated FEATHER top, check the RTL against both the golden model (every buffer line, error
// status, off-chip memory) and the reference math (the output tensor), and report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/map/layer.hpp"
#include "feather/map/mapper.hpp"
#include "feather/sim/stimulus.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"

namespace feather::sim {

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

// Runs `layer` on the AH x AW top (a verilated configuration must exist) with random operands
// from `seed` (map::random_operands), compiled by map::compile_layer (the mapper chooses the
// dataflow, tiling, mapping and layouts; options `mopt`). The RTL's off-chip writes are checked
// against the golden model's as they happen; with a trace, a .gtkw is written beside it (with
// the divergence group, marker and zoom when the run diverged).
LayerReport run_layer(const map::Layer& layer, int ah, int aw, std::uint64_t seed,
                      const RunOptions& opt, const map::MapOptions& mopt = {});
// The same with the operands given (an ONNX node test's data, say) instead of random ones; the
// RTL's output tensor (map::read_output) goes to `output` when given.
LayerReport run_layer_with(const map::Layer& layer, const map::Operands& operands, int ah, int aw,
                           const RunOptions& opt, const map::MapOptions& mopt = {},
                           std::vector<std::uint8_t>* output = nullptr);
// The directed layouts program (sim::DirectedLayouts), checked against the golden model.
LayerReport run_directed_layouts(int ah, int aw, std::uint64_t seed, const RunOptions& opt);
// Any stimulus: a layer, the directed layouts program or the random streams
// (run_random_streams, random_stream.hpp).
LayerReport run_stimulus(const Stimulus& s, int ah, int aw, std::uint64_t seed,
                         const RunOptions& opt, const map::MapOptions& mopt = {});

}  // namespace feather::sim
