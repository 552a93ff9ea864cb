// What the ONNX importer's files share (not a public header: it names protobuf types).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "feather/onnx/import.hpp"

namespace feather::onnx_import::detail {

// A TensorProto's elements (`path` names it in messages).
Tensor tensor_of(const onnx::TensorProto& t, const std::string& path);

// The model in `path`; std::invalid_argument naming it when it cannot be read or parsed.
onnx::ModelProto read_model(const std::string& path);
// load_onnx on a model already read: shape-infers `model` in place (so its initializers and
// inferred shapes serve the caller too) and imports it.
OnnxNetwork import(onnx::ModelProto& model, const std::string& path, const OnnxOptions& opt);

}  // namespace feather::onnx_import::detail
