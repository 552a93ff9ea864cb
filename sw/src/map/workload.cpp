// Layer and network descriptions: the project's own YAML/JSON format and Timeloop problem files
// (docs/workloads.md), the built-in networks embedded at build time (sw/CMakeLists.txt writes
// their texts from sw/networks/*.yaml into a generated source file).
//
// Files: workload.cpp (this: Layer, Network, parse_network and the built-in networks),
// workload_rules.cpp (the messages and the layer rules), workload_yaml.cpp (the checked YAML
// access and the own format), workload_timeloop.cpp (Timeloop problem files);
// workload_internal.hpp holds what they share.
#include "feather/map/workload.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "feather/common/sat.hpp"
#include "workload_internal.hpp"

namespace feather::map {

// The generated file (build tree, builtin_networks.cpp): one entry per sw/networks/*.yaml.
namespace detail {
extern const std::size_t kBuiltinNetworkCount;
extern const char* const kBuiltinNetworkNames[];
extern const char* const kBuiltinNetworkFiles[];
extern const char* const kBuiltinNetworkTexts[];
}  // namespace detail

using namespace workload_detail;

namespace {

Network parse_root(const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) {
    fail(file, line_of(root, 1),
         fmt::format("expected a map with 'layers' (or a Timeloop 'problem'), got {}",
                     root.IsNull() ? std::string("an empty document") : kind_of(root)));
  }
  bool timeloop = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "problem") timeloop = true;
  }
  return timeloop ? parse_timeloop(root, file) : parse_own(root, file);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Layer, Network

int Layer::ho() const {
  if (kind != OpKind::kConv) return h;
  return static_cast<int>(std::min(out_extent(h, pad_h, dil_h, r, stride_h), kIntMax));
}

int Layer::wo() const {
  if (kind != OpKind::kConv) return w;
  return static_cast<int>(std::min(out_extent(w, pad_w, dil_w, s, stride_w), kIntMax));
}

Layer::Gemm Layer::as_gemm() const {
  // Exact for a valid layer; wrapping (never undefined) for a malformed one.
  switch (kind) {
    case OpKind::kConv: {
      const std::uint64_t g = u64(groups);
      if (g == 0) return {0, 0, 0, 0};
      return {g, u64(n) * u64(ho()) * u64(wo()), u64(r) * u64(s) * (u64(c) / g), u64(k) / g};
    }
    case OpKind::kGemm:
      return {1, u64(gm), u64(gk), u64(gn)};
    case OpKind::kOther:
      break;
  }
  return {0, 0, 0, 0};
}

std::uint64_t Layer::macs() const {
  const Gemm g = as_gemm();
  return g.groups * g.m * g.k * g.n;
}

std::uint64_t Layer::total_macs() const { return macs() * u64(count); }

std::string Layer::shape_string() const {
  std::string out = op;
  auto pair = [](int a, int b) {
    return a == b ? fmt::format("{}", a) : fmt::format("{}x{}", a, b);
  };
  switch (kind) {
    case OpKind::kConv:
      out += n == 1 ? " " : fmt::format(" n{} ", n);
      out += fmt::format("{}x{}x{} -> {} k{}x{} s{} p{}", h, w, c, k, r, s,
                         pair(stride_h, stride_w), pair(pad_h, pad_w));
      if (dil_h != 1 || dil_w != 1) out += fmt::format(" d{}", pair(dil_h, dil_w));
      if (groups != 1) out += fmt::format(" g{}", groups);
      break;
    case OpKind::kGemm:
      out += fmt::format(" {}x{}x{}", gm, gk, gn);
      if (weights_are_activations) out += " act";
      break;
    case OpKind::kOther:
      if (n != 1 || h != 1 || w != 1 || c != 1) {
        out += n == 1 ? " " : fmt::format(" n{} ", n);
        out += fmt::format("{}x{}x{}", h, w, c);
      }
      break;
  }
  if (count != 1) out += fmt::format(" x{}", count);
  return out;
}

void Layer::validate() const {
  check_layer(*this, [this](const char* canonical) { return FieldAt{canonical, line}; });
}

std::uint64_t Network::total_macs() const {
  std::uint64_t sum = 0;
  for (const Layer& l : layers) sum += l.total_macs();
  return sum;
}

const Layer* Network::find(const std::string& layer_name) const {
  for (const Layer& l : layers) {
    if (l.name == layer_name) return &l;
  }
  return nullptr;
}

void Network::validate() const {
  NameLines names;
  std::uint64_t sum = 0;
  for (const Layer& l : layers) {
    l.validate();
    for (const std::string& in : l.inputs) {
      if (names.find(in) == names.end()) {
        fail(l.file, l.line,
             fmt::format("{}: field 'inputs': '{}' is not an earlier layer", layer_label(l.name),
                         show(in)));
      }
    }
    if (const auto [it, fresh] = names.emplace(l.name, l.line); !fresh) {
      fail(l.file, l.line,
           fmt::format("{}: field 'name': duplicate layer name (first defined at line {})",
                       layer_label(l.name), it->second));
    }
    if (!add_ok(sum, l.total_macs(), sum)) {
      fail(l.file, l.line,
           fmt::format("{}: field 'count': the network's total MACs overflow 64 bits",
                       layer_label(l.name)));
    }
  }
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

// ---------------------------------------------------------------------------------------------
// Parsing, files, built-in networks

Network parse_network(const std::string& text, const std::string& file) {
  Network net;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      // yaml-cpp's depth guard (nesting beyond its limit) reports "bad file" when reading a
      // string; say what it means.
      fail(file, e.mark.line >= 0 && e.mark.line < kIntMax ? e.mark.line + 1 : 0,
           fmt::format("malformed YAML: {}",
                       e.msg == "bad file" ? std::string("nested too deeply") : e.msg));
    }
    net = parse_root(root, file);
  } catch (const YAML::Exception& e) {
    // A node access the checks above did not foresee: still an error in the file.
    fail(file, e.mark.line >= 0 && e.mark.line < kIntMax ? e.mark.line + 1 : 0,
         fmt::format("unexpected YAML structure: {}", e.msg));
  }
  net.validate();
  return net;
}

Network load_network(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw WorkloadError(fmt::format("{}: cannot read the network file: it is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw WorkloadError(fmt::format("{}: cannot read the network file: {}", path,
                                    std::generic_category().message(err)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw WorkloadError(fmt::format("{}: cannot read the network file: read error", path));
  }
  return parse_network(text.str(), path);
}

std::vector<std::string> builtin_networks() {
  std::vector<std::string> names(detail::kBuiltinNetworkNames,
                                 detail::kBuiltinNetworkNames + detail::kBuiltinNetworkCount);
  std::sort(names.begin(), names.end());
  return names;
}

Network builtin_network(const std::string& name) {
  for (std::size_t i = 0; i < detail::kBuiltinNetworkCount; ++i) {
    if (name == detail::kBuiltinNetworkNames[i]) {
      return parse_network(detail::kBuiltinNetworkTexts[i], detail::kBuiltinNetworkFiles[i]);
    }
  }
  throw WorkloadError(fmt::format("unknown built-in network '{}' (built-in: {})", show(name),
                                  join(builtin_networks())));
}

Network find_network(const std::string& name_or_path) {
  if (name_or_path.find_first_of("/\\.") == std::string::npos) {
    return builtin_network(name_or_path);
  }
  return load_network(name_or_path);
}

}  // namespace feather::map
