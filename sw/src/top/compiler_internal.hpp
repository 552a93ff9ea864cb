// Internal to the layer compiler (sw/src/top/compiler*.cpp; not a public header): the compiler's
// view of the parameters and the layer, the mapping and plan types the mapping search
// (compiler.cpp), the layout search (compiler_layouts.cpp), the BIRRD routing
// (compiler_route.cpp) and the emission (compiler_emit.cpp) pass to each other.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "feather/top/compiler.hpp"

namespace feather::top::compiler_detail {

using u64 = std::uint64_t;
constexpr u64 kNone = std::numeric_limits<u64>::max();

inline u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }
inline u64 round_up(u64 a, u64 b) { return ceil_div(a, b) * b; }

// The parameters the compiler works with, as unsigned numbers.
struct Geo {
  u64 ah = 4, aw = 4;
  int ahl = 2, awl = 2;
  u64 sd = 0, wd = 0, od = 0, qd = 0;
  int xw = 0, maw = 0;
  u64 fill = 0;       // estimated pipeline fill per ExecuteStreaming: BIRRD stages + AH + 6
  u64 max_field = 0;  // largest value of an XW-bit field
};

Geo make_geo(const TopParams& p);

// Flat index L of VN (a, b) (docs/isa.md, layout descriptor table).
inline u64 flat(const Layout& l, u64 a, u64 b) {
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

inline u64 extent_a(const Layout& l) { return l.f0() * l.f1; }
// Lines per bank the layout spans from its base.
inline u64 footprint(const Layout& l, const Geo& g) {
  return ((extent_a(l) * l.f2 - 1) / g.aw + 1) * g.ah;
}
// Whether a layout (at base 0) fits `depth` lines and its factors fit their fields.
inline bool fits(const Layout& l, const Geo& g, u64 depth) {
  return footprint(l, g) <= depth && l.f1 <= g.max_field && l.f2 <= g.max_field;
}

// ---------------------------------------------------------------------------------------------
// The layer as the compiler sees it: `groups` GEMMs M x Kg x cog sharing one output tensor
// O[m][n], n = g*cog + (channel within the group).

// Direct convolution (docs/isa.md, "Window"): the streamed operand is each group's input image
// itself, walked through the window of the IVN layout, one ExecuteStreaming per output row
// segment and kernel tap; the taps accumulate in the output buffer.
struct Direct {
  u64 h = 1, w = 1;  // input image (pixels)
  u64 r = 1, s = 1, stride = 1, pad = 0, dil = 1;
  u64 oh = 1, ow = 1;
  // A band of output rows (the mapper's M tiles): the image holds the input rows from the
  // band's first one on, so that row iy of the layer is row iy - y0 + (first output row)*stride
  // here: iy = oy*stride + ry*dil - pad + y0 for the band's output row oy.
  std::int64_t y0 = 0;
  u64 taps() const { return r * s; }
};

struct Problem {
  std::string what;
  u64 m = 1, kg = 1, cog = 1, n = 1;
  u64 groups = 1;
  std::uint8_t zp_a = 0, zp_w = 0;
  std::vector<std::vector<std::uint8_t>> a;  // per group [m][kg]; empty when in the buffer
  std::vector<std::vector<std::uint8_t>> b;  // per group [kg][cog]
  Quant quant;                               // [n]
  u64 macs = 0;
  // Direct convolution: kg is one tap's K (the group's input channels), a per group is the
  // image [h*w][kg], b per group is [r*s*kg][cog] with rows ordered (r, s, ci); m = oh*ow.
  std::optional<Direct> direct;
};

inline u64 taps(const Problem& p) { return p.direct ? p.direct->taps() : 1; }
// The IVN index range of the streamed operand: output rows, or the image's pixels.
inline u64 a_extent(const Problem& p) { return p.direct ? p.direct->h * p.direct->w : p.m; }

struct Map {
  std::uint32_t grlog = 0, gclog = 0, vn = 1;
  u64 gr = 1, gc = 1, kpar = 1, reps = 1;
};

Map make_map(const Geo& g, std::uint32_t grlog, std::uint32_t gclog, std::uint32_t vn);
std::string map_details(const Map& m);

struct Tile {
  u64 group = 0;
  u64 n0 = 0;
};

// N-tiles of every group: channels n0 + r + AH*nsub (r < vn, nsub < G_c). With vn < AH (only
// legal for a single K-VN) a block of AH*G_c channels takes ceil(AH/vn) tiles; channels that
// two tiles cover get the same value twice.
std::vector<Tile> make_tiles(const Geo& g, const Problem& p, const Map& m);

// Whether the tile at n0 owns the channel range [n0, next) alone: its channels n0 + r + AH*nsub
// below `limit` all lie in it (what per-tile weights and outputs need).
inline bool tile_owns(const Geo& g, const Map& m, u64 n0, u64 next, u64 limit) {
  const u64 last = n0 + (m.vn - 1) + g.ah * (m.gc - 1);
  return next > n0 && std::min(last, limit - 1) < next;
}

// K-VNs and K-passes per tap (direct convolution: every tap has them all).
inline u64 k_vns(const Geo& g, const Problem& p) { return ceil_div(p.kg, g.ah); }
inline u64 passes(const Geo& g, const Problem& p, const Map& m) {
  return ceil_div(k_vns(g, p), m.kpar);
}
inline u64 blocks(const Problem& p, const Map& m) { return ceil_div(p.m, m.reps); }

// One ExecuteStreaming: blocks first, first+s, ... (T of them); ports[x] = output bank of group
// x, or -1 if the group has no live output in the run.
struct EsRun {
  u64 m0 = 0, sm = 1, t = 1;
  std::vector<int> ports;
};

// One mapping with its layouts, output runs and cycle estimate.
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

// The cycle estimate of one ExecuteMapping + ExecuteStreaming pair (file comment of
// compiler.cpp).
inline u64 pair_cycles(const Geo& g, u64 nb, u64 vn, u64 n_es) {
  return std::max(nb * vn, vn * vn) + n_es * g.fill;
}

// ---------------------------------------------------------------------------------------------
// compiler_layouts.cpp: the layout search.

// Evaluates one mapping: layouts for the three buffers and the streaming runs. nullopt if some
// buffer has no conflict-free layout that fits (needs are updated).
std::optional<Plan> evaluate(const Geo& g, const Problem& p, const Map& m,
                             const std::optional<Layout>& given,
                             const std::optional<Layout>& out_given, Needs& needs);

// The weights of one N-tile (or of all tiles when they cannot be told apart): the WVN layout
// its ExecuteMappings read (per direct-convolution tap add tap * w_stride to its base) and the
// stationary-buffer lines [first, end) it loads.
struct WChunk {
  Layout l;
  u64 first = 0, end = 0;
};

// Per-tile weights: when the layer has one group and the WVN layout puts the channel outermost
// (order 3 with F0 = 1, orders 4 and 5: the line of a channel does not depend on F1) so that
// each N-tile's channels fill a contiguous run of whole vn-rows, one chunk per tile, whose
// layout is the plan's cut after the tile's channels (it ends where the tile's lines end). Its
// ExecuteMappings then wait only for the Loads of the tiles up to it, and later tiles' weights
// load while earlier tiles compute. Otherwise one chunk with the plan's layout and lines.
std::vector<WChunk> weight_chunks(const Geo& g, const Problem& p, const Plan& plan);

// Whether the first tile's input loads per K-pass (compiler_emit.cpp): one group, no window,
// more than one pass, an IVN layout `li` loaded from off-chip with the VN index outermost
// (orders 0 and 1: a VN's lines do not depend on F2) whose passes fill whole vn-rows.
inline bool input_per_pass(const Geo& g, const Problem& p, const Map& m, const Layout& li,
                           bool given) {
  return p.groups == 1 && !given && !p.direct && passes(g, p, m) > 1 &&
         (li.order == 0 || li.order == 1) && m.kpar * extent_a(li) % g.aw == 0;
}

// ---------------------------------------------------------------------------------------------
// compiler_route.cpp: BIRRD routes of the output runs (one per distinct port vector).

using RouteCache = std::map<std::vector<int>, birrd::Config>;

// Routes every run of the plan; false (with the reason) if one is unroutable.
bool route_plan(const TopParams& tp, const Geo& g, const Plan& plan, RouteCache& cache,
                std::string& why);

// ---------------------------------------------------------------------------------------------
// compiler_emit.cpp: the instruction stream and the off-chip image of a plan.

Program emit(const TopParams& tp, const Geo& g, const Problem& p, const Plan& plan,
             const RouteCache& routes, const CompileOptions& opt);

}  // namespace feather::top::compiler_detail
