// The mapper (see mapper.hpp and docs/mapper.md): a tile's compile options and stream, the
// plans of a layer (im2col, direct convolution, channel blocks; on the whole buffers or on half
// of them) from the search (mapper_search.cpp), and the buffer accesses of a program.
#include "feather/map/mapper.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "feather/map/hand_off.hpp"
#include "layer_stream.hpp"
#include "mapper_internal.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

}  // namespace

namespace detail {

// The GEMM a tile compiles to (IO-S: transposed).
top::GroupedGemm tile_shape(const GemmShape& s, Dataflow df, const Tile& t, bool direct) {
  top::GroupedGemm g;
  g.groups = static_cast<int>(t.groups);
  g.k = static_cast<int>(t.k);
  if (direct) {  // one tap's K: the group's input channels; a band of whole output rows
    g.window = *s.conv;
    g.k = static_cast<int>(t.k / static_cast<u64>(s.conv->taps()));
    const auto ow = static_cast<u64>(s.conv->wo());
    g.band_oy0 = static_cast<int>(t.m0 / ow);
    g.band_rows = static_cast<int>(t.m / ow);
  }
  if (df == Dataflow::kWoS) {
    g.m = static_cast<int>(t.m);
    g.n = static_cast<int>(t.n);
  } else {
    g.m = static_cast<int>(t.n);
    g.n = static_cast<int>(t.m);
  }
  g.what = fmt::format("{} tile {}{}x{}x{}{}", s.name.empty() ? "layer" : s.name,
                       g.groups > 1 ? fmt::format("{} x ", g.groups) : "", g.m, g.k, g.n,
                       direct ? " (direct)" : "");
  return g;
}

// The compile options of a tile: a K chunk after the first accumulates, with the first chunk's
// mapping and output layout; only the last chunk requantizes and stores.
top::CompileOptions tile_options(const top::TopParams& p, const GemmShape& s, const Tile& t,
                                 const MapOptions& o, const top::Program* first) {
  top::CompileOptions co;
  co.force = o.mapping;
  co.timing = o.timing;
  co.accumulate = !t.first_chunk();
  co.finish = t.k0 + t.k == s.k;
  co.swap_output = false;  // the output stays in the inactive half (layer_stream.hpp)
  co.schedule = false;     // the layer's whole stream is scheduled (layer_stream)
  co.input_in_buffer = o.input_resident;
  if (o.output_image) {
    co.store_output = false;
    co.output_layout =
        image_tile_layout(*o.output_image, t.m,
                          (t.groups * t.n + static_cast<u64>(p.ah) - 1) / static_cast<u64>(p.ah));
  }
  if (!t.first_chunk() && first) {
    co.force = first->mapping;
    co.output_layout = first->out.layout;
  }
  return co;
}

}  // namespace detail

namespace detail {

// A tile as the layer stream takes it (layer_stream.hpp): the operand keys of the GEMM it
// compiles to (IO-S: A' = the weights' columns, B' = the inputs' rows).
detail::TileProgram tile_program(const top::Program& prog, Dataflow df, const Tile& t) {
  const detail::OperandKey rows{t.g0, t.groups, t.m0, t.m, t.k0, t.k};
  const detail::OperandKey cols{t.g0, t.groups, t.n0, t.n, t.k0, t.k};
  detail::TileProgram tp{&prog.instrs, prog.mem_words, t.first_chunk(), rows, cols};
  if (df == Dataflow::kIoS) std::swap(tp.a_key, tp.w_key);
  return tp;
}

std::optional<TileProgram> tile_program(const top::TopParams& p, const top::Program& prog,
                                        Dataflow df, const GemmShape& s, const Tile& t,
                                        const MapOptions& o) {
  TileProgram tp = tile_program(prog, df, t);
  if (o.output_image) {
    const auto part = image_part(p, *o.output_image, s, t);
    if (!part) return std::nullopt;
    tp.image = true;
    tp.qoff = part->line;
  }
  return tp;
}

}  // namespace detail

std::string_view to_string(Dataflow d) { return d == Dataflow::kWoS ? "WO-S" : "IO-S"; }

std::string LayerMap::describe() const {
  return fmt::format("{}{}{} {}x{}x{} tiles (M<={} {}<={} K<={}{}) {}", map::to_string(dataflow),
                     direct ? " direct" : "",
                     blocks ? fmt::format(" channel blocks of {}", blocks) : std::string(), tiles_m,
                     tiles_n, tiles_k, tile_m,
                     shape.groups > 1 ? (blocks ? "blocks" : "groups") : "N", tile_n, tile_k,
                     double_buffered ? ", double-buffered" : "", mapping.to_string());
}

Accesses count_accesses(const top::TopParams& p, const std::vector<top::Instr>& prog) {
  Accesses a;
  const auto aw = static_cast<u64>(p.aw);
  u64 vn = 1, gr = 1;
  for (const auto& in : prog) {
    switch (in.op) {
      case top::Op::kMap:
        vn = u64{in.vnm1} + 1;
        gr = u64{1} << in.grlog;
        a.wbuf_reads += vn * vn * aw;
        break;
      case top::Op::kStream:
        a.sbuf_reads += in.t * vn * aw;
        a.obuf_rmw += in.t * vn * gr;
        if (in.quant) a.sbuf_writes += in.t * vn * gr;
        break;
      case top::Op::kLoad:
        if (in.target == static_cast<std::uint32_t>(top::Target::kWbuf)) {
          a.wbuf_writes += in.count * aw;
        } else if (in.target != static_cast<std::uint32_t>(top::Target::kScale) &&
                   in.target != static_cast<std::uint32_t>(top::Target::kOzp)) {
          a.sbuf_writes += in.count * aw;
        }
        break;
      case top::Op::kStore:
        if (in.target == static_cast<std::uint32_t>(top::Target::kWbuf)) {
          a.wbuf_reads += in.count * aw;
        } else {
          a.sbuf_reads += in.count * aw;
        }
        break;
      default:
        break;
    }
  }
  return a;
}

LayerMap map_layer(const top::TopParams& p, const Layer& layer, const MapOptions& opt) {
  layer.validate();
  if (layer.kind == OpKind::kOther || layer.macs() == 0) {
    throw std::invalid_argument(fmt::format("layer '{}' ({}) has no MACs: nothing to map",
                                            layer.name, layer.shape_string()));
  }
  return map_gemm(p, layer.as_gemm(), opt);
}

namespace detail {

// The top's buffers halved (a tile compiled for them fits either half of the top's).
std::optional<top::TopParams> half_buffers(const top::TopParams& p) {
  top::TopParams h = p;
  h.sd = p.sd / 2;
  h.wd = p.wd / 2;
  h.od = p.od / 2;
  try {
    return h.validated();
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // below AH lines
  }
}

}  // namespace detail

namespace {

// The best plan of one kind (direct convolution or the GEMM lowering), on the whole buffers or
// on half of them.
LayerMap plan(const top::TopParams& p, const GemmShape& s, const MapOptions& opt, bool direct) {
  LayerMap best = detail::search(p, p, s, opt, direct);
  // Tiles that fit half the buffers alternate between the halves, so that each tile's loads
  // overlap the previous tile's streams (layer_stream.hpp). Tried when the plan on the whole
  // buffers leaves the array idle for more than 2 % of its cycles.
  const auto beats = best.timing.beat_cycles;
  if (!best.double_buffered && beats > 0 && best.timing.cycles * 50 > beats * 51) {
    if (const auto h = detail::half_buffers(p)) {
      try {
        LayerMap alt = detail::search(p, *h, s, opt, direct);
        if (alt.timing.cycles < best.timing.cycles) {
          alt.candidates += best.candidates;
          alt.rejected += best.rejected;
          alt.half_buffers = true;
          best = std::move(alt);
        }
      } catch (const std::invalid_argument&) {
        // nothing fits half the buffers: keep the plan on the whole ones
      }
    }
  }
  return best;
}

}  // namespace

// Whether map_gemm weighs direct convolution (LayerMap::direct) against im2col: a convolution
// with a window that is not a plain GEMM already (a 1x1 kernel without stride or padding), with
// a stride the window takes, streaming not clearly more K-VNs than im2col (direct pads every
// tap's channels to whole VNs: a depthwise or 3-channel conv loses), and whose band of one
// output row fits the streaming buffer.
bool direct_candidate(const top::TopParams& p, const GemmShape& s) {
  if (!s.conv) return false;
  const top::ConvWindow& w = *s.conv;
  const auto ah = static_cast<u64>(p.ah), taps = static_cast<u64>(w.taps());
  if (taps == 1 && w.stride == 1 && w.pad == 0) return false;
  if (w.stride > (1 << top::kWindowStrideBits) - 1) return false;
  const u64 cv = ceil_div(s.k / taps, ah);  // channel VNs per tap
  if (taps * cv * 4 > ceil_div(s.k, ah) * 5) return false;
  // One band of one output row must fit the streaming buffer.
  const u64 band_lines = ceil_div(u64(w.dilation * (w.r - 1) + 1) * u64(w.w) * cv, u64(p.aw)) * ah;
  return band_lines <= u64(p.sd);
}

std::optional<GemmShape> channel_blocks(const top::TopParams& p, const GemmShape& s) {
  const u64 block = std::gcd(s.groups, static_cast<u64>(p.ah));
  if (s.groups < 2 || s.n != 1 || block < 2) return std::nullopt;
  GemmShape b = s;
  b.name = s.name;
  b.groups = s.groups / block;
  b.k = block * ceil_div(s.k, static_cast<u64>(p.ah)) * static_cast<u64>(p.ah);
  b.n = block;
  b.conv.reset();  // a GEMM of its own (im2col per group inside)
  b.useful_macs = s.macs();
  return b;
}

LayerMap map_gemm(const top::TopParams& p_in, const GemmShape& s, const MapOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const top::TopParams p = p_in.validated();
  const std::string name = s.name.empty() ? s.to_string() : s.name;
  if (opt.direct && *opt.direct && !s.conv) {
    throw std::invalid_argument(fmt::format(
        "{}: direct convolution needs a batch-1 convolution with the same stride, padding and "
        "dilation on both axes",
        name));
  }
  // Direct convolution and im2col are searched apart (each with its half-buffer plan) and the
  // faster kept, unless MapOptions::direct forces one.
  bool want_gemm = !(opt.direct && *opt.direct) && !opt.channel_blocks.value_or(false);
  bool want_direct =
      opt.direct ? *opt.direct : !opt.channel_blocks.value_or(false) && direct_candidate(p, s);
  if (opt.input_resident && s.conv) {
    // The input is the image itself: im2col reads it in place only when it is the identity.
    const top::ConvWindow& w = *s.conv;
    const bool plain = w.taps() == 1 && w.stride == 1 && w.pad == 0;
    if ((plain && opt.direct && *opt.direct) || (!plain && opt.direct && !*opt.direct)) {
      throw std::invalid_argument(fmt::format(
          "{}: with its input in the buffer a convolution runs {}", name,
          plain ? "as the GEMM it is (1x1, stride 1, no padding)" : "by direct convolution"));
    }
    want_gemm = plain;
    want_direct = !plain;
  }
  std::optional<LayerMap> best;
  if (want_gemm) best = plan(p, s, opt, false);
  if (want_direct) {
    try {
      LayerMap d = plan(p, s, opt, true);
      if (best && d.timing.cycles >= best->timing.cycles) {
        best->candidates += d.candidates;
        best->rejected += d.rejected;
      } else {
        if (best) {
          d.candidates += best->candidates;
          d.rejected += best->rejected;
        }
        best = std::move(d);
      }
    } catch (const std::invalid_argument&) {
      if (!want_gemm) throw;  // forced direct: its reason
    }
  }
  // Channel blocks: the block-diagonal GEMMs, when they apply and are faster (or forced).
  const auto bs = opt.channel_blocks == std::optional<bool>(false) || (opt.direct && *opt.direct)
                      ? std::nullopt
                      : channel_blocks(p, s);
  if (opt.channel_blocks.value_or(false) && !bs) {
    throw std::invalid_argument(fmt::format(
        "{}: channel blocks need a grouped layer with one output channel per group and a "
        "common factor of the groups and AH",
        name));
  }
  if (bs) {
    try {
      LayerMap b = plan(p, *bs, opt, false);
      b.blocks = s.groups / bs->groups;
      if (!best || opt.channel_blocks.value_or(false) || b.timing.cycles < best->timing.cycles) {
        if (best) {
          b.candidates += best->candidates;
          b.rejected += best->rejected;
        }
        best = std::move(b);
      }
    } catch (const std::invalid_argument&) {
      if (opt.channel_blocks.value_or(false)) throw;
    }
  }
  best->search_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return *best;
}

}  // namespace feather::map
