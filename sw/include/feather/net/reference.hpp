// The whole-network int8 reference: every layer of a map::Network (conv, dwconv, grouped conv,
// fc, gemm, matmul and every op of map::known_ops(OpKind::kOther)) evaluated bit-exactly with
// integer arithmetic, from a quantization drawn from a seed. A later on-chip run of the network
// is checked against it layer by layer (Results::at(name)). The semantics of every op, its
// rounding and where it lives on FEATHER: docs/network-reference.md.
//
// This component shares no code with the RTL path: it reads only the network description
// (map/layer.hpp, map/workload.hpp) and writes the arithmetic itself (net/arith.hpp).
//
//   map::Network net = map::builtin_network("resnet50");
//   net::Quantization q = net::random_quantization(net, seed);
//   net::Tensor x = net::random_input(net, q, seed);
//   net::Results r = net::evaluate(net, q, x);
//   const net::Tensor& y = r.at("layer1.0.add");
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"
#include "feather/net/arith.hpp"

namespace feather::net {

// A tensor's shape: NHWC (batch, height, width, channels). A GEMM operand or result [rows][cols]
// is n = 1, h = rows, w = 1, c = cols (BERT: tokens x features).
struct Shape {
  int n = 1, h = 1, w = 1, c = 1;
  std::size_t size() const;
  std::string to_string() const;  // "1x56x56x64"
  bool operator==(const Shape&) const = default;
};

// A tensor's quantization: real = scale * (q - zp), q an unsigned byte.
struct Quant {
  double scale = 1.0;
  std::uint8_t zp = 0;
  bool operator==(const Quant&) const = default;
};

// An int8 activation tensor stored as bytes, NHWC order (c fastest).
struct Tensor {
  Shape shape;
  Quant quant;
  std::vector<std::uint8_t> data;
  std::uint8_t at(int n, int h, int w, int c) const;
};

// The parameters of one layer (which fields an op uses: docs/network-reference.md). The real
// scales are what the generator chose; evaluation reads only the integer fields and the
// output zero point.
struct LayerQuant {
  std::string name;  // the layer's (checked by evaluate)
  Quant out;         // the output tensor's quantization
  // conv / dwconv / fc / gemm with weights: conv [co][r][s][c/groups]; GEMM [count][k][n].
  std::vector<std::uint8_t> weights;
  std::uint8_t w_zp = 0;
  std::vector<double> w_scale;  // per output channel (all equal when per-tensor)
  // Q24 multipliers: conv / GEMM / matmul one per output channel (scale[n] of the hardware:
  // round(s_in * s_w[n] / s_out * 2^24)); add and concat one per input
  // (round(s_i / s_out * 2^24)); mul one (round(s_a * s_b / s_out * 2^24)).
  std::vector<std::int32_t> multiplier;
  // Output clamp: conv / GEMM (a folded ReLU / ReLU6), relu and relu6.
  std::uint8_t lo = 0, hi = 255;
  std::vector<std::uint8_t> lut;         // hswish, hsigmoid, sigmoid, gelu: 256 entries
  std::vector<std::uint32_t> exp_table;  // softmax: 256 entries (softmax_exp_table)
  std::int64_t ln_eps = 0;               // layernorm: E = round(eps * N^2 / s_in^2)
  std::int64_t ln_gain = 0;              // layernorm: G = round(2^8 / s_out)
};

struct Quantization {
  std::uint64_t seed = 0;
  Quant input;                                           // the network input's
  std::vector<LayerQuant> layers;                        // one per layer, in the network's order
  const LayerQuant& at(const std::string& layer) const;  // NetError if absent
  LayerQuant& at(const std::string& layer);
};

// Every layer's output, in the network's order.
struct Results {
  std::vector<std::string> names;
  std::vector<Tensor> tensors;
  const Tensor& at(const std::string& layer) const;  // NetError if absent
  const Tensor& output() const;                      // the last layer's
};

// The network input's shape: that of the first layer's input (a conv: n x h x w x c; a GEMM:
// its A, 1 x m x 1 x count*k; a shape-preserving op (relu, layernorm, ...): the shape the layer
// states). NetError naming the layer if it cannot be derived.
Shape input_shape(const map::Network& net);
// Every layer's output shape, checking every producer -> consumer edge; NetError naming the
// first layer whose inputs do not fit it (or that cannot be evaluated).
std::vector<Shape> output_shapes(const map::Network& net);

// The producer a relu / relu6 layer is folded into (its requantization clamp), or -1: the
// layer's only input is a conv / GEMM layer that no other layer reads.
int folded_into(const map::Network& net, std::size_t layer);

// A conv / GEMM layer's weights given rather than drawn (an ONNX model's integer weights): the
// bytes in LayerQuant::weights' order and their zero point (int8 data moved into bytes by +128,
// with its zero point, which leaves every difference w - zp unchanged).
struct GivenWeights {
  std::vector<std::uint8_t> weights;
  std::uint8_t zp = 0;
};
using WeightMap = std::map<std::string, GivenWeights>;  // by layer name

// Random quantization for `net`, deterministic for `seed` (docs/network-reference.md): weights
// and weight zero points, per-channel (or per-tensor) weight scales, every tensor's scale and
// zero point calibrated on random_input(net, q, seed) so that no layer's output is degenerate,
// and the integer parameters derived from them. A layer named in `given` takes its weights and
// weight zero point from there (the scales are calibrated on them as on drawn ones). NetError
// naming the layer if a multiplier does not fit int32, a layer cannot be evaluated, or given
// weights name no conv / GEMM layer with weights or have the wrong size.
Quantization random_quantization(const map::Network& net, std::uint64_t seed,
                                 const WeightMap& given = {});

// Uniform random bytes of input_shape(net), quantized as q.input.
Tensor random_input(const map::Network& net, const Quantization& q, std::uint64_t seed);

// Evaluates every layer. NetError naming the layer for an input of the wrong shape, parameters
// that do not fit the layer (sizes of weights, multipliers, tables), or a layer it cannot
// evaluate.
Results evaluate(const map::Network& net, const Quantization& q, const Tensor& input);

// One layer from given input tensors (its producers' outputs, in the order of its `inputs`, or
// the one tensor it reads when `inputs` is empty), e.g. to check an on-chip layer from the
// tensors the chip read, or an op on hand-made tensors. NetError as evaluate.
Tensor evaluate_layer(const map::Network& net, std::size_t layer, const LayerQuant& q,
                      const std::vector<Tensor>& inputs);

// The network scaled down for tests: the input's height and width divided by `spatial` and its
// channels by `channels` (rounding up), every later size propagated through the graph (a
// convolution's or GEMM's output channels divided by `channels`, rounding up; kernels, strides,
// padding, pooling windows and counts kept). shrink(net, 1, 1) describes the same shapes.
// NetError if a layer no longer fits (e.g. count no longer divides a GEMM's depth).
map::Network shrink(const map::Network& net, int spatial, int channels);

}  // namespace feather::net
