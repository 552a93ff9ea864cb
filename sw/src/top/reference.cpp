#include "feather/top/reference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>

#include "feather/common/sat.hpp"
#include "feather/top/golden.hpp"

namespace feather::top {

namespace {

std::size_t sz(int v) { return static_cast<std::size_t>(v); }

// Wrapping (a - zp_a) * (b - zp_w).
std::uint32_t mac_term(std::uint8_t a, std::uint8_t zp_a, std::uint8_t b, std::uint8_t zp_w) {
  return static_cast<std::uint32_t>((int{a} - int{zp_a}) * (int{b} - int{zp_w}));
}

// The activation table after the requantization, if the layer has one.
std::uint8_t activate(const Quant& q, std::uint8_t v) { return q.lut.empty() ? v : q.lut[v]; }

void check_quant(const Quant& q, int n, const char* who, const char* nname) {
  if (q.scale.size() != sz(n)) {
    throw std::invalid_argument(fmt::format("{}: quant.scale has {} entries, {} = {} needed", who,
                                            q.scale.size(), nname, n));
  }
  if (q.ozp.size() != sz(n)) {
    throw std::invalid_argument(
        fmt::format("{}: quant.ozp has {} entries, {} = {} needed", who, q.ozp.size(), nname, n));
  }
  if (q.lo > q.hi) {
    throw std::invalid_argument(
        fmt::format("{}: quant clamp lo = {} > hi = {}", who, int{q.lo}, int{q.hi}));
  }
  if (!q.lut.empty() && q.lut.size() != 256) {
    throw std::invalid_argument(
        fmt::format("{}: quant.lut has {} entries, 0 or 256 needed", who, q.lut.size()));
  }
}

}  // namespace

void GemmLayer::validate() const {
  if (m <= 0) throw std::invalid_argument(fmt::format("GemmLayer: m = {} must be > 0", m));
  if (k <= 0) throw std::invalid_argument(fmt::format("GemmLayer: k = {} must be > 0", k));
  if (n <= 0) throw std::invalid_argument(fmt::format("GemmLayer: n = {} must be > 0", n));
  if (a.size() != sz(m) * sz(k)) {
    throw std::invalid_argument(
        fmt::format("GemmLayer: a has {} elements, m*k = {} needed", a.size(), sz(m) * sz(k)));
  }
  if (b.size() != sz(k) * sz(n)) {
    throw std::invalid_argument(
        fmt::format("GemmLayer: b has {} elements, k*n = {} needed", b.size(), sz(k) * sz(n)));
  }
  check_quant(quant, n, "GemmLayer", "n");
}

std::vector<std::int32_t> gemm_acc(const GemmLayer& g) {
  g.validate();
  std::vector<std::int32_t> out(sz(g.m) * sz(g.n));
  for (int i = 0; i < g.m; ++i) {
    for (int j = 0; j < g.n; ++j) {
      std::uint32_t s = 0;
      for (int kk = 0; kk < g.k; ++kk) {
        s += mac_term(g.a[sz(i) * sz(g.k) + sz(kk)], g.zp_a, g.b[sz(kk) * sz(g.n) + sz(j)], g.zp_w);
      }
      out[sz(i) * sz(g.n) + sz(j)] = static_cast<std::int32_t>(s);
    }
  }
  return out;
}

std::vector<std::uint8_t> gemm_ref(const GemmLayer& g) {
  const auto acc = gemm_acc(g);
  std::vector<std::uint8_t> out(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    const std::size_t j = i % sz(g.n);
    out[i] = activate(g.quant,
                      requant(acc[i], g.quant.scale[j], g.quant.ozp[j], g.quant.lo, g.quant.hi));
  }
  return out;
}

namespace {

// Output extent along one axis, in exact 64-bit arithmetic (any int fields: no overflow); 0 if
// empty or the stride is not positive.
std::int64_t out_extent(int in, int pad, int dilation, int k, int stride) {
  if (stride <= 0) return 0;
  const std::int64_t span =
      std::int64_t{in} + 2 * std::int64_t{pad} - std::int64_t{dilation} * (std::int64_t{k} - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

int clamp_int(std::int64_t v) {
  return static_cast<int>(std::min<std::int64_t>(v, std::numeric_limits<int>::max()));
}

// The product of positive factors, or nullopt if it does not fit size_t.
std::optional<std::size_t> product(std::initializer_list<int> factors) {
  std::size_t r = 1;
  for (int f : factors) {
    if (!mul_ok(r, sz(f), r)) return std::nullopt;
  }
  return r;
}

}  // namespace

// Exact for a valid layer (validate() bounds h + 2*pad by INT_MAX, so ho <= INT_MAX); for a
// malformed one 0 or saturated, never undefined.
int ConvLayer::ho() const { return clamp_int(out_extent(h, pad, dilation, r, stride)); }
int ConvLayer::wo() const { return clamp_int(out_extent(w, pad, dilation, s, stride)); }

void ConvLayer::validate() const {
  auto positive = [](const char* name, int v) {
    if (v <= 0) throw std::invalid_argument(fmt::format("ConvLayer: {} = {} must be > 0", name, v));
  };
  positive("h", h);
  positive("w", w);
  positive("c", c);
  positive("co", co);
  positive("r", r);
  positive("s", s);
  positive("stride", stride);
  positive("dilation", dilation);
  positive("groups", groups);
  if (pad < 0) throw std::invalid_argument(fmt::format("ConvLayer: pad = {} must be >= 0", pad));
  if (c % groups != 0) {
    throw std::invalid_argument(
        fmt::format("ConvLayer: c = {} is not divisible by groups = {}", c, groups));
  }
  if (co % groups != 0) {
    throw std::invalid_argument(
        fmt::format("ConvLayer: co = {} is not divisible by groups = {}", co, groups));
  }
  // Sizes in checked arithmetic: a product that wraps must not match a small vector.
  const auto isize = product({h, w, c});
  if (!isize || input.size() != *isize) {
    throw std::invalid_argument(fmt::format(
        "ConvLayer: input has {} elements, h*w*c = {}*{}*{} needed", input.size(), h, w, c));
  }
  const auto wsize = product({co, r, s, c / groups});
  if (!wsize || weight.size() != *wsize) {
    throw std::invalid_argument(
        fmt::format("ConvLayer: weight has {} elements, co*r*s*(c/groups) = {}*{}*{}*{} needed",
                    weight.size(), co, r, s, c / groups));
  }
  check_quant(quant, co, "ConvLayer", "co");
  // Every index the layer computes (oy*stride - pad + ky*dilation, ...) lies in
  // [-pad, h + pad), so int arithmetic is exact when the padded extents fit an int.
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  if (std::int64_t{h} + 2 * std::int64_t{pad} > kIntMax ||
      std::int64_t{w} + 2 * std::int64_t{pad} > kIntMax) {
    throw std::invalid_argument(fmt::format(
        "ConvLayer: padded input (h={} w={} pad={}) exceeds {} per axis", h, w, pad, kIntMax));
  }
  if (ho() <= 0) {
    throw std::invalid_argument(fmt::format(
        "ConvLayer: output height ho <= 0 (h={} pad={} r={} dilation={})", h, pad, r, dilation));
  }
  if (wo() <= 0) {
    throw std::invalid_argument(fmt::format(
        "ConvLayer: output width wo <= 0 (w={} pad={} s={} dilation={})", w, pad, s, dilation));
  }
  // The im2col GEMM (conv_group_as_gemm) has int dimensions M = ho*wo and K = r*s*(c/groups).
  if (std::int64_t{ho()} * wo() > kIntMax) {
    throw std::invalid_argument(
        fmt::format("ConvLayer: ho*wo = {}*{} output pixels exceed {}", ho(), wo(), kIntMax));
  }
  if (std::int64_t{r} * s > kIntMax || std::int64_t{r} * s * (c / groups) > kIntMax) {
    throw std::invalid_argument(
        fmt::format("ConvLayer: r*s*(c/groups) = {}*{}*{} exceeds {}", r, s, c / groups, kIntMax));
  }
}

std::uint64_t ConvLayer::macs() const {
  // 0 for a malformed layer (like ho() and wo()), exact for a valid one.
  if (groups <= 0 || c <= 0 || co <= 0 || r <= 0 || s <= 0) return 0;
  return static_cast<std::uint64_t>(ho()) * static_cast<std::uint64_t>(wo()) *
         static_cast<std::uint64_t>(co) * static_cast<std::uint64_t>(r) *
         static_cast<std::uint64_t>(s) * static_cast<std::uint64_t>(c / groups);
}

std::vector<std::int32_t> conv_acc(const ConvLayer& c) {
  c.validate();
  const int ho = c.ho(), wo = c.wo(), cg = c.c / c.groups, cog = c.co / c.groups;
  std::vector<std::int32_t> out(sz(ho) * sz(wo) * sz(c.co));
  for (int oy = 0; oy < ho; ++oy) {
    for (int ox = 0; ox < wo; ++ox) {
      for (int o = 0; o < c.co; ++o) {
        const int g = o / cog;
        std::uint32_t sum = 0;
        for (int ky = 0; ky < c.r; ++ky) {
          for (int kx = 0; kx < c.s; ++kx) {
            const int iy = oy * c.stride - c.pad + ky * c.dilation;
            const int ix = ox * c.stride - c.pad + kx * c.dilation;
            const bool inside = iy >= 0 && iy < c.h && ix >= 0 && ix < c.w;
            for (int ci = 0; ci < cg; ++ci) {
              const std::uint8_t a =
                  inside ? c.input[(sz(iy) * sz(c.w) + sz(ix)) * sz(c.c) + sz(g * cg + ci)]
                         : c.zp_a;
              const std::uint8_t wv =
                  c.weight[((sz(o) * sz(c.r) + sz(ky)) * sz(c.s) + sz(kx)) * sz(cg) + sz(ci)];
              sum += mac_term(a, c.zp_a, wv, c.zp_w);
            }
          }
        }
        out[(sz(oy) * sz(wo) + sz(ox)) * sz(c.co) + sz(o)] = static_cast<std::int32_t>(sum);
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> conv_ref(const ConvLayer& c) {
  const auto acc = conv_acc(c);
  std::vector<std::uint8_t> out(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    const std::size_t o = i % sz(c.co);
    out[i] = activate(c.quant,
                      requant(acc[i], c.quant.scale[o], c.quant.ozp[o], c.quant.lo, c.quant.hi));
  }
  return out;
}

GemmLayer conv_group_as_gemm(const ConvLayer& c, int g) {
  c.validate();
  if (g < 0 || g >= c.groups) {
    throw std::invalid_argument(
        fmt::format("conv_group_as_gemm: group {} out of range 0..{}", g, c.groups - 1));
  }
  const int ho = c.ho(), wo = c.wo(), cg = c.c / c.groups, cog = c.co / c.groups;
  GemmLayer out;
  out.m = ho * wo;
  out.k = c.r * c.s * cg;
  out.n = cog;
  out.zp_a = c.zp_a;
  out.zp_w = c.zp_w;
  out.a.assign(sz(out.m) * sz(out.k), c.zp_a);
  out.b.assign(sz(out.k) * sz(out.n), 0);
  for (int oy = 0; oy < ho; ++oy) {
    for (int ox = 0; ox < wo; ++ox) {
      const int row = oy * wo + ox;
      for (int ky = 0; ky < c.r; ++ky) {
        for (int kx = 0; kx < c.s; ++kx) {
          const int iy = oy * c.stride - c.pad + ky * c.dilation;
          const int ix = ox * c.stride - c.pad + kx * c.dilation;
          if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;  // padding: zp_a
          for (int ci = 0; ci < cg; ++ci) {
            const int col = (ky * c.s + kx) * cg + ci;
            out.a[sz(row) * sz(out.k) + sz(col)] =
                c.input[(sz(iy) * sz(c.w) + sz(ix)) * sz(c.c) + sz(g * cg + ci)];
          }
        }
      }
    }
  }
  for (int n = 0; n < cog; ++n) {
    const int o = g * cog + n;
    for (int ky = 0; ky < c.r; ++ky) {
      for (int kx = 0; kx < c.s; ++kx) {
        for (int ci = 0; ci < cg; ++ci) {
          const int kk = (ky * c.s + kx) * cg + ci;
          out.b[sz(kk) * sz(out.n) + sz(n)] =
              c.weight[((sz(o) * sz(c.r) + sz(ky)) * sz(c.s) + sz(kx)) * sz(cg) + sz(ci)];
        }
      }
    }
  }
  const auto first = static_cast<std::ptrdiff_t>(g * cog);
  out.quant.scale.assign(c.quant.scale.begin() + first, c.quant.scale.begin() + first + cog);
  out.quant.ozp.assign(c.quant.ozp.begin() + first, c.quant.ozp.begin() + first + cog);
  out.quant.lo = c.quant.lo;
  out.quant.hi = c.quant.hi;
  out.quant.lut = c.quant.lut;
  return out;
}

}  // namespace feather::top
