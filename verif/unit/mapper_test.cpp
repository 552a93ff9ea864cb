// The cycle model (its documented rules on hand-computed programs) and the mapper (tiling
// along M, N and K, both dataflows, every plan built with data and run on the golden model
// against the reference math; options and errors). The RTL agreement is
// verif/cosim/mapper_agreement_test.cpp.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "../common/random_layers.hpp"
#include "../common/seed.hpp"
#include "feather/map/compile.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/timing.hpp"

namespace feather {
namespace {

using top::Instr;
using top::Op;
using top::Target;

top::TopParams small(int ah, int aw, int sd, int wd, int od, int qd = 64) {
  return test::small_params(ah, aw, sd, wd, od, qd);
}

// ---------------------------------------------------------------------------------------------
// The cycle model on programs whose schedule follows from the rules by hand (docs/mapper.md).

TEST(Timing, EmptyProgramIsOneCycle) {
  EXPECT_EQ(top::predict(small(4, 4, 64, 64, 64), {}).cycles, 1u);
}

TEST(Timing, BarriersLoadsAndStoresFollowTheRules) {
  const auto p = small(4, 4, 64, 64, 64);
  const std::vector<Instr> prog = {
      Instr::config(0, 0, false),                 // consumed in cycle 1
      Instr::load(Target::kWbuf, 0, 4, 0),        // barrier: cycle 2; free from 2+4+L+1
      Instr::store(Target::kSbufActive, 0, 3, 0)  // waits for the load: free from c+3+3
  };
  top::TimingOptions o;
  o.latency = 5;
  const auto t = top::predict(p, prog, o);
  ASSERT_EQ(t.consume.size(), 3u);
  EXPECT_EQ(t.consume[0], 1u);
  EXPECT_EQ(t.consume[1], 2u);
  EXPECT_EQ(t.consume[2], 2u + 4 + 5 + 1);
  EXPECT_EQ(t.cycles, t.consume[2] + 3 + 3 + 1);  // idle, then the harness's extra cycle
  EXPECT_EQ(t.words_read, 4u);
  EXPECT_EQ(t.words_written, 3u);
  EXPECT_EQ(t.stall_cycles, t.consume[2] - t.consume[1] - 1);
}

TEST(Timing, MappingAndStreamingOverlapOnAlternateContexts) {
  const auto p = small(4, 4, 64, 64, 64);  // Benes AW=4: S = 3 stages
  const std::uint64_t vn = 4, s = static_cast<std::uint64_t>(p.stages());
  const std::vector<Instr> prog = {
      Instr::map(0, 0, 0, 0, 3),                  // 0: cycle 1, context 0 ready at 1+vn^2+4
      Instr::stream(0, 1, 10, false, false, {}),  // 1: then, T=10 steps: beats to b1
      Instr::map(1, 0, 0, 0, 3),                  // 2: context 1 loads during the stream
      Instr::stream(0, 1, 10, true, false, {}),   // 3: in the last beat of stream 1
      Instr::map(2, 0, 0, 0, 3),                  // 4: context 0 again: waits for stream 1 to drain
  };
  const auto t = top::predict(p, prog);
  const std::uint64_t c1 = 1 + vn * vn + 4;
  EXPECT_EQ(t.consume[1], c1);
  const std::uint64_t b1 = c1 + 10 * vn;
  EXPECT_EQ(t.consume[2], c1 + 1);
  EXPECT_EQ(t.consume[3], b1);               // no bubble between streams
  EXPECT_EQ(t.consume[4], b1 + vn + s + 6);  // context 0 free once stream 1 has drained
  EXPECT_EQ(t.beat_cycles, 20 * vn);
  EXPECT_EQ(t.mapping_cycles, 3 * vn * vn);
}

TEST(Timing, TheBeatRegisterHoldsTheOldContextForOneCycle) {
  const auto p = small(4, 4, 64, 64, 64);
  const std::uint64_t vn = 4;
  const std::vector<Instr> prog = {
      Instr::map(0, 0, 0, 0, 3),                 // context 0
      Instr::stream(0, 1, 1, false, false, {}),  // short: drained long before instruction 4
      Instr::map(1, 0, 0, 0, 3),                 // context 1
      Instr::stream(0, 1, 1, true, false, {}),   // waits for context 1's loads
      Instr::map(2, 0, 0, 0, 3),  // context 0: in the cycle after instruction 3 the beat
                                  // register still names context 0 (the stream before)
  };
  const auto t = top::predict(p, prog);
  EXPECT_EQ(t.consume[3], t.consume[2] + vn * vn + 4);
  EXPECT_EQ(t.consume[4], t.consume[3] + 2);
}

TEST(Timing, RejectsBadOptionsAndProgramsItCannotTime) {
  const auto p = small(4, 4, 64, 64, 64);
  top::TimingOptions o;
  o.latency = 0;
  EXPECT_THROW(top::predict(p, {}, o), std::invalid_argument);
  o.latency = 2;
  o.bandwidth = 0.0;
  EXPECT_THROW(top::predict(p, {}, o), std::invalid_argument);
  o.bandwidth = 1.5;
  EXPECT_THROW(top::predict(p, {}, o), std::invalid_argument);
  try {
    top::predict(p, {Instr::stream(0, 1, 1, false, false, {})});
    FAIL() << "a stream before any mapping was timed";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("before any ExecuteMapping"), std::string::npos);
  }
}

TEST(Timing, LowerBandwidthSpacesTheRequests) {
  const auto p = small(4, 4, 64, 64, 64);
  top::TimingOptions o;
  o.bandwidth = 0.5;
  const auto t = top::predict(p, {Instr::load(Target::kWbuf, 0, 10, 0)}, o);
  // Requests at offsets 0, 2, ..., 18 from cycle 2; the last response 2 cycles later.
  EXPECT_EQ(t.cycles, (1 + 1 + 18 + 2 + 1) + 1);
}

// ---------------------------------------------------------------------------------------------
// The mapper: every plan runs on the golden model and equals the reference.

struct Checked {
  map::LayerMap lm;
  bool ok = false;
};

// The layer with random operands through map::compile_layer, run on the golden model.
Checked map_and_check(const top::TopParams& p, const map::Layer& layer, std::mt19937_64& rng,
                      const map::MapOptions& mo = {}) {
  Checked c;
  const map::CompiledLayer cl = map::compile_layer(p, layer, map::random_operands(layer, rng), mo);
  c.lm = cl.map;
  const auto& mp = cl.program;
  EXPECT_EQ(top::predict(p, mp.instrs, mo.timing).cycles, c.lm.timing.cycles)
      << "the program built with data is not the one the mapper timed";
  top::Golden g(p);
  top::Memory mem = mp.memory;
  const auto e = g.run(mp.instrs, mem);
  EXPECT_EQ(e.err, top::Err::kNone) << e.detail;
  const std::string diff = map::output_mismatches(cl, map::read_output(p, cl, mem));
  c.ok = diff.empty();
  EXPECT_TRUE(c.ok) << c.lm.describe() << "\n" << diff;
  std::uint64_t chunks = 0;
  for (const auto& t : c.lm.tiles) chunks += t.first_chunk() ? 0 : 1;
  EXPECT_EQ(c.lm.tiles.size(), c.lm.tiles_m * c.lm.tiles_n * c.lm.tiles_k);
  EXPECT_EQ(chunks, c.lm.tiles_m * c.lm.tiles_n * (c.lm.tiles_k - 1));
  return c;
}

map::Layer gemm_layer(int m, int k, int n, bool per_tensor) {
  map::Layer l = map::Layer::gemm(fmt::format("gemm{}x{}x{}", m, k, n), m, k, n);
  l.per_tensor_quant = per_tensor;
  return l;
}

TEST(Mapper, TiledGemmsMatchTheReference) {
  std::mt19937_64 rng(test::test_seed());
  std::uniform_int_distribution<int> dim(1, 50);
  int tiled = 0, chunked = 0, ios = 0;
  const int cases = 8;
  for (int i = 0; i < cases; ++i) {
    const int aw = i % 2 ? 8 : 4, ah = i % 3 ? 4 : 8;
    // Small buffers so that most layers must be tiled.
    const auto p = small(ah, aw, 64 + 32 * (i % 3), 32 + 32 * (i % 2), 64, 64);
    const bool per_tensor = i % 2 == 0;
    const int m = dim(rng), k = 3 * dim(rng), n = dim(rng);
    SCOPED_TRACE(fmt::format("GEMM {}x{}x{} on {}", m, k, n, p.to_string()));
    const auto c = map_and_check(p, gemm_layer(m, k, n, per_tensor), rng);
    tiled += c.lm.tiles.size() > 1;
    chunked += c.lm.tiles_k > 1;
    ios += c.lm.dataflow == map::Dataflow::kIoS;
  }
  std::cout << fmt::format("[ mapper   ] {} of {} tiled, {} with K chunks, {} IO-S\n", tiled, cases,
                           chunked, ios);
  EXPECT_GT(tiled, 0);
}

// Channel blocks (depthwise as block-diagonal GEMMs of gcd(groups, AH) channels): forced on
// random depthwise convs (3x3 and 5x5, strides, channel counts that give blocks of AH and of
// less), every program exact on the golden model and timed as the mapper timed it; the layer's
// MACs stay its own. On 16x16 a 7x7x960 5x5 depthwise layer maps with them more than twice as
// fast as with one channel per mapping.
TEST(Mapper, ChannelBlocksRunDepthwiseLayersBitExact) {
  std::mt19937_64 rng(test::test_seed());
  std::uniform_int_distribution<int> pick(0, 1000);
  map::MapOptions blocks;
  blocks.channel_blocks = true;
  for (int i = 0; i < 8; ++i) {
    const int ah = i % 2 ? 8 : 4;
    const auto p = small(ah, i % 3 ? 4 : 8, 2048, 1024, 1024, 128);
    const int c = (1 + pick(rng) % 6) * (i % 4 == 3 ? 2 : ah);
    const int h = 3 + pick(rng) % 8, r = i % 3 == 2 ? 5 : 3, stride = 1 + pick(rng) % 2;
    const map::Layer l = map::Layer::conv("dw", h, h, c, c, r, stride, r / 2, 1, c);
    SCOPED_TRACE(fmt::format("{} on {}", l.shape_string(), p.to_string()));
    const auto ck = map_and_check(p, l, rng, blocks);
    EXPECT_GT(ck.lm.blocks, 1u);
    EXPECT_EQ(ck.lm.shape.macs(), l.macs());
  }
  const auto p16 = small(16, 16, 65536, 16384, 16384, 256);
  const map::Layer dw = map::Layer::conv("bneck14.dw", 7, 7, 960, 960, 5, 1, 2, 1, 960);
  map::MapOptions none;
  none.channel_blocks = false;
  const map::LayerMap with = map::map_layer(p16, dw), without = map::map_layer(p16, dw, none);
  EXPECT_EQ(with.blocks, 16u) << with.describe();
  EXPECT_LT(with.timing.cycles * 2, without.timing.cycles)
      << with.describe() << " vs " << without.describe();
  // A layer they do not apply to is named.
  EXPECT_THROW((void)map::map_layer(p16, map::Layer::conv("c", 8, 8, 16, 16, 3, 1, 1), blocks),
               std::invalid_argument);
}

TEST(Mapper, ChunksKWhenTheWeightsOfOneColumnDoNotFit) {
  std::mt19937_64 rng(test::test_seed());
  // K = 400: 100 VNs of AH = 4, 100 stationary lines per channel, WD = 32.
  const auto p = small(4, 4, 256, 32, 256, 64);
  const auto c = map_and_check(p, gemm_layer(20, 400, 12, false), rng);
  EXPECT_GT(c.lm.tiles_k, 1u) << c.lm.describe();
  EXPECT_EQ(c.lm.tile_k % 4, 0u) << "K chunks end at VN boundaries";
}

TEST(Mapper, TiledConvsMatchTheReference) {
  std::mt19937_64 rng(test::test_seed());
  std::uniform_int_distribution<int> pick(0, 1000);
  for (int i = 0; i < 12; ++i) {
    const auto p = small(4, i % 2 ? 8 : 4, 128, 64, 128, 64);
    const int groups = i % 3 == 0 ? 1 + pick(rng) % 4 : 1;
    const int c = groups * (1 + pick(rng) % 24), co = groups * (1 + pick(rng) % 20);
    const int h = 3 + pick(rng) % 9, r = pick(rng) % 2 ? 3 : 1;
    const int stride = 1 + pick(rng) % 2;
    SCOPED_TRACE(
        fmt::format("conv {}x{}x{}->{} k{} g{} on {}", h, h, c, co, r, groups, p.to_string()));
    map_and_check(p, map::Layer::conv("conv", h, h, c, co, r, stride, r == 3 ? 1 : 0, 1, groups),
                  rng);
  }
}

// Direct convolution through the mapper: forced on random convs (N tiles, groups, strides,
// padding, dilation), every program exact on the golden model and timed as the mapper timed it;
// left to the mapper, a 3x3 conv whose im2col image does not fit the streaming buffer maps
// directly, and forcing it on a GEMM is a clear error.
// Each N-tile's output is stored while the next tile computes (compiler_emit.cpp): ResNet-50's
// layer1.0.conv3 on 16x16 (K chunks, two K-passes per tile) stores each output tile in several
// Stores, one per N-tile of the compiler, and the output stays bit-exact on the golden model.
TEST(Mapper, OutputTilesStoredPerNTile) {
  const auto p = small(16, 16, 65536, 16384, 16384, 256);
  const map::Layer l = map::Layer::conv("layer1.0.conv3", 56, 56, 64, 256, 1, 1, 0, 1, 1);
  std::mt19937_64 rng(test::test_seed());
  const map::CompiledLayer cl = map::compile_layer(p, l, map::random_operands(l, rng));
  std::uint64_t stores = 0, finishing = cl.map.tiles_m * cl.map.tiles_n;
  for (const auto& in : cl.program.instrs) stores += in.op == top::Op::kStore;
  EXPECT_GT(stores, finishing) << "one Store per output tile: no per-N-tile stores\n"
                               << cl.map.describe();
  top::Golden gold(p);
  top::Memory mem = cl.program.memory;
  ASSERT_EQ(gold.run(cl.program.instrs, mem).err, top::Err::kNone);
  EXPECT_EQ(map::output_mismatches(cl, map::read_output(p, cl, mem)), "");
}

TEST(Mapper, DirectConvolutionPlansMatchTheReference) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, 1000);
  map::MapOptions direct;
  direct.direct = true;
  int tiled = 0;
  for (int i = 0; i < 12; ++i) {
    const auto p = small(4, i % 2 ? 8 : 4, 512, 256, 512, 64);
    const int groups = i % 4 == 0 ? 1 + pick(rng) % 3 : 1;
    const int c = groups * (1 + pick(rng) % 24), co = groups * (1 + pick(rng) % 40);
    const int h = 3 + pick(rng) % 8, r = pick(rng) % 3 ? 3 : 1;
    const int stride = 1 + pick(rng) % 2, dil = 1 + pick(rng) % 2;
    const int pad = r == 3 ? dil : pick(rng) % 2;
    SCOPED_TRACE(fmt::format("seed {} conv {}x{}x{}->{} k{} s{} p{} d{} g{} on {}", seed, h, h, c,
                             co, r, stride, pad, dil, groups, p.to_string()));
    const auto ck = map_and_check(
        p, map::Layer::conv("conv", h, h, c, co, r, stride, pad, dil, groups), rng, direct);
    EXPECT_TRUE(ck.lm.direct);
    tiled += ck.lm.tiles.size() > 1;
  }
  std::cout << fmt::format("[ mapper   ] direct: {} of 12 with N tiles\n", tiled);
  // Bands of output rows (M tiles with their input rows): forced, and chosen when the image
  // does not fit the streaming buffer; the first band meets the top padding, the last the
  // bottom one (and is shorter).
  {
    const auto pb = small(4, 4, 256, 256, 256, 64);
    map::MapOptions bands = direct;
    bands.tiles = std::make_tuple(3u, 1u, 1u);
    const auto b3 =
        map_and_check(pb, map::Layer::conv("b", 11, 9, 5, 6, 3, 1, 1, 1, 1), rng, bands);
    EXPECT_TRUE(b3.lm.direct);
    EXPECT_EQ(b3.lm.tiles_m, 3u);
    const auto b2 =
        map_and_check(pb, map::Layer::conv("b2", 13, 7, 8, 4, 3, 2, 2, 2, 1), rng, bands);
    EXPECT_EQ(b2.lm.tiles_m, 3u);
    const auto big = map_and_check(pb, map::Layer::conv("big", 20, 20, 8, 8, 3, 1, 1, 1, 1), rng,
                                   direct);  // 400 pixels x 2 VNs: 800 lines > 256
    EXPECT_TRUE(big.lm.direct);
    EXPECT_GT(big.lm.tiles_m, 1u) << big.lm.describe();
  }
  // Auto keeps the faster lowering. ResNet-50's layer3 3x3 conv on 16x16: streaming its 14x14
  // image directly moves less than half the off-chip bytes of im2col (9 copies of the image);
  // at one word per cycle im2col's loads still hide behind its streams (it may win by a few
  // cycles), at half that bandwidth they do not, and auto streams the image directly.
  const auto p = small(16, 16, 65536, 16384, 16384, 256);
  const map::Layer l3 = map::Layer::conv("layer3.1.conv2", 14, 14, 256, 256, 3, 1, 1, 1, 1);
  for (const double bw : {1.0, 0.5}) {
    SCOPED_TRACE(fmt::format("bandwidth {}", bw));
    map::MapOptions a, im2col, dir;
    a.timing.bandwidth = im2col.timing.bandwidth = dir.timing.bandwidth = bw;
    im2col.direct = false;
    dir.direct = true;
    const map::LayerMap auto_plan = map::map_layer(p, l3, a);
    const map::LayerMap im2col_plan = map::map_layer(p, l3, im2col);
    const map::LayerMap direct_plan = map::map_layer(p, l3, dir);
    EXPECT_FALSE(im2col_plan.direct);
    EXPECT_TRUE(direct_plan.direct);
    EXPECT_EQ(auto_plan.timing.cycles,
              std::min(im2col_plan.timing.cycles, direct_plan.timing.cycles));
    EXPECT_LT(direct_plan.offchip_bytes(p.aw) * 2, im2col_plan.offchip_bytes(p.aw));
    if (bw < 1.0) {
      EXPECT_TRUE(auto_plan.direct) << auto_plan.describe();
      EXPECT_LT(auto_plan.timing.cycles, im2col_plan.timing.cycles);
    }
  }
  try {
    (void)map::map_layer(p, gemm_layer(8, 8, 8, false), direct);
    ADD_FAILURE() << "direct convolution of a GEMM did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("direct convolution needs"), std::string::npos)
        << e.what();
  }
}

TEST(Mapper, ForcedTilingAndDataflow) {
  std::mt19937_64 rng(test::test_seed());
  const auto p = small(4, 4, 256, 256, 256);
  const map::Layer g = gemm_layer(20, 40, 12, true);
  map::MapOptions mo;
  mo.tiles = std::make_tuple(3u, 2u, 2u);
  auto c = map_and_check(p, g, rng, mo);
  EXPECT_EQ(c.lm.tiles_m, 3u);
  EXPECT_EQ(c.lm.tiles_n, 2u);
  EXPECT_EQ(c.lm.tiles_k, 2u);
  mo.tiles.reset();
  mo.dataflow = map::Dataflow::kIoS;
  c = map_and_check(p, g, rng, mo);
  EXPECT_EQ(c.lm.dataflow, map::Dataflow::kIoS);
}

// A tile reuses an operand the tile before it left in the buffer (no Load), and only then: a
// depthwise tile reloads each group's weights into the same lines, so the next tile of the same
// groups must load them again.
TEST(Mapper, TilesReuseOnlyOperandsStillInTheBuffer) {
  std::mt19937_64 rng(test::test_seed());
  const auto p = small(8, 8, 2048, 1024, 1024);
  map::MapOptions mo;
  mo.tiles = std::make_tuple(8u, 4u, 1u);
  const auto dw = map_and_check(p, map::Layer::conv("dw", 28, 28, 16, 16, 3, 1, 1, 1, 16), rng, mo);
  EXPECT_TRUE(dw.ok);
  // A GEMM tiled along M only: its weights load once.
  const map::Layer g = gemm_layer(200, 64, 24, false);
  mo.tiles = std::make_tuple(4u, 1u, 1u);
  const map::CompiledLayer cl = map::compile_layer(p, g, map::random_operands(g, rng), mo);
  const map::CompiledLayer one = [&] {
    map::MapOptions m1;
    m1.tiles = std::make_tuple(1u, 1u, 1u);
    return map::compile_layer(p, g, map::random_operands(g, rng), m1);
  }();
  auto weight_words = [](const std::vector<Instr>& prog) {
    std::uint64_t w = 0;
    for (const auto& in : prog) {
      if (in.op == Op::kLoad && in.target == static_cast<std::uint32_t>(Target::kWbuf)) {
        w += in.count;
      }
    }
    return w;
  };
  ASSERT_EQ(cl.map.tiles.size(), 4u);
  EXPECT_EQ(weight_words(cl.program.instrs), weight_words(one.program.instrs))
      << "the M tiles of one column range load their weights once";
  top::Golden gd(p);
  top::Memory mem = cl.program.memory;
  ASSERT_EQ(gd.run(cl.program.instrs, mem).err, top::Err::kNone);
  EXPECT_EQ(map::output_mismatches(cl, map::read_output(p, cl, mem)), "");
}

TEST(Mapper, ErrorsNameTheReason) {
  const auto p = small(4, 4, 64, 64, 64);
  map::GemmShape s;
  s.name = "L";
  s.m = 0;
  EXPECT_THROW(map::map_gemm(p, s), std::invalid_argument);
  // A layer is validated, and one without MACs has nothing to map.
  EXPECT_THROW(map::map_layer(p, map::Layer::gemm("bad", 4, -1, 4)), map::WorkloadError);
  map::Layer add;
  add.name = "add";
  add.kind = map::OpKind::kOther;
  add.op = "add";
  try {
    map::map_layer(p, add);
    FAIL() << "an add was mapped";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no MACs"), std::string::npos) << e.what();
  }
  // compile_layer: operands of the wrong size are named.
  std::mt19937_64 rng(1);
  const map::Layer g = map::Layer::gemm("g", 4, 8, 4);
  map::Operands o = map::random_operands(g, rng);
  o.weight.pop_back();
  try {
    map::compile_layer(p, g, o);
    FAIL() << "short weights accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("b has 31 elements"), std::string::npos) << e.what();
  }
  // A conv the layer compiler has no form for (different strides per axis) is named.
  map::Layer r = map::Layer::conv("r", 8, 8, 4, 4, 3);
  r.stride_w = 2;
  EXPECT_THROW(map::random_operands(r, rng), std::invalid_argument);
  s.m = 8;
  s.k = 8;
  s.n = 8;
  map::MapOptions mo;
  mo.dataflow = map::Dataflow::kIoS;
  try {
    map::map_gemm(p, s, mo);
    FAIL() << "IO-S accepted with per-channel requantization";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("per-tensor"), std::string::npos) << e.what();
  }
  // More output channels than the requantization table holds cannot be tiled away along M
  // under IO-S, but WO-S tiles N: a wide layer maps.
  s.n = 1000;
  EXPECT_NO_THROW(map::map_gemm(p, s));
  // A forced illegal mapping is named.
  mo = {};
  mo.mapping = top::MappingChoice{5, 0, 3};
  try {
    map::map_gemm(p, s, mo);
    FAIL() << "an illegal forced mapping was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be mapped"), std::string::npos) << e.what();
  }
}

TEST(Mapper, AccessCountsFollowThePrograms) {
  const auto p = small(4, 4, 64, 64, 64);
  const std::vector<Instr> prog = {
      Instr::map(0, 0, 1, 0, 3), Instr::stream(0, 1, 5, false, true, {}),
      Instr::load(Target::kWbuf, 0, 3, 0), Instr::store(Target::kSbufActive, 0, 2, 0)};
  const auto a = map::count_accesses(p, prog);
  EXPECT_EQ(a.wbuf_reads, 16u * 4);  // vn^2 PE loads per column
  EXPECT_EQ(a.sbuf_reads, 5u * 4 * 4 + 2 * 4);
  EXPECT_EQ(a.obuf_rmw, 5u * 4 * 2);  // G_r = 2 live groups per row
  EXPECT_EQ(a.sbuf_writes, 5u * 4 * 2);
  EXPECT_EQ(a.wbuf_writes, 3u * 4);
}

TEST(Mapper, WholeNetworksMapWithConsistentTotals) {
  // A small network with every kind of entry: convs (one grouped), a GEMM repeated with
  // `count`, a matmul of two activations (per-tensor: IO-S allowed), layers without MACs, and
  // a repeated shape (mapped once). The built-in networks are mapped by the CLI tests and the
  // search-time benchmark.
  const auto net = map::parse_network(R"(network: small
layers:
  - {name: c1, op: conv, h: 12, w: 12, c: 8, k: 16, r: 3, pad: 1}
  - {name: relu, op: relu, h: 12, w: 12, c: 16}
  - {name: c2, op: conv, h: 12, w: 12, c: 16, k: 16, r: 3, pad: 1, groups: 4}
  - {name: c3, op: conv, h: 12, w: 12, c: 16, k: 16, r: 3, pad: 1, groups: 4}
  - {name: pool, op: avgpool, h: 1, w: 1, c: 16}
  - {name: fc, op: fc, gm: 1, gk: 16, gn: 40, count: 3}
  - {name: att, op: matmul, gm: 24, gk: 8, gn: 24, weights_are_activations: true, count: 2}
)",
                                      "small.yaml");
  const auto p = small(4, 8, 256, 128, 256, 64);
  const auto nm = map::map_network(p, net);
  std::uint64_t macs = 0, cycles = 0;
  for (const auto& e : nm.layers) {
    macs += e.map.shape.macs() * e.count;
    cycles += e.map.timing.cycles * e.count;
    EXPECT_GT(e.map.timing.beat_cycles, 0u);
    EXPECT_LE(e.map.utilization, 1.0);
  }
  EXPECT_EQ(nm.layers.size(), 5u);
  EXPECT_EQ(nm.skipped, 2u);
  EXPECT_EQ(nm.distinct, 4u);  // c2 and c3 share a shape
  EXPECT_EQ(macs, net.total_macs());
  EXPECT_EQ(nm.macs, net.total_macs());
  EXPECT_EQ(nm.cycles, cycles);
  EXPECT_TRUE(nm.layers.back().map.shape.per_tensor_quant) << "a matmul of activations";
  EXPECT_NE(map::format_table(p, nm).find("total: 5 layers mapped"), std::string::npos);
  map::NetworkMapOptions o;
  o.only_layer = "no-such-layer";
  EXPECT_THROW(map::map_network(p, net, o), std::invalid_argument);
  o.only_layer = "fc";
  EXPECT_EQ(map::map_network(p, net, o).layers.size(), 1u);
}

}  // namespace
}  // namespace feather
