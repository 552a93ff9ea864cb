#include "layer_options.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

namespace feather::cli {

sim::LayerSpec LayerArgs::resolved() const {
  return preset.empty() ? spec : sim::layer_preset(preset);
}

bool LayerArgs::given(const CLI::App* cmd) const {
  return !preset.empty() || cmd->count("--layer") > 0;
}

void add_layer_options(CLI::App* cmd, LayerArgs& a, bool stimuli) {
  sim::LayerSpec& s = a.spec;
  cmd->add_option(
      "--preset", a.preset,
      stimuli ? "a named layer (see --list-presets)" : "a named layer (see run --list-presets)");
  if (stimuli) {
    cmd->add_flag_callback(
        "--list-presets",
        [] {
          for (const auto& n : sim::layer_presets())
            fmt::print("{}: {}\n", n, sim::layer_preset(n).name);
          std::exit(0);
        },
        "list the named layers and exit");
    cmd->add_option("--layer", s.kind,
                    "conv or gemm (when no --preset), layouts (a directed coverage program) or "
                    "random-stream (directed error programs and random instruction streams)");
    cmd->add_option(
        "--streams", s.streams,
        "random-stream: random instruction streams after the directed ones (default 100)");
  } else {
    cmd->add_option("--layer", s.kind, "conv or gemm");
  }
  cmd->add_option("--h", s.h, "conv: input height");
  cmd->add_option("--w", s.w, "conv: input width");
  cmd->add_option("--c", s.c, "conv: input channels");
  cmd->add_option("--co", s.co, "conv: output channels");
  cmd->add_option("--kernel", s.r, "conv: kernel size (square)");
  cmd->add_option("--stride", s.stride, "conv: stride");
  cmd->add_option("--pad", s.pad, "conv: padding");
  cmd->add_option("--dilation", s.dilation, "conv: dilation");
  cmd->add_option("--groups", s.groups, "conv: groups (= c for depthwise)");
  cmd->add_option("--m", s.m, "gemm: M");
  cmd->add_option("--k", s.k, "gemm: K");
  cmd->add_option("--n", s.n, "gemm: N");
}

sim::LayerSpec spec_of(const map::Layer& l) {
  sim::LayerSpec s;
  s.name = l.name + " (" + l.shape_string() + ")";
  if (l.kind == map::OpKind::kConv) {
    if (l.r != l.s || l.stride_h != l.stride_w || l.pad_h != l.pad_w || l.dil_h != l.dil_w ||
        l.n != 1) {
      throw std::invalid_argument(fmt::format(
          "layer '{}' ({}): feather run takes batch-1 convolutions with square kernel, stride, "
          "padding and dilation",
          l.name, l.shape_string()));
    }
    s.kind = "conv";
    s.h = l.h;
    s.w = l.w;
    s.c = l.c;
    s.co = l.k;
    s.r = l.r;
    s.stride = l.stride_h;
    s.pad = l.pad_h;
    s.dilation = l.dil_h;
    s.groups = l.groups;
  } else if (l.kind == map::OpKind::kGemm) {
    s.kind = "gemm";
    s.m = l.gm;
    s.k = l.gk;
    s.n = l.gn;
    s.per_tensor = l.weights_are_activations;
  } else {
    throw std::invalid_argument(
        fmt::format("layer '{}' ({}) has no MACs: nothing to run", l.name, l.shape_string()));
  }
  return s;
}

}  // namespace feather::cli
