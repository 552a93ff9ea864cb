// Random single-tile layers for the tests of the layer compiler and the golden model (the
// lowered top::GemmLayer / top::ConvLayer forms): uint8 operands, zero points and
// requantization tables scaled so that typical sums land inside the 8-bit range. Whole layers
// (map::Layer) get theirs from map::random_operands.
#pragma once

#include <cstdint>
#include <random>

#include "feather/map/compile.hpp"
#include "feather/top/params.hpp"
#include "feather/top/reference.hpp"

namespace feather::test {

// An AH x AW top with the given buffer depths (validated: throws for illegal ones).
inline top::TopParams small_params(int ah, int aw, int sd, int wd, int od, int qd = 64) {
  top::TopParams p;
  p.ah = ah;
  p.aw = aw;
  p.sd = sd;
  p.wd = wd;
  p.od = od;
  p.qd = qd;
  return p.validated();
}

// One layer in three gets an output clamp [lo, hi] (a folded ReLU / ReLU6, set by Config), one
// in four an activation table (a folded hard-swish, sigmoid, ...).
inline void random_clamp_and_table(std::mt19937_64& rng, top::Quant& q) {
  if (rng() % 3 == 0) {
    q.lo = static_cast<std::uint8_t>(rng() % 161);
    q.hi = static_cast<std::uint8_t>(q.lo + rng() % (256U - q.lo));
  }
  if (rng() % 4 == 0) {
    q.lut.resize(256);
    for (auto& v : q.lut) v = static_cast<std::uint8_t>(rng());
  }
}

inline top::GemmLayer random_gemm(std::mt19937_64& rng, int m, int k, int n) {
  top::GemmLayer g;
  g.m = m;
  g.k = k;
  g.n = n;
  std::uniform_int_distribution<int> byte(0, 255);
  g.zp_a = static_cast<std::uint8_t>(byte(rng));
  g.zp_w = static_cast<std::uint8_t>(byte(rng));
  for (int i = 0; i < m * k; ++i) g.a.push_back(static_cast<std::uint8_t>(byte(rng)));
  for (int i = 0; i < k * n; ++i) g.b.push_back(static_cast<std::uint8_t>(byte(rng)));
  g.quant = map::random_quant(rng, n, k);
  random_clamp_and_table(rng, g.quant);
  return g;
}

inline top::ConvLayer random_conv(std::mt19937_64& rng, int h, int w, int c, int co, int r,
                                  int stride, int pad, int dilation, int groups) {
  top::ConvLayer cv;
  cv.h = h;
  cv.w = w;
  cv.c = c;
  cv.co = co;
  cv.r = r;
  cv.s = r;
  cv.stride = stride;
  cv.pad = pad;
  cv.dilation = dilation;
  cv.groups = groups;
  std::uniform_int_distribution<int> byte(0, 255);
  cv.zp_a = static_cast<std::uint8_t>(byte(rng));
  cv.zp_w = static_cast<std::uint8_t>(byte(rng));
  for (int i = 0; i < h * w * c; ++i) cv.input.push_back(static_cast<std::uint8_t>(byte(rng)));
  for (int i = 0; i < co * r * r * (c / groups); ++i) {
    cv.weight.push_back(static_cast<std::uint8_t>(byte(rng)));
  }
  cv.quant = map::random_quant(rng, co, r * r * c / groups);
  random_clamp_and_table(rng, cv.quant);
  return cv;
}

}  // namespace feather::test
