// Internal to the whole-network reference (sw/src/net/*.cpp; not a public header): the plan of
// one layer (what it reads, how, and its output shape: shapes.cpp) and the kernels that compute
// it (ops.cpp), shared by evaluate (evaluate.cpp) and the quantization generator (quantize.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"

namespace feather::net::detail {

// "file:line: layer 'name' (op)" (no file and line for a layer built in code).
std::string label(const map::Layer& l);
[[noreturn]] void fail(const map::Layer& l, const std::string& what);

enum class Kind {
  kConv,       // conv, dwconv (weights)
  kGemm,       // fc, gemm, matmul with weights
  kMatmul,     // matmul of two activations
  kAdd,        // add (two or more inputs)
  kMul,        // mul (second input broadcast over h, w)
  kConcat,     // concat along channels
  kMaxPool,    // maxpool
  kAvgPool,    // avgpool
  kClamp,      // relu, relu6
  kLut,        // hswish, hsigmoid, sigmoid, gelu
  kSoftmax,    // softmax
  kLayerNorm,  // layernorm
  kCopy,       // flatten, reshape, identity, batchnorm (the data unchanged)
  kTranspose,  // transpose
};

// How one layer is evaluated, from the layer and its producers' shapes.
struct Plan {
  Kind kind = Kind::kCopy;
  std::vector<int> inputs;  // producer layer indices; -1 is the network input
  std::vector<Shape> in;    // their shapes
  Shape out;
  int channels = 0;  // conv / GEMM / matmul: output channels (one multiplier each)
  // conv (batch, h, w, c, co, kernel, stride, padding, dilation from the layer)
  int groups = 1;
  // GEMM: per instance A [m][k] (columns i*k.. of the A tensor [m][count*k]) times B [k][n]
  int m = 1, k = 1, n = 1, count = 1;
  bool b_transposed = false;  // matmul: B read from a [n][count*k] tensor (as K in Q K^T)
  // pools: window, stride and padding per axis
  int kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  // softmax / layernorm: the length of the runs of channels they normalise
  int segment = 1;
  std::size_t weights = 0;  // conv / GEMM: the number of weight bytes
};

// The producers of layer i (indices, -1 = network input).
std::vector<int> producers(const map::Network& net, std::size_t i);
// The plan of layer i given every earlier layer's output shape (and the network input's).
Plan plan_layer(const map::Network& net, std::size_t i, const std::vector<Shape>& shapes,
                const Shape& input);
// Does the layer state its output shape (n, h, w, c not all 1)?
bool declares_shape(const map::Layer& l);

// ---------------------------------------------------------------------------------------------
// Kernels (ops.cpp). `ins` are the producers' tensors in plan order.

// The 32-bit wrapped accumulators of a conv / GEMM / matmul, NHWC / [m][count*n] order.
std::vector<std::int32_t> accumulate(const map::Layer& l, const Plan& p, const LayerQuant& q,
                                     const std::vector<const Tensor*>& ins);
// Requantizes accumulators whose channel is the index modulo p.channels.
Tensor requantize(const Plan& p, const LayerQuant& q, const std::vector<std::int32_t>& acc);
// Any layer: checks q against the plan (NetError naming the layer) and computes the output.
Tensor run_layer(const map::Layer& l, const Plan& p, const LayerQuant& q,
                 const std::vector<const Tensor*>& ins);

// The element of `t` that a broadcast input of a mul reads for output element `i` of shape
// `out` (same shape: i; a gate of n x c values: its (batch, channel)).
std::size_t mul_gate_index(const Shape& out, const Shape& gate, std::size_t i);

}  // namespace feather::net::detail
