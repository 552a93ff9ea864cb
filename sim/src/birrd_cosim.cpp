#include "feather/sim/birrd_cosim.hpp"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <random>

#include "feather/birrd/router.hpp"
#include "feather/sim/gtkw.hpp"

namespace feather::sim {

using birrd::Config;
using birrd::LaneSet;
using birrd::Target;
using birrd::TargetClass;

void write_birrd_gtkw(const BirrdDut& dut, const std::string& fst_path, long marker) {
  const std::string top = dut.trace_scope();
  const int n = dut.lanes();
  const int dw = dut.data_width();
  const auto vec = gtkw_vector;
  GtkwFile f;
  f.dumpfile = fst_path;
  f.marker = marker;
  GtkwGroup ports = gtkw_ports_group(top);
  ports.signals.push_back({vec(top + ".valid_i", n), false});
  ports.signals.push_back({vec(top + ".mask_i", n), false});
  ports.signals.push_back({vec(top + ".valid_o", n), false});
  ports.signals.push_back({vec(top + ".data_i", n * dw), true});
  ports.signals.push_back({vec(top + ".data_o", n * dw), true});
  f.groups.push_back(ports);
  for (int s = 0; s < dut.stages(); ++s) {
    std::string st = fmt::format("{}.g_stage[{}]", top, s);
    GtkwGroup g{fmt::format("stage {}", s), {}, s == 0};
    g.signals.push_back({vec(st + ".cmd", n), false});
    g.signals.push_back({vec(st + ".valid_q", n), false});
    for (int p = 0; p < n; ++p)
      g.signals.push_back({vec(fmt::format("{}.data_q[{}]", st, p), dw), true});
    f.groups.push_back(std::move(g));
  }
  write_gtkw(gtkw_path_for(fst_path), f);
}

namespace {

struct Routed {
  Target target;
  Config config;
};

// A pool of routed targets of mixed classes for this topology.
std::vector<Routed> make_pool(const birrd::Topology& t, int count, std::mt19937_64& rng) {
  std::vector<Routed> pool;
  const bool constructive = t.wiring() == birrd::Wiring::kBenes && t.is_default_stages();
  // The exact search is slower: a smaller pool, and only where it is quick (AW <= 32).
  if (!constructive) count = std::min(count, t.lanes() >= 32 ? 6 : 16);
  for (int k = 0; pool.size() < static_cast<std::size_t>(count) && k < 4 * count; ++k) {
    Target target;
    switch (k % 5) {
      case 0:
        target = birrd::random_target(TargetClass::kPermutation, t.lanes(), rng);
        break;
      case 1:
        target = birrd::random_target(TargetClass::kFeatherGroups, t.lanes(), rng, 2);
        break;
      case 2:
        target = birrd::random_target(TargetClass::kFeatherGroups, t.lanes(), rng, 4);
        break;
      case 3:
        target = birrd::random_target(TargetClass::kContiguousEqual, t.lanes(), rng);
        break;
      default:
        target = birrd::random_target(TargetClass::kFeatherGroups, t.lanes(), rng,
                                      std::min(8, t.lanes()));
        break;
    }
    birrd::RouterOptions ro;
    ro.verify_seed = rng();
    if (!constructive) {
      // Exact search only where it is quick; the published wiring is checked at AW <= 32.
      if (t.lanes() > 32) break;
      ro.sat_seconds = 1;
    }
    auto r = birrd::route(t, target, ro);
    if (r.ok()) pool.push_back({target, r.config});
  }
  return pool;
}

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

}  // namespace

BirrdCosimResult run_birrd_cosim(BirrdDut& dut, const BirrdCosimOptions& opt) {
  BirrdCosimResult res;
  const birrd::Topology topo(dut.lanes(), dut.wiring(), dut.stages());
  const int n = dut.lanes();
  const int stages = dut.stages();
  const int dw = dut.data_width();
  const std::uint64_t dmask = dw == 64 ? ~0ULL : ((1ULL << dw) - 1);
  std::mt19937_64 rng(opt.seed);
  auto pool = make_pool(topo, opt.target_pool, rng);

  birrd::CycleModel model(topo, dw);
  if (opt.fault) model.inject_fault(*opt.fault);

  if (!opt.trace_path.empty()) {
    dut.open_trace(opt.trace_path);
    write_birrd_gtkw(dut, opt.trace_path);
    res.gtkw_path = gtkw_path_for(opt.trace_path);
  }
  // Reset both.
  dut.set_reset(true);
  dut.clock();
  dut.set_reset(false);
  model.reset();

  // Waves in flight whose results are checked functionally when they leave the network.
  struct Expect {
    std::uint64_t out_cycle;
    std::vector<std::pair<int, std::uint64_t>> sums;  // (port, sum) for complete groups
  };
  std::deque<Expect> expects;

  std::bernoulli_distribution valid_bit(opt.valid_density);
  std::bernoulli_distribution routed(opt.routed_fraction);
  std::vector<std::uint64_t> data(static_cast<std::size_t>(n));
  Config cfg(topo);
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t cyc = 0; cyc < opt.cycles; ++cyc) {
    // Stimulus.
    LaneSet valid;
    for (int p = 0; p < n; ++p) {
      data[static_cast<std::size_t>(p)] = rng() & dmask;
      if (valid_bit(rng)) valid.set(static_cast<std::size_t>(p));
    }
    const Routed* wave = nullptr;
    if (!pool.empty() && routed(rng)) {
      wave = &pool[static_cast<std::size_t>(rng() % pool.size())];
      cfg = wave->config;
    } else {
      for (auto& m : cfg.modes) m = static_cast<birrd::Mode>(rng() & 3);
      cfg.mask.reset();
      for (int p = 0; p < n; ++p) cfg.mask.set(static_cast<std::size_t>(p), (rng() & 1) != 0);
    }
    const bool reset_now = opt.reset_at != 0 && cyc == opt.reset_at;
    if (wave && !reset_now) {
      Expect e{cyc + static_cast<std::uint64_t>(stages) - 1, {}};
      for (int p = 0; p < n; ++p) {
        const auto& set = wave->target.out[static_cast<std::size_t>(p)];
        if (set.none() || (set & ~valid).any()) continue;  // an invalid input: no result
        std::uint64_t sum = 0;
        for (int j = 0; j < n; ++j) {
          if (set.test(static_cast<std::size_t>(j)))
            sum = (sum + data[static_cast<std::size_t>(j)]) & dmask;
        }
        e.sums.emplace_back(p, sum);
      }
      expects.push_back(std::move(e));
    }
    dut.set_inputs(data, valid, cfg.pack_cmd(), cfg.pack_mask());
    if (reset_now) {
      dut.set_reset(true);
      model.reset();
      expects.clear();
      dut.clock();
      dut.set_reset(false);
    } else {
      dut.clock();
      model.step(data, valid, cfg);
    }
    res.cycles = cyc + 1;

    // Compare: stage registers first (earliest stage names the divergence), then outputs.
    auto fail = [&](std::string what) {
      res.ok = false;
      res.mismatch = fmt::format("cycle {}: {}", cyc, what);
    };
    if (opt.check_stages) {
      for (int s = 0; s < stages && res.ok; ++s) {
        for (int p = 0; p < n; ++p) {
          auto e = model.stage_data(s, p);
          auto a = dut.stage_data(s, p);
          const char* side = (p & 1) ? "hi" : "lo";
          if (e != a) {
            fail(fmt::format("stage {} switch {} port {} (lane {}): data expected {} actual {}", s,
                             p / 2, side, p, hex(e), hex(a)));
            break;
          }
          bool ev = model.stage_valid(s, p);
          bool av = dut.stage_valid(s, p);
          if (ev != av) {
            fail(fmt::format("stage {} switch {} port {} (lane {}): valid expected {} actual {}", s,
                             p / 2, side, p, ev ? 1 : 0, av ? 1 : 0));
            break;
          }
        }
      }
    }
    for (int p = 0; p < n && res.ok; ++p) {
      if (model.data_out(p) != dut.data_out(p)) {
        fail(fmt::format("output lane {}: data_o expected {} actual {}", p, hex(model.data_out(p)),
                         hex(dut.data_out(p))));
      } else if (model.valid_out(p) != dut.valid_out(p)) {
        fail(fmt::format("output lane {}: valid_o expected {} actual {}", p,
                         model.valid_out(p) ? 1 : 0, dut.valid_out(p) ? 1 : 0));
      }
    }
    // Functional scoreboard for routed waves.
    while (res.ok && !expects.empty() && expects.front().out_cycle == cyc) {
      for (auto [p, sum] : expects.front().sums) {
        ++res.results_checked;
        if (!dut.valid_out(p) || dut.data_out(p) != sum) {
          fail(fmt::format("output lane {}: routed result expected {} (valid) actual {} ({})", p,
                           hex(sum), hex(dut.data_out(p)), dut.valid_out(p) ? "valid" : "invalid"));
        }
      }
      expects.pop_front();
    }
    if (!res.ok) break;
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!opt.trace_path.empty()) {
    dut.close_trace();
    if (!res.ok) {
      // Reopen the save file with a marker on the divergence (2 time units per cycle).
      write_birrd_gtkw(dut, opt.trace_path, static_cast<long>(2 * (res.cycles)));
    }
  }
  return res;
}

}  // namespace feather::sim
