// The layout algebra's alias (docs/layouts.md): the canonical VN descriptor that puts every VN
// of an activation tensor where a tensor layout string does (exactly, or in the same bank).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "feather/common/sat.hpp"
#include "feather/map/layout.hpp"
#include "layout_internal.hpp"

namespace feather::map {

using namespace layout_detail;

// ---------------------------------------------------------------------------------------------
// The alias into the canonical descriptor.

Dims vn_dims(const Dims& act, int ah) {
  if (ah < 1 || ah > kMaxBanks)
    invalid(fmt::format("vn_dims: ah = {} (legal 1..{})", ah, kMaxBanks));
  if (act.size() != 3 || !act.count('H') || !act.count('W') || !act.count('C')) {
    invalid(
        fmt::format("vn_dims: an activation tensor has extents H, W, C (got {})", dims_text(act)));
  }
  for (const auto& [d, x] : act) {
    if (x == 0) invalid(fmt::format("vn_dims: extent {} = 0 (must be >= 1)", d));
  }
  return Dims{
      {'H', act.at('H')}, {'W', act.at('W')}, {'C', ceil_div(act.at('C'), static_cast<U64>(ah))}};
}

namespace {

// x -> a*(x mod p) + b*(x div p) on 0 <= x < X (p >= 1; p = kU64Max: the linear a*x).
struct Chain {
  U64 a = 0, b = 0, p = kU64Max;
  U64 at(U64 x) const { return a * (x % p) + b * (x / p); }
};

Chain linear(U64 a) { return Chain{a, 0, kU64Max}; }

// Products of strides: exact (saturating: a saturated stride matches nothing, every T value
// being below 2^62) or modulo `mod` (the bank, mod = aw).
struct Arith {
  U64 mod = 0;  // 0: exact
  U64 r(U64 v) const { return mod ? v % mod : v; }
  U64 mul(U64 a, U64 b) const { return mod ? (a % mod) * (b % mod) % mod : sat_mul(a, b); }
};

// The unique form of a chain as a function on 0..X-1 (values exact or mod `mod`): constant 0
// (X <= 1), linear with slope a, or two-piece (a, b, p) with 1 < p < X and b != a*p. Two
// chains are the same function iff their forms are equal: a two-piece chain's steps
// f(x+1) - f(x) are a except at x = p-1, 2p-1, ..., where the step is b - a*(p-1) != a.
struct ChainForm {
  int kind = 0;  // 0 zero, 1 linear, 2 two-piece
  U64 a = 0, b = 0, p = 0;
  bool operator==(const ChainForm&) const = default;
};

ChainForm form(const Chain& c, U64 extent, const Arith& ar) {
  if (extent <= 1) return {};
  const U64 a = ar.r(c.a), b = ar.r(c.b);
  if (c.p == 1) return ChainForm{1, b, 0, 0};
  if (c.p >= extent) return ChainForm{1, a, 0, 0};
  if (ar.mul(a, c.p) == b) return ChainForm{1, a, 0, 0};
  return ChainForm{2, a, b, c.p};
}

// The VN-tensor address T(h, w, j) = line * aw + bank of a tensor layout, as one chain per
// coordinate (T is the sum of the three).
struct TensorMap {
  U64 h = 1, w = 1, j = 1, m = 1;
  Chain ch, cw, cj;
  U64 pix(U64 mm) const { return ch.at(mm / w) + cw.at(mm % w); }
};

TensorMap tensor_map(const Plan& p, U64 aw) {
  TensorMap t;
  auto chain = [&](char d) {
    const Plan::Digit& g = p.of(d);
    return Chain{p.bank_stride(d), g.stride * aw, g.factor};
  };
  t.h = p.of('H').extent;
  t.w = p.of('W').extent;
  t.j = p.of('C').extent;
  t.m = t.h * t.w;
  t.ch = chain('H');
  t.cw = chain('W');
  t.cj = chain('C');
  return t;
}

// The strides of d0, d1, d2 in L for an order and sizes F0, F1, F2 (their product < 2^63).
std::array<U64, 3> strides(std::uint32_t order, const std::array<U64, 3>& size) {
  const auto& dig = kOrderDigits[order];
  std::array<U64, 3> s{};
  s[static_cast<std::size_t>(dig[2])] = 1;
  s[static_cast<std::size_t>(dig[1])] = size[static_cast<std::size_t>(dig[2])];
  s[static_cast<std::size_t>(dig[0])] =
      size[static_cast<std::size_t>(dig[2])] * size[static_cast<std::size_t>(dig[1])];
  return s;
}

// Whether the descriptor (order, F0, F1, F2) gives every VN (m = h*W + w, j) of the tensor the
// flat index L = T(h, w, j) (exact) or L = T (mod aw) (banks).
//
// L = P(m) + s2*j with P(m) = s0*(m mod F0) + s1*(m div F0); T is a sum of one chain per
// coordinate, so L = T iff s2*j matches T's j chain and P(h*W + w) splits into an h chain and a
// w chain that match T's. P splits in the cases below. In every other case (H, W >= 2,
// 1 < F0 < M, s1 != s0*F0, neither of F0, W divides the other) P(h*W + w) is not a function of
// h plus one of w, so it cannot equal T: P steps by s0 except at m = kF0 - 1; if W > F0 the
// step at w = F0 - 1 recurs in row h = 1 only if F0 divides W; if W < F0, with
// F0 = q*W + r (0 < r < W), the step at m = F0 - 1 lies inside row q while row 0 has none.
// (The same holds mod aw, steps compared mod aw.)
bool matches(const TensorMap& t, std::uint32_t order, U64 f0, U64 f1, U64 f2, const Arith& ar) {
  U64 n = 0;
  if (!mul_ok(f0, f1, n) || n < t.m || f2 < t.j || !mul_ok(n, f2, n) || n > kMaxVns) return false;
  const std::array<U64, 3> s = strides(order, {f0, f1, f2});
  const U64 s0 = s[0], s1 = s[1], s2 = s[2];
  Chain ph, pw;
  const bool lin = ar.mul(s0, f0) == ar.r(s1);
  if (f0 == 1) {
    ph = linear(ar.mul(s1, t.w));
    pw = linear(s1);
  } else if (f0 >= t.m || lin) {
    ph = linear(ar.mul(s0, t.w));
    pw = linear(s0);
  } else if (t.h == 1) {
    pw = Chain{s0, s1, f0};
  } else if (t.w == 1) {
    ph = Chain{s0, s1, f0};
  } else if (t.w % f0 == 0) {
    pw = Chain{s0, s1, f0};
    ph = linear(ar.mul(s1, t.w / f0));
  } else if (f0 % t.w == 0) {
    pw = linear(s0);
    ph = Chain{ar.mul(s0, t.w), s1, f0 / t.w};
  } else {
    return false;
  }
  return form(ph, t.h, ar) == form(t.ch, t.h, ar) && form(pw, t.w, ar) == form(t.cw, t.w, ar) &&
         form(linear(s2), t.j, ar) == form(t.cj, t.j, ar);
}

// The smallest x >= lo with a*x == v (exact: x = v / a, nullopt unless a divides v) or
// a*x == v (mod ar.mod), nullopt if there is none.
std::optional<U64> solve_linear(U64 a, U64 v, U64 lo, const Arith& ar) {
  if (!ar.mod) {
    if (a == 0 || v % a != 0 || v / a == 0) return std::nullopt;
    return v / a;
  }
  const auto mod = static_cast<std::int64_t>(ar.mod);
  const auto aa = static_cast<std::int64_t>(a % ar.mod), vv = static_cast<std::int64_t>(v % ar.mod);
  // Extended Euclid on (aa, mod): g = gcd = aa*x + mod*y.
  std::int64_t g = mod, x = 0, r = aa, xr = 1;
  while (r != 0) {
    const std::int64_t q = g / r;
    std::tie(g, r) = std::make_pair(r, g - q * r);
    std::tie(x, xr) = std::make_pair(xr, x - q * xr);
  }
  if (vv % g != 0) return std::nullopt;
  const std::int64_t period = mod / g;  // solutions: x0 + k*period
  const std::int64_t x0 = ((x % period + period) % period) * ((vv / g) % period) % period;
  const auto p = static_cast<U64>(period);
  return lo + (static_cast<U64>(x0) + p - lo % p) % p;
}

// F1, F2 for an order and F0, read off T at probe points: s0 = T(pixel 1), s1 = T(pixel F0),
// s2 = T(j = 1) (exact, or mod aw for kBanks), each only where that digit takes two values;
// each stride equation gives the smallest size that satisfies it (and its range), and a size
// no probe sees matters only for the range and takes its minimum. The strides (mod aw) are
// then the same for every (F1, F2) that satisfies the probes, so if any such pair matches for
// this order and F0, this one does, with the smallest F1*F2.
std::optional<std::pair<U64, U64>> solve(const TensorMap& t, std::uint32_t order, U64 f0,
                                         const Arith& ar) {
  const U64 min1 = ceil_div(t.m, f0), min2 = t.j;
  auto probe = [&](bool seen, U64 v) { return seen ? std::optional<U64>(ar.r(v)) : std::nullopt; };
  const std::optional<U64> o0 = probe(f0 >= 2 && t.m >= 2, f0 >= 2 && t.m >= 2 ? t.pix(1) : 0);
  const std::optional<U64> o1 = probe(t.m > f0, t.m > f0 ? t.pix(f0) : 0);
  const std::optional<U64> o2 = probe(t.j >= 2, t.cj.at(1));
  auto lin = [&](U64 a, U64 v, U64 lo) { return solve_linear(a, v, lo, ar); };
  std::optional<U64> f1, f2;
  switch (order) {
    case 0:  // s1 = 1, s0 = F1, s2 = F0*F1
      f1 = o0 ? lin(1, *o0, min1) : o2 ? lin(f0, *o2, min1) : min1;
      f2 = min2;
      break;
    case 1:  // s0 = 1, s1 = F0, s2 = F0*F1
      f1 = o2 ? lin(f0, *o2, min1) : min1;
      f2 = min2;
      break;
    case 2:  // s1 = 1, s2 = F1, s0 = F2*F1
      if (o2) {
        f1 = lin(1, *o2, min1);
        f2 = !f1 ? std::nullopt : o0 ? lin(*f1, *o0, min2) : min2;
      } else {  // J = 1: only F1*F2 is seen; F2 = 1 gives the smallest product
        f1 = o0 ? lin(1, *o0, min1) : min1;
        f2 = 1;
      }
      break;
    case 3:  // s2 = 1, s1 = F2, s0 = F1*F2
      if (o1) {
        f2 = lin(1, *o1, min2);
        f1 = !f2 ? std::nullopt : o0 ? lin(*f2, *o0, min1) : min1;
      } else {  // M <= F0 (min1 = 1): only F1*F2 is seen; F1 = 1 gives the smallest product
        f1 = 1;
        f2 = o0 ? lin(1, *o0, min2) : min2;
      }
      break;
    case 4:  // s0 = 1, s2 = F0, s1 = F2*F0
      f1 = min1;
      f2 = o1 ? lin(f0, *o1, min2) : min2;
      break;
    default:  // 5: s2 = 1, s0 = F2, s1 = F0*F2
      f1 = min1;
      f2 = o0 ? lin(1, *o0, min2) : o1 ? lin(f0, *o1, min2) : min2;
      break;
  }
  if (!f1 || !f2) return std::nullopt;
  return std::pair<U64, U64>{*f1, *f2};
}

// Why no descriptor reproduces the string (for the message).
std::string alias_problems(const TensorLayout& tl, const Plan& p, U64 aw, AliasMode mode) {
  std::vector<std::string> why;
  const Plan::Digit &gh = p.of('H'), &gw = p.of('W'), &gc = p.of('C');
  auto inter_pos = [&](char d) {
    return std::find(tl.inter.begin(), tl.inter.end(), d) - tl.inter.begin();
  };
  auto intra_pos = [&](char d) {
    for (std::size_t i = 0; i < tl.intra.size(); ++i) {
      if (tl.intra[i].first == d) return static_cast<std::ptrdiff_t>(i);
    }
    return std::ptrdiff_t{-1};
  };
  if (mode == AliasMode::kExact) {
    // The non-trivial pixel digits in T's order: inter digits (radix > 1), then intra digits
    // (factor > 1). a = h*W + w wants every h digit before every w digit.
    std::vector<char> seq;
    for (char d : tl.inter) {
      if ((d == 'H' || d == 'W') && p.of(d).radix > 1) seq.push_back(d);
    }
    for (const auto& [d, f] : tl.intra) {
      if ((d == 'H' || d == 'W') && f > 1 && p.of(d).extent > 1) seq.push_back(d);
    }
    const auto first_h = std::find(seq.begin(), seq.end(), 'H');
    if (gh.extent > 1 && first_h != seq.end() && std::find(seq.begin(), first_h, 'W') != first_h) {
      why.push_back(
          "a W digit comes before an H digit (W outer than H), but the pixel index a = h*W + w "
          "runs w inside h (W outside H is expressible only as the F0 digit: all of W, a power "
          "of two <= AW)");
    }
    if (gh.extent > 1 && gw.extent % gw.factor != 0) {
      why.push_back(fmt::format(
          "W = {} is not a multiple of its intra-line factor {}: the tile leaves a gap after "
          "every pixel row, but a = h*W + w has none",
          gw.extent, gw.factor));
    }
    if (gc.factor > 1 && gc.radix > 1) {
      // j div fC (inter) and j mod fC (intra) must be adjacent digits to form one j.
      bool inner_hi = true, outer_lo = true;
      for (auto i = inter_pos('C') + 1; i < static_cast<std::ptrdiff_t>(tl.inter.size()); ++i) {
        if (p.of(tl.inter[static_cast<std::size_t>(i)]).radix > 1) inner_hi = false;
      }
      for (std::ptrdiff_t i = 0; i < intra_pos('C'); ++i) {
        if (tl.intra[static_cast<std::size_t>(i)].second > 1) outer_lo = false;
      }
      if (!inner_hi || !outer_lo) {
        why.push_back(fmt::format(
            "the channel-VN index j is cut into j div {0} (inter-line) and j mod {0} "
            "(intra-line) with pixel digits between them, but the canonical j (the F2 digit) is "
            "one digit",
            gc.factor));
      }
    }
    why.push_back(fmt::format(
        "no order 0..5 with F0 = 2^k <= {} puts every VN in the bank and vn-row the string "
        "does (AliasMode::kBanks asks for the banks only)",
        aw));
  } else {
    why.push_back(fmt::format(
        "no order 0..5 with F0 = 2^k <= {} puts every VN in the bank the string does", aw));
  }
  std::string s;
  for (const auto& w : why) s += (s.empty() ? "" : "; ") + w;
  return s;
}

}  // namespace

top::Layout to_vn_layout(const TensorLayout& t, const Dims& act, int aw, int ah, std::uint64_t base,
                         AliasMode mode) {
  check_banks("to_vn_layout", aw, ah);
  check_tensor_layout(t);
  {
    std::vector<char> sorted = t.inter;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != std::vector<char>{'C', 'H', 'W'}) {
      invalid(fmt::format(
          "to_vn_layout: '{}' is not an activation layout: its inter-line order must list H, W "
          "and C",
          t.to_string()));
    }
  }
  const Dims vd = vn_dims(act, ah);
  const U64 uaw = static_cast<U64>(aw);
  if (t.line_size() != uaw) {
    invalid(fmt::format(
        "to_vn_layout: the tile of '{}' holds {} VNs, but a line of the canonical layout is AW = "
        "{} banks (one VN each)",
        t.to_string(), t.line_size(), aw));
  }
  const Plan p = make_plan("to_vn_layout", t, vd, aw);
  const TensorMap tm = tensor_map(p, uaw);
  const Arith ar{mode == AliasMode::kExact ? 0 : uaw};
  const U64 pixels = static_cast<U64>(t.factor('H')) * static_cast<U64>(t.factor('W'));
  std::optional<top::Layout> best;
  std::tuple<U64, bool, std::uint32_t> best_key{};
  for (std::uint32_t f0log = 0; (U64{1} << f0log) <= uaw; ++f0log) {
    const U64 f0 = U64{1} << f0log;
    for (std::uint32_t order = 0; order <= 5; ++order) {
      const auto sizes = solve(tm, order, f0, ar);
      if (!sizes) continue;
      const auto [f1, f2] = *sizes;
      if (!matches(tm, order, f0, f1, f2, ar)) continue;
      const std::tuple<U64, bool, std::uint32_t> key{f0 * f1 * f2, f0 != pixels, order};
      if (!best || key < best_key) {
        best = top::Layout{order, f0log, f1, f2, base};
        best_key = key;
      }
    }
  }
  if (!best) {
    invalid(fmt::format(
        "to_vn_layout: '{}' over H={} W={} C={} (J={} VNs of AH={}, AW={}) has no canonical VN "
        "descriptor{}: {}",
        t.to_string(), act.at('H'), act.at('W'), act.at('C'), vd.at('C'), ah, aw,
        mode == AliasMode::kBanks ? " with the same banks" : "", alias_problems(t, p, uaw, mode)));
  }
  check_layout(*best, aw, ah);
  return *best;
}

}  // namespace feather::map
