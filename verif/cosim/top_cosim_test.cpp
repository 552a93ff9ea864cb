// Whole layers on the verilated FEATHER top, checked against the golden model (every buffer line
// in its layout, the error status, the off-chip memory) and against the plain reference math
// (the output tensor, bit for bit). Arrays 4x4, 8x8 and 16x16.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

#include "../common/random_layers.hpp"
#include "../common/seed.hpp"
#include "feather/birrd/model.hpp"
#include "feather/birrd/router.hpp"
#include "feather/birrd/target.hpp"
#include "feather/sim/random_stream.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/compiler.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/random_program.hpp"
#include "feather/top/reference.hpp"
#include "feather/top/timing.hpp"

namespace feather {
namespace {

using test::random_conv;
using test::random_gemm;
using top::CompileOptions;
using top::ConvLayer;
using top::GemmLayer;
using top::Program;

// Runs a compiled program on the golden model and on the RTL; checks the error status, every
// buffer line and the off-chip memory; returns the RTL's run result.
sim::RunResult run_and_check(sim::TopDut& dut, const Program& prog, const sim::RunOptions& opt,
                             top::Golden& golden, top::Memory& rtl_mem) {
  top::Memory gold_mem = prog.memory;
  const auto ge = golden.run(prog.instrs, gold_mem);
  EXPECT_EQ(ge.err, top::Err::kNone) << "golden model: " << ge.detail;
  rtl_mem = prog.memory;
  auto res = sim::run_program(dut, prog.instrs, rtl_mem, opt);
  EXPECT_FALSE(res.timeout) << res.timeout_state;
  EXPECT_EQ(res.err, top::Err::kNone) << "RTL error " << top::to_string(res.err);
  EXPECT_FALSE(res.assertion_failed) << "an RTL assertion fired (see the log)";
  const auto diff = sim::compare_state(dut, golden);
  EXPECT_EQ(diff, "") << "RTL buffers differ from the golden model:\n" << diff;
  EXPECT_TRUE(rtl_mem == gold_mem) << "off-chip memory differs from the golden model's";
  return res;
}

// The same on a fresh DUT with off-chip latency `lat` and back-pressure `bp` (its pattern from
// seed + lat).
sim::RunResult run_with_memory(const sim::TopDutInfo& info, std::unique_ptr<sim::TopDut>& dut,
                               const Program& prog, int lat, double bp, std::uint64_t seed,
                               top::Memory& rtl_mem) {
  sim::RunOptions opt;
  opt.latency = lat;
  opt.backpressure = bp;
  opt.seed = seed + static_cast<std::uint64_t>(lat);
  dut = info.make();
  top::Golden golden(dut->params());
  return run_and_check(*dut, prog, opt, golden, rtl_mem);
}

void report(const std::string& what, const sim::TopDut& dut, const Program& prog,
            const sim::RunResult& res) {
  const auto& p = dut.params();
  const double util = res.cycles
                          ? static_cast<double>(prog.macs) /
                                (static_cast<double>(p.ah * p.aw) * static_cast<double>(res.cycles))
                          : 0.0;
  std::cout << fmt::format("[ layer    ] {}x{} {}: {} cycles, {} MACs, utilization {:.1f}%, {}\n",
                           p.ah, p.aw, what, res.cycles, prog.macs, 100.0 * util,
                           prog.mapping.to_string());
}

class TopCosim : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    const int n = GetParam();
    info_ = &sim::find_top_dut(n, n);
    dut_ = info_->make();
  }
  const sim::TopDutInfo* info_ = nullptr;
  std::unique_ptr<sim::TopDut> dut_;
};

// Run options out of range are named, never clamped: a NaN back-pressure used to run and then
// report a design divergence, a latency of 0 ran as 1.
TEST(TopRunOptions, OutOfRangeValuesAreNamedNotClamped) {
  const auto& info = sim::find_top_dut(4, 4);
  auto dut = info.make();
  top::Memory mem;
  const std::vector<top::Instr> prog;
  for (const double bp : {std::nan(""), -0.1, 0.96, 1.0}) {
    sim::RunOptions opt;
    opt.backpressure = bp;
    try {
      (void)sim::run_program(*dut, prog, mem, opt);
      ADD_FAILURE() << "back-pressure " << bp << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("back-pressure must be a probability in [0, 0.95]"),
                std::string::npos)
          << e.what();
    }
  }
  sim::RunOptions opt;
  opt.latency = 0;
  EXPECT_THROW((void)sim::run_program(*dut, prog, mem, opt), std::invalid_argument);
  opt.latency = 1;
  opt.backpressure = sim::kMaxBackpressure;
  EXPECT_NO_THROW((void)sim::run_program(*dut, prog, mem, opt));
}

TEST_P(TopCosim, RandomGemms) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  const int ah = p.ah, aw = p.aw;
  // Shapes around the array size, including ones that are not multiples of AH / AW.
  const std::vector<std::array<int, 3>> shapes = {{ah, ah * aw, ah},
                                                  {2 * ah + 3, ah * aw + 5, ah - 1},
                                                  {7, 3 * ah + 1, 2 * ah + 1},
                                                  {aw + 1, 2 * ah * aw, ah},
                                                  {3, ah, 3 * ah},
                                                  {1, 1, 1}};
  for (const auto& s : shapes) {
    SCOPED_TRACE(fmt::format("GEMM M={} K={} N={}", s[0], s[1], s[2]));
    const auto g = random_gemm(rng, s[0], s[1], s[2]);
    const auto prog = top::compile_gemm(p, g);
    top::Golden golden(p);
    top::Memory mem;
    dut_ = info_->make();  // fresh buffers for every layer
    const auto res = run_and_check(*dut_, prog, {}, golden, mem);
    EXPECT_EQ(top::read_output(p, prog.out, mem), top::gemm_ref(g)) << "output tensor";
    report(fmt::format("GEMM {}x{}x{}", s[0], s[1], s[2]), *dut_, prog, res);
  }
}

TEST_P(TopCosim, Convs) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  struct Shape {
    int h, w, c, co, r, stride, pad, dilation, groups;
  };
  const int ah = p.ah;
  const std::vector<Shape> shapes = {
      {6, 6, ah, ah, 3, 1, 1, 1, 1},               // 3x3, same padding
      {7, 5, ah + 3, 2 * ah - 1, 3, 2, 1, 1, 1},   // stride 2, channels not multiples of AH
      {6, 6, ah, ah, 3, 1, 2, 2, 1},               // dilation 2
      {5, 5, 2 * ah, ah + 1, 1, 1, 0, 1, 1},       // 1x1
      {6, 6, 2 * ah, 2 * ah, 3, 1, 1, 1, 2},       // groups = 2
      {6, 6, ah + 2, ah + 2, 3, 1, 1, 1, ah + 2},  // depthwise
  };
  for (const auto& s : shapes) {
    SCOPED_TRACE(fmt::format("conv {}x{}x{} -> {} k{} s{} p{} d{} g{}", s.h, s.w, s.c, s.co, s.r,
                             s.stride, s.pad, s.dilation, s.groups));
    const auto cv =
        random_conv(rng, s.h, s.w, s.c, s.co, s.r, s.stride, s.pad, s.dilation, s.groups);
    const auto prog = top::compile_conv(p, cv);
    top::Golden golden(p);
    top::Memory mem;
    dut_ = info_->make();  // fresh buffers for every layer
    const auto res = run_and_check(*dut_, prog, {}, golden, mem);
    EXPECT_EQ(top::read_output(p, prog.out, mem), top::conv_ref(cv)) << "output tensor";
    report(
        fmt::format("conv {}x{}x{}->{} k{} s{} g{}", s.h, s.w, s.c, s.co, s.r, s.stride, s.groups),
        *dut_, prog, res);
  }
}

// Direct convolution on the RTL: the stream engine's window walks the input image (padding read
// as the zero point without an access), one ExecuteStreaming per output row segment and tap.
// Bit-exact against the reference and the golden model (whole state), identical under memory
// latency and back-pressure, RTL cycles equal to the cycle model's without back-pressure and
// close to its estimate with it.
TEST_P(TopCosim, DirectConvs) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  struct Shape {
    int h, w, c, co, r, stride, pad, dilation, groups;
  };
  const int ah = p.ah;
  const std::vector<Shape> shapes = {
      {6, 6, ah, ah, 3, 1, 1, 1, 1},               // 3x3, same padding
      {7, 5, ah + 3, 2 * ah - 1, 3, 2, 1, 1, 1},   // stride 2, channels not multiples of AH
      {6, 6, ah, ah, 3, 1, 2, 2, 1},               // dilation 2
      {9, 8, 3, ah, 5, 3, 2, 1, 1},                // 5x5 stride 3, three channels
      {6, 6, 2 * ah, 2 * ah, 3, 1, 1, 1, 2},       // groups = 2
      {6, 6, ah + 2, ah + 2, 3, 1, 1, 1, ah + 2},  // depthwise
  };
  std::vector<double> estimate_errors;
  for (const auto& s : shapes) {
    const std::string name = fmt::format("direct conv {}x{}x{} -> {} k{} s{} p{} d{} g{}", s.h, s.w,
                                         s.c, s.co, s.r, s.stride, s.pad, s.dilation, s.groups);
    SCOPED_TRACE(fmt::format("seed {} {}", seed, name));
    const auto cv =
        random_conv(rng, s.h, s.w, s.c, s.co, s.r, s.stride, s.pad, s.dilation, s.groups);
    CompileOptions o;
    o.direct_conv = true;
    const auto prog = top::compile_conv(p, cv, o);
    for (const auto& [latency, bp] : {std::pair{1, 0.0}, std::pair{16, 0.3}}) {
      sim::RunOptions opt;
      opt.latency = latency;
      opt.backpressure = bp;
      opt.seed = rng();
      top::Golden golden(p);
      top::Memory mem;
      dut_ = info_->make();
      const auto res = run_and_check(*dut_, prog, opt, golden, mem);
      EXPECT_EQ(top::read_output(p, prog.out, mem), top::conv_ref(cv)) << "output tensor";
      if (bp > 0) {
        // Random back-pressure: the model's estimate (a memory of 1 - bp words per cycle) is
        // closer to the RTL than ignoring it, within 15 % per layer and 5 % on average (measured:
        // at most 8 %, on depthwise layers, which are memory bound).
        const auto est = top::predict(p, prog.instrs, {.latency = latency, .bandwidth = 1 - bp});
        const auto ignored = top::predict(p, prog.instrs, {.latency = latency});
        EXPECT_FALSE(est.exact);
        const auto rel = [&](std::uint64_t c) {
          return std::abs(static_cast<double>(c) - static_cast<double>(res.cycles)) /
                 static_cast<double>(res.cycles);
        };
        estimate_errors.push_back(rel(est.cycles));
        EXPECT_LT(rel(est.cycles), 0.15) << "estimate " << est.cycles << " vs RTL " << res.cycles;
        EXPECT_LT(rel(est.cycles), rel(ignored.cycles))
            << "estimate " << est.cycles << ", back-pressure ignored " << ignored.cycles << ", RTL "
            << res.cycles;
        continue;
      }
      const auto exact = top::predict(p, prog.instrs, {.latency = latency});
      EXPECT_TRUE(exact.exact);
      EXPECT_EQ(res.cycles, exact.cycles) << "RTL cycles vs the cycle model";
      report(name, *dut_, prog, res);
    }
  }
  ASSERT_FALSE(estimate_errors.empty());
  EXPECT_LT(std::accumulate(estimate_errors.begin(), estimate_errors.end(), 0.0) /
                static_cast<double>(estimate_errors.size()),
            0.05)
      << "mean relative error of the cycle model's back-pressure estimate (seed " << seed << ")";
}

INSTANTIATE_TEST_SUITE_P(Arrays, TopCosim, ::testing::Values(4, 8, 16), [](const auto& pinfo) {
  return fmt::format("{}x{}", pinfo.param, pinfo.param);
});

}  // namespace
}  // namespace feather

namespace feather {
namespace {

// The same layer under several off-chip latencies and back-pressure rates: identical results.
TEST_P(TopCosim, MemoryLatencyAndBackPressure) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  const auto g = random_gemm(rng, 2 * p.ah + 1, 2 * p.ah * p.aw + 3, p.ah + 2);
  const auto prog = top::compile_gemm(p, g);
  std::uint64_t base_cycles = 0;
  for (const auto& [lat, bp] : std::vector<std::pair<int, double>>{
           {1, 0.0}, {2, 0.0}, {9, 0.0}, {1, 0.3}, {5, 0.5}, {30, 0.7}}) {
    SCOPED_TRACE(fmt::format("latency {} back-pressure {}", lat, bp));
    top::Memory mem;
    const auto res = run_with_memory(*info_, dut_, prog, lat, bp, seed, mem);
    EXPECT_EQ(top::read_output(p, prog.out, mem), top::gemm_ref(g));
    if (base_cycles == 0) base_cycles = res.cycles;
    EXPECT_GE(res.cycles, base_cycles);
    std::cout << fmt::format("[ memory   ] latency {:2} back-pressure {:.1f}: {} cycles\n", lat, bp,
                             res.cycles);
  }
}

// Weights per N-tile: each tile's weights load while the tiles before it compute (the compiler's
// weight chunks, scheduled), and the first tile's input per K-pass. The RTL's interlocks must hold
// every ExecuteMapping until its own tile's Load is done: results equal the golden model's under
// latency and back-pressure, and the cycles the cycle model's.
TEST_P(TopCosim, PerTileWeightsLoadWhileEarlierTilesCompute) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  const int ah = p.ah, kunit = std::max(p.ah, p.aw);
  CompileOptions co;
  co.force = top::MappingChoice{0, 0, static_cast<std::uint32_t>(ah - 1)};
  // Two K-passes (2 AW K-VNs): the first tile's input loads per pass as well.
  const auto g = random_gemm(rng, 3 * ah + 1, 2 * p.aw * kunit, 5 * ah - 1);
  const auto gp = top::compile_gemm(p, g, co);
  const auto cv = random_conv(rng, 6, 5, kunit, 4 * ah, 3, 1, 1, 1, 1);
  CompileOptions cco = co;
  cco.direct_conv = true;
  const auto cp = top::compile_conv(p, cv, cco);
  for (const auto& [prog, want, what] :
       {std::tuple{&gp, top::gemm_ref(g), "GEMM"}, std::tuple{&cp, top::conv_ref(cv), "conv"}}) {
    std::size_t w_loads = 0;
    for (const auto& in : prog->instrs) {
      w_loads +=
          in.op == top::Op::kLoad && in.target == static_cast<std::uint32_t>(top::Target::kWbuf);
    }
    ASSERT_GE(w_loads, 2u) << what << ": one Load per tile\n" << prog->summary;
    std::size_t a_loads = 0;
    for (const auto& in : prog->instrs) {
      a_loads += in.op == top::Op::kLoad &&
                 in.target == static_cast<std::uint32_t>(top::Target::kSbufActive);
    }
    if (prog == &gp) {
      ASSERT_GE(a_loads, 2u) << "one input Load per K-pass\n" << prog->summary;
    }
    for (const auto& [lat, bp] :
         std::vector<std::pair<int, double>>{{2, 0.0}, {7, 0.0}, {3, 0.4}}) {
      SCOPED_TRACE(fmt::format("seed {} {} latency {} back-pressure {}", seed, what, lat, bp));
      top::Memory mem;
      const auto res = run_with_memory(*info_, dut_, *prog, lat, bp, seed, mem);
      EXPECT_EQ(top::read_output(p, prog->out, mem), want) << "output tensor";
      if (bp == 0.0) {
        EXPECT_EQ(res.cycles, top::predict(p, prog->instrs, {.latency = lat}).cycles)
            << "RTL cycles vs the cycle model";
      }
    }
  }
}

// Two layers: the second reads the first's requantized output where BIRRD left it (the output
// layout of layer 1 is the input layout of layer 2), with no trip through off-chip memory.
TEST_P(TopCosim, ChainedLayersUseTheOutputBufferDirectly) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  auto c1 = random_conv(rng, 6, 5, p.ah + 1, 2 * p.ah - 1, 3, 1, 1, 1, 1);
  auto c2 = random_conv(rng, c1.ho(), c1.wo(), c1.co, p.ah + 3, 1, 1, 0, 1, 1);
  c2.input = top::conv_ref(c1);
  top::CompileOptions o1;
  o1.store_output = false;
  const auto p1 = top::compile_conv(p, c1, o1);
  top::CompileOptions o2;
  o2.input_in_buffer = p1.out.layout;
  const auto p2 = top::compile_conv(p, c2, o2);
  for (const auto& in : p2.instrs) {
    ASSERT_FALSE(in.op == top::Op::kLoad && (in.target == 1 || in.target == 2))
        << "layer 2 must not load its input: " << top::disassemble(in);
  }
  top::Golden golden(p);
  top::Memory m1;
  const auto r1 = run_and_check(*dut_, p1, {}, golden, m1);
  EXPECT_EQ(top::read_output(p, p1.out, golden), c2.input) << "layer 1 output";
  sim::RunOptions cont;
  cont.reset = false;
  top::Memory m2;
  const auto r2 = run_and_check(*dut_, p2, cont, golden, m2);
  EXPECT_EQ(top::read_output(p, p2.out, m2), top::conv_ref(c2)) << "layer 2 output";
  report("chain layer 1 (3x3)", *dut_, p1, r1);
  report("chain layer 2 (1x1, input in buffer)", *dut_, p2, r2);
}

// Three convolutions chained on chip through the window: a 3x3 conv, then a 3x3 stride-2 direct
// conv and a dilated 3x3 direct conv, each streaming its predecessor's requantized output where
// BIRRD wrote it (padding read as the zero point), with no Load of an input and no Store but the
// last; RTL equal to the golden model after each layer, cycles equal to the cycle model's.
TEST_P(TopCosim, ChainedDirectConvsReadTheOutputWhereItWasWritten) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  auto c1 = random_conv(rng, 9, 8, 3, p.ah + 1, 3, 1, 1, 1, 1);
  auto c2 = random_conv(rng, c1.ho(), c1.wo(), c1.co, 2 * p.ah - 3, 3, 2, 1, 1, 1);
  auto c3 = random_conv(rng, c2.ho(), c2.wo(), c2.co, p.ah, 3, 1, 2, 2, 1);
  c2.input = top::conv_ref(c1);
  c3.input = top::conv_ref(c2);
  top::CompileOptions o1;
  o1.store_output = false;
  const auto p1 = top::compile_conv(p, c1, o1);
  top::CompileOptions o2;
  o2.direct_conv = true;
  o2.store_output = false;
  o2.input_in_buffer = p1.out.layout;
  const auto p2 = top::compile_conv(p, c2, o2);
  top::CompileOptions o3;
  o3.direct_conv = true;
  o3.input_in_buffer = p2.out.layout;
  const auto p3 = top::compile_conv(p, c3, o3);
  top::Golden golden(p);
  sim::RunOptions opt;
  opt.latency = 2;
  top::Memory m1, m2, m3;
  const auto r1 = run_and_check(*dut_, p1, opt, golden, m1);
  EXPECT_EQ(top::read_output(p, p1.out, golden), c2.input) << "seed " << seed << ": layer 1";
  opt.reset = false;
  const auto r2 = run_and_check(*dut_, p2, opt, golden, m2);
  EXPECT_EQ(top::read_output(p, p2.out, golden), c3.input) << "seed " << seed << ": layer 2";
  const auto r3 = run_and_check(*dut_, p3, opt, golden, m3);
  EXPECT_EQ(top::read_output(p, p3.out, m3), top::conv_ref(c3)) << "seed " << seed << ": layer 3";
  const std::pair<const top::Program*, const sim::RunResult*> runs[] = {
      {&p1, &r1}, {&p2, &r2}, {&p3, &r3}};
  for (const auto& [prog, res] : runs) {
    EXPECT_EQ(res->cycles, top::predict(p, prog->instrs, {.latency = 2}).cycles)
        << "RTL cycles vs the cycle model\n"
        << prog->summary;
  }
  report("chain 3x3", *dut_, p1, r1);
  report("chain 3x3/2 direct, input in buffer", *dut_, p2, r2);
  report("chain 3x3 d2 direct, input in buffer", *dut_, p3, r3);
}

// Fault injection: a flipped BIRRD command bit and a flipped output-buffer line bit must each be
// caught by the golden-model comparison (or raise an error the model does not raise).
TEST_P(TopCosim, InjectedFaultsAreCaught) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  const auto g = random_gemm(rng, p.ah + 1, p.ah * p.aw, p.ah);
  top::CompileOptions co;
  co.force = top::MappingChoice{0, 0, static_cast<std::uint32_t>(p.ah - 1)};  // all columns reduce
  const auto prog = top::compile_gemm(p, g, co);
  top::Golden golden(p);
  top::Memory gold_mem = prog.memory;
  ASSERT_EQ(golden.run(prog.instrs, gold_mem).err, top::Err::kNone);
  // A flipped command bit of a switch no result passes through changes nothing (and must not be
  // reported); every other flip must be caught. The symbolic BIRRD model tells which is which.
  const birrd::Topology topo = p.topology();
  std::vector<birrd::Config> cfgs;
  for (const auto& in : prog.instrs) {
    if (in.op == top::Op::kStream) cfgs.push_back(in.birrd);
  }
  ASSERT_FALSE(cfgs.empty());
  auto observable = [&](int bit) {
    for (auto c : cfgs) {
      const auto before = birrd::evaluate_symbolic(topo, c, {});
      const int sw = bit / 2;
      const int s = sw / (p.aw / 2), i = sw % (p.aw / 2);
      c.at(s, i) = static_cast<birrd::Mode>(static_cast<int>(c.at(s, i)) ^ (1 << (bit % 2)));
      const auto after = birrd::evaluate_symbolic(topo, c, {});
      for (int l = 0; l < p.aw; ++l) {
        const auto lz = static_cast<std::size_t>(l);
        if (c.mask[lz] && (before[lz].set != after[lz].set || before[lz].junk != after[lz].junk)) {
          return true;
        }
      }
    }
    return false;
  };
  const int words = (p.cw() + 31) / 32;
  std::uniform_int_distribution<int> any_bit(0, p.cw() - 1);
  std::vector<int> bits = {0, 1, (p.stages() - 1) * p.aw, (p.stages() - 1) * p.aw + 1, p.cw() - 1};
  for (int k = 0; k < 6; ++k) bits.push_back(any_bit(rng));
  int caught = 0;
  for (int bit : bits) {
    std::vector<std::uint32_t> cmd(static_cast<std::size_t>(words), 0);
    cmd[static_cast<std::size_t>(bit / 32)] = 1u << (bit % 32);
    sim::RunOptions opt;
    opt.fault_from_cycle = 0;
    opt.fault_cmd_xor = cmd;
    dut_ = info_->make();
    top::Memory mem = prog.memory;
    const auto res = sim::run_program(*dut_, prog.instrs, mem, opt);
    const auto diff = sim::compare_state(*dut_, golden, 2);
    const bool noticed = !diff.empty() || res.err != top::Err::kNone || !(mem == gold_mem);
    const bool obs = observable(bit);
    EXPECT_EQ(noticed, obs) << "BIRRD command bit " << bit
                            << (obs ? ": the flip changes a result but went unnoticed"
                                    : ": the flip touches no result but was reported");
    caught += noticed ? 1 : 0;
    std::cout << fmt::format(
        "[ fault    ] BIRRD command bit {:3} ({}): {}", bit,
        obs ? "on a result path" : "off every result path",
        !noticed ? "no effect\n"
                 : (diff.empty() ? fmt::format("error {}\n", top::to_string(res.err))
                                 : "caught: " + diff.substr(0, diff.find('\n') + 1)));
  }
  EXPECT_GE(caught, 3) << "too few observable flips in the sample";
  for (std::uint64_t line_bit : {0u, 1u, 3u}) {
    sim::RunOptions opt;
    opt.fault_from_cycle = 0;
    opt.fault_line_xor = std::uint64_t{1} << line_bit;
    dut_ = info_->make();
    top::Memory mem = prog.memory;
    const auto res = sim::run_program(*dut_, prog.instrs, mem, opt);
    const auto diff = sim::compare_state(*dut_, golden, 2);
    EXPECT_FALSE(diff.empty() && res.err == top::Err::kNone && mem == gold_mem)
        << "flipping output line bit " << line_bit << " went unnoticed";
    std::cout << fmt::format("[ fault    ] output line bit {}: caught: {}", line_bit,
                             diff.substr(0, diff.find('\n') + 1));
  }
}

// Every error code: the RTL reports the same error as the golden model, stops cleanly (idle,
// no further instruction accepted) and never hangs. The programs are the directed part of
// `feather run --layer random-stream`.
TEST_P(TopCosim, ErrorsMatchTheGoldenModel) {
  const top::TopParams p = dut_->params();
  // The directed programs (sim/src/random_stream.cpp): a legal base and one per error code.
  const auto cases = sim::directed_error_programs(p);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    top::Golden golden(p);
    top::Memory gm(p.aw);
    const auto ge = golden.run(c.prog, gm);
    EXPECT_EQ(ge.err, c.expect) << "golden model: " << ge.detail;
    dut_ = info_->make();
    top::Memory mem(p.aw);
    const auto res = sim::run_program(*dut_, c.prog, mem);
    EXPECT_FALSE(res.timeout) << res.timeout_state;
    EXPECT_EQ(res.err, c.expect) << "RTL reported " << top::to_string(res.err);
    EXPECT_TRUE(dut_->idle()) << "the RTL must stop cleanly";
    if (c.expect != top::Err::kNone) {
      EXPECT_LE(res.consumed, c.prog.size());
      dut_->set_instr(top::encode(p, c.prog.front()), true);
      dut_->eval();
      EXPECT_FALSE(dut_->instr_ready()) << "no instruction is accepted after an error";
    }
    std::cout << fmt::format("[ error    ] {:45} golden {:13} RTL {:13} ({} cycles)\n", c.name,
                             top::to_string(ge.err), top::to_string(res.err), res.cycles);
  }
}

// The harness watchdog turns a run that does not finish in time into a failure report naming the
// cycle and the state.
TEST_P(TopCosim, WatchdogReportsAHang) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  const auto g = random_gemm(rng, 3 * p.ah, p.ah * p.aw, p.ah);
  const auto prog = top::compile_gemm(p, g);
  sim::RunOptions opt;
  opt.watchdog = 40;  // far too few cycles
  top::Memory mem = prog.memory;
  const auto res = sim::run_program(*dut_, prog.instrs, mem, opt);
  EXPECT_TRUE(res.timeout);
  EXPECT_NE(res.timeout_state.find("watchdog: 40 cycles"), std::string::npos) << res.timeout_state;
  EXPECT_NE(res.timeout_state.find("instructions consumed"), std::string::npos);
}

}  // namespace
}  // namespace feather

namespace feather {
namespace {

// Reset asserted in the middle of a layer (at random cycles: during loads, mappings, streaming,
// drain) returns the design to idle with no error; the next layer then runs correctly.
TEST_P(TopCosim, ResetMidLayerThenTheNextLayerRuns) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  const auto g1 = random_gemm(rng, 2 * p.ah + 1, 2 * p.ah * p.aw + 1, p.ah + 1);
  const auto g2 = random_gemm(rng, p.ah + 2, p.ah * p.aw - 1, 2 * p.ah - 1);
  const auto p1 = top::compile_gemm(p, g1);
  const auto p2 = top::compile_gemm(p, g2);
  top::Memory m0 = p1.memory;
  const auto full = sim::run_program(*dut_, p1.instrs, m0);
  ASSERT_FALSE(full.timeout);
  std::uniform_int_distribution<std::uint64_t> at(1, full.cycles - 1);
  for (int k = 0; k < 6; ++k) {
    const std::uint64_t cyc = k == 0 ? 1 : at(rng);
    SCOPED_TRACE(fmt::format("reset at cycle {} of {}", cyc, full.cycles));
    dut_ = info_->make();
    sim::RunOptions o1;
    o1.reset_at_cycle = cyc;
    top::Memory m1 = p1.memory;
    const auto r1 = sim::run_program(*dut_, p1.instrs, m1, o1);
    ASSERT_TRUE(r1.reset_applied);
    dut_->eval();
    EXPECT_TRUE(dut_->idle()) << "idle right after reset";
    EXPECT_EQ(dut_->err(), 0);
    sim::RunOptions o2;
    o2.reset = false;
    top::Memory m2 = p2.memory;
    const auto r2 = sim::run_program(*dut_, p2.instrs, m2, o2);
    EXPECT_FALSE(r2.timeout) << r2.timeout_state;
    EXPECT_EQ(r2.err, top::Err::kNone);
    EXPECT_EQ(top::read_output(p, p2.out, m2), top::gemm_ref(g2)) << "the layer after the reset";
  }
}

// Random instruction streams, legal and illegal (random opcodes and fields, biased towards
// small values so that many are legal; sim::random_instruction_stream): the RTL never hangs (it
// reaches idle within the watchdog bound) and reports the same error as the golden model
// (sim::check_stream, which also compares the whole state when there is no error). Each stream
// on a fresh top; `feather run --layer random-stream` runs them on one top, reset in between.
TEST_P(TopCosim, RandomInstructionStreamsNeverHangAndAgreeOnErrors) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  const int streams = 100;
  std::map<top::Err, int> seen;
  for (int s = 0; s < streams; ++s) {
    const auto prog = sim::random_instruction_stream(p, rng);
    const auto memory = sim::random_stream_memory(p, rng);
    top::Golden golden(p);
    dut_ = info_->make();
    const auto c = sim::check_stream(*dut_, golden, prog, memory, {});
    std::string listing;
    for (const auto& in : prog) listing += "  " + top::disassemble(in) + "\n";
    ASSERT_FALSE(c.run.timeout) << "stream " << s << " hangs: " << c.run.timeout_state << "\n"
                                << listing;
    EXPECT_TRUE(c.ok) << "stream " << s << ": " << c.failure << "\n" << listing;
    ++seen[c.golden.err];
  }
  std::string summary;
  for (const auto& [e, c] : seen) summary += fmt::format(" {}={}", top::to_string(e), c);
  std::cout << "[ streams  ] " << streams << " random streams, errors:" << summary << "\n";
}

// Memory traffic overlapped with compute (docs/isa.md, "Interlocks"): random legal programs
// that mix Loads and Stores of every target with mappings, streams (with and without quant),
// new layouts and swaps (top::random_legal_program). The RTL ends in the golden model's
// state (every buffer line, the off-chip memory) with a random memory latency, and again under
// random back-pressure; without back-pressure its cycle count equals the cycle model's. The
// programs must really overlap: some Load or Store starts while a stream is issuing beats.
TEST_P(TopCosim, OverlappedMemoryAndComputeMatchTheGoldenAndCycleModels) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  const int programs = 40;
  std::uint64_t overlapped = 0, cycles = 0;
  for (int s = 0; s < programs; ++s) {
    const auto prog = top::random_legal_program(p, rng);
    const auto memory = sim::random_stream_memory(p, rng);
    std::string listing;
    for (const auto& in : prog) listing += "  " + top::disassemble(in) + "\n";
    sim::RunOptions opt;
    // Short and long memory latencies (a table Load that a quant stream overtakes shows only
    // when the Load is slow).
    const int latencies[] = {1, 2, 3, 4, 16, 32};
    opt.latency = latencies[rng() % 6];
    for (const double bp : {0.0, 0.3}) {
      opt.backpressure = bp;
      opt.seed = rng();
      top::Golden golden(p);
      dut_ = info_->make();
      const auto c = sim::check_stream(*dut_, golden, prog, memory, opt);
      ASSERT_TRUE(c.ok) << "program " << s << " (latency " << opt.latency << ", back-pressure "
                        << bp << "): " << c.failure << "\n"
                        << listing;
      if (bp > 0) continue;
      const top::Timing tm = top::predict(p, prog, {.latency = opt.latency});
      ASSERT_EQ(c.run.cycles, tm.cycles)
          << "program " << s << " (latency " << opt.latency << "): RTL cycles vs the cycle model\n"
          << listing;
      cycles += tm.cycles;
      // Loads/Stores consumed while an earlier stream still issues beats.
      for (std::size_t i = 0; i < prog.size(); ++i) {
        if (prog[i].op != top::Op::kLoad && prog[i].op != top::Op::kStore) continue;
        for (std::size_t j = 0; j < i; ++j) {
          if (prog[j].op == top::Op::kStream &&
              tm.consume[i] <= tm.consume[j] + prog[j].t * static_cast<std::uint64_t>(p.ah)) {
            ++overlapped;
            break;
          }
        }
      }
    }
  }
  std::cout << "[ overlap  ] " << programs << " programs, " << cycles << " cycles, " << overlapped
            << " Loads/Stores started during a stream\n";
  EXPECT_GT(overlapped, 0u) << "no program overlapped memory traffic with a stream";
}

// A quant stream must wait for a requantization-table Load in flight, even when the entries it
// uses are the last ones the Load writes. The Load replaces the whole zero-point table; the
// stream's products are 0 (its weights are out of range of LW), so its outputs are exactly the
// zero points it read: stale ones if it overtook the Load. At long memory latencies the Load is
// still writing when the stream's first requantization happens, so the state check (not only
// the cycle count) sees an overtaking stream.
TEST_P(TopCosim, QuantStreamWaitsForATableLoadStillWritingItsEntries) {
  const std::uint64_t seed = test::test_seed();
  std::mt19937_64 rng(seed);
  const top::TopParams p = dut_->params();
  using u64 = std::uint64_t;
  const auto ah = static_cast<u64>(p.ah), aw = static_cast<u64>(p.aw), qd = static_cast<u64>(p.qd);
  const u64 q = qd / ah - 1;      // the output VN of the table's last AH entries
  const u64 ozp_words = qd / aw;  // the zero-point table, in off-chip words
  const u64 scale_words = qd * 4 / aw;
  top::Memory memory(p.aw);
  for (u64 a = 0; a < 2 * ozp_words; ++a) {  // two different zero-point tables
    std::vector<std::uint8_t> w(static_cast<std::size_t>(p.aw));
    for (auto& b : w) b = static_cast<std::uint8_t>(rng());
    memory.write(a, w);
  }
  const u64 zeros = 2 * ozp_words;  // scale = 0 everywhere: requant(v, n) = ozp[n]
  for (u64 a = 0; a < scale_words; ++a) memory.write(zeros + a, std::vector<std::uint8_t>(aw, 0));
  const top::Layout lo = top::stimulus_layout(3, 1, qd / ah);  // OVN(0, q): bank q mod AW
  const std::vector<top::Instr> prog = {
      top::Instr::config(static_cast<std::uint32_t>(rng() % 255 + 1),
                         static_cast<std::uint32_t>(rng() % 255 + 1), false),
      top::Instr::set_layout(top::Op::kSetWvnLayout, top::stimulus_layout(3, ah, aw)),
      top::Instr::set_layout(top::Op::kSetIvnLayout, top::stimulus_layout(3, 4, aw)),
      top::Instr::set_layout(top::Op::kSetOvnLayout, lo),
      top::Instr::load(top::Target::kScale, 0, scale_words, zeros),
      top::Instr::load(top::Target::kOzp, 0, ozp_words, 0),
      // Channels qd-AH .. qd-1: out of range of LW, so every product is 0.
      top::Instr::map(0, q * ah, 0, 0, static_cast<std::uint32_t>(p.ah - 1)),
      top::Instr::load(top::Target::kOzp, 0, ozp_words, ozp_words),
      top::Instr::stream(0, 1, 1, false, true,
                         top::reduce_all_to_lane(p, static_cast<int>(q % aw))),
  };
  std::string listing;
  for (const auto& in : prog) listing += "  " + top::disassemble(in) + "\n";
  for (const int latency : {1, 8, 32, 64}) {
    for (const double bp : {0.0, 0.3}) {
      sim::RunOptions opt;
      opt.latency = latency;
      opt.backpressure = bp;
      opt.seed = rng();
      top::Golden golden(p);
      dut_ = info_->make();
      const auto c = sim::check_stream(*dut_, golden, prog, memory, opt);
      ASSERT_TRUE(c.ok) << "seed " << seed << ", latency " << latency << ", back-pressure " << bp
                        << ": " << c.failure << "\n"
                        << listing;
      if (bp > 0) continue;
      EXPECT_EQ(c.run.cycles, top::predict(p, prog, {.latency = latency}).cycles)
          << "latency " << latency << ": RTL cycles vs the cycle model";
    }
  }
}

}  // namespace
}  // namespace feather

namespace feather {
namespace {

// The RTL's simulation assertions fire when their invariant is broken: an output-buffer (and
// requantization) write outside the buffer, driven by the fault-injection input.
TEST_P(TopCosim, AssertionsFireOnOutOfRangeWrites) {
  std::mt19937_64 rng(test::test_seed());
  const top::TopParams p = dut_->params();
  const auto g = random_gemm(rng, p.ah, p.ah * p.aw, p.ah);
  const auto prog = top::compile_gemm(p, g);
  {
    top::Memory mem = prog.memory;
    const auto res = sim::run_program(*dut_, prog.instrs, mem);
    EXPECT_FALSE(res.assertion_failed) << "no assertion fires on a legal layer";
  }
  dut_ = info_->make();
  sim::RunOptions opt;
  opt.fault_from_cycle = 0;
  opt.fault_line_xor = std::uint64_t{1} << (p.la() - 1);  // beyond OD and SD
  ASSERT_GE(std::uint64_t{1} << (p.la() - 1), static_cast<std::uint64_t>(std::min(p.od, p.sd)))
      << "the configuration leaves no out-of-range line to inject";
  top::Memory mem = prog.memory;
  std::cout << "[ assert   ] expect a_ob_line_in_range / a_sb_line_in_range errors below:\n";
  const auto res = sim::run_program(*dut_, prog.instrs, mem, opt);
  EXPECT_TRUE(res.assertion_failed) << "out-of-range writes went unreported";
}

}  // namespace
}  // namespace feather
