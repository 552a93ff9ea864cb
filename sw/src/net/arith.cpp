// The reference's integer arithmetic, activation tables and portable random numbers
// (feather/net/arith.hpp; semantics in docs/network-reference.md).
#include "feather/net/arith.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace feather::net {

std::uint8_t q24_round_clamp(std::int64_t x, std::uint8_t zp, std::uint8_t lo, std::uint8_t hi) {
  // C++20: >> of a negative value is an arithmetic shift.
  const std::int64_t shifted = ((x + (std::int64_t{1} << 23)) >> 24) + zp;
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(shifted, lo, hi));
}

std::uint8_t requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp, std::uint8_t lo,
                     std::uint8_t hi) {
  return q24_round_clamp(std::int64_t{v} * std::int64_t{scale}, ozp, lo, hi);
}

std::int32_t wrap32(std::int64_t v) {
  // C++20: the conversion to a signed type is modulo 2^32.
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
}

std::int64_t round_away(double x) {
  const double r = std::round(x);  // halves away from zero
  if (!std::isfinite(r) || r < -9.0e18 || r > 9.0e18) {
    throw NetError(fmt::format("cannot round {} to a 64-bit integer", x));
  }
  return static_cast<std::int64_t>(r);
}

std::int32_t q24_multiplier(double real, const std::string& context) {
  const double scaled = std::round(real * 16777216.0);
  if (!std::isfinite(scaled) || scaled < -2147483648.0 || scaled > 2147483647.0) {
    throw NetError(
        fmt::format("{}: requantization multiplier {:.6g} * 2^24 = {:.6g} does not fit a signed "
                    "32-bit integer",
                    context, real, scaled));
  }
  return static_cast<std::int32_t>(scaled);
}

std::uint64_t isqrt(std::uint64_t x) {
  // Bit by bit, most significant first: r is the largest integer with r*r <= x.
  std::uint64_t r = 0;
  for (int bit = 31; bit >= 0; --bit) {
    const std::uint64_t t = r | (std::uint64_t{1} << bit);
    if (t * t <= x) r = t;
  }
  return r;
}

std::int64_t div_round_half_up(std::int64_t num, std::int64_t den) {
  const std::int64_t a = 2 * num + den, b = 2 * den;
  std::int64_t q = a / b;  // truncates towards zero
  if (a % b != 0 && a < 0) --q;
  return q;
}

// ---------------------------------------------------------------------------------------------
// Activation tables

bool is_lut_op(std::string_view op) {
  return op == "hswish" || op == "hsigmoid" || op == "sigmoid" || op == "gelu";
}

double activation(std::string_view op, double x) {
  const auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  if (op == "hswish") return x * relu6(x + 3.0) / 6.0;
  if (op == "hsigmoid") return relu6(x + 3.0) / 6.0;
  if (op == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (op == "gelu") return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  throw NetError(fmt::format("op '{}' has no activation table", op));
}

std::vector<std::uint8_t> activation_lut(std::string_view op, double s_in, std::uint8_t zp_in,
                                         double s_out, std::uint8_t zp_out) {
  if (!(s_out > 0.0) || !std::isfinite(s_out)) {
    throw NetError(fmt::format("{}: output scale {} is not positive", op, s_out));
  }
  std::vector<std::uint8_t> lut(256);
  for (int q = 0; q < 256; ++q) {
    const double y = activation(op, s_in * (q - zp_in)) / s_out;
    const double clamped = std::clamp(y, -1024.0, 1024.0);  // then round_away cannot overflow
    lut[static_cast<std::size_t>(q)] =
        static_cast<std::uint8_t>(std::clamp<std::int64_t>(zp_out + round_away(clamped), 0, 255));
  }
  return lut;
}

std::vector<std::uint32_t> softmax_exp_table(double s_in) {
  if (!(s_in > 0.0) || !std::isfinite(s_in)) {
    throw NetError(fmt::format("softmax: input scale {} is not positive", s_in));
  }
  std::vector<std::uint32_t> e(256);
  for (int d = 0; d < 256; ++d) {
    e[static_cast<std::size_t>(d)] =
        static_cast<std::uint32_t>(round_away(65536.0 * std::exp(-s_in * d)));
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Random numbers

std::int64_t Rng::uniform(std::int64_t lo, std::int64_t hi) {
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (range == std::numeric_limits<std::uint64_t>::max()) return static_cast<std::int64_t>(next());
  const std::uint64_t n = range + 1;
  // The largest multiple of n that fits 2^64: draws at or above it are rejected.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              (std::numeric_limits<std::uint64_t>::max() % n + 1) % n;
  std::uint64_t x = next();
  while (x > limit) x = next();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % n);
}

double Rng::real(double lo, double hi) {
  const double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace feather::net
