// `feather run --network NAME` without --layer-name: the whole network on the verilated top,
// every layer checked against the network reference, a table printed as it runs
// (docs/user-guide.md, "Whole networks").
#include "network_run_cmd.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "feather/net/reference.hpp"
#include "feather/sim/network_run.hpp"
#include "options.hpp"
#include "progress_bar.hpp"

namespace feather::cli {

namespace {

std::string kb(std::uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / 1e3);
}

// Bytes in MB, or kB below a megabyte.
std::string mb(std::uint64_t bytes) {
  const auto b = static_cast<double>(bytes);
  return bytes >= 1000000 ? fmt::format("{:.2f} MB", b / 1e6) : fmt::format("{:.1f} kB", b / 1e3);
}

double pct(std::uint64_t a, std::uint64_t b) {
  return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

}  // namespace

int run_whole_network(const NetworkRunArgs& a) {
  net::WeightMap weights;
  map::Network net = resolve_network(a.network, a.onnx_unsupported, &weights);
  std::string scaled;
  if (!a.shrink.empty()) {
    int sp = 0, ch = 0;
    char extra = 0;
    if (std::sscanf(a.shrink.c_str(), "%d,%d%c", &sp, &ch, &extra) != 2 || sp < 1 || ch < 1) {
      throw CLI::ValidationError(
          "--shrink",
          "expected SPATIAL,CHANNELS (positive divisors) such as 4,8, got '" + a.shrink + "'");
    }
    net = net::shrink(net, sp, ch);
    scaled = fmt::format(" (scaled down: spatial / {}, channels / {})", sp, ch);
    if (!weights.empty() && ch > 1) {
      fmt::print(stderr,
                 "feather: warning: --shrink {}: the model's weights no longer fit the scaled "
                 "layers: seeded weights instead\n",
                 a.shrink);
      weights.clear();
    }
  }
  if (!a.opt.until.empty() && !net.find(a.opt.until)) {
    throw CLI::ValidationError(
        "--until", fmt::format("network '{}' has no layer named '{}'", net.name, a.opt.until));
  }
  const auto [ah, aw] = parse_array(a.array);
  fmt::print("network : {}{}, {} layers, {} MACs\n", net.name, scaled, net.layers.size(),
             net.total_macs());
  fmt::print("array   : {}x{} FEATHER (seed {}; memory latency {}, back-pressure {:.2f})\n", ah, aw,
             a.seed, a.opt.run.latency, a.opt.run.backpressure);
  std::size_t weighted = 0;
  for (const map::Layer& l : net.layers) weighted += l.kind != map::OpKind::kOther;
  if (!weights.empty()) {
    fmt::print(
        "weights : the model's integer weights for {} of {} conv / GEMM layers, seeded "
        "for the rest; activation scales calibrated on the seeded input\n",
        weights.size(), weighted);
  }
  fmt::print(
      "flow    : {}; ops without MACs on the host; every layer checked against the "
      "network reference\n\n",
      a.opt.hand_off == sim::HandOff::kOff
          ? std::string("layer by layer through off-chip memory (--hand-off off)")
          : fmt::format("a layer's output stays on chip when the next layer alone reads it "
                        "(chip> reads it, >chip leaves it; --hand-off {}), else through off-chip "
                        "memory",
                        sim::to_string(a.opt.hand_off)));
  fmt::print("{:>4} {:<24} {:<16} {:>12} {:>11} {:>11} {:>6} {:>10} {:>9} {:>9} {:>6}\n", "#",
             "layer", "home", "MACs", "RTL cycles", "model", "util%", "weights kB", "acts kB",
             "host kB", "sim s");
  std::fflush(stdout);
  ProgressBar bar;
  sim::NetworkRunOptions opt = a.opt;
  opt.weights = std::move(weights);
  opt.on_layer = [&](const sim::NetworkLayerReport& l, const sim::NetworkReport& r) {
    bar.clear();
    const auto& b = l.bytes;
    const bool rtl = l.home == sim::Home::kRtl;
    fmt::print("{:>4} {:<24} {:<16} {:>12} {:>11} {:>11} {:>6} {:>10} {:>9} {:>9} {:>6}{}\n",
               l.index, l.name.size() > 24 ? l.name.substr(0, 23) + "~" : l.name,
               fmt::format("{}{}{}{}", l.input_on_chip ? "chip>" : "", sim::to_string(l.home),
                           l.output_on_chip ? ">chip" : "",
                           l.instances > 1 ? fmt::format(" x{}", l.instances) : ""),
               rtl ? fmt::format("{}", l.macs) : "-", rtl ? fmt::format("{}", l.cycles) : "-",
               rtl ? fmt::format("{}{}", l.model_exact ? "" : "~", l.model_cycles) : "-",
               rtl ? fmt::format("{:.1f}", 100.0 * l.utilization) : "-", kb(b.weights),
               kb(b.input + b.output + b.spills), kb(b.host),
               rtl ? fmt::format("{:.1f}", l.sim_seconds) : "-", l.ok ? "" : "  MISMATCH");
    if (!l.ok) fmt::print("{}", l.mismatch);
    std::fflush(stdout);
    const std::size_t total =
        a.opt.until.empty() ? r.network_layers : static_cast<std::size_t>(l.index + 1);
    bar.update("layers", static_cast<std::size_t>(l.index) + 1, total, l.name);
  };
  const sim::NetworkReport r = sim::run_network(net, ah, aw, a.seed, opt);
  bar.clear();
  const auto& b = r.bytes;
  std::uint64_t rtl_layers = 0, host_layers = 0, kept = 0;
  double sim_s = 0;
  for (const auto& l : r.layers) {
    rtl_layers += l.home == sim::Home::kRtl;
    host_layers += l.home == sim::Home::kHost;
    kept += l.output_on_chip;
    sim_s += l.sim_seconds;
  }
  fmt::print(
      "\nlayers  : {} of {} run: {} on the RTL, {} on the host, {} folded into their "
      "producer's requantization (clamp or activation table)\n",
      r.layers.size(), r.network_layers, rtl_layers, host_layers,
      r.layers.size() - rtl_layers - host_layers);
  fmt::print("hand-off: {} layer outputs stayed on chip for the next layer\n", kept);
  fmt::print(
      "MACs    : {}\ncycles  : {} RTL, {} model ({:+.2f}%{})\n", r.macs, r.cycles, r.model_cycles,
      r.cycles ? 100.0 * (static_cast<double>(r.model_cycles) - static_cast<double>(r.cycles)) /
                     static_cast<double>(r.cycles)
               : 0.0,
      r.model_exact ? ""
                    : fmt::format("; an estimate (~): back-pressure {} modelled as a memory of "
                                  "{:.2f} words per cycle on average",
                                  a.opt.run.backpressure, 1.0 - a.opt.run.backpressure));
  fmt::print("PE util : {:.1f}% (MACs / ({}*{}*RTL cycles), the host's time not counted)\n",
             100.0 * r.utilization, ah, aw);
  fmt::print(
      "off-chip: {} in all: weights and tables {}, network input {}, network output {}, "
      "spills {} ({:.1f}%), host ops {}\n",
      mb(b.total()), mb(b.weights), mb(b.input), mb(b.output), mb(b.spills),
      pct(b.spills, b.total()), mb(b.host));
  fmt::print("          lower bound (weights + input + output once) {}: {:.2f}x of it\n",
             mb(r.lower_bound_bytes),
             r.lower_bound_bytes
                 ? static_cast<double>(b.total()) / static_cast<double>(r.lower_bound_bytes)
                 : 0.0);
  fmt::print("time    : {:.1f} s in all: reference {:.1f} s, RTL simulation {:.1f} s\n",
             r.total_seconds, r.reference_seconds, sim_s);
  if (!r.ok) {
    fmt::print("NETWORK RUN FAILED at layer '{}'\n",
               r.layers.empty() ? std::string("?") : r.layers.back().name);
    return 1;
  }
  fmt::print("output  : every layer bit-exact against the network reference\nNETWORK RUN PASSED\n");
  return 0;
}

}  // namespace feather::cli
