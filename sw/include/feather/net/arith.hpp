// The integer arithmetic of the whole-network reference (reference.hpp), exposed so that tests
// and later on-chip flows compute exactly the same values. Semantics: docs/network-reference.md.
//
// Everything here is written from docs/isa.md ("ExecuteStreaming", "Arithmetic at the
// extremes") and docs/network-reference.md; nothing is shared with the golden model or the
// compiler (sw/include/feather/top/).
#pragma once

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace feather::net {

// Every error of the reference: a layer it cannot evaluate, shapes that do not match between a
// producer and its consumer, parameters that do not fit. The message names the layer as
// "file:line: layer 'name' (op): ..." (no file and line for a layer built in code).
class NetError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The requantization of docs/isa.md: clamp(((v * scale + 2^23) >>> 24) + ozp, lo, hi) with an
// exact 64-bit signed product, rounding by adding 2^23 (halves towards +infinity), an
// arithmetic shift by 24 and the zero point added after the shift. The hardware clamps to
// [0, 255]; lo > 0 or hi < 255 is a ReLU / ReLU6 folded into the clamp.
std::uint8_t requant(std::int32_t v, std::int32_t scale, std::uint8_t ozp, std::uint8_t lo = 0,
                     std::uint8_t hi = 255);

// A 64-bit value rescaled like requant but without the 32-bit wrap of v (the sum of several
// Q24 terms of add / concat): clamp(((x + 2^23) >>> 24) + zp, lo, hi).
std::uint8_t q24_round_clamp(std::int64_t x, std::uint8_t zp, std::uint8_t lo = 0,
                             std::uint8_t hi = 255);

// The wrapping 32-bit value of a 64-bit sum (two's complement, modulo 2^32).
std::int32_t wrap32(std::int64_t v);

// round(real * 2^24), rounding halves away from zero. Throws NetError "<context>: ... does not
// fit a signed 32-bit integer" when the result lies outside [-2^31, 2^31 - 1] (or real is not
// finite).
std::int32_t q24_multiplier(double real, const std::string& context);

// Round half away from zero (std::round), as a 64-bit integer; NetError if out of range.
std::int64_t round_away(double x);

// floor(sqrt(x)) exactly, integers only.
std::uint64_t isqrt(std::uint64_t x);

// round(num / den) with halves towards +infinity, den > 0, exact for any signed num:
// floor((2*num + den) / (2*den)) (num within +-2^61).
std::int64_t div_round_half_up(std::int64_t num, std::int64_t den);

// ---------------------------------------------------------------------------------------------
// Lookup-table activations: f(x) of hswish, hsigmoid, sigmoid, gelu in double precision, and
// the 256-entry table of one (input quantization, output quantization):
// lut[q] = clamp(zp_out + round_away(f(s_in * (q - zp_in)) / s_out), 0, 255).

bool is_lut_op(std::string_view op);
double activation(std::string_view op, double x);  // NetError for an op without a table
std::vector<std::uint8_t> activation_lut(std::string_view op, double s_in, std::uint8_t zp_in,
                                         double s_out, std::uint8_t zp_out);

// Softmax's exponential table: e[d] = round_away(2^16 * exp(-s_in * d)), d = 0..255.
std::vector<std::uint32_t> softmax_exp_table(double s_in);

// ---------------------------------------------------------------------------------------------
// Portable random numbers: std::mt19937_64 (whose sequence the standard fixes) with
// distributions written here (the std:: distributions differ between libraries).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  std::uint64_t next() { return g_(); }
  // Uniform in [lo, hi] (lo <= hi), by rejection: exact and the same on every platform.
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);
  // Uniform in [lo, hi): the top 53 bits of one draw as a fraction.
  double real(double lo, double hi);

 private:
  std::mt19937_64 g_;
};

// A seed derived from `seed` for stream `stream` (splitmix64 of both), so that the
// quantization, the calibration input and other draws do not share one sequence.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

}  // namespace feather::net
