// The mapper's search (mapper.hpp): dataflow x outer tiling (M, N, K) x the compiler's per-tile
// search, each candidate scored on the layer's whole scheduled stream with the cycle model.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "feather/map/hand_off.hpp"
#include "feather/map/mapper.hpp"
#include "layer_stream.hpp"
#include "mapper_internal.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

constexpr std::size_t kMaxRejections = 6;

// The outer tiles of a (tiles_m, tiles_n) grid. Along N a tile wider than AH is rounded up to
// a multiple of AH (whole output VNs); with groups the N tiles are whole groups.
struct Grid {
  u64 tile_m = 1, tile_n = 1, tiles_m = 1, tiles_n = 1, tile_k = 1, tiles_k = 1;
};

// K is cut at VN boundaries (multiples of AH).
Grid make_grid(const GemmShape& s, u64 ah, u64 tm, u64 tn, u64 tk) {
  Grid g;
  const u64 vns = ceil_div(s.k, ah);
  g.tile_k = std::min(s.k, ceil_div(vns, tk) * ah);
  g.tiles_k = ceil_div(s.k, g.tile_k);
  g.tile_m = ceil_div(s.m, tm);
  g.tiles_m = ceil_div(s.m, g.tile_m);
  const u64 nn = s.groups > 1 ? s.groups : s.n;
  g.tile_n = ceil_div(nn, tn);
  if (s.groups == 1 && g.tile_n > ah) g.tile_n = std::min(nn, ceil_div(g.tile_n, ah) * ah);
  g.tiles_n = ceil_div(nn, g.tile_n);
  return g;
}

// Direct convolution: M in bands of whole output rows (`tm` bands at most), K whole.
Grid make_direct_grid(const GemmShape& s, u64 ah, u64 tm, u64 tn) {
  Grid g = make_grid(s, ah, 1, tn, 1);
  const auto ho = static_cast<u64>(s.conv->ho()), ow = static_cast<u64>(s.conv->wo());
  const u64 rows = ceil_div(ho, std::min(tm, ho));
  g.tile_m = rows * ow;
  g.tiles_m = ceil_div(ho, rows);
  return g;
}

std::vector<Tile> make_tiles(const GemmShape& s, const Grid& g) {
  std::vector<Tile> tiles;
  const u64 nn = s.groups > 1 ? s.groups : s.n;
  for (u64 j = 0; j < g.tiles_n; ++j) {
    const u64 lo = j * g.tile_n, w = std::min(g.tile_n, nn - lo);
    for (u64 i = 0; i < g.tiles_m; ++i) {
      for (u64 c = 0; c < g.tiles_k; ++c) {
        Tile t;
        t.m0 = i * g.tile_m;
        t.m = std::min(g.tile_m, s.m - t.m0);
        t.k0 = c * g.tile_k;
        t.k = std::min(g.tile_k, s.k - t.k0);
        if (s.groups > 1) {
          t.g0 = lo;
          t.groups = w;
          t.n0 = 0;
          t.n = s.n;
        } else {
          t.g0 = 0;
          t.groups = 1;
          t.n0 = lo;
          t.n = w;
        }
        tiles.push_back(t);
      }
    }
  }
  return tiles;
}

}  // namespace

namespace {

using detail::tile_options;
using detail::tile_shape;

// Shape-only compiles, cached by the tile's shape and role; a failure is cached as its message.
class Compiles {
 public:
  struct Entry {
    bool ok = false;
    top::Program prog;
    top::Timing timing;
    std::string why;
  };

  Compiles(const top::TopParams& p, const GemmShape& s, const MapOptions& o, bool direct)
      : p_(p), s_(s), o_(o), direct_(direct) {}

  // The shape-only program of tile `t` (nullptr and the reason when it does not compile). A K
  // chunk after the first needs the first chunk of its output tile.
  const Entry* get(Dataflow df, const Tile& t, std::string* why) {
    const top::Program* first = nullptr;
    if (!t.first_chunk()) {
      Tile t0 = t;
      t0.k0 = 0;
      t0.k = std::min(s_.k, first_k_);
      const Entry* e0 = get(df, t0, why);
      if (!e0) return nullptr;
      first = &e0->prog;
    }
    const top::CompileOptions co = tile_options(p_, s_, t, o_, first);
    const auto key = std::make_tuple(df == Dataflow::kIoS, t.groups, t.m, t.n, t.k, co.accumulate,
                                     co.finish, band_key(t));
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      Entry e;
      try {
        top::CompileOptions c = co;
        c.shape_only = true;
        e.prog = top::compile_grouped(p_, tile_shape(s_, df, t, direct_), c);
        e.ok = true;
        e.timing = top::predict(p_, e.prog.instrs, o_.timing);
      } catch (const std::invalid_argument& ex) {
        e.why = ex.what();
      }
      it = cache_.emplace(key, std::move(e)).first;
    }
    if (!it->second.ok) {
      if (why) *why = it->second.why;
      return nullptr;
    }
    return &it->second;
  }
  // Whether the tile compiles at all (the first legal plan: no scoring), cached.
  bool feasible(Dataflow df, const Tile& t) {
    if (!t.first_chunk()) return get(df, t, nullptr) != nullptr;
    const top::CompileOptions co = tile_options(p_, s_, t, o_, nullptr);
    const auto key = std::make_tuple(df == Dataflow::kIoS, t.groups, t.m, t.n, t.k, co.accumulate,
                                     co.finish, band_key(t));
    if (cache_.count(key)) return cache_.at(key).ok;
    auto it = feasible_.find(key);
    if (it == feasible_.end()) {
      bool ok = true;
      try {
        top::CompileOptions c = co;
        c.shape_only = true;
        c.any_plan = true;
        (void)top::compile_grouped(p_, tile_shape(s_, df, t, direct_), c);
      } catch (const std::invalid_argument&) {
        ok = false;
      }
      it = feasible_.emplace(key, ok).first;
    }
    return it->second;
  }
  // The K chunk size of the grid being evaluated (chunks after the first are keyed to it).
  void set_chunk(u64 k) {
    if (k != first_k_) {
      first_k_ = k;
      // Later chunks depend on the first chunk's choice: drop them when the chunk size changes.
      for (auto it = cache_.begin(); it != cache_.end();) {
        it = std::get<5>(it->first) ? cache_.erase(it) : std::next(it);
      }
    }
  }

 private:
  const top::TopParams& p_;
  const GemmShape& s_;
  const MapOptions& o_;
  bool direct_ = false;
  u64 first_k_ = 0;
  // A direct band's image rows and their offset (two bands of equal rows compile alike only
  // when these agree: the first and last bands meet the padding); {0, 0} otherwise.
  std::pair<std::int64_t, std::int64_t> band_key(const Tile& t) const {
    if (!direct_ || !s_.conv) return {0, 0};
    const top::ConvWindow& w = *s_.conv;
    const auto ow = static_cast<u64>(w.wo());
    const int oy0 = static_cast<int>(t.m0 / ow), rows = static_cast<int>(t.m / ow);
    const auto [lo, hi] = w.input_rows(oy0, rows);
    return {hi - lo, std::int64_t{oy0} * w.stride - lo};
  }
  using Key =
      std::tuple<bool, u64, u64, u64, u64, bool, bool, std::pair<std::int64_t, std::int64_t>>;
  std::map<Key, Entry> cache_;
  std::map<Key, bool> feasible_;
};

}  // namespace

namespace detail {

// The search on the buffers `p` (the top's, or half of them: double_buffered) for a top
// `run`: tiles are compiled for `p`, the layer's stream runs and is timed on `run`. Direct
// convolution plans (`direct`, LayerMap::direct) or the GEMM lowering's.
LayerMap search(const top::TopParams& run, const top::TopParams& p, const GemmShape& s,
                const MapOptions& opt, bool direct) {
  const std::string name = s.name.empty() ? s.to_string() : s.name;
  if (s.groups < 1 || s.m < 1 || s.k < 1 || s.n < 1) {
    throw std::invalid_argument(fmt::format("{}: groups, M, K and N must be at least 1", name));
  }
  if (s.groups * s.n > (u64{1} << 31) || s.m > (u64{1} << 31) || s.k > (u64{1} << 31)) {
    throw std::invalid_argument(fmt::format("{}: sizes beyond 2^31", name));
  }
  std::vector<Dataflow> dfs;
  if (opt.dataflow) {
    if (*opt.dataflow == Dataflow::kIoS && (s.groups > 1 || !s.per_tensor_quant)) {
      throw std::invalid_argument(fmt::format(
          "{}: IO-S needs one group and per-tensor requantization (the requantization tables "
          "are indexed by the stationary operand's column)",
          name));
    }
    dfs.push_back(*opt.dataflow);
  } else {
    dfs.push_back(Dataflow::kWoS);
    if (s.groups == 1 && s.per_tensor_quant) dfs.push_back(Dataflow::kIoS);
  }
  // The hand-off: WO-S only (the image holds O, not its transpose); a resident input is read by
  // every tile as a whole (tiles along N only).
  const bool resident = opt.input_resident.has_value(), kept = opt.output_image.has_value();
  if (resident || kept) {
    if (dfs.front() != Dataflow::kWoS) {
      throw std::invalid_argument(
          fmt::format("{}: an input read in place or an output kept on chip needs WO-S", name));
    }
    dfs.resize(1);
  }
  if (kept && opt.output_image->end_line(run.aw, run.ah) > static_cast<u64>(run.sd)) {
    throw std::invalid_argument(fmt::format("{}: the output image {} ends at line {}, SD = {}",
                                            name, opt.output_image->to_string(),
                                            opt.output_image->end_line(run.aw, run.ah), run.sd));
  }
  if (resident && s.groups > 1) {
    throw std::invalid_argument(fmt::format(
        "{}: a grouped layer cannot read its input in place (each group streams its own part)",
        name));
  }
  const auto ah = static_cast<u64>(p.ah);
  const u64 nn = s.groups > 1 ? s.groups : s.n;

  const auto& win = s.conv;
  const bool try_direct = direct && win, try_gemm = !direct;
  Compiles compiles(p, s, opt, false);
  Compiles direct_compiles(p, s, opt, true);
  LayerMap best;
  bool have = false;
  u64 best_cycles = 0;
  LayerMap stats;  // counters and rejections

  auto reject = [&](const std::string& why) {
    ++stats.rejected;
    if (stats.rejections.size() < kMaxRejections &&
        std::find(stats.rejections.begin(), stats.rejections.end(), why) ==
            stats.rejections.end()) {
      stats.rejections.push_back(why);
    }
  };
  // Whether the largest tile of the grid (every chunk role of it) compiles: the fit test.
  auto fits = [&](Dataflow df, const Grid& g, bool as_direct = false) {
    Compiles& cs = as_direct ? direct_compiles : compiles;
    cs.set_chunk(g.tile_k);
    const auto tiles = make_tiles(s, g);
    // Every chunk role of the first M tile; every band of a direct plan (the first and last
    // meet the padding).
    const u64 n = as_direct ? g.tiles_m * g.tiles_k : g.tiles_k;
    for (std::size_t i = 0; i < std::min<std::size_t>(tiles.size(), n); ++i) {
      if (!cs.feasible(df, tiles[i])) return false;
    }
    return true;
  };
  // Whether every tile of the grid compiles, and the grid's score (nullopt: rejected).
  auto consider = [&](Dataflow df, const Grid& g, bool as_direct = false) -> std::optional<u64> {
    ++stats.candidates;
    Compiles& cs = as_direct ? direct_compiles : compiles;
    cs.set_chunk(g.tile_k);
    // Scored on the layer's whole stream (operand reuse, the halves, the scheduler).
    std::vector<detail::TileProgram> progs;
    for (const Tile& t : make_tiles(s, g)) {
      std::string why;
      const auto* e = cs.get(df, t, &why);
      if (!e) {
        reject(why);
        return std::nullopt;
      }
      const auto tp = detail::tile_program(p, e->prog, df, s, t, opt);
      if (!tp) {
        reject(fmt::format("the output of tile m0={} n0={} is no part of the output image {}", t.m0,
                           t.g0 * s.n + t.n0, opt.output_image->to_string()));
        return std::nullopt;
      }
      progs.push_back(*tp);
    }
    const u64 cycles =
        top::predict(run,
                     detail::layer_stream(run, progs, detail::place_tiles(run, progs), true,
                                          opt.timing, kept),
                     opt.timing)
            .cycles;
    if (!have || cycles < best_cycles) {
      have = true;
      best_cycles = cycles;
      best = {};
      best.dataflow = df;
      best.direct = as_direct;
      best.tiles_m = g.tiles_m;
      best.tiles_n = g.tiles_n;
      best.tiles_k = g.tiles_k;
      best.tile_m = g.tile_m;
      best.tile_n = g.tile_n;
      best.tile_k = g.tile_k;
    }
    return cycles;
  };

  // Chunks along K and tiles along N: 1, 2, 3, 4, 6, 9, 13, ... (distinct grids only); along M:
  // the fewest tiles for which the largest tile fits (exponential, then binary search on a fit
  // test that stops at the first legal plan). More N tiles or K chunks only add overhead once
  // one M tile fits, and the search along N (along K) stops at the first count that does not
  // improve the score.
  auto steps = [](u64 limit) {
    std::vector<u64> v;
    for (u64 k = 1; k <= limit; k = k < 4 ? k + 1 : k + k / 2) v.push_back(k);
    if (v.back() != limit) v.push_back(limit);
    return v;
  };
  const u64 vns = ceil_div(s.k, ah);
  // Along N also the counts whose tiles are AH, 2 AH, 4 AH, ... columns (no idle PE rows).
  std::vector<u64> n_steps = steps(nn);
  if (s.groups == 1) {
    for (u64 j = 1; j * ah < nn; j *= 2) n_steps.push_back(ceil_div(nn, j * ah));
    std::sort(n_steps.begin(), n_steps.end());
    n_steps.erase(std::unique(n_steps.begin(), n_steps.end()), n_steps.end());
  }
  // A resident input: tiles along N only, as long as more of them help.
  auto n_only = [&](Dataflow df, bool as_direct) {
    std::optional<u64> prev;
    u64 prev_tiles_n = 0;
    for (u64 tn : n_steps) {
      const Grid g = as_direct ? make_direct_grid(s, ah, 1, tn) : make_grid(s, ah, 1, tn, 1);
      if (g.tiles_n == prev_tiles_n) continue;
      prev_tiles_n = g.tiles_n;
      const auto c = consider(df, g, as_direct);
      if (!c) continue;
      if (prev && *c >= *prev) break;
      prev = c;
    }
  };
  for (Dataflow df : dfs) {
    if (!try_gemm) break;
    if (resident && !opt.tiles) {
      n_only(df, false);
      continue;
    }
    if (opt.tiles) {
      const auto [tm, tn, tk] = *opt.tiles;
      if (tm < 1 || tn < 1 || tk < 1) {
        throw std::invalid_argument(fmt::format("{}: forced tiling needs positive counts", name));
      }
      consider(df, make_grid(s, ah, tm, tn, tk));
      continue;
    }
    u64 prev_tiles_k = 0;
    int k_worse = 0;
    for (u64 tk : steps(vns)) {
      const Grid gk = make_grid(s, ah, 1, 1, tk);
      if (gk.tiles_k == prev_tiles_k) continue;
      prev_tiles_k = gk.tiles_k;
      const u64 had_k = best_cycles;
      const bool had_any_k = have;
      bool one_m_tile = false;
      u64 prev_tiles_n = 0;
      int n_worse = 0;
      for (u64 tn : n_steps) {
        const Grid g1 = make_grid(s, ah, 1, tn, tk);
        if (g1.tiles_n == prev_tiles_n) continue;
        prev_tiles_n = g1.tiles_n;
        const u64 had = best_cycles;
        const bool had_any = have;
        // If tiles of AH rows do not fit, no M tiling does (what does not fit is the tile's
        // share of the stationary operand, K x N, or of the output width): one fit test instead
        // of the whole exponential search.
        if (const u64 small = ceil_div(s.m, ah);
            small > 2 && !fits(df, make_grid(s, ah, small, tn, tk))) {
          continue;
        }
        u64 lo = 0, hi = 1;  // lo: known not to fit (0 = none), hi: candidate
        bool found = false;
        while (true) {
          if (fits(df, make_grid(s, ah, hi, tn, tk))) {
            found = true;
            break;
          }
          lo = hi;
          if (hi >= s.m) break;
          hi = std::min(s.m, hi * 2);
        }
        if (!found) continue;
        while (hi - lo > 1) {
          const u64 mid = lo + (hi - lo) / 2;
          if (fits(df, make_grid(s, ah, mid, tn, tk)))
            hi = mid;
          else
            lo = mid;
        }
        consider(df, make_grid(s, ah, hi, tn, tk));
        // One M tile fits: two or four, so that the next tile's operands load while one
        // streams.
        for (u64 more = 2; hi == 1 && more <= std::min<u64>(s.m, 4); more *= 2) {
          consider(df, make_grid(s, ah, more, tn, tk));
        }
        const bool improved = !had_any || best_cycles < had;
        n_worse = improved ? 0 : n_worse + 1;
        if (hi == 1) one_m_tile = true;
        if (hi == 1 || n_worse >= 1) break;
      }
      const bool improved_k = have && (!had_any_k || best_cycles < had_k);
      k_worse = improved_k ? 0 : k_worse + 1;
      if ((one_m_tile && gk.tiles_k == 1) || (have && k_worse >= 1)) break;
    }
  }
  // Direct convolution: bands of output rows along M (each with the input rows it reads) and
  // tiles along N, K whole. Per N count the fewest bands that compile (exponential, then
  // binary search), and two and four bands when one fits (the next band loads while one
  // streams); more N tiles only while that improves the score.
  if (try_direct) {
    const Dataflow df = Dataflow::kWoS;
    const auto ho = static_cast<u64>(win->ho());
    if (opt.tiles) {
      const auto [tm, tn, tk] = *opt.tiles;
      if (tk == 1 && tm >= 1 && tn >= 1) consider(df, make_direct_grid(s, ah, tm, tn), true);
    } else if (resident) {
      n_only(df, true);
    } else {
      u64 prev_tiles_n = 0;
      std::optional<u64> prev;
      for (u64 tn : n_steps) {
        if (make_grid(s, ah, 1, tn, 1).tiles_n == prev_tiles_n) continue;
        prev_tiles_n = make_grid(s, ah, 1, tn, 1).tiles_n;
        u64 lo = 0, hi = 1;
        bool found = false;
        while (true) {
          if (fits(df, make_direct_grid(s, ah, hi, tn), true)) {
            found = true;
            break;
          }
          lo = hi;
          if (hi >= ho) break;
          hi = std::min(ho, hi * 2);
        }
        if (!found) continue;  // no band count fits: more N tiles
        while (hi - lo > 1) {
          const u64 mid = lo + (hi - lo) / 2;
          if (fits(df, make_direct_grid(s, ah, mid, tn), true))
            hi = mid;
          else
            lo = mid;
        }
        std::optional<u64> c = consider(df, make_direct_grid(s, ah, hi, tn), true);
        for (u64 more : {u64{2}, u64{4}}) {
          if (hi > 1 || more > ho) break;
          const auto cm = consider(df, make_direct_grid(s, ah, more, tn), true);
          if (cm && (!c || *cm < *c)) c = cm;
        }
        if (!c) continue;
        if (prev && *c >= *prev) break;
        prev = c;
      }
    }
  }
  if (!have) {
    std::string msg =
        fmt::format("{} ({}) cannot be mapped on {}", name, s.to_string(), p.to_string());
    for (std::size_t i = 0; i < stats.rejections.size(); ++i) {
      msg += (i ? "; " : ": ") + stats.rejections[i];
    }
    if (stats.rejections.empty()) msg += ": no tiling fits the buffers";
    throw std::invalid_argument(msg);
  }

  // The chosen plan: its tiles, the first tile's mapping and layouts, the whole layer's timing
  // on the concatenated program, the accesses.
  best.shape = s;
  best.shape.name = name;
  const Grid g{best.tile_m, best.tile_n, best.tiles_m, best.tiles_n, best.tile_k, best.tiles_k};
  Compiles& chosen = best.direct ? direct_compiles : compiles;
  chosen.set_chunk(g.tile_k);
  best.tiles = make_tiles(s, g);
  std::vector<detail::TileProgram> tile_progs;
  for (const Tile& t : best.tiles) {
    const top::Program& prog = chosen.get(best.dataflow, t, nullptr)->prog;
    tile_progs.push_back(*detail::tile_program(p, prog, best.dataflow, s, t, opt));
  }
  const auto places = detail::place_tiles(run, tile_progs);
  const std::vector<top::Instr> all =
      detail::layer_stream(run, tile_progs, places, true, opt.timing, kept);
  best.double_buffered = std::any_of(places.begin(), places.end(), [](const detail::TilePlace& t) {
    return t.r.w != 0 || t.r.i != 0 || t.r.o != 0;
  });
  best.accesses = count_accesses(p, all);
  const top::Program* first = &chosen.get(best.dataflow, best.tiles.front(), nullptr)->prog;
  best.mapping = first->mapping;
  for (const auto& in : first->instrs) {
    if (in.op == top::Op::kSetWvnLayout) best.lw = in.layout;
    if (in.op == top::Op::kSetIvnLayout) {
      best.li = in.layout;
      break;
    }
  }
  best.lo = first->out.layout;
  best.tile_summary = first->summary;
  best.timing = top::predict(run, all, opt.timing);
  best.utilization =
      static_cast<double>(s.macs()) / (static_cast<double>(p.ah) * static_cast<double>(p.aw) *
                                       static_cast<double>(std::max<u64>(best.timing.cycles, 1)));
  best.forced_mapping = opt.mapping;
  best.input_resident = opt.input_resident;
  best.output_image = opt.output_image;
  best.timing_options = opt.timing;
  best.candidates = stats.candidates;
  best.rejected = stats.rejected;
  best.rejections = stats.rejections;
  return best;
}

}  // namespace detail

}  // namespace feather::map
