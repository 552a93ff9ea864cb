// The layer compiler's BIRRD routes (the file comment of compiler.cpp): every output run's
// column groups to their banks, by a constructive route for FEATHER's strided groups or else the
// library router (feather/birrd/router.hpp), each checked.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiler_internal.hpp"
#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"

namespace feather::top::compiler_detail {

namespace {

// Constructive route of FEATHER's column groups on the Benes wiring (default stage count):
// group x = columns {x + G_r*i}, its sum to port ports[x] (-1: not routed). The library's
// constructive router takes aligned blocks only; these groups are strided, so they would go to
// SAT, which gets slow at AW = 64. The same looping argument applies (docs/birrd.md): in
// logical lane positions, stage k exchanges bit b(k); the outer stages of a sub-network (bit d)
// see groups x and x^1 on every first-stage switch and at most one other group on each
// last-stage switch, so the constraint graph is a union of paths and even cycles. Each group is
// sent whole to one sub-network, where it is strided by G/2; a group of stride 1 (a whole
// sub-network) is summed pairwise at the first stage of every level and steered to its port at
// the last stage. No junk lane is ever added to a group. nullopt if the wiring does not apply.
std::optional<birrd::Config> route_strided(const birrd::Topology& topo,
                                           const std::vector<int>& ports) {
  if (topo.wiring() != birrd::Wiring::kBenes || !topo.is_default_stages()) return std::nullopt;
  const int lb = topo.log2_lanes();
  birrd::Config cfg(topo);
  auto swap_bit0 = [](int x, int b) {
    if (((x >> b) & 1) != (x & 1)) x ^= 1 | (1 << b);
    return x;
  };
  // Sets the switch of `stage` that holds logical position `lo` (bit b(stage) clear).
  auto set = [&](int stage, int lo, birrd::Mode mode) {
    cfg.at(stage, swap_bit0(lo, topo.benes_bit(stage)) >> 1) = mode;
  };
  using birrd::Mode;
  // Sub-network of depth d (local bits d..L-1, fixed low bits r), groups strided by gs with
  // local ports port[x].
  auto rec = [&](auto&& self, int d, int r, int gs, const std::vector<int>& port) -> void {
    const int n = 1 << (lb - d);
    const int first = d, last = 2 * lb - 2 - d;
    auto pos = [&](int local) { return (local << d) | r; };
    if (gs == 1) {
      if (port[0] < 0) return;
      if (n == 2) {
        set(first, pos(0), port[0] == 0 ? Mode::kAddLo : Mode::kAddHi);
        return;
      }
      for (int w = 0; w < n / 2; ++w) set(first, pos(2 * w), Mode::kAddLo);
      self(self, d + 1, r, 1, std::vector<int>{port[0] >> 1});
      set(last, pos(port[0] & ~1), (port[0] & 1) == 0 ? Mode::kPass : Mode::kSwap);
      return;
    }
    if (n == 2) {  // two singletons on one switch
      const bool swap = port[0] >= 0 ? port[0] == 1 : port[1] == 0;
      set(first, pos(0), swap ? Mode::kSwap : Mode::kPass);
      return;
    }
    // Two-colour the groups: x and x^1 share first-stage switches; groups whose ports share a
    // last-stage switch must come from different sub-networks.
    std::vector<int> at_port(static_cast<std::size_t>(n), -1),
        color(static_cast<std::size_t>(gs), -1);
    for (int x = 0; x < gs; ++x) {
      if (port[static_cast<std::size_t>(x)] >= 0) {
        at_port[static_cast<std::size_t>(port[static_cast<std::size_t>(x)])] = x;
      }
    }
    for (int x0 = 0; x0 < gs; ++x0) {
      if (port[static_cast<std::size_t>(x0)] < 0 || color[static_cast<std::size_t>(x0)] >= 0) {
        continue;
      }
      std::vector<int> stack = {x0};
      color[static_cast<std::size_t>(x0)] = 0;
      while (!stack.empty()) {
        const int x = stack.back();
        stack.pop_back();
        const int c = color[static_cast<std::size_t>(x)];
        for (int y :
             {x ^ 1, at_port[static_cast<std::size_t>(port[static_cast<std::size_t>(x)] ^ 1)]}) {
          if (y < 0 || port[static_cast<std::size_t>(y)] < 0) continue;
          if (color[static_cast<std::size_t>(y)] < 0) {
            color[static_cast<std::size_t>(y)] = 1 - c;
            stack.push_back(y);
          }
        }
      }
    }
    for (int w = 0; w < n / 2; ++w) {
      const int x0 = (2 * w) % gs;  // lane 2w belongs to group x0, lane 2w+1 to x0 + 1
      bool swap = false;
      if (color[static_cast<std::size_t>(x0)] >= 0) {
        swap = color[static_cast<std::size_t>(x0)] == 1;
      } else if (color[static_cast<std::size_t>(x0 + 1)] >= 0) {
        swap = color[static_cast<std::size_t>(x0 + 1)] == 0;
      }
      set(first, pos(2 * w), swap ? Mode::kSwap : Mode::kPass);
    }
    for (int s = 0; s < 2; ++s) {
      std::vector<int> sub(static_cast<std::size_t>(gs / 2), -1);
      for (int x = 0; x < gs; ++x) {
        const int p = port[static_cast<std::size_t>(x)];
        if (p < 0 || color[static_cast<std::size_t>(x)] != s) continue;
        sub[static_cast<std::size_t>(x >> 1)] = p >> 1;
        set(last, pos(p & ~1), (p & 1) == s ? Mode::kPass : Mode::kSwap);
      }
      self(self, d + 1, r | (s << d), gs / 2, sub);
    }
  };
  rec(rec, 0, 0, static_cast<int>(ports.size()), ports);
  for (std::size_t x = 0; x < ports.size(); ++x) {
    if (ports[x] >= 0) cfg.mask.set(static_cast<std::size_t>(ports[x]));
  }
  return cfg;
}

}  // namespace

// Routes every run of the plan; false (with the reason) if one is unroutable.
bool route_plan(const TopParams& tp, const Geo& g, const Plan& plan, RouteCache& cache,
                std::string& why) {
  const birrd::Topology topo = tp.topology();
  birrd::RouterOptions ropt;
  ropt.sat_seconds = 20;
  for (const auto& tile_runs : plan.runs) {
    for (const EsRun& run : tile_runs) {
      if (cache.count(run.ports)) continue;
      std::vector<std::vector<int>> groups;
      std::vector<int> ports;
      for (u64 x = 0; x < plan.map.gr; ++x) {
        if (run.ports[x] < 0) continue;
        std::vector<int> cols;
        for (u64 c = x; c < g.aw; c += plan.map.gr) cols.push_back(static_cast<int>(c));
        groups.push_back(std::move(cols));
        ports.push_back(run.ports[x]);
      }
      const birrd::Target target = birrd::Target::from_groups(tp.aw, groups, ports);
      // The strided construction, checked like every library route; else the library router.
      if (auto cfg = route_strided(topo, run.ports)) {
        if (!birrd::check_route(topo, target, *cfg)) {
          cache.emplace(run.ports, std::move(*cfg));
          continue;
        }
      }
      birrd::RouteResult res = birrd::route(topo, target, ropt);
      if (!res.ok()) {
        why = fmt::format("BIRRD ({}) cannot route {} for mapping {}: {} ({})", topo.name(),
                          target.to_string(), map_details(plan.map), birrd::to_string(res.status),
                          res.reason);
        return false;
      }
      cache.emplace(run.ports, std::move(res.config));
    }
  }
  return true;
}

}  // namespace feather::top::compiler_detail
