// The command line's side of a build with the verilated models (rtl.hpp): the plan check of
// `feather compare --verify`.
#include <fmt/format.h>

#include <cmath>

#include "feather/common/text.hpp"
#include "feather/sim/layer_run.hpp"
#include "rtl.hpp"

namespace feather::cli {

bool have_rtl() { return true; }

int verify_plan(const PlanCheck& k) {
  fmt::print("\nFEATHER's plan on the RTL ({}):\n\n", k.params.to_string());
  fmt::print(
      "| layer | mapping | plan cycles | RTL cycles | diff | output | buffers |\n"
      "|---|---|---:|---:|---:|---|---|\n");
  int failures = 0;
  for (std::size_t i : k.layers) {
    const map::CompareLayer& l = k.comparison->layers[i];
    const map::DesignLayer& d = l.designs[0];
    const map::Layer* layer = k.network->find(l.name);
    map::Layer run = *layer;
    run.per_tensor_quant = run.per_tensor_quant || k.per_tensor;
    map::MapOptions mo;
    mo.timing = k.timing;
    mo.dataflow = map::Dataflow::kWoS;
    mo.mapping = d.mapping;
    sim::RunOptions ro;
    ro.seed = k.seed;
    ro.latency = k.timing.latency;
    const sim::LayerReport r = sim::run_layer(run, k.params.ah, k.params.aw, k.seed, ro, mo);
    // The plan's array cycles: the mapper's for the chosen mapping (the layout slowdown of the
    // line-buffer model is not part of the RTL: its per-bank VN layouts never conflict).
    const double plan = d.array_cycles;
    const double rtl = static_cast<double>(r.run.cycles);
    const double diff = plan > 0 ? (rtl - plan) / plan : 0;
    const bool ok = r.golden_ok && r.output_ok && std::abs(diff) <= 0.02;
    if (!ok) ++failures;
    fmt::print("| {} | {} | {:.0f} | {} | {:+.2f}% | {} | {} |\n", markdown_cell(l.name),
               r.map.mapping.to_string(), plan, r.run.cycles, 100.0 * diff,
               r.output_ok ? "bit-exact" : "MISMATCH", r.golden_ok ? "= golden" : "MISMATCH");
    if (!r.mismatch.empty()) fmt::print("  {}\n", r.mismatch);
    if (d.slowdown > 1.0) {
      fmt::print(
          "  (the comparison adds a line-buffer slowdown of {:.3f} for the layout {}: a "
          "model term, not the RTL's)\n",
          d.slowdown, d.in_layout);
    }
  }
  fmt::print("\n{} of {} layers agree with the plan (cycles within 2%, outputs bit-exact)\n",
             k.layers.size() - static_cast<std::size_t>(failures), k.layers.size());
  return failures ? 1 : 0;
}

}  // namespace feather::cli
