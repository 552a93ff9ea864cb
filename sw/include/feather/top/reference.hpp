// The plain reference for the math a layer computes: GEMM and conv2d on uint8 operands with
// zero points, int32 (wrapping) accumulation and per-output-channel requantization. No
// buffers, no layouts, no hardware: loops written from the definitions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace feather::top {

// Per-output-channel requantization parameters (scale has 24 fractional bits), the output
// clamp [lo, hi] of the whole tensor (a folded ReLU / ReLU6; [0, 255] = plain saturation) and
// an optional activation table applied after it (a folded hard-swish, sigmoid, GELU, ...).
struct Quant {
  std::vector<std::int32_t> scale;  // [n]
  std::vector<std::uint8_t> ozp;    // [n]
  std::uint8_t lo = 0, hi = 255;
  std::vector<std::uint8_t> lut;  // empty, or 256 entries: out = lut[clamped byte]
};

struct GemmLayer {
  int m = 1, k = 1, n = 1;
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::uint8_t> a;  // [m][k] row-major
  std::vector<std::uint8_t> b;  // [k][n] row-major
  Quant quant;
  // Throws std::invalid_argument naming the bad size.
  void validate() const;
};

// The sliding window of a convolution over one image (batch 1, the same stride, padding and
// dilation on both axes): what direct convolution walks (top/compiler.hpp).
struct ConvWindow {
  int h = 1, w = 1, r = 1, s = 1, stride = 1, pad = 0, dilation = 1;
  int ho() const { return (h + 2 * pad - dilation * (r - 1) - 1) / stride + 1; }
  int wo() const { return (w + 2 * pad - dilation * (s - 1) - 1) / stride + 1; }
  int taps() const { return r * s; }
  // The input rows [first, second) that output rows [oy0, oy0 + rows) read, clipped to the
  // image (empty when they read only padding).
  std::pair<int, int> input_rows(int oy0, int rows) const {
    const int lo = oy0 * stride - pad, hi = (oy0 + rows - 1) * stride - pad + dilation * (r - 1);
    return {lo < 0 ? 0 : lo, hi + 1 > h ? h : hi + 1};
  }
  bool operator==(const ConvWindow&) const = default;
};

// NHWC input, weights [co][r][s][ci/groups], output NHWC (batch 1).
struct ConvLayer {
  int h = 1, w = 1, c = 1;   // input
  int co = 1, r = 1, s = 1;  // output channels, kernel
  int stride = 1, pad = 0, dilation = 1, groups = 1;
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::uint8_t> input;   // [h][w][c]
  std::vector<std::uint8_t> weight;  // [co][r][s][c/groups]
  Quant quant;
  int ho() const;
  int wo() const;
  ConvWindow window() const { return {h, w, r, s, stride, pad, dilation}; }
  void validate() const;  // throws std::invalid_argument naming the bad field
  std::uint64_t macs() const;
};

// int32 results (wrapping), [m][n].
std::vector<std::int32_t> gemm_acc(const GemmLayer& g);
// uint8 results after requantization, [m][n].
std::vector<std::uint8_t> gemm_ref(const GemmLayer& g);
// int32 results [ho][wo][co]; padding reads zp_a.
std::vector<std::int32_t> conv_acc(const ConvLayer& c);
std::vector<std::uint8_t> conv_ref(const ConvLayer& c);

// im2col lowering of one group g of a conv: A [ho*wo][r*s*cg] (padding = zp_a), B
// [r*s*cg][cog], with k ordered (r, s, ci) and n = output channel within the group.
GemmLayer conv_group_as_gemm(const ConvLayer& c, int g);

}  // namespace feather::top
