// Tests of the saturating / overflow-checked arithmetic (feather/common/sat.hpp): the edge cases
// at 0, 1 and 2^64, at compile time (the functions are constexpr) and at run time.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "feather/common/sat.hpp"

namespace feather {
namespace {

using U64 = std::uint64_t;
constexpr U64 kMax = std::numeric_limits<U64>::max();
constexpr U64 k2to32 = U64{1} << 32;

static_assert(kSatMax == kMax);
static_assert(sat_mul(0, kMax) == 0);
static_assert(sat_mul(kMax, 0) == 0);
static_assert(sat_mul(1, kMax) == kMax);
static_assert(sat_mul(2, kMax / 2) == kMax - 1);  // fits: 2^64 - 2
static_assert(sat_mul(2, kMax / 2 + 1) == kSatMax);
static_assert(sat_mul(k2to32 - 1, k2to32 + 1) == kMax);  // 2^64 - 1 exactly, not saturated
static_assert(sat_mul(k2to32, k2to32) == kSatMax);
static_assert(sat_add(kMax - 1, 1) == kMax);
static_assert(sat_add(kMax, 1) == kSatMax);
static_assert(sat_add(kMax, kMax) == kSatMax);
static_assert(sat_add(0, 0) == 0);
static_assert(checked_mul(k2to32, k2to32) == std::nullopt);
static_assert(checked_mul(k2to32 - 1, k2to32 + 1) == kMax);

TEST(Sat, MulSaturatesExactlyAtOverflow) {
  // Run time too (the operands not known to the compiler).
  volatile U64 big = k2to32;
  EXPECT_EQ(sat_mul(big, big - 1), kMax - k2to32 + 1);  // 2^64 - 2^32 fits
  EXPECT_EQ(sat_mul(big, big), kSatMax);
  EXPECT_EQ(sat_mul(kMax, kMax), kSatMax);
  EXPECT_EQ(sat_mul(kMax, 1), kMax);
  EXPECT_EQ(sat_mul(3, 5), 15u);
}

TEST(Sat, AddSaturatesExactlyAtOverflow) {
  volatile U64 one = 1;
  EXPECT_EQ(sat_add(kMax - one, one), kMax);
  EXPECT_EQ(sat_add(kMax, one), kSatMax);
  EXPECT_EQ(sat_add(U64{1} << 63, U64{1} << 63), kSatMax);
  EXPECT_EQ(sat_add((U64{1} << 63) - one, U64{1} << 63), kMax);
}

TEST(Sat, CheckedOperationsReportOverflowAndKeepTheWrappedValue) {
  U64 r = 7;
  EXPECT_TRUE(mul_ok(6, 7, r));
  EXPECT_EQ(r, 42u);
  EXPECT_FALSE(mul_ok(k2to32, k2to32, r));
  EXPECT_EQ(r, 0u);  // 2^64 wrapped
  EXPECT_TRUE(mul_ok(0, kMax, r));
  EXPECT_EQ(r, 0u);
  EXPECT_TRUE(add_ok(kMax - 1, 1, r));
  EXPECT_EQ(r, kMax);
  EXPECT_FALSE(add_ok(kMax, 2, r));
  EXPECT_EQ(r, 1u);  // wrapped
  // In place, as the callers use it (r is both an operand and the result).
  r = kMax / 3;
  EXPECT_TRUE(mul_ok(r, 3, r));
  EXPECT_EQ(r, kMax);
  EXPECT_FALSE(add_ok(r, r, r));
  ASSERT_TRUE(checked_mul(kMax, 1).has_value());
  EXPECT_EQ(*checked_mul(kMax, 1), kMax);
  EXPECT_FALSE(checked_mul(kMax, 2).has_value());
  ASSERT_TRUE(checked_mul(0, 0).has_value());
  EXPECT_EQ(*checked_mul(0, 0), 0u);
}

}  // namespace
}  // namespace feather
