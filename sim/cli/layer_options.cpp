#include "layer_options.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"
#include "options.hpp"

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

namespace {

const std::vector<std::string> kConvOptions = {
    "--h", "--w", "--c", "--co", "--kernel", "--stride", "--pad", "--dilation", "--groups"};
const std::vector<std::string> kGemmOptions = {"--m", "--k", "--n"};

// The first of `names` given on the command line, "" if none.
std::string first_given(const CLI::App* cmd, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    const CLI::Option* o = cmd->get_option_no_throw(n);
    if (o && o->count() > 0) return n;
  }
  return {};
}

}  // namespace

void LayerArgs::check_applicable(const CLI::App* cmd, bool network) const {
  std::vector<std::string> all = {"--preset", "--layer", "--streams"};
  all.insert(all.end(), kConvOptions.begin(), kConvOptions.end());
  all.insert(all.end(), kGemmOptions.begin(), kGemmOptions.end());
  if (network) {
    if (const auto name = first_given(cmd, all); !name.empty()) {
      throw CLI::ValidationError(name,
                                 "does not apply with --network: the network's layers have "
                                 "their own shapes (pick one with --layer-name)");
    }
    return;
  }
  if (!preset.empty()) {
    all.erase(all.begin());  // --preset itself
    if (const auto name = first_given(cmd, all); !name.empty()) {
      throw CLI::ValidationError(name, fmt::format("does not apply with --preset: '{}' fixes the "
                                                   "layer (give --layer and its shape instead)",
                                                   preset));
    }
    return;
  }
  std::vector<std::string> foreign = {"--streams"};
  if (kind == "conv") {
    foreign.insert(foreign.end(), kGemmOptions.begin(), kGemmOptions.end());
  } else if (kind == "gemm") {
    foreign.insert(foreign.end(), kConvOptions.begin(), kConvOptions.end());
  } else {
    foreign.insert(foreign.end(), kConvOptions.begin(), kConvOptions.end());
    foreign.insert(foreign.end(), kGemmOptions.begin(), kGemmOptions.end());
    if (kind == "random-stream") foreign.erase(foreign.begin());
  }
  if (const auto name = first_given(cmd, foreign); !name.empty()) {
    throw CLI::ValidationError(name, fmt::format("does not apply to --layer {}", kind));
  }
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
    cmd->add_option("--streams", a.streams,
                    "random-stream: random instruction streams after the directed ones")
        ->check(whole_number(0));
  } else {
    cmd->add_option("--layer", a.kind, "conv or gemm");
  }
  cmd->add_flag("--per-tensor", a.per_tensor,
                "one requantization scale and zero point per layer (lets the mapper use IO-S)");
  cmd->add_option("--h", a.h, "conv: input height")->check(whole_number(1));
  cmd->add_option("--w", a.w, "conv: input width")->check(whole_number(1));
  cmd->add_option("--c", a.c, "conv: input channels")->check(whole_number(1));
  cmd->add_option("--co", a.co, "conv: output channels")->check(whole_number(1));
  cmd->add_option("--kernel", a.kernel, "conv: kernel size (square)")->check(whole_number(1));
  cmd->add_option("--stride", a.stride, "conv: stride")->check(whole_number(1));
  cmd->add_option("--pad", a.pad, "conv: padding")->check(whole_number(0));
  cmd->add_option("--dilation", a.dilation, "conv: dilation")->check(whole_number(1));
  cmd->add_option("--groups", a.groups, "conv: groups (= c for depthwise)")->check(whole_number(1));
  cmd->add_option("--m", a.m, "gemm: M (rows)")->check(whole_number(1));
  cmd->add_option("--k", a.k, "gemm: K (reduction depth)")->check(whole_number(1));
  cmd->add_option("--n", a.n, "gemm: N (columns)")->check(whole_number(1));
}

}  // namespace feather::cli
