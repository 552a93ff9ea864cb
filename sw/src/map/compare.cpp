// The network comparison (compare.hpp, docs/compare.md): one cost table per layer (the mapper's
// exact cycles for every WO-S mapping x the line-buffer slowdown of every tensor layout), and
// per design the series-parallel DP of coselect.hpp over the choices the design allows.
//
// Files: compare.cpp (this: the designs and compare_network), compare_stream.cpp (the line-buffer
// cost of a tensor layout for one mapping), compare_report.cpp (the Markdown, SVG and JSON
// reports).
#include "feather/map/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "feather/map/coselect.hpp"
#include "feather/map/hand_off.hpp"
#include "feather/map/workload.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;
constexpr double kInf = std::numeric_limits<double>::infinity();

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

std::uint32_t vn_for(const top::TopParams& p, u64 k) {
  return static_cast<std::uint32_t>(std::min<u64>(static_cast<u64>(p.ah), k));
}

u64 total_accesses(const Accesses& a) {
  return a.sbuf_reads + a.wbuf_reads + a.obuf_rmw + a.sbuf_writes + a.wbuf_writes;
}

// Elements of a layer's output tensor (per instance), for the reorganisation cost.
u64 output_elements(const Layer& l) {
  if (l.kind == OpKind::kOther) {
    return static_cast<u64>(l.h) * static_cast<u64>(l.w) * static_cast<u64>(l.c);
  }
  const GemmShape g = l.as_gemm();
  return g.groups * g.m * g.n;
}
}  // namespace
std::vector<std::string> default_layouts(int line) {
  if (line < 1 || (line & (line - 1)) != 0) {
    throw std::invalid_argument(
        fmt::format("line model: a line of {} elements (need a power of two)", line));
  }
  // The channel x width tiles of one line, channel-major first: C32, C16W2, ..., W32.
  std::vector<std::string> v;
  for (int c = line; c >= 1; c /= 2) {
    const int w = line / c;
    std::string intra;
    if (c > 1) intra += fmt::format("C{}", c);
    if (w > 1) intra += fmt::format("W{}", w);
    v.push_back("HWC_" + intra);
  }
  return v;
}

std::vector<Design> default_designs(const top::TopParams& p, int line) {
  const std::vector<std::string> all = default_layouts(line);
  const std::string c32 = fmt::format("HWC_C{}", line);
  const std::string c4w8 = line >= 4 ? fmt::format("HWC_C4W{}", line / 4) : c32;
  std::vector<Design> d;
  d.push_back({"FEATHER", DesignKind::kFeather, 0, 0, all});
  d.push_back({"NVDLA-like", DesignKind::kFixed, 0, 0, {c32}});
  d.push_back({"Eyeriss-like", DesignKind::kFixed, static_cast<std::uint32_t>(p.awl()), 0, all});
  d.push_back({fmt::format("SIGMA-like C{}", line), DesignKind::kFlexibleFixedLayout, 0, 0, {c32}});
  d.push_back({fmt::format("SIGMA-like {}", c4w8.substr(4)),
               DesignKind::kFlexibleFixedLayout,
               0,
               0,
               {c4w8}});
  d.push_back({"off-chip reorder", DesignKind::kOffchipReorder, 0, 0, all});
  return d;
}

double Comparison::ratio(std::size_t d, bool overlapped) const {
  const double f = overlapped ? totals.at(0).latency_overlapped : totals.at(0).latency;
  const double x = overlapped ? totals.at(d).latency_overlapped : totals.at(d).latency;
  return f > 0 ? x / f : 0;
}

double Comparison::ratio_to_hand_off(std::size_t d) const {
  return hand_off_cycles > 0 ? totals.at(d).latency / static_cast<double>(hand_off_cycles) : 0.0;
}

namespace {

// Per layer: the cost of every (mapping, layout) pair.
struct CostTable {
  std::vector<top::MappingChoice> maps;   // the WO-S mappings that compile for the layer
  std::vector<LayerMap> plans;            // per mapping
  std::vector<std::vector<double>> cost;  // [map][layout]: cycles with the layout slowdown
  std::vector<std::vector<double>> slow;  // [map][layout]
  LayerMap rtl;                           // the free search (the RTL's plan)
};

double overlapped_of(const LayerMap& lm, double cycles) {
  const double mem = static_cast<double>(lm.timing.memory_cycles);
  return std::max(mem, cycles - mem);
}

}  // namespace

Comparison compare_network(const top::TopParams& p_in, const Network& net,
                           const CompareOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const top::TopParams p = p_in.validated();
  Comparison c;
  c.network = net.name;
  c.params = p.to_string();
  c.designs = opt.designs.empty() ? default_designs(p, opt.line.line) : opt.designs;
  if (c.designs.empty() || c.designs[0].kind != DesignKind::kFeather) {
    throw std::invalid_argument("compare: the first design must be FEATHER (the reference)");
  }
  // The layout set: every layout any design names, parsed once.
  std::vector<std::string> names;
  for (const Design& d : c.designs) {
    if (d.layouts.empty()) {
      throw std::invalid_argument(fmt::format("compare: design '{}' has no layout", d.name));
    }
    if (d.kind == DesignKind::kFlexibleFixedLayout && d.layouts.size() != 1) {
      throw std::invalid_argument(
          fmt::format("compare: design '{}' has a fixed layout: give exactly one", d.name));
    }
    if (d.kind == DesignKind::kFixed &&
        (d.grlog > static_cast<std::uint32_t>(p.awl()) || d.gclog > d.grlog)) {
      throw std::invalid_argument(
          fmt::format("compare: design '{}': mapping grlog = {}, gclog = {} is illegal on {}",
                      d.name, d.grlog, d.gclog, p.to_string()));
    }
    for (const std::string& l : d.layouts) {
      if (std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
    }
  }
  std::vector<TensorLayout> layouts;
  for (const std::string& n : names) {
    try {
      layouts.push_back(parse_tensor_layout(n));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("compare: layout '{}': {}", n, e.what()));
    }
  }
  const auto layout_id = [&](const std::string& n) {
    return static_cast<int>(std::find(names.begin(), names.end(), n) - names.begin());
  };

  // Cost tables, one per distinct (shape, geometry).
  std::map<std::string, CostTable> tables;
  std::vector<const CostTable*> table_of(net.layers.size(), nullptr);
  MapOptions base;
  base.timing = opt.timing;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (opt.progress) opt.progress("compare", i, net.layers.size(), l.name);
    CompareLayer cl;
    cl.name = l.name;
    cl.shape = l.shape_string();
    cl.count = static_cast<u64>(l.count);
    c.layers.push_back(cl);
    if (l.kind == OpKind::kOther || l.macs() == 0) continue;
    const GemmShape s = l.as_gemm(opt.per_tensor_quant);
    const StreamGeometry g = geometry_of(l);
    c.layers.back().macs = s.macs();
    c.macs += s.macs() * cl.count;
    const std::string key =
        fmt::format("{}|{}|{}|{}|{}|{}x{}x{} {}x{} s{},{} p{},{} d{},{}", s.groups, s.m, s.k, s.n,
                    s.per_tensor_quant, g.h, g.w, g.c, g.r, g.s, g.stride_h, g.stride_w, g.pad_h,
                    g.pad_w, g.dil_h, g.dil_w);
    auto it = tables.find(key);
    if (it == tables.end()) {
      CostTable tab;
      try {
        tab.rtl = map_gemm(p, s, base);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(
            fmt::format("{}: layer '{}' ({}): {}", net.name, l.name, l.shape_string(), e.what()));
      }
      ++c.mapper_calls;
      // More N-subgroups than a group's output channels need (G_c * AH > max(AH, N)) only take
      // columns from the row replicas: never better (the compiler's own search skips them too),
      // and slow to tile. Kept where a fixed design asks for one.
      const u64 gc_max = std::max<u64>(1, std::bit_ceil(ceil_div(s.n, static_cast<u64>(p.ah))));
      const auto wanted = [&](std::uint32_t gr, std::uint32_t gc) {
        if ((u64{1} << gc) <= gc_max) return true;
        for (const Design& d : c.designs)
          if (d.kind == DesignKind::kFixed && d.grlog == gr && d.gclog == gc) return true;
        return false;
      };
      for (std::uint32_t gr = 0; gr <= static_cast<std::uint32_t>(p.awl()); ++gr) {
        for (std::uint32_t gc = 0; gc <= gr; ++gc) {
          if (!wanted(gr, gc)) continue;
          top::MappingChoice m{gr, gc, vn_for(p, s.k) - 1};
          MapOptions mo = base;
          mo.dataflow = Dataflow::kWoS;
          mo.mapping = m;
          ++c.mapper_calls;
          try {
            tab.plans.push_back(map_gemm(p, s, mo));
          } catch (const std::invalid_argument&) {
            continue;  // this mapping cannot run the layer (no legal tiling)
          }
          tab.maps.push_back(m);
          std::vector<double> cost, slow;
          const LayerMap& lm = tab.plans.back();
          for (const TensorLayout& t : layouts) {
            const LayoutCost lc = stream_layout_cost(p, g, m, t, opt.line);
            slow.push_back(lc.slowdown);
            cost.push_back(static_cast<double>(lm.timing.cycles) +
                           static_cast<double>(lm.timing.beat_cycles) * (lc.slowdown - 1.0));
          }
          tab.cost.push_back(std::move(cost));
          tab.slow.push_back(std::move(slow));
        }
      }
      if (tab.maps.empty()) {
        throw std::invalid_argument(fmt::format("{}: layer '{}' ({}): no WO-S mapping can run it",
                                                net.name, l.name, l.shape_string()));
      }
      // The mapper's free search picks each tile's mapping by that tile alone; with the tiles'
      // memory traffic overlapping each other's streams, a forced mapping can give the faster
      // layer. The RTL plan is the fastest plan found.
      for (const LayerMap& lm : tab.plans) {
        if (lm.timing.cycles < tab.rtl.timing.cycles) tab.rtl = lm;
      }
      it = tables.emplace(key, std::move(tab)).first;
    }
    table_of[i] = &it->second;
    c.layers.back().rtl_cycles = it->second.rtl.timing.cycles;
    c.layers.back().rtl_plan = it->second.rtl.describe();
    c.rtl_cycles += it->second.rtl.timing.cycles * cl.count;
    c.rtl_bytes += it->second.rtl.offchip_bytes(p.aw) * cl.count;
  }

  // The on-chip hand-off along chains: plan_chain's plans where they beat the RTL plans.
  // Chains of the same shapes are planned once.
  c.hand_off_cycles = c.rtl_cycles;
  c.hand_off_bytes = c.rtl_bytes;
  const auto alone = [&](std::size_t k) -> const LayerMap& { return table_of[k]->rtl; };
  for (const PlannedChain& pc :
       plan_network_chains(p, net, base, opt.per_tensor_quant, alone, opt.progress)) {
    const ChainPlan& cp = pc.plan;
    if (!pc.shared) c.mapper_calls += 2 * (pc.last - pc.first + 1);
    if (cp.cycles >= cp.alone) continue;
    u64 bytes = 0, chain_bytes = 0;
    for (std::size_t k = pc.first; k <= pc.last; ++k) bytes += table_of[k]->rtl.offchip_bytes(p.aw);
    for (const LayerMap& lm : cp.plans) chain_bytes += lm.offchip_bytes(p.aw);
    c.hand_off_cycles -= cp.alone - cp.cycles;
    c.hand_off_bytes = c.hand_off_bytes - bytes + chain_bytes;
    for (const auto& img : cp.images) c.hand_off_kept += img.has_value();
  }

  const std::vector<std::vector<int>> preds = network_producers(net);
  const auto reorg_cycles = [&](int producer) {
    const Layer& l = net.layers[static_cast<std::size_t>(producer)];
    const double words =
        2.0 * static_cast<double>(ceil_div(output_elements(l), static_cast<u64>(p.aw)));
    return words / opt.timing.bandwidth * static_cast<double>(l.count);
  };

  // One DP per design (kFixed with several layouts: one per layout, the best kept).
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    const Design& des = c.designs[d];
    std::vector<std::vector<std::string>> runs;  // the layout sets of the DP runs
    if (des.kind == DesignKind::kFixed) {
      for (const std::string& l : des.layouts) runs.push_back({l});
    } else {
      runs.push_back(des.layouts);
    }
    struct Pick {
      int map = -1, in = 0, out = 0;
    };
    double best_total = kInf;
    std::vector<Pick> best;
    for (const auto& set : runs) {
      CoGraph graph;
      std::vector<std::vector<Pick>> picks(net.layers.size());
      bool feasible = true;
      for (std::size_t i = 0; i < net.layers.size() && feasible; ++i) {
        CoNode node;
        node.name = net.layers[i].name;
        node.preds = preds[i];
        const CostTable* tab = table_of[i];
        const double count = static_cast<double>(net.layers[i].count);
        for (const std::string& ln : set) {
          const int lid = layout_id(ln);
          if (!tab) {  // no MACs: passes its input's layout on
            node.choices.push_back({ln, lid, lid, 0});
            picks[i].push_back({-1, lid, lid});
            continue;
          }
          int bm = -1;
          double bc = kInf;
          for (std::size_t mi = 0; mi < tab->maps.size(); ++mi) {
            const top::MappingChoice& m = tab->maps[mi];
            if (des.kind == DesignKind::kFixed && (m.grlog != des.grlog || m.gclog != des.gclog))
              continue;
            if (tab->cost[mi][static_cast<std::size_t>(lid)] < bc) {
              bc = tab->cost[mi][static_cast<std::size_t>(lid)];
              bm = static_cast<int>(mi);
            }
          }
          if (bm < 0) continue;
          if (des.kind == DesignKind::kFeather) {
            for (const std::string& lo : set) {  // BIRRD writes any output layout
              const int oid = layout_id(lo);
              node.choices.push_back({ln + "->" + lo, lid, oid, bc * count});
              picks[i].push_back({bm, lid, oid});
            }
          } else {
            node.choices.push_back({ln, lid, lid, bc * count});
            picks[i].push_back({bm, lid, lid});
          }
        }
        if (node.choices.empty()) {
          if (runs.size() > 1) {
            feasible = false;
            break;
          }
          throw std::invalid_argument(fmt::format(
              "{}: design '{}' cannot run layer '{}' ({}): its mapping does not compile", net.name,
              des.name, net.layers[i].name, net.layers[i].shape_string()));
        }
        graph.nodes.push_back(std::move(node));
      }
      if (!feasible) continue;
      graph.transition = [&](int u, int out, int, int in) {
        return out == in ? 0.0 : reorg_cycles(u);
      };
      const CoSolution sol = solve_series_parallel(graph);
      if (sol.cost < best_total) {
        best_total = sol.cost;
        best.assign(net.layers.size(), Pick{});
        for (std::size_t i = 0; i < net.layers.size(); ++i) {
          best[i] = picks[i][static_cast<std::size_t>(sol.choice[i])];
        }
      }
    }
    if (best.empty()) {
      throw std::invalid_argument(fmt::format("{}: design '{}': no layout of {} runs every layer",
                                              net.name, des.name, fmt::join(des.layouts, ", ")));
    }
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      const Pick& pk = best[i];
      DesignLayer dl;
      dl.in_layout = names[static_cast<std::size_t>(pk.in)];
      dl.out_layout = names[static_cast<std::size_t>(pk.out)];
      for (int u : preds[i]) {
        const int out = best[static_cast<std::size_t>(u)].out;
        if (out != pk.in) {
          dl.transition += reorg_cycles(u) / static_cast<double>(net.layers[i].count);
          dl.offchip_bytes += 2 * output_elements(net.layers[static_cast<std::size_t>(u)]) *
                              static_cast<u64>(net.layers[static_cast<std::size_t>(u)].count) /
                              static_cast<u64>(net.layers[i].count);
        }
      }
      if (const CostTable* tab = table_of[i]) {
        const std::size_t mi = static_cast<std::size_t>(pk.map);
        const LayerMap& lm = tab->plans[mi];
        dl.mac = true;
        dl.mapping = tab->maps[mi];
        dl.slowdown = tab->slow[mi][static_cast<std::size_t>(pk.in)];
        dl.cycles = tab->cost[mi][static_cast<std::size_t>(pk.in)];
        dl.array_cycles = static_cast<double>(lm.timing.cycles);
        dl.overlapped = overlapped_of(lm, dl.cycles);
        dl.offchip_bytes += lm.offchip_bytes(p.aw);
        dl.buffer_accesses = total_accesses(lm.accesses);
      }
      c.layers[i].designs.push_back(dl);
    }
  }

  // Totals.
  const double pes = static_cast<double>(p.ah) * static_cast<double>(p.aw);
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    DesignTotal t;
    double log_sum = 0, weight = 0;
    for (const CompareLayer& l : c.layers) {
      const DesignLayer& x = l.designs[d];
      const double n = static_cast<double>(l.count);
      t.latency += x.latency() * n;
      t.latency_overlapped += x.latency_overlapped() * n;
      t.transition += x.transition * n;
      if (x.transition > 0) ++t.transitions;
      t.offchip_bytes += x.offchip_bytes * l.count;
      t.buffer_accesses += x.buffer_accesses * l.count;
      if (x.mac && l.designs[0].latency() > 0) {
        log_sum += n * std::log(x.latency() / l.designs[0].latency());
        weight += n;
      }
    }
    t.utilization = t.latency > 0 ? static_cast<double>(c.macs) / (pes * t.latency) : 0;
    t.geomean_speedup = weight > 0 ? std::exp(log_sum / weight) : 1;
    c.totals.push_back(t);
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return c;
}

}  // namespace feather::map
