// Workloads: the layers and networks the mapper maps onto FEATHER, read from description files
// (the project's own YAML/JSON format, or a Timeloop problem file) or taken from the built-in
// networks (ResNet-50, MobileNet-V3-Large, BERT-base; sw/networks/*.yaml, embedded in the
// library at build time). The format, its defaults and the Timeloop mapping: docs/workloads.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feather/map/layer.hpp"

namespace feather::map {

struct Network {
  std::string name, file;
  std::vector<Layer> layers;
  std::uint64_t total_macs() const;
  const Layer* find(const std::string& name) const;  // nullptr if absent
  // Every layer validates, names are unique and non-empty, every `inputs` entry names an
  // earlier layer, the total MACs fit 64 bits. Throws WorkloadError.
  void validate() const;
};

// Own format (YAML; JSON is accepted too since yaml-cpp reads JSON) or a Timeloop problem file
// (detected by a top-level `problem:` key). `file` is only used in messages (and, for a
// Timeloop file, its stem names the layer and the network).
Network parse_network(const std::string& text, const std::string& file);
Network load_network(const std::string& path);  // reads the file; error if unreadable
std::vector<std::string> builtin_networks();    // {"bert_base", "mobilenet_v3_large", "resnet50"}
Network builtin_network(const std::string& name);  // unknown name -> WorkloadError listing them
// A network given as a builtin name, `random:SEED` (map::random_network with its default
// options) or a path (a name without '/' and without a '.' is a builtin).
Network find_network(const std::string& name_or_path);

// The named layers (sw/layers/*.yaml, built in): scaled-down layers of the built-in networks,
// e.g. resnet50-conv3x3 (the demo), resnet50-conv1x1, mobilenet-dw3x3, bert-gemm. Each has
// `notes` saying where it comes from.
std::vector<std::string> layer_presets();  // sorted
// Unknown name -> WorkloadError listing the presets.
Layer layer_preset(const std::string& name);

}  // namespace feather::map
