// The network comparison's stream cost (compare.hpp, docs/compare.md): the streamed tensor of a
// layer as a geometry, and the line-buffer slowdown of a tensor layout for one mapping (distinct
// lines per step against the buffer's read ports).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "feather/map/compare.hpp"
#include "feather/map/workload.hpp"

namespace feather::map {

namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;

u64 ceil_div(u64 a, u64 b) { return (a + b - 1) / b; }

// The line of an element under a tensor layout over H, W, C: the mixed-radix value of
// floor(x / f_x) over the inter order (layout.hpp tensor_locate, precomputed; the tests check
// it against tensor_locate).
class LineIndex {
 public:
  LineIndex(const TensorLayout& t, const StreamGeometry& g, int line) {
    check_tensor_layout(t);
    if (t.inter.size() != 3 ||
        t.factor('H') * t.factor('W') * t.factor('C') != static_cast<int>(t.line_size())) {
      throw std::invalid_argument(fmt::format(
          "layout {}: the comparison needs a layout over exactly H, W and C", t.to_string()));
    }
    for (char d : t.inter) {
      if (d != 'H' && d != 'W' && d != 'C') {
        throw std::invalid_argument(
            fmt::format("layout {}: dimension '{}' is not H, W or C", t.to_string(), d));
      }
    }
    if (t.line_size() != static_cast<u64>(line)) {
      throw std::invalid_argument(fmt::format("layout {}: a line of {} elements, the model's is {}",
                                              t.to_string(), t.line_size(), line));
    }
    const auto extent = [&](char d) { return d == 'H' ? g.h : d == 'W' ? g.w : g.c; };
    u64 stride = 1;
    for (auto it = t.inter.rbegin(); it != t.inter.rend(); ++it) {
      const int i = *it == 'H' ? 0 : *it == 'W' ? 1 : 2;
      factor_[i] = static_cast<u64>(t.factor(*it));
      stride_[i] = stride;
      stride *= ceil_div(extent(*it), factor_[i]);
    }
  }
  u64 line(const StreamGeometry::Coord& x) const {
    return (x.h / factor_[0]) * stride_[0] + (x.w / factor_[1]) * stride_[1] +
           (x.c / factor_[2]) * stride_[2];
  }

 private:
  u64 factor_[3] = {1, 1, 1}, stride_[3] = {0, 0, 0};
};
}  // namespace

std::optional<StreamGeometry::Coord> StreamGeometry::at(u64 g, u64 row, u64 kk) const {
  if (!conv) return Coord{0, row, kk};
  const u64 cg = c / groups;
  const u64 ci = kk % cg, pos = kk / cg;
  const i64 ky = static_cast<i64>(pos / s), kx = static_cast<i64>(pos % s);
  const u64 b = row / (ho * wo), pix = row % (ho * wo);
  const i64 oy = static_cast<i64>(pix / wo), ox = static_cast<i64>(pix % wo);
  const i64 iy = oy * stride_h - pad_h + ky * dil_h;
  const i64 ix = ox * stride_w - pad_w + kx * dil_w;
  if (iy < 0 || ix < 0 || iy >= static_cast<i64>(h) || ix >= static_cast<i64>(w)) {
    return std::nullopt;
  }
  // Images of a batch are stacked along H.
  return Coord{b * h + static_cast<u64>(iy), static_cast<u64>(ix), g * cg + ci};
}

StreamGeometry geometry_of(const Layer& l) {
  if (l.kind == OpKind::kOther || l.macs() == 0) {
    throw std::invalid_argument(fmt::format("layer '{}' has no MACs: no streamed tensor", l.name));
  }
  StreamGeometry g;
  const GemmShape gm = l.as_gemm();
  g.groups = gm.groups;
  g.m = gm.m;
  g.k = gm.k;
  if (l.kind == OpKind::kConv) {
    g.conv = true;
    g.h = static_cast<u64>(l.batch) * static_cast<u64>(l.h);
    g.w = static_cast<u64>(l.w);
    g.c = static_cast<u64>(l.c);
    g.ho = static_cast<u64>(l.ho());
    g.wo = static_cast<u64>(l.wo());
    g.r = static_cast<u64>(l.r);
    g.s = static_cast<u64>(l.s);
    g.stride_h = l.stride_h;
    g.stride_w = l.stride_w;
    g.pad_h = l.pad_h;
    g.pad_w = l.pad_w;
    g.dil_h = l.dil_h;
    g.dil_w = l.dil_w;
  } else {
    g.h = 1;
    g.w = gm.m;
    g.c = gm.k;
  }
  return g;
}

LayoutCost stream_layout_cost(const top::TopParams& p_in, const StreamGeometry& g,
                              const top::MappingChoice& m, const TensorLayout& t,
                              const LineModel& lm) {
  const top::TopParams p = p_in.validated();
  if (m.grlog > static_cast<std::uint32_t>(p.awl()) || m.gclog > m.grlog ||
      m.vnm1 + 1 > static_cast<std::uint32_t>(p.ah)) {
    throw std::invalid_argument(fmt::format("stream_layout_cost: mapping {} is illegal on {}",
                                            m.to_string(), p.to_string()));
  }
  if (lm.ports < 1) {
    throw std::invalid_argument(fmt::format("line model: ports = {} (need >= 1)", lm.ports));
  }
  const LineIndex index(t, g, lm.line);
  const u64 ah = static_cast<u64>(p.ah);
  const u64 vn = m.vnm1 + 1;
  const u64 kpar = static_cast<u64>(p.aw) >> m.grlog;  // K-VNs of one step (reduced by BIRRD)
  const u64 sm = u64{1} << (m.grlog - m.gclog);        // GEMM rows of one step
  const u64 j = ceil_div(g.k, ah);
  const u64 passes = ceil_div(j, kpar), rows = ceil_div(g.m, sm);
  LayoutCost out;
  out.steps = g.groups * passes * rows;
  const u64 samples = lm.max_steps == 0 ? out.steps : std::min(out.steps, lm.max_steps);
  std::vector<u64> lines;
  u64 cycles = 0, ideal = 0, line_sum = 0;
  for (u64 s = 0; s < samples; ++s) {
    // Evenly spread over the steps, at the middle of each stretch.
    const u64 idx =
        samples == out.steps
            ? s
            : std::min<u64>(out.steps - 1, static_cast<u64>((static_cast<double>(s) + 0.5) *
                                                            static_cast<double>(out.steps) /
                                                            static_cast<double>(samples)));
    const u64 tt = idx % rows, jp = (idx / rows) % passes, grp = idx / (rows * passes);
    lines.clear();
    for (u64 rep = 0; rep < sm; ++rep) {
      const u64 row = tt * sm + rep;
      if (row >= g.m) break;
      for (u64 kg = 0; kg < kpar; ++kg) {
        const u64 jj = jp * kpar + kg;
        if (jj >= j) break;
        for (u64 e = 0; e < vn; ++e) {
          const u64 kk = jj * ah + e;
          if (kk >= g.k) break;
          if (auto x = g.at(grp, row, kk)) lines.push_back(index.line(*x));
        }
      }
    }
    std::sort(lines.begin(), lines.end());
    const u64 distinct = static_cast<u64>(std::unique(lines.begin(), lines.end()) - lines.begin());
    cycles += std::max<u64>(vn, ceil_div(distinct, static_cast<u64>(lm.ports)));
    ideal += vn;
    line_sum += distinct;
    out.worst_lines = std::max(out.worst_lines, distinct);
  }
  out.sampled = samples;
  out.slowdown = ideal ? static_cast<double>(cycles) / static_cast<double>(ideal) : 1.0;
  out.lines_per_step = samples ? static_cast<double>(line_sum) / static_cast<double>(samples) : 0;
  return out;
}

}  // namespace feather::map
