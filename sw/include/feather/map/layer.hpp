// The one layer type of the project: a convolution (any stride, padding, dilation, groups incl.
// depthwise, batch), a GEMM (fully connected, or a matmul of two activations), or an op without
// MACs kept for the network graph (add, pool, ...). Network files (workload.hpp), the named
// layers (`feather run --preset`, sw/layers/presets.yaml), the command line, the mapper, the
// comparison with fixed-dataflow designs and the tests all describe a layer with it; the
// mapper lowers it to GEMMs (`as_gemm`), compile.hpp gives it operands and compiles it.
//
// Naming: `c` and `co` are a convolution's input and output channels; `m`, `k` and `n` are
// always the GEMM's rows, reduction depth and columns (O[m][n] = A[m][k] * B[k][n]), for a GEMM
// layer as for a convolution lowered by im2col (m = batch*ho*wo, k = r*s*c/groups,
// n = co/groups). The file format's keys (docs/workloads.md) map onto these fields.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/top/reference.hpp"

namespace feather::map {

// Every rejected layer or description: the message names the file, the line (1-based) and the
// field, e.g. "resnet50.yaml:14: layer 'l1.0.conv2': field 'k': must be a positive integer,
// got -3" (a layer built in code has no file and line).
class WorkloadError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// kOther: add/pool/mul/concat/activations/norms: no MACs, kept for the graph.
enum class OpKind { kConv, kGemm, kOther };

// The ops of each kind (the names `op:` accepts), for messages and tools.
const std::vector<std::string>& known_ops(OpKind kind);
const char* to_string(OpKind kind);

// A layer lowered to GEMMs: `groups` independent O_g = A_g (m x k) * B_g (k x n), writing the
// columns g*n .. g*n+n-1 of one output O[m][groups*n]. This is what the mapper searches over.
struct GemmShape {
  std::string name;  // the layer's, for messages
  std::uint64_t groups = 1, m = 1, k = 1, n = 1;
  bool per_tensor_quant = false;  // one scale and zero point for every output channel
  // A convolution the layer compiler can also run directly (batch 1, the same stride, padding
  // and dilation on both axes; top/compiler.hpp): its window. The mapper then weighs direct
  // convolution against im2col.
  std::optional<top::ConvWindow> conv;
  // The layer's own MACs when this shape computes more products than it has (channel blocks:
  // the block-diagonal weights' zeros); 0: groups * m * k * n.
  std::uint64_t useful_macs = 0;
  std::uint64_t macs() const { return useful_macs ? useful_macs : groups * m * k * n; }
  std::string to_string() const;  // e.g. "2 x 196x576x32 (per-tensor quant)"
};

struct Layer {
  std::string name;
  OpKind kind = OpKind::kConv;
  std::string op = "conv";  // as written: "conv", "dwconv", "fc", "gemm", "matmul", "add", ...
  std::string notes;        // free text (e.g. where a named layer comes from)
  // conv: batch x NHWC input h x w x c, co output channels, kernel r x s (r along h). For
  // kOther layers batch, h, w, c (optional) describe the output tensor.
  int batch = 1, h = 1, w = 1, c = 1, co = 1, r = 1, s = 1;
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
  // gemm / fc / matmul: O[m][n] = A[m][k] * B[k][n]
  int m = 1, k = 1, n = 1;
  bool weights_are_activations = false;  // matmul of two activations (attention QK^T, PV)
  // One requantization scale and zero point for every output channel (lets the mapper use the
  // IO-S dataflow); always so for a matmul of two activations.
  bool per_tensor_quant = false;
  int count = 1;  // identical instances (e.g. 12 heads)
  // Producer layer names; empty = the previous layer (or the network input for the first).
  std::vector<std::string> inputs;
  std::string file;  // where it was defined (for messages)
  int line = 0;

  // A batch-1 convolution with a square kernel and the same stride, padding and dilation on
  // both axes (op "conv", or "dwconv" when groups = c = co), and a GEMM (op "gemm"). Not
  // validated: call validate().
  static Layer conv(std::string name, int h, int w, int c, int co, int kernel, int stride = 1,
                    int pad = 0, int dilation = 1, int groups = 1);
  static Layer gemm(std::string name, int m, int k, int n);

  // Conv output size (exact for any field values: 64-bit arithmetic, 0 if the stride is not
  // positive); h and w for gemm and kOther layers.
  int ho() const;
  int wo() const;

  // The layer as GEMMs: M = batch*ho*wo, K = r*s*c/groups, N = co/groups per group for a conv;
  // groups = 1, (m, k, n) for a GEMM; all 0 for kOther. per_tensor_quant: the layer's (or
  // `per_tensor`), always for a matmul of two activations.
  GemmShape as_gemm(bool per_tensor = false) const;
  std::uint64_t macs() const;        // one instance: groups*m*k*n; 0 for kOther
  std::uint64_t total_macs() const;  // macs() * count
  // e.g. "conv 56x56x64 -> 64 k3x3 s1 p1", "dwconv 112x112x16 -> 16 k3x3 s2 p1 g16",
  // "gemm 128x768x768", "matmul 128x64x128 act x12", "add 56x56x256".
  std::string shape_string() const;

  // The rules of docs/workloads.md that a layer must satisfy on its own (positive sizes that fit
  // int, groups divide c and co, output size >= 1, no overflow of batch*ho*wo, r*s*c or the
  // MACs, op consistent with kind). Throws WorkloadError naming file:line, the layer and the
  // field (as the file format names it).
  void validate() const;
};

}  // namespace feather::map
