// The kernels of the whole-network reference: every op in integer arithmetic, exactly as
// docs/network-reference.md states it (the formulas are repeated beside each kernel).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "internal.hpp"

namespace feather::net::detail {

namespace {

using u8 = std::uint8_t;
using i64 = std::int64_t;

std::size_t z(int v) { return static_cast<std::size_t>(v); }

// The accumulators of a convolution: for output (b, y, x, o) of group g = o / (co/groups),
// sum over (ky, kx, ci) of (a - zp_a)(w - zp_w), a the input at (y*stride_h + ky*dil_h - pad_h,
// x*stride_w + kx*dil_w - pad_w, g*c/groups + ci); positions in the padding read zp_a and add
// nothing. 32-bit wrapping sum (uint32 arithmetic).
std::vector<std::int32_t> conv_acc(const map::Layer& l, const Plan& p, const LayerQuant& q,
                                   const Tensor& x) {
  const int H = l.h, W = l.w, C = l.c, CO = l.co, R = l.r, S = l.s;
  const int cg = C / p.groups, cog = CO / p.groups, HO = p.out.h, WO = p.out.w;
  std::vector<std::int32_t> wd(q.weights.size()), xd(x.data.size());
  for (std::size_t i = 0; i < wd.size(); ++i) wd[i] = q.weights[i] - q.w_zp;
  for (std::size_t i = 0; i < xd.size(); ++i) xd[i] = x.data[i] - x.quant.zp;
  std::vector<std::int32_t> out(p.out.size());
  std::size_t o = 0;
  for (int b = 0; b < l.batch; ++b) {
    for (int oy = 0; oy < HO; ++oy) {
      for (int ox = 0; ox < WO; ++ox) {
        for (int co = 0; co < CO; ++co, ++o) {
          const int g = co / cog;
          std::uint32_t acc = 0;
          for (int ky = 0; ky < R; ++ky) {
            const i64 iy = i64{oy} * l.stride_h + i64{ky} * l.dil_h - l.pad_h;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < S; ++kx) {
              const i64 ix = i64{ox} * l.stride_w + i64{kx} * l.dil_w - l.pad_w;
              if (ix < 0 || ix >= W) continue;
              const std::int32_t* a = &xd[((z(b) * z(H) + static_cast<std::size_t>(iy)) * z(W) +
                                           static_cast<std::size_t>(ix)) *
                                              z(C) +
                                          z(g) * z(cg)];
              const std::int32_t* w = &wd[((z(co) * z(R) + z(ky)) * z(S) + z(kx)) * z(cg)];
              for (int ci = 0; ci < cg; ++ci) acc += static_cast<std::uint32_t>(a[ci] * w[ci]);
            }
          }
          out[o] = static_cast<std::int32_t>(acc);
        }
      }
    }
  }
  return out;
}

// The accumulators of a GEMM: instance i of `count` multiplies A_i[r][kk] = A[r][i*k + kk]
// (A the input as [m][count*k]) by B_i [k][n]: the weights [i][kk][j], or for a matmul of two
// activations B[kk][i*n + j] (as stored) or B[j][i*k + kk] (transposed), each minus its zero
// point; the result is O[r][i*n + j]. 32-bit wrapping sums.
std::vector<std::int32_t> gemm_acc(const Plan& p, const LayerQuant& q,
                                   const std::vector<const Tensor*>& ins) {
  const std::size_t m = z(p.m), k = z(p.k), n = z(p.n), count = z(p.count);
  const Tensor& a = *ins[0];
  const u8 zpa = a.quant.zp;
  std::vector<std::int32_t> out(p.out.size());
  std::vector<std::int32_t> bd(k * n);
  std::vector<std::uint32_t> acc(n);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t kk = 0; kk < k; ++kk) {
      for (std::size_t j = 0; j < n; ++j) {
        int b = 0;
        if (p.kind == Kind::kGemm) {
          b = q.weights[(i * k + kk) * n + j] - q.w_zp;
        } else {
          const Tensor& t = *ins[1];
          const std::size_t at =
              p.b_transposed ? j * (count * k) + i * k + kk : kk * (count * n) + i * n + j;
          b = t.data[at] - t.quant.zp;
        }
        bd[kk * n + j] = b;
      }
    }
    for (std::size_t r = 0; r < m; ++r) {
      std::fill(acc.begin(), acc.end(), 0u);
      for (std::size_t kk = 0; kk < k; ++kk) {
        const std::int32_t av = a.data[r * (count * k) + i * k + kk] - zpa;
        if (av == 0) continue;
        const std::int32_t* row = &bd[kk * n];
        for (std::size_t j = 0; j < n; ++j) acc[j] += static_cast<std::uint32_t>(av * row[j]);
      }
      for (std::size_t j = 0; j < n; ++j) {
        out[r * (count * n) + i * n + j] = static_cast<std::int32_t>(acc[j]);
      }
    }
  }
  return out;
}

void pool(const Plan& p, const Tensor& x, Tensor& y, bool max) {
  const Shape& s = x.shape;
  std::size_t o = 0;
  for (int b = 0; b < s.n; ++b) {
    for (int oy = 0; oy < p.out.h; ++oy) {
      for (int ox = 0; ox < p.out.w; ++ox) {
        for (int c = 0; c < s.c; ++c, ++o) {
          std::uint32_t sum = 0, cnt = 0;
          u8 best = 0;
          for (int ky = 0; ky < p.kh; ++ky) {
            const i64 iy = i64{oy} * p.sh - p.ph + ky;
            if (iy < 0 || iy >= s.h) continue;  // padding: never the max, not counted
            for (int kx = 0; kx < p.kw; ++kx) {
              const i64 ix = i64{ox} * p.sw - p.pw + kx;
              if (ix < 0 || ix >= s.w) continue;
              const u8 v = x.data[((z(b) * z(s.h) + static_cast<std::size_t>(iy)) * z(s.w) +
                                   static_cast<std::size_t>(ix)) *
                                      z(s.c) +
                                  z(c)];
              best = std::max(best, v);
              sum += v;
              ++cnt;
            }
          }
          // avg: round(sum / cnt), halves up: floor((sum + floor(cnt/2)) / cnt)
          y.data[o] = max ? best : static_cast<u8>((sum + cnt / 2) / cnt);
        }
      }
    }
  }
}

void softmax(const Plan& p, const LayerQuant& q, const Tensor& x, Tensor& y) {
  const std::size_t seg = z(p.segment);
  for (std::size_t base = 0; base < x.data.size(); base += seg) {
    const u8 mx = *std::max_element(x.data.begin() + static_cast<std::ptrdiff_t>(base),
                                    x.data.begin() + static_cast<std::ptrdiff_t>(base + seg));
    std::uint64_t sum = 0;
    for (std::size_t j = 0; j < seg; ++j) sum += q.exp_table[mx - x.data[base + j]];
    for (std::size_t j = 0; j < seg; ++j) {
      const std::uint64_t e = q.exp_table[mx - x.data[base + j]];
      // round(256 * e / sum), halves up, saturating at 255 (a probability of 1)
      y.data[base + j] = static_cast<u8>(std::min<std::uint64_t>((e * 256 + sum / 2) / sum, 255));
    }
  }
}

void layernorm(const Plan& p, const LayerQuant& q, const Tensor& x, Tensor& y) {
  const std::size_t seg = z(p.segment);
  const i64 N = p.segment;
  for (std::size_t base = 0; base < x.data.size(); base += seg) {
    i64 sum = 0, sq = 0;
    for (std::size_t j = 0; j < seg; ++j) {
      const i64 v = x.data[base + j] - x.quant.zp;
      sum += v;
      sq += v * v;
    }
    // N^2 * variance, exact; D = floor(sqrt((V + E) * 2^16)) ~ sqrt(N^2 (var + eps/s^2)) * 2^8
    const i64 V = N * sq - sum * sum;
    const std::uint64_t D = isqrt(static_cast<std::uint64_t>(V + q.ln_eps) << 16);
    for (std::size_t j = 0; j < seg; ++j) {
      const i64 d = N * (x.data[base + j] - x.quant.zp) - sum;  // N * (x - mean)
      const i64 v = D == 0 ? 0 : div_round_half_up(d * q.ln_gain, static_cast<i64>(D));
      y.data[base + j] = static_cast<u8>(std::clamp<i64>(q.out.zp + v, 0, 255));
    }
  }
}

void check(const map::Layer& l, bool ok, const std::string& what) {
  if (!ok) fail(l, what);
}

void check_size(const map::Layer& l, const char* field, std::size_t got, std::size_t want) {
  check(l, got == want,
        fmt::format("quantization: {} has {} entries, the layer needs {}", field, got, want));
}

}  // namespace

std::size_t mul_gate_index(const Shape& out, const Shape& gate, std::size_t i) {
  if (gate == out) return i;
  const std::size_t c = z(out.c), per_batch = z(out.h) * z(out.w) * c;
  return (i / per_batch) * c + i % c;
}

std::vector<std::int32_t> accumulate(const map::Layer& l, const Plan& p, const LayerQuant& q,
                                     const std::vector<const Tensor*>& ins) {
  return p.kind == Kind::kConv ? conv_acc(l, p, q, *ins[0]) : gemm_acc(p, q, ins);
}

Tensor requantize(const Plan& p, const LayerQuant& q, const std::vector<std::int32_t>& acc) {
  Tensor t{p.out, q.out, std::vector<u8>(acc.size())};
  const std::size_t channels = z(p.channels);
  for (std::size_t i = 0; i < acc.size(); ++i) {
    t.data[i] = requant(acc[i], q.multiplier[i % channels], q.out.zp, q.lo, q.hi);
  }
  return t;
}

Tensor run_layer(const map::Layer& l, const Plan& p, const LayerQuant& q,
                 const std::vector<const Tensor*>& ins) {
  check(l, q.name == l.name,
        fmt::format("the quantization's entry is for layer '{}' (not in the network's order?)",
                    q.name));
  const Tensor& x = *ins[0];
  const bool keeps_quant = p.kind == Kind::kMaxPool || p.kind == Kind::kAvgPool ||
                           p.kind == Kind::kClamp || p.kind == Kind::kCopy ||
                           p.kind == Kind::kTranspose;
  if (keeps_quant) {
    check(l, q.out == x.quant,
          fmt::format("quantization: the output (scale {}, zero point {}) must equal the "
                      "input's (scale {}, zero point {}): the op keeps its input's quantization",
                      q.out.scale, q.out.zp, x.quant.scale, x.quant.zp));
  }
  check(l, q.lo <= q.hi, fmt::format("quantization: clamp [{}, {}] is empty", q.lo, q.hi));
  Tensor y{p.out, q.out, std::vector<u8>(p.out.size())};
  switch (p.kind) {
    case Kind::kConv:
    case Kind::kGemm:
    case Kind::kMatmul:
      if (p.kind != Kind::kMatmul) check_size(l, "weights", q.weights.size(), p.weights);
      check_size(l, "multiplier", q.multiplier.size(), z(p.channels));
      return requantize(p, q, accumulate(l, p, q, ins));
    case Kind::kAdd:
      check_size(l, "multiplier", q.multiplier.size(), ins.size());
      for (std::size_t i = 0; i < y.data.size(); ++i) {
        i64 sum = 0;  // sum_j (x_j - zp_j) * M_j, rounded once
        for (std::size_t j = 0; j < ins.size(); ++j) {
          sum += i64{ins[j]->data[i] - ins[j]->quant.zp} * q.multiplier[j];
        }
        y.data[i] = q24_round_clamp(sum, q.out.zp);
      }
      break;
    case Kind::kMul: {
      check_size(l, "multiplier", q.multiplier.size(), 1);
      const Tensor& g = *ins[1];
      for (std::size_t i = 0; i < y.data.size(); ++i) {
        const std::int32_t v =
            (x.data[i] - x.quant.zp) * (g.data[mul_gate_index(p.out, g.shape, i)] - g.quant.zp);
        y.data[i] = requant(v, q.multiplier[0], q.out.zp);
      }
      break;
    }
    case Kind::kConcat: {
      check_size(l, "multiplier", q.multiplier.size(), ins.size());
      const std::size_t pixels = z(p.out.n) * z(p.out.h) * z(p.out.w);
      std::size_t o = 0;
      for (std::size_t px = 0; px < pixels; ++px) {
        for (std::size_t j = 0; j < ins.size(); ++j) {
          const Tensor& t = *ins[j];
          const std::size_t c = z(t.shape.c);
          for (std::size_t ci = 0; ci < c; ++ci, ++o) {
            y.data[o] =
                q24_round_clamp(i64{t.data[px * c + ci] - t.quant.zp} * q.multiplier[j], q.out.zp);
          }
        }
      }
      break;
    }
    case Kind::kMaxPool:
    case Kind::kAvgPool:
      pool(p, x, y, p.kind == Kind::kMaxPool);
      break;
    case Kind::kClamp:
      for (std::size_t i = 0; i < y.data.size(); ++i) y.data[i] = std::clamp(x.data[i], q.lo, q.hi);
      break;
    case Kind::kLut:
      check_size(l, "lut", q.lut.size(), 256);
      for (std::size_t i = 0; i < y.data.size(); ++i) y.data[i] = q.lut[x.data[i]];
      break;
    case Kind::kSoftmax:
      check_size(l, "exp_table", q.exp_table.size(), 256);
      check(l, q.exp_table[0] > 0, "quantization: exp_table[0] must be positive");
      check(l, q.out == Quant{1.0 / 256, 0},
            fmt::format("quantization: a softmax's output has scale 1/256 and zero point 0, got "
                        "scale {} and zero point {}",
                        q.out.scale, q.out.zp));
      softmax(p, q, x, y);
      break;
    case Kind::kLayerNorm:
      check(l, q.ln_gain > 0 && q.ln_gain <= std::numeric_limits<std::int32_t>::max(),
            fmt::format("quantization: ln_gain {} is not in [1, 2^31 - 1]", q.ln_gain));
      check(l, q.ln_eps >= 0 && q.ln_eps < (i64{1} << 46),
            fmt::format("quantization: ln_eps {} is not in [0, 2^46)", q.ln_eps));
      layernorm(p, q, x, y);
      break;
    case Kind::kCopy:
      y.data = x.data;
      break;
    case Kind::kTranspose: {
      // per batch: [h*w][c] -> [c][h*w]
      const std::size_t rows = z(x.shape.h) * z(x.shape.w), cols = z(x.shape.c);
      for (std::size_t b = 0; b < z(x.shape.n); ++b) {
        for (std::size_t r = 0; r < rows; ++r) {
          for (std::size_t c = 0; c < cols; ++c) {
            y.data[b * rows * cols + c * rows + r] = x.data[b * rows * cols + r * cols + c];
          }
        }
      }
      break;
    }
  }
  return y;
}

}  // namespace feather::net::detail
