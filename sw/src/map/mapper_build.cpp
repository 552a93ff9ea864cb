// The mapper's program builder (mapper.hpp): a mapped layer with data, its tiles compiled and
// assembled into the same stream the search timed (layer_stream.hpp), and its output read back.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <stdexcept>

#include "feather/map/mapper.hpp"
#include "mapper_internal.hpp"

namespace feather::map {

using u64 = std::uint64_t;
using detail::tile_options;
using detail::tile_shape;

namespace {

// The requantization entries of a WO-S tile's output channels: columns [n0, n0+n) of each of
// its groups.
void slice_quant(const GemmShape& s, const Tile& t, const top::Quant& from, top::Quant& to) {
  to.lo = from.lo;
  to.hi = from.hi;
  to.lut = from.lut;
  for (u64 grp = t.g0; grp < t.g0 + t.groups; ++grp) {
    for (u64 j = 0; j < t.n; ++j) {
      const u64 ch = grp * s.n + t.n0 + j;
      to.scale.push_back(from.scale[ch]);
      to.ozp.push_back(from.ozp[ch]);
    }
  }
}

// The data of one direct-convolution tile: its groups' images (none when the input is in the
// buffer: `with_a` false) and its columns of the weights.
top::GroupedGemm direct_tile_data(const GemmShape& s, const Tile& t, const top::GroupedGemm& d,
                                  bool with_a) {
  top::GroupedGemm g = tile_shape(s, Dataflow::kWoS, t, true);
  g.zp_a = d.zp_a;
  g.zp_w = d.zp_w;
  const u64 rows = t.k;  // taps * the group's channels
  // The input rows the tile's band of output rows reads.
  const auto [lo, hi] = s.conv->input_rows(g.band_oy0, g.band_rows);
  const u64 row_bytes = static_cast<u64>(s.conv->w) * static_cast<u64>(g.k);
  for (u64 grp = t.g0; grp < t.g0 + t.groups; ++grp) {
    if (with_a) {
      const auto first = d.a[grp].begin() + static_cast<std::ptrdiff_t>(u64(lo) * row_bytes);
      g.a.emplace_back(first, first + static_cast<std::ptrdiff_t>(u64(hi - lo) * row_bytes));
    }
    const auto& b = d.b[grp];  // [taps*K][n]
    std::vector<std::uint8_t> tb(rows * t.n);
    for (u64 kk = 0; kk < rows; ++kk) {
      for (u64 j = 0; j < t.n; ++j) tb[kk * t.n + j] = b[kk * s.n + t.n0 + j];
    }
    g.b.push_back(std::move(tb));
  }
  slice_quant(s, t, d.quant, g.quant);
  return g;
}

// The data of one tile, as the GEMM it compiles to (without A when `with_a` is false: WO-S
// with the input in the buffer).
top::GroupedGemm tile_data(const GemmShape& s, Dataflow df, const Tile& t,
                           const top::GroupedGemm& d, bool with_a) {
  top::GroupedGemm g = tile_shape(s, df, t, false);
  g.zp_a = df == Dataflow::kWoS ? d.zp_a : d.zp_w;
  g.zp_w = df == Dataflow::kWoS ? d.zp_w : d.zp_a;
  const u64 k = t.k;
  for (u64 grp = t.g0; grp < t.g0 + t.groups; ++grp) {
    static const std::vector<std::uint8_t> none;
    const auto& a = with_a ? d.a[grp] : none;  // [m][K]
    const auto& b = d.b[grp];                  // [K][n]
    auto at = [&](u64 i, u64 kk) -> std::uint8_t {
      return with_a ? a[(t.m0 + i) * s.k + t.k0 + kk] : std::uint8_t{0};
    };
    auto bt = [&](u64 kk, u64 j) { return b[(t.k0 + kk) * s.n + t.n0 + j]; };
    std::vector<std::uint8_t> ta, tb;
    if (df == Dataflow::kWoS) {
      if (with_a) ta.resize(t.m * k);
      tb.resize(k * t.n);
      for (u64 i = 0; i < t.m && with_a; ++i) {
        for (u64 kk = 0; kk < k; ++kk) ta[i * k + kk] = at(i, kk);
      }
      for (u64 kk = 0; kk < k; ++kk) {
        for (u64 j = 0; j < t.n; ++j) tb[kk * t.n + j] = bt(kk, j);
      }
    } else {
      // A' = B[k-chunk, n0:n0+n]^T (n x k), B' = A[m0:m0+m, k-chunk]^T (k x m).
      ta.resize(t.n * k);
      tb.resize(k * t.m);
      for (u64 j = 0; j < t.n; ++j) {
        for (u64 kk = 0; kk < k; ++kk) ta[j * k + kk] = bt(kk, j);
      }
      for (u64 kk = 0; kk < k; ++kk) {
        for (u64 i = 0; i < t.m; ++i) tb[kk * t.m + i] = at(i, kk);
      }
    }
    if (with_a) g.a.push_back(std::move(ta));
    g.b.push_back(std::move(tb));
  }
  if (df == Dataflow::kWoS) {
    slice_quant(s, t, d.quant, g.quant);
  } else {
    g.quant.scale.assign(t.m, d.quant.scale.front());
    g.quant.ozp.assign(t.m, d.quant.ozp.front());
    g.quant.lo = d.quant.lo;
    g.quant.hi = d.quant.hi;
    g.quant.lut = d.quant.lut;
  }
  return g;
}

}  // namespace

MappedProgram build_program(const top::TopParams& p, const LayerMap& lm,
                            const top::GroupedGemm& d) {
  const GemmShape& s = lm.shape;
  const std::string name = s.name;
  // Direct convolution takes the image form (top::as_grouped_direct): K per tap.
  const u64 taps = lm.direct && s.conv ? static_cast<u64>(s.conv->taps()) : 1;
  if (lm.direct != d.window.has_value() || (lm.direct && (!s.conv || *d.window != *s.conv))) {
    throw std::invalid_argument(fmt::format(
        "{}: the plan is {} convolution, the data {}", name, lm.direct ? "direct" : "an im2col",
        d.window ? "is an image with a window" : "has no window"));
  }
  if (static_cast<u64>(d.groups) != s.groups || static_cast<u64>(d.m) != s.m ||
      static_cast<u64>(d.k) * taps != s.k || static_cast<u64>(d.n) != s.n) {
    throw std::invalid_argument(fmt::format("{}: data of shape {} x {}x{}x{}, mapped {}", name,
                                            d.groups, d.m, d.k, d.n, s.to_string()));
  }
  const bool with_a = !lm.input_resident;
  if ((with_a && d.a.size() != s.groups) || d.b.size() != s.groups ||
      d.quant.scale.size() != s.groups * s.n || d.quant.ozp.size() != s.groups * s.n) {
    throw std::invalid_argument(fmt::format("{}: incomplete data (A, B, quantization)", name));
  }
  if (lm.dataflow == Dataflow::kIoS) {
    const auto& q = d.quant;
    if (std::adjacent_find(q.scale.begin(), q.scale.end(), std::not_equal_to<>()) !=
            q.scale.end() ||
        std::adjacent_find(q.ozp.begin(), q.ozp.end(), std::not_equal_to<>()) != q.ozp.end()) {
      throw std::invalid_argument(
          fmt::format("{}: IO-S needs per-tensor requantization (one scale and zero point)", name));
    }
  }
  MappedProgram mp;
  mp.memory = top::Memory(p.aw);
  MapOptions mo;
  mo.mapping = lm.forced_mapping;  // the same searches as map_gemm's shape-only compiles
  mo.timing = lm.timing_options;
  mo.input_resident = lm.input_resident;
  mo.output_image = lm.output_image;
  // The tiles are compiled for the buffers the plan was made for.
  const top::TopParams pc = lm.half_buffers ? *detail::half_buffers(p) : p;
  u64 base = 0;
  std::vector<top::Program> progs;
  progs.reserve(lm.tiles.size());
  const top::Program* first = nullptr;  // the first K chunk of the current output tile
  for (const Tile& t : lm.tiles) {
    top::CompileOptions co = tile_options(pc, s, t, mo, first);
    co.mem_base = base;
    progs.push_back(top::compile_grouped(
        pc, lm.direct ? direct_tile_data(s, t, d, with_a) : tile_data(s, lm.dataflow, t, d, with_a),
        co));
    mp.memory.merge(progs.back().memory);
    base += progs.back().mem_words;
    if (t.first_chunk()) first = &progs.back();
  }
  // The same stream as map_gemm's (its programs are compiled at mem_base 0 and moved there).
  std::vector<detail::TileProgram> tile_progs;
  for (std::size_t k = 0; k < progs.size(); ++k) {
    const auto tp = detail::tile_program(p, progs[k], lm.dataflow, s, lm.tiles[k], mo);
    if (!tp) {
      throw std::invalid_argument(
          fmt::format("{}: tile {} is no part of the output image", name, k));
    }
    tile_progs.push_back(*tp);
  }
  const auto places = detail::place_tiles(p, tile_progs);
  const bool kept = lm.output_image.has_value();
  mp.instrs = detail::layer_stream(p, tile_progs, places, false, lm.timing_options, kept);
  if (kept) {
    top::OutputPlacement img;
    img.layout = *lm.output_image;
    img.m = static_cast<int>(s.m);
    img.n = static_cast<int>(s.groups * s.n);
    mp.image = img;
  }
  for (std::size_t k = 0; k < progs.size(); ++k) {
    if (progs[k].out.stored) {
      mp.outputs.emplace_back(lm.tiles[k], detail::relocated(progs[k].out, places[k].r));
    }
  }
  return mp;
}

std::vector<std::uint8_t> read_output(const top::TopParams& p, const LayerMap& lm,
                                      const MappedProgram& mp, const top::Memory& mem) {
  const GemmShape& s = lm.shape;
  const u64 width = s.groups * s.n;
  std::vector<std::uint8_t> out(s.m * width, 0);
  for (const auto& [t, place] : mp.outputs) {
    const auto tile = top::read_output(p, place, mem);
    if (lm.dataflow == Dataflow::kWoS) {
      const u64 tw = t.groups * t.n;  // tile output [m][tw]
      for (u64 i = 0; i < t.m; ++i) {
        for (u64 grp = 0; grp < t.groups; ++grp) {
          for (u64 j = 0; j < t.n; ++j) {
            out[(t.m0 + i) * width + (t.g0 + grp) * s.n + t.n0 + j] = tile[i * tw + grp * t.n + j];
          }
        }
      }
    } else {
      for (u64 j = 0; j < t.n; ++j) {  // tile output [n][m]
        for (u64 i = 0; i < t.m; ++i) out[(t.m0 + i) * width + t.n0 + j] = tile[j * t.m + i];
      }
    }
  }
  return out;
}

}  // namespace feather::map
