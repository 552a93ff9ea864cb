// The on-chip hand-off in the mapper's plans (MapOptions::output_image / input_resident): a
// producer's tiles write one output image in the streaming buffer (qoff), the consumer's tiles
// read it in place; both run back to back on one golden model, bit-exact against the
// reference, and timed by the cycle model.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "../common/random_layers.hpp"
#include "../common/seed.hpp"
#include "feather/map/compile.hpp"
#include "feather/map/hand_off.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"
#include "feather/top/arrays.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/timing.hpp"

namespace feather {
namespace {

using top::Layout;

// An output image of M rows and `vns` output VNs with the channel-VN outermost: L = q*E + m.
Layout q_outer(std::uint64_t e, std::uint64_t vns, std::uint64_t base = 0) {
  return Layout{1, 0, e, vns, base};
}

TEST(HandOff, ImagePartsKeepTheImagesStrides) {
  const auto p = test::small_params(4, 4, 1024, 256, 512);
  map::GemmShape s;
  s.m = 64;
  s.k = 8;
  s.n = 32;  // 8 output VNs
  // q outermost (E = 64): N tiles of whole VNs land at q0*64 VNs = q0*16 vn-rows.
  const Layout img = q_outer(64, 8, 100);
  map::Tile t;
  t.m = 64;
  t.n0 = 8;
  t.n = 8;
  auto part = map::image_part(p, img, s, t);
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->layout, q_outer(64, 2));
  EXPECT_EQ(part->line, 100 + 2 * 64 / 4 * 4);
  // A first channel that is not a whole VN, or an offset that is not a whole vn-row (E = 65:
  // q0 = 1 starts at VN 65), is no part of it.
  t.n0 = 6;
  EXPECT_FALSE(map::image_part(p, img, s, t).has_value());
  t.n0 = 4;
  EXPECT_FALSE(map::image_part(p, q_outer(65, 8), s, t).has_value());
  // m outermost (order 3, F0 = 1: L = m*F2 + q): M tiles.
  const Layout m_outer{3, 0, 64, 8, 0};
  map::Tile mt;
  mt.m0 = 16;
  mt.m = 16;
  mt.n = 32;
  part = map::image_part(p, m_outer, s, mt);
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->layout, (Layout{3, 0, 16, 8, 0}));
  EXPECT_EQ(part->line, 16 * 8 / 4 * 4);
  // An N tile of it keeps the image's extent (F1 = 64 rows, F2 = 8 VNs); from channel 4 it
  // starts inside a vn-row (VN 1), from channel 16 at VN 4, a whole vn-row.
  EXPECT_FALSE(map::image_part(p, m_outer, s, t).has_value());
  t.n0 = 16;
  t.n = 16;
  part = map::image_part(p, m_outer, s, t);
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->layout, m_outer);
  EXPECT_EQ(part->line, 4u);
}

struct Chained {
  map::CompiledLayer a, b;
};

// A 1x1 conv (8x8x8 -> 32) keeps its output in `img`; a 3x3 conv (pad 1, -> 8) reads it in
// place and stores its output. Both programs run on one golden model; B's output must equal the
// reference of B applied to A's reference output, and the cycle model must time the pair.
void run_chain(const top::TopParams& p, const Layout& img, std::mt19937_64& rng,
               const map::MapOptions& a_opt_in = {}) {
  const map::Layer la = map::Layer::conv("a", 8, 8, 8, 32, 1, 1, 0, 1, 1);
  const map::Layer lb = map::Layer::conv("b", 8, 8, 32, 8, 3, 1, 1, 1, 1);
  map::MapOptions a_opt = a_opt_in, b_opt;
  a_opt.output_image = img;
  b_opt.input_resident = img;
  const map::CompiledLayer a = map::compile_layer(p, la, map::random_operands(la, rng), a_opt);
  map::Operands ob = map::random_operands(lb, rng);
  ob.input = a.expected;  // [h][w][c] = O[m][n]
  const map::CompiledLayer b = map::compile_layer(p, lb, ob, b_opt);
  SCOPED_TRACE(
      fmt::format("image {}: a {}, b {}", img.to_string(), a.map.describe(), b.map.describe()));
  ASSERT_TRUE(a.program.image.has_value());
  EXPECT_GT(a.map.tiles.size(), 1u) << "the output (512 lines) fits OD = 128 in one tile?";
  EXPECT_TRUE(a.program.outputs.empty());
  EXPECT_TRUE(b.map.direct);
  for (const auto& in : a.program.instrs) EXPECT_NE(in.op, top::Op::kStore);
  for (const auto& in : b.program.instrs) {
    EXPECT_FALSE(in.op == top::Op::kLoad &&
                 in.target == static_cast<std::uint32_t>(top::Target::kSbufActive))
        << "b loads its input: " << top::disassemble(in);
  }
  top::Golden gold(p);
  top::Memory ma = a.program.memory;
  ASSERT_EQ(gold.run(a.program.instrs, ma).err, top::Err::kNone) << gold.err_detail();
  // A's image, in the active half now, is its reference output.
  EXPECT_EQ(map::output_mismatches(a.expected, top::read_output(p, *a.program.image, gold), 32),
            "");
  top::Memory mb = b.program.memory;
  ASSERT_EQ(gold.run(b.program.instrs, mb).err, top::Err::kNone) << gold.err_detail();
  EXPECT_EQ(map::output_mismatches(b, map::read_output(p, b, mb)), "");
  // The mapper timed each layer as it runs.
  EXPECT_EQ(top::predict(p, a.program.instrs, a.map.timing_options).cycles, a.map.timing.cycles);
  EXPECT_EQ(top::predict(p, b.program.instrs, b.map.timing_options).cycles, b.map.timing.cycles);
}

TEST(HandOff, TilesWriteOneImageThatTheNextLayerReadsInPlace) {
  std::mt19937_64 rng(test::test_seed());
  // OD = 128 lines: A's output (8 VNs x 64 rows = 512 lines) needs four N tiles, each writing
  // its part of the image with a qoff; the image sits past line 64 of the streaming buffer.
  const auto p = test::small_params(4, 4, 1024, 256, 128);
  int ran = 0;
  for (const std::uint64_t e : {64, 68}) {
    const Layout img = q_outer(e, 8, 64);
    try {
      run_chain(p, img, rng);
      ++ran;
    } catch (const std::invalid_argument& ex) {
      std::cout << "[ hand-off ] image " << img.to_string() << ": " << ex.what() << "\n";
    }
  }
  EXPECT_GT(ran, 0) << "no image layout gave a chain";
  // Forced: two N tiles of A.
  map::MapOptions two;
  two.tiles = std::make_tuple(1, 4, 1);
  run_chain(p, q_outer(64, 8, 64), rng, two);
}

// plan_hand_off: the fastest image over the candidates; the pair runs bit-exact, and the
// consumer's plan reads the image in place.
TEST(HandOff, PlannedPairsRunBitExact) {
  std::mt19937_64 rng(test::test_seed());
  const auto p = test::small_params(4, 8, 1024, 256, 128);
  const map::Layer la = map::Layer::conv("a", 8, 8, 8, 32, 1, 1, 0, 1, 1);
  const map::Layer lb = map::Layer::gemm("b", 64, 32, 24);
  const auto h = map::plan_hand_off(p, la, std::nullopt, lb);
  ASSERT_TRUE(h.has_value());
  const auto cands = map::image_candidates(p, 64, 32);
  EXPECT_NE(std::find(cands.begin(), cands.end(), h->image), cands.end());
  EXPECT_EQ(h->producer.output_image, h->image);
  EXPECT_EQ(h->consumer.input_resident, h->image);
  const map::CompiledLayer a =
      map::compile_layer(p, la, map::random_operands(la, rng), h->producer);
  map::Operands ob = map::random_operands(lb, rng);
  ob.input = a.expected;
  const map::CompiledLayer b = map::compile_layer(p, lb, ob, h->consumer);
  top::Golden gold(p);
  top::Memory ma = a.program.memory, mb = b.program.memory;
  ASSERT_EQ(gold.run(a.program.instrs, ma).err, top::Err::kNone) << gold.err_detail();
  ASSERT_EQ(gold.run(b.program.instrs, mb).err, top::Err::kNone) << gold.err_detail();
  EXPECT_EQ(map::output_mismatches(b, map::read_output(p, b, mb)), "");
  // A grouped consumer cannot read an image in place.
  EXPECT_FALSE(
      map::plan_hand_off(p, la, std::nullopt, map::Layer::conv("dw", 8, 8, 32, 32, 3, 1, 1, 1, 32))
          .has_value());
}

// plan_chain: a bottleneck (1x1 -> 3x3 -> 1x1). `always` keeps both outputs on chip and the
// three plans run back to back bit-exact; the default keeps what the cycle model finds no
// slower, never more cycles than every output off chip.
TEST(HandOff, ChainsArePlannedAsAWholeAndRunBitExact) {
  std::mt19937_64 rng(test::test_seed());
  const auto p = test::small_params(4, 8, 2048, 512, 256);
  const std::vector<map::Layer> layers = {
      map::Layer::conv("c1", 8, 8, 32, 16, 1, 1, 0, 1, 1),
      map::Layer::conv("c2", 8, 8, 16, 16, 3, 1, 1, 1, 1),
      map::Layer::conv("c3", 8, 8, 16, 32, 1, 1, 0, 1, 1),
  };
  const map::ChainPlan best = map::plan_chain(p, layers);
  EXPECT_LE(best.cycles, best.alone);
  const map::ChainPlan all = map::plan_chain(p, layers, {}, true);
  ASSERT_EQ(all.images.size(), 2u);
  ASSERT_TRUE(all.images[0].has_value());
  ASSERT_TRUE(all.images[1].has_value());
  EXPECT_GE(all.cycles, best.cycles);
  top::Golden gold(p);
  std::vector<std::uint8_t> input = map::random_operands(layers[0], rng).input;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    SCOPED_TRACE(fmt::format("layer {}: {}", k, all.plans[k].describe()));
    EXPECT_EQ(all.plans[k].input_resident.has_value(), k > 0);
    EXPECT_EQ(all.plans[k].output_image.has_value(), k < 2);
    map::Operands o = map::random_operands(layers[k], rng);
    o.input = input;
    const map::CompiledLayer c = map::compile_layer(p, layers[k], o, all.plans[k]);
    top::Memory mem = c.program.memory;
    ASSERT_EQ(gold.run(c.program.instrs, mem).err, top::Err::kNone) << gold.err_detail();
    const auto got =
        k < 2 ? top::read_output(p, *c.program.image, gold) : map::read_output(p, c, mem);
    EXPECT_EQ(map::output_mismatches(c, got), "");
    input = c.expected;
  }
  EXPECT_THROW((void)map::plan_chain(p, {}), std::invalid_argument);
}

// A depthwise layer in channel blocks handing its output to a pointwise one on the 4x4 array
// (found through an ONNX model): the tiles of M/2 rows keep the image's strides, so the last
// channel VN's tile spans lines past the streaming buffer from its offset on. The planner must
// not choose such a tiling (it did: the golden model stopped the run with LAYOUT_RANGE).
TEST(HandOff, EveryTilesLayoutFitsTheStreamingBuffer) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams& p = top::find_named_array(4, 4)->params;
  const std::vector<map::Layer> layers = {
      map::Layer::conv("dw", 16, 16, 16, 16, 3, 1, 1, 1, 16),
      map::Layer::conv("pw", 16, 16, 16, 16, 1, 1, 0, 1, 1),
  };
  const map::ChainPlan cp = map::plan_chain(p, layers, {}, true);
  ASSERT_TRUE(cp.images[0].has_value());
  top::Golden gold(p);
  std::vector<std::uint8_t> input = map::random_operands(layers[0], rng).input;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    SCOPED_TRACE(fmt::format("layer {}: {}", k, cp.plans[k].describe()));
    map::Operands o = map::random_operands(layers[k], rng);
    o.input = input;
    const map::CompiledLayer c = map::compile_layer(p, layers[k], o, cp.plans[k]);
    top::Memory mem = c.program.memory;
    ASSERT_EQ(gold.run(c.program.instrs, mem).err, top::Err::kNone) << gold.err_detail();
    const auto got =
        k == 0 ? top::read_output(p, *c.program.image, gold) : map::read_output(p, c, mem);
    EXPECT_EQ(map::output_mismatches(c, got), "");
    input = c.expected;
  }
}

// map_network reports every layer ("map"), then every chain of the hand-off ("hand-off"), each
// phase counting up to its total, and the progress changes nothing in the plan.
TEST(HandOff, MapNetworkReportsItsProgress) {
  const map::Network net =
      map::find_network(FEATHER_SOURCE_DIR "/sw/networks/examples/residual_small.yaml");
  const top::TopParams& p = top::find_named_array(4, 4)->params;
  map::NetworkMapOptions opt;
  opt.hand_off = true;
  const map::NetworkMap quiet = map::map_network(p, net, opt);
  struct Step {
    std::string phase, what;
    std::size_t done, total;
  };
  std::vector<Step> steps;
  opt.progress = [&](std::string_view phase, std::size_t done, std::size_t total,
                     std::string_view what) {
    steps.push_back({std::string(phase), std::string(what), done, total});
  };
  const map::NetworkMap nm = map::map_network(p, net, opt);
  EXPECT_EQ(nm.cycles, quiet.cycles);
  EXPECT_EQ(nm.kept, quiet.kept);
  std::size_t maps = 0, chains = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    SCOPED_TRACE(fmt::format("step {}: {} {}/{} {}", i, s.phase, s.done, s.total, s.what));
    EXPECT_LE(s.done, s.total);
    if (s.phase == "map") {
      EXPECT_EQ(chains, 0u) << "a layer reported after the hand-off began";
      EXPECT_EQ(s.total, net.layers.size());
      EXPECT_EQ(s.done, maps);
      EXPECT_EQ(s.what, net.layers[maps].name);
      ++maps;
    } else {
      ASSERT_EQ(s.phase, "hand-off");
      EXPECT_EQ(s.done, ++chains);
    }
  }
  EXPECT_EQ(maps, net.layers.size());
  ASSERT_GT(chains, 0u);
  EXPECT_EQ(steps.back().done, steps.back().total);
}

TEST(HandOff, BadResidencyIsNamed) {
  const auto p = test::small_params(4, 4, 1024, 256, 128);
  map::MapOptions o;
  o.input_resident = q_outer(64, 8);
  o.dataflow = map::Dataflow::kIoS;
  try {
    map::Layer g = map::Layer::gemm("g", 64, 32, 8);
    g.per_tensor_quant = true;
    (void)map::map_layer(p, g, o);
    FAIL() << "IO-S with a resident input was mapped";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs WO-S"), std::string::npos) << e.what();
  }
  o.dataflow.reset();
  map::MapOptions big;
  big.output_image = q_outer(64, 8, 1000);  // 512 lines from line 1000: SD = 1024
  try {
    (void)map::map_layer(p, map::Layer::gemm("g", 64, 32, 32), big);
    FAIL() << "an image beyond the streaming buffer was planned";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("SD = 1024"), std::string::npos) << e.what();
  }
  try {
    (void)map::map_layer(p, map::Layer::conv("dw", 8, 8, 32, 32, 3, 1, 1, 1, 32), o);
    FAIL() << "a grouped layer read its input in place";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("grouped"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace feather
