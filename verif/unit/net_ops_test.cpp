// The whole-network reference's ops (sw/include/feather/net/, docs/network-reference.md)
// against small cases computed by hand: the expected values are written here, each with the
// arithmetic that gives it, not computed by the code under test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../common/expect.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"

namespace feather::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

map::Network net_of(const std::string& layers) {
  return map::parse_network("layers:\n" + layers, "t.yaml");
}

Tensor tensor(Shape s, Quant q, Bytes d) { return Tensor{s, q, std::move(d)}; }

LayerQuant lq(const std::string& name, Quant out) {
  LayerQuant q;
  q.name = name;
  q.out = out;
  return q;
}

// The message of the NetError `f` throws ("(no error)" if none).
template <typename F>
std::string error_of(const F& f) {
  return test::error_of<NetError>(f);
}

constexpr std::int32_t kOne = 1 << 24;  // multiplier 1.0 in Q24

// ---------------------------------------------------------------------------------------------
// Arithmetic

TEST(NetArith, RequantRoundsHalvesUpAndSaturates) {
  EXPECT_EQ(requant(1, kOne / 2, 0), 1);     // 0.5 -> 1
  EXPECT_EQ(requant(-1, kOne / 2, 10), 10);  // -0.5 -> 0 (towards +infinity), + 10
  EXPECT_EQ(requant(-3, kOne / 2, 10), 9);   // -1.5 -> -1
  EXPECT_EQ(requant(3, kOne / 2, 10), 12);   // 1.5 -> 2
  EXPECT_EQ(requant(5, kOne / 4, 0), 1);     // 1.25 -> 1
  EXPECT_EQ(requant(1000, kOne, 0), 255);    // saturates high
  EXPECT_EQ(requant(-5, kOne, 3), 0);        // -5 + 3 saturates low
  const std::int32_t lo = std::numeric_limits<std::int32_t>::min();
  const std::int32_t hi = std::numeric_limits<std::int32_t>::max();
  EXPECT_EQ(requant(lo, lo, 0), 255);  // the product 2^62 is exact in 64 bits
  EXPECT_EQ(requant(hi, lo, 255), 0);
  // the folded clamp: ReLU (lo = ozp), ReLU6 (hi = ozp + 24 for scale 0.25)
  EXPECT_EQ(requant(-100, kOne, 50, 50, 255), 50);
  EXPECT_EQ(requant(100, kOne, 50, 50, 74), 74);
  EXPECT_EQ(requant(10, kOne, 50, 50, 74), 60);
}

TEST(NetArith, Wrap32AndRounding) {
  EXPECT_EQ(wrap32(2148491025LL), -2146476271);  // 33041 * 65025 - 2^32
  EXPECT_EQ(wrap32(-2147483649LL), 2147483647);
  EXPECT_EQ(q24_multiplier(1.0, "x"), kOne);
  EXPECT_EQ(q24_multiplier(0.5 / kOne, "x"), 1);    // half away from zero
  EXPECT_EQ(q24_multiplier(-0.5 / kOne, "x"), -1);  // half away from zero
  EXPECT_EQ(q24_multiplier(-128.0, "x"), std::numeric_limits<std::int32_t>::min());
  const std::string msg = error_of([] { q24_multiplier(128.0, "layer 'conv7'"); });
  EXPECT_NE(msg.find("layer 'conv7'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not fit a signed 32-bit integer"), std::string::npos) << msg;
  EXPECT_EQ(div_round_half_up(5, 2), 3);    // 2.5 -> 3
  EXPECT_EQ(div_round_half_up(-5, 2), -2);  // -2.5 -> -2
  EXPECT_EQ(div_round_half_up(-7, 2), -3);  // -3.5 -> -3
  EXPECT_EQ(div_round_half_up(7, 3), 2);    // 2.33 -> 2
  EXPECT_EQ(div_round_half_up(-8, 3), -3);  // -2.67 -> -3
  EXPECT_EQ(isqrt(0), 0u);
  EXPECT_EQ(isqrt(15), 3u);
  EXPECT_EQ(isqrt(16), 4u);
  EXPECT_EQ(isqrt(3145728), 1773u);  // 1773^2 = 3143529 <= x < 1774^2 = 3147076
  EXPECT_EQ(isqrt(std::numeric_limits<std::uint64_t>::max()), 4294967295u);
}

TEST(NetArith, RngIsUniformInRangeAndReproducible) {
  Rng a(7), b(7);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t v = a.uniform(-3, 6);
    ASSERT_EQ(v, b.uniform(-3, 6));
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 6);
    ++seen[static_cast<std::size_t>(v + 3)];
    const double r = a.real(0.25, 0.5);
    ASSERT_EQ(r, b.real(0.25, 0.5));
    ASSERT_GE(r, 0.25);
    ASSERT_LT(r, 0.5);
  }
  for (int s : seen) EXPECT_GT(s, 120);  // 200 expected per value
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
  EXPECT_NE(derive_seed(1, 0), derive_seed(2, 0));
}

// ---------------------------------------------------------------------------------------------
// Convolutions and GEMMs

TEST(NetConv, OneByOneByHand) {
  const auto net = net_of("  - {name: c, op: conv, h: 1, w: 2, c: 2, k: 2, r: 1}\n");
  // a - zp_a: pixel 0 = (2, -3), pixel 1 = (0, 10); w - zp_w: co0 = (1, -2), co1 = (10, 0)
  const Tensor x = tensor({1, 1, 2, 2}, {0.1, 10}, {12, 7, 10, 20});
  LayerQuant q = lq("c", {0.2, 50});
  q.w_zp = 100;
  q.weights = {101, 98, 110, 100};
  q.multiplier = {kOne / 2, 3 * kOne / 4};
  // p0: co0 2 + 6 = 8 -> 4 -> 54; co1 20 -> 15 -> 65. p1: co0 -20 -> -10 -> 40; co1 0 -> 50.
  const Tensor y = evaluate_layer(net, 0, q, {x});
  EXPECT_EQ(y.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.quant, (Quant{0.2, 50}));
  EXPECT_EQ(y.data, (Bytes{54, 65, 40, 50}));
}

TEST(NetConv, PaddingReadsAsTheZeroPoint) {
  const auto net = net_of("  - {name: c, op: conv, h: 2, w: 2, c: 1, k: 1, r: 3, pad: 1}\n");
  // a - zp_a = [[1, 2], [3, 4]] with zp_a = 200: padding read as 0 would add -200 * w.
  const Tensor x = tensor({1, 2, 2, 1}, {1.0, 200}, {201, 202, 203, 204});
  LayerQuant q = lq("c", {1.0, 0});
  q.w_zp = 7;
  for (int i = 1; i <= 9; ++i) q.weights.push_back(static_cast<std::uint8_t>(7 + i));  // k=1..9
  q.multiplier = {kOne};
  // (0,0): 1*5 + 2*6 + 3*8 + 4*9 = 77; (0,1): 1*4 + 2*5 + 3*7 + 4*8 = 67;
  // (1,0): 1*2 + 2*3 + 3*5 + 4*6 = 47; (1,1): 1*1 + 2*2 + 3*4 + 4*5 = 37
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{77, 67, 47, 37}));
}

TEST(NetConv, StrideAndDilationPerAxis) {
  const auto net = net_of(
      "  - {name: c, op: conv, h: 1, w: 5, c: 1, k: 1, r: 1, s: 2, stride_w: 2, dil_w: 2}\n");
  // wo = (5 - 2 - 1) / 2 + 1 = 2; x=0 reads w 0 and 2, x=1 reads w 2 and 4; kernel (1, 10)
  const Tensor x = tensor({1, 1, 5, 1}, {1.0, 0}, {1, 2, 3, 4, 5});
  LayerQuant q = lq("c", {1.0, 0});
  q.weights = {1, 10};
  q.multiplier = {kOne};
  const Tensor y = evaluate_layer(net, 0, q, {x});
  EXPECT_EQ(y.shape, (Shape{1, 1, 2, 1}));
  EXPECT_EQ(y.data, (Bytes{1 + 30, 3 + 50}));
}

TEST(NetConv, GroupsReadOnlyTheirChannels) {
  const auto net = net_of("  - {name: g, op: conv, h: 1, c: 4, k: 2, r: 1, groups: 2}\n");
  // a - zp = (1, 2, 3, 4); co0 (group 0, channels 0-1) weights (1, 1): 3;
  // co1 (group 1, channels 2-3) weights (1, -1): 3 - 4 = -1
  const Tensor x = tensor({1, 1, 1, 4}, {1.0, 0}, {1, 2, 3, 4});
  LayerQuant q = lq("g", {1.0, 10});
  q.w_zp = 1;
  q.weights = {2, 2, 2, 0};
  q.multiplier = {kOne, kOne};
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{13, 9}));
}

TEST(NetConv, SumsWrapAt32Bits) {
  // 33041 products of 255 * 255: 2,148,491,025 wraps to -2,146,476,271.
  const auto net = net_of("  - {name: c, op: conv, h: 1, c: 33041, k: 2, r: 1}\n");
  const Tensor x = tensor({1, 1, 1, 33041}, {1.0, 0}, Bytes(33041, 255));
  LayerQuant q = lq("c", {1.0, 0});
  q.weights = Bytes(2 * 33041, 255);
  q.multiplier = {kOne, -kOne};
  // multiplier 1: the wrapped sum is negative -> 0; multiplier -1: positive -> 255
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{0, 255}));
}

TEST(NetGemm, FcByHandWithPerChannelMultipliers) {
  const auto net = net_of("  - {name: f, op: fc, gk: 3, gn: 2}\n");
  // a - zp = (1, 2, 3); B - zp = [[1, 0], [0, 1], [1, -1]]: (4, -1); x (1, 2) -> (4, -2)
  const Tensor x = tensor({1, 1, 1, 3}, {1.0, 5}, {6, 7, 8});
  LayerQuant q = lq("f", {1.0, 100});
  q.w_zp = 3;
  q.weights = {4, 3, 3, 4, 4, 2};
  q.multiplier = {kOne, 2 * kOne};
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{104, 98}));
}

TEST(NetGemm, MatmulOfActivationsTransposedPerHead) {
  // k = n = 2 and A is not a softmax: B is read transposed (Q K^T), 2 heads of 2 columns.
  const auto net = net_of(
      "  - {name: a, op: identity, h: 2, c: 4}\n"
      "  - {name: s, op: matmul, gm: 2, gk: 2, gn: 2, count: 2, weights_are_activations: true,"
      " inputs: [a, a]}\n");
  // a - zp: row0 (1, 2, 3, 0), row1 (0, 1, -1, 2). head 0: [[1,2],[0,1]] -> S0 = [[5,2],[2,1]];
  // head 1: [[3,0],[-1,2]] -> S1 = [[9,-3],[-3,5]]; O[r][i*2+j].
  const Tensor x = tensor({1, 2, 1, 4}, {1.0, 100}, {101, 102, 103, 100, 100, 101, 99, 102});
  LayerQuant q = lq("s", {1.0, 50});
  q.multiplier = {kOne, kOne, kOne, kOne};
  const Tensor y = evaluate_layer(net, 1, q, {x, x});
  EXPECT_EQ(y.shape, (Shape{1, 2, 1, 4}));
  EXPECT_EQ(y.data, (Bytes{55, 52, 59, 47, 52, 51, 47, 55}));
}

TEST(NetGemm, MatmulOfActivationsAsStored) {
  // B [k = 2][n = 4] as stored; A = its transpose [4][2]: O = B^T B (the Gram matrix).
  const auto net = net_of(
      "  - {name: b, op: identity, h: 2, c: 4}\n"
      "  - {name: a, op: transpose, inputs: [b]}\n"
      "  - {name: g, op: matmul, gm: 4, gk: 2, gn: 4, weights_are_activations: true,"
      " inputs: [a, b]}\n");
  const Tensor b = tensor({1, 2, 1, 4}, {1.0, 100}, {101, 102, 103, 100, 100, 101, 99, 102});
  const Tensor a = evaluate_layer(net, 1, lq("a", b.quant), {b});
  EXPECT_EQ(a.shape, (Shape{1, 4, 1, 2}));
  EXPECT_EQ(a.data, (Bytes{101, 100, 102, 101, 103, 99, 100, 102}));
  LayerQuant q = lq("g", {1.0, 10});
  q.multiplier.assign(4, kOne);
  // columns of b - zp: (1,0), (2,1), (3,-1), (0,2); O[r][j] = col_r . col_j
  EXPECT_EQ(evaluate_layer(net, 2, q, {a, b}).data,
            (Bytes{11, 12, 13, 10, 12, 15, 15, 12, 13, 15, 20, 8, 10, 12, 8, 14}));
}

// ---------------------------------------------------------------------------------------------
// Ops without MACs

TEST(NetOps, AddRescalesEachInputAndRoundsOnce) {
  const auto net = net_of(
      "  - {name: a, op: identity}\n  - {name: b, op: identity}\n"
      "  - {name: s, op: add, inputs: [a, b]}\n");
  const Tensor a = tensor({1, 1, 1, 5}, {0.5, 10}, {14, 10, 9, 0, 255});
  const Tensor b = tensor({1, 1, 1, 5}, {0.25, 20}, {26, 18, 20, 0, 255});
  LayerQuant q = lq("s", {1.0, 5});
  q.multiplier = {kOne / 2, kOne / 4};  // 0.5 / 1, 0.25 / 1
  // 0.5*4 + 0.25*6 = 3.5 -> 4 -> 9; 0 + 0.25*-2 = -0.5 -> 0 -> 5; -0.5 + 0 -> 0 -> 5;
  // -5 - 5 = -10 -> -5 -> 0; 122.5 + 58.75 = 181.25 -> 181 -> 186
  EXPECT_EQ(evaluate_layer(net, 2, q, {a, b}).data, (Bytes{9, 5, 5, 0, 186}));
  EXPECT_NE(error_of([&] {
              evaluate_layer(net, 2, lq("s", {1.0, 5}), {a, b});
            }).find("layer 's' (add): quantization: multiplier has 0 entries, the layer needs 2"),
            std::string::npos);
}

TEST(NetOps, MulBroadcastsTheGateOverPixels) {
  const auto net = net_of(
      "  - {name: x, op: identity}\n  - {name: g, op: identity}\n"
      "  - {name: m, op: mul, inputs: [x, g]}\n");
  // x - zp (h, c) = [[2, -4], [6, 1]]; gate (4, 12); 0.5 * 0.25 / 1 = 0.125
  const Tensor x = tensor({1, 2, 1, 2}, {0.5, 10}, {12, 6, 16, 11});
  const Tensor g = tensor({1, 1, 1, 2}, {0.25, 0}, {4, 12});
  LayerQuant q = lq("m", {1.0, 3});
  q.multiplier = {kOne / 8};
  // 8 -> 1 -> 4; -48 -> -6 -> 0 (saturates); 24 -> 3 -> 6; 12 -> 1.5 -> 2 -> 5
  EXPECT_EQ(evaluate_layer(net, 2, q, {x, g}).data, (Bytes{4, 0, 6, 5}));
}

TEST(NetOps, ConcatRequantizesToTheOutputScale) {
  const auto net = net_of(
      "  - {name: a, op: identity}\n  - {name: b, op: identity}\n"
      "  - {name: c, op: concat, inputs: [a, b]}\n");
  const Tensor a = tensor({1, 1, 2, 2}, {0.5, 10}, {12, 0, 255, 10});
  const Tensor b = tensor({1, 1, 2, 1}, {1.0, 0}, {3, 200});
  LayerQuant q = lq("c", {0.5, 10});
  q.multiplier = {kOne, 2 * kOne};  // a: same quantization (an exact copy); b: 1.0 / 0.5
  // pixel 0: a (12, 0), b 3 -> 6 + 10 = 16; pixel 1: a (255, 10), b 200 -> 410 -> 255
  const Tensor y = evaluate_layer(net, 2, q, {a, b});
  EXPECT_EQ(y.shape, (Shape{1, 1, 2, 3}));
  EXPECT_EQ(y.data, (Bytes{12, 0, 16, 255, 10, 255}));
}

// 4x4 input v(y, x) = 10 y + x, zero point 250: a padding read as the zero point would win.
Tensor pool_input() {
  Bytes d;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) d.push_back(static_cast<std::uint8_t>(10 * y + x));
  }
  return tensor({1, 4, 4, 1}, {0.1, 250}, d);
}

TEST(NetOps, MaxPoolPaddingNeverWins) {
  // 4 -> 2: stride 2, window 3, padding 1 (docs/network-reference.md)
  const auto net = net_of("  - {name: p, op: maxpool, h: 2, w: 2, c: 1}\n");
  const Tensor x = pool_input();
  // windows rows/cols {0,1} and {1,2,3}: max 11, 13, 31, 33
  EXPECT_EQ(evaluate_layer(net, 0, lq("p", x.quant), {x}).data, (Bytes{11, 13, 31, 33}));
}

TEST(NetOps, AvgPoolRoundsHalvesUpOverTheInBoundsElements) {
  const auto net = net_of("  - {name: p, op: avgpool, h: 2, w: 2, c: 1}\n");
  const Tensor x = pool_input();
  // {0,1,10,11} = 22/4 = 5.5 -> 6; {1,2,3,11,12,13} = 42/6 = 7;
  // {10,11,20,21,30,31} = 123/6 = 20.5 -> 21; 198/9 = 22
  EXPECT_EQ(evaluate_layer(net, 0, lq("p", x.quant), {x}).data, (Bytes{6, 7, 21, 22}));
  // global (no shape stated): 3.5 -> 4, 2.25 -> 2, 2.5 -> 3 over 2, 4, 4 values
  const auto g = net_of("  - {name: p, op: avgpool}\n");
  EXPECT_EQ(evaluate_layer(g, 0, lq("p", {1.0, 0}), {tensor({1, 2, 1, 1}, {1.0, 0}, {3, 4})}).data,
            (Bytes{4}));
  EXPECT_EQ(
      evaluate_layer(g, 0, lq("p", {1.0, 0}), {tensor({1, 2, 2, 1}, {1.0, 0}, {1, 2, 3, 3})}).data,
      (Bytes{2}));
  EXPECT_EQ(
      evaluate_layer(g, 0, lq("p", {1.0, 0}), {tensor({1, 2, 2, 1}, {1.0, 0}, {1, 2, 3, 4})}).data,
      (Bytes{3}));
}

TEST(NetOps, ReluAndRelu6ClampStandalone) {
  const auto net = net_of("  - {name: r, op: relu6}\n");
  const Tensor x = tensor({1, 1, 1, 4}, {0.5, 100}, {90, 100, 105, 130});
  LayerQuant q = lq("r", x.quant);
  q.lo = 100;
  q.hi = 112;  // zp + round(6 / 0.5)
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{100, 100, 105, 112}));
  // the quantization keeps the input's
  const std::string msg = error_of([&] { evaluate_layer(net, 0, lq("r", {0.5, 99}), {x}); });
  EXPECT_NE(msg.find("layer 'r' (relu6): quantization: the output"), std::string::npos) << msg;
}

TEST(NetOps, LookupTableEntries) {
  // sigmoid, in (0.1, zp 128), out (1/256, 0): x = 0 -> 128; x = 1 -> 0.731059 * 256 = 187.15;
  // x = -1 -> 68.85 -> 69
  const Bytes sig = activation_lut("sigmoid", 0.1, 128, 1.0 / 256, 0);
  EXPECT_EQ(sig[128], 128);
  EXPECT_EQ(sig[138], 187);
  EXPECT_EQ(sig[118], 69);
  // hswish, in (0.5, 128), out (0.75, 10): x = -1.5 -> -0.375 / 0.75 = -0.5 -> -1 (away from 0);
  // x = 1.5 -> 1.125 / 0.75 = 1.5 -> 2; x = 63.5 -> 84.67 -> 85 -> 95; x = -64 -> 0 -> 10
  const Bytes hs = activation_lut("hswish", 0.5, 128, 0.75, 10);
  EXPECT_EQ(hs[125], 9);
  EXPECT_EQ(hs[131], 12);
  EXPECT_EQ(hs[255], 95);
  EXPECT_EQ(hs[0], 10);
  // hsigmoid, in (0.5, 128), out (1/64, 0): x = 0 -> 32; x = 3 -> 64; x = -3 -> 0
  const Bytes hsg = activation_lut("hsigmoid", 0.5, 128, 1.0 / 64, 0);
  EXPECT_EQ(hsg[128], 32);
  EXPECT_EQ(hsg[134], 64);
  EXPECT_EQ(hsg[122], 0);
  // gelu, in (0.05, 100), out (0.02, 50): x = 1 -> 0.841345 / 0.02 = 42.07 -> 92;
  // x = -2 -> -0.0455003 / 0.02 = -2.275 -> -2 -> 48
  const Bytes ge = activation_lut("gelu", 0.05, 100, 0.02, 50);
  EXPECT_EQ(ge[120], 92);
  EXPECT_EQ(ge[60], 48);
  // applied as a table lookup
  const auto net = net_of("  - {name: s, op: sigmoid}\n");
  LayerQuant q = lq("s", {1.0 / 256, 0});
  q.lut = sig;
  const Tensor x = tensor({1, 1, 1, 3}, {0.1, 128}, {128, 138, 118});
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{128, 187, 69}));
}

TEST(NetOps, SoftmaxByHand) {
  // s_in = ln 2: e[d] = 2^16 * 2^-d exactly (65536, 32768, 16384, ...)
  const std::vector<std::uint32_t> e = softmax_exp_table(std::log(2.0));
  EXPECT_EQ(e[0], 65536u);
  EXPECT_EQ(e[1], 32768u);
  EXPECT_EQ(e[2], 16384u);
  EXPECT_EQ(e[255], 0u);
  const auto net = net_of("  - {name: s, op: softmax, h: 1, c: 3, count: 3}\n");
  LayerQuant q = lq("s", {1.0 / 256, 0});
  q.exp_table = e;
  // (10, 9, 8): 4/7, 2/7, 1/7 of 256 = 146.29, 73.14, 36.57 -> 146, 73, 37;
  // (7, 7, 7): 85.33 -> 85; (255, 0, 0): 256 saturates at 255, 0, 0
  const Tensor x = tensor({1, 1, 1, 9}, {std::log(2.0), 0}, {10, 9, 8, 7, 7, 7, 255, 0, 0});
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{146, 73, 37, 85, 85, 85, 255, 0, 0}));
}

TEST(NetOps, LayerNormByHand) {
  const auto net = net_of("  - {name: n, op: layernorm, c: 4}\n");
  // x - zp = (0, 0, 0, 4): S = 4, Q = 16, V = 4*16 - 16 = 48, E = 0,
  // D = isqrt(48 * 2^16) = 1773; d = 4x - S = (-4, -4, -4, 12); s_out = 1/32: G = 256*32 = 8192;
  // -4 * 8192 / 1773 = -18.48 -> -18; 12 * 8192 / 1773 = 55.44 -> 55 (real: -0.577, 1.732)
  LayerQuant q = lq("n", {1.0 / 32, 100});
  q.ln_gain = 8192;
  const Tensor x = tensor({1, 1, 1, 4}, {0.1, 50}, {50, 50, 50, 54});
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{82, 82, 82, 155}));
  // all equal and E = 0: the output is the zero point
  const Tensor flat = tensor({1, 1, 1, 4}, {0.1, 50}, {9, 9, 9, 9});
  EXPECT_EQ(evaluate_layer(net, 0, q, {flat}).data, (Bytes{100, 100, 100, 100}));
  // E = 3 * 2^16 moves D to isqrt((48 + 196608) * 2^16) = 113525: 12 * 8192 / 113525 = 0.87 -> 1
  q.ln_eps = 196608;
  EXPECT_EQ(evaluate_layer(net, 0, q, {x}).data, (Bytes{100, 100, 100, 101}));
}

TEST(NetOps, DataMovement) {
  const auto net = net_of(
      "  - {name: t, op: transpose}\n  - {name: f, op: flatten}\n"
      "  - {name: r, op: reshape, h: 3, c: 2}\n  - {name: b, op: batchnorm}\n");
  const Tensor x = tensor({1, 2, 1, 3}, {0.5, 1}, {1, 2, 3, 4, 5, 6});
  const Tensor t = evaluate_layer(net, 0, lq("t", x.quant), {x});
  EXPECT_EQ(t.shape, (Shape{1, 3, 1, 2}));
  EXPECT_EQ(t.data, (Bytes{1, 4, 2, 5, 3, 6}));
  const Tensor f = evaluate_layer(net, 1, lq("f", x.quant), {t});
  EXPECT_EQ(f.shape, (Shape{1, 1, 1, 6}));
  EXPECT_EQ(f.data, t.data);
  const Tensor r = evaluate_layer(net, 2, lq("r", x.quant), {f});
  EXPECT_EQ(r.shape, (Shape{1, 3, 1, 2}));
  EXPECT_EQ(evaluate_layer(net, 3, lq("b", x.quant), {r}).data, t.data);
}

}  // namespace
}  // namespace feather::net
