// The layer options of `feather run` and `feather map` (--preset, --layer and the shape),
// declared once here.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "feather/map/layer.hpp"
#include "feather/sim/stimulus.hpp"

namespace feather::cli {

struct LayerArgs {
  std::string preset;
  std::string kind = "conv";  // --layer: conv, gemm (, layouts, random-stream with stimuli)
  // conv (a square kernel, the same stride, padding and dilation on both axes)
  int h = 8, w = 8, c = 16, co = 16, kernel = 3, stride = 1, pad = 1, dilation = 1, groups = 1;
  int m = 16, k = 64, n = 16;  // gemm
  bool per_tensor = false;     // one requantization scale and zero point for the layer
  int streams = 100;           // random-stream

  // What was given: the preset, else the shape options (a map::Layer named after the shape,
  // validated: throws map::WorkloadError naming the field), or a stimulus program.
  sim::Stimulus resolved() const;
  // The layer given (resolved() when it is a layer); throws CLI::ValidationError for a stimulus.
  map::Layer layer() const;
  // Whether a layer was given at all (--preset or --layer).
  bool given(const CLI::App* cmd) const;
  // Throws CLI::ValidationError naming the first layer option given that does not apply: a
  // gemm option for a conv and the reverse, --streams outside random-stream, any shape option
  // with --preset, and with `network` (a whole network's layers have their own shapes) any
  // layer option at all. Nothing given is ever silently ignored.
  void check_applicable(const CLI::App* cmd, bool network) const;
};

// Adds --preset, --layer, --per-tensor and the conv/gemm shape options. With `stimuli`
// (`feather run`), --layer also takes the directed and random stimuli (layouts, random-stream),
// and --streams and --list-presets are added.
void add_layer_options(CLI::App* cmd, LayerArgs& a, bool stimuli);

}  // namespace feather::cli
