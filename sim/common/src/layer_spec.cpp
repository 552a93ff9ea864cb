#include "feather/sim/layer_spec.hpp"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

namespace feather::sim {

namespace {

const std::map<std::string, LayerSpec>& presets() {
  static const std::map<std::string, LayerSpec> p = [] {
    std::map<std::string, LayerSpec> m;
    LayerSpec s;
    // ResNet-50 conv2_x 3x3 (56x56x64 -> 64, stride 1, pad 1), spatially scaled to 28x28.
    s = {};
    s.kind = "conv";
    s.h = 28, s.w = 28, s.c = 64, s.co = 64, s.r = 3, s.stride = 1, s.pad = 1;
    s.name = "resnet50 conv2_x 3x3 64->64 (56x56 scaled to 28x28)";
    m["resnet50-conv3x3"] = s;
    // ResNet-50 conv2_x 1x1 expansion (56x56x64 -> 256), scaled to 14x14.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 64, s.co = 256, s.r = 1, s.stride = 1, s.pad = 0;
    s.name = "resnet50 conv2_x 1x1 64->256 (56x56 scaled to 14x14)";
    m["resnet50-conv1x1"] = s;
    // ResNet-50 conv3_x first 3x3 with stride 2 (56x56x128 -> 128), scaled to 14x14 input.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 128, s.co = 128, s.r = 3, s.stride = 2, s.pad = 1;
    s.name = "resnet50 conv3_x 3x3/2 128->128 (56x56 scaled to 14x14)";
    m["resnet50-conv3x3s2"] = s;
    // MobileNet-V3 depthwise 3x3 (expanded 72 channels at 56x56), scaled to 14x14.
    s = {};
    s.kind = "conv";
    s.h = 14, s.w = 14, s.c = 72, s.co = 72, s.r = 3, s.stride = 1, s.pad = 1, s.groups = 72;
    s.name = "mobilenet-v3 depthwise 3x3 72ch (56x56 scaled to 14x14)";
    m["mobilenet-dw3x3"] = s;
    // BERT-base attention projection: 128 tokens x 768 -> 768, scaled to 64 x 256 -> 256.
    s = {};
    s.kind = "gemm";
    s.m = 64, s.k = 256, s.n = 256;
    s.name = "bert-base QKV projection (128x768x768 scaled to 64x256x256)";
    m["bert-gemm"] = s;
    return m;
  }();
  return p;
}

}  // namespace

std::vector<std::string> layer_presets() {
  std::vector<std::string> names;
  for (const auto& [k, v] : presets()) names.push_back(k);
  return names;
}

LayerSpec layer_preset(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    std::string have;
    for (const auto& n : layer_presets()) have += " " + n;
    throw std::invalid_argument(fmt::format("unknown layer preset '{}'; presets:{}", name, have));
  }
  return it->second;
}

}  // namespace feather::sim
