// Whole networks on the verilated top (sim::run_network): every conv / GEMM layer on the RTL with
// the golden model in lockstep, every layer's output bit-exact against the whole-network
// reference (net::evaluate), model cycles == RTL cycles on every layer; under memory latency and
// back-pressure too; a fault in the datapath reported with its layer, tensor element and cycle.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <ostream>
#include <string>

#include "../common/seed.hpp"
#include "feather/map/random_network.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"
#include "feather/sim/network_run.hpp"

namespace feather {
namespace {

std::string failure(const sim::NetworkReport& r) {
  for (const auto& l : r.layers) {
    if (!l.ok) return fmt::format("layer '{}': {}", l.name, l.mismatch);
  }
  return r.layers.empty() ? "no layer ran" : "";
}

// Every RTL layer's cycles equal the model's (under back-pressure: the model says it estimates,
// and the network's total is within 15 %), the traffic adds up, the roles are where they belong.
void expect_consistent(const sim::NetworkReport& r, bool exact_cycles) {
  std::uint64_t cycles = 0, model = 0;
  sim::OffchipBytes sum;
  for (const auto& l : r.layers) {
    const bool rtl = l.home == sim::Home::kRtl;
    if (rtl) {
      EXPECT_GT(l.cycles, 0u) << l.name;
      EXPECT_GT(l.bytes.weights, 0u) << l.name;
      EXPECT_EQ(l.model_exact, exact_cycles) << l.name;
      if (exact_cycles) {
        EXPECT_EQ(l.model_cycles, l.cycles) << l.name;
      }
    } else {
      EXPECT_EQ(l.cycles, 0u) << l.name;
      EXPECT_EQ(l.bytes.weights + l.bytes.spills + l.bytes.input + l.bytes.output, 0u) << l.name;
    }
    if (l.home == sim::Home::kHost) {
      EXPECT_GT(l.bytes.host, 0u) << l.name;
    }
    cycles += l.cycles;
    model += l.model_cycles;
    sum += l.bytes;
  }
  EXPECT_EQ(cycles, r.cycles);
  EXPECT_EQ(model, r.model_cycles);
  EXPECT_EQ(r.model_exact, exact_cycles);
  if (!exact_cycles) {
    EXPECT_NEAR(static_cast<double>(r.model_cycles), static_cast<double>(r.cycles),
                0.15 * static_cast<double>(r.cycles))
        << "the cycle model's back-pressure estimate";
  }
  EXPECT_EQ(sum.total(), r.bytes.total());
  // The network input is read by the first layer: from the RTL, or by the host (BERT's
  // embedding layer norm).
  EXPECT_GT(r.layers.front().home == sim::Home::kHost ? r.bytes.host : r.bytes.input, 0u);
  EXPECT_GE(r.bytes.total(), r.lower_bound_bytes);
  EXPECT_GT(r.utilization, 0.0);
  EXPECT_LE(r.utilization, 1.0);
}

// Layers whose output stayed on chip; a layer that read its input on chip loaded no
// activations, and one that also left its output there stored none.
std::size_t kept_on_chip(const sim::NetworkReport& r) {
  std::size_t kept = 0;
  for (std::size_t k = 0; k < r.layers.size(); ++k) {
    const auto& l = r.layers[k];
    if (l.output_on_chip) {
      ++kept;
      EXPECT_TRUE(k + 1 < r.layers.size() && r.layers[k + 1].input_on_chip) << l.name;
    }
    if (l.input_on_chip) {
      EXPECT_EQ(l.bytes.input, 0u) << l.name;
      if (l.output_on_chip) {
        EXPECT_EQ(l.bytes.spills, 0u) << l.name;
      }
    }
  }
  return kept;
}

struct Case {
  const char* network;
  int spatial, channels;
  const char* until;  // "" = the whole network
  int array;
  sim::HandOff hand_off;
  bool chains = false;  // some output must stay on chip (hand-off always)
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.network << " / " << c.spatial << "," << c.channels << " on " << c.array << "x" << c.array
      << " until '" << c.until << "', hand-off " << sim::to_string(c.hand_off);
}

class TopNetwork : public ::testing::TestWithParam<Case> {};

TEST_P(TopNetwork, EveryLayerMatchesTheNetworkReference) {
  const Case c = GetParam();
  const map::Network net = net::shrink(map::builtin_network(c.network), c.spatial, c.channels);
  const std::uint64_t seed = test::test_seed();
  sim::NetworkRunOptions opt;
  opt.until = c.until;
  opt.hand_off = c.hand_off;
  const sim::NetworkReport r = sim::run_network(net, c.array, c.array, seed, opt);
  ASSERT_TRUE(r.ok) << "seed " << seed << ": " << failure(r);
  const std::size_t kept = kept_on_chip(r);
  if (c.chains) {
    EXPECT_GT(kept, 0u) << "no chain in " << c.network;
  }
  EXPECT_EQ(r.layers.back().name, *c.until ? std::string(c.until) : net.layers.back().name);
  expect_consistent(r, true);
}

// The three built-in networks whole, scaled down (net::shrink), and a prefix of two of them on
// the other array size: a 7x7/2 stem, a max pool, bottlenecks with their projection shortcuts
// and residual adds, strided 3x3 convs, the classifier (ResNet-50); depthwise convs of stride 1
// and 2, 3x3 and 5x5, squeeze-excite (average pool, two FCs, channel scale) (MobileNet-V3);
// encoder layers: weight GEMMs, the attention matmuls of 12 heads with Q K^T transposed,
// softmax, layer norms, GELU and adds (BERT, where no layer's output has the next layer as its
// only consumer: nothing to keep on chip). Chains of layers whose outputs stay on chip run on
// one DUT from layer to layer, and the model, continuing from the DUT's state
// (top::TimelineCarry), stays exact.
INSTANTIATE_TEST_SUITE_P(
    Networks, TopNetwork,
    ::testing::Values(Case{"resnet50", 8, 8, "", 4, sim::HandOff::kAlways, true},
                      Case{"resnet50", 4, 4, "", 8, sim::HandOff::kWhenFaster},
                      Case{"mobilenet_v3_large", 4, 2, "", 4, sim::HandOff::kAlways, true},
                      Case{"mobilenet_v3_large", 8, 4, "bneck5.add", 8, sim::HandOff::kOff},
                      Case{"bert_base", 8, 4, "", 8, sim::HandOff::kAlways},
                      Case{"bert_base", 16, 8, "enc0.ln2", 4, sim::HandOff::kWhenFaster}),
    [](const ::testing::TestParamInfo<Case>& i) {
      return fmt::format("{}_{}x{}{}", i.param.network, i.param.array, i.param.array,
                         *i.param.until ? "_prefix" : "");
    });

// Seeded random networks (map::random_network: every block of the generator, see
// verif/unit/random_network_test.cpp) whole on the 4x4 and 8x8 RTL, bit-exact layer by layer
// against the network reference, model cycles == RTL cycles, with every possible output kept on
// chip or none; one network in three under memory latency and back-pressure (identical bytes).
// The seed of a failing network is printed: `feather run --network random:SEED --seed SEED`
// reruns it.
TEST(TopNetworkRandom, SeededNetworksRunBitExactOnTheRtl) {
  const std::uint64_t base = test::test_seed();
  std::size_t layers = 0, kept = 0;
  for (std::uint64_t i = 0; i < 8; ++i) {
    const std::uint64_t seed = base + i;
    const map::Network net = map::random_network(seed);
    const int array = i % 2 == 0 ? 4 : 8;
    SCOPED_TRACE(fmt::format("network random:{} on {}x{}", seed, array, array));
    sim::NetworkRunOptions opt;
    opt.hand_off = i % 3 == 2 ? sim::HandOff::kOff : sim::HandOff::kAlways;
    const bool stressed = i % 3 == 1;
    if (stressed) {
      opt.run.latency = 5;
      opt.run.backpressure = 0.3;
      opt.run.seed = seed;
    }
    const sim::NetworkReport r = sim::run_network(net, array, array, seed, opt);
    ASSERT_TRUE(r.ok) << "seed " << seed << ": " << failure(r);
    ASSERT_EQ(r.layers.size(), net.layers.size());
    expect_consistent(r, !stressed);
    kept += kept_on_chip(r);
    layers += r.layers.size();
  }
  std::cout << "[ info     ] " << layers << " layers of 8 random networks, " << kept
            << " outputs kept on chip\n";
}

TEST(TopNetworkFile, ResidualSmallRunsWholeUnderLatencyAndBackPressure) {
  const map::Network net = map::load_network(std::string(FEATHER_SOURCE_DIR) +
                                             "/sw/networks/examples/residual_small.yaml");
  const std::uint64_t seed = test::test_seed();
  const sim::NetworkReport plain = sim::run_network(net, 4, 4, seed);
  ASSERT_TRUE(plain.ok) << "seed " << seed << ": " << failure(plain);
  EXPECT_EQ(plain.layers.size(), net.layers.size());
  expect_consistent(plain, true);
  // The last layer's store is the network output.
  EXPECT_GT(plain.bytes.output, 0u);
  // Under latency and back-pressure, with every possible output kept on chip: the chains run
  // on one DUT from layer to layer.
  sim::NetworkRunOptions opt;
  opt.run.latency = 7;
  opt.run.backpressure = 0.3;
  opt.run.seed = seed;
  opt.hand_off = sim::HandOff::kAlways;
  const sim::NetworkReport held = sim::run_network(net, 4, 4, seed, opt);
  ASSERT_TRUE(held.ok) << "seed " << seed << ": " << failure(held);
  EXPECT_GT(kept_on_chip(held), 0u);
  EXPECT_LE(held.bytes.spills, plain.bytes.spills);
  expect_consistent(held, false);
  // The hand-off is decided by the cycle model: never slower than without it.
  opt = {};
  opt.hand_off = sim::HandOff::kOff;
  const sim::NetworkReport off = sim::run_network(net, 4, 4, seed, opt);
  ASSERT_TRUE(off.ok) << "seed " << seed << ": " << failure(off);
  EXPECT_LE(plain.cycles, off.cycles);
  EXPECT_EQ(kept_on_chip(off), 0u);
  EXPECT_LT(held.bytes.spills, off.bytes.spills);
}

// A ReLU folded into its conv keeps its clamp on the host when the clamp is not [0, 255]; a
// ReLU6 after an add runs on the host; both bit-exact.
TEST(TopNetworkFile, FoldedAndStandaloneActivations) {
  const std::string text = R"(network: acts
layers:
  - {name: c1, op: conv, h: 6, w: 6, c: 4, k: 8, r: 3, pad: 1}
  - {name: r1, op: relu, h: 6, w: 6, c: 8}
  - {name: c2, op: conv, h: 6, w: 6, c: 8, k: 8, r: 1}
  - {name: a, op: add, h: 6, w: 6, c: 8, inputs: [c2, r1]}
  - {name: r6, op: relu6, h: 6, w: 6, c: 8}
  - {name: fc, op: fc, gm: 36, gk: 8, gn: 4}
)";
  const map::Network net = map::parse_network(text, "acts.yaml");
  const std::uint64_t seed = test::test_seed();
  const sim::NetworkReport r = sim::run_network(net, 4, 4, seed);
  ASSERT_TRUE(r.ok) << "seed " << seed << ": " << failure(r);
  ASSERT_EQ(r.layers.size(), 6u);
  EXPECT_EQ(r.layers[1].home, sim::Home::kFolded);
  EXPECT_EQ(r.layers[4].home, sim::Home::kHost);
  const net::Quantization q = net::random_quantization(net, seed);
  // c1's folded ReLU is its requantization clamp, set by Config on the RTL.
  const bool clamped = q.at("c1").lo != 0 || q.at("c1").hi != 255;
  std::cout << "[ info     ] c1 clamps to [" << int{q.at("c1").lo} << ", " << int{q.at("c1").hi}
            << "]" << (clamped ? "" : " (no clamp for this seed)") << "\n";
  EXPECT_EQ(r.layers[0].home, sim::Home::kRtl);
  expect_consistent(r, true);
}

// A fault in BIRRD's commands from some cycle on: the report names the first layer it reaches,
// the cycle of the RTL's divergence and the output element.
TEST(TopNetworkFile, AFaultIsReportedWithItsLayerElementAndCycle) {
  const map::Network net = map::load_network(std::string(FEATHER_SOURCE_DIR) +
                                             "/sw/networks/examples/residual_small.yaml");
  const std::uint64_t seed = test::test_seed();
  sim::NetworkRunOptions opt;
  opt.run.fault_from_cycle = 0;
  opt.run.fault_line_xor = 1;
  const sim::NetworkReport r = sim::run_network(net, 4, 4, seed, opt);
  ASSERT_FALSE(r.ok);
  ASSERT_FALSE(r.layers.empty());
  const auto& bad = r.layers.back();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.name, "stem") << bad.mismatch;
  EXPECT_NE(bad.mismatch.find("cycle"), std::string::npos) << bad.mismatch;
  EXPECT_NE(bad.mismatch.find("output [m="), std::string::npos) << bad.mismatch;
}

// Faults on the on-chip hand-off: a corrupted output layout descriptor of a layer that keeps its
// output on chip, and dropped writes (every output write sent to another line) in it. The
// checker names the layer, the output element and the cycle of the wrong write, found by
// replaying the chain on a fresh DUT (for a misdirected output: of the write that went to the
// wrong lines).
TEST(TopNetworkFile, HandOffFaultsNameTheLayerTheElementAndTheCycle) {
  const map::Network net = map::load_network(std::string(FEATHER_SOURCE_DIR) +
                                             "/sw/networks/examples/residual_small.yaml");
  const std::uint64_t seed = test::test_seed();
  sim::NetworkRunOptions opt;
  opt.hand_off = sim::HandOff::kAlways;
  const sim::NetworkReport clean = sim::run_network(net, 4, 4, seed, opt);
  ASSERT_TRUE(clean.ok) << failure(clean);
  // The first layer of a chain (its output stays in the buffer: the state at the end of its
  // program shows the fault) and the second (its program continues the DUT: the replay).
  std::string producer, layer;
  for (const auto& lr : clean.layers) {
    if (producer.empty() && lr.output_on_chip) producer = lr.name;
    if (layer.empty() && lr.input_on_chip) layer = lr.name;
  }
  ASSERT_FALSE(producer.empty() || layer.empty()) << "no chain";
  using Kind = sim::NetworkFault::Kind;
  for (const auto& f : {sim::NetworkFault{producer, Kind::kLayout, 16, 0},
                        sim::NetworkFault{producer, Kind::kWrite, 1, 0},
                        sim::NetworkFault{layer, Kind::kLayout, 16, 0},
                        sim::NetworkFault{layer, Kind::kWrite, 1, 0},
                        sim::NetworkFault{layer, Kind::kWrite, 2, 40}}) {
    SCOPED_TRACE(fmt::format("seed {} layer {} fault {} bits {} cycle {}", seed, f.layer,
                             f.kind == Kind::kLayout ? "layout" : "write", f.bits, f.cycle));
    opt.fault = f;
    const sim::NetworkReport r = sim::run_network(net, 4, 4, seed, opt);
    ASSERT_FALSE(r.ok);
    const auto& bad = r.layers.back();
    EXPECT_FALSE(bad.ok);
    EXPECT_EQ(bad.name, f.layer) << bad.mismatch;
    EXPECT_NE(bad.mismatch.find("layer '" + f.layer + "': output element ["), std::string::npos)
        << bad.mismatch;
    EXPECT_NE(bad.mismatch.find("RTL divergence: cycle "), std::string::npos) << bad.mismatch;
    // The cycle of a wrong write, also when the output went to other lines (the right ones are
    // then never written).
    EXPECT_NE(bad.mismatch.find(": the RTL wrote "), std::string::npos) << bad.mismatch;
    std::cout << "[ fault    ] "
              << bad.mismatch.substr(0,
                                     bad.mismatch.find('\n', bad.mismatch.find("RTL divergence")))
              << "\n";
  }
  // A fault must name a layer that exists and runs in a chain.
  opt.fault = sim::NetworkFault{"no-such-layer", Kind::kWrite, 1, 0};
  EXPECT_THROW(sim::run_network(net, 4, 4, seed, opt), std::invalid_argument);
  opt.fault = sim::NetworkFault{layer, Kind::kWrite, 1, 0};
  opt.hand_off = sim::HandOff::kOff;
  EXPECT_THROW(sim::run_network(net, 4, 4, seed, opt), std::invalid_argument);
}

TEST(TopNetworkFile, AnUnknownUntilLayerIsNamed) {
  const map::Network net = map::load_network(std::string(FEATHER_SOURCE_DIR) +
                                             "/sw/networks/examples/residual_small.yaml");
  sim::NetworkRunOptions opt;
  opt.until = "nope";
  try {
    sim::run_network(net, 4, 4, 1, opt);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace feather
