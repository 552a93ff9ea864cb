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
//
// Direct convolution (CompileOptions::direct_conv; docs/isa.md "Window"): each group's A image
// is the input image itself ([h*w] pixels of the group's channels, K-VNs = channel VNs), and K
// is walked per kernel tap: per tile, per tap (ky, kx), per K-pass an ExecuteMapping of the
// tap's weights (a copy of the WVN layout per tap, or reloaded per tap when they do not all fit)
// and the runs split at output-row boundaries, each ExecuteStreaming with the window origin
// (oy*stride + ky*dil - pad, ox0*stride + kx*dil - pad). Taps after the first accumulate. A
// step's reps output positions must lie in one row (reps divides the output width); the IVN
// conflict check walks the window's pixels, padding included (no reads).
//
// Files: compiler.cpp (this: the mapping search and the entry points), compiler_layouts.cpp (the
// layout search with its conflict checks and the output runs), compiler_route.cpp (the BIRRD
// routes), compiler_emit.cpp (the instruction stream, the off-chip image, read_output);
// compiler_internal.hpp holds what they share.
#include "feather/top/compiler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <utility>

#include "compiler_internal.hpp"
#include "feather/top/schedule.hpp"
#include "feather/top/timing.hpp"

namespace feather::top {

std::string MappingChoice::to_string() const {
  return fmt::format("grlog={} gclog={} vn={}", grlog, gclog, vnm1 + 1);
}

namespace compiler_detail {

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

}  // namespace compiler_detail

using namespace compiler_detail;

namespace {

Program scheduled(const TopParams& tp, Program prog, const CompileOptions& opt) {
  if (opt.schedule) prog.instrs = schedule(tp, prog.instrs, {.timing = opt.timing});
  return prog;
}

u64 lower_bound_cycles(const Geo& g, const Problem& p, const Map& m) {
  const u64 nt = make_tiles(g, p, m).size();
  return nt * taps(p) * passes(g, p, m) * pair_cycles(g, blocks(p, m), m.vn, 1);
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
  if (opt.input_in_buffer && p.direct && p.groups > 1) {
    throw std::invalid_argument(
        fmt::format("{}: direct convolution of a grouped layer's input already in the buffer is "
                    "not supported (each group streams its own image region)",
                    p.what));
  }
  if (opt.input_in_buffer) {
    const Layout& l = *opt.input_in_buffer;
    if (l.order > 5 || l.f1 == 0 || l.f2 == 0) {
      throw std::invalid_argument(
          fmt::format("{}: the given input layout {} is malformed", p.what, l.to_string()));
    }
    if (extent_a(l) < a_extent(p) || l.f2 < jg) {
      throw std::invalid_argument(fmt::format(
          "{}: the given input layout {} covers {} x {} input VNs, the layer needs {} x {}", p.what,
          l.to_string(), extent_a(l), l.f2, a_extent(p), jg));
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
    const u64 beats = make_tiles(g, p, m).size() * taps(p) * passes(g, p, m) * blocks(p, m) * m.vn;
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
      cycles = predict(tp, scheduled(tp, emit(tp, g, p, *plan, routes, score_opt), opt).instrs,
                       opt.timing)
                   .cycles;
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
  return scheduled(tp, emit(tp, g, p, *best, best_routes, opt), opt);
}

void check_quant(const TopParams& tp, const std::string& what, const Quant& q, u64 n) {
  if (q.scale.size() != n || q.ozp.size() != n) {
    throw std::invalid_argument(
        fmt::format("{}: the requantization tables have {} scales and {} zero points, need {}",
                    what, q.scale.size(), q.ozp.size(), n));
  }
  if (q.lo > q.hi) {
    throw std::invalid_argument(fmt::format("{}: the output clamp is empty (lo = {} > hi = {})",
                                            what, int{q.lo}, int{q.hi}));
  }
  if (!q.lut.empty() && q.lut.size() != 256) {
    throw std::invalid_argument(
        fmt::format("{}: the activation table has {} entries, need 0 or 256", what, q.lut.size()));
  }
  // Its Load addresses lines 0 .. lut_lines - 1 through the LA-bit line field.
  if (!q.lut.empty() && tp.lut_lines() - 1 >= (1 << tp.la())) {
    throw std::invalid_argument(fmt::format(
        "{}: the activation table takes {} lines of {} bytes, but the Load line field of this "
        "top ({} bits) addresses {} (buffers of at least {} lines are needed)",
        what, tp.lut_lines(), tp.aw, tp.la(), 1 << tp.la(), tp.lut_lines()));
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
  check_quant(tp, what, gl.quant, n);
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
  check_quant(tp, what, c.quant, static_cast<u64>(c.co));
  if (opt.input_in_buffer && !opt.direct_conv &&
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
  if (opt.direct_conv) return compile_grouped(tp, as_grouped_direct(c), opt);
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

GroupedGemm as_grouped_blocks(const ConvLayer& c, int block, int ah) {
  c.validate();
  if (c.co != c.groups || block < 1 || ah < 1 || c.groups % block != 0) {
    throw std::invalid_argument(fmt::format(
        "channel blocks: a grouped conv with one output channel per group ({} groups, {} output "
        "channels) cut into blocks of {} groups",
        c.groups, c.co, block));
  }
  GroupedGemm g = as_grouped(c);  // im2col per group: [m][kg], [kg][1]
  const auto kg = static_cast<u64>(g.k), kp = round_up(kg, static_cast<u64>(ah));
  const auto bl = static_cast<u64>(block), m = static_cast<u64>(g.m);
  GroupedGemm b;
  b.what = fmt::format("{} (channel blocks of {})", g.what, block);
  b.groups = c.groups / block;
  b.m = g.m;
  b.k = static_cast<int>(bl * kp);
  b.n = block;
  b.zp_a = g.zp_a;
  b.zp_w = g.zp_w;
  b.quant = g.quant;
  for (u64 blk = 0; blk < static_cast<u64>(b.groups); ++blk) {
    std::vector<std::uint8_t> a(m * bl * kp, g.zp_a), w(bl * kp * bl, g.zp_w);
    for (u64 s = 0; s < bl; ++s) {
      const auto& ga = g.a[blk * bl + s];
      const auto& gb = g.b[blk * bl + s];
      for (u64 i = 0; i < m; ++i) {
        for (u64 k = 0; k < kg; ++k) a[i * bl * kp + s * kp + k] = ga[i * kg + k];
      }
      for (u64 k = 0; k < kg; ++k) w[(s * kp + k) * bl + s] = gb[k];
    }
    b.a.push_back(std::move(a));
    b.b.push_back(std::move(w));
  }
  return b;
}

GroupedGemm as_grouped_direct(const ConvLayer& c) {
  c.validate();
  GroupedGemm g;
  g.what = fmt::format("conv {}x{}x{} -> {} k{}x{} s{} p{} d{} g{} (direct)", c.h, c.w, c.c, c.co,
                       c.r, c.s, c.stride, c.pad, c.dilation, c.groups);
  g.groups = c.groups;
  g.m = c.ho() * c.wo();
  g.k = c.c / c.groups;  // one tap's K
  g.n = c.co / c.groups;
  g.zp_a = c.zp_a;
  g.zp_w = c.zp_w;
  g.quant = c.quant;
  g.window = c.window();
  const auto cg = static_cast<u64>(g.k), cog = static_cast<u64>(g.n);
  const u64 pixels = static_cast<u64>(c.h) * static_cast<u64>(c.w), taps = u64(c.r) * u64(c.s);
  for (u64 grp = 0; grp < static_cast<u64>(c.groups); ++grp) {
    std::vector<std::uint8_t> a(pixels * cg);  // the group's channels of the image
    for (u64 px = 0; px < pixels; ++px) {
      for (u64 ci = 0; ci < cg; ++ci) a[px * cg + ci] = c.input[px * u64(c.c) + grp * cg + ci];
    }
    std::vector<std::uint8_t> b(taps * cg * cog);  // [taps*cg][cog], rows (ky, kx, ci)
    for (u64 n = 0; n < cog; ++n) {
      for (u64 k = 0; k < taps * cg; ++k)
        b[k * cog + n] = c.weight[(grp * cog + n) * taps * cg + k];
    }
    g.a.push_back(std::move(a));
    g.b.push_back(std::move(b));
  }
  return g;
}

std::uint64_t GroupedGemm::macs() const {
  const u64 taps = window ? static_cast<u64>(window->taps()) : 1;
  return u64(groups) * u64(m) * u64(k) * taps * u64(n);
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
  p.macs = gg.macs();
  u64 a_size = m * k, b_size = k * n;  // per group
  if (const auto& w = gg.window) {
    if (w->h < 1 || w->w < 1 || w->r < 1 || w->s < 1 || w->stride < 1 || w->pad < 0 ||
        w->dilation < 1 || w->ho() < 1 || w->wo() < 1) {
      throw std::invalid_argument(fmt::format(
          "{}: illegal window (image {}x{}, kernel {}x{}, stride {}, padding {}, dilation {})",
          what, w->h, w->w, w->r, w->s, w->stride, w->pad, w->dilation));
    }
    if (w->stride > (1 << kWindowStrideBits) - 1) {
      throw std::invalid_argument(fmt::format(
          "{}: direct convolution supports strides up to {} (the window's stride field), not {}",
          what, (1 << kWindowStrideBits) - 1, w->stride));
    }
    const int oy0 = gg.band_rows > 0 ? gg.band_oy0 : 0;
    const int rows = gg.band_rows > 0 ? gg.band_rows : w->ho();
    if (oy0 < 0 || oy0 + rows > w->ho()) {
      throw std::invalid_argument(
          fmt::format("{}: output rows {}..{} are not rows of the {} the window gives", what, oy0,
                      oy0 + rows - 1, w->ho()));
    }
    if (u64(rows) * u64(w->wo()) != m) {
      throw std::invalid_argument(
          fmt::format("{}: M = {} is not the window's {}x{} outputs", what, m, rows, w->wo()));
    }
    // The whole layer keeps the whole image (also rows no output reads).
    const auto [lo, hi] = gg.band_rows > 0 ? w->input_rows(oy0, rows) : std::pair{0, w->h};
    if (hi <= lo) {
      throw std::invalid_argument(fmt::format(
          "{}: output rows {}..{} read only padding (no input row)", what, oy0, oy0 + rows - 1));
    }
    Direct d;
    d.h = u64(hi - lo), d.w = u64(w->w), d.r = u64(w->r), d.s = u64(w->s);
    d.stride = u64(w->stride), d.pad = u64(w->pad), d.dil = u64(w->dilation);
    d.oh = u64(rows), d.ow = u64(w->wo());
    d.y0 = static_cast<std::int64_t>(oy0) * w->stride - lo;
    p.direct = d;
    a_size = d.h * d.w * k;
    b_size = d.taps() * k * n;
  }
  if (!opt.shape_only) {
    const bool need_a = !opt.input_in_buffer;
    if ((need_a && gg.a.size() != groups) || gg.b.size() != groups) {
      throw std::invalid_argument(
          fmt::format("{}: need A and B for each of the {} groups, got {} "
                      "and {}",
                      what, groups, gg.a.size(), gg.b.size()));
    }
    for (u64 grp = 0; grp < groups; ++grp) {
      if (need_a && gg.a[grp].size() != a_size) {
        throw std::invalid_argument(fmt::format("{}: A of group {} has {} elements, need {}", what,
                                                grp, gg.a[grp].size(), a_size));
      }
      if (gg.b[grp].size() != b_size) {
        throw std::invalid_argument(fmt::format("{}: B of group {} has {} elements, need {}", what,
                                                grp, gg.b[grp].size(), b_size));
      }
    }
    check_quant(tp, what, gg.quant, p.n);
    if (need_a) p.a = gg.a;
    p.b = gg.b;
    p.quant = gg.quant;
  }
  return compile_problem(tp, p, opt);
}

}  // namespace feather::top
