#include "feather/sim/birrd_cosim.hpp"

#include <fmt/format.h>

#include <bit>
#include <deque>
#include <random>

#include "feather/birrd/router.hpp"
#include "feather/sim/gtkw.hpp"
#include "lockstep.hpp"

namespace feather::sim {

using birrd::Config;
using birrd::LaneSet;
using birrd::Target;
using birrd::TargetClass;

void write_birrd_gtkw(const BirrdDut& dut, const std::string& fst_path, long marker,
                      const Divergence* divergence, long zoom_start, long zoom_end) {
  const std::string top = dut.trace_scope();
  const int n = dut.lanes();
  const int dw = dut.data_width();
  const auto vec = gtkw_vector;
  GtkwFile f = gtkw_file(fst_path, marker, divergence, zoom_start, zoom_end);
  GtkwGroup ports = gtkw_ports_group(top);
  ports.signals.push_back({vec(top + ".valid_i", n), false});
  ports.signals.push_back({vec(top + ".mask_i", n), false});
  ports.signals.push_back({vec(top + ".valid_o", n), false});
  ports.signals.push_back({vec(top + ".data_i", n * dw), true});
  ports.signals.push_back({vec(top + ".data_o", n * dw), true});
  f.groups.push_back(ports);
  for (int s = 0; s < dut.stages(); ++s) {
    std::string st = fmt::format("{}.g_stage[{}]", top, s);
    GtkwGroup g{fmt::format("stage {}", s), {}, s == 0 && !divergence};
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
    switch (k % 6) {
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
      case 4: {
        // Groups of AW, AW/2, ..., 2 lanes in turn, so that every group-size bin up to the
        // whole array (AW/2+1..AW) has a target.
        const int log2 = std::bit_width(static_cast<unsigned>(t.lanes())) - 1;
        const int g = t.lanes() >> ((k / 6) % log2);
        target = birrd::random_target(TargetClass::kFeatherGroups, t.lanes(), rng, g);
        break;
      }
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

// Waveform names of the BIRRD signals a divergence report points at.
struct BirrdNames {
  std::string top;
  int n, dw;
  std::string data_q(int s, int p) const {
    return gtkw_vector(fmt::format("{}.g_stage[{}].data_q[{}]", top, s, p), dw);
  }
  std::string valid_q(int s) const {
    return gtkw_vector(fmt::format("{}.g_stage[{}].valid_q", top, s), n);
  }
  std::string cmd(int s) const { return gtkw_vector(fmt::format("{}.g_stage[{}].cmd", top, s), n); }
  std::string port(const char* name, int width) const {
    return gtkw_vector(fmt::format("{}.{}", top, name), width);
  }
};

// The divergent stage register (or output) with its switch partner, its switch's command, the
// two registers feeding the switch and the register it feeds.
Divergence stage_divergence(const birrd::Topology& t, const BirrdNames& nm, std::uint64_t cyc,
                            int s, int p, bool valid) {
  Divergence d;
  d.cycle = cyc;
  d.unit =
      fmt::format("stage{}.switch{}.{}{}", s, p / 2, (p & 1) ? "hi" : "lo", valid ? ".valid" : "");
  d.signal = valid ? nm.valid_q(s) : nm.data_q(s, p);
  auto& nb = d.neighbours;
  if (valid) nb.push_back(nm.data_q(s, p));
  nb.push_back(nm.data_q(s, p ^ 1));
  if (!valid) nb.push_back(nm.valid_q(s));
  nb.push_back(nm.cmd(s));
  const int lo = p & ~1;
  if (s == 0) {
    nb.push_back(nm.port("data_i", nm.n * nm.dw));
    nb.push_back(nm.port("valid_i", nm.n));
  } else {
    nb.push_back(nm.data_q(s - 1, t.link_inverse(s - 1, lo)));
    nb.push_back(nm.data_q(s - 1, t.link_inverse(s - 1, lo + 1)));
    nb.push_back(nm.valid_q(s - 1));
  }
  if (s + 1 < t.stages()) nb.push_back(nm.data_q(s + 1, t.link(s, p)));
  return d;
}

Divergence output_divergence(const birrd::Topology& t, const BirrdNames& nm, std::uint64_t cyc,
                             int p, bool valid) {
  Divergence d;
  d.cycle = cyc;
  d.unit = fmt::format("output.lane{}{}", p, valid ? ".valid" : "");
  d.signal = valid ? nm.port("valid_o", nm.n) : nm.port("data_o", nm.n * nm.dw);
  d.neighbours = {valid ? nm.port("data_o", nm.n * nm.dw) : nm.port("valid_o", nm.n),
                  nm.data_q(t.stages() - 1, p), nm.valid_q(t.stages() - 1), nm.port("mask_i", nm.n),
                  nm.cmd(t.stages() - 1)};
  return d;
}

// Coverage bins: the four EGG modes of every switch, the sizes of routed groups (power-of-two
// ranges), the compiled configurations.
struct BirrdCoverage {
  CoverageGroup* modes = nullptr;
  CoverageGroup* sizes = nullptr;
  std::vector<std::size_t> size_bin;  // group size -> bin

  BirrdCoverage(Coverage& cov, const BirrdDut& dut) {
    const int n = dut.lanes();
    const std::string cfg =
        fmt::format("AW={} DW={} {}", n, dut.data_width(), birrd::to_string(dut.wiring()));
    std::vector<std::string> bins;
    for (int s = 0; s < dut.stages(); ++s) {
      for (int i = 0; i < n / 2; ++i) {
        for (auto m :
             {birrd::Mode::kPass, birrd::Mode::kAddLo, birrd::Mode::kAddHi, birrd::Mode::kSwap})
          bins.push_back(fmt::format("s{}.sw{}.{}", s, i, birrd::to_string(m)));
      }
    }
    modes = &cov.group("birrd " + cfg + ": EGG mode per stage and switch",
                       "cycles each switch was commanded into each mode", bins);
    bins.clear();
    size_bin.assign(static_cast<std::size_t>(n) + 1, 0);
    for (int lo = 1, hi = 1; lo <= n; lo = hi + 1, hi *= 2) {
      bins.push_back(lo == hi ? std::to_string(lo) : fmt::format("{}-{}", lo, hi));
      for (int k = lo; k <= hi; ++k) size_bin[static_cast<std::size_t>(k)] = bins.size() - 1;
    }
    sizes = &cov.group("birrd " + cfg + ": reduction group size",
                       "routed output groups by number of input lanes summed", bins);
    bins.clear();
    std::size_t me = 0;
    for (const auto& d : birrd_duts()) {
      if (d.lanes == n && d.data_width == dut.data_width() && d.wiring == dut.wiring())
        me = bins.size();
      bins.push_back(
          fmt::format("AW={} DW={} {}", d.lanes, d.data_width, birrd::to_string(d.wiring)));
    }
    auto& configs = cov.group("birrd: array configurations",
                              "compiled BIRRD configurations run by birrd-cosim", bins);
    ++configs.hits[me];
  }
};

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
  std::optional<BirrdCoverage> cov;
  if (opt.coverage) cov.emplace(*opt.coverage, dut);
  const BirrdNames names{dut.trace_scope(), n, dw};

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

  auto prepare = [&] {  // reset both: one cycle
    dut.set_reset(true);
    dut.clock();
    dut.set_reset(false);
    model.reset();
    return 1L;
  };
  auto step = [&](std::uint64_t cyc) {
    LaneSet valid;
    for (int p = 0; p < n; ++p) {
      data[static_cast<std::size_t>(p)] = rng() & dmask;
      if (valid_bit(rng)) valid.set(static_cast<std::size_t>(p));
    }
    const Routed* wave = nullptr;
    if (!pool.empty() && routed(rng)) {
      wave = &pool[static_cast<std::size_t>(rng() % pool.size())];
      cfg = wave->config;
      // One routed wave in 8 has every input valid: a group of G lanes completes only when all
      // its inputs are valid, which random validity makes vanishingly rare for large G.
      if (rng() % 8 == 0) {
        for (int p = 0; p < n; ++p) valid.set(static_cast<std::size_t>(p));
      }
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
        if (cov) ++cov->sizes->hits[cov->size_bin[set.count()]];
      }
      expects.push_back(std::move(e));
    }
    if (cov && !reset_now) {
      for (std::size_t k = 0; k < cfg.modes.size(); ++k)
        ++cov->modes->hits[4 * k + static_cast<std::size_t>(cfg.modes[k])];
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
  };
  // Stage registers first (the earliest stage names the divergence), then the outputs, then
  // the functional scoreboard of the routed waves leaving the network.
  auto check = [&](std::uint64_t cyc) {
    std::optional<detail::Mismatch> m;
    auto fail = [&](std::string what, Divergence d) { m = detail::Mismatch{std::move(what), d}; };
    if (opt.check_stages) {
      for (int s = 0; s < stages && !m; ++s) {
        for (int p = 0; p < n; ++p) {
          auto e = model.stage_data(s, p);
          auto a = dut.stage_data(s, p);
          const char* side = (p & 1) ? "hi" : "lo";
          if (e != a) {
            fail(fmt::format("stage {} switch {} port {} (lane {}): data expected {} actual {}", s,
                             p / 2, side, p, hex(e), hex(a)),
                 stage_divergence(topo, names, cyc, s, p, false));
            break;
          }
          bool ev = model.stage_valid(s, p);
          bool av = dut.stage_valid(s, p);
          if (ev != av) {
            fail(fmt::format("stage {} switch {} port {} (lane {}): valid expected {} actual {}", s,
                             p / 2, side, p, ev ? 1 : 0, av ? 1 : 0),
                 stage_divergence(topo, names, cyc, s, p, true));
            break;
          }
        }
      }
    }
    for (int p = 0; p < n && !m; ++p) {
      if (model.data_out(p) != dut.data_out(p)) {
        fail(fmt::format("output lane {}: data_o expected {} actual {}", p, hex(model.data_out(p)),
                         hex(dut.data_out(p))),
             output_divergence(topo, names, cyc, p, false));
      } else if (model.valid_out(p) != dut.valid_out(p)) {
        fail(fmt::format("output lane {}: valid_o expected {} actual {}", p,
                         model.valid_out(p) ? 1 : 0, dut.valid_out(p) ? 1 : 0),
             output_divergence(topo, names, cyc, p, true));
      }
    }
    while (!m && !expects.empty() && expects.front().out_cycle == cyc) {
      for (auto [p, sum] : expects.front().sums) {
        ++res.results_checked;
        if (!dut.valid_out(p) || dut.data_out(p) != sum) {
          fail(fmt::format("output lane {}: routed result expected {} (valid) actual {} ({})", p,
                           hex(sum), hex(dut.data_out(p)), dut.valid_out(p) ? "valid" : "invalid"),
               output_divergence(topo, names, cyc, p, !dut.valid_out(p)));
        }
      }
      expects.pop_front();
    }
    return m;
  };
  detail::run_lockstep(dut, opt, res, prepare, step, check,
                       [&](long marker, const Divergence* d, long zoom_start, long zoom_end) {
                         write_birrd_gtkw(dut, opt.trace_path, marker, d, zoom_start, zoom_end);
                       });
  return res;
}

}  // namespace feather::sim
