// The layer compiler's layout search (the file comment of compiler.cpp): layout candidates,
// the brute-force bank-conflict checks of every access a mapping makes (the rules of
// docs/isa.md), the split of an N-tile's blocks into ExecuteStreaming runs, and evaluate(), which
// picks the three layouts of one mapping.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "compiler_internal.hpp"

namespace feather::top::compiler_detail {

namespace {

// Small bank-occupancy tracker: which flat index uses each bank in the current step.
struct BankSet {
  std::vector<u64> who, stamp;
  u64 now = 0;
  explicit BankSet(u64 aw) : who(aw, 0), stamp(aw, 0) {}
  void next() { ++now; }
  // Claims `bank` for VN `l`; false on a conflict (another VN in that bank this step).
  bool claim(u64 bank, u64 l) {
    if (stamp[bank] == now) return who[bank] == l;
    stamp[bank] = now;
    who[bank] = l;
    return true;
  }
};

// Layout candidates for a buffer holding VNs a < ea, b < eb, smallest footprint first. The
// basic set pads F1 to 1 or AW/F0 and F2 to 1, kpar or AW; the extended set (tried when the
// basic one has no conflict-free layout that fits) tries every residue of F1 mod AW/F0 and of
// F2 mod AW.
std::vector<Layout> layout_candidates(const Geo& g, u64 ea, u64 eb, u64 kpar, bool extended) {
  std::vector<Layout> out;
  for (std::uint32_t order = 0; order <= 5; ++order) {
    for (std::uint32_t f0log = 0; f0log <= static_cast<std::uint32_t>(g.awl); ++f0log) {
      // With F0 = 1 orders 0..2 (b outer) and 3..5 (a outer) coincide.
      if (f0log == 0 && order != 0 && order != 3) continue;
      if (static_cast<int>(f0log) > g.xw - 1) continue;
      const u64 f0 = u64{1} << f0log;
      const u64 f1a = ceil_div(ea, f0);
      const u64 f1_period = std::max<u64>(1, g.aw / f0);
      std::vector<u64> f1s = {f1a, round_up(f1a, f1_period)};
      std::vector<u64> f2s = {eb, round_up(eb, kpar), round_up(eb, g.aw)};
      if (extended) {
        for (u64 d = 1; d < f1_period; ++d) f1s.push_back(f1a + d);
        for (u64 d = 1; d < g.aw; ++d) f2s.push_back(eb + d);
      }
      for (u64 f1 : f1s) {
        for (u64 f2 : f2s) out.push_back(Layout{order, f0log, f1, f2, 0});
      }
    }
  }
  auto key = [&](const Layout& l) {
    return std::tuple(footprint(l, g), l.order, l.f0log, l.f1, l.f2);
  };
  std::sort(out.begin(), out.end(),
            [&](const Layout& x, const Layout& y) { return key(x) < key(y); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conflict checks (brute force, the rules of docs/isa.md).

// Direct convolution: in the step of block b of output row oy and tap (ry, sx), column (rep, kg)
// reads IVN(iy*w + ix, j0 + kg) with iy = oy*stride + ry*dil - pad, ix = (b*reps + rep)*stride +
// sx*dil - pad, or nothing (padding) outside the image.
//
// Rows repeat: moving every pixel of a step by F0*AW moves every flat index by AW times the
// d1 stride, which keeps the banks and which reads coincide. So per tap only one row of each
// residue of iy*w modulo F0*AW is checked.
bool ivn_window_ok(const Geo& g, const Problem& p, const Map& m, const Layout& l) {
  const Direct& d = *p.direct;
  const u64 np = passes(g, p, m), row_blocks = d.ow / m.reps;
  const auto sh = static_cast<std::int64_t>(d.h), sw = static_cast<std::int64_t>(d.w);
  // (No row is skipped for an absurd F0 of a given layout: the period would not fit memory.)
  const u64 period = l.f0log + g.awl <= 20 ? l.f0() * g.aw : 0;
  std::vector<char> seen(period);
  BankSet banks(g.aw);
  for (u64 pass = 0; pass < np; ++pass) {
    const u64 j0 = pass * m.kpar;
    for (u64 ry = 0; ry < d.r; ++ry) {
      for (u64 sx = 0; sx < d.s; ++sx) {
        const auto dy =
            static_cast<std::int64_t>(ry * d.dil) - static_cast<std::int64_t>(d.pad) + d.y0;
        const auto dx = static_cast<std::int64_t>(sx * d.dil) - static_cast<std::int64_t>(d.pad);
        std::fill(seen.begin(), seen.end(), 0);
        for (u64 oy = 0; oy < d.oh; ++oy) {
          const std::int64_t iy = static_cast<std::int64_t>(oy * d.stride) + dy;
          if (iy < 0 || iy >= sh) continue;
          if (period > 0) {
            char& done = seen[static_cast<u64>(iy * sw) % period];
            if (done) continue;
            done = 1;
          }
          for (u64 b = 0; b < row_blocks; ++b) {
            banks.next();
            for (u64 rep = 0; rep < m.reps; ++rep) {
              const std::int64_t ix = static_cast<std::int64_t>((b * m.reps + rep) * d.stride) + dx;
              if (ix < 0 || ix >= sw) continue;
              const u64 a = static_cast<u64>(iy * sw + ix);
              for (u64 kg = 0; kg < m.kpar; ++kg) {
                const u64 j = j0 + kg;
                if (j >= l.f2) break;
                const u64 fl = flat(l, a, j);
                if (!banks.claim(fl & (g.aw - 1), fl)) return false;
              }
            }
          }
        }
      }
    }
  }
  return true;
}

// ExecuteStreaming reads: in one step, column (rep, kg) reads IVN(b*reps + rep, j0 + kg).
bool ivn_ok(const Geo& g, const Problem& p, const Map& m, const Layout& l) {
  if (p.direct) return ivn_window_ok(g, p, m, l);
  const u64 np = passes(g, p, m), nb = blocks(p, m), ea = extent_a(l);
  BankSet banks(g.aw);
  for (u64 pass = 0; pass < np; ++pass) {
    const u64 j0 = pass * m.kpar;
    for (u64 blk = 0; blk < nb; ++blk) {
      banks.next();
      for (u64 rep = 0; rep < m.reps; ++rep) {
        const u64 mm = blk * m.reps + rep;
        if (mm >= ea) break;
        for (u64 kg = 0; kg < m.kpar; ++kg) {
          const u64 j = j0 + kg;
          if (j >= l.f2) break;
          const u64 fl = flat(l, mm, j);
          if (!banks.claim(fl & (g.aw - 1), fl)) return false;
        }
      }
    }
  }
  return true;
}

// ExecuteMapping reads: in step (r, e), column (kg, nsub) reads WVN(j0 + kg, n0 + r + AH*nsub).
// Also collects, per group, the line range [lo, hi) the group's mappings read.
bool wvn_ok(const Geo& g, const Problem& p, const Map& m, const std::vector<Tile>& tiles,
            const Layout& l, std::vector<std::pair<u64, u64>>* ranges) {
  const u64 np = passes(g, p, m), ea = extent_a(l);
  if (ranges) ranges->assign(p.groups, {kNone, 0});
  BankSet banks(g.aw);
  for (const Tile& t : tiles) {
    for (u64 pass = 0; pass < np; ++pass) {
      const u64 j0 = pass * m.kpar;
      for (u64 r = 0; r < m.vn; ++r) {
        banks.next();
        for (u64 kg = 0; kg < m.kpar; ++kg) {
          const u64 j = j0 + kg;
          if (j >= l.f2) break;
          for (u64 nsub = 0; nsub < m.gc; ++nsub) {
            const u64 n = t.n0 + r + g.ah * nsub;
            if (n >= ea) break;
            const u64 fl = flat(l, n, j);
            if (!banks.claim(fl & (g.aw - 1), fl)) return false;
            if (ranges) {
              auto& rg = (*ranges)[t.group];
              const u64 line = (fl >> g.awl) * g.ah;
              rg.first = std::min(rg.first, line);
              rg.second = std::max(rg.second, line + g.ah);
            }
          }
        }
      }
    }
  }
  return true;
}

// Output banks of every block of one tile: bv[blk*gr + x] = bank of group x, -1 if not live.
// False if a block has two live groups in one bank, a group whose bank changes between rows,
// or a live channel beyond the requantization table.
bool tile_banks(const Geo& g, const Problem& p, const Map& m, const Layout& l, const Tile& t,
                std::vector<int>& bv) {
  const u64 nb = blocks(p, m), ea = extent_a(l);
  bv.assign(nb * m.gr, -1);
  BankSet banks(g.aw);
  for (u64 blk = 0; blk < nb; ++blk) {
    banks.next();
    for (u64 x = 0; x < m.gr; ++x) {
      const u64 mm = blk * m.reps + (x >> m.gclog);
      if (mm >= ea) continue;
      const u64 nsub = x & (m.gc - 1);
      // q takes at most two values over the rows r < vn: check the first and the last row.
      int bank = -1;
      for (u64 r : {u64{0}, u64{m.vn - 1}}) {
        const u64 n = t.n0 + r + g.ah * nsub;
        const u64 q = n >> g.ahl;
        if (q >= l.f2) continue;
        // The largest channel of a live row with this q must have a requantization entry.
        const u64 nmax = std::min(t.n0 + m.vn - 1 + g.ah * nsub, ((q + 1) << g.ahl) - 1);
        if (nmax >= g.qd) return false;
        const int b = static_cast<int>(flat(l, mm, q) & (g.aw - 1));
        if (bank >= 0 && bank != b) return false;
        bank = b;
      }
      if (bank < 0) continue;
      if (!banks.claim(static_cast<u64>(bank), x)) return false;
      bv[blk * m.gr + x] = bank;
    }
  }
  return true;
}

// Splits the blocks of a tile into runs with constant banks (see the file comment).
std::vector<EsRun> schedule_tile(const Geo& g, const Map& m, u64 nb, const std::vector<int>& bv) {
  std::vector<EsRun> best;
  bool have = false;
  std::vector<int> ports(m.gr), owner(g.aw);
  auto reset = [&] {
    std::fill(ports.begin(), ports.end(), -1);
    std::fill(owner.begin(), owner.end(), -1);
  };
  auto merge = [&](u64 blk) {
    const int* v = &bv[blk * m.gr];
    for (u64 x = 0; x < m.gr; ++x) {
      const int b = v[x];
      if (b < 0) continue;
      if (ports[x] >= 0) {
        if (ports[x] != b) return false;
      } else if (owner[static_cast<u64>(b)] >= 0) {
        return false;
      }
    }
    for (u64 x = 0; x < m.gr; ++x) {
      const int b = v[x];
      if (b >= 0 && ports[x] < 0) {
        ports[x] = b;
        owner[static_cast<u64>(b)] = static_cast<int>(x);
      }
    }
    return true;
  };
  for (u64 s = 1;; s *= 2) {
    if (have && s >= best.size()) break;  // every residue class needs one run
    std::vector<EsRun> runs;
    bool worse = false;
    for (u64 rho = 0; rho < std::min(s, nb) && !worse; ++rho) {
      u64 i = rho;
      while (i < nb) {
        reset();
        merge(i);
        u64 t = 1, i2 = i + s;
        while (i2 < nb && t < g.max_field && merge(i2)) {
          ++t;
          i2 += s;
        }
        runs.push_back({i * m.reps, t > 1 ? s * m.reps : m.reps, t, ports});
        if (have && runs.size() >= best.size()) {
          worse = true;
          break;
        }
        i = i2;
      }
    }
    if (!worse) {
      best = std::move(runs);
      have = true;
    }
    if (s >= nb) break;
  }
  return best;
}

// The first (smallest) conflict-free layout that fits, searching the basic candidates, then the
// extended ones. `min_need` gets the smallest conflict-free footprint seen.
template <typename Ok, typename Fit>
std::optional<Layout> first_fit(const Geo& g, u64 ea, u64 eb, u64 kpar, Ok ok, Fit fit,
                                u64& min_need) {
  min_need = kNone;
  for (bool extended : {false, true}) {
    for (const Layout& l : layout_candidates(g, ea, eb, kpar, extended)) {
      const u64 fp = footprint(l, g);
      if (fp > min_need) break;
      if (!ok(l)) continue;
      min_need = fp;
      if (fit(l)) return l;
    }
  }
  return std::nullopt;
}

// Group-block checks the output-layout search may spend after it found a legal layout.
constexpr u64 kOutputSearchWork = 4'000'000;

}  // namespace

std::vector<WChunk> weight_chunks(const Geo& g, const Problem& p, const Plan& plan) {
  const Layout& l = plan.lw;
  std::vector<WChunk> whole(1);
  whole[0].l = l;
  if (!plan.w_ranges.empty()) std::tie(whole[0].first, whole[0].end) = plan.w_ranges[0];
  const auto& tiles = plan.tiles;
  const bool outer = (l.order == 3 && l.f0log == 0) || l.order == 4 || l.order == 5;
  if (p.groups != 1 || tiles.size() < 2 || !outer || whole[0].first >= whole[0].end) {
    return whole;
  }
  const Map& m = plan.map;
  const u64 f0 = l.f0(), ea = extent_a(l);
  std::vector<WChunk> out;
  u64 line = whole[0].first;
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    const u64 n0 = tiles[t].n0, next = t + 1 < tiles.size() ? tiles[t + 1].n0 : ea;
    // The tile's channels n0 + r + AH*nsub (r < vn, nsub < G_c) must lie in [n0, next), and
    // the chunk start on a vn-row and an F0 boundary.
    if (!tile_owns(g, m, n0, next, ea) || n0 % f0 != 0 || next % f0 != 0 || n0 * l.f2 % g.aw != 0) {
      return whole;
    }
    WChunk c;
    c.l = l;
    c.l.f1 = next / f0;  // channels [0, next): the same lines for each, ending at this chunk's
    c.first = std::max(l.base + n0 * l.f2 / g.aw * g.ah, whole[0].first);
    c.end = std::min(c.l.base + footprint(c.l, g), whole[0].end);
    if (c.first != line || c.end <= c.first) return whole;
    line = c.end;
    out.push_back(c);
  }
  if (line != whole[0].end) return whole;
  return out;
}

// Evaluates one mapping: layouts for the three buffers and the streaming runs. nullopt if some
// buffer has no conflict-free layout that fits (needs are updated).
std::optional<Plan> evaluate(const Geo& g, const Problem& p, const Map& m,
                             const std::optional<Layout>& given,
                             const std::optional<Layout>& out_given, Needs& needs) {
  Plan plan;
  plan.map = m;
  plan.tiles = make_tiles(g, p, m);
  const u64 jg = k_vns(g, p), np = passes(g, p, m), nb = blocks(p, m);
  const u64 q = ceil_div(p.n, g.ah);
  bool ok = true;

  auto no_layout = [&](const char* buffer) {
    needs.conflicts.push_back(
        fmt::format("no conflict-free {} layout for mapping {}", buffer, map_details(m)));
  };
  // Direct convolution streams one output row per ExecuteStreaming: a step's reps output
  // positions must not straddle two rows.
  if (p.direct && p.direct->ow % m.reps != 0) {
    needs.conflicts.push_back(fmt::format(
        "mapping {} streams {} output positions per step, which does not divide the output row "
        "of {} (direct convolution)",
        map_details(m), m.reps, p.direct->ow));
    return std::nullopt;
  }

  // Streaming buffer (input).
  if (given) {
    if (!ivn_ok(g, p, m, *given)) {
      needs.given =
          "the given input layout " + given->to_string() + " has bank conflicts for every mapping";
      return std::nullopt;
    }
    plan.li = *given;
    plan.ivn_given = true;
  } else {
    u64 need = kNone;
    auto l = first_fit(
        g, a_extent(p), jg, m.kpar, [&](const Layout& c) { return ivn_ok(g, p, m, c); },
        [&](const Layout& c) { return fits(c, g, g.sd); }, need);
    if (l && np > 1 && !input_per_pass(g, p, m, *l, false)) {
      // A layout at most 1/8 larger whose first tile loads per K-pass, if one is conflict-free
      // (its VN stride F0*F1 must be odd, e.g. M rounded up to an odd number).
      const u64 fp = footprint(*l, g);
      bool done = false;
      for (bool extended : {false, true}) {
        for (const Layout& c : layout_candidates(g, a_extent(p), jg, m.kpar, extended)) {
          if (footprint(c, g) > fp + fp / 8) break;
          if (input_per_pass(g, p, m, c, false) && ivn_ok(g, p, m, c) && fits(c, g, g.sd)) {
            l = c;
            done = true;
            break;
          }
        }
        if (done) break;
      }
    }
    if (l) {
      plan.li = *l;
      plan.ivn_stacked = p.groups > 1 && footprint(*l, g) * p.groups <= g.sd;
    } else {
      if (need == kNone) no_layout("input (streaming buffer)");
      needs.ivn = std::min(needs.ivn, need);
      ok = false;
    }
  }

  // Stationary buffer (weights): the smallest conflict-free layout, and among those of its
  // footprint one that gives every N-tile its own weights (weight_chunks) if there is one.
  {
    u64 need = kNone;
    auto l = first_fit(
        g, p.n, jg, m.kpar,
        [&](const Layout& c) { return wvn_ok(g, p, m, plan.tiles, c, nullptr); },
        [&](const Layout& c) { return fits(c, g, g.wd); }, need);
    if (l) {
      plan.lw = *l;
      wvn_ok(g, p, m, plan.tiles, *l, &plan.w_ranges);
      // Several groups: each loads the lines its channels span, so among the layouts of the
      // same footprint the one whose groups span the fewest lines in all (a group's weights
      // together, not interleaved with the others').
      if (p.groups > 1) {
        auto span = [](const std::vector<std::pair<u64, u64>>& rs) {
          u64 t = 0;
          for (const auto& [first, end] : rs) t += end > first ? end - first : 0;
          return t;
        };
        const u64 fp = footprint(*l, g);
        u64 best = span(plan.w_ranges);
        for (const Layout& c : layout_candidates(g, p.n, jg, m.kpar, false)) {
          if (footprint(c, g) < fp || c == plan.lw) continue;
          if (footprint(c, g) > fp || best <= fp) break;
          std::vector<std::pair<u64, u64>> rs;
          if (!wvn_ok(g, p, m, plan.tiles, c, &rs) || span(rs) >= best) continue;
          best = span(rs);
          plan.lw = c;
          plan.w_ranges = std::move(rs);
        }
      }
      if (plan.tiles.size() > 1 && weight_chunks(g, p, plan).size() == 1) {
        const u64 fp = footprint(*l, g);
        for (const Layout& c : layout_candidates(g, p.n, jg, m.kpar, false)) {
          if (footprint(c, g) < fp || c == *l) continue;
          if (footprint(c, g) > fp) break;
          Plan trial = plan;
          trial.lw = c;
          if (!wvn_ok(g, p, m, plan.tiles, c, &trial.w_ranges)) continue;
          if (weight_chunks(g, p, trial).size() > 1) {
            plan = std::move(trial);
            break;
          }
        }
      }
    } else {
      if (need == kNone) no_layout("weight (stationary buffer)");
      needs.wvn = std::min(needs.wvn, need);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;

  // Output buffer (and the inactive streaming half it is requantized into): the fewest
  // ExecuteStreaming runs, then the smallest footprint.
  {
    const u64 depth = std::min(g.od, g.sd);
    bool found = false;
    u64 best_es = kNone;
    u64 work = 0;
    std::vector<int> bv;
    auto conflict_free = [&](const Layout& l) {
      for (const Tile& t : plan.tiles) {
        if (!tile_banks(g, p, m, l, t, bv)) return false;
      }
      return true;
    };
    for (bool extended : {false, true}) {
      if (found || (out_given && extended)) break;
      const std::vector<Layout> cands = out_given ? std::vector<Layout>{*out_given}
                                                  : layout_candidates(g, p.m, q, m.kpar, extended);
      for (const Layout& l : cands) {
        if (!fits(l, g, depth)) continue;
        // Effort bound: once a legal layout is known, stop after kOutputSearchWork group-block
        // checks (large grouped layers have many tiles and candidates); the result depends on
        // the shape only, never on the data.
        if (found && work > kOutputSearchWork) break;
        std::vector<std::vector<EsRun>> runs;
        u64 n_es = 0;
        bool legal = true;
        for (const Tile& t : plan.tiles) {
          work += nb * m.gr;
          if (!tile_banks(g, p, m, l, t, bv)) {
            legal = false;
            break;
          }
          runs.push_back(schedule_tile(g, m, nb, bv));
          n_es += runs.back().size();
          if (n_es >= best_es) break;
        }
        if (!legal || n_es >= best_es) continue;
        best_es = n_es;
        plan.lo = l;
        plan.runs = std::move(runs);
        found = true;
        if (best_es == plan.tiles.size()) break;  // sorted by footprint: nothing better follows
      }
    }
    // With several N-tiles that each have streams without requantization, an output layout
    // with the channel-VN index outermost (orders 0 and 1, at most 1/8 larger, as few runs)
    // lets each tile's output be stored while the next tile computes (compiler_emit.cpp).
    if (found && !out_given && plan.tiles.size() > 1 && (taps(p) > 1 || np > 1) &&
        plan.lo.order != 0 && plan.lo.order != 1) {
      const u64 fp = footprint(plan.lo, g);
      for (const Layout& l : layout_candidates(g, p.m, q, m.kpar, false)) {
        if (footprint(l, g) > fp + fp / 8) break;
        if ((l.order != 0 && l.order != 1) || !fits(l, g, depth)) continue;
        std::vector<std::vector<EsRun>> runs;
        u64 n_es = 0;
        bool legal = true;
        for (const Tile& t : plan.tiles) {
          if (!tile_banks(g, p, m, l, t, bv)) {
            legal = false;
            break;
          }
          runs.push_back(schedule_tile(g, m, nb, bv));
          n_es += runs.back().size();
          if (n_es > best_es) break;
        }
        if (!legal || n_es > best_es) continue;
        plan.lo = l;
        plan.runs = std::move(runs);
        break;
      }
    }
    if (!found) {
      // For the error message: the smallest conflict-free output layout, fitting or not.
      u64 need = kNone;
      first_fit(
          g, p.m, q, m.kpar, conflict_free, [](const Layout&) { return false; }, need);
      if (need == kNone) no_layout("output");
      needs.ovn = std::min(needs.ovn, need);
      return std::nullopt;
    }
  }

  plan.cycles = 0;
  for (const auto& r : plan.runs) {
    plan.cycles += taps(p) * np * pair_cycles(g, nb, m.vn, r.size());
  }
  return plan;
}

}  // namespace feather::top::compiler_detail
