// The whole-network reference on networks (sw/include/feather/net/reference.hpp): the three
// built-in networks end to end at a reduced size, a network using every op, ReLU folding,
// determinism from the seed, convolutions against a direct computation written here, and the
// errors that name the layer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../common/expect.hpp"
#include "../common/seed.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"
#include "feather/top/reference.hpp"

namespace feather::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

map::Network net_of(const std::string& layers) {
  return map::parse_network("layers:\n" + layers, "t.yaml");
}

// The message of the NetError `f` throws ("(no error)" if none).
template <typename F>
std::string error_of(const F& f) {
  return test::error_of<NetError>(f);
}

std::size_t index_of(const map::Network& net, const std::string& name) {
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].name == name) return i;
  }
  ADD_FAILURE() << "no layer " << name;
  return 0;
}

bool same(const LayerQuant& a, const LayerQuant& b) {
  return a.name == b.name && a.out == b.out && a.weights == b.weights && a.w_zp == b.w_zp &&
         a.w_scale == b.w_scale && a.multiplier == b.multiplier && a.lo == b.lo && a.hi == b.hi &&
         a.lut == b.lut && a.exp_table == b.exp_table && a.ln_eps == b.ln_eps &&
         a.ln_gain == b.ln_gain;
}

// Every layer has a result of the shape output_shapes gives, no layer's output of 16 or more
// elements is a single value, and no conv / GEMM output is mostly saturated (at 0 or 255 other
// than a folded ReLU's clamp at the zero point).
void expect_non_degenerate(const map::Network& net, const Quantization& q, const Results& r) {
  const std::vector<Shape> shapes = output_shapes(net);
  ASSERT_EQ(r.names.size(), net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const map::Layer& l = net.layers[i];
    const Tensor& t = r.tensors[i];
    SCOPED_TRACE(l.name);
    EXPECT_EQ(r.names[i], l.name);
    EXPECT_EQ(t.shape, shapes[i]);
    ASSERT_EQ(t.data.size(), t.shape.size());
    const std::set<std::uint8_t> values(t.data.begin(), t.data.end());
    if (t.data.size() >= 16) {
      EXPECT_GE(values.size(), 2u);
    }
    if (l.kind != map::OpKind::kOther && t.data.size() >= 64) {
      const std::uint8_t lo = q.layers[i].lo;
      const auto sat = std::count_if(t.data.begin(), t.data.end(), [&](std::uint8_t v) {
        return (v == 0 && lo == 0) || v == 255;
      });
      EXPECT_LT(static_cast<double>(sat), 0.25 * static_cast<double>(t.data.size()));
      EXPECT_GE(values.size(), 8u);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Built-in networks

struct Builtin {
  const char* name;
  int spatial, channels;
};

class NetBuiltin : public ::testing::TestWithParam<Builtin> {};

TEST_P(NetBuiltin, EvaluatesEndToEndAtReducedSize) {
  const Builtin b = GetParam();
  const map::Network full = map::builtin_network(b.name);
  const map::Network net = shrink(full, b.spatial, b.channels);
  ASSERT_EQ(net.layers.size(), full.layers.size());
  const std::uint64_t seed = test::test_seed();
  const Quantization q = random_quantization(net, seed);
  ASSERT_EQ(q.layers.size(), net.layers.size());
  const Results r = evaluate(net, q, random_input(net, q, seed));
  expect_non_degenerate(net, q, r);
  // Another input gives another output. (Its layers are not checked for spread: the scales are
  // calibrated on the seed's input, and MobileNet-V3's squeeze-excite products, whose
  // hard-sigmoid the network file folds away, are quadratic in the signal, so a weaker input
  // fades over the 11 blocks.)
  const Results other = evaluate(net, q, random_input(net, q, seed + 1));
  EXPECT_NE(other.output().data, r.output().data);
}

INSTANTIATE_TEST_SUITE_P(Networks, NetBuiltin,
                         ::testing::Values(Builtin{"resnet50", 4, 4},
                                           Builtin{"mobilenet_v3_large", 4, 2},
                                           Builtin{"bert_base", 8, 4}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(NetShrink, ByOneKeepsEveryShapeAndScalesDown) {
  for (const std::string& name : map::builtin_networks()) {
    SCOPED_TRACE(name);
    const map::Network net = map::builtin_network(name);
    const map::Network same_net = shrink(net, 1, 1);
    EXPECT_EQ(output_shapes(same_net), output_shapes(net));
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      EXPECT_EQ(same_net.layers[i].shape_string(), net.layers[i].shape_string());
    }
  }
  const map::Network r = shrink(map::builtin_network("resnet50"), 8, 8);
  EXPECT_EQ(r.layers[0].shape_string(), "conv 28x28x1 -> 8 k7x7 s2 p3");
  EXPECT_EQ(r.find("maxpool")->shape_string(), "maxpool 7x7x8");
  EXPECT_EQ(r.find("layer4.2.conv2")->shape_string(), "conv 1x1x64 -> 64 k3x3 s1 p1");
  EXPECT_EQ(r.find("fc")->shape_string(), "fc 1x256x125");
  const map::Network bert = shrink(map::builtin_network("bert_base"), 8, 8);
  EXPECT_EQ(bert.find("enc0.scores")->shape_string(), "matmul 16x8x16 act x12");
  EXPECT_EQ(bert.find("enc0.context")->shape_string(), "matmul 16x16x8 act x12");
  EXPECT_EQ(bert.find("enc0.softmax")->shape_string(), "softmax 16x1x16 x12");
  // 768 / 5 rounds up to 154 channels, which 12 heads do not divide
  const std::string msg = error_of([] { shrink(map::builtin_network("bert_base"), 8, 5); });
  EXPECT_NE(msg.find("layer 'enc0.scores'"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// A network with every op

const char* const kEveryOp =
    "  - {name: stem, op: conv, h: 8, w: 8, c: 4, k: 8, r: 3, pad: 1}\n"
    "  - {name: stem.relu, op: relu}\n"
    "  - {name: dw, op: dwconv, h: 8, w: 8, c: 8, r: 3, stride: 2, pad: 1}\n"
    "  - {name: dw.hswish, op: hswish}\n"
    "  - {name: se.pool, op: avgpool, h: 1, w: 1, c: 8}\n"
    "  - {name: se.fc1, op: fc, gk: 8, gn: 4}\n"
    "  - {name: se.relu, op: relu}\n"
    "  - {name: se.fc2, op: fc, gk: 4, gn: 8}\n"
    "  - {name: se.gate, op: hsigmoid}\n"
    "  - {name: se.mul, op: mul, inputs: [dw.hswish, se.gate]}\n"
    "  - {name: grp, op: conv, h: 4, w: 4, c: 8, k: 8, r: 3, pad: 2, dilation: 2, groups: 2}\n"
    "  - {name: grp.relu6, op: relu6}\n"
    "  - {name: res, op: add, h: 4, w: 4, c: 8, inputs: [grp.relu6, se.mul]}\n"
    "  - {name: res.relu6, op: relu6}\n"
    "  - {name: bn, op: batchnorm}\n"
    "  - {name: mp, op: maxpool, h: 2, w: 2, c: 8}\n"
    "  - {name: ap, op: avgpool, h: 2, w: 2, c: 8, inputs: [bn]}\n"
    "  - {name: cat, op: concat, inputs: [mp, ap]}\n"
    "  - {name: cat.relu, op: relu}\n"
    "  - {name: sig, op: sigmoid}\n"
    "  - {name: flat, op: flatten}\n"
    "  - {name: re, op: reshape, h: 4, c: 16}\n"
    "  - {name: id, op: identity}\n"
    "  - {name: q, op: gemm, gm: 4, gk: 16, gn: 8}\n"
    "  - {name: k, op: gemm, gm: 4, gk: 16, gn: 8, inputs: [id]}\n"
    "  - {name: v, op: gemm, gm: 4, gk: 16, gn: 8, inputs: [id]}\n"
    "  - {name: scores, op: matmul, gm: 4, gk: 4, gn: 4, count: 2, weights_are_activations: "
    "true, inputs: [q, k]}\n"
    "  - {name: softmax, op: softmax, h: 4, c: 4, count: 2}\n"
    "  - {name: context, op: matmul, gm: 4, gk: 4, gn: 4, count: 2, weights_are_activations: "
    "true, inputs: [softmax, v]}\n"
    "  - {name: ln, op: layernorm, h: 4, c: 8}\n"
    "  - {name: gelu, op: gelu}\n"
    "  - {name: kt, op: transpose, inputs: [k]}\n"
    "  - {name: scores_all, op: matmul, gm: 4, gk: 8, gn: 4, weights_are_activations: true, "
    "inputs: [q, kt]}\n"
    "  - {name: head, op: fc, gk: 32, gn: 10, inputs: [gelu]}\n";

// kEveryOp with `v` per-tensor quantized (a flag of the Layer, not of the file format).
map::Network every_op() {
  map::Network net = net_of(kEveryOp);
  net.layers[index_of(net, "v")].per_tensor_quant = true;
  return net;
}

TEST(NetEveryOp, EvaluatesAndFoldsReluIntoTheRequantizationClamp) {
  const map::Network net = every_op();
  const std::uint64_t seed = test::test_seed();
  const Quantization q = random_quantization(net, seed);
  const Results r = evaluate(net, q, random_input(net, q, seed));
  expect_non_degenerate(net, q, r);
  EXPECT_EQ(r.output().shape, (Shape{1, 1, 1, 10}));
  // folded: ReLU / ReLU6 directly after a conv / GEMM read by nothing else
  EXPECT_EQ(folded_into(net, index_of(net, "stem.relu")), int(index_of(net, "stem")));
  EXPECT_EQ(folded_into(net, index_of(net, "se.relu")), int(index_of(net, "se.fc1")));
  EXPECT_EQ(folded_into(net, index_of(net, "grp.relu6")), int(index_of(net, "grp")));
  EXPECT_EQ(folded_into(net, index_of(net, "res.relu6")), -1);  // after an add
  EXPECT_EQ(folded_into(net, index_of(net, "cat.relu")), -1);
  EXPECT_EQ(folded_into(net, index_of(net, "stem")), -1);
  for (const auto& [conv, relu] : {std::pair{"stem", "stem.relu"}, std::pair{"grp", "grp.relu6"},
                                   std::pair{"se.fc1", "se.relu"}}) {
    const LayerQuant& c = q.at(conv);
    EXPECT_EQ(c.lo, c.out.zp) << conv;
    const Bytes& d = r.at(conv).data;
    EXPECT_GE(*std::min_element(d.begin(), d.end()), c.lo) << conv;
    EXPECT_EQ(r.at(relu).data, d) << relu;  // the ReLU layer's output is its producer's
    EXPECT_EQ(q.at(relu).out, c.out) << relu;
  }
  const LayerQuant& g = q.at("grp");
  const long six = std::lround(6.0 / g.out.scale);
  EXPECT_EQ(int(g.hi), int(std::min<long>(255, g.out.zp + six)));
  EXPECT_EQ(q.at("stem").hi, 255);
  // standalone ReLU6: an integer clamp of the add's output at its zero point and 6
  const LayerQuant& rr = q.at("res.relu6");
  EXPECT_EQ(rr.out, q.at("res").out);
  EXPECT_EQ(rr.lo, rr.out.zp);
  EXPECT_EQ(int(rr.hi), int(std::min<long>(255, rr.out.zp + std::lround(6.0 / rr.out.scale))));
  const Bytes& add = r.at("res").data;
  const Bytes& clamped = r.at("res.relu6").data;
  for (std::size_t i = 0; i < add.size(); ++i) {
    ASSERT_EQ(clamped[i], std::clamp(add[i], rr.lo, rr.hi)) << i;
  }
  // the per-tensor layer has one scale; the softmax's output is 1/256
  const LayerQuant& v = q.at("v");
  EXPECT_EQ(std::set<std::int32_t>(v.multiplier.begin(), v.multiplier.end()).size(), 1u);
  EXPECT_GT(std::set<std::int32_t>(q.at("k").multiplier.begin(), q.at("k").multiplier.end()).size(),
            1u);
  EXPECT_EQ(q.at("softmax").out, (Quant{1.0 / 256, 0}));
  // heads side by side: [4 tokens][2 heads x 4]; K^T as a tensor
  EXPECT_EQ(r.at("scores").shape, (Shape{1, 4, 1, 8}));
  EXPECT_EQ(r.at("kt").shape, (Shape{1, 8, 1, 4}));
}

TEST(NetEveryOp, ReluIsNotFoldedIntoALayerWithOtherReaders) {
  const map::Network net = net_of(
      "  - {name: c, op: conv, h: 4, c: 2, k: 4, r: 1}\n"
      "  - {name: r, op: relu}\n"
      "  - {name: d, op: conv, h: 4, c: 4, k: 4, r: 1, inputs: [c]}\n");
  EXPECT_EQ(folded_into(net, 1), -1);
  const Quantization q = random_quantization(net, 3);
  EXPECT_EQ(q.at("c").lo, 0);
  EXPECT_EQ(q.at("r").lo, q.at("c").out.zp);
}

TEST(NetEveryOp, DeterministicFromTheSeed) {
  const map::Network net = every_op();
  const std::uint64_t seed = test::test_seed();
  const Quantization a = random_quantization(net, seed), b = random_quantization(net, seed);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  EXPECT_EQ(a.input, b.input);
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_TRUE(same(a.layers[i], b.layers[i])) << a.layers[i].name;
  }
  const Tensor x = random_input(net, a, seed);
  EXPECT_EQ(x.data, random_input(net, b, seed).data);
  EXPECT_EQ(evaluate(net, a, x).tensors.back().data, evaluate(net, b, x).tensors.back().data);
  const Quantization c = random_quantization(net, seed + 1);
  EXPECT_NE(c.at("stem").weights, a.at("stem").weights);
  EXPECT_NE(random_input(net, a, seed + 1).data, x.data);
}

// ---------------------------------------------------------------------------------------------
// Convolutions against a direct computation written here

TEST(NetConvCheck, RandomConvsMatchADirectComputation) {
  const std::uint64_t seed = test::test_seed();
  Rng rng(seed);
  for (int iter = 0; iter < 40; ++iter) {
    map::Layer l;
    l.name = "c";
    l.op = "conv";
    l.batch = int(rng.uniform(1, 2));
    l.groups = int(rng.uniform(1, 3));
    l.c = l.groups * int(rng.uniform(1, 3));
    l.co = l.groups * int(rng.uniform(1, 3));
    l.r = int(rng.uniform(1, 3));
    l.s = int(rng.uniform(1, 3));
    l.stride_h = int(rng.uniform(1, 3));
    l.stride_w = int(rng.uniform(1, 3));
    l.pad_h = int(rng.uniform(0, 2));
    l.pad_w = int(rng.uniform(0, 2));
    l.dil_h = int(rng.uniform(1, 2));
    l.dil_w = int(rng.uniform(1, 2));
    l.h = int(rng.uniform(l.dil_h * (l.r - 1) + 1, 7));
    l.w = int(rng.uniform(l.dil_w * (l.s - 1) + 1, 7));
    SCOPED_TRACE(l.shape_string() + " n" + std::to_string(l.batch));
    map::Network net;
    net.name = "t";
    net.layers = {l};
    Tensor x{{l.batch, l.h, l.w, l.c}, {1.0, std::uint8_t(rng.uniform(0, 255))}, {}};
    for (std::size_t i = 0; i < x.shape.size(); ++i) {
      x.data.push_back(static_cast<std::uint8_t>(rng.uniform(0, 255)));
    }
    LayerQuant q;
    q.name = "c";
    q.out = {1.0, std::uint8_t(rng.uniform(0, 255))};
    q.w_zp = std::uint8_t(rng.uniform(0, 255));
    const int cg = l.c / l.groups;
    for (int i = 0; i < l.co * l.r * l.s * cg; ++i) {
      q.weights.push_back(static_cast<std::uint8_t>(rng.uniform(0, 255)));
    }
    for (int i = 0; i < l.co; ++i) q.multiplier.push_back(int(rng.uniform(1 << 8, 1 << 18)));
    const Tensor y = evaluate_layer(net, 0, q, {x});
    // Direct: the input padded with its zero point, then every window and channel of the group.
    const int hp = l.h + 2 * l.pad_h, wp = l.w + 2 * l.pad_w;
    std::vector<int> padded(std::size_t(l.batch * hp * wp * l.c), 0);
    for (int b = 0; b < l.batch; ++b) {
      for (int yy = 0; yy < l.h; ++yy) {
        for (int xx = 0; xx < l.w; ++xx) {
          for (int c = 0; c < l.c; ++c) {
            padded[std::size_t(((b * hp + yy + l.pad_h) * wp + xx + l.pad_w) * l.c + c)] =
                x.at(b, yy, xx, c) - x.quant.zp;
          }
        }
      }
    }
    const int ho = (hp - l.dil_h * (l.r - 1) - 1) / l.stride_h + 1;
    const int wo = (wp - l.dil_w * (l.s - 1) - 1) / l.stride_w + 1;
    ASSERT_EQ(y.shape, (Shape{l.batch, ho, wo, l.co}));
    for (int b = 0; b < l.batch; ++b) {
      for (int oy = 0; oy < ho; ++oy) {
        for (int ox = 0; ox < wo; ++ox) {
          for (int o = 0; o < l.co; ++o) {
            const int g = o / (l.co / l.groups);
            long sum = 0;
            for (int i = 0; i < l.r * l.s * cg; ++i) {
              const int ky = i / (l.s * cg), kx = i / cg % l.s, ci = i % cg;
              const int iy = oy * l.stride_h + ky * l.dil_h, ix = ox * l.stride_w + kx * l.dil_w;
              sum += long(padded[std::size_t(((b * hp + iy) * wp + ix) * l.c + g * cg + ci)]) *
                     (q.weights[std::size_t(o * l.r * l.s * cg + i)] - q.w_zp);
            }
            const long v = std::clamp<long>(
                ((sum * q.multiplier[std::size_t(o)] + (1L << 23)) >> 24) + q.out.zp, 0, 255);
            ASSERT_EQ(int(y.at(b, oy, ox, o)), v) << b << " " << oy << " " << ox << " " << o;
          }
        }
      }
    }
  }
}

TEST(NetConvCheck, OneByOneConvEqualsAGemmOverPixels) {
  const std::uint64_t seed = test::test_seed();
  const map::Network conv = net_of("  - {name: c, op: conv, h: 3, w: 2, c: 5, k: 4, r: 1}\n");
  const map::Network gemm = net_of("  - {name: c, op: gemm, gm: 6, gk: 5, gn: 4}\n");
  const Quantization q = random_quantization(conv, seed);
  const Tensor x = random_input(conv, q, seed);
  LayerQuant g = q.at("c");
  for (int co = 0; co < 4; ++co) {  // [co][c] -> [k][n]
    for (int c = 0; c < 5; ++c)
      g.weights[std::size_t(c * 4 + co)] = q.at("c").weights[std::size_t(co * 5 + c)];
  }
  Tensor xg = x;
  xg.shape = {1, 6, 1, 5};
  const Tensor a = evaluate_layer(conv, 0, q.at("c"), {x});
  const Tensor b = evaluate_layer(gemm, 0, g, {xg});
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.shape, (Shape{1, 3, 2, 4}));
  EXPECT_EQ(b.shape, (Shape{1, 6, 1, 4}));
}

// Two implementations written apart agree: this component shares no code with the layer
// reference of the RTL path (top::conv_ref, top::gemm_ref); only this test sees both.
TEST(NetConvCheck, AgreesWithTheLayerReferenceOfTheRtlPath) {
  const std::uint64_t seed = test::test_seed();
  Rng rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    top::ConvLayer c;
    c.groups = int(rng.uniform(1, 3));
    c.c = c.groups * int(rng.uniform(1, 4));
    c.co = c.groups * int(rng.uniform(1, 4));
    c.r = c.s = int(rng.uniform(1, 3));
    c.stride = int(rng.uniform(1, 2));
    c.pad = int(rng.uniform(0, 2));
    c.dilation = int(rng.uniform(1, 2));
    const bool pointwise = iter % 2 == 0;  // also checked as a GEMM below
    if (pointwise) {
      c.groups = c.r = c.s = c.stride = 1;
      c.pad = 0;
    }
    c.h = int(rng.uniform(c.dilation * (c.r - 1) + 1, 8));
    c.w = int(rng.uniform(c.dilation * (c.s - 1) + 1, 8));
    c.zp_a = static_cast<std::uint8_t>(rng.uniform(0, 255));
    c.zp_w = static_cast<std::uint8_t>(rng.uniform(0, 255));
    for (int i = 0; i < c.h * c.w * c.c; ++i) {
      c.input.push_back(static_cast<std::uint8_t>(rng.uniform(0, 255)));
    }
    for (int i = 0; i < c.co * c.r * c.s * (c.c / c.groups); ++i) {
      c.weight.push_back(static_cast<std::uint8_t>(rng.uniform(0, 255)));
    }
    const auto ozp = static_cast<std::uint8_t>(rng.uniform(0, 255));
    for (int i = 0; i < c.co; ++i) {
      c.quant.scale.push_back(int(rng.uniform(-(1 << 20), 1 << 20)));
      c.quant.ozp.push_back(ozp);
    }
    map::Network net;
    net.name = "t";
    net.layers = {
        map::Layer::conv("c", c.h, c.w, c.c, c.co, c.r, c.stride, c.pad, c.dilation, c.groups)};
    LayerQuant q;
    q.name = "c";
    q.out = {1.0, ozp};
    q.w_zp = c.zp_w;
    q.weights = c.weight;
    q.multiplier = c.quant.scale;
    const Tensor x{{1, c.h, c.w, c.c}, {1.0, c.zp_a}, c.input};
    SCOPED_TRACE(net.layers[0].shape_string());
    EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, top::conv_ref(c));
    // the same as a GEMM: A = the input as [h*w][c] (a 1x1 conv's view), B = the 1x1 weights
    if (!pointwise) continue;
    top::GemmLayer g;
    g.m = c.h * c.w;
    g.k = c.c;
    g.n = c.co;
    g.zp_a = c.zp_a;
    g.zp_w = c.zp_w;
    g.a = c.input;
    for (int kk = 0; kk < c.c; ++kk) {
      for (int j = 0; j < c.co; ++j) g.b.push_back(c.weight[std::size_t(j * c.c + kk)]);
    }
    g.quant = c.quant;
    map::Network gn;
    gn.name = "t";
    gn.layers = {map::Layer::gemm("c", g.m, g.k, g.n)};
    LayerQuant gq = q;
    gq.weights = g.b;
    EXPECT_EQ(evaluate_layer(gn, 0, gq, {Tensor{{1, g.m, 1, g.k}, x.quant, g.a}}).data,
              top::gemm_ref(g));
  }
}

// ---------------------------------------------------------------------------------------------
// Errors name the layer

void expect_shape_error(const std::string& layers, const std::string& layer,
                        const std::string& also) {
  const map::Network net = net_of(layers);
  const std::string msg = error_of([&] { output_shapes(net); });
  SCOPED_TRACE(layers);
  EXPECT_NE(msg.find("layer '" + layer + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(also), std::string::npos) << msg;
  EXPECT_EQ(msg, error_of([&] { random_quantization(net, 1); }));
}

TEST(NetErrors, ShapeMismatchesNameTheLayer) {
  expect_shape_error(
      "  - {name: c1, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: c2, op: conv, h: 4, c: 16, k: 8, r: 1}\n",
      "c2", "input 'c1' is 1x4x4x8 but the layer reads 1x4x4x16");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: b, op: conv, h: 4, c: 8, k: 8, r: 3, stride: 2, pad: 1, inputs: [a]}\n"
      "  - {name: sum, op: add, inputs: [a, b]}\n",
      "sum", "input 'b' is 1x2x2x8 but input 'a' is 1x4x4x8");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: p, op: avgpool}\n  - {name: f, op: fc, gk: 8, gn: 4}\n"
      "  - {name: m, op: mul, inputs: [a, f]}\n",
      "m", "input 'f' is 1x1x1x4");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 64, r: 1}\n"
      "  - {name: p, op: avgpool}\n  - {name: fc, op: fc, gk: 100, gn: 10}\n",
      "fc", "input 'p' is 1x1x1x64 (64 elements) but the layer reads A as 1 x 100");
  expect_shape_error(
      "  - {name: q, op: gemm, gm: 4, gk: 8, gn: 8}\n"
      "  - {name: k, op: gemm, gm: 4, gk: 8, gn: 6, inputs: [q]}\n"
      "  - {name: s, op: matmul, gm: 4, gk: 8, gn: 4, weights_are_activations: true,"
      " inputs: [q, k]}\n",
      "s", "input 'k' is 1x4x1x6");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: p, op: maxpool, h: 8, w: 8, c: 8}\n",
      "p", "cannot derive a pooling window from input height 4 to output height 8");
  expect_shape_error("  - {name: c, op: conv, h: 4, c: 3, k: 8, r: 1, count: 2}\n", "c",
                     "count > 1");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: r, op: relu, h: 4, w: 4, c: 4}\n",
      "r", "the layer states its output is 1x4x4x4 but its input gives 1x4x4x8");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n  - {name: r, op: reshape}\n", "r",
      "a reshape must state its output shape");
  expect_shape_error("  - {name: p, op: maxpool, h: 2, c: 3}\n", "p",
                     "cannot derive the network input's shape");
  expect_shape_error(
      "  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n"
      "  - {name: s, op: softmax, h: 4, w: 4, c: 3}\n",
      "s", "the layer states its output is 1x4x4x3");
  expect_shape_error("  - {name: a, op: conv, h: 4, c: 3, k: 8, r: 1}\n  - {name: add, op: add}\n",
                     "add", "takes at least 2 inputs, got 1");
}

TEST(NetErrors, EvaluateChecksTheInputAndTheQuantization) {
  const map::Network net =
      net_of("  - {name: c, op: conv, h: 4, c: 3, k: 8, r: 1}\n  - {name: s, op: softmax}\n");
  const Quantization q = random_quantization(net, 5);
  const Tensor x = random_input(net, q, 5);
  EXPECT_NO_THROW(evaluate(net, q, x));
  Tensor bad = x;
  bad.shape = {1, 2, 8, 3};
  std::string msg = error_of([&] { evaluate(net, q, bad); });
  EXPECT_NE(msg.find("the input is 1x2x8x3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reads 1x4x4x3"), std::string::npos) << msg;
  Quantization short_q = q;
  short_q.layers.pop_back();
  msg = error_of([&] { evaluate(net, short_q, x); });
  EXPECT_NE(msg.find("has 2 layers but the quantization 1"), std::string::npos) << msg;
  Quantization w = q;
  w.layers[0].weights.pop_back();
  msg = error_of([&] { evaluate(net, w, x); });
  EXPECT_NE(msg.find("t.yaml:2: layer 'c' (conv): quantization: weights has 23 entries, the "
                     "layer needs 24"),
            std::string::npos)
      << msg;
  Quantization s = q;
  s.layers[1].out = {1.0 / 128, 0};
  msg = error_of([&] { evaluate(net, s, x); });
  EXPECT_NE(msg.find("layer 's' (softmax): quantization: a softmax's output has scale 1/256"),
            std::string::npos)
      << msg;
  Quantization order = q;
  std::swap(order.layers[0], order.layers[1]);
  msg = error_of([&] { evaluate(net, order, x); });
  EXPECT_NE(msg.find("layer 'c' (conv): the quantization's entry is for layer 's'"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace feather::net
