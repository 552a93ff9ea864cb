// PE utilization of whole layers on the verilated 16x16 FEATHER top (or --array AHxAW), with the
// breakdown of where the cycles go. Every run is checked bit-exact (golden model + reference);
// a mismatch makes the benchmark fail.
//   feather_layer_bench [--array 16x16] [--preset NAME ...] [--markdown]
// --markdown: the table of docs/performance.md, "Whole layers" (`make layer-tables`).
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "feather/map/workload.hpp"
#include "feather/sim/layer_run.hpp"
#include "stamp.hpp"

int main(int argc, char** argv) {
  using namespace feather;
  int ah = 16, aw = 16;
  std::vector<std::string> presets;
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--array" && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%dx%d", &ah, &aw) != 2) {
        fmt::print(stderr, "feather_layer_bench: --array expects AHxAW, e.g. 16x16\n");
        return 2;
      }
    } else if (a == "--preset" && i + 1 < argc) {
      presets.emplace_back(argv[++i]);
    } else if (a == "--markdown") {
      markdown = true;
    } else {
      fmt::print(stderr,
                 "usage: feather_layer_bench [--array AHxAW] [--preset NAME ...] [--markdown]\n");
      return 2;
    }
  }
  if (presets.empty()) presets = map::layer_presets();
  if (markdown) {
    fmt::print("{}\n\n", bench::stamp("layer-tables"));
    fmt::print(
        "| layer | MACs | cycles | PE util (all) | PE util (streaming) | streaming | memory | "
        "exposed weight loads | fill/drain | bank conflicts | sim kcycles/s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n");
  } else {
    fmt::print("FEATHER {}x{}: whole layers on the RTL (bit-exact checked)\n\n", ah, aw);
    fmt::print("{:<20} {:>10} {:>9} {:>7} {:>8} | {:>7} {:>7} {:>7} {:>7} {:>5} | {:>9}\n", "layer",
               "MACs", "cycles", "util", "compute", "stream", "memory", "wload", "fill/dr", "confl",
               "kcycles/s");
    fmt::print("{:<20} {:>10} {:>9} {:>7} {:>8} | {:>7} {:>7} {:>7} {:>7} {:>5} | {:>9}\n", "", "",
               "", "all", "util", "%", "%", "%", "%", "%", "");
  }
  int failures = 0;
  for (const auto& name : presets) {
    try {
      const auto rep = sim::run_layer(map::layer_preset(name), ah, aw, 1, {});
      const auto& r = rep.run;
      const double cyc = static_cast<double>(r.cycles);
      const double pes = static_cast<double>(ah) * static_cast<double>(aw);
      const double compute =
          r.beat_cycles ? static_cast<double>(rep.macs) / (pes * static_cast<double>(r.beat_cycles))
                        : 0.0;
      auto pc = [&](std::uint64_t v) {
        return cyc > 0 ? 100.0 * static_cast<double>(v) / cyc : 0.0;
      };
      const bool ok = rep.golden_ok && rep.output_ok;
      if (markdown) {
        fmt::print(
            "| {} ({}) | {} | {} | {:.1f} % | {:.1f} % | {:.1f} % | {:.1f} % | {:.1f} % | {:.1f} % "
            "| 0 | {:.0f} |{}\n",
            name, map::layer_preset(name).shape_string(), rep.macs, r.cycles,
            100.0 * rep.utilization, 100.0 * compute, pc(r.beat_cycles), pc(r.memory_cycles),
            pc(r.mapping_cycles), pc(r.other_cycles), r.seconds > 0 ? cyc / r.seconds / 1e3 : 0.0,
            ok ? "" : " MISMATCH |");
        if (!ok) ++failures;
        continue;
      }
      fmt::print(
          "{:<20} {:>10} {:>9} {:>6.1f}% {:>7.1f}% | {:>7.1f} {:>7.1f} {:>7.1f} {:>7.1f} {:>5.1f} "
          "| "
          "{:>9.1f}{}\n",
          name, rep.macs, r.cycles, 100.0 * rep.utilization, 100.0 * compute, pc(r.beat_cycles),
          pc(r.memory_cycles), pc(r.mapping_cycles), pc(r.other_cycles), 0.0,
          r.seconds > 0 ? cyc / r.seconds / 1e3 : 0.0,
          rep.golden_ok && rep.output_ok ? "" : "  MISMATCH");
      if (!rep.golden_ok || !rep.output_ok) ++failures;
    } catch (const std::exception& e) {
      if (markdown) {
        fmt::print("| {} | error: {} |\n", name, e.what());
      } else {
        fmt::print("{:<20} error: {}\n", name, e.what());
      }
      ++failures;
    }
  }
  if (markdown) return failures ? 1 : 0;
  fmt::print(
      "\nutil = MACs / (AH*AW*cycles); compute util = MACs / (AH*AW*streaming cycles); "
      "stream = cycles with a beat entering NEST; memory = Load/Store; wload = ExecuteMapping "
      "loads not hidden behind streaming; fill/dr = pipeline fill and drain, dispatch; confl = "
      "bank conflicts (an error in this design, never emitted by the compiler).\n");
  return failures ? 1 : 0;
}
