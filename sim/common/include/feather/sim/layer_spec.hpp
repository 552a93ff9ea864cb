// A layer to run or map, as the command line gives it (a preset or a conv/GEMM shape), and the
// stimulus programs that are not layers (--layer layouts, random-stream). The named layers
// (presets) are scaled-down layers of the built-in networks.
#pragma once

#include <string>
#include <vector>

namespace feather::sim {

struct LayerSpec {
  // conv | gemm | layouts (a directed program, no layer) | random-stream (directed error
  // programs and random legal/illegal instruction streams: run_random_streams)
  std::string kind = "conv";
  // conv
  int h = 8, w = 8, c = 16, co = 16, r = 3, stride = 1, pad = 1, dilation = 1, groups = 1;
  // gemm
  int m = 16, k = 64, n = 16;
  std::string name;         // e.g. "resnet50.conv2_x.3x3 (56x56 scaled to 28x28)"
  bool per_tensor = false;  // one requantization scale/zero point (lets the mapper use IO-S)
  int streams = 100;        // random-stream: random streams after the directed programs
};

// Named layers: resnet50-conv3x3 (the demo), resnet50-conv1x1, mobilenet-dw3x3, bert-gemm, ...
std::vector<std::string> layer_presets();
// Throws std::invalid_argument listing the presets when the name is unknown.
LayerSpec layer_preset(const std::string& name);

}  // namespace feather::sim
