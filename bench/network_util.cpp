// Whole networks on the verilated FEATHER top: PE utilization over every layer run on the RTL and
// off-chip traffic beside its lower bound, for each hand-off mode, as a markdown table for
// docs/performance.md (`make network-tables`). Every layer is checked bit-exact against the
// whole-network reference (sim::run_network); a mismatch makes the benchmark fail.
//   feather_network_bench [--array 16x16] [--network NAME ...] [--hand-off off|auto|always ...]
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"
#include "feather/sim/network_run.hpp"
#include "stamp.hpp"

namespace {

// The published model's utilization (docs/performance.md cites it) and the project's target
// (shared/reference/performance-targets.md).
struct Goal {
  const char* network;
  const char* paper;
  const char* target;
};
constexpr Goal kGoals[] = {{"resnet50", "100 %", ">= 95 %"},
                           {"mobilenet_v3_large", "98 %", ">= 85 %"},
                           {"bert_base", "-", ">= 95 %"}};

std::string mb(std::uint64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace feather;
  int ah = 16, aw = 16;
  std::vector<std::string> networks, modes;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--array" && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%dx%d", &ah, &aw) != 2) {
        fmt::print(stderr, "feather_network_bench: --array expects AHxAW, e.g. 16x16\n");
        return 2;
      }
    } else if (a == "--network" && i + 1 < argc) {
      networks.emplace_back(argv[++i]);
    } else if (a == "--hand-off" && i + 1 < argc) {
      modes.emplace_back(argv[++i]);
    } else {
      fmt::print(stderr,
                 "usage: feather_network_bench [--array AHxAW] [--network NAME ...] "
                 "[--hand-off off|auto|always ...]\n");
      return 2;
    }
  }
  if (networks.empty()) networks = {"resnet50", "mobilenet_v3_large", "bert_base"};
  if (modes.empty()) modes = {"off", "auto", "always"};
  fmt::print("{}\n\n", bench::stamp("network-tables"));
  fmt::print(
      "| network | hand-off | layers on the RTL / host / kept on chip | MACs | RTL cycles | "
      "model | PE util | published | target | off-chip MB: weights / input / output / spills / "
      "host ops | total | lower bound | simulation |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  int failures = 0;
  for (const auto& name : networks) {
    const char* paper = "-";
    const char* target = "-";
    for (const auto& g : kGoals) {
      if (name == g.network) paper = g.paper, target = g.target;
    }
    for (const auto& mode : modes) {
      try {
        const map::Network net = map::find_network(name);
        sim::NetworkRunOptions opt;
        opt.hand_off = sim::parse_hand_off(mode);
        const sim::NetworkReport r = sim::run_network(net, ah, aw, 1, opt);
        std::size_t rtl = 0, host = 0, kept = 0;
        for (const auto& l : r.layers) {
          rtl += l.home == sim::Home::kRtl;
          host += l.home == sim::Home::kHost;
          kept += l.output_on_chip;
        }
        const auto& b = r.bytes;
        fmt::print(
            "| {} | {} | {} / {} / {} | {:.2f} G | {} | {} | {:.1f} % | {} | {} | {} / {} / {} / "
            "{} "
            "/ {} | {} | {} ({:.2f}x) | {:.0f} s |\n",
            name, mode, rtl, host, kept, static_cast<double>(r.macs) / 1e9, r.cycles,
            r.model_cycles, 100.0 * r.utilization, paper, target, mb(b.weights), mb(b.input),
            mb(b.output), mb(b.spills), mb(b.host), mb(b.total()), mb(r.lower_bound_bytes),
            r.lower_bound_bytes
                ? static_cast<double>(b.total()) / static_cast<double>(r.lower_bound_bytes)
                : 0.0,
            r.total_seconds);
        std::fflush(stdout);
        if (!r.ok) {
          ++failures;
          fmt::print(stderr, "feather_network_bench: {} ({}) FAILED at layer '{}'\n", name, mode,
                     r.layers.empty() ? "?" : r.layers.back().name);
        }
      } catch (const std::exception& e) {
        ++failures;
        fmt::print(stderr, "feather_network_bench: {} ({}): {}\n", name, mode, e.what());
      }
    }
  }
  return failures ? 1 : 0;
}
