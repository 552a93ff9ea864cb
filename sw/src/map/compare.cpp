// The network comparison (compare.hpp, docs/compare.md): one cost table per layer (the mapper's
// exact cycles for every WO-S mapping x the line-buffer slowdown of every tensor layout), and
// per design the series-parallel DP of coselect.hpp over the choices the design allows.
#include "feather/map/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

#include "feather/map/coselect.hpp"
#include "feather/map/workload.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
constexpr double kInf = std::numeric_limits<double>::infinity();

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

// The line of an element under a tensor layout over H, W, C: the mixed-radix value of
// floor(x / f_x) over the inter order (layout.hpp tensor_locate, precomputed; the tests check
// it against tensor_locate).
class LineIndex {
 public:
  LineIndex(const TensorLayout& t, const StreamGeometry& g, int line) {
    check_tensor_layout(t);
    if (t.inter.size() != 3 ||
        t.factor('H') * t.factor('W') * t.factor('C') != static_cast<int>(t.line_size())) {
      throw std::invalid_argument(fmt::format(
          "layout {}: the comparison needs a layout over exactly H, W and C", t.to_string()));
    }
    for (char d : t.inter) {
      if (d != 'H' && d != 'W' && d != 'C') {
        throw std::invalid_argument(
            fmt::format("layout {}: dimension '{}' is not H, W or C", t.to_string(), d));
      }
    }
    if (t.line_size() != static_cast<u64>(line)) {
      throw std::invalid_argument(fmt::format("layout {}: a line of {} elements, the model's is {}",
                                              t.to_string(), t.line_size(), line));
    }
    const auto extent = [&](char d) { return d == 'H' ? g.h : d == 'W' ? g.w : g.c; };
    u64 stride = 1;
    for (auto it = t.inter.rbegin(); it != t.inter.rend(); ++it) {
      const int i = *it == 'H' ? 0 : *it == 'W' ? 1 : 2;
      factor_[i] = static_cast<u64>(t.factor(*it));
      stride_[i] = stride;
      stride *= ceil_div(extent(*it), factor_[i]);
    }
  }
  u64 line(const StreamGeometry::Coord& x) const {
    return (x.h / factor_[0]) * stride_[0] + (x.w / factor_[1]) * stride_[1] +
           (x.c / factor_[2]) * stride_[2];
  }

 private:
  u64 factor_[3] = {1, 1, 1}, stride_[3] = {0, 0, 0};
};

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
  const Layer::Gemm g = l.as_gemm();
  return g.groups * g.m * g.n;
}

std::string mapping_label(const top::MappingChoice& m) {
  return fmt::format("G_r={} G_c={} vn={}", 1u << m.grlog, 1u << m.gclog, m.vnm1 + 1);
}

}  // namespace

std::optional<StreamGeometry::Coord> StreamGeometry::at(u64 g, u64 row, u64 kk) const {
  if (!conv) return Coord{0, row, kk};
  const u64 cg = c / groups;
  const u64 ci = kk % cg, pos = kk / cg;
  const i64 ky = static_cast<i64>(pos / s), kx = static_cast<i64>(pos % s);
  const u64 b = row / (ho * wo), pix = row % (ho * wo);
  const i64 oy = static_cast<i64>(pix / wo), ox = static_cast<i64>(pix % wo);
  const i64 iy = oy * stride_h - pad_h + ky * dil_h;
  const i64 ix = ox * stride_w - pad_w + kx * dil_w;
  if (iy < 0 || ix < 0 || iy >= static_cast<i64>(h) || ix >= static_cast<i64>(w)) {
    return std::nullopt;
  }
  // Images of a batch are stacked along H.
  return Coord{b * h + static_cast<u64>(iy), static_cast<u64>(ix), g * cg + ci};
}

StreamGeometry geometry_of(const Layer& l) {
  if (l.kind == OpKind::kOther || l.macs() == 0) {
    throw std::invalid_argument(fmt::format("layer '{}' has no MACs: no streamed tensor", l.name));
  }
  StreamGeometry g;
  const Layer::Gemm gm = l.as_gemm();
  g.groups = gm.groups;
  g.m = gm.m;
  g.k = gm.k;
  if (l.kind == OpKind::kConv) {
    g.conv = true;
    g.h = static_cast<u64>(l.n) * static_cast<u64>(l.h);
    g.w = static_cast<u64>(l.w);
    g.c = static_cast<u64>(l.c);
    g.ho = static_cast<u64>(l.ho());
    g.wo = static_cast<u64>(l.wo());
    g.r = static_cast<u64>(l.r);
    g.s = static_cast<u64>(l.s);
    g.stride_h = l.stride_h;
    g.stride_w = l.stride_w;
    g.pad_h = l.pad_h;
    g.pad_w = l.pad_w;
    g.dil_h = l.dil_h;
    g.dil_w = l.dil_w;
  } else {
    g.h = 1;
    g.w = gm.m;
    g.c = gm.k;
  }
  return g;
}

LayoutCost stream_layout_cost(const top::TopParams& p_in, const StreamGeometry& g,
                              const top::MappingChoice& m, const TensorLayout& t,
                              const LineModel& lm) {
  const top::TopParams p = p_in.validated();
  if (m.grlog > static_cast<std::uint32_t>(p.awl()) || m.gclog > m.grlog ||
      m.vnm1 + 1 > static_cast<std::uint32_t>(p.ah)) {
    throw std::invalid_argument(fmt::format("stream_layout_cost: mapping {} is illegal on {}",
                                            m.to_string(), p.to_string()));
  }
  if (lm.ports < 1) {
    throw std::invalid_argument(fmt::format("line model: ports = {} (need >= 1)", lm.ports));
  }
  const LineIndex index(t, g, lm.line);
  const u64 ah = static_cast<u64>(p.ah);
  const u64 vn = m.vnm1 + 1;
  const u64 kpar = static_cast<u64>(p.aw) >> m.grlog;  // K-VNs of one step (reduced by BIRRD)
  const u64 sm = u64{1} << (m.grlog - m.gclog);        // GEMM rows of one step
  const u64 j = ceil_div(g.k, ah);
  const u64 passes = ceil_div(j, kpar), rows = ceil_div(g.m, sm);
  LayoutCost out;
  out.steps = g.groups * passes * rows;
  const u64 samples = lm.max_steps == 0 ? out.steps : std::min(out.steps, lm.max_steps);
  std::vector<u64> lines;
  u64 cycles = 0, ideal = 0, line_sum = 0;
  for (u64 s = 0; s < samples; ++s) {
    // Evenly spread over the steps, at the middle of each stretch.
    const u64 idx =
        samples == out.steps
            ? s
            : std::min<u64>(out.steps - 1, static_cast<u64>((static_cast<double>(s) + 0.5) *
                                                            static_cast<double>(out.steps) /
                                                            static_cast<double>(samples)));
    const u64 tt = idx % rows, jp = (idx / rows) % passes, grp = idx / (rows * passes);
    lines.clear();
    for (u64 rep = 0; rep < sm; ++rep) {
      const u64 row = tt * sm + rep;
      if (row >= g.m) break;
      for (u64 kg = 0; kg < kpar; ++kg) {
        const u64 jj = jp * kpar + kg;
        if (jj >= j) break;
        for (u64 e = 0; e < vn; ++e) {
          const u64 kk = jj * ah + e;
          if (kk >= g.k) break;
          if (auto x = g.at(grp, row, kk)) lines.push_back(index.line(*x));
        }
      }
    }
    std::sort(lines.begin(), lines.end());
    const u64 distinct = static_cast<u64>(std::unique(lines.begin(), lines.end()) - lines.begin());
    cycles += std::max<u64>(vn, ceil_div(distinct, static_cast<u64>(lm.ports)));
    ideal += vn;
    line_sum += distinct;
    out.worst_lines = std::max(out.worst_lines, distinct);
  }
  out.sampled = samples;
  out.slowdown = ideal ? static_cast<double>(cycles) / static_cast<double>(ideal) : 1.0;
  out.lines_per_step = samples ? static_cast<double>(line_sum) / static_cast<double>(samples) : 0;
  return out;
}

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
    CompareLayer cl;
    cl.name = l.name;
    cl.shape = l.shape_string();
    cl.count = static_cast<u64>(l.count);
    c.layers.push_back(cl);
    if (l.kind == OpKind::kOther || l.macs() == 0) continue;
    const GemmShape s = shape_of(l, opt.per_tensor_quant);
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
        tab.rtl = map_layer(p, s, base);
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
            tab.plans.push_back(map_layer(p, s, mo));
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
      it = tables.emplace(key, std::move(tab)).first;
    }
    table_of[i] = &it->second;
    c.layers.back().rtl_cycles = it->second.rtl.timing.cycles;
    c.layers.back().rtl_plan = it->second.rtl.describe();
    c.rtl_cycles += it->second.rtl.timing.cycles * cl.count;
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

// ---------------------------------------------------------------------------------------------
// Reports.

std::string format_comparison(const Comparison& c) {
  std::string s = fmt::format("network {} on {}: {} MACs\n\n", c.network, c.params, c.macs);
  s += "| design | latency (Mcycles) | vs FEATHER | overlapped (Mcycles) | vs FEATHER | "
       "geomean per layer | PE util | reorganisations | off-chip MB | buffer accesses (M) |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    const DesignTotal& t = c.totals[d];
    s += fmt::format(
        "| {} | {:.3f} | {:.2f} | {:.3f} | {:.2f} | {:.2f} | {:.1f}% | {} | {:.1f} | "
        "{:.1f} |\n",
        c.designs[d].name, t.latency / 1e6, c.ratio(d), t.latency_overlapped / 1e6,
        c.ratio(d, true), t.geomean_speedup, 100.0 * t.utilization, t.transitions,
        static_cast<double>(t.offchip_bytes) / (1024.0 * 1024.0),
        static_cast<double>(t.buffer_accesses) / 1e6);
  }
  s += fmt::format(
      "\nFEATHER as this project's RTL runs it (per-bank VN layouts, the mapper's free search "
      "incl. "
      "IO-S): {:.3f} Mcycles.\n\n",
      static_cast<double>(c.rtl_cycles) / 1e6);
  s += "| layer | shape | x |";
  for (const Design& d : c.designs) s += fmt::format(" {} |", d.name);
  s += " FEATHER choice |\n|---|---|---:|";
  for (std::size_t d = 0; d < c.designs.size(); ++d) s += "---:|";
  s += "---|\n";
  for (const CompareLayer& l : c.layers) {
    if (!l.designs[0].mac) continue;
    s += fmt::format("| {} | {} | {} |", l.name, l.shape, l.count);
    const double f = l.designs[0].latency();
    for (std::size_t d = 0; d < c.designs.size(); ++d) {
      const DesignLayer& x = l.designs[d];
      if (d == 0) {
        s += fmt::format(" {:.0f} |", x.latency());
      } else {
        s += fmt::format(" {:.0f} ({:.2f}x) |", x.latency(), f > 0 ? x.latency() / f : 0.0);
      }
    }
    const DesignLayer& x = l.designs[0];
    s += fmt::format(" {} in {} out {}{} |\n", mapping_label(x.mapping), x.in_layout.substr(4),
                     x.out_layout.substr(4),
                     x.slowdown > 1.0 ? fmt::format(" (slowdown {:.2f})", x.slowdown) : "");
  }
  // Traffic per layer: off-chip KB (loads, stores, reorganisations) / buffer bank accesses.
  s += "\nOff-chip KB / buffer accesses (thousands) per layer instance:\n\n| layer |";
  for (const Design& d : c.designs) s += fmt::format(" {} |", d.name);
  s += "\n|---|";
  for (std::size_t d = 0; d < c.designs.size(); ++d) s += "---:|";
  s += "\n";
  for (const CompareLayer& l : c.layers) {
    if (!l.designs[0].mac) continue;
    s += fmt::format("| {} |", l.name);
    for (const DesignLayer& x : l.designs) {
      s += fmt::format(" {:.1f} / {:.1f} |", static_cast<double>(x.offchip_bytes) / 1024.0,
                       static_cast<double>(x.buffer_accesses) / 1e3);
    }
    s += "\n";
  }
  s += fmt::format("\n{} mapper searches\n", c.mapper_calls);
  return s;
}

std::string comparison_svg(const Comparison& c) {
  std::vector<const CompareLayer*> ls;
  for (const CompareLayer& l : c.layers)
    if (l.designs[0].mac) ls.push_back(&l);
  const std::size_t nd = c.designs.size() - 1;
  double ymax = 2.0;
  for (const CompareLayer* l : ls) {
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      ymax = std::max(ymax, l->designs[d].latency() / std::max(1.0, l->designs[0].latency()));
    }
  }
  const double top_log = std::ceil(std::log2(ymax));
  const double bottom_log = -1;  // 0.5x
  const int left = 70, right = 20, top = 50, plot_h = 320, label_h = 150;
  const double bar = 3.0, gap = 3.0;
  const double group_w = static_cast<double>(nd) * bar + gap;
  const int plot_w = static_cast<int>(
      std::max({400.0, group_w * static_cast<double>(ls.size()), 160.0 * static_cast<double>(nd)}));
  const int width = left + plot_w + right, height = top + plot_h + label_h;
  const auto y_of = [&](double ratio) {
    const double v = std::clamp(std::log2(std::max(ratio, 1e-9)), bottom_log, top_log);
    return top + plot_h * (top_log - v) / (top_log - bottom_log);
  };
  static const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd",
                                 "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"};
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{}\" y=\"20\" font-size=\"14\">{} on {}: latency of each "
      "design / FEATHER, per layer (log scale)</text>\n",
      width, height, left, c.network, c.params);
  for (double v = bottom_log; v <= top_log + 1e-9; v += 1) {
    const double y = y_of(std::exp2(v));
    s += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n<text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{}x</text>\n",
        left, y, left + plot_w, y, v == 0 ? "#000" : "#ddd", left - 5, y + 4,
        fmt::format("{:g}", std::exp2(v)));
  }
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const double x0 = left + static_cast<double>(i) * group_w;
    const double f = std::max(1.0, ls[i]->designs[0].latency());
    for (std::size_t d = 1; d < c.designs.size(); ++d) {
      const double r = ls[i]->designs[d].latency() / f;
      const double y1 = y_of(r), y0 = y_of(1.0);
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\"><title>{} {}: {:.2f}x</title></rect>\n",
          x0 + static_cast<double>(d - 1) * bar, std::min(y0, y1), bar,
          std::max(0.5, std::abs(y1 - y0)), colors[(d - 1) % 8], ls[i]->name, c.designs[d].name, r);
    }
    s += fmt::format(
        "<text transform=\"translate({:.1f},{}) rotate(-60)\" text-anchor=\"end\" "
        "font-size=\"8\">{}</text>\n",
        x0 + group_w / 2, top + plot_h + 8, ls[i]->name);
  }
  for (std::size_t d = 1; d < c.designs.size(); ++d) {
    const int x = left + static_cast<int>(d - 1) * 160;
    s += fmt::format(
        "<rect x=\"{}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"39\">{} ({:.2f}x total)</text>\n",
        x, colors[(d - 1) % 8], x + 14, c.designs[d].name, c.ratio(d));
  }
  s += "</svg>\n";
  return s;
}

std::string comparison_json(const Comparison& c) {
  nlohmann::json j;
  j["network"] = c.network;
  j["params"] = c.params;
  j["macs"] = c.macs;
  j["rtl_cycles"] = c.rtl_cycles;
  j["seconds"] = c.seconds;
  for (std::size_t d = 0; d < c.designs.size(); ++d) {
    const DesignTotal& t = c.totals[d];
    j["designs"].push_back({{"name", c.designs[d].name},
                            {"latency", t.latency},
                            {"latency_overlapped", t.latency_overlapped},
                            {"ratio", c.ratio(d)},
                            {"ratio_overlapped", c.ratio(d, true)},
                            {"geomean_speedup", t.geomean_speedup},
                            {"utilization", t.utilization},
                            {"reorganisations", t.transitions},
                            {"transition_cycles", t.transition},
                            {"offchip_bytes", t.offchip_bytes},
                            {"buffer_accesses", t.buffer_accesses}});
  }
  for (const CompareLayer& l : c.layers) {
    nlohmann::json jl = {{"name", l.name}, {"shape", l.shape},           {"count", l.count},
                         {"macs", l.macs}, {"rtl_cycles", l.rtl_cycles}, {"rtl_plan", l.rtl_plan}};
    for (std::size_t d = 0; d < c.designs.size(); ++d) {
      const DesignLayer& x = l.designs[d];
      nlohmann::json jd = {{"design", c.designs[d].name}, {"in_layout", x.in_layout},
                           {"out_layout", x.out_layout},  {"transition", x.transition},
                           {"latency", x.latency()},      {"offchip_bytes", x.offchip_bytes}};
      if (x.mac) {
        jd["mapping"] = {
            {"grlog", x.mapping.grlog}, {"gclog", x.mapping.gclog}, {"vn", x.mapping.vnm1 + 1}};
        jd["slowdown"] = x.slowdown;
        jd["cycles"] = x.cycles;
        jd["array_cycles"] = x.array_cycles;
        jd["overlapped"] = x.overlapped;
        jd["buffer_accesses"] = x.buffer_accesses;
      }
      jl["designs"].push_back(jd);
    }
    j["layers"].push_back(jl);
  }
  return j.dump(1);
}

}  // namespace feather::map
