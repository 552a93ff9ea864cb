// Tests of the layout algebra (sw/include/feather/map/layout.hpp, docs/layouts.md): the
// canonical VN descriptor and its inverse, the MINISA naming, bank-conflict detection and
// counting, LayoutLoop-style tensor layout strings and their alias into the descriptor.
#include "feather/map/layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../common/expect.hpp"
#include "../common/seed.hpp"

namespace feather::map {
namespace {

using U64 = std::uint64_t;

using test::expect_invalid;

top::Layout layout(std::uint32_t order, std::uint32_t f0log, U64 f1, U64 f2, U64 base = 0) {
  top::Layout l;
  l.order = order;
  l.f0log = f0log;
  l.f1 = f1;
  l.f2 = f2;
  l.base = base;
  return l;
}

U64 pick(std::mt19937_64& rng, U64 lo, U64 hi) {
  return std::uniform_int_distribution<U64>(lo, hi)(rng);
}

int log2i(int v) { return std::countr_zero(static_cast<unsigned>(v)); }

// MINISA's address map written from its own naming (feather-arch.md section 4), independently
// of top::Layout::flat: the digits (x0 = a mod L0, x1 = a div L0, x2 = b) in the order's
// outer/middle/inner positions, L = i_outer*(D_mid*D_in) + i_mid*D_in + i_in.
U64 minisa_flat(std::uint32_t order, U64 l0, U64 l1, U64 vn, U64 a, U64 b) {
  const U64 x[3] = {a % l0, a / l0, b};
  const U64 size[3] = {l0, l1, vn};
  static const int kTable[6][3] = {{2, 0, 1}, {2, 1, 0}, {0, 2, 1},
                                   {0, 1, 2}, {1, 2, 0}, {1, 0, 2}};
  const int* t = kTable[order];
  return x[t[0]] * (size[t[1]] * size[t[2]]) + x[t[1]] * size[t[2]] + x[t[2]];
}

// Checks one descriptor exhaustively: locate agrees with top::Layout::addr and MINISA's formula,
// is injective, inverse(locate(x)) == x, and every slot of the footprint (and a margin around
// it) either inverts to an element that locates back to it or is padding / outside; the
// non-padding slots number F0*F1*F2*AH exactly.
void check_exhaustive(const top::Layout& l, int aw, int ah) {
  SCOPED_TRACE(l.to_string() + " aw=" + std::to_string(aw) + " ah=" + std::to_string(ah));
  const U64 n = vn_count(l, aw, ah);
  ASSERT_EQ(n, l.f0() * l.f1 * l.f2);
  std::set<BankLine> seen;
  for (U64 a = 0; a < l.f0() * l.f1; ++a) {
    for (U64 b = 0; b < l.f2; ++b) {
      const U64 flat = minisa_flat(l.order, l.f0(), l.f1, l.f2, a, b);
      for (std::uint32_t e = 0; e < static_cast<std::uint32_t>(ah); ++e) {
        const BankLine at = locate(l, a, b, e, aw, ah);
        const top::Layout::Addr ref = l.addr(a, b, e, aw, ah);
        ASSERT_EQ(at.bank, ref.bank);
        ASSERT_EQ(at.line, ref.line);
        ASSERT_EQ(at.bank, flat % static_cast<U64>(aw));
        ASSERT_EQ(at.line, l.base + (flat / static_cast<U64>(aw)) * static_cast<U64>(ah) + e);
        ASSERT_TRUE(seen.insert(at).second)
            << "two elements at bank " << at.bank << " line " << at.line;
        const auto back = inverse(l, at, aw, ah);
        ASSERT_TRUE(back.has_value());
        ASSERT_EQ(*back, (VnElem{a, b, e}));
      }
    }
  }
  ASSERT_EQ(seen.size(), n * static_cast<U64>(ah));
  const U64 end = l.end_line(aw, ah);
  U64 occupied = 0;
  const U64 lo = l.base >= 3 ? l.base - 3 : 0;
  for (U64 line = lo; line < end + 3; ++line) {
    for (std::uint32_t bank = 0; bank < static_cast<std::uint32_t>(aw); ++bank) {
      const auto x = inverse(l, BankLine{bank, line}, aw, ah);
      if (!x) continue;
      ++occupied;
      ASSERT_GE(line, l.base);
      ASSERT_LT(line, end);
      ASSERT_EQ(locate(l, x->a, x->b, x->e, aw, ah), (BankLine{bank, line}));
    }
  }
  ASSERT_EQ(occupied, n * static_cast<U64>(ah));
}

// ============================================================================================
// The canonical descriptor

TEST(LayoutCanonical, IsaWorkedExamples) {
  // docs/isa.md: AW = 4, AH = 4, order 1, F0 = 1, F1 = 6, F2 = 3: IVN(5, 2) has L = 17, bank 1,
  // lines 16..19.
  const top::Layout l = layout(1, 0, 6, 3);
  for (std::uint32_t e = 0; e < 4; ++e) {
    EXPECT_EQ(locate(l, 5, 2, e, 4, 4), (BankLine{1, 16 + e}));
    EXPECT_EQ(inverse(l, BankLine{1, 16 + e}, 4, 4), (VnElem{5, 2, e}));
  }
  // 18 VNs in 5 vn-rows of 4 banks: banks 2, 3 of the last row are padding.
  EXPECT_FALSE(inverse(l, BankLine{2, 16}, 4, 4).has_value());
  EXPECT_FALSE(inverse(l, BankLine{3, 19}, 4, 4).has_value());
  EXPECT_FALSE(inverse(l, BankLine{0, 20}, 4, 4).has_value());
  EXPECT_EQ(inverse(l, BankLine{1, 19}, 4, 4), (VnElem{5, 2, 3}));

  // The demo's output layout (16x16): OVN(m, q) element e at line 16m + e of bank q.
  const top::Layout out = o_layout(3, 1, 784, 16, 16);
  EXPECT_EQ(out, layout(3, 0, 784, 16));
  EXPECT_EQ(locate(out, 100, 3, 5, 16, 16), (BankLine{3, 1605}));
  EXPECT_EQ(describe(out, Operand::kO), "order 3 (pL0, pL1, qL1): P_L0=1 P_L1=784 Q_L1=16");
  // Its input layout: the four column groups read K-VNs j0..j0+3 of one pixel in four banks.
  const top::Layout in = i_layout(2, 4, 196, 36, 16);
  EXPECT_EQ(in, layout(2, 2, 196, 36));
  for (U64 m : {0ULL, 5ULL, 783ULL}) {
    for (U64 j0 : {0ULL, 8ULL, 32ULL}) {
      std::vector<std::pair<U64, U64>> beat;
      for (U64 g = 0; g < 4; ++g) {
        for (int col = 0; col < 4; ++col) beat.emplace_back(m, j0 + g);  // a group broadcasts
      }
      EXPECT_FALSE(find_beat_conflict(in, beat, 16, 16).has_value()) << m << " " << j0;
    }
  }
  // Its weight layout: a load cycle reads WVN(j0 + kg, r + 16x) in 16 distinct banks.
  const top::Layout w = w_layout(2, 16, 4, 36, 16);
  EXPECT_EQ(describe(w, Operand::kW), "order 2 (nL0, kL1, nL1): N_L0=16 N_L1=4 K_L1=36");
  for (U64 r = 0; r < 16; ++r) {
    std::vector<std::pair<U64, U64>> beat;
    for (U64 x = 0; x < 4; ++x) {
      for (U64 kg = 0; kg < 4; ++kg) beat.emplace_back(r + 16 * x, 4 + kg);
    }
    std::vector<VnRead> reads;
    for (const auto& [a, b] : beat) reads.push_back(VnRead{a, b, 0});
    const CycleLoad c = cycle_load(w, reads, 16, 16);
    EXPECT_EQ(c.max_lines, 1u);
    EXPECT_EQ(c.cycles, 1u);
  }
}

TEST(LayoutCanonical, ExhaustiveSmallDescriptors) {
  for (int aw : {4, 8}) {
    for (int ah : {2, 4}) {
      for (std::uint32_t order = 0; order <= 5; ++order) {
        for (std::uint32_t f0log = 0; (1 << f0log) <= aw; ++f0log) {
          for (U64 f1 : {1ULL, 2ULL, 3ULL, 5ULL}) {
            for (U64 f2 : {1ULL, 3ULL, 4ULL, 7ULL}) {
              for (U64 base : {0ULL, 5ULL})
                check_exhaustive(layout(order, f0log, f1, f2, base), aw, ah);
              if (HasFatalFailure()) return;
            }
          }
        }
      }
    }
  }
}

TEST(LayoutCanonical, ExhaustiveOnSeveralArraySizes) {
  std::mt19937_64 rng(test::test_seed());
  // Every array size of the ISA (and a few the generic algebra accepts), random descriptors
  // small enough to enumerate: all orders, every f0log, non-power-of-two F1, F2, base != 0.
  for (int aw : {4, 6, 8, 12, 16, 32, 64}) {
    for (int ah : {2, 3, 4, 8, 16}) {
      for (int rep = 0; rep < 6; ++rep) {
        const auto order = static_cast<std::uint32_t>(pick(rng, 0, 5));
        const auto f0log = static_cast<std::uint32_t>(
            pick(rng, 0, static_cast<U64>(std::bit_width(static_cast<unsigned>(aw)) - 1)));
        const U64 budget = std::max<U64>(1, 3000 / (U64{1} << f0log) / static_cast<U64>(ah));
        const U64 f1 = pick(rng, 1, std::min<U64>(40, budget));
        const U64 f2 = pick(rng, 1, std::max<U64>(1, std::min<U64>(40, budget / f1)));
        check_exhaustive(layout(order, f0log, f1, f2, pick(rng, 1, 1000)), aw, ah);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(LayoutCanonical, RandomLargeDescriptorsRoundTrip) {
  std::mt19937_64 rng(test::test_seed());
  for (int rep = 0; rep < 400; ++rep) {
    const int aw = 4 << pick(rng, 0, 4);  // 4..64
    const int ah = 2 << pick(rng, 0, 3);  // 2..16
    const auto order = static_cast<std::uint32_t>(pick(rng, 0, 5));
    const auto f0log = static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(log2i(aw))));
    const top::Layout l =
        layout(order, f0log, pick(rng, 1, 5000), pick(rng, 1, 5000), pick(rng, 0, U64{1} << 40));
    SCOPED_TRACE(l.to_string());
    const U64 n = vn_count(l, aw, ah);
    std::set<BankLine> seen;
    for (int s = 0; s < 300; ++s) {
      const U64 a = pick(rng, 0, l.f0() * l.f1 - 1), b = pick(rng, 0, l.f2 - 1);
      const auto e = static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(ah - 1)));
      const BankLine at = locate(l, a, b, e, aw, ah);
      ASSERT_EQ(inverse(l, at, aw, ah), (VnElem{a, b, e}));
      seen.insert(at);
      // A random slot of the footprint inverts to an element that locates back, or is padding
      // (only in the last vn-row).
      const BankLine slot{static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(aw - 1))),
                          pick(rng, l.base, l.end_line(aw, ah) - 1)};
      const auto x = inverse(l, slot, aw, ah);
      if (x) {
        ASSERT_EQ(locate(l, x->a, x->b, x->e, aw, ah), slot);
      } else {
        const U64 v = (slot.line - l.base) / static_cast<U64>(ah);
        ASSERT_EQ(v, (n - 1) / static_cast<U64>(aw)) << "padding outside the last vn-row";
        ASSERT_GE(v * static_cast<U64>(aw) + slot.bank, n);
      }
    }
    // The last vn-row exactly: n mod aw used banks (all if it divides).
    const U64 last = (n - 1) / static_cast<U64>(aw);
    U64 used = 0;
    for (std::uint32_t bank = 0; bank < static_cast<std::uint32_t>(aw); ++bank) {
      if (inverse(l, BankLine{bank, l.base + last * static_cast<U64>(ah)}, aw, ah)) ++used;
    }
    ASSERT_EQ(used, n - last * static_cast<U64>(aw));
    ASSERT_FALSE(inverse(l, BankLine{0, l.end_line(aw, ah)}, aw, ah).has_value());
    if (l.base > 0) {
      ASSERT_FALSE(inverse(l, BankLine{0, l.base - 1}, aw, ah).has_value());
    }
  }
}

TEST(LayoutCanonical, ExtremeDescriptorsDoNotOverflow) {
  // F0*F1*F2 just below 2^63, a base near the top of the line space.
  const top::Layout l = layout(4, 6, U64{1} << 30, (U64{1} << 26) - 1, 1000);
  const U64 n = vn_count(l, 64, 16);
  EXPECT_EQ(n, (U64{1} << 36) * ((U64{1} << 26) - 1));
  const BankLine at = locate(l, l.f0() * l.f1 - 1, l.f2 - 1, 15, 64, 16);
  EXPECT_EQ(inverse(l, at, 64, 16), (VnElem{l.f0() * l.f1 - 1, l.f2 - 1, 15}));
  EXPECT_EQ(at.line + 1, l.end_line(64, 16));
  expect_invalid([] { (void)vn_count(layout(0, 62, 2, 2), 4, 4); }, {"63 bits"});
  expect_invalid([] { (void)vn_count(layout(0, 0, U64{1} << 62, 4), 4, 4); }, {"63 bits"});
  expect_invalid([] { (void)vn_count(layout(0, 0, 8, 1, ~U64{0} - 4), 4, 4); }, {"end line"});
  expect_invalid([] { (void)vn_count(layout(0, 63, 1, 1), 4, 4); }, {"f0log 63"});
}

TEST(LayoutCanonical, IllegalArgumentsAreNamed) {
  const top::Layout l = layout(3, 2, 5, 6, 10);  // a < 20, b < 6
  expect_invalid([&] { (void)locate(l, 20, 0, 0, 8, 4); }, {"a = 20", "F0*F1 = 20"});
  expect_invalid([&] { (void)locate(l, 0, 6, 0, 8, 4); }, {"b = 6", "F2 = 6"});
  expect_invalid([&] { (void)locate(l, 0, 0, 4, 8, 4); }, {"e = 4", "AH = 4"});
  expect_invalid([&] { (void)locate(layout(6, 0, 1, 1), 0, 0, 0, 8, 4); }, {"order 6"});
  expect_invalid([&] { (void)locate(layout(0, 0, 0, 1), 0, 0, 0, 8, 4); }, {"F1 = 0"});
  expect_invalid([&] { (void)locate(layout(0, 0, 1, 0), 0, 0, 0, 8, 4); }, {"F2 = 0"});
  expect_invalid([&] { (void)locate(l, 0, 0, 0, 0, 4); }, {"aw = 0"});
  expect_invalid([&] { (void)locate(l, 0, 0, 0, 8, -1); }, {"ah = -1"});
  expect_invalid([&] { (void)inverse(l, BankLine{8, 10}, 8, 4); }, {"bank 8", "AW = 8"});
  EXPECT_FALSE(inverse(l, BankLine{0, 9}, 8, 4).has_value());  // below base
}

TEST(LayoutCanonical, MinisaNaming) {
  const top::Layout w = w_layout(3, 16, 4, 36, 16);
  EXPECT_EQ(w, layout(3, 4, 4, 36));
  EXPECT_EQ(describe(w, Operand::kW), "order 3 (nL0, nL1, kL1): N_L0=16 N_L1=4 K_L1=36");
  EXPECT_EQ(describe(i_layout(0, 8, 3, 5, 8, 77), Operand::kI),
            "order 0 (jL1, mL0, mL1): M_L0=8 M_L1=3 J_L1=5 base=77");
  EXPECT_EQ(describe(o_layout(4, 2, 3, 5, 8), Operand::kO),
            "order 4 (pL1, qL1, pL0): P_L0=2 P_L1=3 Q_L1=5");
  EXPECT_EQ(describe(o_layout(5, 1, 3, 5, 8), Operand::kO),
            "order 5 (pL1, pL0, qL1): P_L0=1 P_L1=3 Q_L1=5");
  EXPECT_EQ(describe(layout(7, 1, 2, 3), Operand::kW), "order 7 (illegal): N_L0=2 N_L1=2 K_L1=3");
  // Every MINISA layout addresses like MINISA's formula (check_exhaustive compares).
  for (std::uint32_t order = 0; order <= 5; ++order) {
    for (U64 l0 : {1ULL, 2ULL, 4ULL}) {
      check_exhaustive(w_layout(order, l0, 3, 5, 4, 2), 4, 2);
      check_exhaustive(i_layout(order, l0, 7, 2, 4), 4, 4);
    }
  }
  expect_invalid([] { (void)w_layout(3, 12, 4, 36, 16); }, {"N_L0 = 12", "power of two"});
  expect_invalid([] { (void)w_layout(3, 0, 4, 36, 16); }, {"N_L0 = 0", "power of two"});
  expect_invalid([] { (void)w_layout(3, 32, 4, 36, 16); }, {"N_L0 = 32 > AW = 16"});
  expect_invalid([] { (void)i_layout(3, 4, 0, 36, 16); }, {"M_L1 = 0"});
  expect_invalid([] { (void)o_layout(3, 4, 1, 0, 16); }, {"Q_L1 = 0"});
  expect_invalid([] { (void)o_layout(6, 4, 1, 1, 16); }, {"order 6 > 5"});
  expect_invalid([] { (void)o_layout(0, 4, U64{1} << 40, U64{1} << 30, 16); }, {"63 bits"});
}

// ============================================================================================
// Bank conflicts

// The first conflicting pair by brute force: the smallest j with some i < j in its bank at
// another line, and the smallest such i.
std::optional<std::pair<std::size_t, std::size_t>> brute_conflict(const std::vector<BankLine>& r) {
  for (std::size_t j = 0; j < r.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (r[i].bank == r[j].bank && r[i].line != r[j].line) return std::make_pair(i, j);
    }
  }
  return std::nullopt;
}

TEST(LayoutConflict, DetectorAgreesWithBruteForce) {
  std::mt19937_64 rng(test::test_seed());
  int conflicts = 0, clean = 0;
  for (int rep = 0; rep < 3000; ++rep) {
    const int aw = 4 << pick(rng, 0, 4), ah = 2 << pick(rng, 0, 3);
    const top::Layout l =
        layout(static_cast<std::uint32_t>(pick(rng, 0, 5)),
               static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(log2i(aw)))),
               pick(rng, 1, 40), pick(rng, 1, 40), pick(rng, 0, 100));
    // Reads drawn from a small pool so that broadcasts (repeats) and clean sets both occur.
    std::vector<VnRead> pool;
    const auto pool_size = pick(rng, 1, static_cast<U64>(2 * aw));
    const bool beat = pick(rng, 0, 1) == 1;
    const auto e0 = static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(ah - 1)));
    for (U64 i = 0; i < pool_size; ++i) {
      pool.push_back(
          VnRead{pick(rng, 0, l.f0() * l.f1 - 1), pick(rng, 0, l.f2 - 1),
                 beat ? e0 : static_cast<std::uint32_t>(pick(rng, 0, static_cast<U64>(ah - 1)))});
    }
    std::vector<VnRead> reads;
    const auto count = pick(rng, 0, static_cast<U64>(aw));
    for (U64 i = 0; i < count; ++i) reads.push_back(pool[pick(rng, 0, pool.size() - 1)]);
    std::vector<BankLine> at;
    for (const VnRead& r : reads) at.push_back(locate(l, r.a, r.b, r.e, aw, ah));

    const auto want = brute_conflict(at);
    const auto got = find_conflict(l, reads, aw, ah);
    ASSERT_EQ(got.has_value(), want.has_value()) << l.to_string();
    if (got) {
      ++conflicts;
      ASSERT_EQ(got->first, want->first);
      ASSERT_EQ(got->second, want->second);
      ASSERT_EQ(got->x, at[want->first]);
      ASSERT_EQ(got->y, at[want->second]);
    } else {
      ++clean;
    }
    if (beat) {  // the (a, b) form of one beat: same answer (every read at the same element)
      std::vector<std::pair<U64, U64>> vns;
      for (const VnRead& r : reads) vns.emplace_back(r.a, r.b);
      const auto b = find_beat_conflict(l, vns, aw, ah);
      ASSERT_EQ(b.has_value(), want.has_value());
      if (b) {
        ASSERT_EQ(std::make_pair(b->first, b->second), *want);
      }
    }

    // The counting version against a direct count: distinct lines per bank.
    std::map<std::uint32_t, std::set<U64>> lines;
    for (const BankLine& x : at) lines[x.bank].insert(x.line);
    U64 worst = 0;
    std::uint32_t worst_bank = 0;
    for (const auto& [bank, ls] : lines) {
      if (ls.size() > worst) {
        worst = ls.size();
        worst_bank = bank;
      }
    }
    for (int ports : {1, 2, 3}) {
      const CycleLoad c = cycle_load(l, reads, aw, ah, ports);
      ASSERT_EQ(c.lines.size(), static_cast<std::size_t>(aw));
      for (std::uint32_t bank = 0; bank < static_cast<std::uint32_t>(aw); ++bank) {
        ASSERT_EQ(c.lines[bank], lines.count(bank) ? lines[bank].size() : 0u);
      }
      ASSERT_EQ(c.max_lines, worst);
      if (worst > 0) {
        ASSERT_EQ(c.worst_bank, worst_bank);
      }
      const U64 need =
          worst == 0 ? 1 : (worst + static_cast<U64>(ports) - 1) / static_cast<U64>(ports);
      ASSERT_EQ(c.cycles, need);
      // No conflict iff one line per bank iff one cycle with one port.
      if (ports == 1) {
        ASSERT_EQ(c.cycles == 1, !want.has_value());
      }
    }
  }
  EXPECT_GT(conflicts, 100);
  EXPECT_GT(clean, 100);
}

TEST(LayoutConflict, PatternCountsAndSlowdown) {
  // OVN layout bank = q (order 3, F0 = 1, F2 = 4 on 4 banks): pixels m, m+1 of the same q are
  // in one bank on different lines.
  const top::Layout l = layout(3, 0, 8, 4);
  const std::vector<std::vector<VnRead>> steps = {
      {{0, 0, 0}, {0, 1, 0}, {0, 2, 0}, {0, 3, 0}},  // one pixel: 4 banks, 1 cycle
      {{0, 0, 0}, {1, 0, 0}},                        // same bank, 2 lines
      {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 1, 0}},  // bank 0: 3 lines
      {{5, 2, 1}, {5, 2, 1}},                        // a broadcast
      {},                                            // idle step: still one cycle
  };
  const PatternLoad p1 = pattern_load(l, steps, 4, 4, 1);
  EXPECT_EQ(p1.steps, 5u);
  EXPECT_EQ(p1.step_cycles, (std::vector<U64>{1, 2, 3, 1, 1}));
  EXPECT_EQ(p1.cycles, 8u);
  EXPECT_EQ(p1.max_lines, 3u);
  EXPECT_DOUBLE_EQ(p1.slowdown(), 8.0 / 5.0);
  const PatternLoad p2 = pattern_load(l, steps, 4, 4, 2);  // LayoutLoop STANDARD: 2 ports
  EXPECT_EQ(p2.step_cycles, (std::vector<U64>{1, 1, 2, 1, 1}));
  const auto c = find_conflict(l, steps[2], 4, 4);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->first, 0u);
  EXPECT_EQ(c->second, 1u);
  EXPECT_EQ(c->x, (BankLine{0, 0}));
  EXPECT_EQ(c->y, (BankLine{0, 4}));
  EXPECT_FALSE(find_conflict(l, steps[3], 4, 4).has_value());
  expect_invalid([] { (void)cycle_load(std::vector<BankLine>{{4, 0}}, 4); }, {"bank 4"});
  expect_invalid([] { (void)cycle_load(std::vector<BankLine>{}, 4, 0); }, {"ports = 0"});
  expect_invalid([&] { (void)find_conflict(l, std::vector<VnRead>{{8, 0, 0}}, 4, 4); }, {"a = 8"});
}

// ============================================================================================
// Tensor layout strings

TEST(LayoutTensor, ParsesTheLayoutLoopExamples) {
  const TensorLayout a = parse_tensor_layout("HWC_C32");
  EXPECT_EQ(a.inter, (std::vector<char>{'H', 'W', 'C'}));
  EXPECT_EQ(a.intra, (std::vector<std::pair<char, int>>{{'C', 32}}));
  EXPECT_EQ(a.line_size(), 32u);
  EXPECT_EQ(a.factor('W'), 1);
  const TensorLayout b = parse_tensor_layout("CHW_W4H2C2");
  EXPECT_EQ(b.inter, (std::vector<char>{'C', 'H', 'W'}));
  EXPECT_EQ(b.intra, (std::vector<std::pair<char, int>>{{'W', 4}, {'H', 2}, {'C', 2}}));
  EXPECT_EQ(b.line_size(), 16u);
  for (const char* s : {"HWC_C32", "CHW_W4H2C2", "HWC_C4W8", "HWC_W32", "HCW_C8W4", "NHWC_C1",
                        "KCRS_K16C2", "MCRS_M8", "NPQK_Q4K8", "HWC_C65536", "HWC_C256W256"}) {
    EXPECT_EQ(parse_tensor_layout(s).to_string(), s);
  }
  // The letter set is an argument.
  EXPECT_EQ(parse_tensor_layout("KCRS_K32", "KCRS").to_string(), "KCRS_K32");
  expect_invalid([] { (void)parse_tensor_layout("HWC_C32", "KCRS"); },
                 {"position 0", "'H' is not a dimension letter", "KCRS"});
  expect_invalid([] { (void)parse_tensor_layout("HWC_C32", "HW1"); }, {"A..Z"});
}

TEST(LayoutTensor, RejectsMalformedStringsNamingPositionAndProblem) {
  struct Case {
    const char* text;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"", {"position 0", "empty layout string"}},
      {"HWC", {"position 3", "missing '_'"}},
      {"_C32", {"position 0", "empty inter-line order"}},
      {"HWC_", {"position 4", "empty intra-line tile"}},
      {"HWC_C", {"position 5", "missing factor after 'C'"}},
      {"HWC_C0", {"position 5", "factor 0 of 'C'"}},
      {"HWC_C032", {"position 5", "leading zero"}},
      {"HWC_C65537", {"position 5", "too large"}},
      {"HWC_C99999999999999999999999", {"position 5", "too large"}},
      {"HWC_C512W256", {"position 9", "the line holds 131072 elements"}},
      {"HWC_C32x", {"position 7", "'x' is not a dimension letter"}},
      {"HWC_C32 ", {"position 7", "' ' is not a dimension letter"}},
      {" HWC_C32", {"position 0", "' ' is not a dimension letter"}},
      {"HWC_C32_", {"position 7", "second '_'", "two-level"}},
      {"W32_W2", {"position 1", "two-level", "W32_W2"}},
      {"HHC_C32", {"position 1", "'H' appears twice in the inter-line order"}},
      {"HWC_C4C8", {"position 6", "'C' appears twice in the intra-line tile"}},
      {"HWX_C32", {"position 2", "'X' is not a dimension letter"}},
      {"HWC_32", {"position 4", "factor without a dimension letter"}},
      {"HWC_K32", {"position 4", "'K' is not in the inter-line order"}},
      {"hwc_c32", {"position 0", "'h' is not a dimension letter"}},
      {"HWC_C+3", {"position 5", "missing factor after 'C'"}},
      {"HWC_C-1", {"position 5", "missing factor after 'C'"}},
      {"HW\x01_C32", {"position 2", "'\\x01' is not a dimension letter"}},
      {"HWC__C32", {"position 4", "second '_'"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    expect_invalid([&] { (void)parse_tensor_layout(c.text); }, c.parts);
  }
  // A malformed layout built by hand is rejected by every function that takes one.
  TensorLayout bad;
  bad.inter = {'H', 'W', 'C'};
  bad.intra = {{'C', 3}, {'2', 5}};  // prints as "HWC_C325"
  expect_invalid([&] { check_tensor_layout(bad); }, {"malformed"});
  bad.intra = {{'C', 0}};
  expect_invalid(
      [&] {
        (void)tensor_lines(bad, Dims{{'H', 1}, {'W', 1}, {'C', 1}});
      },
      {"factor 0"});
}

// A random legal layout over random letters: inter a random order of 1..4 letters, intra a
// random ordered subset with factors 1..5 (not only powers of two).
TensorLayout random_tensor_layout(std::mt19937_64& rng) {
  std::string pool(kDimLetters);
  std::shuffle(pool.begin(), pool.end(), rng);
  TensorLayout t;
  t.inter.assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(pick(rng, 1, 4)));
  std::vector<char> in = t.inter;
  std::shuffle(in.begin(), in.end(), rng);
  const auto k = pick(rng, 1, in.size());
  for (U64 i = 0; i < k; ++i) t.intra.emplace_back(in[i], static_cast<int>(pick(rng, 1, 5)));
  return t;
}

TEST(LayoutTensor, RandomStringsRoundTrip) {
  std::mt19937_64 rng(test::test_seed());
  for (int rep = 0; rep < 2000; ++rep) {
    const TensorLayout t = random_tensor_layout(rng);
    const std::string s = t.to_string();
    const TensorLayout back = parse_tensor_layout(s);
    ASSERT_EQ(back, t) << s;
    ASSERT_EQ(back.to_string(), s);
  }
}

TEST(LayoutTensor, AddressOfTheDocumentedExamples) {
  // HWC_C4W8 over 2 x 16 x 8, line size 32: offset = c_i*8 + w_i, lines in H, W, C order with
  // extents (2, 16/8, 8/4) = (2, 2, 2).
  const TensorLayout t = parse_tensor_layout("HWC_C4W8");
  const Dims d{{'H', 2}, {'W', 16}, {'C', 8}};
  EXPECT_EQ(tensor_lines(t, d), 8u);
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 0}, {'W', 0}, {'C', 0}}, 32), (BankLine{0, 0}));
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 0}, {'W', 1}, {'C', 0}}, 32), (BankLine{1, 0}));
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 0}, {'W', 0}, {'C', 1}}, 32), (BankLine{8, 0}));
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 0}, {'W', 0}, {'C', 4}}, 32), (BankLine{0, 1}));
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 0}, {'W', 9}, {'C', 6}}, 32), (BankLine{17, 3}));
  EXPECT_EQ(tensor_locate(t, d, Dims{{'H', 1}, {'W', 15}, {'C', 7}}, 32), (BankLine{31, 7}));
  EXPECT_EQ(tensor_inverse(t, d, BankLine{17, 3}, 32), (Dims{{'H', 0}, {'W', 9}, {'C', 6}}));
  EXPECT_FALSE(tensor_inverse(t, d, BankLine{0, 8}, 32).has_value());
  // Padding: W = 12 pads the second W block (w_i 4..7 unused).
  const Dims p{{'H', 2}, {'W', 12}, {'C', 8}};
  EXPECT_FALSE(tensor_inverse(t, p, BankLine{4, 2}, 32).has_value());  // w = 12
  EXPECT_TRUE(tensor_inverse(t, p, BankLine{3, 2}, 32).has_value());   // w = 11

  expect_invalid(
      [&] {
        (void)tensor_locate(t, d, Dims{{'H', 0}, {'W', 0}, {'C', 0}}, 16);
      },
      {"line size 16 != 32"});
  expect_invalid([&] { (void)tensor_lines(t, Dims{{'H', 2}, {'W', 16}}); }, {"no extent for 'C'"});
  expect_invalid(
      [&] {
        (void)tensor_lines(t, Dims{{'H', 2}, {'W', 16}, {'C', 8}, {'N', 1}});
      },
      {"'N'", "does not have"});
  expect_invalid(
      [&] {
        (void)tensor_lines(t, Dims{{'H', 0}, {'W', 16}, {'C', 8}});
      },
      {"extent H = 0"});
  expect_invalid(
      [&] {
        (void)tensor_locate(t, d, Dims{{'H', 2}, {'W', 0}, {'C', 0}}, 32);
      },
      {"H = 2 out of range"});
  expect_invalid([&] { (void)tensor_locate(t, d, Dims{{'H', 0}, {'W', 0}}, 32); }, {"coordinate"});
  expect_invalid([&] { (void)tensor_inverse(t, d, BankLine{32, 0}, 32); }, {"bank 32"});
  expect_invalid(
      [&] {
        (void)tensor_lines(parse_tensor_layout("HWC_C1"),
                           Dims{{'H', U64{1} << 30}, {'W', U64{1} << 30}, {'C', 8}});
      },
      {"2^62"});
}

TEST(LayoutTensor, RandomTensorsAreBijective) {
  std::mt19937_64 rng(test::test_seed());
  for (int rep = 0; rep < 400; ++rep) {
    const TensorLayout t = random_tensor_layout(rng);
    Dims dims;
    for (char d : t.inter) dims[d] = pick(rng, 1, 9);
    const int ls = static_cast<int>(t.line_size());
    SCOPED_TRACE(t.to_string());
    const U64 lines = tensor_lines(t, dims);
    // Every coordinate: locate is injective and inverts.
    std::set<BankLine> seen;
    std::vector<char> letters(t.inter);
    Dims x;
    for (char d : letters) x[d] = 0;
    U64 count = 0;
    for (;;) {
      const BankLine at = tensor_locate(t, dims, x, ls);
      ASSERT_LT(at.line, lines);
      ASSERT_LT(at.bank, static_cast<std::uint32_t>(ls));
      ASSERT_TRUE(seen.insert(at).second);
      ASSERT_EQ(tensor_inverse(t, dims, at, ls), x);
      ++count;
      std::size_t k = 0;
      for (; k < letters.size(); ++k) {
        if (++x[letters[k]] < dims[letters[k]]) break;
        x[letters[k]] = 0;
      }
      if (k == letters.size()) break;
    }
    // Every slot inverts to an element that locates back, or is padding.
    U64 occupied = 0;
    for (U64 line = 0; line <= lines; ++line) {
      for (std::uint32_t bank = 0; bank < static_cast<std::uint32_t>(ls); ++bank) {
        const auto y = tensor_inverse(t, dims, BankLine{bank, line}, ls);
        if (!y) continue;
        ++occupied;
        ASSERT_EQ(tensor_locate(t, dims, *y, ls), (BankLine{bank, line}));
      }
    }
    ASSERT_EQ(occupied, count);
    ASSERT_EQ(seen.size(), count);
  }
}

// ============================================================================================
// The alias into the canonical descriptor

Dims act(U64 h, U64 w, U64 c) { return Dims{{'H', h}, {'W', w}, {'C', c}}; }

TEST(LayoutAlias, TheDocumentedTable) {
  struct Case {
    const char* text;
    Dims shape;
    int aw, ah;
    top::Layout want;
  };
  // docs/layouts.md, "The alias table".
  const std::vector<Case> cases = {
      {"HWC_C32", act(8, 8, 512), 32, 16, layout(3, 0, 64, 32)},
      {"HWC_C32", act(28, 28, 64), 32, 16, layout(3, 0, 784, 32)},  // J = 4 padded to 32
      {"HWC_C16", act(28, 28, 64), 16, 16, layout(3, 0, 784, 16)},  // the demo's output
      {"HWC_W32", act(2, 64, 64), 32, 16, layout(4, 5, 4, 4)},
      {"CHW_W32", act(2, 64, 64), 32, 16, layout(1, 5, 4, 4)},
      {"CHW_H8W4", act(8, 4, 64), 32, 16, layout(0, 5, 1, 4)},
      {"HWC_C4W8", act(4, 8, 64), 32, 16, layout(4, 3, 4, 4)},
      {"HWC_W8C4", act(4, 8, 64), 32, 16, layout(5, 3, 4, 4)},
      {"CHW_W4H8", act(8, 4, 64), 32, 16, layout(0, 2, 8, 4)},
      {"WHC_C32", act(4, 4, 512), 32, 16, layout(3, 2, 4, 32)},
      {"CHW_W4H2C2", act(2, 4, 32), 16, 16, layout(3, 2, 2, 2)},
      {"HCW_C8W4", act(4, 8, 128), 32, 16, layout(4, 2, 8, 8)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const TensorLayout t = parse_tensor_layout(c.text);
    EXPECT_EQ(to_vn_layout(t, c.shape, c.aw, c.ah), c.want)
        << to_vn_layout(t, c.shape, c.aw, c.ah).to_string();
  }
}

TEST(LayoutAlias, InexpressibleStringsAreRejectedWithTheReason) {
  struct Case {
    const char* text;
    Dims shape;
    int aw;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"WHC_C32", act(4, 6, 512), 32, {"W outer than H", "a = h*W + w"}},
      {"HWC_W32", act(2, 28, 64), 32, {"W = 28 is not a multiple of its intra-line factor 32"}},
      {"CHW_W32", act(2, 28, 64), 32, {"W = 28 is not a multiple of its intra-line factor 32"}},
      {"CHW_C32", act(4, 4, 2048), 32, {"channel-VN index j is cut"}},
      {"CHW_W4H2C2", act(2, 4, 64), 16, {"channel-VN index j is cut"}},
      {"HWC_C16", act(4, 4, 64), 32, {"holds 16 VNs", "AW = 32"}},
      {"NHWC_C32", Dims{{'N', 1}, {'H', 4}, {'W', 4}, {'C', 64}}, 32, {"not an activation"}},
      {"HW_W32", Dims{{'H', 4}, {'W', 32}}, 32, {"not an activation"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    expect_invalid([&] { (void)to_vn_layout(parse_tensor_layout(c.text), c.shape, c.aw, 16); },
                   c.parts);
  }
  expect_invalid([] { (void)to_vn_layout(parse_tensor_layout("HWC_C32"), act(4, 4, 0), 32, 16); },
                 {"extent C = 0"});
}

TEST(LayoutAlias, BankModeKeepsOnlyTheBanks) {
  // C outer than the pixels with 64 channel VNs on 32 banks: the string's VN (h, w, j) is in
  // bank j mod 32 at line (j div 32)*16 + m; order 3 (F0 = 1, F2 = 64) has the same banks in
  // other vn-rows (m*2 + j div 32), so only the bank alias exists.
  const TensorLayout chw = parse_tensor_layout("CHW_C32");
  expect_invalid([&] { (void)to_vn_layout(chw, act(4, 4, 1024), 32, 16); },
                 {"channel-VN index j is cut", "kBanks"});
  EXPECT_EQ(to_vn_layout(chw, act(4, 4, 1024), 32, 16, 0, AliasMode::kBanks), layout(3, 0, 16, 64));
  // W outer than H, W = 6 not a power of two: bank = j for every pixel.
  EXPECT_EQ(
      to_vn_layout(parse_tensor_layout("WHC_C32"), act(4, 6, 512), 32, 16, 0, AliasMode::kBanks),
      layout(3, 0, 24, 32));
  // Every exact alias of the table is also the bank alias (possibly a smaller one).
  EXPECT_EQ(
      to_vn_layout(parse_tensor_layout("HWC_C32"), act(8, 8, 512), 32, 16, 0, AliasMode::kBanks),
      layout(3, 0, 64, 32));
  // W = 28 pads every pixel row of the W32 tile: pixel (1, 0) = m 28 is in bank 0, m 27 in
  // bank 27; no bank function of m does that.
  expect_invalid(
      [] {
        (void)to_vn_layout(parse_tensor_layout("HWC_W32"), act(2, 28, 64), 32, 16, 0,
                           AliasMode::kBanks);
      },
      {"with the same banks"});
}

// fuzz_layout, crash-bank-alias-wide-line: the bank alias of a 9179-VN line enumerated every
// residue pair (F1 mod aw, F2 mod aw), 84 million candidates, and ran out of memory. The sizes
// are now solved from the probes (a linear congruence each).
TEST(LayoutAlias, WideLinesAreSolvedNotEnumerated) {
  for (int aw : {9179, 65536}) {
    const TensorLayout t = parse_tensor_layout("CHW_C" + std::to_string(aw));
    const Dims shape = act(2, 3, static_cast<U64>(aw) * 16 * 2);  // J = 2*aw
    expect_invalid([&] { (void)to_vn_layout(t, shape, aw, 16); }, {"channel-VN index j is cut"});
    const top::Layout l = to_vn_layout(t, shape, aw, 16, 0, AliasMode::kBanks);
    EXPECT_EQ(l, layout(3, 0, 6, 2 * static_cast<U64>(aw)));
    const Dims vd = vn_dims(shape, 16);
    for (U64 j : {U64{0}, U64{1}, static_cast<U64>(aw) + 5, 2 * static_cast<U64>(aw) - 1}) {
      const BankLine tl = tensor_locate(t, vd, Dims{{'H', 1}, {'W', 2}, {'C', j}}, aw);
      EXPECT_EQ(locate(l, 5, j, 0, aw, 16).bank, tl.bank);
    }
  }
}

// The VN-tensor address T(h, w, j) = line*aw + bank of the string.
U64 tensor_flat(const TensorLayout& t, const Dims& vd, U64 h, U64 w, U64 j, int aw) {
  const BankLine at = tensor_locate(t, vd, Dims{{'H', h}, {'W', w}, {'C', j}}, aw);
  return at.line * static_cast<U64>(aw) + at.bank;
}

// Whether descriptor l gives every VN of the tensor the flat index the string does (exact) or
// the same bank (kBanks).
bool qualifies(const top::Layout& l, const TensorLayout& t, const Dims& vd, int aw,
               AliasMode mode) {
  const U64 H = vd.at('H'), W = vd.at('W'), J = vd.at('C');
  if (l.f0() * l.f1 < H * W || l.f2 < J) return false;
  const U64 mod = mode == AliasMode::kExact ? ~U64{0} : static_cast<U64>(aw);
  for (U64 h = 0; h < H; ++h) {
    for (U64 w = 0; w < W; ++w) {
      for (U64 j = 0; j < J; ++j) {
        if (l.flat(h * W + w, j) % mod != tensor_flat(t, vd, h, w, j, aw) % mod) return false;
      }
    }
  }
  return true;
}

// Brute force: the smallest F0*F1*F2 of a descriptor (orders 0..5, F0 = 2^k <= aw, any F1, F2)
// that qualifies, or nullopt. A size whose digit is outermost matters only for the range (its
// minimum is as good as any). Exact: the other sizes cannot exceed the largest T + 1 (their
// stride is some VN's T), nor the outer stride F_in*F_mid unless the outer digit is constant
// (then F_mid only needs the range). Banks: only the sizes mod aw reach the banks, so two
// periods above the minimum cover every case.
std::optional<U64> brute_alias(const TensorLayout& t, const Dims& vd, int aw, AliasMode mode) {
  const U64 H = vd.at('H'), W = vd.at('W'), J = vd.at('C'), M = H * W;
  U64 tmax = 0;
  for (U64 h = 0; h < H; ++h) {
    for (U64 w = 0; w < W; ++w) {
      for (U64 j = 0; j < J; ++j) tmax = std::max(tmax, tensor_flat(t, vd, h, w, j, aw));
    }
  }
  const bool exact = mode == AliasMode::kExact;
  std::optional<U64> best;
  for (std::uint32_t f0log = 0; (1 << f0log) <= aw; ++f0log) {
    const U64 f0 = U64{1} << f0log, min1 = (M + f0 - 1) / f0;
    for (std::uint32_t order = 0; order <= 5; ++order) {
      const bool f1_outer = order >= 4, f2_outer = order <= 1;
      const U64 hi1 = f1_outer ? min1 : exact ? std::max(min1, tmax + 1) : min1 + 2 * aw;
      for (U64 f1 = min1; f1 <= hi1; ++f1) {
        U64 hi2 = f2_outer ? J : exact ? std::max(J, tmax + 1) : J + 2 * aw;
        if (exact && order == 2) hi2 = std::max(J, tmax / f1 + 1);  // F2 is the middle size
        for (U64 f2 = J; f2 <= hi2; ++f2) {
          if (exact && order == 3 && f1 > std::max(min1, tmax / f2 + 1)) continue;  // F1 middle
          const top::Layout l = layout(order, f0log, f1, f2);
          if (best && f0 * f1 * f2 >= *best) continue;
          if (qualifies(l, t, vd, aw, mode)) best = f0 * f1 * f2;
        }
      }
    }
  }
  return best;
}

// A random string over H, W, C whose tile holds aw VNs (power-of-two factors, a letter with
// factor 1 sometimes written out).
TensorLayout random_act_layout(std::mt19937_64& rng, int aw) {
  TensorLayout t;
  t.inter = {'H', 'W', 'C'};
  std::shuffle(t.inter.begin(), t.inter.end(), rng);
  std::vector<char> in = t.inter;
  std::shuffle(in.begin(), in.end(), rng);
  const auto k = pick(rng, 1, 3);
  std::vector<int> logs(k, 0);
  for (int b = 0; b < log2i(aw); ++b) ++logs[pick(rng, 0, k - 1)];
  for (U64 i = 0; i < k; ++i) {
    if (logs[i] > 0 || pick(rng, 0, 3) == 0) t.intra.emplace_back(in[i], 1 << logs[i]);
  }
  if (t.line_size() != static_cast<U64>(aw)) t.intra = {{'C', aw}};
  return t;
}

// The properties of the alias, on random strings and tensors (T = the string's line*aw + bank
// over the VN tensor H x W x J, its C factors counting channel VNs), for both modes:
//  - soundness: when to_vn_layout returns l, every VN (m = h*W + w, j) of the tensor is in l's
//    bank T mod aw, and (kExact) at line base + (T div aw)*ah + e for every element e;
//  - bank sharing: for any two VNs u, v, bank_l(u) == bank_l(v) iff the string puts them in the
//    same bank (in particular two channel VNs of one pixel, or two pixels of one channel VN);
//    so on random reads of one beat the conflict detector finds the same first conflicting pair
//    (or none) on the canonical addresses and on the string's, and the same lines per bank;
//  - completeness and minimality: to_vn_layout rejects the string only when no descriptor
//    (any order, F0 = 2^k <= aw, F1, F2) qualifies, and returns the smallest F0*F1*F2 (brute
//    force, small tensors); an exact alias is also a bank alias.
TEST(LayoutAlias, RandomStringsBankSharingCompleteAndMinimal) {
  std::mt19937_64 rng(test::test_seed());
  std::map<AliasMode, int> accepted, rejected;
  for (int rep = 0; rep < 600; ++rep) {
    const int aw = rep % 4 == 3 ? 8 : 4;
    const int ah = 2 << pick(rng, 0, 2);
    const TensorLayout t = random_act_layout(rng, aw);
    const U64 lim = aw == 4 ? 4 : 3;
    const Dims shape =
        act(pick(rng, 1, lim), pick(rng, 1, lim), pick(rng, 1, lim * static_cast<U64>(ah)));
    const Dims vd = vn_dims(shape, ah);
    const U64 H = vd.at('H'), W = vd.at('W'), J = vd.at('C');
    SCOPED_TRACE(t.to_string() + " H=" + std::to_string(H) + " W=" + std::to_string(W) +
                 " J=" + std::to_string(J) + " aw=" + std::to_string(aw));
    std::optional<U64> exact_size;
    for (AliasMode mode : {AliasMode::kExact, AliasMode::kBanks}) {
      const bool exact = mode == AliasMode::kExact;
      SCOPED_TRACE(exact ? "kExact" : "kBanks");
      std::optional<top::Layout> got;
      std::string why;
      try {
        got = to_vn_layout(t, shape, aw, ah, 3, mode);
      } catch (const std::invalid_argument& e) {
        why = e.what();
      }
      const auto brute = brute_alias(t, vd, aw, mode);
      ASSERT_EQ(got.has_value(), brute.has_value())
          << (got ? got->to_string() : why) << " brute "
          << (brute ? std::to_string(*brute) : std::string("none"));
      if (!got) {
        ++rejected[mode];
        ASSERT_NE(why.find("has no canonical VN descriptor"), std::string::npos) << why;
        continue;
      }
      ++accepted[mode];
      ASSERT_EQ(got->base, 3u);
      const U64 size = got->f0() * got->f1 * got->f2;
      ASSERT_EQ(size, *brute) << got->to_string();
      if (exact) exact_size = size;
      if (!exact && exact_size) {
        ASSERT_LE(size, *exact_size);
      }
      std::vector<BankLine> canon, tens;
      std::vector<std::pair<U64, U64>> vns;
      for (U64 h = 0; h < H; ++h) {
        for (U64 w = 0; w < W; ++w) {
          for (U64 j = 0; j < J; ++j) {
            const BankLine tl = tensor_locate(t, vd, Dims{{'H', h}, {'W', w}, {'C', j}}, aw);
            for (std::uint32_t e = 0; e < static_cast<std::uint32_t>(ah); ++e) {
              const BankLine cl = locate(*got, h * W + w, j, e, aw, ah);
              ASSERT_EQ(cl.bank, tl.bank);
              if (exact) {
                ASSERT_EQ(cl.line, 3 + tl.line * static_cast<U64>(ah) + e);
              }
            }
            canon.push_back(locate(*got, h * W + w, j, 0, aw, ah));
            tens.push_back(tl);
            vns.emplace_back(h * W + w, j);
          }
        }
      }
      for (std::size_t u = 0; u < canon.size(); ++u) {
        for (std::size_t v = 0; v < canon.size(); ++v) {
          ASSERT_EQ(canon[u].bank == canon[v].bank, tens[u].bank == tens[v].bank);
        }
      }
      for (int s = 0; s < 20; ++s) {
        std::vector<BankLine> rc, rt;
        std::vector<std::pair<U64, U64>> beat;
        const auto count = pick(rng, 1, static_cast<U64>(aw));
        for (U64 i = 0; i < count; ++i) {
          const std::size_t k = pick(rng, 0, canon.size() - 1);
          rc.push_back(canon[k]);
          rt.push_back(tens[k]);
          beat.push_back(vns[k]);
        }
        const auto a = find_conflict(rc), b = find_conflict(rt),
                   c = find_beat_conflict(*got, beat, aw, ah);
        ASSERT_EQ(a.has_value(), b.has_value());
        ASSERT_EQ(c.has_value(), b.has_value());
        if (a) {
          ASSERT_EQ(std::make_pair(a->first, a->second), std::make_pair(b->first, b->second));
        }
        ASSERT_EQ(cycle_load(rc, aw).lines, cycle_load(rt, aw).lines);
      }
    }
  }
  for (AliasMode mode : {AliasMode::kExact, AliasMode::kBanks}) {
    std::cout << "[ alias    ] " << (mode == AliasMode::kExact ? "kExact" : "kBanks") << ": "
              << accepted[mode] << " strings expressible, " << rejected[mode] << " rejected\n";
    EXPECT_GT(accepted[mode], 100);
    EXPECT_GT(rejected[mode], 20);
  }
}

// Larger arrays (aw 4..64) and tensors: the alias's banks (and, kExact, lines) agree with the
// string on sampled VNs.
TEST(LayoutAlias, LargerTensorsAgreeOnSamples) {
  std::mt19937_64 rng(test::test_seed());
  std::map<AliasMode, int> accepted;
  for (int rep = 0; rep < 300; ++rep) {
    const int aw = 4 << pick(rng, 0, 4), ah = 2 << pick(rng, 0, 3);
    const TensorLayout t = random_act_layout(rng, aw);
    // Extents that are multiples of the factors half the time (expressible more often).
    auto extent = [&](char d) {
      const U64 f = static_cast<U64>(t.factor(d)) * (d == 'C' ? static_cast<U64>(ah) : 1);
      return pick(rng, 0, 1) ? f * pick(rng, 1, 4) : pick(rng, 1, 40);
    };
    const Dims shape = act(extent('H'), extent('W'), extent('C'));
    const Dims vd = vn_dims(shape, ah);
    for (AliasMode mode : {AliasMode::kExact, AliasMode::kBanks}) {
      top::Layout l;
      try {
        l = to_vn_layout(t, shape, aw, ah, 0, mode);
      } catch (const std::invalid_argument&) {
        continue;
      }
      ++accepted[mode];
      SCOPED_TRACE(t.to_string() + " -> " + l.to_string());
      for (int s = 0; s < 200; ++s) {
        const U64 h = pick(rng, 0, vd.at('H') - 1), w = pick(rng, 0, vd.at('W') - 1),
                  j = pick(rng, 0, vd.at('C') - 1);
        const BankLine tl = tensor_locate(t, vd, Dims{{'H', h}, {'W', w}, {'C', j}}, aw);
        const BankLine cl = locate(l, h * vd.at('W') + w, j, 0, aw, ah);
        ASSERT_EQ(cl.bank, tl.bank);
        if (mode == AliasMode::kExact) {
          ASSERT_EQ(cl.line, tl.line * static_cast<U64>(ah));
        }
      }
    }
  }
  EXPECT_GT(accepted[AliasMode::kExact], 50);
  EXPECT_GT(accepted[AliasMode::kBanks], accepted[AliasMode::kExact]);
}

}  // namespace
}  // namespace feather::map
