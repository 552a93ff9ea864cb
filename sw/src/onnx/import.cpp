// ONNX graph -> map::Network (onnx/import.hpp).
#include "feather/onnx/import.hpp"

#include "onnx_internal.hpp"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

namespace feather::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

// Operators between the layers with MACs, as the network format names them.
const std::map<std::string, std::string>& other_ops() {
  static const std::map<std::string, std::string> ops = {
      {"Add", "add"},
      {"Sum", "add"},
      {"Mul", "mul"},
      {"Concat", "concat"},
      {"MaxPool", "maxpool"},
      {"GlobalMaxPool", "maxpool"},
      {"AveragePool", "avgpool"},
      {"GlobalAveragePool", "avgpool"},
      {"Relu", "relu"},
      {"Clip", "relu6"},
      {"HardSwish", "hswish"},
      {"HardSigmoid", "hsigmoid"},
      {"Sigmoid", "sigmoid"},
      {"Gelu", "gelu"},
      {"Erf", "gelu"},
      {"Softmax", "softmax"},
      {"LayerNormalization", "layernorm"},
      {"BatchNormalization", "batchnorm"},
      {"Flatten", "flatten"},
      {"Reshape", "reshape"},
      {"Squeeze", "reshape"},
      {"Unsqueeze", "reshape"},
      {"Transpose", "transpose"},
      {"Identity", "identity"},
      {"Dropout", "identity"},
      {"Cast", "identity"},
      {"QuantizeLinear", "identity"},
      {"DequantizeLinear", "identity"},
  };
  return ops;
}

class Importer {
 public:
  Importer(std::string file, const OnnxOptions& opt) : file_(std::move(file)), opt_(opt) {}

  OnnxNetwork run(onnx::ModelProto& model) {
    try {
      // Inference first: it also gives the graph's outputs the shapes some exporters leave out
      // and the checker requires.
      onnx::shape_inference::InferShapes(model);
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      throw error(fmt::format("{}: invalid ONNX model: {}", file_, e.what()));
    }
    const onnx::GraphProto& g = model.graph();
    for (const auto& t : g.initializer()) {
      init_[t.name()] = &t;
      constant_.insert(t.name());
      shapes_[t.name()] = Dims(t.dims().begin(), t.dims().end());
    }
    for (const onnx::ValueInfoProto& v : g.input()) {
      if (!constant_.count(v.name())) graph_inputs_.insert(v.name());
    }
    for (const auto* list : {&g.input(), &g.value_info(), &g.output()}) {
      for (const onnx::ValueInfoProto& v : *list) read_shape(v);
    }
    OnnxNetwork out;
    out.net.name = g.name().empty() ? std::filesystem::path(file_).stem().string() : g.name();
    out.net.file = file_;
    for (int i = 0; i < g.node_size(); ++i) node(g.node(i), i, out);
    out.warnings.insert(out.warnings.begin(), warnings_.begin(), warnings_.end());
    if (out.net.layers.empty()) throw error(fmt::format("{}: no layer in the graph", file_));
    try {
      out.net.validate();
    } catch (const std::exception& e) {
      throw error(fmt::format("{}: {}", file_, e.what()));
    }
    return out;
  }

 private:
  std::invalid_argument error(const std::string& m) const { return std::invalid_argument(m); }
  std::invalid_argument error(const onnx::NodeProto& n, const std::string& m) const {
    // Nodes need no name in ONNX: then the first output's names it.
    const std::string name = !n.name().empty() ? n.name()
                             : n.output_size() ? n.output(0)
                                               : std::string("?");
    return std::invalid_argument(
        fmt::format("{}: node '{}' ({}): {}", file_, name, n.op_type(), m));
  }

  void read_shape(const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    Dims d;
    for (const auto& dim : v.type().tensor_type().shape().dim()) {
      if (dim.has_dim_value()) {
        d.push_back(dim.dim_value());
      } else {
        symbolic_.insert(v.name());
        d.push_back(1);
        if (warned_.insert(dim.dim_param()).second) {
          warnings_.push_back(fmt::format("{}: dimension '{}' of '{}' is symbolic: taken as 1",
                                          file_, dim.dim_param(), v.name()));
        }
      }
    }
    shapes_[v.name()] = d;
  }

  const Dims& shape(const onnx::NodeProto& n, const std::string& t) const {
    const auto it = shapes_.find(t);
    if (it == shapes_.end()) {
      throw error(n, fmt::format("the shape of '{}' is unknown after shape inference", t));
    }
    return it->second;
  }

  static std::vector<std::int64_t> ints(const onnx::NodeProto& n, const std::string& a,
                                        std::vector<std::int64_t> dflt) {
    for (const auto& at : n.attribute()) {
      if (at.name() == a) return {at.ints().begin(), at.ints().end()};
    }
    return dflt;
  }
  static std::int64_t int_attr(const onnx::NodeProto& n, const std::string& a, std::int64_t d) {
    for (const auto& at : n.attribute()) {
      if (at.name() == a) return at.i();
    }
    return d;
  }
  static std::string str_attr(const onnx::NodeProto& n, const std::string& a) {
    for (const auto& at : n.attribute()) {
      if (at.name() == a) return at.s();
    }
    return "";
  }

  int to_int(const onnx::NodeProto& n, std::int64_t v, const std::string& what) const {
    if (v < 1 || v > std::numeric_limits<int>::max()) {
      throw error(n, fmt::format("{} = {} is out of range", what, v));
    }
    return static_cast<int>(v);
  }

  // The activation inputs of a node (not initializers or folded constants) -> producer layers.
  std::vector<std::string> producers(const onnx::NodeProto& n) const {
    std::vector<std::string> p;
    for (const std::string& in : n.input()) {
      if (in.empty() || constant_.count(in)) continue;
      const auto it = producer_.find(in);
      if (it == producer_.end()) continue;  // a graph input
      for (const std::string& l : it->second) {
        if (std::find(p.begin(), p.end(), l) == p.end()) p.push_back(l);
      }
    }
    return p;
  }

  std::string layer_name(const onnx::NodeProto& n, int index) {
    std::string name = !n.name().empty() ? n.name()
                       : n.output_size() && !n.output(0).empty()
                           ? n.output(0)
                           : fmt::format("{}_{}", n.op_type(), index);
    for (int k = 2; !names_.insert(name).second; ++k) name = fmt::format("{}_{}", name, k);
    return name;
  }

  void conv(const onnx::NodeProto& n, map::Layer& l) {
    const bool q = n.op_type() == "QLinearConv";
    const Dims& x = shape(n, n.input(0));
    const Dims& w = shape(n, n.input(q ? 3 : 1));
    if (x.size() != 4 || w.size() != 4) {
      throw error(n, fmt::format("only 2-D convolutions (4-D tensors) are layers; input has {} "
                                 "dimensions",
                                 x.size()));
    }
    const std::int64_t g = int_attr(n, "group", 1);
    const Dims st = ints(n, "strides", {1, 1}), dil = ints(n, "dilations", {1, 1});
    Dims pads = ints(n, "pads", {0, 0, 0, 0});
    const std::string ap = str_attr(n, "auto_pad");
    l.kind = map::OpKind::kConv;
    l.batch = to_int(n, x[0], "batch");
    l.c = to_int(n, x[1], "input channels");
    l.h = to_int(n, x[2], "input height");
    l.w = to_int(n, x[3], "input width");
    l.co = to_int(n, w[0], "output channels");
    l.r = to_int(n, w[2], "kernel height");
    l.s = to_int(n, w[3], "kernel width");
    l.groups = to_int(n, g, "group");
    if (st.size() != 2 || dil.size() != 2 || pads.size() != 4) {
      throw error(n, "strides, dilations and pads must describe two spatial axes");
    }
    l.stride_h = to_int(n, st[0], "stride");
    l.stride_w = to_int(n, st[1], "stride");
    l.dil_h = to_int(n, dil[0], "dilation");
    l.dil_w = to_int(n, dil[1], "dilation");
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      for (int a = 0; a < 2; ++a) {
        const std::int64_t in = x[2 + a], s = st[a], k = (w[2 + a] - 1) * dil[a] + 1;
        const std::int64_t out = (in + s - 1) / s;
        const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * s + k - in);
        pads[a] = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
        pads[a + 2] = total - pads[a];
      }
    } else if (!ap.empty() && ap != "NOTSET" && ap != "VALID") {
      throw error(n, fmt::format("auto_pad '{}' is not an ONNX value", ap));
    }
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      throw error(n, fmt::format("asymmetric padding (top {}, left {}, bottom {}, right {}) has no "
                                 "layer form (the same padding on both sides of an axis)",
                                 pads[0], pads[1], pads[2], pads[3]));
    }
    l.pad_h = static_cast<int>(pads[0]);
    l.pad_w = static_cast<int>(pads[1]);
    if (w[1] * g != x[1]) {
      throw error(n, fmt::format("weights of {} channels per group do not match {} input "
                                 "channels in {} groups",
                                 w[1], x[1], g));
    }
    l.op = g > 1 && g == x[1] && g == w[0] ? "dwconv" : "conv";
  }

  void matmul(const onnx::NodeProto& n, map::Layer& l) {
    const std::string& op = n.op_type();
    const bool q = op == "QLinearMatMul";
    const std::string& a_name = n.input(0);
    const std::string& b_name = n.input(q ? 3 : 1);
    Dims a = shape(n, a_name), b = shape(n, b_name);
    l.kind = map::OpKind::kGemm;
    if (op == "Gemm") {
      if (a.size() != 2 || b.size() != 2) throw error(n, "Gemm takes 2-D inputs");
      if (int_attr(n, "transA", 0)) std::swap(a[0], a[1]);
      if (int_attr(n, "transB", 0)) std::swap(b[0], b[1]);
    }
    if (a.size() < 2 || b.size() < 2)
      throw error(n, "a matrix product takes inputs of 2 or more dimensions");
    const std::int64_t m = a[a.size() - 2], k = a.back(), n_ = b.back();
    if (b[b.size() - 2] != k) {
      throw error(n, fmt::format("inner dimensions {} and {} differ", k, b[b.size() - 2]));
    }
    std::int64_t batch = 1;
    for (std::size_t i = 0; i + 2 < a.size(); ++i) batch *= a[i];
    const bool weights = constant_.count(b_name) > 0;
    l.k = to_int(n, k, "K");
    l.n = to_int(n, n_, "N");
    if (weights && b.size() == 2) {  // activations x weights: the batch dimensions are rows
      l.op = op == "Gemm" ? "gemm" : "fc";
      l.m = to_int(n, batch * m, "M");
    } else {  // two activations (attention): one product per batch element
      l.op = "matmul";
      l.weights_are_activations = true;
      l.m = to_int(n, m, "M");
      l.count = to_int(n, batch, "batch of products");
    }
  }

  // A layer without MACs: its output tensor (NCHW, or [.., rows, cols]) in the format's fields.
  void other(const onnx::NodeProto& n, map::Layer& l, const std::string& op) {
    l.kind = map::OpKind::kOther;
    l.op = op;
    if (n.output_size() == 0) return;
    const Dims& d = shape(n, n.output(0));
    const auto dim = [&](std::size_t i) { return to_int(n, d[i], "output dimension"); };
    if (d.size() == 4) {
      l.batch = dim(0), l.c = dim(1), l.h = dim(2), l.w = dim(3);
    } else if (d.size() == 3) {
      l.batch = dim(0), l.h = dim(1), l.c = dim(2);
    } else if (d.size() == 2) {
      l.h = dim(0), l.c = dim(1);
    } else if (d.size() == 1) {
      l.c = dim(0);
    }
  }

  void node(const onnx::NodeProto& n, int index, OnnxNetwork& out) {
    const std::string& op = n.op_type();
    const std::vector<std::string> from = producers(n);
    // Shape arithmetic (Shape, Size, and any node whose inputs are all constants): folded away.
    const bool no_activation =
        from.empty() && std::none_of(n.input().begin(), n.input().end(),
                                     [&](const std::string& i) { return is_graph_input(i); });
    if (op == "Shape" || op == "Size" || (no_activation && !is_layer_op(op))) {
      for (const std::string& o : n.output()) constant_.insert(o);
      if (op == "DequantizeLinear" && n.input_size() && n.output_size() && init_.count(n.input(0)))
        dequant_[n.output(0)] = {n.input(0), n.input_size() > 2 ? n.input(2) : ""};
      return;
    }
    map::Layer l;
    l.name = layer_name(n, index);
    l.file = file_;
    l.line = index + 1;
    l.inputs = from;
    if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv") {
      conv(n, l);
    } else if (op == "Gemm" || op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") {
      matmul(n, l);
    } else if (const auto it = other_ops().find(op); it != other_ops().end()) {
      other(n, l, it->second);
    } else if (opt_.keep_unsupported) {
      other(n, l, "identity");
      l.notes = "unsupported ONNX operator " + op + ", kept without cost";
      out.warnings.push_back(
          fmt::format("{}: node '{}': operator {} is not supported: kept as a "
                      "zero-cost layer",
                      file_, l.name, op));
    } else {
      throw error(n, fmt::format("operator {} is not supported (supported: Conv, ConvInteger, "
                                 "QLinearConv, Gemm, MatMul, MatMulInteger, QLinearMatMul and the "
                                 "operators between layers; --onnx-unsupported keep makes it a "
                                 "zero-cost layer)",
                                 op));
    }
    if (l.kind != map::OpKind::kOther && !l.weights_are_activations) weights(n, l, out);
    for (const std::string& o : n.output()) producer_[o] = {l.name};
    out.net.layers.push_back(std::move(l));
  }

  // The layer's integer weights (OnnxNetwork::weights), if the model has them.
  void weights(const onnx::NodeProto& n, const map::Layer& l, OnnxNetwork& out) {
    const std::string& op = n.op_type();
    std::string w_name, zp_name;
    const auto input = [&](int k) { return n.input_size() > k ? n.input(k) : std::string(); };
    if (op == "ConvInteger" || op == "MatMulInteger") {
      w_name = input(1), zp_name = input(3);
    } else if (op == "QLinearConv" || op == "QLinearMatMul") {
      w_name = input(3), zp_name = input(5);
    } else if (const auto dq = dequant_.find(input(1)); dq != dequant_.end()) {
      w_name = dq->second.first, zp_name = dq->second.second;  // QDQ: Conv(x, DQ(w_int, s, zp))
    }
    const auto wi = init_.find(w_name);
    if (wi == init_.end()) return;  // float or computed weights: seeded
    const Tensor w = detail::tensor_of(*wi->second, file_);
    if (w.is_float) return;
    const int shift = detail::byte_shift(w);
    std::int64_t zp = 0;
    if (!zp_name.empty()) {
      const auto zi = init_.find(zp_name);
      if (zi == init_.end()) {
        warnings_.push_back(
            fmt::format("{}: layer '{}': a computed weight zero point: seeded "
                        "weights",
                        file_, l.name));
        return;
      }
      const Tensor z = detail::tensor_of(*zi->second, file_);
      if (z.is_float || z.ints.empty()) throw error(n, "the weight zero point is not an integer");
      if (std::any_of(z.ints.begin(), z.ints.end(),
                      [&](std::int64_t v) { return v != z.ints[0]; })) {
        warnings_.push_back(
            fmt::format("{}: layer '{}': per-channel weight zero points that "
                        "differ (FEATHER has one per layer): seeded weights",
                        file_, l.name));
        return;
      }
      zp = z.ints[0];
    }
    net::GivenWeights g;
    g.zp = static_cast<std::uint8_t>(zp + shift);
    const std::vector<std::uint8_t> b = detail::bytes_of(w, shift);
    if (l.kind == map::OpKind::kConv) {
      g.weights = detail::conv_weights_to_layer(b, l.co, l.c / l.groups, l.r, l.s);
    } else if (op == "Gemm" && int_attr(n, "transB", 0)) {  // [N][K] -> [K][N]
      g.weights.resize(b.size());
      for (std::size_t k = 0; k < static_cast<std::size_t>(l.k); ++k)
        for (std::size_t j = 0; j < static_cast<std::size_t>(l.n); ++j)
          g.weights[k * static_cast<std::size_t>(l.n) + j] =
              b[j * static_cast<std::size_t>(l.k) + k];
    } else {  // [K][N]
      g.weights = b;
    }
    out.weights[l.name] = std::move(g);
  }

  static bool is_layer_op(const std::string& op) {
    return op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || op == "Gemm" ||
           op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul";
  }
  bool is_graph_input(const std::string& t) const { return graph_inputs_.count(t) > 0; }

  std::string file_;
  OnnxOptions opt_;
  std::map<std::string, Dims> shapes_;
  std::set<std::string> constant_, symbolic_, warned_, names_, graph_inputs_;
  std::map<std::string, std::vector<std::string>> producer_;
  std::map<std::string, const onnx::TensorProto*> init_;
  // DequantizeLinear of an initializer: its output -> (the integer initializer, its zero point).
  std::map<std::string, std::pair<std::string, std::string>> dequant_;
  std::vector<std::string> warnings_;
};

}  // namespace

onnx::ModelProto detail::read_model(const std::string& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("cannot open '{}'", path));
  if (!model.ParseFromIstream(&in)) {
    throw std::invalid_argument(
        fmt::format("'{}' is not an ONNX model (protobuf parse failed)", path));
  }
  return model;
}

OnnxNetwork detail::import(onnx::ModelProto& model, const std::string& path,
                           const OnnxOptions& opt) {
  return Importer(path, opt).run(model);
}

OnnxNetwork load_onnx(const std::string& path, const OnnxOptions& opt) {
  onnx::ModelProto model = detail::read_model(path);
  return detail::import(model, path, opt);
}

map::Network find_network(const std::string& name_or_path, const OnnxOptions& opt,
                          std::vector<std::string>* warnings, net::WeightMap* weights) {
  const std::string& s = name_or_path;
  if (weights) weights->clear();
  if (s.size() <= 5 || s.compare(s.size() - 5, 5, ".onnx") != 0) return map::find_network(s);
  OnnxNetwork n = load_onnx(s, opt);
  if (warnings) warnings->insert(warnings->end(), n.warnings.begin(), n.warnings.end());
  if (weights) *weights = std::move(n.weights);
  return std::move(n.net);
}

std::size_t Tensor::size() const {
  return static_cast<std::size_t>(
      std::accumulate(dims.begin(), dims.end(), std::int64_t{1}, std::multiplies<>()));
}

Tensor load_tensor(const std::string& path) {
  onnx::TensorProto t;
  std::ifstream in(path, std::ios::binary);
  if (!in || !t.ParseFromIstream(&in)) {
    throw std::invalid_argument(fmt::format("cannot read the tensor file '{}'", path));
  }
  return detail::tensor_of(t, path);
}

int detail::byte_shift(const Tensor& t) { return t.is_int8 ? 128 : 0; }

std::vector<std::uint8_t> detail::bytes_of(const Tensor& t, int shift) {
  std::vector<std::uint8_t> b;
  b.reserve(t.ints.size());
  for (const std::int64_t v : t.ints) b.push_back(static_cast<std::uint8_t>(v + shift));
  return b;
}

std::vector<std::uint8_t> detail::conv_weights_to_layer(const std::vector<std::uint8_t>& w, int co,
                                                        int cg, int r, int s) {
  std::vector<std::uint8_t> out(w.size());
  const auto at = [](int v) { return static_cast<std::size_t>(v); };
  for (int o = 0; o < co; ++o)
    for (int c = 0; c < cg; ++c)
      for (int y = 0; y < r; ++y)
        for (int x = 0; x < s; ++x)
          out[at(((o * r + y) * s + x) * cg + c)] = w[at(((o * cg + c) * r + y) * s + x)];
  return out;
}

Tensor detail::tensor_of(const onnx::TensorProto& t, const std::string& path) {
  Tensor out;
  out.name = t.name();
  out.dims.assign(t.dims().begin(), t.dims().end());
  const std::size_t count = out.size();
  const std::string& raw = t.raw_data();
  const auto from_raw = [&](std::size_t bytes, auto convert) {
    if (raw.size() != count * bytes) {
      throw std::invalid_argument(
          fmt::format("{}: {} bytes of raw data for {} elements of {} "
                      "bytes",
                      path, raw.size(), count, bytes));
    }
    for (std::size_t i = 0; i < count; ++i) convert(raw.data() + i * bytes);
  };
  switch (t.data_type()) {
    case onnx::TensorProto::UINT8:
      if (!raw.empty()) {
        from_raw(1, [&](const char* p) { out.ints.push_back(static_cast<std::uint8_t>(*p)); });
      } else {
        out.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    case onnx::TensorProto::INT8:
      out.is_int8 = true;
      if (!raw.empty()) {
        from_raw(1, [&](const char* p) { out.ints.push_back(static_cast<std::int8_t>(*p)); });
      } else {
        out.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    case onnx::TensorProto::INT32:
      if (!raw.empty()) {
        from_raw(4, [&](const char* p) {
          std::int32_t v;
          std::memcpy(&v, p, 4);
          out.ints.push_back(v);
        });
      } else {
        out.ints.assign(t.int32_data().begin(), t.int32_data().end());
      }
      break;
    case onnx::TensorProto::INT64:
      if (!raw.empty()) {
        from_raw(8, [&](const char* p) {
          std::int64_t v;
          std::memcpy(&v, p, 8);
          out.ints.push_back(v);
        });
      } else {
        out.ints.assign(t.int64_data().begin(), t.int64_data().end());
      }
      break;
    case onnx::TensorProto::FLOAT:
      out.is_float = true;
      if (!raw.empty()) {
        from_raw(4, [&](const char* p) {
          float v;
          std::memcpy(&v, p, 4);
          out.floats.push_back(v);
        });
      } else {
        out.floats.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    default:
      throw std::invalid_argument(
          fmt::format("{}: element type {} is not one of uint8, int8, int32, int64, float", path,
                      t.data_type()));
  }
  if ((out.is_float ? out.floats.size() : out.ints.size()) != count) {
    throw std::invalid_argument(fmt::format("{}: {} elements for the dimensions' {}", path,
                                            out.is_float ? out.floats.size() : out.ints.size(),
                                            count));
  }
  return out;
}

}  // namespace feather::onnx_import
