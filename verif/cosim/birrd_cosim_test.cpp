// Lockstep cosimulation of the verilated BIRRD against the C++ cycle model across lane counts,
// data widths and both wirings. Every stage register and output is compared every cycle.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../common/files.hpp"
#include "../common/seed.hpp"
#include "feather/sim/birrd_cosim.hpp"
#include "feather/sim/birrd_dut.hpp"

namespace feather::sim {
namespace {

struct Param {
  int aw;
  int dw;
  birrd::Wiring wiring;
};

void PrintTo(const Param& p, std::ostream* os) {
  *os << "AW=" << p.aw << " DW=" << p.dw << " wiring=" << birrd::to_string(p.wiring);
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return "AW" + std::to_string(info.param.aw) + "_DW" + std::to_string(info.param.dw) + "_" +
         std::string(birrd::to_string(info.param.wiring));
}

std::vector<Param> all_compiled() {
  std::vector<Param> v;
  for (const auto& d : birrd_duts()) {
    v.push_back({d.lanes, d.data_width, d.wiring});  // AW >= 128 only with FEATHER_LONG_CONFIGS
  }
  return v;
}

class BirrdCosim : public ::testing::TestWithParam<Param> {};

TEST_P(BirrdCosim, RandomTrafficMatchesModel) {
  const auto p = GetParam();
  auto dut = make_birrd_dut(p.aw, p.dw, p.wiring);
  BirrdCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = p.aw >= 128 ? 400 : p.aw >= 64 ? 1500 : 3000;
  opt.reset_at = opt.cycles / 2;  // a reset in the middle of traffic
  auto res = run_birrd_cosim(*dut, opt);
  EXPECT_TRUE(res.ok) << res.mismatch << "\n  replay: FEATHER_SEED=" << opt.seed;
  EXPECT_EQ(res.cycles, opt.cycles);
  if (p.wiring == birrd::Wiring::kBenes || p.aw <= 32) {
    EXPECT_GT(res.results_checked, 100U) << "routed traffic must be exercised";
  }
}

// A deliberately corrupted model must be caught, and the report must name the cycle, stage,
// switch, lane, expected and actual values.
TEST_P(BirrdCosim, CorruptedModelIsCaught) {
  const auto p = GetParam();
  auto dut = make_birrd_dut(p.aw, p.dw, p.wiring);
  BirrdCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = 300;
  birrd::ModelFault f;
  f.stage = static_cast<int>(opt.seed % static_cast<std::uint64_t>(dut->stages()));
  f.port = static_cast<int>((opt.seed >> 8) % static_cast<std::uint64_t>(p.aw));
  f.xor_mask = 1ULL << ((opt.seed >> 16) % static_cast<std::uint64_t>(p.dw));
  f.from_cycle = 100;
  opt.fault = f;
  auto res = run_birrd_cosim(*dut, opt);
  ASSERT_FALSE(res.ok) << "fault at stage " << f.stage << " port " << f.port << " not caught";
  EXPECT_NE(res.mismatch.find("cycle 100:"), std::string::npos) << res.mismatch;
  EXPECT_NE(res.mismatch.find("stage " + std::to_string(f.stage) + " switch " +
                              std::to_string(f.port / 2)),
            std::string::npos)
      << res.mismatch;
  EXPECT_NE(res.mismatch.find("(lane " + std::to_string(f.port) + ")"), std::string::npos)
      << res.mismatch;
  EXPECT_NE(res.mismatch.find("expected"), std::string::npos);
  EXPECT_NE(res.mismatch.find("actual"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Compiled, BirrdCosim, ::testing::ValuesIn(all_compiled()), param_name);

TEST(BirrdCosimSweep, RequiredConfigurationsAreCompiled) {
  for (int aw : {4, 8, 16, 32, 64}) {
    for (int dw : {16, 32}) EXPECT_NO_THROW(make_birrd_dut(aw, dw, birrd::Wiring::kBenes));
  }
  for (int aw : {4, 8, 16, 32}) EXPECT_NO_THROW(make_birrd_dut(aw, 32, birrd::Wiring::kFeather));
  try {
    make_birrd_dut(12, 32, birrd::Wiring::kBenes);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("AW=12"), std::string::npos) << e.what();
  }
}

// --trace writes an FST and a .gtkw that groups signals by stage and names real signals.
TEST(BirrdTrace, WritesFstAndGroupedSaveFile) {
  auto dir =
      std::filesystem::temp_directory_path() / ("feather_trace_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto fst = (dir / "birrd.fst").string();
  auto dut = make_birrd_dut(8, 16, birrd::Wiring::kBenes);
  BirrdCosimOptions opt;
  opt.seed = test::test_seed();
  opt.cycles = 200;
  opt.trace_path = fst;
  auto res = run_birrd_cosim(*dut, opt);
  ASSERT_TRUE(res.ok) << res.mismatch;
  ASSERT_TRUE(std::filesystem::exists(fst));
  EXPECT_GT(std::filesystem::file_size(fst), 1000U);
  ASSERT_EQ(res.gtkw_path, (dir / "birrd.gtkw").string());
  const std::string gtkw = test::read_text(res.gtkw_path);
  EXPECT_NE(gtkw.find("[dumpfile] \"" + fst + "\""), std::string::npos);
  for (int s = 0; s < dut->stages(); ++s) {
    EXPECT_NE(gtkw.find("-stage " + std::to_string(s) + "\n"), std::string::npos) << s;
    EXPECT_NE(gtkw.find("TOP.birrd.g_stage[" + std::to_string(s) + "].data_q[7][15:0]"),
              std::string::npos);
  }
  // Every signal named in the save file exists in the waveform (checked with fst2vcd).
  const std::string v = test::fst_as_vcd(fst);
  ASSERT_FALSE(v.empty()) << "fst2vcd failed on " << fst;
  EXPECT_NE(v.find("$scope module g_stage[4] $end"), std::string::npos);
  EXPECT_NE(v.find("data_q[7] [15:0]"), std::string::npos);
  EXPECT_NE(v.find("valid_q [7:0]"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace feather::sim
