// Lockstep cosimulation of verilated NEST (and NEST+BIRRD) against the C++ models.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "../common/files.hpp"
#include "../common/seed.hpp"
#include "feather/sim/nest_cosim.hpp"
#include "feather/sim/nest_dut.hpp"

namespace feather::sim {
namespace {

struct Shape {
  int ah, aw;
};
void PrintTo(const Shape& s, std::ostream* os) { *os << s.ah << "x" << s.aw; }

std::vector<Shape> compiled() {
  std::vector<Shape> v;
  for (const auto& d : nest_duts()) v.push_back({d.params.ah, d.params.aw});
  return v;
}

class NestCosim : public ::testing::TestWithParam<Shape> {};

// Random phases: reduction lengths, zero points (0 and 255 included), masks, loads into either
// bank during compute, bank swaps mid-stream, valid gaps, a reset in the middle.
TEST_P(NestCosim, RandomTrafficMatchesModel) {
  const auto sh = GetParam();
  auto dut = make_nest_dut(sh.ah, sh.aw);
  NestCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = sh.ah * sh.aw >= 256 ? 1500 : 4000;
  opt.reset_at = opt.cycles / 2;
  auto res = run_nest_cosim(*dut, opt);
  EXPECT_TRUE(res.ok) << res.mismatch << "\n  replay: FEATHER_SEED=" << opt.seed;
  EXPECT_GT(res.sums, opt.cycles / 4) << "columns must emit sums";
  EXPECT_EQ(res.collisions, 0U) << "the random phases are built collision-free";
}

// A GEMM tile: every column emits the functional model's partial sums, in order.
TEST_P(NestCosim, GemmTileMatchesFunctionalModel) {
  const auto sh = GetParam();
  auto dut = make_nest_dut(sh.ah, sh.aw);
  std::mt19937_64 rng(test::test_seed());
  for (int trial = 0; trial < 3; ++trial) {
    const int n = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(sh.ah));
    const int k = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(sh.ah * sh.aw));
    auto tile = nest::GemmTile::random(5, k, n, 8, rng);
    if (trial == 0) tile.act_zp = 255, tile.w_zp = 0;
    nest::ScheduleOptions so;
    so.bank = trial & 1;
    so.gap_probability = trial == 2 ? 0.3 : 0.0;
    so.lockstep_gaps = false;
    auto s = nest::schedule_gemm(dut->params(), tile, so, rng);
    std::vector<std::vector<std::uint64_t>> got;
    auto res = run_nest_schedule(*dut, s, got);
    ASSERT_TRUE(res.ok) << res.mismatch;
    for (int c = 0; c < sh.aw; ++c) {
      ASSERT_EQ(got[static_cast<std::size_t>(c)], s.expected[static_cast<std::size_t>(c)])
          << "column " << c << " (m=5 k=" << k << " n=" << n << ")";
    }
    EXPECT_EQ(res.collisions, 0U);
  }
}

// A corrupted model is caught, naming cycle, row, column, signal, expected and actual.
TEST_P(NestCosim, CorruptedModelIsCaught) {
  const auto sh = GetParam();
  auto dut = make_nest_dut(sh.ah, sh.aw);
  NestCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = 400;
  nest::NestFault f;
  f.row = static_cast<int>(opt.seed % static_cast<std::uint64_t>(sh.ah));
  f.column = static_cast<int>((opt.seed >> 8) % static_cast<std::uint64_t>(sh.aw));
  f.xor_mask = 1ULL << ((opt.seed >> 16) % 32);
  f.from_cycle = 50;
  opt.fault = f;
  auto res = run_nest_cosim(*dut, opt);
  ASSERT_FALSE(res.ok);
  EXPECT_NE(res.mismatch.find("cycle 50:"), std::string::npos) << res.mismatch;
  EXPECT_NE(res.mismatch.find(fmt::format("row {} column {} signal acc_q", f.row, f.column)),
            std::string::npos)
      << res.mismatch;
  EXPECT_NE(res.mismatch.find("expected"), std::string::npos);
}

std::string shape_name(const ::testing::TestParamInfo<Shape>& param_info) {
  return "AH" + std::to_string(param_info.param.ah) + "xAW" + std::to_string(param_info.param.aw);
}

INSTANTIATE_TEST_SUITE_P(Compiled, NestCosim, ::testing::ValuesIn(compiled()), shape_name);

TEST(NestSweep, RequiredShapesAreCompiled) {
  for (Shape s :
       {Shape{4, 4}, Shape{8, 8}, Shape{16, 16}, Shape{4, 16}, Shape{16, 4}, Shape{8, 32}}) {
    EXPECT_NO_THROW(make_nest_dut(s.ah, s.aw)) << s.ah << "x" << s.aw;
  }
}

// Two rows of a column finishing together: the RTL raises col_err_o (and its simulation
// assertion prints), the model reports the same collision, nothing is dropped silently.
TEST(NestCollision, FlaggedByRtlAndModel) {
  auto dut = make_nest_dut(4, 4);
  std::mt19937_64 rng(test::test_seed());
  auto tile = nest::GemmTile::random(3, 8, 2, 8, rng);
  auto s = nest::schedule_gemm(dut->params(), tile, {.red_len = 2}, rng);
  for (auto& in : s.cycles) std::fill(in.pe_mask.begin(), in.pe_mask.end(), 1);
  std::vector<std::vector<std::uint64_t>> got;
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  auto res = run_nest_schedule(*dut, s, got);
  const std::string out =
      ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(res.ok) << res.mismatch;  // RTL and model agree on the error flag
  EXPECT_GT(res.collisions, 0U);
  EXPECT_NE(out.find("column"), std::string::npos) << "assertion message expected, got: " << out;
}

// --trace writes an FST and a .gtkw grouping the PE signals by column, one entry per row.
TEST(NestTrace, WritesFstAndSaveFileGroupedByColumn) {
  auto dir =
      std::filesystem::temp_directory_path() / ("feather_nest_trace_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto fst = (dir / "nest.fst").string();
  auto dut = make_nest_dut(4, 4);
  NestCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = 200;
  opt.trace_path = fst;
  auto res = run_nest_cosim(*dut, opt);
  ASSERT_TRUE(res.ok) << res.mismatch;
  ASSERT_GT(std::filesystem::file_size(fst), 1000U);
  const std::string gtkw = test::read_text(res.gtkw_path);
  for (int c = 0; c < 4; ++c) {
    EXPECT_NE(gtkw.find("-column " + std::to_string(c) + "\n"), std::string::npos);
    for (int r = 0; r < 4; ++r) {
      EXPECT_NE(gtkw.find(fmt::format("TOP.nest.g_col[{}].g_row[{}].u_pe.acc_q[31:0]", c, r)),
                std::string::npos);
    }
  }
  const std::string v = test::fst_as_vcd(fst);
  ASSERT_FALSE(v.empty()) << "fst2vcd failed on " << fst;
  EXPECT_NE(v.find("$scope module g_row[3] $end"), std::string::npos);
  EXPECT_NE(v.find("acc_q [31:0]"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// NEST + BIRRD: K split over G columns, reduced by BIRRD onto a chosen lane per output row.
TEST(NestBirrd, GemmReducedAcrossColumnsLandsOnChosenLanes) {
  std::mt19937_64 rng(test::test_seed());
  for (const auto& d : nest_birrd_duts()) {
    auto dut = d.make();
    const int ah = d.params.ah;
    const int aw = d.params.aw;
    for (int g = 2; g <= aw; g *= 2) {
      const int n = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(ah));
      // K spans exactly g columns of length L = ah.
      const int k = (g - 1) * ah + 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(ah));
      auto tile = nest::GemmTile::random(4, k, n, 8, rng);
      std::vector<int> lanes(static_cast<std::size_t>(aw));
      std::iota(lanes.begin(), lanes.end(), 0);
      std::shuffle(lanes.begin(), lanes.end(), rng);
      lanes.resize(static_cast<std::size_t>(n));
      nest::NestParams p = d.params;
      (void)p;
      auto res = run_nest_birrd_gemm(*dut, tile, lanes, rng());
      EXPECT_TRUE(res.ok) << d.prefix << " G=" << g << ": " << res.mismatch;
      EXPECT_EQ(res.results, static_cast<std::uint64_t>(4 * n)) << d.prefix << " G=" << g;
    }
  }
}

}  // namespace
}  // namespace feather::sim
