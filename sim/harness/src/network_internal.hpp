// Inside the harness: what the network run (network_run.cpp) and its on-chip hand-off
// (network_chain.cpp) share.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"
#include "feather/sim/network_run.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"
#include "feather/top/timing.hpp"
#include "layer_check.hpp"

namespace feather::sim::detail {

[[noreturn]] void fail(const map::Layer& l, const std::string& what);

// The producers of layer i: indices, -1 for the network input.
std::vector<int> producers_of(const map::Network& net, std::size_t i);
// The layers that read layer i's output, in order.
std::vector<int> readers_of(const map::Network& net, std::size_t i);

// The first `max` differing elements, "element [n=..][h=..][w=..][c=..]: expected E, actual A"
// each; "" when equal.
std::string tensor_mismatches(const net::Tensor& want, const std::vector<std::uint8_t>& got,
                              std::size_t max = 4);

// One program to run on the RTL: the layer (one instance), its operands and the roles of its
// operands in the off-chip traffic.
struct Job {
  map::Layer layer;
  map::Operands operands;
  bool a_is_network_input = false;
  bool b_is_activation = false;  // a matmul of two activations
  bool output_is_network_output = false;
};

// The jobs of a conv / GEMM layer: one per instance, each with its slice of the operands.
std::vector<Job> jobs_of(const map::Network& net, std::size_t i, const net::LayerQuant& q,
                         const std::vector<int>& prods, const std::vector<const net::Tensor*>& ins,
                         bool last);

// The off-chip bytes of a program by role (`wos`: weights in the stationary buffer).
OffchipBytes classify(const std::vector<top::Instr>& prog, bool wos, const Job& j, int aw);

}  // namespace feather::sim::detail

namespace feather::sim::detail {

// The on-chip hand-off (network_chain.cpp): a layer whose only consumer is the next layer keeps
// its output in the streaming buffer, in the layout it was written in, and the next layer reads
// it there (a 1x1 convolution or a GEMM as it lies, any other convolution by direct
// convolution: top::CompileOptions::input_in_buffer), with neither a Store nor a Load between
// them. The layers of a chain are compiled by the layer compiler as one program each and run on
// one DUT and one golden model that persist from layer to layer.
class Chain {
 public:
  // `always`: keep an output on chip whenever the next layer can read it, faster or not.
  Chain(const TopDutInfo& info, const RunOptions& run, bool always);
  // Whether the graph lets layer i's output stay on chip for layer i + 1: both one instance of
  // a conv or a GEMM with weights, i's clamp the hardware's, i + 1 reading only i, nothing else
  // reading i.
  static bool linkable(const map::Network& net, std::size_t i);
  // Whether `producer`'s output is in the streaming buffer now.
  bool holds(int producer) const { return producer >= 0 && resident_ == producer; }
  // Runs layer `index` (its one job) if its input is on chip (holds) or its output can stay on
  // chip for `next`: the next layer's job compiles reading it in place, and the pair is
  // predicted no slower that way than with this layer's output stored and the next layer
  // mapped (`mapped`: the predicted cycles of a job as the mapper plans it). False otherwise
  // (nothing ran: the caller maps the layer as usual, and nothing is resident any more). Fills
  // the report's cycles, bytes, mapping, and `out` with the layer's output; a difference from
  // the golden model or the layer reference goes to `why`.
  // `fault` (tests): corrupts this layer's RTL run; a difference is then located (the cycle of
  // the wrong write, by a replay of the chain's programs) like any other.
  bool run(std::size_t index, const Job& job, const Job* next, int producer,
           const std::function<std::uint64_t(const Job&)>& mapped, NetworkLayerReport& lr,
           std::vector<std::uint8_t>& out, std::string& why, const NetworkFault* fault = nullptr);
  void drop() { resident_ = -1; }

 private:
  // The first divergence of the program just run (the off-chip writes, else the state at its
  // end), moved to the cycle of the wrong write by a replay of the chain: "RTL divergence:
  // cycle C: ...", or "" when the state equals the golden model's.
  std::string locate(const top::Golden& start, const std::vector<top::Instr>& golden_prog,
                     const std::vector<top::Instr>& rtl_prog, const top::Memory& memory,
                     const RunOptions& ro, const GoldenRun& gr, const RunResult& r,
                     const std::string& diff);

  const TopDutInfo& info_;
  RunOptions run_;
  bool always_ = false;
  std::unique_ptr<TopDut> dut_;
  top::Golden golden_;
  int resident_ = -1;  // the layer whose output is in the active streaming half
  top::Layout resident_layout_;
  top::TimelineCarry carry_;     // the cycle model's state after the DUT's last program
  std::vector<Replay> history_;  // the programs run on dut_ since its reset
};

}  // namespace feather::sim::detail
