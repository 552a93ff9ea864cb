// Inside the harness: what the network run (network_run.cpp) and its on-chip hand-off
// (network_chain.cpp) share.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/map/coselect.hpp"
#include "feather/map/hand_off.hpp"
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

// The on-chip hand-off (network_chain.cpp): along a chain of layers that each read only the one
// before it (map::hand_off_linkable), map::plan_chain decides which outputs stay in the streaming
// buffer as one image (the mapper's tiles each write their part of it) for the next layer's tiles
// to read in place (a 1x1 convolution or a GEMM as it lies, any other convolution by direct
// convolution: MapOptions::input_resident), with neither a Store nor a Load between them. The
// layers of a chain run on one DUT and one golden model that persist from layer to layer.
class Chain {
 public:
  // `always`: keep an output on chip whenever the next layer can read it, faster or not.
  // `mopt`: the mapper's options of every plan (its timing: the run's latency).
  Chain(const map::Network& net, const TopDutInfo& info, const RunOptions& run,
        const map::MapOptions& mopt, bool always);
  // Whether `producer`'s output is in the streaming buffer now.
  bool holds(int producer) const { return producer >= 0 && resident_ == producer; }
  // Runs layer `index` (its one job) if its input is on chip (holds) or the plan of its chain
  // keeps its output on chip. False otherwise (nothing ran: the caller maps the layer as usual,
  // and nothing is resident any more). Fills the report's cycles, bytes, mapping, and `out`
  // with the layer's output; a difference from the golden model or the layer reference goes
  // to `why`. `fault` (tests): corrupts this layer's RTL run; a difference is then located (the
  // cycle of the wrong write, by a replay of the chain's programs) like any other.
  bool run(std::size_t index, const Job& job, int producer, NetworkLayerReport& lr,
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

  // The plan of the chain that layer `index` is in (planned when its first layer runs; chains
  // of the same shapes are planned once).
  const map::ChainPlan& chain_of(std::size_t index);

  const map::Network& net_;
  std::vector<std::vector<int>> preds_;  // map::network_producers
  const TopDutInfo& info_;
  RunOptions run_;
  map::MapOptions mopt_;
  bool always_ = false;
  std::map<std::string, map::ChainPlan> plans_;  // by the chain's layer shapes
  map::PlanCache cache_;                         // the layers' plans, across chains
  std::size_t first_ = 0, last_ = 0;             // the current chain's layers [first_, last_]
  const map::ChainPlan* cur_ = nullptr;
  std::unique_ptr<TopDut> dut_;
  top::Golden golden_;
  int resident_ = -1;  // the layer whose output is in the active streaming half
  top::Layout resident_layout_;
  top::TimelineCarry carry_;     // the cycle model's state after the DUT's last program
  std::vector<Replay> history_;  // the programs run on dut_ since its reset
};

}  // namespace feather::sim::detail
