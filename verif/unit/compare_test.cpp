// The network comparison (compare.hpp): the im2col view of the streamed tensor against the
// reference im2col, the line-buffer layout model against a brute-force count through
// tensor_locate (every step, random layers, mappings and layouts), the sampled model against the
// exhaustive one, hand-computed slowdowns, the designs' ordering on small networks, the
// off-chip-reorder design's DP against brute force over every layout assignment, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "../common/random_layers.hpp"
#include "../common/seed.hpp"
#include "feather/map/compare.hpp"
#include "feather/map/workload.hpp"
#include "feather/top/reference.hpp"

namespace feather::map {
namespace {

using u64 = std::uint64_t;

top::TopParams params(int ah, int aw, int sd = 4096, int wd = 1024, int od = 2048) {
  return test::small_params(ah, aw, sd, wd, od, std::max(64, aw));
}

Layer conv(const std::string& name, int h, int w, int c, int co, int r, int stride, int pad,
           int groups = 1) {
  return Layer::conv(name, h, w, c, co, r, stride, pad, 1, groups);
}

Layer gemm(const std::string& name, int m, int k, int n) { return Layer::gemm(name, m, k, n); }

// The reference: every step of the mapping (docs/isa.md: column c streams IVN(m0 + sm*t + rep,
// j0 + kg) element e), every element through tensor_locate, distinct lines per step.
double brute_slowdown(const top::TopParams& p, const StreamGeometry& g, const top::MappingChoice& m,
                      const TensorLayout& t, int line, int ports) {
  const Dims dims{{'H', g.h}, {'W', g.w}, {'C', g.c}};
  const u64 ah = static_cast<u64>(p.ah), vn = m.vnm1 + 1;
  const u64 j = (g.k + ah - 1) / ah;
  u64 cycles = 0, ideal = 0;
  for (u64 grp = 0; grp < g.groups; ++grp) {
    for (u64 j0 = 0; j0 < j; j0 += static_cast<u64>(p.aw) >> m.grlog) {
      for (u64 m0 = 0; m0 < g.m; m0 += u64{1} << (m.grlog - m.gclog)) {
        std::set<u64> lines;
        for (int c = 0; c < p.aw; ++c) {
          const u64 kg = static_cast<u64>(c) >> m.grlog;
          const u64 x = static_cast<u64>(c) & ((u64{1} << m.grlog) - 1);
          const u64 rep = x >> m.gclog;
          const u64 row = m0 + rep, jj = j0 + kg;
          if (row >= g.m || jj >= j) continue;
          for (u64 e = 0; e < vn; ++e) {
            const u64 kk = jj * ah + e;
            if (kk >= g.k) continue;
            if (auto at = g.at(grp, row, kk)) {
              lines.insert(
                  tensor_locate(t, dims, {{'H', at->h}, {'W', at->w}, {'C', at->c}}, line).line);
            }
          }
        }
        cycles += std::max<u64>(
            vn, (lines.size() + static_cast<u64>(ports) - 1) / static_cast<u64>(ports));
        ideal += vn;
      }
    }
  }
  return static_cast<double>(cycles) / static_cast<double>(ideal);
}

TEST(CompareGeometry, Im2colIndexMatchesTheReferenceIm2col) {
  // Every input element gets its own value (h*w*c <= 255), so the reference's im2col matrix
  // names the element each (row, k) reads; padding reads zp_a.
  for (const auto& [l, groups] :
       {std::pair{conv("a", 5, 6, 4, 6, 3, 1, 1), 1}, std::pair{conv("b", 7, 5, 3, 4, 3, 2, 1), 1},
        std::pair{conv("c", 6, 6, 6, 6, 3, 1, 1, 3), 3}}) {
    top::ConvLayer c;
    c.h = l.h;
    c.w = l.w;
    c.c = l.c;
    c.co = l.co;
    c.r = c.s = l.r;
    c.stride = l.stride_h;
    c.pad = l.pad_h;
    c.groups = groups;
    c.zp_a = 255;
    c.input.resize(static_cast<std::size_t>(l.h * l.w * l.c));
    for (std::size_t i = 0; i < c.input.size(); ++i) c.input[i] = static_cast<std::uint8_t>(i);
    c.weight.assign(static_cast<std::size_t>(c.co * c.r * c.s * (c.c / groups)), 1);
    c.quant.scale.assign(static_cast<std::size_t>(c.co), 1 << 24);
    c.quant.ozp.assign(static_cast<std::size_t>(c.co), 0);
    const StreamGeometry g = geometry_of(l);
    for (int grp = 0; grp < groups; ++grp) {
      const top::GemmLayer ref = top::conv_group_as_gemm(c, grp);
      ASSERT_EQ(static_cast<u64>(ref.m), g.m) << l.name;
      ASSERT_EQ(static_cast<u64>(ref.k), g.k) << l.name;
      for (int row = 0; row < ref.m; ++row) {
        for (int k = 0; k < ref.k; ++k) {
          const auto at = g.at(static_cast<u64>(grp), static_cast<u64>(row), static_cast<u64>(k));
          const std::uint8_t want = ref.a[static_cast<std::size_t>(row * ref.k + k)];
          if (!at) {
            EXPECT_EQ(want, 255) << l.name << " row " << row << " k " << k << ": padding";
          } else {
            EXPECT_EQ(want, (at->h * static_cast<u64>(l.w) + at->w) * static_cast<u64>(l.c) + at->c)
                << l.name << " group " << grp << " row " << row << " k " << k;
          }
        }
      }
    }
  }
}

TEST(CompareLayoutModel, HandComputedSlowdowns) {
  // GEMM A[32][256] on 16x16, G_r = 1: a step reads one row's 256 consecutive k; vn = 16 cycles
  // give 32 line reads at 2 ports.
  const top::TopParams p = params(16, 16);
  const StreamGeometry g = geometry_of(gemm("g", 32, 256, 64));
  const top::MappingChoice g1{0, 0, 15};
  EXPECT_DOUBLE_EQ(stream_layout_cost(p, g, g1, parse_tensor_layout("HWC_C32")).slowdown, 1.0);
  // C4W8: 4 k per line -> 64 lines: 32 cycles for 16.
  const LayoutCost c4 = stream_layout_cost(p, g, g1, parse_tensor_layout("HWC_C4W8"));
  EXPECT_DOUBLE_EQ(c4.slowdown, 2.0);
  EXPECT_EQ(c4.worst_lines, 64u);
  EXPECT_EQ(c4.steps, 32u);
  // W32: one k per line -> 256 lines, 128 cycles.
  EXPECT_DOUBLE_EQ(stream_layout_cost(p, g, g1, parse_tensor_layout("HWC_W32")).slowdown, 8.0);
  // One port: C32 needs 8 line reads in 16 cycles, still 1; C4W8 64 -> 4.
  LineModel one;
  one.ports = 1;
  EXPECT_DOUBLE_EQ(stream_layout_cost(p, g, g1, parse_tensor_layout("HWC_C4W8"), one).slowdown,
                   4.0);
  // G_r = 16, G_c = 1: 16 rows x 16 k per step: C32 -> 16 lines (1), W32 -> 16 lines (1: the 16
  // rows of one k share a line... of 32 rows), C4W8 -> 2 row tiles x 4 k tiles = 8.
  const top::MappingChoice g16{4, 0, 15};
  const LayoutCost w = stream_layout_cost(p, g, g16, parse_tensor_layout("HWC_W32"));
  EXPECT_DOUBLE_EQ(w.slowdown, 1.0);
  EXPECT_EQ(w.worst_lines, 16u);
}

TEST(CompareLayoutModel, MatchesBruteForceOnRandomLayersMappingsAndLayouts) {
  const u64 seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const std::vector<std::string> layouts = default_layouts(8);
  for (int it = 0; it < 40; ++it) {
    const int ah = 1 << std::uniform_int_distribution<int>(1, 3)(rng);
    const int aw = 1 << std::uniform_int_distribution<int>(2, 3)(rng);
    const top::TopParams p = params(ah, aw);
    Layer l;
    if (rng() % 3 == 0) {
      l = gemm("g", std::uniform_int_distribution<int>(1, 20)(rng),
               std::uniform_int_distribution<int>(1, 40)(rng), 8);
    } else {
      const int groups = rng() % 4 == 0 ? 2 : 1;
      l = conv("c", std::uniform_int_distribution<int>(3, 7)(rng),
               std::uniform_int_distribution<int>(3, 7)(rng),
               groups * std::uniform_int_distribution<int>(1, 6)(rng), groups * 2,
               1 + 2 * static_cast<int>(rng() % 2), 1 + static_cast<int>(rng() % 2),
               static_cast<int>(rng() % 2), groups);
    }
    const StreamGeometry g = geometry_of(l);
    const std::uint32_t awl = static_cast<std::uint32_t>(p.awl());
    const std::uint32_t gr = std::uniform_int_distribution<std::uint32_t>(0, awl)(rng);
    const std::uint32_t gc = std::uniform_int_distribution<std::uint32_t>(0, gr)(rng);
    const std::uint32_t vn = static_cast<std::uint32_t>(std::min<u64>(g.k, static_cast<u64>(ah)));
    const top::MappingChoice m{gr, gc, vn - 1};
    const std::string ls = layouts[rng() % layouts.size()];
    const int ports = 1 + static_cast<int>(rng() % 2);
    LineModel lm;
    lm.line = 8;
    lm.ports = ports;
    lm.max_steps = 0;
    const TensorLayout t = parse_tensor_layout(ls);
    EXPECT_NEAR(stream_layout_cost(p, g, m, t, lm).slowdown, brute_slowdown(p, g, m, t, 8, ports),
                1e-12)
        << "seed " << seed << " iteration " << it << ": " << l.shape_string() << " on "
        << p.to_string() << " mapping " << m.to_string() << " layout " << ls << " ports " << ports;
  }
}

TEST(CompareLayoutModel, SampledStepsStayCloseToEveryStep) {
  const top::TopParams p = params(16, 16);
  for (const Layer& l : {conv("r", 28, 28, 64, 64, 3, 1, 1), conv("s", 29, 29, 32, 64, 3, 2, 0),
                         conv("d", 28, 28, 48, 48, 3, 1, 1, 48), gemm("b", 128, 768, 64)}) {
    const StreamGeometry g = geometry_of(l);
    for (std::uint32_t gr = 0; gr <= 4; gr += 2) {
      for (const char* ls : {"HWC_C32", "HWC_C4W8", "HWC_C1W32"}) {
        const top::MappingChoice m{gr, 0, static_cast<std::uint32_t>(std::min<u64>(g.k, 16)) - 1};
        LineModel all;
        all.max_steps = 0;
        const double exact = stream_layout_cost(p, g, m, parse_tensor_layout(ls), all).slowdown;
        const double sampled = stream_layout_cost(p, g, m, parse_tensor_layout(ls)).slowdown;
        EXPECT_NEAR(sampled / exact, 1.0, 0.05)
            << l.shape_string() << " G_r=" << (1 << gr) << " " << ls;
      }
    }
  }
}

TEST(CompareLayoutModel, BadInputIsNamed) {
  const top::TopParams p = params(4, 4);
  const StreamGeometry g = geometry_of(gemm("g", 8, 8, 8));
  const auto msg = [&](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg([&] {
              stream_layout_cost(p, g, {0, 0, 3}, parse_tensor_layout("HWC_C16"));
            }).find("a line of 16 elements, the model's is 32"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              stream_layout_cost(p, g, {0, 0, 3}, parse_tensor_layout("PQK_K32"));
            }).find("needs a layout over exactly H, W and C"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              stream_layout_cost(p, g, {3, 0, 3}, parse_tensor_layout("HWC_C32"));
            }).find("is illegal"),
            std::string::npos);
  LineModel zero;
  zero.ports = 0;
  EXPECT_NE(msg([&] {
              stream_layout_cost(p, g, {0, 0, 3}, parse_tensor_layout("HWC_C32"), zero);
            }).find("ports = 0"),
            std::string::npos);
  EXPECT_NE(msg([&] { default_layouts(24); }).find("a line of 24 elements"), std::string::npos);
  Layer add;
  add.name = "sum";
  add.kind = OpKind::kOther;
  add.op = "add";
  EXPECT_NE(msg([&] { geometry_of(add); }).find("layer 'sum' has no MACs"), std::string::npos);
  Network net;
  net.name = "n";
  net.layers.push_back(gemm("g", 8, 8, 8));
  CompareOptions opt;
  opt.designs = {{"X", DesignKind::kFlexibleFixedLayout, 0, 0, {"HWC_C32"}}};
  EXPECT_NE(msg([&] { compare_network(p, net, opt); }).find("the first design must be FEATHER"),
            std::string::npos);
  opt.designs = {{"F", DesignKind::kFeather, 0, 0, {"HWC_Q32"}}};
  EXPECT_NE(msg([&] { compare_network(p, net, opt); }).find("layout 'HWC_Q32'"), std::string::npos);
}

// A small network with a residual add (series-parallel) for the design-level properties.
Network small_net() {
  Network n;
  n.name = "small";
  n.layers.push_back(conv("stem", 12, 12, 3, 16, 3, 1, 1));
  n.layers.push_back(conv("b.conv1", 12, 12, 16, 8, 1, 1, 0));
  n.layers.push_back(conv("b.conv2", 12, 12, 8, 8, 3, 1, 1));
  n.layers.push_back(conv("b.conv3", 12, 12, 8, 16, 1, 1, 0));
  Layer add;
  add.name = "b.add";
  add.kind = OpKind::kOther;
  add.op = "add";
  add.h = 12;
  add.w = 12;
  add.c = 16;
  add.inputs = {"b.conv3", "stem"};
  n.layers.push_back(add);
  n.layers.push_back(conv("dw", 12, 12, 16, 16, 3, 2, 1, 16));
  n.layers.push_back(gemm("fc", 36, 16, 10));
  n.validate();
  return n;
}

TEST(CompareNetwork, FeatherIsNeverSlowerAndFlexibleDesignsBeatTheirFixedSubsets) {
  for (const auto& [ah, aw, ports] :
       {std::tuple{4, 4, 2}, std::tuple{4, 8, 1}, std::tuple{8, 8, 1}}) {
    const top::TopParams p = params(ah, aw);
    CompareOptions opt;
    opt.line.ports = ports;
    const Comparison c = compare_network(p, small_net(), opt);
    ASSERT_EQ(c.designs.size(), 6u);
    ASSERT_EQ(c.totals.size(), 6u);
    const std::string where = p.to_string() + " ports " + std::to_string(ports);
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      EXPECT_LE(c.totals[0].latency, c.totals[d].latency + 1e-6)
          << where << ": FEATHER slower than " << c.designs[d].name;
    }
    // SIGMA-like C32 (any mapping, C32) <= NVDLA-like (one mapping, C32); off-chip reorder (any
    // layout per layer) <= both SIGMA-like designs.
    EXPECT_LE(c.totals[3].latency, c.totals[1].latency + 1e-6) << where;
    EXPECT_LE(c.totals[5].latency, c.totals[3].latency + 1e-6) << where;
    EXPECT_LE(c.totals[5].latency, c.totals[4].latency + 1e-6) << where;
    // The totals are the sums of the layers; every design's mapping is one it may use.
    for (std::size_t d = 0; d < c.designs.size(); ++d) {
      double sum = 0;
      for (const CompareLayer& l : c.layers) {
        const DesignLayer& x = l.designs[d];
        sum += x.latency() * static_cast<double>(l.count);
        if (!x.mac) continue;
        EXPECT_GE(x.slowdown, 1.0);
        EXPECT_GE(x.cycles, static_cast<double>(l.macs) / (ah * aw)) << where << " " << l.name;
        if (c.designs[d].kind == DesignKind::kFixed) {
          EXPECT_EQ(x.mapping.grlog, c.designs[d].grlog) << c.designs[d].name << " " << l.name;
          EXPECT_EQ(x.mapping.gclog, c.designs[d].gclog) << c.designs[d].name << " " << l.name;
        }
        if (c.designs[d].kind == DesignKind::kFlexibleFixedLayout) {
          EXPECT_EQ(x.in_layout, c.designs[d].layouts[0]);
        }
      }
      EXPECT_NEAR(sum, c.totals[d].latency, 1e-6 * sum) << c.designs[d].name;
    }
    // The FEATHER RTL plan (free search, per-bank layouts) is never slower than the comparison's
    // FEATHER without layout slowdowns (the same search space plus IO-S).
    EXPECT_LE(static_cast<double>(c.rtl_cycles), c.totals[0].latency + 1e-6) << where;
  }
}

TEST(CompareNetwork, OffchipReorderDpEqualsBruteForceOverLayoutAssignments) {
  // A chain where layouts matter (one port, lines of 8): the reorder design's optimum equals
  // the minimum over every assignment of one layout per layer of the per-layer costs (from the
  // fixed-layout designs, one per layout) plus the reorganisation of every changed edge.
  const top::TopParams p = params(4, 8);
  Network n;
  n.name = "chain";
  n.layers.push_back(conv("a", 10, 10, 8, 8, 3, 1, 1));
  n.layers.push_back(gemm("b", 100, 8, 16));  // reads a's output as a GEMM
  n.layers.push_back(conv("c", 10, 10, 16, 8, 1, 1, 0));
  n.layers.push_back(conv("d", 10, 10, 8, 8, 3, 2, 1));
  n.validate();
  CompareOptions opt;
  opt.line.line = 8;
  opt.line.ports = 1;
  const std::vector<std::string> ls = default_layouts(8);
  opt.designs.push_back({"FEATHER", DesignKind::kFeather, 0, 0, ls});
  for (const std::string& l : ls) {
    opt.designs.push_back({"fixed " + l, DesignKind::kFlexibleFixedLayout, 0, 0, {l}});
  }
  opt.designs.push_back({"reorder", DesignKind::kOffchipReorder, 0, 0, ls});
  const Comparison c = compare_network(p, n, opt);
  const std::size_t nl = ls.size(), reorder = nl + 1;
  const auto reorg = [&](std::size_t producer) {
    const GemmShape g = n.layers[producer].as_gemm();
    return 2.0 * static_cast<double>((g.groups * g.m * g.n + 7) / 8) / opt.timing.bandwidth;
  };
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> a(n.layers.size(), 0);
  std::set<double> distinct_costs;
  while (true) {
    double cost = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      cost += c.layers[i].designs[1 + a[i]].cycles;
      if (i > 0 && a[i] != a[i - 1]) cost += reorg(i - 1);
    }
    best = std::min(best, cost);
    distinct_costs.insert(cost);
    std::size_t k = 0;
    while (k < a.size() && ++a[k] == nl) a[k++] = 0;
    if (k == a.size()) break;
  }
  EXPECT_GT(distinct_costs.size(), 1u) << "the layouts must matter for the test to mean anything";
  EXPECT_NEAR(c.totals[reorder].latency, best, 1e-6 * best);
  EXPECT_LE(c.totals[0].latency, best + 1e-6);
}

TEST(CompareNetwork, ReportsNameEveryDesignAndLayer) {
  const top::TopParams p = params(4, 4);
  const Comparison c = compare_network(p, small_net());
  const std::string t = format_comparison(c);
  for (const Design& d : c.designs) EXPECT_NE(t.find("| " + d.name + " |"), std::string::npos);
  for (const char* l : {"stem", "b.conv2", "dw", "fc"}) {
    EXPECT_NE(t.find(std::string("| ") + l + " |"), std::string::npos) << l;
  }
  const std::string svg = comparison_svg(c);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("NVDLA-like"), std::string::npos);
  const auto j = nlohmann::json::parse(comparison_json(c));
  EXPECT_EQ(j["designs"].size(), c.designs.size());
  EXPECT_EQ(j["layers"].size(), small_net().layers.size());
  EXPECT_DOUBLE_EQ(j["designs"][1]["ratio"].get<double>(), c.ratio(1));
}

// The on-chip hand-off along the bottleneck's chain (b.conv1 -> b.conv2 -> b.conv3): never slower
// than every layer through off-chip memory, and where it keeps outputs it moves fewer bytes.
// (The same on a built-in network below; under the sanitizers only this small one runs.)
TEST(CompareNetwork, HandOffAlongAChainKeepsOutputsOnChip) {
  for (const auto& [ah, aw] : {std::pair{4, 4}, std::pair{8, 8}}) {
    const Comparison c = compare_network(params(ah, aw, 65536, 16384, 16384), small_net());
    const std::string where = std::to_string(ah) + "x" + std::to_string(aw);
    EXPECT_LE(c.hand_off_cycles, c.rtl_cycles) << where;
    EXPECT_GT(c.hand_off_kept, 0u) << where << ": no chained output kept on chip";
    EXPECT_LT(c.hand_off_bytes, c.rtl_bytes) << where;
    EXPECT_NE(format_comparison(c).find("with the on-chip hand-off"), std::string::npos);
  }
}

TEST(CompareNetwork, BuiltInNetworksCompareOnASmallArray) {
  // The three built-in networks go through every design on 4x4 (the 16x16 figures are in
  // docs/compare.md, produced by `make compare-tables`).
  for (const std::string& name : builtin_networks()) {
    if (name != "mobilenet_v3_large") continue;  // the fastest of the three on 4x4
    const Comparison c = compare_network(params(4, 4, 65536, 16384, 16384), builtin_network(name));
    for (std::size_t d = 1; d < c.designs.size(); ++d) EXPECT_GE(c.ratio(d), 1.0 - 1e-9);
    // The on-chip hand-off along chains: never slower than every layer through off-chip
    // memory, and where it keeps outputs it moves fewer bytes.
    EXPECT_LE(c.hand_off_cycles, c.rtl_cycles);
    EXPECT_GT(c.hand_off_kept, 0u) << "no chained output kept on chip";
    EXPECT_LT(c.hand_off_bytes, c.rtl_bytes);
    EXPECT_NE(format_comparison(c).find("with the on-chip hand-off"), std::string::npos);
  }
}

}  // namespace
}  // namespace feather::map
