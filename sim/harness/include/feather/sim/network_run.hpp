// A whole network on the verilated FEATHER top, checked layer by layer against the whole-network
// int8 reference (net/reference.hpp), as `feather run --network NAME` does it.
//
// The quantization, the network input and the reference results come from one seed
// (net::random_quantization, net::random_input, net::evaluate). Every conv / GEMM layer runs on
// the RTL: its operands are the tensors the earlier layers of this run produced (the RTL's
// outputs, not the reference's), its weights and requantization those of the quantization; the
// mapper plans it (one plan per distinct shape), the golden model runs in lockstep, and its
// output must equal both the layer reference of the compiler (top/reference.hpp) and the network
// reference. A GEMM with `count` instances runs each instance as its own program.
//
// The on-chip hand-off (NetworkRunOptions::hand_off): a layer whose only consumer is the next
// layer may leave its output in the streaming buffer, in the layout it wrote, and the next layer
// reads it there (by direct convolution unless it is a 1x1 convolution or a GEMM); the layers of
// such a chain are compiled by the layer compiler as one program each and run one after the
// other on one DUT with one golden model. Every other layer is planned by the mapper and loads
// its operands from off-chip memory and stores its output there.
//
// What is not on the RTL yet, and is said in every report (docs/user-guide.md):
// - ops without MACs (add, pools, softmax, layer norm, tables, mul, concat, ...) run on the
//   host, from and to off-chip memory, and their traffic is counted as such; a ReLU / ReLU6
//   folded into its producer (net::folded_into) costs nothing when its clamp is the hardware's
//   [0, 255], and is a clamp on the host otherwise (the requantization has no other bounds).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"
#include "feather/sim/top_cosim.hpp"

namespace feather::sim {

// Off-chip bytes by what they carry.
struct OffchipBytes {
  std::uint64_t weights = 0;  // weights and requantization tables
  std::uint64_t input = 0;    // the network input, read by the layers that take it
  std::uint64_t output = 0;   // the network output, written by the last layer
  std::uint64_t spills = 0;   // every other activation written to or read from off-chip memory
  std::uint64_t host = 0;     // read and written by the host for the ops it runs
  std::uint64_t total() const { return weights + input + output + spills + host; }
  OffchipBytes& operator+=(const OffchipBytes& o);
};

// Where a layer ran.
enum class Home {
  kRtl,     // conv / GEMM on the verilated top (with a folded ReLU / ReLU6 in its clamp)
  kFolded,  // a ReLU / ReLU6 (clamp) or a table activation folded into its producer's
            // requantization (Config)
  kHost,    // an op without MACs, on the host
};
const char* to_string(Home h);

struct NetworkLayerReport {
  std::size_t index = 0;  // in the network
  std::string name, shape;
  Home home = Home::kHost;
  std::string mapping;  // the mapper's plan (RTL layers)
  // The on-chip hand-off: the layer read its input where the previous layer left it in the
  // streaming buffer / left its output there for the next layer (neither stored nor loaded).
  bool input_on_chip = false, output_on_chip = false;
  std::uint64_t instances = 1;
  std::uint64_t macs = 0;
  std::uint64_t cycles = 0;        // RTL, summed over the instances
  std::uint64_t model_cycles = 0;  // the cycle model's prediction of the same programs
  bool model_exact = true;         // false: an estimate (back-pressure, top/timing.hpp)
  double utilization = 0;          // macs / (AH * AW * cycles)
  OffchipBytes bytes;
  bool ok = false;           // the RTL equals the golden model and the output equals the references
  std::string mismatch;      // what differs, naming the tensor element (and the cycle for the RTL)
  double sim_seconds = 0;    // RTL simulation
  double total_seconds = 0;  // everything for this layer (compile, golden model, RTL, checks)
};

struct NetworkReport {
  std::string network;
  int ah = 0, aw = 0;
  std::uint64_t seed = 0;
  std::size_t given_weights = 0;  // layers whose weights were given (NetworkRunOptions::weights)
  std::vector<NetworkLayerReport> layers;  // in order, up to the first failure (or `until`)
  std::size_t network_layers = 0;          // in the whole network
  std::uint64_t macs = 0, cycles = 0, model_cycles = 0;
  bool model_exact = true;  // false: the model's cycles are an estimate (back-pressure)
  double utilization = 0;   // macs / (AH * AW * cycles), the RTL layers' cycles
  OffchipBytes bytes;
  // The lower bound of the off-chip traffic of the layers run: weights and tables, the network
  // input and the output of the last layer run, each once.
  std::uint64_t lower_bound_bytes = 0;
  bool ok = false;  // every layer run was ok (and at least one ran)
  double reference_seconds = 0, total_seconds = 0;
};

enum class HandOff { kOff, kWhenFaster, kAlways };
// "off", "auto", "always"; std::invalid_argument naming the value otherwise.
HandOff parse_hand_off(const std::string& text);
const char* to_string(HandOff h);

// Test: a fault in the RTL run of one layer that runs in an on-chip chain (the hand-off); the
// golden model and the references run the fault-free program. The checker must name the
// layer, the tensor element and the cycle (NetworkLayerReport::mismatch).
struct NetworkFault {
  enum class Kind {
    kLayout,  // a corrupted layout descriptor: `bits` XORed into the base of the layer's
              // SetOVNLayout instructions (the RTL writes the output elsewhere)
    kWrite,   // dropped writes: `bits` XORed into the line of every output-buffer and
              // requantized streaming-buffer write from `cycle` of the layer's program on (the
              // right lines are never written)
  };
  std::string layer;
  Kind kind = Kind::kWrite;
  std::uint64_t bits = 1;
  std::uint64_t cycle = 0;
};

struct NetworkRunOptions {
  RunOptions run;       // latency, back-pressure (no waveform: a network is too long)
  map::MapOptions map;  // the mapper's options for every layer
  std::string until;    // stop after this layer ("" = the whole network)
  // Keep a layer's output on chip when its only consumer is the next layer and that layer can
  // read it in place (NetworkLayerReport::output_on_chip): kWhenFaster when the cycle model
  // predicts the pair no slower than with the output stored and the next layer mapped,
  // kAlways whenever it can; kOff: every layer through off-chip memory.
  HandOff hand_off = HandOff::kWhenFaster;
  // Weights given by layer (an ONNX model's integer weights, onnx/import.hpp) instead of the
  // seed's; the scales and zero points of the activations are still calibrated on the seeded
  // input (net::random_quantization).
  net::WeightMap weights;
  // Test: a fault in one chained layer's RTL run (std::invalid_argument if the layer does not
  // exist or does not run in a chain).
  std::optional<NetworkFault> fault;
  // Called after every layer (for a progress bar and a table printed as it runs).
  std::function<void(const NetworkLayerReport&, const NetworkReport&)> on_layer;
};

// Runs `net` on the AH x AW top (a verilated configuration must exist). Stops at the first
// layer that fails. Throws std::invalid_argument naming the layer for a network it cannot run
// (shapes that do not chain, an unknown `until`, a layer the compiler cannot take).
NetworkReport run_network(const map::Network& net, int ah, int aw, std::uint64_t seed,
                          const NetworkRunOptions& opt = {});

}  // namespace feather::sim
