#include "layer_options.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "feather/map/workload.hpp"

namespace feather::cli {

sim::Stimulus LayerArgs::resolved() const {
  if (preset.empty() && kind == "layouts") return sim::DirectedLayouts{};
  if (preset.empty() && kind == "random-stream") {
    if (streams < 0) {
      throw CLI::ValidationError("--streams", fmt::format("must be >= 0, got {}", streams));
    }
    return sim::RandomStreams{streams};
  }
  map::Layer l;
  if (!preset.empty()) {
    l = map::layer_preset(preset);
  } else if (kind == "conv") {
    l = map::Layer::conv("", h, w, c, co, kernel, stride, pad, dilation, groups);
    l.name = fmt::format("conv{}x{}x{}-{}", h, w, c, co);
  } else if (kind == "gemm") {
    l = map::Layer::gemm(fmt::format("gemm{}x{}x{}", m, k, n), m, k, n);
  } else {
    throw CLI::ValidationError(
        "--layer", fmt::format("unknown layer '{}' (conv, gemm, layouts or random-stream)", kind));
  }
  l.per_tensor_quant = l.per_tensor_quant || per_tensor;
  l.validate();
  return l;
}

map::Layer LayerArgs::layer() const {
  sim::Stimulus s = resolved();
  if (auto* l = std::get_if<map::Layer>(&s)) return *l;
  throw CLI::ValidationError("--layer", fmt::format("'{}' is not a layer here", kind));
}

bool LayerArgs::given(const CLI::App* cmd) const {
  return !preset.empty() || cmd->count("--layer") > 0;
}

void add_layer_options(CLI::App* cmd, LayerArgs& a, bool stimuli) {
  cmd->add_option(
      "--preset", a.preset,
      stimuli ? "a named layer (see --list-presets)" : "a named layer (see run --list-presets)");
  if (stimuli) {
    cmd->add_flag_callback(
        "--list-presets",
        [] {
          for (const auto& n : map::layer_presets()) {
            const map::Layer l = map::layer_preset(n);
            fmt::print("{}: {} ({})\n", n, l.shape_string(), l.notes);
          }
          std::exit(0);
        },
        "list the named layers (sw/layers/presets.yaml) and exit");
    cmd->add_option("--layer", a.kind,
                    "conv or gemm (when no --preset), layouts (a directed coverage program) or "
                    "random-stream (directed error programs and random instruction streams)");
    cmd->add_option(
        "--streams", a.streams,
        "random-stream: random instruction streams after the directed ones (default 100)");
  } else {
    cmd->add_option("--layer", a.kind, "conv or gemm");
  }
  cmd->add_flag("--per-tensor", a.per_tensor,
                "one requantization scale and zero point per layer (lets the mapper use IO-S)");
  cmd->add_option("--h", a.h, "conv: input height");
  cmd->add_option("--w", a.w, "conv: input width");
  cmd->add_option("--c", a.c, "conv: input channels");
  cmd->add_option("--co", a.co, "conv: output channels");
  cmd->add_option("--kernel", a.kernel, "conv: kernel size (square)");
  cmd->add_option("--stride", a.stride, "conv: stride");
  cmd->add_option("--pad", a.pad, "conv: padding");
  cmd->add_option("--dilation", a.dilation, "conv: dilation");
  cmd->add_option("--groups", a.groups, "conv: groups (= c for depthwise)");
  cmd->add_option("--m", a.m, "gemm: M (rows)");
  cmd->add_option("--k", a.k, "gemm: K (reduction depth)");
  cmd->add_option("--n", a.n, "gemm: N (columns)");
}

}  // namespace feather::cli
