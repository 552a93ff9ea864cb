// The layer type (feather/map/layer.hpp): sizes, the GEMM lowering, the shape string. The rules
// a layer must satisfy are in workload_rules.cpp, shared with the file readers, which know each
// field's line.
#include "feather/map/layer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "workload_internal.hpp"

namespace feather::map {

using namespace workload_detail;

Layer Layer::conv(std::string name, int h, int w, int c, int co, int kernel, int stride, int pad,
                  int dilation, int groups) {
  Layer l;
  l.name = std::move(name);
  l.kind = OpKind::kConv;
  l.op = groups > 1 && groups == c && co == c ? "dwconv" : "conv";
  l.h = h;
  l.w = w;
  l.c = c;
  l.co = co;
  l.r = l.s = kernel;
  l.stride_h = l.stride_w = stride;
  l.pad_h = l.pad_w = pad;
  l.dil_h = l.dil_w = dilation;
  l.groups = groups;
  return l;
}

Layer Layer::gemm(std::string name, int m, int k, int n) {
  Layer l;
  l.name = std::move(name);
  l.kind = OpKind::kGemm;
  l.op = "gemm";
  l.m = m;
  l.k = k;
  l.n = n;
  return l;
}

int Layer::ho() const {
  if (kind != OpKind::kConv) return h;
  return static_cast<int>(std::min(out_extent(h, pad_h, dil_h, r, stride_h), kIntMax));
}

int Layer::wo() const {
  if (kind != OpKind::kConv) return w;
  return static_cast<int>(std::min(out_extent(w, pad_w, dil_w, s, stride_w), kIntMax));
}

GemmShape Layer::as_gemm(bool per_tensor) const {
  // Exact for a valid layer; wrapping (never undefined) for a malformed one.
  GemmShape g;
  g.name = name;
  g.per_tensor_quant = per_tensor || per_tensor_quant || weights_are_activations;
  g.groups = g.m = g.k = g.n = 0;
  switch (kind) {
    case OpKind::kConv:
      g.groups = u64(groups);
      if (g.groups == 0) break;
      g.m = u64(batch) * u64(ho()) * u64(wo());
      g.k = u64(r) * u64(s) * (u64(c) / g.groups);
      g.n = u64(co) / g.groups;
      if (batch == 1 && stride_h == stride_w && pad_h == pad_w && dil_h == dil_w && h > 0 &&
          w > 0 && r > 0 && s > 0 && stride_h > 0 && pad_h >= 0 && dil_h > 0 && ho() > 0 &&
          wo() > 0) {
        g.conv = top::ConvWindow{h, w, r, s, stride_h, pad_h, dil_h};
      }
      break;
    case OpKind::kGemm:
      g.groups = 1;
      g.m = u64(m);
      g.k = u64(k);
      g.n = u64(n);
      break;
    case OpKind::kOther:
      break;
  }
  return g;
}

std::uint64_t Layer::macs() const { return as_gemm().macs(); }

std::uint64_t Layer::total_macs() const { return macs() * u64(count); }

std::string Layer::shape_string() const {
  std::string out = op;
  auto pair = [](int a, int b) {
    return a == b ? fmt::format("{}", a) : fmt::format("{}x{}", a, b);
  };
  switch (kind) {
    case OpKind::kConv:
      out += batch == 1 ? " " : fmt::format(" n{} ", batch);
      out += fmt::format("{}x{}x{} -> {} k{}x{} s{} p{}", h, w, c, co, r, s,
                         pair(stride_h, stride_w), pair(pad_h, pad_w));
      if (dil_h != 1 || dil_w != 1) out += fmt::format(" d{}", pair(dil_h, dil_w));
      if (groups != 1) out += fmt::format(" g{}", groups);
      break;
    case OpKind::kGemm:
      out += fmt::format(" {}x{}x{}", m, k, n);
      if (weights_are_activations) out += " act";
      break;
    case OpKind::kOther:
      if (batch != 1 || h != 1 || w != 1 || c != 1) {
        out += batch == 1 ? " " : fmt::format(" n{} ", batch);
        out += fmt::format("{}x{}x{}", h, w, c);
      }
      break;
  }
  if (count != 1) out += fmt::format(" x{}", count);
  return out;
}

void Layer::validate() const {
  // A layer from a file names its fields as the file does; one built in code by its members.
  check_layer(*this, [this](const char* canonical) {
    if (!file.empty()) return FieldAt{canonical, line};
    const std::string_view f = canonical;
    const char* member = f == "n"    ? "batch"
                         : f == "k"  ? "co"
                         : f == "gm" ? "m"
                         : f == "gk" ? "k"
                         : f == "gn" ? "n"
                                     : canonical;
    return FieldAt{member, line};
  });
}

std::string GemmShape::to_string() const {
  return fmt::format("{}{}x{}x{}{}", groups > 1 ? fmt::format("{} x ", groups) : "", m, k, n,
                     per_tensor_quant ? " (per-tensor quant)" : "");
}

const std::vector<std::string>& known_ops(OpKind kind) {
  static const std::vector<std::string> conv = {"conv", "dwconv"};
  static const std::vector<std::string> gemm = {"fc", "gemm", "matmul"};
  static const std::vector<std::string> other = {
      "add",       "mul",       "concat",   "maxpool", "avgpool",   "relu",
      "relu6",     "hswish",    "hsigmoid", "sigmoid", "gelu",      "softmax",
      "layernorm", "batchnorm", "flatten",  "reshape", "transpose", "identity"};
  switch (kind) {
    case OpKind::kConv:
      return conv;
    case OpKind::kGemm:
      return gemm;
    case OpKind::kOther:
      break;
  }
  return other;
}

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::kConv:
      return "conv";
    case OpKind::kGemm:
      return "gemm";
    case OpKind::kOther:
      break;
  }
  return "other";
}

}  // namespace feather::map
