// What the ONNX importer's files share (not a public header: it names protobuf types).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "feather/onnx/import.hpp"

namespace feather::onnx_import::detail {

// A TensorProto's elements (`path` names it in messages).
Tensor tensor_of(const onnx::TensorProto& t, const std::string& path);

// +128 for int8 tensors (by the element type), 0 otherwise: what moves the data and its zero
// point into bytes with every difference, so every product, unchanged.
int byte_shift(const Tensor& t);
// The tensor's integers plus `shift`, as bytes.
std::vector<std::uint8_t> bytes_of(const Tensor& t, int shift);
// Conv weights from ONNX's [co][c/groups][r][s] to the layer's [co][r][s][c/groups].
std::vector<std::uint8_t> conv_weights_to_layer(const std::vector<std::uint8_t>& w, int co, int cg,
                                                int r, int s);

// The model in `path`; std::invalid_argument naming it when it cannot be read or parsed.
onnx::ModelProto read_model(const std::string& path);
// load_onnx on a model already read: shape-infers `model` in place (so its initializers and
// inferred shapes serve the caller too) and imports it.
OnnxNetwork import(onnx::ModelProto& model, const std::string& path, const OnnxOptions& opt);

}  // namespace feather::onnx_import::detail
