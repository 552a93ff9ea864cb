// Whole networks through the mapper (mapper.hpp): layer shapes from workload.hpp, one search
// per distinct shape, totals and the per-layer table of `feather map`.
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "feather/common/text.hpp"
#include "feather/map/hand_off.hpp"
#include "feather/map/mapper.hpp"
#include "feather/map/workload.hpp"

namespace feather::map {

std::string short_layout(const top::Layout& l) {
  return fmt::format("o{} F0={} F1={} F2={}", l.order, l.f0(), l.f1, l.f2);
}

namespace {

// The chains' plans where they beat the layers' plans alone (chains of the same shapes planned
// once), with the cycle and byte totals; map_network derives the utilization after.
void hand_off(const top::TopParams& p, const Network& net, const NetworkMapOptions& opt,
              NetworkMap& nm) {
  std::vector<int> entry(net.layers.size(), -1);  // layer index -> its entry
  for (std::size_t i = 0, e = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (l.kind != OpKind::kOther && l.macs() != 0) entry[i] = static_cast<int>(e++);
  }
  const auto alone = [&](std::size_t k) -> const LayerMap& {
    return nm.layers[static_cast<std::size_t>(entry[k])].map;
  };
  for (const PlannedChain& pc :
       plan_network_chains(p, net, opt.map, opt.per_tensor_quant, alone, opt.progress)) {
    const ChainPlan& cp = pc.plan;
    if (cp.cycles >= cp.alone) continue;
    const std::size_t first = pc.first;
    for (std::size_t k = first; k <= pc.last; ++k) {
      NetworkEntry& e = nm.layers[static_cast<std::size_t>(entry[k])];
      const std::size_t c = k - first;
      nm.cycles -= e.map.timing.cycles;
      nm.offchip_bytes -= e.map.offchip_bytes(p.aw);
      const std::string name = e.map.shape.name;
      e.map = cp.plans[c];
      e.map.shape.name = name;
      e.input_on_chip = c > 0 && cp.images[c - 1].has_value();
      e.output_on_chip = c < cp.images.size() && cp.images[c].has_value();
      nm.kept += e.output_on_chip ? 1 : 0;
      nm.cycles += e.map.timing.cycles;
      nm.offchip_bytes += e.map.offchip_bytes(p.aw);
    }
  }
}

}  // namespace

NetworkMap map_network(const top::TopParams& p_in, const Network& net,
                       const NetworkMapOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const top::TopParams p = p_in.validated();
  NetworkMap nm;
  nm.network = net.name;
  nm.params = p.to_string();
  // The GEMM lowering's plans by GEMM shape, direct convolution's by GEMM shape and window (a
  // stride-2 conv and the stride-1 conv after it share the first, not the second).
  using GemmKey = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t, bool>;
  std::map<GemmKey, LayerMap> gemm_plans;
  using ShapeKey = std::pair<GemmKey, std::array<int, 7>>;
  std::map<ShapeKey, LayerMap> direct_plans;
  std::set<ShapeKey> shapes;  // distinct (GEMM shape, window) pairs
  bool found = opt.only_layer.empty();
  std::size_t done = 0;
  for (const Layer& l : net.layers) {
    if (opt.progress) opt.progress("map", done++, net.layers.size(), l.name);
    if (!opt.only_layer.empty() && l.name != opt.only_layer) continue;
    found = true;
    if (l.kind == OpKind::kOther || l.macs() == 0) {
      ++nm.skipped;
      continue;
    }
    const GemmShape s = l.as_gemm(opt.per_tensor_quant);
    const GemmKey key{s.groups, s.m, s.k, s.n, s.per_tensor_quant};
    const top::ConvWindow w0 = s.conv.value_or(top::ConvWindow{0, 0, 0, 0, 0, 0, 0});
    shapes.emplace(key, std::array{w0.h, w0.w, w0.r, w0.s, w0.stride, w0.pad, w0.dilation});
    // As map_gemm decides: im2col unless direct is forced, direct when forced or a candidate.
    const std::optional<bool>& force = opt.map.direct;
    const bool want_gemm = !(force && *force);
    const bool want_direct = force ? *force && s.conv.has_value() : direct_candidate(p, s);
    std::optional<LayerMap> chosen;
    try {
      if (want_gemm) {
        auto it = gemm_plans.find(key);
        if (it == gemm_plans.end()) {
          MapOptions o = opt.map;
          o.direct = false;
          it = gemm_plans.emplace(key, map_gemm(p, s, o)).first;
        }
        chosen = it->second;
      }
      if (want_direct) {
        const top::ConvWindow& w = *s.conv;
        const auto dkey =
            std::make_pair(key, std::array{w.h, w.w, w.r, w.s, w.stride, w.pad, w.dilation});
        auto it = direct_plans.find(dkey);
        if (it == direct_plans.end()) {
          MapOptions o = opt.map;
          o.direct = true;
          try {
            it = direct_plans.emplace(dkey, map_gemm(p, s, o)).first;
          } catch (const std::invalid_argument&) {
            if (!want_gemm) throw;  // forced direct: its reason
          }
        }
        if (it != direct_plans.end() &&
            (!chosen || it->second.timing.cycles < chosen->timing.cycles)) {
          chosen = it->second;
        }
      }
      if (!chosen) map_gemm(p, s, opt.map);  // throws the reason (e.g. forced direct on a GEMM)
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(
          fmt::format("{}: layer '{}' ({}): {}", net.name, l.name, l.shape_string(), e.what()));
    }
    NetworkEntry e;
    e.layer = l.name;
    e.shape = l.shape_string();
    e.count = static_cast<std::uint64_t>(l.count);
    e.map = *chosen;
    e.map.shape.name = l.name;
    nm.macs += s.macs() * e.count;
    nm.cycles += e.map.timing.cycles * e.count;
    nm.offchip_bytes += e.map.offchip_bytes(p.aw) * e.count;
    nm.layers.push_back(std::move(e));
  }
  if (!found) {
    throw std::invalid_argument(
        fmt::format("network '{}' has no layer named '{}'", net.name, opt.only_layer));
  }
  if (opt.hand_off && opt.only_layer.empty()) hand_off(p, net, opt, nm);
  nm.distinct = shapes.size();
  nm.utilization = nm.cycles ? static_cast<double>(nm.macs) /
                                   (static_cast<double>(p.ah) * static_cast<double>(p.aw) *
                                    static_cast<double>(nm.cycles))
                             : 0.0;
  nm.search_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return nm;
}

std::string format_table(const top::TopParams& p, const NetworkMap& nm) {
  std::string t = fmt::format("network {} on {}\n\n", nm.network, nm.params);
  t += "| layer | shape | x | dataflow, tiles MxNxK | mapping | IVN layout | WVN layout | OVN "
       "layout | "
       "cycles | PE util | off-chip KB | search ms |\n"
       "|---|---|---:|---|---|---|---|---|---:|---:|---:|---:|\n";
  for (const NetworkEntry& e : nm.layers) {
    const LayerMap& m = e.map;
    t += fmt::format(
        "| {} | {} | {} | {}{} {}x{}x{} | {} | {} | {} | {} | {} | {:.1f}% | {:.1f} | {:.0f} |\n",
        markdown_cell(e.layer), e.shape, e.count, to_string(m.dataflow),
        fmt::format("{}{}{}{}", m.direct ? " direct" : "",
                    m.blocks ? fmt::format(" blocks of {}", m.blocks) : std::string(),
                    e.input_on_chip ? " chip>" : "", e.output_on_chip ? " >chip" : ""),
        m.tiles_m, m.tiles_n, m.tiles_k, m.mapping.to_string(), short_layout(m.li),
        short_layout(m.lw), short_layout(m.lo), m.timing.cycles, 100.0 * m.utilization,
        static_cast<double>(m.offchip_bytes(p.aw)) / 1024.0, 1e3 * m.search_seconds);
  }
  t += fmt::format(
      "\ntotal: {} layers mapped ({} distinct shapes, {} layers without MACs skipped), {} MACs, "
      "{} cycles, PE utilization {:.1f}%, off-chip {:.1f} MB, {} outputs kept on chip, search "
      "{:.2f} s\n",
      nm.layers.size(), nm.distinct, nm.skipped, nm.macs, nm.cycles, 100.0 * nm.utilization,
      static_cast<double>(nm.offchip_bytes) / (1024.0 * 1024.0), nm.kept, nm.search_seconds);
  return t;
}

}  // namespace feather::map
