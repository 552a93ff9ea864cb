// What the ONNX importer's files share (not a public header: it names protobuf types).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "feather/onnx/import.hpp"

namespace feather::onnx_import::detail {

// A TensorProto's elements (`path` names it in messages).
Tensor tensor_of(const onnx::TensorProto& t, const std::string& path);

}  // namespace feather::onnx_import::detail
