// The layer compiler (docs/isa.md): mapping search, layout search with brute-force bank-conflict
// checks against the ISA's rules, BIRRD routing, off-chip images and the instruction stream.
//
// Structure of a compiled layer (one GEMM, or one GEMM per conv group):
//   Config(zp) ; SetWVNLayout ; SetIVNLayout ; SetOVNLayout ; Load scale ; Load ozp
//   per group g: [SetIVNLayout(base_g)] ; [Load A_g] ; Load W_g (the lines its mappings read)
//     per N-tile n0: per K-pass j0: ExecuteMapping(j0, n0) ; ExecuteStreaming x (runs over M)
//   Config(swap=1) ; [Store output]
//
// Mapping search: every (grlog, gclog) with vn = AH (or the forced mapping), in order of a
// cycle lower bound; per mapping, the three layouts are searched (smallest footprint first,
// each checked by brute force against the conflict rules over every access the program makes)
// and the mapping is scored with the cycle estimate sum over EM+ES pairs of
// max(steps*vn, vn*vn) + runs*(BIRRD stages + AH + 6).
//
// A K-pass streams the M rows in *blocks* of `reps` rows (one step per block). The output banks
// of a step are fixed per ExecuteStreaming (one BIRRD route), so the blocks of one N-tile are
// split into runs: blocks in one residue class modulo s (sm = s*reps) as long as every group
// keeps its bank; s is chosen per tile among powers of two to minimise the number of runs (s
// large enough gives one run per block, the fallback). The output layout is chosen for the
// fewest runs, then the smallest footprint.
//
// Conv groups: group g is a GEMM with its own A image (its own IVN region at a distinct base,
// or reloaded at base 0 if they do not all fit) and its own weights, and writes channels
// n = g*cog + ... of the one output tensor: its N-tiles start at n0 = g*cog. A tile may reach
// past the group into later groups' channels (and into the padding channels of the last OVN);
// those receive zero-weight results (the weight image holds zp_w there) that the later groups
// overwrite (acc = 0 on their first pass). With n0 not a multiple of AH, the rows of one group
// column fall into two OVNs: only output layouts giving both the same bank are accepted.
#include "feather/top/compiler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/top/timing.hpp"

namespace feather::top {

std::string MappingChoice::to_string() const {
  return fmt::format("grlog={} gclog={} vn={}", grlog, gclog, vnm1 + 1);
}

namespace {

using u64 = std::uint64_t;
constexpr u64 kNone = std::numeric_limits<u64>::max();

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }
u64 round_up(u64 a, u64 b) { return ceil_div(a, b) * b; }

// The parameters the compiler works with, as unsigned numbers.
struct Geo {
  u64 ah = 4, aw = 4;
  int ahl = 2, awl = 2;
  u64 sd = 0, wd = 0, od = 0, qd = 0;
  int xw = 0, maw = 0;
  u64 fill = 0;       // estimated pipeline fill per ExecuteStreaming: BIRRD stages + AH + 6
  u64 max_field = 0;  // largest value of an XW-bit field
};

Geo make_geo(const TopParams& p) {
  Geo g;
  g.ah = static_cast<u64>(p.ah);
  g.aw = static_cast<u64>(p.aw);
  g.ahl = p.ahl();
  g.awl = p.awl();
  g.sd = static_cast<u64>(p.sd);
  g.wd = static_cast<u64>(p.wd);
  g.od = static_cast<u64>(p.od);
  g.qd = static_cast<u64>(p.qd);
  g.xw = p.xw();
  g.maw = p.maw;
  g.fill = static_cast<u64>(p.stages()) + g.ah + 6;
  g.max_field = g.xw >= 64 ? kNone : (u64{1} << g.xw) - 1;
  return g;
}

// Flat index L of VN (a, b) (docs/isa.md, layout descriptor table).
u64 flat(const Layout& l, u64 a, u64 b) {
  const u64 f0 = l.f0();
  const u64 d0 = a & (f0 - 1), d1 = a >> l.f0log, d2 = b;
  switch (l.order) {
    case 0:
      return (d2 * f0 + d0) * l.f1 + d1;
    case 1:
      return (d2 * l.f1 + d1) * f0 + d0;
    case 2:
      return (d0 * l.f2 + d2) * l.f1 + d1;
    case 3:
      return (d0 * l.f1 + d1) * l.f2 + d2;
    case 4:
      return (d1 * l.f2 + d2) * f0 + d0;
    default:
      return (d1 * f0 + d0) * l.f2 + d2;
  }
}

u64 extent_a(const Layout& l) { return l.f0() * l.f1; }
// Lines per bank the layout spans from its base.
u64 footprint(const Layout& l, const Geo& g) {
  return ((extent_a(l) * l.f2 - 1) / g.aw + 1) * g.ah;
}
// Whether a layout (at base 0) fits `depth` lines and its factors fit their fields.
bool fits(const Layout& l, const Geo& g, u64 depth) {
  return footprint(l, g) <= depth && l.f1 <= g.max_field && l.f2 <= g.max_field;
}

// ---------------------------------------------------------------------------------------------
// The layer as the compiler sees it: `groups` GEMMs M x Kg x cog sharing one output tensor
// O[m][n], n = g*cog + (channel within the group).

struct Problem {
  std::string what;
  u64 m = 1, kg = 1, cog = 1, n = 1;
  u64 groups = 1;
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::vector<std::uint8_t>> a;  // per group [m][kg]; empty when in the buffer
  std::vector<std::vector<std::uint8_t>> b;  // per group [kg][cog]
  Quant quant;                               // [n]
  u64 macs = 0;
};

struct Map {
  std::uint32_t grlog = 0, gclog = 0, vn = 1;
  u64 gr = 1, gc = 1, kpar = 1, reps = 1;
};

Map make_map(const Geo& g, std::uint32_t grlog, std::uint32_t gclog, std::uint32_t vn) {
  Map m;
  m.grlog = grlog;
  m.gclog = gclog;
  m.vn = vn;
  m.gr = u64{1} << grlog;
  m.gc = u64{1} << gclog;
  m.kpar = g.aw >> grlog;
  m.reps = m.gr / m.gc;
  return m;
}

std::string map_details(const Map& m) {
  return fmt::format("G_r={} G_c={} vn={} kpar={} reps={}", m.gr, m.gc, m.vn, m.kpar, m.reps);
}

struct Tile {
  u64 group = 0;
  u64 n0 = 0;
};

// N-tiles of every group: channels n0 + r + AH*nsub (r < vn, nsub < G_c). With vn < AH (only
// legal for a single K-VN) a block of AH*G_c channels takes ceil(AH/vn) tiles; channels that
// two tiles cover get the same value twice.
std::vector<Tile> make_tiles(const Geo& g, const Problem& p, const Map& m) {
  std::vector<Tile> tiles;
  const u64 sub = ceil_div(g.ah, m.vn);
  for (u64 grp = 0; grp < p.groups; ++grp) {
    const u64 off = grp * p.cog;
    for (u64 blk = off; blk < off + p.cog; blk += g.ah * m.gc) {
      for (u64 i = 0; i < sub; ++i) {
        const u64 n0 = blk + i * m.vn;
        if (n0 >= off + p.cog) break;
        tiles.push_back({grp, n0});
      }
    }
  }
  return tiles;
}

u64 k_vns(const Geo& g, const Problem& p) { return ceil_div(p.kg, g.ah); }
u64 passes(const Geo& g, const Problem& p, const Map& m) { return ceil_div(k_vns(g, p), m.kpar); }
u64 blocks(const Problem& p, const Map& m) { return ceil_div(p.m, m.reps); }

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

// ExecuteStreaming reads: in one step, column (rep, kg) reads IVN(b*reps + rep, j0 + kg).
bool ivn_ok(const Geo& g, const Problem& p, const Map& m, const Layout& l) {
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

// One ExecuteStreaming: blocks first, first+s, ... (T of them); ports[x] = output bank of group
// x, or -1 if the group has no live output in the run.
struct EsRun {
  u64 m0 = 0, sm = 1, t = 1;
  std::vector<int> ports;
};

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

// ---------------------------------------------------------------------------------------------
// Search.

struct Plan {
  Map map;
  std::vector<Tile> tiles;
  Layout li, lw, lo;
  bool ivn_given = false;
  bool ivn_stacked = false;  // one IVN region per group (distinct bases), else reload at base 0
  std::vector<std::pair<u64, u64>> w_ranges;  // per group
  std::vector<std::vector<EsRun>> runs;       // per tile
  u64 cycles = 0;
};

// Why mappings failed, for the error message when none is legal: per buffer the smallest
// footprint of a conflict-free layout (over all mappings), and the mappings for which a buffer
// had no conflict-free layout at all.
struct Needs {
  u64 ivn = kNone, wvn = kNone, ovn = kNone;
  std::vector<std::string> conflicts;
  std::string route;
  std::string emit;  // the program could not be emitted (off-chip image, field widths)
  std::string given;
};

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

u64 pair_cycles(const Geo& g, u64 nb, u64 vn, u64 n_es) {
  return std::max(nb * vn, vn * vn) + n_es * g.fill;
}

u64 lower_bound_cycles(const Geo& g, const Problem& p, const Map& m) {
  const u64 nt = make_tiles(g, p, m).size();
  return nt * passes(g, p, m) * pair_cycles(g, blocks(p, m), m.vn, 1);
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
        g, p.m, jg, m.kpar, [&](const Layout& c) { return ivn_ok(g, p, m, c); },
        [&](const Layout& c) { return fits(c, g, g.sd); }, need);
    if (l) {
      plan.li = *l;
      plan.ivn_stacked = p.groups > 1 && footprint(*l, g) * p.groups <= g.sd;
    } else {
      if (need == kNone) no_layout("input (streaming buffer)");
      needs.ivn = std::min(needs.ivn, need);
      ok = false;
    }
  }

  // Stationary buffer (weights).
  {
    u64 need = kNone;
    auto l = first_fit(
        g, p.n, jg, m.kpar,
        [&](const Layout& c) { return wvn_ok(g, p, m, plan.tiles, c, nullptr); },
        [&](const Layout& c) { return fits(c, g, g.wd); }, need);
    if (l) {
      plan.lw = *l;
      wvn_ok(g, p, m, plan.tiles, *l, &plan.w_ranges);
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
    plan.cycles += np * pair_cycles(g, nb, m.vn, r.size());
  }
  return plan;
}

using RouteCache = std::map<std::vector<int>, birrd::Config>;

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

// ---------------------------------------------------------------------------------------------
// Emission.

struct Emitter {
  const Geo& g;
  Program& prog;
  u64 next_addr = 0;

  // Copies `count` lines with Load/Store instructions of at most max_field lines each.
  void copy(bool load, Target target, u64 line, u64 count, u64 addr) {
    while (count > 0) {
      const u64 c = std::min(count, g.max_field);
      prog.instrs.push_back(load ? Instr::load(target, line, c, addr)
                                 : Instr::store(target, line, c, addr));
      line += c;
      addr += c;
      count -= c;
    }
  }
  // Reserves `words` off-chip words.
  u64 alloc(u64 words) {
    const u64 a = next_addr;
    next_addr += words;
    return a;
  }
  void write_words(u64 addr, const std::vector<std::uint8_t>& bytes, u64 first, u64 count) {
    for (u64 w = 0; w < count; ++w) {
      std::vector<std::uint8_t> word(
          bytes.begin() + static_cast<std::ptrdiff_t>((first + w) * g.aw),
          bytes.begin() + static_cast<std::ptrdiff_t>((first + w + 1) * g.aw));
      prog.memory.write(addr + w, word);
    }
  }
};

// Buffer image (lines x AW bytes, from the layout's base) of VNs whose element e is
// value(a, b, e); everything else is `pad`.
template <typename F>
std::vector<std::uint8_t> image(const Geo& g, const Layout& l, std::uint8_t pad, F value) {
  const u64 lines = footprint(l, g);
  std::vector<std::uint8_t> img(lines * g.aw, pad);
  const u64 ea = extent_a(l);
  for (u64 b = 0; b < l.f2; ++b) {
    for (u64 a = 0; a < ea; ++a) {
      const u64 fl = flat(l, a, b);
      const u64 bank = fl & (g.aw - 1), v = fl >> g.awl;
      for (u64 e = 0; e < g.ah; ++e) img[(v * g.ah + e) * g.aw + bank] = value(a, b, e);
    }
  }
  return img;
}

Program emit(const TopParams& tp, const Geo& g, const Problem& p, const Plan& plan,
             const RouteCache& routes, const CompileOptions& opt) {
  Program prog;
  prog.memory = Memory(tp.aw);
  Emitter em{g, prog, opt.mem_base};
  const Map& m = plan.map;
  const bool data = !opt.shape_only;
  const u64 np = passes(g, p, m);
  const u64 fp_i = footprint(plan.li, g);

  // Off-chip images: requantization tables, then per group A and W.
  // Only the table words of channels below N rounded up to AH (the entries the live output
  // groups use; padded channels of a padded OVN layout produce don't-care values): the Load
  // line field has LA bits, fewer than a large table may need.
  const u64 channels = round_up(p.n, g.ah);
  const u64 scale_words = ceil_div(channels * 4, g.aw), ozp_words = ceil_div(channels, g.aw);
  const u64 scale_addr = opt.finish ? em.alloc(scale_words) : 0;
  const u64 ozp_addr = opt.finish ? em.alloc(ozp_words) : 0;
  if (data && opt.finish) {
    std::vector<std::uint8_t> sbytes(scale_words * g.aw, 0), obytes(ozp_words * g.aw, 0);
    for (u64 n = 0; n < p.n; ++n) {
      const auto s = static_cast<std::uint32_t>(p.quant.scale[n]);
      for (u64 i = 0; i < 4; ++i) sbytes[n * 4 + i] = static_cast<std::uint8_t>(s >> (8 * i));
      obytes[n] = p.quant.ozp[n];
    }
    em.write_words(scale_addr, sbytes, 0, scale_words);
    em.write_words(ozp_addr, obytes, 0, ozp_words);
  }
  std::vector<u64> a_addr(p.groups, 0), w_addr(p.groups, 0);
  for (u64 grp = 0; grp < p.groups; ++grp) {
    if (!plan.ivn_given && !data) {
      a_addr[grp] = em.alloc(fp_i);
    } else if (!plan.ivn_given) {
      const auto& a = p.a[grp];
      auto img = image(g, plan.li, p.zp_a, [&](u64 mm, u64 j, u64 e) {
        const u64 k = j * g.ah + e;
        return mm < p.m && k < p.kg ? a[mm * p.kg + k] : p.zp_a;
      });
      a_addr[grp] = em.alloc(fp_i);
      em.write_words(a_addr[grp], img, 0, fp_i);
    }
    const auto [first, end] = plan.w_ranges[grp];
    if (!data) {
      if (first < end) w_addr[grp] = em.alloc(end - first);
      continue;
    }
    const auto& b = p.b[grp];
    const u64 lo = grp * p.cog, hi = lo + p.cog;
    auto img = image(g, plan.lw, p.zp_w, [&](u64 n, u64 j, u64 e) {
      const u64 k = j * g.ah + e;
      return n >= lo && n < hi && k < p.kg ? b[k * p.cog + (n - lo)] : p.zp_w;
    });
    if (first < end) {
      w_addr[grp] = em.alloc(end - first);
      em.write_words(w_addr[grp], img, first, end - first);
    }
  }
  const u64 fp_o = footprint(plan.lo, g);
  const bool store = opt.store_output && opt.finish;
  const u64 out_addr = store ? em.alloc(fp_o) : 0;
  if (g.maw < 64 && em.next_addr > (u64{1} << g.maw)) {
    throw std::invalid_argument(
        fmt::format("{}: the off-chip image needs {} words, MAW = {} addresses only {}", p.what,
                    em.next_addr, g.maw, u64{1} << g.maw));
  }

  auto& ins = prog.instrs;
  auto li_at = [&](u64 grp) {
    Layout l = plan.li;
    if (!plan.ivn_given) l.base = plan.ivn_stacked ? grp * fp_i : 0;
    return l;
  };
  ins.push_back(Instr::config(p.zp_a, p.zp_w, false));
  ins.push_back(Instr::set_layout(Op::kSetWvnLayout, plan.lw));
  ins.push_back(Instr::set_layout(Op::kSetIvnLayout, li_at(0)));
  ins.push_back(Instr::set_layout(Op::kSetOvnLayout, plan.lo));
  if (opt.finish) {
    em.copy(true, Target::kScale, 0, scale_words, scale_addr);
    em.copy(true, Target::kOzp, 0, ozp_words, ozp_addr);
  }
  std::size_t tile_index = 0;
  for (u64 grp = 0; grp < p.groups; ++grp) {
    if (grp > 0 && plan.ivn_stacked) {
      ins.push_back(Instr::set_layout(Op::kSetIvnLayout, li_at(grp)));
    }
    if (!plan.ivn_given) em.copy(true, Target::kSbufActive, li_at(grp).base, fp_i, a_addr[grp]);
    const auto [first, end] = plan.w_ranges[grp];
    if (first < end) em.copy(true, Target::kWbuf, first, end - first, w_addr[grp]);
    for (; tile_index < plan.tiles.size() && plan.tiles[tile_index].group == grp; ++tile_index) {
      const Tile& t = plan.tiles[tile_index];
      for (u64 pass = 0; pass < np; ++pass) {
        ins.push_back(Instr::map(pass * m.kpar, t.n0, m.grlog, m.gclog, m.vn - 1));
        for (const EsRun& run : plan.runs[tile_index]) {
          ins.push_back(Instr::stream(run.m0, run.sm, run.t, pass > 0 || opt.accumulate,
                                      pass + 1 == np && opt.finish, routes.at(run.ports)));
        }
      }
    }
  }
  if (opt.finish) ins.push_back(Instr::config(p.zp_a, p.zp_w, true));
  if (store) em.copy(false, Target::kSbufActive, plan.lo.base, fp_o, out_addr);

  // Every instruction must encode (field widths).
  for (std::size_t i = 0; i < ins.size(); ++i) {
    try {
      (void)encode(tp, ins[i]);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("{}: instruction {} ({}) does not encode: {}", p.what,
                                              i, disassemble(ins[i]), e.what()));
    }
  }

  prog.out.layout = plan.lo;
  prog.out.m = static_cast<int>(p.m);
  prog.out.n = static_cast<int>(p.n);
  prog.out.stored = store;
  prog.out.store_addr = out_addr;
  prog.out.store_lines = store ? fp_o : 0;
  prog.mapping = {m.grlog, m.gclog, m.vn - 1};
  prog.macs = p.macs;
  prog.mem_words = em.next_addr - opt.mem_base;

  u64 n_em = 0, n_es = 0;
  for (const Instr& in : ins) {
    n_em += in.op == Op::kMap;
    n_es += in.op == Op::kStream;
  }
  std::string in_desc =
      plan.ivn_given ? " (given, in buffer)"
      : p.groups > 1 ? (plan.ivn_stacked ? " (one region per group)" : " (reloaded per group)")
                     : "";
  prog.summary = fmt::format(
      "{} on {}\n"
      "  mapping  {} ({})\n"
      "  WVN      {} ({} lines)\n"
      "  IVN      {}{} ({} lines)\n"
      "  OVN      {} ({} lines)\n"
      "  groups {}, N-tiles {}, K-passes {}, ExecuteMapping {}, ExecuteStreaming {}\n"
      "  MACs {}, model cycles {}, instructions {}",
      p.what, tp.to_string(), prog.mapping.to_string(), map_details(m), plan.lw.to_string(),
      footprint(plan.lw, g), plan.li.to_string(), in_desc, fp_i, plan.lo.to_string(), fp_o,
      p.groups, plan.tiles.size(), np, n_em, n_es, p.macs, plan.cycles, ins.size());
  return prog;
}

Program compile_problem(const TopParams& tp_in, const Problem& p, const CompileOptions& opt) {
  const TopParams tp = tp_in.validated();
  const Geo g = make_geo(tp);
  const u64 jg = k_vns(g, p);

  if (round_up(p.n, g.ah) > g.qd) {
    throw std::invalid_argument(
        fmt::format("{}: {} output channels (rounded up to AH = {}: {}) need that many "
                    "requantization entries, QD = {}",
                    p.what, p.n, g.ah, round_up(p.n, g.ah), g.qd));
  }
  if (opt.input_in_buffer) {
    const Layout& l = *opt.input_in_buffer;
    if (l.order > 5 || l.f1 == 0 || l.f2 == 0) {
      throw std::invalid_argument(
          fmt::format("{}: the given input layout {} is malformed", p.what, l.to_string()));
    }
    if (extent_a(l) < p.m || l.f2 < jg) {
      throw std::invalid_argument(fmt::format(
          "{}: the given input layout {} covers {} x {} input VNs, the layer needs {} x {}", p.what,
          l.to_string(), extent_a(l), l.f2, p.m, jg));
    }
    if (l.base + footprint(l, g) > g.sd) {
      throw std::invalid_argument(
          fmt::format("{}: the given input layout {} ends at line {}, SD = {}", p.what,
                      l.to_string(), l.base + footprint(l, g), g.sd));
    }
  }

  // Mapping candidates.
  std::vector<Map> maps;
  if (opt.force) {
    const MappingChoice& f = *opt.force;
    if (f.grlog > static_cast<std::uint32_t>(g.awl) || f.gclog > f.grlog || f.vnm1 + 1 > g.ah) {
      throw std::invalid_argument(
          fmt::format("{}: forced mapping {} is illegal (need gclog <= grlog <= {} and vn <= {})",
                      p.what, f.to_string(), g.awl, g.ah));
    }
    if (f.vnm1 + 1 < g.ah && p.kg > f.vnm1 + 1) {
      throw std::invalid_argument(
          fmt::format("{}: forced mapping {} uses vn = {} < AH, which needs K <= vn (K = {})",
                      p.what, f.to_string(), f.vnm1 + 1, p.kg));
    }
    maps.push_back(make_map(g, f.grlog, f.gclog, f.vnm1 + 1));
  } else {
    // vn = AH; and, when K is a single VN shorter than AH, vn = K (fewer beats per step).
    std::vector<std::uint32_t> vns = {static_cast<std::uint32_t>(g.ah)};
    if (p.kg < g.ah) vns.push_back(static_cast<std::uint32_t>(p.kg));
    // More N-subgroups than a group's channels need (G_c * AH >= cog) only take columns from
    // the M replicas: never better, not tried.
    const u64 gc_max = std::max<u64>(1, std::bit_ceil(ceil_div(p.cog, g.ah)));
    for (std::uint32_t vn : vns) {
      for (std::uint32_t grlog = 0; grlog <= static_cast<std::uint32_t>(g.awl); ++grlog) {
        for (std::uint32_t gclog = 0; gclog <= grlog && (u64{1} << gclog) <= gc_max; ++gclog) {
          maps.push_back(make_map(g, grlog, gclog, vn));
        }
      }
    }
  }
  // Candidates in the order of the estimate; each routable one is scored exactly with the cycle
  // model on its (shape-only) instruction stream. The streamed beats are a lower bound of the
  // cycles (a beat takes a cycle), which ends the search.
  std::vector<std::pair<u64, Map>> order;
  for (const Map& m : maps) order.emplace_back(lower_bound_cycles(g, p, m), m);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  CompileOptions score_opt = opt;
  score_opt.shape_only = true;

  Needs needs;
  std::optional<Plan> best;
  RouteCache best_routes;
  u64 best_cycles = kNone;
  for (const auto& [lb, m] : order) {
    const u64 beats = make_tiles(g, p, m).size() * passes(g, p, m) * blocks(p, m) * m.vn;
    if (best && beats >= best_cycles) continue;
    auto plan = evaluate(g, p, m, opt.input_in_buffer, opt.output_layout, needs);
    if (!plan) continue;
    RouteCache routes;
    std::string why;
    if (!route_plan(tp, g, *plan, routes, why)) {
      if (needs.route.empty()) needs.route = why;
      continue;
    }
    if (opt.any_plan) {
      best = std::move(plan);
      best_routes = std::move(routes);
      break;
    }
    u64 cycles = kNone;
    try {
      cycles = predict(tp, emit(tp, g, p, *plan, routes, score_opt).instrs, opt.timing).cycles;
    } catch (const std::invalid_argument& e) {
      if (needs.emit.empty()) needs.emit = e.what();
      continue;
    }
    if (best && cycles >= best_cycles) continue;
    plan->cycles = cycles;
    best_cycles = cycles;
    best = std::move(plan);
    best_routes = std::move(routes);
  }

  if (!best) {
    std::vector<std::string> parts;
    if (needs.ivn != kNone && needs.ivn > g.sd) {
      parts.push_back(fmt::format("the input (streaming buffer) needs {} lines per bank, SD = {}",
                                  needs.ivn, g.sd));
    }
    if (needs.wvn != kNone && needs.wvn > g.wd) {
      parts.push_back(fmt::format("the weights (stationary buffer) need {} lines per bank, WD = {}",
                                  needs.wvn, g.wd));
    }
    if (needs.ovn != kNone && needs.ovn > std::min(g.od, g.sd)) {
      parts.push_back(
          fmt::format("the output (output buffer and streaming half) needs {} lines per bank, "
                      "min(OD, SD) = {}",
                      needs.ovn, std::min(g.od, g.sd)));
    }
    std::string msg;
    if (!parts.empty()) {
      msg = fmt::format("{} does not fit the buffers of {}: ", p.what, tp.to_string());
      for (std::size_t i = 0; i < parts.size(); ++i) msg += (i ? "; " : "") + parts[i];
    } else if (!needs.conflicts.empty()) {
      msg = fmt::format("{}: {}", p.what, needs.conflicts.front());
      if (needs.conflicts.size() > 1) {
        msg += fmt::format(" (and {} more mappings failed likewise)", needs.conflicts.size() - 1);
      }
    } else if (!needs.emit.empty()) {
      msg = needs.emit;
    } else if (!needs.route.empty()) {
      msg = fmt::format("{}: unroutable: {}", p.what, needs.route);
    } else if (!needs.given.empty()) {
      msg = fmt::format("{}: {}", p.what, needs.given);
    } else {
      msg = fmt::format("{}: no mapping with conflict-free layouts fits the buffers of {}", p.what,
                        tp.to_string());
    }
    if (opt.force) msg += fmt::format(" (forced mapping {})", opt.force->to_string());
    throw std::invalid_argument(msg);
  }
  return emit(tp, g, p, *best, best_routes, opt);
}

void check_quant(const std::string& what, const Quant& q, u64 n) {
  if (q.scale.size() != n || q.ozp.size() != n) {
    throw std::invalid_argument(
        fmt::format("{}: the requantization tables have {} scales and {} zero points, need {}",
                    what, q.scale.size(), q.ozp.size(), n));
  }
}

}  // namespace

Program compile_gemm(const TopParams& tp, const GemmLayer& gl, const CompileOptions& opt) {
  const std::string what = fmt::format("GEMM {}x{}x{}", gl.m, gl.k, gl.n);
  if (gl.m < 1 || gl.k < 1 || gl.n < 1) {
    throw std::invalid_argument(fmt::format("{}: M, K and N must be at least 1", what));
  }
  const auto m = static_cast<u64>(gl.m), k = static_cast<u64>(gl.k), n = static_cast<u64>(gl.n);
  if (!opt.input_in_buffer && gl.a.size() != m * k) {
    throw std::invalid_argument(
        fmt::format("{}: A has {} elements, M*K = {}", what, gl.a.size(), m * k));
  }
  if (gl.b.size() != k * n) {
    throw std::invalid_argument(
        fmt::format("{}: B has {} elements, K*N = {}", what, gl.b.size(), k * n));
  }
  check_quant(what, gl.quant, n);
  if (!opt.input_in_buffer) gl.validate();

  Problem p;
  p.what = what;
  p.m = m;
  p.kg = k;
  p.cog = n;
  p.n = n;
  p.groups = 1;
  p.zp_a = gl.zp_a;
  p.zp_w = gl.zp_w;
  if (!opt.input_in_buffer) p.a.push_back(gl.a);
  p.b.push_back(gl.b);
  p.quant = gl.quant;
  p.macs = m * k * n;
  return compile_problem(tp, p, opt);
}

Program compile_conv(const TopParams& tp, const ConvLayer& c, const CompileOptions& opt) {
  c.validate();
  const std::string what = fmt::format("conv {}x{}x{} -> {} k{}x{} s{} p{} d{} g{}", c.h, c.w, c.c,
                                       c.co, c.r, c.s, c.stride, c.pad, c.dilation, c.groups);
  check_quant(what, c.quant, static_cast<u64>(c.co));
  if (opt.input_in_buffer &&
      (c.groups != 1 || c.r != 1 || c.s != 1 || c.stride != 1 || c.pad != 0)) {
    throw std::invalid_argument(fmt::format(
        "{}: an input already in the buffer needs a 1x1 conv with stride 1, no padding and one "
        "group (its im2col is the input itself)",
        what));
  }
  Problem p;
  p.what = what;
  p.groups = static_cast<u64>(c.groups);
  p.m = static_cast<u64>(c.ho()) * static_cast<u64>(c.wo());
  p.cog = static_cast<u64>(c.co / c.groups);
  p.n = static_cast<u64>(c.co);
  p.kg = static_cast<u64>(c.r) * static_cast<u64>(c.s) * static_cast<u64>(c.c / c.groups);
  p.zp_a = c.zp_a;
  p.zp_w = c.zp_w;
  p.quant = c.quant;
  p.macs = p.m * p.kg * p.n;
  for (int grp = 0; grp < c.groups; ++grp) {
    GemmLayer gl = conv_group_as_gemm(c, grp);
    if (static_cast<u64>(gl.m) != p.m || static_cast<u64>(gl.k) != p.kg ||
        static_cast<u64>(gl.n) != p.cog) {
      throw std::logic_error(fmt::format("{}: conv_group_as_gemm gave {}x{}x{}, expected {}x{}x{}",
                                         what, gl.m, gl.k, gl.n, p.m, p.kg, p.cog));
    }
    if (!opt.input_in_buffer) p.a.push_back(std::move(gl.a));
    p.b.push_back(std::move(gl.b));
  }
  return compile_problem(tp, p, opt);
}

GroupedGemm as_grouped(const GemmLayer& gl) {
  GroupedGemm g;
  g.what = fmt::format("GEMM {}x{}x{}", gl.m, gl.k, gl.n);
  g.groups = 1;
  g.m = gl.m;
  g.k = gl.k;
  g.n = gl.n;
  g.zp_a = gl.zp_a;
  g.zp_w = gl.zp_w;
  g.a.push_back(gl.a);
  g.b.push_back(gl.b);
  g.quant = gl.quant;
  return g;
}

GroupedGemm as_grouped(const ConvLayer& c) {
  c.validate();
  GroupedGemm g;
  g.what = fmt::format("conv {}x{}x{} -> {} k{}x{} s{} p{} d{} g{}", c.h, c.w, c.c, c.co, c.r, c.s,
                       c.stride, c.pad, c.dilation, c.groups);
  g.groups = c.groups;
  g.m = c.ho() * c.wo();
  g.k = c.r * c.s * (c.c / c.groups);
  g.n = c.co / c.groups;
  g.zp_a = c.zp_a;
  g.zp_w = c.zp_w;
  g.quant = c.quant;
  for (int grp = 0; grp < c.groups; ++grp) {
    GemmLayer gl = conv_group_as_gemm(c, grp);
    g.a.push_back(std::move(gl.a));
    g.b.push_back(std::move(gl.b));
  }
  return g;
}

Program compile_grouped(const TopParams& tp, const GroupedGemm& gg, const CompileOptions& opt) {
  const std::string what =
      gg.what.empty() ? fmt::format("grouped GEMM {} x {}x{}x{}", gg.groups, gg.m, gg.k, gg.n)
                      : gg.what;
  if (gg.groups < 1 || gg.m < 1 || gg.k < 1 || gg.n < 1) {
    throw std::invalid_argument(
        fmt::format("{}: groups, M, K and N must be at least 1 (got {}, {}, {}, {})", what,
                    gg.groups, gg.m, gg.k, gg.n));
  }
  const auto groups = static_cast<u64>(gg.groups), m = static_cast<u64>(gg.m),
             k = static_cast<u64>(gg.k), n = static_cast<u64>(gg.n);
  if (groups * n > (u64{1} << 31) || m * k > (u64{1} << 40) || k * n > (u64{1} << 40)) {
    throw std::invalid_argument(fmt::format("{}: sizes too large", what));
  }
  Problem p;
  p.what = what;
  p.groups = groups;
  p.m = m;
  p.kg = k;
  p.cog = n;
  p.n = groups * n;
  p.zp_a = gg.zp_a;
  p.zp_w = gg.zp_w;
  p.macs = groups * m * k * n;
  if (!opt.shape_only) {
    const bool need_a = !opt.input_in_buffer;
    if ((need_a && gg.a.size() != groups) || gg.b.size() != groups) {
      throw std::invalid_argument(
          fmt::format("{}: need A and B for each of the {} groups, got {} "
                      "and {}",
                      what, groups, gg.a.size(), gg.b.size()));
    }
    for (u64 grp = 0; grp < groups; ++grp) {
      if (need_a && gg.a[grp].size() != m * k) {
        throw std::invalid_argument(fmt::format("{}: A of group {} has {} elements, M*K = {}", what,
                                                grp, gg.a[grp].size(), m * k));
      }
      if (gg.b[grp].size() != k * n) {
        throw std::invalid_argument(fmt::format("{}: B of group {} has {} elements, K*N = {}", what,
                                                grp, gg.b[grp].size(), k * n));
      }
    }
    check_quant(what, gg.quant, p.n);
    if (need_a) p.a = gg.a;
    p.b = gg.b;
    p.quant = gg.quant;
  }
  return compile_problem(tp, p, opt);
}

namespace {

template <typename Read>
std::vector<std::uint8_t> gather(const TopParams& p, const OutputPlacement& o, Read read) {
  const auto ah = static_cast<u64>(p.ah), aw = static_cast<u64>(p.aw);
  const int awl = p.awl();
  std::vector<std::uint8_t> out(static_cast<std::size_t>(o.m) * static_cast<std::size_t>(o.n));
  for (u64 m = 0; m < static_cast<u64>(o.m); ++m) {
    for (u64 n = 0; n < static_cast<u64>(o.n); ++n) {
      const u64 fl = flat(o.layout, m, n / ah);
      const u64 line = o.layout.base + (fl >> awl) * ah + n % ah;
      out[m * static_cast<u64>(o.n) + n] = read(static_cast<int>(fl & (aw - 1)), line);
    }
  }
  return out;
}

void check_placement(const TopParams& p, const OutputPlacement& o) {
  const auto ah = static_cast<u64>(p.ah);
  if (o.m < 0 || o.n < 0 || o.layout.order > 5 || extent_a(o.layout) < static_cast<u64>(o.m) ||
      o.layout.f2 * ah < static_cast<u64>(o.n)) {
    throw std::invalid_argument(fmt::format("read_output: layout {} does not hold a {}x{} output",
                                            o.layout.to_string(), o.m, o.n));
  }
}

}  // namespace

std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Golden& g) {
  check_placement(p, o);
  const int half = g.half();
  return gather(p, o, [&](int bank, u64 line) { return g.sbuf(half, bank, line); });
}

std::vector<std::uint8_t> read_output(const TopParams& p, const OutputPlacement& o,
                                      const Memory& mem) {
  check_placement(p, o);
  if (!o.stored) {
    throw std::invalid_argument("read_output: the output was not stored off-chip");
  }
  return gather(p, o, [&](int bank, u64 line) {
    return mem.byte(o.store_addr + (line - o.layout.base), bank);
  });
}

}  // namespace feather::top
