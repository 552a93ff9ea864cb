// Layer and network descriptions: the project's own YAML/JSON format and Timeloop problem files
// (docs/workloads.md), the built-in networks embedded at build time (sw/CMakeLists.txt writes
// their texts from sw/networks/*.yaml into a generated source file).
//
// Files: layer.cpp (Layer), workload.cpp (this: Network, parse_network and the built-in networks),
// workload_rules.cpp (the messages and the layer rules), workload_yaml.cpp (the checked YAML
// access and the own format), workload_timeloop.cpp (Timeloop problem files);
// workload_internal.hpp holds what they share.
#include "feather/map/workload.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "feather/common/sat.hpp"
#include "feather/map/random_network.hpp"
#include "workload_internal.hpp"

namespace feather::map {

// The generated files (build tree, sw/embed.cmake): one entry per sw/networks/*.yaml and per
// sw/layers/*.yaml.
namespace detail {
extern const std::size_t kBuiltinNetworkCount;
extern const char* const kBuiltinNetworkNames[];
extern const char* const kBuiltinNetworkFiles[];
extern const char* const kBuiltinNetworkTexts[];
extern const std::size_t kBuiltinLayerSetCount;
extern const char* const kBuiltinLayerSetNames[];
extern const char* const kBuiltinLayerSetFiles[];
extern const char* const kBuiltinLayerSetTexts[];
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
// Network

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
  if (name_or_path.starts_with("random:")) {
    const std::string digits = name_or_path.substr(7);
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
      throw WorkloadError(fmt::format(
          "network '{}': expected random:SEED with SEED an unsigned 64-bit decimal number",
          show(name_or_path)));
    }
    return random_network(seed);
  }
  if (name_or_path.find_first_of("/\\.") == std::string::npos) {
    return builtin_network(name_or_path);
  }
  return load_network(name_or_path);
}

// ---------------------------------------------------------------------------------------------
// Named layers

namespace {

const std::vector<Layer>& presets() {
  static const std::vector<Layer> all = [] {
    std::vector<Layer> v;
    for (std::size_t i = 0; i < detail::kBuiltinLayerSetCount; ++i) {
      const Network n =
          parse_network(detail::kBuiltinLayerSetTexts[i], detail::kBuiltinLayerSetFiles[i]);
      for (Layer l : n.layers) {
        l.inputs.clear();  // independent layers
        v.push_back(std::move(l));
      }
    }
    std::sort(v.begin(), v.end(), [](const Layer& a, const Layer& b) { return a.name < b.name; });
    return v;
  }();
  return all;
}

}  // namespace

std::vector<std::string> layer_presets() {
  std::vector<std::string> names;
  for (const Layer& l : presets()) names.push_back(l.name);
  return names;
}

Layer layer_preset(const std::string& name) {
  for (const Layer& l : presets()) {
    if (l.name == name) return l;
  }
  throw WorkloadError(
      fmt::format("unknown layer preset '{}' (presets: {})", show(name), join(layer_presets())));
}

}  // namespace feather::map
