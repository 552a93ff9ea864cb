#include <gtest/gtest.h>

#include <random>

#include "../common/seed.hpp"
#include "feather/nest/model.hpp"
#include "feather/nest/schedule.hpp"

namespace feather::nest {
namespace {

// Runs a schedule on the cycle model; returns each column's emitted sums in order.
std::vector<std::vector<std::uint64_t>> run(CycleModel& m, const NestSchedule& s) {
  std::vector<std::vector<std::uint64_t>> got(static_cast<std::size_t>(m.params().aw));
  for (const auto& in : s.cycles) {
    m.step(in);
    for (int c = 0; c < m.params().aw; ++c) {
      if (m.col_valid(c)) got[static_cast<std::size_t>(c)].push_back(m.col_data(c));
    }
  }
  return got;
}

TEST(NestDot, SignedZeroPointArithmetic) {
  // (0 - 255) * (255 - 0) = -65025; two beats -> -130050 as 32-bit two's complement
  EXPECT_EQ(dot({0, 0}, {255, 255}, 255, 0, 32),
            static_cast<std::uint64_t>(0x100000000LL - 130050));
  EXPECT_EQ(dot({3}, {5}, 1, 2, 32), 6U);
  // wrap at ACCW = 18: 4 * 255 * 255 = 260100 -> mod 2^18 = 2 + ...
  EXPECT_EQ(dot({255, 255, 255, 255}, {255, 255, 255, 255}, 0, 0, 18), 260100U % (1U << 18));
}

TEST(NestModel, LatencyIsRowPlusFive) {
  NestParams p{.ah = 4, .aw = 4};
  CycleModel m(p);
  NestInputs in(p);
  in.red_len_m1 = 0;  // one beat per sum
  // load weight 7 at row 2 of column 1, bank 0, index 0
  in.ld_valid[1] = 1;
  in.ld_row[1] = 2;
  in.ld_data[1] = 7;
  m.step(in);
  NestInputs idle(p);
  idle.red_len_m1 = 0;
  for (int c = 0; c < 4; ++c) {
    for (int r = 0; r < 4; ++r) idle.pe_mask[static_cast<std::size_t>(c * 4 + r)] = r == 2;
  }
  m.step(idle);
  NestInputs beat = idle;
  beat.act[1] = 3;
  beat.act_valid[1] = 1;
  m.step(beat);  // cycle t
  int seen = -1;
  for (int k = 1; k <= 10; ++k) {
    m.step(idle);
    if (m.col_valid(1)) {
      seen = k;
      EXPECT_EQ(m.col_data(1), 21U);
    }
  }
  EXPECT_EQ(seen, 2 + 4) << "row r emits at the column output r+5 cycles after the beat";
}

// A GEMM tile on the cycle model equals the functional model, across array shapes, zero points
// at their extremes, valid gaps and both banks.
TEST(NestModel, GemmTileMatchesFunctionalModel) {
  std::mt19937_64 rng(test::test_seed());
  struct Shape {
    int ah, aw;
  };
  for (Shape sh : {Shape{4, 4}, Shape{8, 8}, Shape{4, 16}, Shape{16, 4}, Shape{8, 32}}) {
    for (int trial = 0; trial < 6; ++trial) {
      NestParams p{.ah = sh.ah, .aw = sh.aw};
      const int n = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(sh.ah));
      const int k = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(sh.ah * sh.aw));
      const int mm = 1 + static_cast<int>(rng() % 6);
      auto tile = GemmTile::random(mm, k, n, 8, rng);
      if (trial == 0) tile.act_zp = 0, tile.w_zp = 255;
      if (trial == 1) tile.act_zp = 255, tile.w_zp = 0;
      ScheduleOptions o;
      o.bank = trial & 1;
      o.gap_probability = trial >= 3 ? 0.3 : 0.0;
      o.lockstep_gaps = trial != 4;
      NestSchedule s;
      try {
        s = schedule_gemm(p, tile, o, rng);
      } catch (const std::invalid_argument&) {
        continue;  // tile does not fit this shape
      }
      CycleModel m(p);
      auto got = run(m, s);
      for (int c = 0; c < sh.aw; ++c) {
        ASSERT_EQ(got[static_cast<std::size_t>(c)], s.expected[static_cast<std::size_t>(c)])
            << sh.ah << "x" << sh.aw << " column " << c << " m=" << mm << " k=" << k << " n=" << n;
      }
      EXPECT_TRUE(m.collisions().empty());
    }
  }
}

TEST(NestModel, CollisionsAreReported) {
  NestParams p{.ah = 4, .aw = 4};
  std::mt19937_64 rng(1);
  auto tile = GemmTile::random(3, 8, 2, 8, rng);
  auto s = schedule_gemm(p, tile, {.red_len = 2}, rng);
  // Unmask all rows: rows 0 and 2 (and 1 and 3) finish together with L = 2.
  for (auto& in : s.cycles) std::fill(in.pe_mask.begin(), in.pe_mask.end(), 1);
  CycleModel m(p);
  run(m, s);
  ASSERT_FALSE(m.collisions().empty());
  const auto& col = m.collisions().front();
  EXPECT_EQ(col.rows.size(), 2U);
  EXPECT_EQ(col.rows[1] - col.rows[0], 2);
}

// Loading the other bank while computing does not disturb the running computation.
TEST(NestModel, PingPongLoadsDuringCompute) {
  std::mt19937_64 rng(test::test_seed());
  NestParams p{.ah = 4, .aw = 4};
  auto t0 = GemmTile::random(4, 16, 4, 8, rng);
  auto t1 = GemmTile::random(4, 16, 4, 8, rng);
  t1.act_zp = t0.act_zp;
  t1.w_zp = t0.w_zp;
  auto s0 = schedule_gemm(p, t0, {.bank = 0}, rng);
  auto s1 = schedule_gemm(p, t1, {.bank = 1}, rng);
  // s0 = loads(bank 0), idle, stream(bank 0), drain; overlap s1's loads (bank 1) with s0's stream.
  const std::size_t loads = 16;  // n * L = 4 * 4
  std::vector<NestInputs> cycles(s0.cycles.begin(),
                                 s0.cycles.begin() + static_cast<long>(loads + 1));
  for (std::size_t i = loads + 1; i < s0.cycles.size(); ++i) {
    NestInputs in = s0.cycles[i];
    std::size_t j = i - (loads + 1);
    if (j < loads) {
      in.ld_valid = s1.cycles[j].ld_valid;
      in.ld_row = s1.cycles[j].ld_row;
      in.ld_bank = s1.cycles[j].ld_bank;
      in.ld_idx = s1.cycles[j].ld_idx;
      in.ld_data = s1.cycles[j].ld_data;
    }
    cycles.push_back(in);
  }
  // then s1's stream (bank 1), without reloading
  cycles.insert(cycles.end(), s1.cycles.begin() + static_cast<long>(loads), s1.cycles.end());
  CycleModel m(p);
  std::vector<std::vector<std::uint64_t>> got(4);
  for (const auto& in : cycles) {
    m.step(in);
    for (int c = 0; c < 4; ++c) {
      if (m.col_valid(c)) got[static_cast<std::size_t>(c)].push_back(m.col_data(c));
    }
  }
  for (int c = 0; c < 4; ++c) {
    auto want = s0.expected[static_cast<std::size_t>(c)];
    const auto& w1 = s1.expected[static_cast<std::size_t>(c)];
    want.insert(want.end(), w1.begin(), w1.end());
    EXPECT_EQ(got[static_cast<std::size_t>(c)], want) << "column " << c;
  }
}

TEST(NestModel, IllegalParametersAreNamed) {
  EXPECT_THROW(CycleModel(NestParams{.ah = 0}), std::invalid_argument);
  try {
    CycleModel(NestParams{.ah = 4, .aw = 4, .ow = 8, .accw = 16});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ACCW"), std::string::npos);
  }
  std::mt19937_64 rng(1);
  auto tile = GemmTile::random(2, 4, 5, 8, rng);
  EXPECT_THROW(schedule_gemm(NestParams{.ah = 4, .aw = 4}, tile, {}, rng), std::invalid_argument);
}

}  // namespace
}  // namespace feather::nest
