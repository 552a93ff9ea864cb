// The layer options of `feather run` and `feather map` (--preset, --layer and the shape), declared
// once here, and a network layer as a runnable layer.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "feather/map/workload.hpp"
#include "feather/sim/layer_spec.hpp"

namespace feather::cli {

struct LayerArgs {
  sim::LayerSpec spec;
  std::string preset;
  // The layer as given: the preset when there is one, else the shape options.
  sim::LayerSpec resolved() const;
  // Whether a layer was given at all (--preset or --layer).
  bool given(const CLI::App* cmd) const;
};

// Adds --preset, --layer and the conv/gemm shape options. With `stimuli` (`feather run`),
// --layer also takes the directed and random stimuli (layouts, random-stream), and --streams
// and --list-presets are added.
void add_layer_options(CLI::App* cmd, LayerArgs& a, bool stimuli);

// A network layer as a runnable layer (conv with square kernel, stride, padding and dilation,
// or a GEMM); throws std::invalid_argument if it has no such form.
sim::LayerSpec spec_of(const map::Layer& l);

}  // namespace feather::cli
