// The layer compiler (sw/include/feather/top/compiler.hpp): every compiled program runs on the
// golden model without an error and produces exactly the reference results.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../common/seed.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"

namespace feather::top {
namespace {

using Rng = std::mt19937_64;

int uni(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

std::uint8_t zero_point(Rng& rng) {
  switch (uni(rng, 0, 3)) {
    case 0:
      return 0;
    case 1:
      return 255;
    default:
      return static_cast<std::uint8_t>(uni(rng, 0, 255));
  }
}

std::vector<std::uint8_t> random_bytes(Rng& rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& x : v) x = static_cast<std::uint8_t>(uni(rng, 0, 255));
  return v;
}

// Scales that keep most results inside 0..255 (some clamp) for a reduction of length k; one
// layer in three has an output clamp (a folded ReLU / ReLU6) that Config sets.
Quant random_quant(Rng& rng, int n, int k) {
  Quant q;
  if (uni(rng, 0, 2) == 0) {
    q.lo = static_cast<std::uint8_t>(uni(rng, 0, 160));
    q.hi = static_cast<std::uint8_t>(uni(rng, q.lo, 255));
  }
  if (uni(rng, 0, 3) == 0) {  // an activation table (a folded hard-swish, GELU, ...)
    q.lut.resize(256);
    for (auto& v : q.lut) v = static_cast<std::uint8_t>(uni(rng, 0, 255));
  }
  const double typical = 150000.0 / std::sqrt(static_cast<double>(k));
  for (int i = 0; i < n; ++i) {
    double s = typical * std::uniform_real_distribution<double>(0.3, 2.0)(rng);
    if (uni(rng, 0, 3) == 0) s = -s;
    q.scale.push_back(static_cast<std::int32_t>(s));
    q.ozp.push_back(static_cast<std::uint8_t>(uni(rng, 0, 255)));
  }
  return q;
}

GemmLayer random_gemm(Rng& rng, int m, int k, int n) {
  GemmLayer g;
  g.m = m;
  g.k = k;
  g.n = n;
  g.zp_a = zero_point(rng);
  g.zp_w = zero_point(rng);
  g.a = random_bytes(rng, static_cast<std::size_t>(m) * static_cast<std::size_t>(k));
  g.b = random_bytes(rng, static_cast<std::size_t>(k) * static_cast<std::size_t>(n));
  g.quant = random_quant(rng, n, k);
  return g;
}

TopParams params(int ah, int aw, int depth = 256, int qd = 64) {
  TopParams p;
  p.ah = ah;
  p.aw = aw;
  p.sd = depth;
  p.wd = depth;
  p.od = depth;
  p.qd = qd;
  return p;
}

// Runs a program (the golden model keeps its state between programs) and checks it raises no
// error; returns the output read from the active streaming half (and checks the stored copy).
std::vector<std::uint8_t> run(Golden& gold, const Program& prog, const TopParams& p) {
  Memory mem = prog.memory;
  ErrorInfo info = gold.run(prog.instrs, mem);
  EXPECT_EQ(info.err, Err::kNone) << "instruction " << info.instr << " ("
                                  << (info.instr < prog.instrs.size()
                                          ? disassemble(prog.instrs[info.instr])
                                          : std::string("?"))
                                  << "): " << to_string(info.err) << ": " << info.detail << "\n"
                                  << prog.summary;
  auto out = read_output(p, prog.out, gold);
  if (prog.out.stored) {
    EXPECT_EQ(read_output(p, prog.out, mem), out) << "stored copy differs\n" << prog.summary;
  }
  return out;
}

std::vector<std::uint8_t> run(const Program& prog, const TopParams& p) {
  Golden gold(p);
  return run(gold, prog, p);
}

std::string shape(const GemmLayer& g) {
  return std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n) +
         " zp_a=" + std::to_string(g.zp_a) + " zp_w=" + std::to_string(g.zp_w);
}

TEST(TopCompiler, RandomGemmsMatchReference) {
  Rng rng(test::test_seed());
  struct Cfg {
    int ah, aw, count, max_dim;
  };
  for (Cfg c : {Cfg{4, 4, 60, 24}, Cfg{8, 8, 40, 40}, Cfg{16, 16, 25, 48}, Cfg{4, 8, 20, 30},
                Cfg{8, 4, 20, 30}, Cfg{2, 4, 20, 20}, Cfg{4, 16, 10, 40}}) {
    const TopParams p = params(c.ah, c.aw);
    for (int i = 0; i < c.count; ++i) {
      GemmLayer g = random_gemm(rng, uni(rng, 1, c.max_dim), uni(rng, 1, c.max_dim),
                                uni(rng, 1, std::min(c.max_dim, 64)));
      SCOPED_TRACE(p.to_string() + " GEMM " + shape(g));
      Program prog = compile_gemm(p, g);
      ASSERT_EQ(run(prog, p), gemm_ref(g)) << prog.summary;
      EXPECT_EQ(prog.macs, static_cast<std::uint64_t>(g.m) * static_cast<std::uint64_t>(g.k) *
                               static_cast<std::uint64_t>(g.n));
    }
  }
}

// Every legal forced mapping (and vn < AH where K allows it) gives the reference result.
TEST(TopCompiler, ForcedMappingsAllAgree) {
  Rng rng(test::test_seed());
  for (int ahw : {4, 8}) {
    const TopParams p = params(ahw, ahw);
    const int awl = ahw == 4 ? 2 : 3;
    GemmLayer g = random_gemm(rng, uni(rng, 5, 19), uni(rng, 9, 30), uni(rng, 5, 21));
    const auto want = gemm_ref(g);
    for (std::uint32_t grlog = 0; grlog <= static_cast<std::uint32_t>(awl); ++grlog) {
      for (std::uint32_t gclog = 0; gclog <= grlog; ++gclog) {
        CompileOptions opt;
        opt.force = MappingChoice{grlog, gclog, static_cast<std::uint32_t>(ahw - 1)};
        SCOPED_TRACE(p.to_string() + " " + opt.force->to_string() + " GEMM " + shape(g));
        Program prog = compile_gemm(p, g, opt);
        EXPECT_EQ(prog.mapping.grlog, grlog);
        EXPECT_EQ(prog.mapping.gclog, gclog);
        ASSERT_EQ(run(prog, p), want) << prog.summary;
      }
    }
    // vn < AH: K fits one shortened VN.
    GemmLayer s = random_gemm(rng, uni(rng, 3, 13), ahw / 2 - 1, uni(rng, 3, 2 * ahw + 3));
    for (std::uint32_t gclog = 0; gclog <= 1; ++gclog) {
      CompileOptions opt;
      opt.force = MappingChoice{1, gclog, static_cast<std::uint32_t>(ahw / 2 - 1)};
      SCOPED_TRACE(p.to_string() + " " + opt.force->to_string() + " GEMM " + shape(s));
      Program prog = compile_gemm(p, s, opt);
      ASSERT_EQ(run(prog, p), gemm_ref(s)) << prog.summary;
    }
  }
}

// Wide arrays: every mapping's strided column groups are routed by the compiler's constructive
// Benes construction (checked by the router's re-simulation and here by the golden model).
TEST(TopCompiler, WideArraysAllMappingsAgree) {
  Rng rng(test::test_seed());
  for (int aw : {32, 64}) {
    const TopParams p = params(4, aw);
    GemmLayer g = random_gemm(rng, uni(rng, 5, 40), uni(rng, 5, 40), uni(rng, 5, 40));
    const auto want = gemm_ref(g);
    const auto awl = static_cast<std::uint32_t>(aw == 32 ? 5 : 6);
    for (std::uint32_t grlog = 0; grlog <= awl; ++grlog) {
      for (std::uint32_t gclog = 0; gclog <= grlog; ++gclog) {
        CompileOptions opt;
        opt.force = MappingChoice{grlog, gclog, 3};
        SCOPED_TRACE(p.to_string() + " " + opt.force->to_string() + " GEMM " + shape(g));
        Program prog = compile_gemm(p, g, opt);
        ASSERT_EQ(run(prog, p), want) << prog.summary;
      }
    }
    SCOPED_TRACE(p.to_string() + " GEMM " + shape(g));
    ASSERT_EQ(run(compile_gemm(p, g), p), want);
  }
}

ConvLayer random_conv(Rng& rng, int h, int w, int c, int co, int k, int stride, int pad,
                      int dilation, int groups) {
  ConvLayer cv;
  cv.h = h;
  cv.w = w;
  cv.c = c;
  cv.co = co;
  cv.r = k;
  cv.s = k;
  cv.stride = stride;
  cv.pad = pad;
  cv.dilation = dilation;
  cv.groups = groups;
  cv.zp_a = zero_point(rng);
  cv.zp_w = zero_point(rng);
  cv.input = random_bytes(rng, static_cast<std::size_t>(h * w * c));
  cv.weight = random_bytes(rng, static_cast<std::size_t>(co * k * k * (c / groups)));
  cv.quant = random_quant(rng, co, k * k * (c / groups));
  return cv;
}

std::string conv_name(const ConvLayer& c) {
  return "conv " + std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.c) +
         " -> " + std::to_string(c.co) + " k" + std::to_string(c.r) + " s" +
         std::to_string(c.stride) + " p" + std::to_string(c.pad) + " d" +
         std::to_string(c.dilation) + " g" + std::to_string(c.groups);
}

TEST(TopCompiler, ConvsMatchReference) {
  Rng rng(test::test_seed());
  struct Shape {
    int h, w, c, co, k, stride, pad, dilation, groups;
  };
  const std::vector<Shape> shapes = {
      {6, 6, 3, 5, 3, 1, 1, 1, 1},   // 3x3 same
      {7, 5, 4, 8, 3, 2, 1, 1, 1},   // stride 2
      {8, 8, 2, 6, 3, 1, 2, 2, 1},   // dilation 2
      {5, 6, 10, 7, 1, 1, 0, 1, 1},  // 1x1
      {6, 6, 6, 10, 3, 1, 1, 1, 2},  // groups = 2
      {6, 5, 8, 8, 3, 1, 1, 1, 8},   // depthwise
      {7, 7, 4, 8, 3, 2, 0, 1, 4},   // groups 4, 2 channels out per group, stride 2
      {5, 5, 6, 12, 3, 1, 1, 1, 6},  // depthwise multiplier 2
      {4, 9, 12, 6, 1, 2, 0, 1, 3},  // grouped 1x1 stride 2
  };
  for (auto [ah, aw] : {std::pair{4, 4}, std::pair{8, 8}, std::pair{16, 16}, std::pair{4, 8}}) {
    const TopParams p = params(ah, aw, 1024);
    for (const Shape& s : shapes) {
      ConvLayer c =
          random_conv(rng, s.h, s.w, s.c, s.co, s.k, s.stride, s.pad, s.dilation, s.groups);
      SCOPED_TRACE(p.to_string() + " " + conv_name(c));
      Program prog = compile_conv(p, c);
      ASSERT_EQ(run(prog, p), conv_ref(c)) << prog.summary;
      EXPECT_EQ(prog.macs, c.macs());
    }
  }
}

// Direct convolution: the window walks the input image (no im2col image): exact on every
// stride, padding, dilation, kernel shape and grouping, and on random shapes, at several array
// sizes; the streamed image is the input itself (far fewer off-chip words for a 3x3 conv).
TEST(TopCompiler, DirectConvsMatchReference) {
  const std::uint64_t seed = test::test_seed();
  Rng rng(seed);
  struct Shape {
    int h, w, c, co, k, stride, pad, dilation, groups;
  };
  std::vector<Shape> shapes = {
      {6, 6, 3, 5, 3, 1, 1, 1, 1},    // 3x3 same
      {7, 5, 4, 8, 3, 2, 1, 1, 1},    // stride 2
      {8, 8, 2, 6, 3, 1, 2, 2, 1},    // dilation 2
      {5, 6, 10, 7, 1, 1, 0, 1, 1},   // 1x1
      {6, 6, 6, 10, 3, 1, 1, 1, 2},   // groups = 2
      {6, 5, 8, 8, 3, 1, 1, 1, 8},    // depthwise
      {7, 7, 4, 8, 3, 2, 0, 1, 4},    // groups 4, stride 2
      {9, 9, 20, 9, 5, 3, 2, 1, 1},   // 5x5 stride 3, channels past one VN
      {8, 8, 16, 16, 3, 1, 3, 3, 1},  // dilation 3, padding 3
      {6, 7, 5, 4, 1, 2, 1, 1, 1},    // 1x1 with padding and stride 2
  };
  for (int i = 0; i < 8; ++i) {  // random shapes
    Shape s{uni(rng, 1, 9),  uni(rng, 1, 9), uni(rng, 1, 24),
            uni(rng, 1, 24), uni(rng, 1, 4), uni(rng, 1, 3),
            uni(rng, 0, 2),  uni(rng, 1, 2), 1};
    if (s.h + 2 * s.pad < s.dilation * (s.k - 1) + 1 ||
        s.w + 2 * s.pad < s.dilation * (s.k - 1) + 1) {
      s.pad = s.dilation * (s.k - 1);
    }
    shapes.push_back(s);
  }
  for (auto [ah, aw] : {std::pair{4, 4}, std::pair{8, 8}, std::pair{16, 16}, std::pair{4, 8}}) {
    const TopParams p = params(ah, aw, 1024);
    for (const Shape& s : shapes) {
      ConvLayer c =
          random_conv(rng, s.h, s.w, s.c, s.co, s.k, s.stride, s.pad, s.dilation, s.groups);
      SCOPED_TRACE(fmt::format("seed {} {} {}", seed, p.to_string(), conv_name(c)));
      CompileOptions o;
      o.direct_conv = true;
      const Program prog = compile_conv(p, c, o);
      ASSERT_EQ(run(prog, p), conv_ref(c)) << prog.summary;
      EXPECT_EQ(prog.macs, c.macs());
      bool windowed = false;
      for (const Instr& in : prog.instrs) windowed |= in.layout.window.on;
      EXPECT_TRUE(windowed) << "no SetIVNLayout with a window";
      // Fewer off-chip words than the im2col image when the channels fill whole VNs (with fewer
      // channels than AH, im2col packs several taps into one VN and direct pads every tap's).
      if (c.r * c.s > 1 && c.groups == 1 && c.stride == 1 && c.c % ah == 0) {
        // (im2col may not even fit the streaming buffer: then direct is the only way.)
        try {
          EXPECT_LT(prog.mem_words, compile_conv(p, c).mem_words) << "direct image not smaller";
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
        }
      }
    }
  }
}

// Weights per N-tile (compiler_internal.hpp, weight_chunks): a layer with several N-tiles loads
// each tile's weights in its own Load, and its first ExecuteMapping starts before the last
// tile's weights have loaded (by the cycle model of the scheduled program); with more than one
// K-pass, the first stream starts before the last pass's input has loaded. The results stay
// exact. Direct convolutions load each tap's weights on their own as well.
TEST(TopCompiler, WeightsLoadPerTileWhileEarlierTilesCompute) {
  const std::uint64_t seed = test::test_seed();
  Rng rng(seed);
  for (auto [ah, aw] : {std::pair{4, 4}, std::pair{8, 8}, std::pair{16, 16}, std::pair{4, 8}}) {
    const TopParams p = params(ah, aw, 8192, 256);
    // A tile of AH channels per mapping (the compiler may prefer column groups, whose tiles
    // interleave their channels and share one Load).
    const MappingChoice one_column_group{0, 0, static_cast<std::uint32_t>(ah - 1)};
    // K in whole vn-rows of weights per channel (each tile's weights start on a vn-row).
    const int kunit = std::max(ah, aw);
    for (int i = 0; i < 3; ++i) {
      const int tiles = uni(rng, 3, 8);
      const bool conv = i == 2;
      std::string what;
      Program prog;
      std::vector<std::uint8_t> want;
      if (conv) {
        const ConvLayer c = random_conv(rng, uni(rng, 4, 7), uni(rng, 4, 7), kunit * uni(rng, 1, 2),
                                        ah * tiles - uni(rng, 0, 1), 3, 1, 1, 1, 1);
        CompileOptions o;
        o.direct_conv = true;
        o.force = one_column_group;
        what = conv_name(c);
        prog = compile_conv(p, c, o);
        want = conv_ref(c);
      } else {
        // i = 1: K beyond one pass (AW VNs), so the first tile's input loads per pass.
        const GemmLayer g = random_gemm(rng, uni(rng, 2 * ah, 4 * ah),
                                        kunit * (i == 1 ? aw * uni(rng, 2, 3) : uni(rng, 2, 6)),
                                        ah * tiles - uni(rng, 0, ah - 1));
        what = "GEMM " + shape(g);
        CompileOptions o;
        o.force = one_column_group;
        prog = compile_gemm(p, g, o);
        want = gemm_ref(g);
      }
      SCOPED_TRACE(fmt::format("seed {} {} {}", seed, p.to_string(), what));
      ASSERT_EQ(run(prog, p), want) << prog.summary;
      std::size_t first_map = prog.instrs.size(), last_w = 0, w_loads = 0;
      std::size_t first_stream = prog.instrs.size(), last_a = 0, a_loads = 0;
      for (std::size_t k = 0; k < prog.instrs.size(); ++k) {
        const Instr& in = prog.instrs[k];
        if (in.op == Op::kMap) first_map = std::min(first_map, k);
        if (in.op == Op::kStream) first_stream = std::min(first_stream, k);
        if (in.op == Op::kLoad && in.target == static_cast<std::uint32_t>(Target::kWbuf)) {
          last_w = k;
          ++w_loads;
        }
        if (in.op == Op::kLoad && in.target == static_cast<std::uint32_t>(Target::kSbufActive)) {
          last_a = k;
          ++a_loads;
        }
      }
      ASSERT_GE(w_loads, 2u) << "one Load for every tile's weights\n" << prog.summary;
      const Timing tm = predict(p, prog.instrs);
      EXPECT_LT(tm.consume[first_map], tm.consume[last_w] + prog.instrs[last_w].count)
          << "the first ExecuteMapping waits for every tile's weights\n"
          << prog.summary;
      if (i == 1) {
        ASSERT_GE(a_loads, 2u) << "one Load of the input per K-pass\n" << prog.summary;
        EXPECT_LT(tm.consume[first_stream], tm.consume[last_a] + prog.instrs[last_a].count)
            << "the first ExecuteStreaming waits for every pass's input\n"
            << prog.summary;
      }
    }
  }
}

// Layer 2 reads layer 1's output where layer 1 left it (no off-chip copy).
TEST(TopCompiler, ChainedLayersMatchComposedReference) {
  Rng rng(test::test_seed());
  for (auto [ah, aw] : {std::pair{4, 4}, std::pair{8, 8}, std::pair{16, 16}, std::pair{4, 8}}) {
    const TopParams p = params(ah, aw, 1024);
    // conv 3x3 -> 1x1 conv
    {
      ConvLayer c1 = random_conv(rng, 6, 7, 3, uni(rng, 3, 20), 3, 1, 1, 1, 1);
      ConvLayer c2 = random_conv(rng, c1.ho(), c1.wo(), c1.co, uni(rng, 2, 20), 1, 1, 0, 1, 1);
      SCOPED_TRACE(p.to_string() + " " + conv_name(c1) + " then " + conv_name(c2));
      CompileOptions o1;
      o1.store_output = false;
      Program p1 = compile_conv(p, c1, o1);
      c2.input = conv_ref(c1);
      CompileOptions o2;
      o2.input_in_buffer = p1.out.layout;
      Program p2 = compile_conv(p, c2, o2);
      Golden gold(p);
      ASSERT_EQ(run(gold, p1, p), c2.input) << p1.summary;
      ASSERT_EQ(run(gold, p2, p), conv_ref(c2)) << p1.summary << "\n" << p2.summary;
    }
    // 3x3 conv -> 3x3 direct conv (stride 2, padding) -> 3x3 direct conv (dilation 2): each
    // streams its predecessor's output where that layer wrote it, through the window.
    {
      const int ch = uni(rng, 1, 2 * ah);
      ConvLayer c1 = random_conv(rng, 9, 8, uni(rng, 1, 4), ch, 3, 1, 1, 1, 1);
      ConvLayer c2 = random_conv(rng, c1.ho(), c1.wo(), c1.co, uni(rng, 1, 2 * ah), 3, 2, 1, 1, 1);
      ConvLayer c3 = random_conv(rng, c2.ho(), c2.wo(), c2.co, uni(rng, 1, 2 * ah), 3, 1, 2, 2, 1);
      SCOPED_TRACE(p.to_string() + " " + conv_name(c1) + " then " + conv_name(c2) + " then " +
                   conv_name(c3));
      CompileOptions o1;
      o1.store_output = false;
      o1.direct_conv = uni(rng, 0, 1) == 1;
      const Program p1 = compile_conv(p, c1, o1);
      c2.input = conv_ref(c1);
      CompileOptions o2;
      o2.direct_conv = true;
      o2.store_output = false;
      o2.input_in_buffer = p1.out.layout;
      const Program p2 = compile_conv(p, c2, o2);
      c3.input = conv_ref(c2);
      CompileOptions o3;
      o3.direct_conv = true;
      o3.input_in_buffer = p2.out.layout;
      const Program p3 = compile_conv(p, c3, o3);
      Golden gold(p);
      ASSERT_EQ(run(gold, p1, p), c2.input) << p1.summary;
      ASSERT_EQ(run(gold, p2, p), c3.input) << p1.summary << "\n" << p2.summary;
      ASSERT_EQ(run(gold, p3, p), conv_ref(c3)) << p2.summary << "\n" << p3.summary;
      for (const Program* q : {&p2, &p3}) {
        for (const Instr& in : q->instrs) {
          EXPECT_FALSE(in.op == Op::kLoad &&
                       in.target == static_cast<std::uint32_t>(Target::kSbufActive))
              << "a chained layer loads its input: " << disassemble(in);
        }
      }
    }
    // GEMM -> GEMM -> GEMM
    {
      GemmLayer g1 = random_gemm(rng, uni(rng, 1, 30), uni(rng, 1, 30), uni(rng, 1, 40));
      GemmLayer g2 = random_gemm(rng, g1.m, g1.n, uni(rng, 1, 40));
      GemmLayer g3 = random_gemm(rng, g1.m, g2.n, uni(rng, 1, 40));
      g2.a = gemm_ref(g1);
      g3.a = gemm_ref(g2);
      SCOPED_TRACE(p.to_string() + " GEMM " + shape(g1) + " then " + shape(g2) + " then " +
                   shape(g3));
      Program p1 = compile_gemm(p, g1);
      CompileOptions o2;
      o2.input_in_buffer = p1.out.layout;
      Program p2 = compile_gemm(p, g2, o2);
      CompileOptions o3;
      o3.input_in_buffer = p2.out.layout;
      GemmLayer g3_no_a = g3;
      g3_no_a.a.clear();  // the input is in the buffer: A is not needed
      Program p3 = compile_gemm(p, g3_no_a, o3);
      Golden gold(p);
      ASSERT_EQ(run(gold, p1, p), g2.a) << p1.summary;
      ASSERT_EQ(run(gold, p2, p), g3.a) << p2.summary;
      ASSERT_EQ(run(gold, p3, p), gemm_ref(g3)) << p3.summary;
    }
  }
}

// The published BIRRD wiring is routed by the exact (SAT) router.
TEST(TopCompiler, PublishedWiringGemmsMatchReference) {
  Rng rng(test::test_seed());
  TopParams p = params(4, 8);
  p.wiring = birrd::Wiring::kFeather;
  for (int i = 0; i < 4; ++i) {
    GemmLayer g = random_gemm(rng, uni(rng, 1, 20), uni(rng, 1, 30), uni(rng, 1, 30));
    SCOPED_TRACE(p.to_string() + " GEMM " + shape(g));
    Program prog = compile_gemm(p, g);
    ASSERT_EQ(run(prog, p), gemm_ref(g)) << prog.summary;
  }
}

std::size_t count_op(const Program& prog, Op op) {
  return static_cast<std::size_t>(std::count_if(prog.instrs.begin(), prog.instrs.end(),
                                                [&](const Instr& in) { return in.op == op; }));
}

// Small buffers leave no room for padded layouts: the search must find dense conflict-free
// layouts and split the M range into several ExecuteStreaming runs where the output banks are
// periodic in m.
TEST(TopCompiler, TightBuffersStillExact) {
  Rng rng(test::test_seed());
  const TopParams p = params(4, 4, 16, 16);
  int compiled = 0, split = 0;
  for (int i = 0; i < 40; ++i) {
    // At most 16 VNs per buffer: exactly the 16 lines x 4 banks / 4 lines per VN available.
    GemmLayer g = random_gemm(rng, uni(rng, 1, 8), uni(rng, 1, 8), uni(rng, 1, 8));
    g.quant.lut.clear();  // 16-line buffers cannot address the 64-line table (tested below)
    SCOPED_TRACE(p.to_string() + " GEMM " + shape(g));
    Program prog;
    try {
      prog = compile_gemm(p, g);
    } catch (const std::invalid_argument& e) {
      // Allowed only when no conflict-free layout fits.
      EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
      continue;
    }
    ++compiled;
    split += count_op(prog, Op::kStream) > count_op(prog, Op::kMap);
    ASSERT_EQ(run(prog, p), gemm_ref(g)) << prog.summary;
    EXPECT_LE(prog.out.layout.end_line(p.aw, p.ah), static_cast<std::uint64_t>(p.od));
  }
  EXPECT_GE(compiled, 30);
  // A case known to need two runs: 7 rows, 7 output channels in 16 lines x 4 banks.
  GemmLayer g = random_gemm(rng, 7, 7, 7);
  g.quant.lut.clear();
  Program prog = compile_gemm(p, g);
  EXPECT_EQ(count_op(prog, Op::kMap), 1U) << prog.summary;
  EXPECT_EQ(count_op(prog, Op::kStream), 2U) << prog.summary;
  ASSERT_EQ(run(prog, p), gemm_ref(g)) << prog.summary;
  std::cout << "[ info     ] " << compiled << " of 40 compiled, " << split
            << " with several ExecuteStreaming per mapping\n";
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& words) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    for (const auto& w : words) {
      EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' missing in: " << msg;
    }
  }
}

TEST(TopCompiler, BadLayersAndSmallBuffersGiveClearErrors) {
  Rng rng(test::test_seed());
  const TopParams p = params(4, 4);
  GemmLayer g = random_gemm(rng, 8, 8, 8);

  GemmLayer bad = g;
  bad.m = 0;
  expect_error([&] { compile_gemm(p, bad); }, {"M, K and N"});
  bad = g;
  bad.b.pop_back();
  expect_error([&] { compile_gemm(p, bad); }, {"B has 63 elements"});
  bad = g;
  bad.quant.scale.pop_back();
  expect_error([&] { compile_gemm(p, bad); }, {"requantization"});
  bad = g;
  bad.quant.lut.assign(5, 0);
  expect_error([&] { compile_gemm(p, bad); }, {"activation table has 5 entries"});
  bad = g;
  bad.quant.lut.assign(256, 7);
  expect_error([&] { compile_gemm(params(4, 4, 16, 16), bad); },
               {"activation table takes 64 lines", "addresses 16"});

  // N beyond the requantization table.
  GemmLayer wide = random_gemm(rng, 2, 3, 65);
  expect_error([&] { compile_gemm(p, wide); }, {"QD = 64"});

  // Weights too large for the stationary buffer: K*N = 4096*... lines.
  const TopParams small = params(4, 4, 8, 64);
  GemmLayer big = random_gemm(rng, 2, 200, 16);
  expect_error([&] { compile_gemm(small, big); },
               {"does not fit", "stationary buffer", "lines per bank", "WD = 8"});
  GemmLayer tall = random_gemm(rng, 30, 4, 4);
  expect_error([&] { compile_gemm(small, tall); }, {"does not fit", "SD = 8"});

  // Illegal forced mapping.
  CompileOptions opt;
  opt.force = MappingChoice{1, 2, 3};
  expect_error([&] { compile_gemm(p, g, opt); }, {"forced mapping", "illegal"});
  opt.force = MappingChoice{1, 0, 1};
  expect_error([&] { compile_gemm(p, g, opt); }, {"vn = 2 < AH"});

  // Bad parameters.
  expect_error([&] { compile_gemm(params(3, 4), g); }, {"AH"});

  // Bad convs.
  ConvLayer c = random_conv(rng, 5, 5, 4, 4, 3, 1, 1, 1, 1);
  ConvLayer cb = c;
  cb.groups = 3;
  EXPECT_THROW(compile_conv(p, cb), std::invalid_argument);
  CompileOptions in_buf;
  in_buf.input_in_buffer = Layout{1, 0, 25, 1, 0};
  expect_error([&] { compile_conv(p, c, in_buf); }, {"1x1"});

  // An input layout that does not cover the layer.
  GemmLayer chained = g;
  chained.a.clear();
  in_buf.input_in_buffer = Layout{1, 0, 4, 2, 0};
  expect_error([&] { compile_gemm(p, chained, in_buf); }, {"given input layout", "needs 8 x 2"});
}

TEST(TopCompiler, SummaryAndPlacement) {
  Rng rng(test::test_seed());
  const TopParams p = params(8, 8);
  GemmLayer g = random_gemm(rng, 20, 33, 17);
  CompileOptions emitted;  // the program as emitted (the scheduler moves the layouts later)
  emitted.schedule = false;
  Program prog = compile_gemm(p, g, emitted);
  for (const char* w : {"mapping", "WVN", "IVN", "OVN", "K-passes", "ExecuteStreaming", "MACs"}) {
    EXPECT_NE(prog.summary.find(w), std::string::npos) << w << " missing in\n" << prog.summary;
  }
  EXPECT_EQ(prog.out.m, 20);
  EXPECT_EQ(prog.out.n, 17);
  EXPECT_TRUE(prog.out.stored);
  EXPECT_EQ(prog.out.layout.base + prog.out.store_lines, prog.out.layout.end_line(p.aw, p.ah));
  // The stream starts with Config and the three layouts and ends with the swap and the store.
  ASSERT_GE(prog.instrs.size(), 6U);
  EXPECT_EQ(prog.instrs[0].op, Op::kConfig);
  EXPECT_FALSE(prog.instrs[0].swap);
  EXPECT_EQ(prog.instrs[1].op, Op::kSetWvnLayout);
  EXPECT_EQ(prog.instrs[2].op, Op::kSetIvnLayout);
  EXPECT_EQ(prog.instrs[3].op, Op::kSetOvnLayout);
  EXPECT_EQ(prog.instrs.back().op, Op::kStore);
  EXPECT_EQ(prog.instrs[prog.instrs.size() - 2].op, Op::kConfig);
  EXPECT_TRUE(prog.instrs[prog.instrs.size() - 2].swap);
  // Without the store, reading from memory is an error.
  CompileOptions opt;
  opt.store_output = false;
  Program ns = compile_gemm(p, g, opt);
  EXPECT_NE(ns.instrs.back().op, Op::kStore);
  EXPECT_THROW(read_output(p, ns.out, ns.memory), std::invalid_argument);
  // Compilation is deterministic.
  EXPECT_EQ(compile_gemm(p, g, emitted).summary, prog.summary);
  const auto listing = [&] {
    std::string out;
    for (const Instr& in : compile_gemm(p, g).instrs) out += disassemble(in) + "\n";
    return out;
  };
  EXPECT_EQ(listing(), listing());
}

}  // namespace
}  // namespace feather::top
