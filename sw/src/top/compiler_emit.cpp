// The layer compiler's emission (the file comment of compiler.cpp): the off-chip image (the
// requantization tables, A and W per group) and the instruction stream of a plan, and
// read_output, which gathers a layer's output back through its placement.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler_internal.hpp"

namespace feather::top {

namespace compiler_detail {

namespace {

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

}  // namespace

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
  // The activation table (a hard-swish, sigmoid, GELU, ... folded into the requantization).
  const bool lut = opt.finish && !p.quant.lut.empty();
  const u64 lut_words = static_cast<u64>(tp.lut_lines());
  const u64 lut_addr = lut ? em.alloc(lut_words) : 0;
  if (data && lut) {
    std::vector<std::uint8_t> lbytes(lut_words * g.aw, 0);
    std::copy(p.quant.lut.begin(), p.quant.lut.end(), lbytes.begin());
    em.write_words(lut_addr, lbytes, 0, lut_words);
  }
  // Direct convolution: every tap has its own weights, in a copy of the WVN layout at
  // tap * w_stride (all taps resident), or reloaded at the same lines (w_stride 0) when they do
  // not all fit.
  const u64 ntaps = taps(p), fp_w = footprint(plan.lw, g);
  const u64 w_stride = ntaps > 1 && ntaps * fp_w <= g.wd ? fp_w : 0;
  std::vector<u64> a_addr(p.groups, 0);
  std::vector<std::vector<u64>> w_addr(p.groups, std::vector<u64>(ntaps, 0));
  for (u64 grp = 0; grp < p.groups; ++grp) {
    if (!plan.ivn_given && !data) {
      a_addr[grp] = em.alloc(fp_i);
    } else if (!plan.ivn_given) {
      const auto& a = p.a[grp];
      const u64 ea = a_extent(p);
      auto img = image(g, plan.li, p.zp_a, [&](u64 mm, u64 j, u64 e) {
        const u64 k = j * g.ah + e;
        return mm < ea && k < p.kg ? a[mm * p.kg + k] : p.zp_a;
      });
      a_addr[grp] = em.alloc(fp_i);
      em.write_words(a_addr[grp], img, 0, fp_i);
    }
    const auto [first, end] = plan.w_ranges[grp];
    for (u64 tap = 0; tap < ntaps; ++tap) {
      if (first >= end) continue;
      w_addr[grp][tap] = em.alloc(end - first);
      if (!data) continue;
      const auto& b = p.b[grp];
      const u64 lo = grp * p.cog, hi = lo + p.cog;
      auto img = image(g, plan.lw, p.zp_w, [&](u64 n, u64 j, u64 e) {
        const u64 k = j * g.ah + e;
        return n >= lo && n < hi && k < p.kg ? b[(tap * p.kg + k) * p.cog + (n - lo)] : p.zp_w;
      });
      em.write_words(w_addr[grp][tap], img, first, end - first);
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
    if (p.direct)
      l.window =
          Window{true, p.direct->h, p.direct->w, static_cast<std::uint32_t>(p.direct->stride)};
    return l;
  };
  auto lw_at = [&](u64 tap) {
    Layout l = plan.lw;
    l.base = tap * w_stride;
    return l;
  };
  // The ExecuteStreaming instructions of one run: one per output row segment with direct
  // convolution (the window origin of tap (ry, sx)), else the run itself.
  auto streams = [&](const EsRun& run, u64 tap, bool acc, bool quant) {
    const birrd::Config& route = routes.at(run.ports);
    if (!p.direct) {
      ins.push_back(Instr::stream(run.m0, run.sm, run.t, acc, quant, route));
      return;
    }
    const Direct& d = *p.direct;
    const auto dy =
        static_cast<std::int64_t>((tap / d.s) * d.dil) - static_cast<std::int64_t>(d.pad) + d.y0;
    const auto dx =
        static_cast<std::int64_t>((tap % d.s) * d.dil) - static_cast<std::int64_t>(d.pad);
    for (u64 k = 0; k < run.t;) {
      const u64 m0 = run.m0 + k * run.sm, oy = m0 / d.ow;
      u64 t = 1;
      while (k + t < run.t && (m0 + t * run.sm) / d.ow == oy) ++t;
      Instr es = Instr::stream(m0, run.sm, t, acc, quant, route);
      es.iy0 = static_cast<std::int64_t>(oy * d.stride) + dy;
      es.ix0 = static_cast<std::int64_t>((m0 % d.ow) * d.stride) + dx;
      ins.push_back(es);
      k += t;
    }
  };
  // Weights per N-tile and tap (weight_chunks), each loaded just before its first
  // ExecuteMapping (the scheduler moves Loads earlier, to where the memory engine is free): one
  // group. When not every tap's weights fit at once (w_stride 0), each tile reloads each tap's
  // weights, its own channels only, into the same lines.
  const bool late_w = p.groups == 1;
  const bool resident = ntaps == 1 || w_stride > 0;
  const std::vector<WChunk> chunks =
      late_w ? weight_chunks(g, p, plan) : std::vector<WChunk>(1, WChunk{plan.lw, 0, 0});
  auto chunk_at = [&](std::size_t c, u64 tap) {
    Layout l = chunks[c].l;
    l.base += tap * w_stride;
    return l;
  };
  auto load_chunk = [&](std::size_t c, u64 tap) {
    const WChunk& ch = chunks[c];
    em.copy(true, Target::kWbuf, tap * w_stride + ch.first, ch.end - ch.first,
            w_addr[0][tap] + (ch.first - plan.w_ranges[0].first));
  };
  // The input per K-pass of the first tile, the same way: when the IVN layout puts the VN index
  // outermost (orders 0 and 1: a VN's lines do not depend on F2) and each pass's VNs fill whole
  // vn-rows, pass p loads its VNs on their own and streams with the layout cut after them
  // (F2 = its last VN + 1), so the first stream waits for the first pass's input only.
  const u64 ea_i = extent_a(plan.li);
  const bool a_chunks = input_per_pass(g, p, m, plan.li, plan.ivn_given);
  auto a_layout = [&](u64 pass) {
    Layout l = li_at(0);
    if (a_chunks) l.f2 = std::min<u64>((pass + 1) * m.kpar, plan.li.f2);
    return l;
  };
  auto load_a = [&](u64 pass) {
    const u64 first = pass * m.kpar * ea_i / g.aw * g.ah;
    const u64 end = footprint(a_layout(pass), g);
    em.copy(true, Target::kSbufActive, li_at(0).base + first, end - first, a_addr[0] + first);
  };
  ins.push_back(Instr::config(p.zp_a, p.zp_w, false, p.quant.lo, p.quant.hi, lut));
  ins.push_back(Instr::set_layout(Op::kSetWvnLayout, late_w ? chunk_at(0, 0) : lw_at(0)));
  ins.push_back(Instr::set_layout(Op::kSetIvnLayout, a_layout(0)));
  ins.push_back(Instr::set_layout(Op::kSetOvnLayout, plan.lo));
  if (opt.finish) {
    em.copy(true, Target::kScale, 0, scale_words, scale_addr);
    em.copy(true, Target::kOzp, 0, ozp_words, ozp_addr);
    if (lut) em.copy(true, Target::kLut, 0, lut_words, lut_addr);
  }
  // The output per N-tile: when the OVN layout puts the channel-VN index outermost (orders 0
  // and 1), each tile's channels fill whole vn-rows, and a tile has streams without
  // requantization (K-passes or taps) that a Store can run beside, each tile's output is stored
  // from the inactive half (where the requantization writes it) once the tile is done; the
  // scheduler moves each Store under the next tile's streams.
  std::vector<std::pair<u64, u64>> out_chunks;  // per tile: lines [first, end) from the base
  if (store && late_w && plan.tiles.size() > 1 && (ntaps > 1 || np > 1) &&
      (plan.lo.order == 0 || plan.lo.order == 1)) {
    const u64 e = extent_a(plan.lo);
    auto line_of_q = [&](u64 q) { return q * e / g.aw * g.ah; };
    for (std::size_t t = 0; t < plan.tiles.size(); ++t) {
      const u64 n0 = plan.tiles[t].n0;
      const u64 next = t + 1 < plan.tiles.size() ? plan.tiles[t + 1].n0 : p.n;
      if (!tile_owns(g, m, n0, next, p.n) || n0 % g.ah != 0 || n0 / g.ah * e % g.aw != 0) {
        out_chunks.clear();
        break;
      }
      const u64 end = t + 1 < plan.tiles.size() ? line_of_q(next / g.ah) : fp_o;
      if (t + 1 < plan.tiles.size() && (next % g.ah != 0 || end <= line_of_q(n0 / g.ah))) {
        out_chunks.clear();
        break;
      }
      out_chunks.emplace_back(line_of_q(n0 / g.ah), end);
    }
  }
  std::size_t tile_index = 0;
  if (late_w) {
    // The first tile's weights before its input (its ExecuteMapping runs while the input
    // loads), every other chunk and tap before its first use.
    const bool any_w = plan.w_ranges[0].first < plan.w_ranges[0].second;
    if (any_w) load_chunk(0, 0);
    if (a_chunks) {
      load_a(0);
    } else if (!plan.ivn_given) {
      em.copy(true, Target::kSbufActive, li_at(0).base, fp_i, a_addr[0]);
    }
    Layout cur = chunk_at(0, 0), cur_i = a_layout(0);
    std::size_t c = 0;
    for (const Tile& t : plan.tiles) {
      if (chunks.size() > 1) c = static_cast<std::size_t>(&t - plan.tiles.data());
      const bool first_tile = &t == plan.tiles.data();
      for (u64 tap = 0; tap < ntaps; ++tap) {
        const bool load = !resident || chunks.size() > 1 || first_tile;
        if (any_w && load && !(first_tile && tap == 0)) load_chunk(c, tap);
        const Layout l = chunk_at(c, tap);
        if (!(l == cur)) ins.push_back(Instr::set_layout(Op::kSetWvnLayout, l));
        cur = l;
        for (u64 pass = 0; pass < np; ++pass) {
          if (a_chunks) {
            if (first_tile && pass > 0) load_a(pass);
            const Layout li = a_layout(first_tile ? pass : np - 1);
            if (!(li == cur_i)) ins.push_back(Instr::set_layout(Op::kSetIvnLayout, li));
            cur_i = li;
          }
          ins.push_back(Instr::map(pass * m.kpar, t.n0, m.grlog, m.gclog, m.vn - 1));
          const bool acc = tap > 0 || pass > 0 || opt.accumulate;
          const bool quant = tap + 1 == ntaps && pass + 1 == np && opt.finish;
          for (const EsRun& run : plan.runs[static_cast<std::size_t>(&t - plan.tiles.data())]) {
            streams(run, tap, acc, quant);
          }
        }
      }
      if (!out_chunks.empty()) {
        const auto [first, end] = out_chunks[static_cast<std::size_t>(&t - plan.tiles.data())];
        em.copy(false, Target::kSbufInactive, plan.lo.base + first, end - first, out_addr + first);
      }
    }
    tile_index = plan.tiles.size();
  }
  for (u64 grp = 0; grp < p.groups && !late_w; ++grp) {
    if (grp > 0 && plan.ivn_stacked) {
      ins.push_back(Instr::set_layout(Op::kSetIvnLayout, li_at(grp)));
    }
    if (!plan.ivn_given) em.copy(true, Target::kSbufActive, li_at(grp).base, fp_i, a_addr[grp]);
    const u64 first = plan.w_ranges[grp].first, end = plan.w_ranges[grp].second;
    auto load_w = [&](u64 tap) {
      if (first < end) {
        em.copy(true, Target::kWbuf, tap * w_stride + first, end - first, w_addr[grp][tap]);
      }
    };
    if (resident) {
      for (u64 tap = 0; tap < ntaps; ++tap) load_w(tap);
    }
    for (; tile_index < plan.tiles.size() && plan.tiles[tile_index].group == grp; ++tile_index) {
      const Tile& t = plan.tiles[tile_index];
      for (u64 tap = 0; tap < ntaps; ++tap) {
        if (ntaps > 1) {
          if (!resident) load_w(tap);
          ins.push_back(Instr::set_layout(Op::kSetWvnLayout, lw_at(tap)));
        }
        for (u64 pass = 0; pass < np; ++pass) {
          ins.push_back(Instr::map(pass * m.kpar, t.n0, m.grlog, m.gclog, m.vn - 1));
          const bool acc = tap > 0 || pass > 0 || opt.accumulate;
          const bool quant = tap + 1 == ntaps && pass + 1 == np && opt.finish;
          for (const EsRun& run : plan.runs[tile_index]) streams(run, tap, acc, quant);
        }
      }
    }
  }
  if (opt.finish && opt.swap_output) {
    ins.push_back(Instr::config(p.zp_a, p.zp_w, true, p.quant.lo, p.quant.hi, lut));
  }
  if (store && out_chunks.empty()) {
    em.copy(false, opt.swap_output ? Target::kSbufActive : Target::kSbufInactive, plan.lo.base,
            fp_o, out_addr);
  }

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
  prog.out.inactive = opt.finish && !opt.swap_output;
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
      "  groups {}, N-tiles {}, K-passes {}{}, ExecuteMapping {}, ExecuteStreaming {}\n"
      "  MACs {}, model cycles {}, instructions {}",
      p.what, tp.to_string(), prog.mapping.to_string(), map_details(m), plan.lw.to_string(),
      footprint(plan.lw, g), plan.li.to_string(), in_desc, fp_i, plan.lo.to_string(), fp_o,
      p.groups, plan.tiles.size(), np,
      p.direct ? fmt::format(" x {} taps (direct convolution)", ntaps) : std::string(), n_em, n_es,
      p.macs, plan.cycles, ins.size());
  return prog;
}

}  // namespace compiler_detail

namespace {

using compiler_detail::extent_a;
using compiler_detail::flat;
using compiler_detail::u64;

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
  const int half = o.inactive ? 1 - g.half() : g.half();
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
