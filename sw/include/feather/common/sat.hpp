// Overflow-checked and saturating 64-bit unsigned arithmetic, written once for the whole library
// (the ISA's index arithmetic is exact: docs/isa.md). Saturating results stick at kSatMax, which
// lies out of range of every legal layout, so a saturated index or size is rejected by the
// range checks that follow instead of wrapping around to a legal-looking value.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace feather {

// The value a saturating operation sticks at.
inline constexpr std::uint64_t kSatMax = std::numeric_limits<std::uint64_t>::max();

// r = a * b; false (r = the wrapped product) if it does not fit 64 bits.
constexpr bool mul_ok(std::uint64_t a, std::uint64_t b, std::uint64_t& r) {
  return !__builtin_mul_overflow(a, b, &r);
}

// r = a + b; false (r = the wrapped sum) if it does not fit 64 bits.
constexpr bool add_ok(std::uint64_t a, std::uint64_t b, std::uint64_t& r) {
  return !__builtin_add_overflow(a, b, &r);
}

// a * b, or nullopt if it does not fit 64 bits.
constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (!mul_ok(a, b, r)) return std::nullopt;
  return r;
}

// a * b, or kSatMax if it does not fit 64 bits.
constexpr std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return mul_ok(a, b, r) ? r : kSatMax;
}

// a + b, or kSatMax if it does not fit 64 bits.
constexpr std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return add_ok(a, b, r) ? r : kSatMax;
}

}  // namespace feather
