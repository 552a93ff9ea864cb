// ONNX models in (docs/workloads.md, "ONNX"): a model's graph, with shapes inferred by Debian's
// ONNX library, becomes a map::Network the mapper, `feather compare` and whole-network runs take
// like a network file. Convolutions (Conv, ConvInteger, QLinearConv) and matrix products (Gemm,
// MatMul, MatMulInteger, QLinearMatMul) become layers with MACs; the operations between them
// (Add, pooling, activations, normalizations, reshapes) layers without MACs; nodes that only
// compute constants (Shape, Constant, ...) are folded away. Any other operator is an error
// naming it, or with OnnxOptions::keep_unsupported a zero-cost "identity" layer and a warning.
// A separate library (feather_onnx): the rest of the project does not link protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feather/map/compile.hpp"
#include "feather/map/workload.hpp"
#include "feather/net/reference.hpp"

namespace feather::onnx_import {

struct OnnxOptions {
  bool keep_unsupported = false;  // unsupported operators: zero-cost layers + a warning
};

struct OnnxNetwork {
  map::Network net;
  std::vector<std::string> warnings;  // e.g. a symbolic batch dimension taken as 1
  // The model's integer weights, by layer, in the layer's order (conv [co][r][s][c/groups],
  // GEMM [k][n]) and bytes (int8 + 128, with the zero point): those of ConvInteger,
  // MatMulInteger, QLinearConv and QLinearMatMul, and of Conv / Gemm / MatMul whose weights are a
  // DequantizeLinear of an integer initializer (QDQ models). A whole-network run uses them
  // (net::random_quantization's `given`); float weights, computed weights and per-channel zero
  // points that differ get seeded weights (the last with a warning).
  net::WeightMap weights;
};

// Reads, checks and shape-infers the model; std::invalid_argument naming the file and the node
// for anything that cannot become a network (unreadable file, unknown operator, a shape the
// inference leaves unknown, asymmetric padding, a grouped conv whose channels do not divide).
OnnxNetwork load_onnx(const std::string& path, const OnnxOptions& opt = {});

// map::find_network, and an .onnx path through load_onnx (its warnings appended to `warnings`
// and its weights stored in `weights` when given; `weights` is cleared for other sources): the
// one place that tells an ONNX model from the other network sources.
map::Network find_network(const std::string& name_or_path, const OnnxOptions& opt = {},
                          std::vector<std::string>* warnings = nullptr,
                          net::WeightMap* weights = nullptr);

// A tensor of an ONNX file (an initializer, or a TensorProto .pb of the ONNX node tests):
// integer elements (uint8, int8, int32, int64) in ints, floats in floats, row-major.
struct Tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  std::vector<std::int64_t> ints;
  std::vector<double> floats;
  bool is_float = false;
  bool is_int8 = false;      // int8 elements (moved into bytes by +128 where bytes are needed)
  std::size_t size() const;  // the product of dims (1 for a scalar)
};
// A serialized TensorProto file (test_data_set_*/input_N.pb); std::invalid_argument naming the
// file when it cannot be read or holds an element type other than those above.
Tensor load_tensor(const std::string& path);

// One of ONNX's node tests (a directory with model.onnx and test_data_set_0/) of an integer or
// quantized layer (ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul), as the project's
// layer flow runs it: the layer, its operands in the layer's layouts (NHWC input, weights
// [co][r][s][c/groups]; int8 data shifted by 128 into bytes with their zero points, which
// leaves every difference and so every product unchanged) and the requantization that makes the
// flow's output bytes the node's outputs:
//   ConvInteger, MatMulInteger (int32 outputs): scale 1, zero point 128, so byte = value + 128;
//     outputs outside [-128, 127] cannot be written by a flow that stores bytes: an error;
//   QLinearConv, QLinearMatMul: scale = round(x_scale * w_scale / y_scale * 2^24), y's zero
//     point; ONNX rounds half to even in float, the flow half up in 24-bit fixed point, so a
//     value at a rounding tie may differ by one: the check reports it, nothing is hidden.
struct NodeTest {
  std::string name;  // the directory's name, e.g. test_convinteger_with_padding
  std::string op;    // the ONNX operator
  map::Layer layer;
  std::vector<std::uint8_t> input, weight;  // the layer's operands (see above)
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::int32_t> scale;  // per output channel, 24 fractional bits
  std::vector<std::uint8_t> ozp;
  // ONNX's expected output in the layer's order ([ho*wo][co], [m][n]) and the byte each value
  // is written as (value + offset; offset 128 for int32 and int8 outputs, 0 for uint8).
  std::vector<std::int64_t> expected;
  int offset = 0;
  // The operands and requantization as map::compile_layer takes them.
  map::Operands operands() const;
};
// std::invalid_argument naming the file and the reason for a test that is not one of those
// operators, has batch > 1, per-channel weight zero points, or outputs no byte flow can hold.
NodeTest load_node_test(const std::string& dir);
// "" when the flow's output bytes are the node's expected outputs, else the first `max`
// differences (output index, channel, expected value and byte, got).
std::string node_test_mismatches(const NodeTest& t, const std::vector<std::uint8_t>& bytes,
                                 int max = 8);

}  // namespace feather::onnx_import
