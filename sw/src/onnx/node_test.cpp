// ONNX node tests as layers of the project's flow (onnx/import.hpp: load_node_test).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "feather/onnx/import.hpp"
#include "onnx_internal.hpp"

namespace feather::onnx_import {

namespace {

namespace fs = std::filesystem;

// The node's inputs by position: graph inputs from test_data_set_0/input_<k>.pb (k = the
// graph input's place), initializers from the model; an absent optional input is empty.
std::vector<Tensor> node_inputs(const fs::path& dir, const onnx::ModelProto& m) {
  const onnx::GraphProto& g = m.graph();
  std::map<std::string, const onnx::TensorProto*> init;
  for (const auto& t : g.initializer()) init[t.name()] = &t;
  std::map<std::string, int> graph_input;
  int k = 0;
  for (const auto& v : g.input()) {
    if (!init.count(v.name())) graph_input[v.name()] = k++;
  }
  std::vector<Tensor> out;
  for (const std::string& name : g.node(0).input()) {
    if (name.empty()) {
      out.emplace_back();
    } else if (init.count(name)) {
      out.push_back(detail::tensor_of(*init.at(name), (dir / "model.onnx").string()));
    } else {
      out.push_back(load_tensor(
          (dir / "test_data_set_0" / fmt::format("input_{}.pb", graph_input.at(name))).string()));
    }
  }
  return out;
}

}  // namespace

NodeTest load_node_test(const std::string& dir_s) {
  const fs::path dir(dir_s);
  NodeTest t;
  t.name = dir.filename().string();
  onnx::ModelProto m = detail::read_model((dir / "model.onnx").string());
  const OnnxNetwork on = detail::import(m, (dir / "model.onnx").string(), {});
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(fmt::format("{}: {}", dir.string(), why));
  };
  if (m.graph().node_size() != 1 || on.net.layers.size() != 1) {
    throw bad("not a node test (one node)");
  }
  t.op = m.graph().node(0).op_type();
  t.layer = on.net.layers[0];
  const bool conv = t.op == "ConvInteger" || t.op == "QLinearConv";
  const bool quant = t.op == "QLinearConv" || t.op == "QLinearMatMul";
  if (!conv && t.op != "MatMulInteger" && t.op != "QLinearMatMul") {
    throw bad(
        fmt::format("{} is not ConvInteger, MatMulInteger, QLinearConv or QLinearMatMul", t.op));
  }
  if (t.layer.batch != 1 || t.layer.count != 1) throw bad("batch > 1");
  const std::vector<Tensor> in = node_inputs(dir, m);
  const auto at = [&](std::size_t k) -> const Tensor& {
    if (k >= in.size()) throw bad(fmt::format("input {} missing", k));
    return in[k];
  };
  const Tensor& x = at(0);
  const Tensor& w = at(quant ? 3 : 1);
  const Tensor none;
  const Tensor& xzp = quant ? at(2) : (in.size() > 2 ? in[2] : none);
  const Tensor& wzp = quant ? at(5) : (in.size() > 3 ? in[3] : none);
  if (x.is_float || w.is_float) throw bad("float data in an integer operator");
  if (wzp.size() > 1 && !wzp.ints.empty()) throw bad("per-channel weight zero points");
  const int xs = detail::byte_shift(x), ws = detail::byte_shift(w);
  t.zp_a = static_cast<std::uint8_t>((xzp.ints.empty() ? 0 : xzp.ints[0]) + xs);
  t.zp_w = static_cast<std::uint8_t>((wzp.ints.empty() ? 0 : wzp.ints[0]) + ws);
  const std::vector<std::uint8_t> xb = detail::bytes_of(x, xs), wb = detail::bytes_of(w, ws);
  const map::Layer& l = t.layer;
  int channels = l.n;
  if (conv) {  // NCHW -> NHWC, [M][C/g][kH][kW] -> [M][kH][kW][C/g]
    channels = l.co;
    t.input.resize(xb.size());
    for (int c = 0; c < l.c; ++c)
      for (int y = 0; y < l.h; ++y)
        for (int xx = 0; xx < l.w; ++xx)
          t.input[static_cast<std::size_t>((y * l.w + xx) * l.c + c)] =
              xb[static_cast<std::size_t>((c * l.h + y) * l.w + xx)];
    t.weight = detail::conv_weights_to_layer(wb, l.co, l.c / l.groups, l.r, l.s);
  } else {
    t.input = xb;
    t.weight = wb;
  }
  // The expected output, in the layer's order.
  const Tensor y = load_tensor((dir / "test_data_set_0" / "output_0.pb").string());
  if (y.is_float) throw bad("float output");
  std::int32_t scale = 1 << 24;
  std::uint8_t ozp = 128;
  t.offset = 128;
  if (quant) {
    const double s = at(1).floats.at(0) * at(4).floats.at(0) / at(6).floats.at(0);
    const double fixed = std::round(s * 16777216.0);
    if (!(fixed >= 1 && fixed <= 2147483647.0)) {
      throw bad(fmt::format("the output scale {} does not fit 24 fractional bits", s));
    }
    scale = static_cast<std::int32_t>(fixed);
    const Tensor& yzp = at(7);
    t.offset = detail::byte_shift(y);
    if (yzp.ints.empty()) throw bad("no output zero point");
    ozp = static_cast<std::uint8_t>(yzp.ints[0] + t.offset);
  }
  t.scale.assign(static_cast<std::size_t>(channels), scale);
  t.ozp.assign(static_cast<std::size_t>(channels), ozp);
  const std::size_t positions = y.size() / static_cast<std::size_t>(channels);
  t.expected.resize(y.size());
  for (std::size_t p = 0; p < positions; ++p) {
    for (int c = 0; c < channels; ++c) {
      const std::size_t from =
          conv ? static_cast<std::size_t>(c) * positions + p
               : p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c);
      const std::int64_t v = y.ints[from];
      if (v + t.offset < 0 || v + t.offset > 255) {
        throw bad(
            fmt::format("output {} = {} is outside the bytes the layer flow writes "
                        "(int32 outputs beyond 8 bits are not supported)",
                        from, v));
      }
      t.expected[p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = v;
    }
  }
  return t;
}

map::Operands NodeTest::operands() const {
  map::Operands o;
  o.zp_a = zp_a;
  o.zp_w = zp_w;
  o.input = input;
  o.weight = weight;
  o.quant.scale = scale;
  o.quant.ozp = ozp;
  return o;
}

std::string node_test_mismatches(const NodeTest& t, const std::vector<std::uint8_t>& bytes,
                                 int max) {
  if (bytes.size() != t.expected.size()) {
    return fmt::format("{} output bytes, expected {}\n", bytes.size(), t.expected.size());
  }
  const std::size_t channels = static_cast<std::size_t>(t.scale.size());
  std::string out;
  int n = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::int64_t got = std::int64_t{bytes[i]} - t.offset;
    if (got == t.expected[i]) continue;
    if (n++ < max) {
      out += fmt::format("  output {} channel {}: expected {} (byte {}), got {} (byte {})\n",
                         i / channels, i % channels, t.expected[i], t.expected[i] + t.offset, got,
                         bytes[i]);
    }
  }
  if (n > max) out += fmt::format("  ... {} mismatches in all\n", n);
  return out;
}

}  // namespace feather::onnx_import
