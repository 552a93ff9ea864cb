#include "feather/sim/nest_cosim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>
#include <string_view>
#include <utility>

#include "feather/birrd/model.hpp"
#include "feather/sim/gtkw.hpp"
#include "lockstep.hpp"

namespace feather::sim {

using nest::NestInputs;
using nest::NestParams;

void write_nest_gtkw(const NestDut& dut, const std::string& fst_path, long marker,
                     const Divergence* divergence, long zoom_start, long zoom_end) {
  const auto& p = dut.params();
  const std::string top = dut.trace_scope();
  const auto vec = gtkw_vector;
  GtkwFile f = gtkw_file(fst_path, marker, divergence, zoom_start, zoom_end);
  GtkwGroup ports = gtkw_ports_group(top);
  ports.signals.push_back({vec(top + ".act_valid_i", p.aw), false});
  ports.signals.push_back({vec(top + ".act_i", p.aw * p.ow), true});
  ports.signals.push_back({vec(top + ".ld_valid_i", p.aw), false});
  ports.signals.push_back({vec(top + ".col_valid_o", p.aw), false});
  ports.signals.push_back({vec(top + ".col_err_o", p.aw), false});
  ports.signals.push_back({vec(top + ".col_data_o", p.aw * p.accw), true});
  f.groups.push_back(ports);
  for (int c = 0; c < p.aw; ++c) {
    GtkwGroup g{fmt::format("column {}", c), {}, c == 0 && !divergence};
    for (int r = 0; r < p.ah; ++r) {
      std::string pe = fmt::format("{}.g_col[{}].g_row[{}].u_pe", top, c, r);
      g.signals.push_back({pe + ".ov_q", false});
      g.signals.push_back({vec(pe + ".acc_q", p.accw), true});
      g.signals.push_back({vec(pe + ".out_q", p.accw), true});
    }
    f.groups.push_back(std::move(g));
  }
  write_gtkw(gtkw_path_for(fst_path), f);
}

namespace {

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

// Waveform names of a PE's registers and of the ports.
std::string pe_signal(const NestDut& dut, int r, int c, const char* sig) {
  const auto& p = dut.params();
  const std::string name =
      fmt::format("{}.g_col[{}].g_row[{}].u_pe.{}", dut.trace_scope(), c, r, sig);
  return std::string_view(sig) == "ov_q" ? name : gtkw_vector(name, p.accw);
}
std::string port_signal(const NestDut& dut, const char* name, int width) {
  return gtkw_vector(fmt::format("{}.{}", dut.trace_scope(), name), width);
}

struct Diff {
  std::string text;  // empty: no difference
  Divergence d;      // cycle and wave time filled in by the caller
};

// Compares every observable register; returns the first difference.
Diff compare(const NestDut& dut, const nest::CycleModel& m, bool pes) {
  const auto& p = dut.params();
  if (pes) {
    for (int c = 0; c < p.aw; ++c) {
      for (int r = 0; r < p.ah; ++r) {
        auto at = [&](const char* sig, std::uint64_t e, std::uint64_t a) {
          Diff df{fmt::format("row {} column {} signal {}: expected {} actual {}", r, c, sig,
                              hex(e), hex(a)),
                  {}};
          df.d.unit = fmt::format("row{}.col{}.{}", r, c, sig);
          df.d.signal = pe_signal(dut, r, c, sig);
          // The PE's other registers, the PEs above and below in the column, the column's
          // streamed input and output.
          for (const char* other : {"acc_q", "out_q", "ov_q"}) {
            if (std::string_view(other) != sig)
              df.d.neighbours.push_back(pe_signal(dut, r, c, other));
          }
          for (int rr : {r - 1, r + 1}) {
            if (rr >= 0 && rr < p.ah) df.d.neighbours.push_back(pe_signal(dut, rr, c, sig));
          }
          df.d.neighbours.push_back(port_signal(dut, "act_valid_i", p.aw));
          df.d.neighbours.push_back(port_signal(dut, "act_i", p.aw * p.ow));
          df.d.neighbours.push_back(port_signal(dut, "col_valid_o", p.aw));
          df.d.neighbours.push_back(port_signal(dut, "col_data_o", p.aw * p.accw));
          return df;
        };
        if (m.pe_acc(r, c) != dut.pe_acc(r, c))
          return at("acc_q", m.pe_acc(r, c), dut.pe_acc(r, c));
        if (m.pe_out(r, c) != dut.pe_out(r, c))
          return at("out_q", m.pe_out(r, c), dut.pe_out(r, c));
        if (m.pe_ov(r, c) != dut.pe_ov(r, c)) return at("ov_q", m.pe_ov(r, c), dut.pe_ov(r, c));
      }
    }
  }
  for (int c = 0; c < p.aw; ++c) {
    auto at = [&](const char* sig, std::uint64_t e, std::uint64_t a, int width) {
      Diff df{fmt::format("column {} signal {}: expected {} actual {}", c, sig, hex(e), hex(a)),
              {}};
      df.d.unit = fmt::format("col{}.{}", c, sig);
      df.d.signal = port_signal(dut, sig, width);
      for (const auto& [other, w] : {std::pair<const char*, int>{"col_valid_o", p.aw},
                                     {"col_err_o", p.aw},
                                     {"col_data_o", p.aw * p.accw}}) {
        if (std::string_view(other) != sig) df.d.neighbours.push_back(port_signal(dut, other, w));
      }
      df.d.neighbours.push_back(pe_signal(dut, p.ah - 1, c, "out_q"));
      df.d.neighbours.push_back(pe_signal(dut, p.ah - 1, c, "acc_q"));
      return df;
    };
    if (m.col_valid(c) != dut.col_valid(c))
      return at("col_valid_o", m.col_valid(c), dut.col_valid(c), p.aw);
    if (m.col_err(c) != dut.col_err(c)) return at("col_err_o", m.col_err(c), dut.col_err(c), p.aw);
    if (m.col_data(c) != dut.col_data(c))
      return at("col_data_o", m.col_data(c), dut.col_data(c), p.aw * p.accw);
  }
  return {};
}

// The stationary memories have no reset: write zeros into every entry of both banks of the DUT
// and the model, so they start from the same contents whatever ran on the DUT before.
// Returns the clock cycles it took.
long clear_stationary(NestDut& dut, nest::CycleModel& m) {
  const NestParams& p = dut.params();
  NestInputs in(p);
  for (int r = 0; r < p.ah; ++r) {
    for (int b = 0; b < 2; ++b) {
      for (int i = 0; i < p.depth; ++i) {
        for (int c = 0; c < p.aw; ++c) {
          const auto cz = static_cast<std::size_t>(c);
          in.ld_valid[cz] = 1;
          in.ld_row[cz] = static_cast<std::uint32_t>(r);
          in.ld_bank[cz] = static_cast<std::uint8_t>(b);
          in.ld_idx[cz] = static_cast<std::uint32_t>(i);
          in.ld_data[cz] = 0;
        }
        dut.set_inputs(in);
        dut.clock();
        m.step(in);
      }
    }
  }
  NestInputs idle(p);
  for (int k = 0; k < 2; ++k) {
    dut.set_inputs(idle);
    dut.clock();
    m.step(idle);
  }
  return 2L * p.ah * p.depth + 2;
}

// Coverage bins: reduction lengths, zero-point classes, the compiled configurations.
struct NestCoverage {
  CoverageGroup* red_len = nullptr;
  CoverageGroup* zp = nullptr;

  NestCoverage(Coverage& cov, const NestParams& p) {
    const std::string cfg = fmt::format("{}x{}", p.ah, p.aw);
    std::vector<std::string> bins;
    for (int k = 1; k <= p.depth; ++k) bins.push_back(std::to_string(k));
    red_len = &cov.group("nest " + cfg + ": reduction length",
                         "phases by reduction length (red_len_m1 + 1)", bins);
    zp = &cov.group("nest " + cfg + ": zero points",
                    "phases by activation / weight zero point class",
                    {"act_zp=0", "act_zp=max", "act_zp=other", "w_zp=0", "w_zp=max", "w_zp=other"});
    bins.clear();
    std::size_t me = 0;
    for (const auto& d : nest_duts()) {
      if (d.params.ah == p.ah && d.params.aw == p.aw) me = bins.size();
      bins.push_back(fmt::format("{}x{}", d.params.ah, d.params.aw));
    }
    auto& configs = cov.group("nest: array configurations",
                              "compiled NEST configurations run by nest-cosim", bins);
    ++configs.hits[me];
  }
  void phase(int len, std::uint32_t act_zp, std::uint32_t w_zp, std::uint32_t omask) {
    ++red_len->hits[static_cast<std::size_t>(len - 1)];
    auto cls = [&](std::uint32_t v) -> std::size_t { return v == 0 ? 0 : v == omask ? 1 : 2; };
    ++zp->hits[cls(act_zp)];
    ++zp->hits[3 + cls(w_zp)];
  }
};

}  // namespace

NestCosimResult run_nest_cosim(NestDut& dut, const NestCosimOptions& opt) {
  NestCosimResult res;
  const NestParams p = dut.params();
  nest::CycleModel m(p);
  if (opt.fault) m.inject_fault(*opt.fault);
  std::mt19937_64 rng(opt.seed);
  std::optional<NestCoverage> cov;
  if (opt.coverage) cov.emplace(*opt.coverage, p);

  auto prepare = [&] {  // reset, clear the stationary memories, reset again
    dut.set_reset(true);
    dut.clock();
    dut.set_reset(false);
    const long cleared = clear_stationary(dut, m);
    m.reset();
    dut.set_reset(true);
    dut.clock();
    dut.set_reset(false);
    return 2 + cleared;
  };

  const auto aw = static_cast<std::size_t>(p.aw);
  const std::uint32_t omask = (1U << p.ow) - 1;
  auto pick_zp = [&]() -> std::uint32_t {
    switch (rng() % 4) {
      case 0:
        return 0;
      case 1:
        return omask;
      default:
        return static_cast<std::uint32_t>(rng()) & omask;
    }
  };
  NestInputs in(p);
  std::vector<std::uint64_t> beats(aw, 0);
  std::vector<std::uint8_t> bank(aw, 0);
  int len = 1;
  std::uint64_t phase_end = 0;
  bool closing = false;
  int drain = 0;  // idle cycles left before the next phase
  auto step = [&](std::uint64_t cyc) {
    if (cyc >= phase_end && !closing) closing = true;
    bool all_closed = closing;
    if (closing) {
      for (std::size_t c = 0; c < aw; ++c)
        all_closed = all_closed && beats[c] % static_cast<std::uint64_t>(len) == 0;
    }
    if (all_closed && drain == 0 && closing) {
      // Every column finished its last sum: let the pipelines drain before the masks change (a
      // row outside the old window may still hold a sum in flight).
      drain = p.ah + 6;
      closing = false;
      phase_end = ~std::uint64_t{0};
    }
    if (drain > 0 && --drain == 0) {
      // New phase: reduction length, zero points, masks. Active rows of a column lie within a
      // window of `len` rows, so no two rows finish together even with valid gaps.
      len = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(p.depth));
      in.red_len_m1 = static_cast<std::uint32_t>(len - 1);
      in.act_zp = pick_zp();
      in.w_zp = pick_zp();
      for (std::size_t c = 0; c < aw; ++c) {
        const int r0 = static_cast<int>(rng() % static_cast<std::uint64_t>(p.ah));
        for (int r = 0; r < p.ah; ++r) {
          const bool in_window = r >= r0 && r < r0 + len;
          in.pe_mask[c * static_cast<std::size_t>(p.ah) + static_cast<std::size_t>(r)] =
              in_window && (rng() % 4 != 0);
        }
        beats[c] = 0;
      }
      phase_end = cyc + 20 + rng() % 200;
      closing = false;
      if (cov) cov->phase(len, in.act_zp, in.w_zp, omask);
    }
    const bool draining = drain > 0;
    for (std::size_t c = 0; c < aw; ++c) {
      const bool must = closing && beats[c] % static_cast<std::uint64_t>(len) != 0;
      const bool stream = !draining && (!closing || must);
      in.act_valid[c] = stream && (rng() % 5 != 0) ? 1 : 0;
      in.act[c] = static_cast<std::uint32_t>(rng()) & omask;
      if (in.act_valid[c]) {
        if (rng() % 50 == 0) bank[c] ^= 1;  // ping-pong swap mid-stream
        ++beats[c];
      }
      in.act_bank[c] = bank[c];
      in.ld_valid[c] = rng() % 2;
      in.ld_row[c] = static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(p.ah));
      in.ld_bank[c] = static_cast<std::uint8_t>(rng() & 1);
      in.ld_idx[c] = static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(p.depth));
      in.ld_data[c] = static_cast<std::uint32_t>(rng()) & omask;
    }
    dut.set_inputs(in);
    if (opt.reset_at != 0 && cyc == opt.reset_at) {
      dut.set_reset(true);
      dut.clock();
      dut.set_reset(false);
      m.reset();
      std::fill(beats.begin(), beats.end(), 0);
    } else {
      dut.clock();
      m.step(in);
    }
  };
  auto check = [&](std::uint64_t) -> std::optional<detail::Mismatch> {
    for (int c = 0; c < p.aw; ++c) {
      res.sums += m.col_valid(c) ? 1 : 0;
      res.collisions += m.col_err(c) ? 1 : 0;
    }
    auto diff = compare(dut, m, opt.check_pes);
    if (diff.text.empty()) return std::nullopt;
    return detail::Mismatch{std::move(diff.text), std::move(diff.d)};
  };
  detail::run_lockstep(dut, opt, res, prepare, step, check,
                       [&](long marker, const Divergence* d, long zoom_start, long zoom_end) {
                         write_nest_gtkw(dut, opt.trace_path, marker, d, zoom_start, zoom_end);
                       });
  return res;
}

NestCosimResult run_nest_schedule(NestDut& dut, const nest::NestSchedule& s,
                                  std::vector<std::vector<std::uint64_t>>& got,
                                  const std::string& trace_path) {
  NestCosimResult res;
  const NestParams p = dut.params();
  nest::CycleModel m(p);
  got.assign(static_cast<std::size_t>(p.aw), {});
  if (!trace_path.empty()) {
    dut.open_trace(trace_path);
    write_nest_gtkw(dut, trace_path);
    res.gtkw_path = gtkw_path_for(trace_path);
  }
  dut.set_reset(true);
  dut.clock();
  dut.set_reset(false);
  clear_stationary(dut, m);
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& in : s.cycles) {
    dut.set_inputs(in);
    dut.clock();
    m.step(in);
    ++res.cycles;
    for (int c = 0; c < p.aw; ++c) {
      if (dut.col_valid(c)) {
        got[static_cast<std::size_t>(c)].push_back(dut.col_data(c));
        ++res.sums;
      }
      res.collisions += dut.col_err(c) ? 1 : 0;
    }
    auto diff = compare(dut, m, true);
    if (!diff.text.empty()) {
      res.ok = false;
      res.mismatch = fmt::format("cycle {}: {}", res.cycles - 1, diff.text);
      break;
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!trace_path.empty()) dut.close_trace();
  return res;
}

NestBirrdResult run_nest_birrd_gemm(NestBirrdDut& dut, const nest::GemmTile& tile,
                                    const std::vector<int>& port_of_row, std::uint64_t seed,
                                    const std::string& trace_path) {
  NestBirrdResult res;
  const NestParams p = dut.params();
  std::mt19937_64 rng(seed);
  nest::ScheduleOptions so;
  so.gap_probability = 0.2;  // lockstep gaps keep each wave aligned across columns
  so.red_len = p.depth;
  so.drain = p.ah + 16 + dut.stages();
  auto s = nest::schedule_gemm(p, tile, so, rng);
  const int g = s.columns;
  if ((g & (g - 1)) != 0) {
    throw std::invalid_argument(
        fmt::format("nest+birrd GEMM: K must span a power-of-two number of columns, got {}", g));
  }
  if (static_cast<int>(port_of_row.size()) != tile.n) {
    throw std::invalid_argument("nest+birrd GEMM: one output port per row (n) is required");
  }
  birrd::Topology topo(p.aw, dut.wiring(), dut.stages());
  std::vector<birrd::Config> cfg_of_row;
  for (int r = 0; r < tile.n; ++r) {
    birrd::Target t(p.aw);
    for (int c = 0; c < g; ++c)
      t.out[static_cast<std::size_t>(port_of_row[static_cast<std::size_t>(r)])].set(
          static_cast<std::size_t>(c));
    auto rr = birrd::route(topo, t, {.sat_seconds = 20});
    if (!rr.ok()) throw std::runtime_error("nest+birrd GEMM: target not routable: " + rr.reason);
    cfg_of_row.push_back(rr.config);
  }
  const birrd::Config idle(topo);
  nest::CycleModel nm(p);
  birrd::CycleModel bm(topo, p.accw);
  if (!trace_path.empty()) dut.open_trace(trace_path);
  dut.set_reset(true);
  dut.clock();
  dut.set_reset(false);
  std::deque<std::pair<int, std::uint64_t>> expect;  // (port, value) in wave order
  std::uint64_t wave = 0;
  std::vector<std::uint64_t> col(static_cast<std::size_t>(p.aw));
  for (const auto& in : s.cycles) {
    // The wave on the column outputs now enters BIRRD with its configuration.
    birrd::LaneSet valid;
    for (int c = 0; c < p.aw; ++c) {
      col[static_cast<std::size_t>(c)] = nm.col_data(c);
      valid[static_cast<std::size_t>(c)] = nm.col_valid(c);
    }
    const birrd::Config* cfg = &idle;
    if (nm.col_valid(0)) {
      const int r = static_cast<int>(wave % static_cast<std::uint64_t>(tile.n));
      const int mi = static_cast<int>(wave / static_cast<std::uint64_t>(tile.n));
      cfg = &cfg_of_row[static_cast<std::size_t>(r)];
      expect.emplace_back(port_of_row[static_cast<std::size_t>(r)],
                          s.full[static_cast<std::size_t>(mi)][static_cast<std::size_t>(r)]);
      ++wave;
    }
    dut.set_inputs(in, cfg->pack_cmd(), cfg->pack_mask());
    dut.clock();
    bm.step(col, valid, *cfg);
    nm.step(in);
    ++res.cycles;
    const auto cyc = res.cycles - 1;
    for (int q = 0; q < p.aw && res.ok; ++q) {
      if (bm.valid_out(q) != dut.out_valid(q) || bm.data_out(q) != dut.out_data(q)) {
        res.ok = false;
        res.mismatch = fmt::format("cycle {}: output lane {}: expected {} ({}) actual {} ({})", cyc,
                                   q, hex(bm.data_out(q)), bm.valid_out(q) ? "valid" : "invalid",
                                   hex(dut.out_data(q)), dut.out_valid(q) ? "valid" : "invalid");
      }
      if (res.ok && nm.col_err(q) != dut.col_err(q)) {
        res.ok = false;
        res.mismatch = fmt::format("cycle {}: column {} col_err_o: expected {} actual {}", cyc, q,
                                   nm.col_err(q), dut.col_err(q));
      }
      if (res.ok && dut.out_valid(q)) {
        if (expect.empty()) {
          res.ok = false;
          res.mismatch = fmt::format("cycle {}: unexpected result on lane {}", cyc, q);
        } else {
          auto [port, value] = expect.front();
          expect.pop_front();
          ++res.results;
          if (port != q || value != dut.out_data(q)) {
            res.ok = false;
            res.mismatch = fmt::format("cycle {}: result expected {} on lane {}, got {} on lane {}",
                                       cyc, hex(value), port, hex(dut.out_data(q)), q);
          }
        }
      }
    }
    if (!res.ok) break;
  }
  if (res.ok && !expect.empty()) {
    res.ok = false;
    res.mismatch = fmt::format("{} results never left BIRRD", expect.size());
  }
  if (!trace_path.empty()) dut.close_trace();
  return res;
}

}  // namespace feather::sim
