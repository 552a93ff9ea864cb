// Benchmarks (Google Benchmark). `make perf-tables` runs them and bench/perf_tables.cpp turns
// the JSON into the tables of docs/performance.md.
//   build/bench/feather_bench --benchmark_filter=Route    router time per target
//   build/bench/feather_bench --benchmark_filter=Sim      simulated cycles per second
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

#include "feather/birrd/model.hpp"
#include "feather/birrd/router.hpp"
#include "feather/nest/model.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/nest_dut.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/compiler.hpp"

namespace {

using namespace feather;

std::vector<birrd::Target> targets(birrd::TargetClass c, int aw, int g, int count,
                                   std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<birrd::Target> v;
  for (int i = 0; i < count; ++i) v.push_back(birrd::random_target(c, aw, rng, g));
  return v;
}

// Constructive router alone (no re-simulation), per target.
void BM_RouteConstructive(benchmark::State& state, birrd::TargetClass c, int g) {
  const int aw = static_cast<int>(state.range(0));
  birrd::Topology t(aw, birrd::Wiring::kBenes);
  auto ts = targets(c, aw, g, 256, 1);
  std::size_t i = 0;
  for (auto _ : state) {
    auto cfg = birrd::route_constructive(t, ts[i++ % ts.size()]);
    benchmark::DoNotOptimize(cfg.modes.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// route(): constructive path plus the symbolic and cycle-model re-simulation of the result.
void BM_RouteVerified(benchmark::State& state, birrd::TargetClass c, int g) {
  const int aw = static_cast<int>(state.range(0));
  birrd::Topology t(aw, birrd::Wiring::kBenes);
  auto ts = targets(c, aw, g, 256, 2);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = birrd::route(t, ts[i++ % ts.size()], {.exact = false});
    if (!r.ok()) state.SkipWithError("route failed");
  }
  state.SetItemsProcessed(state.iterations());
}

// The exact (SAT) path, forced, per target.
void BM_RouteSat(benchmark::State& state, birrd::Wiring w, birrd::TargetClass c, int g) {
  const int aw = static_cast<int>(state.range(0));
  birrd::Topology t(aw, w);
  auto ts = targets(c, aw, g, 64, 3);
  std::size_t i = 0;
  long unroutable = 0;
  for (auto _ : state) {
    auto r = birrd::route_sat(t, ts[i++ % ts.size()], 60);
    if (r.status == birrd::RouteStatus::kUnroutable) ++unroutable;
    if (r.status == birrd::RouteStatus::kUnknown) state.SkipWithError("SAT timeout");
  }
  // The fraction of targets proven unroutable (docs/performance.md prints it beside the time).
  state.counters["unroutable"] =
      benchmark::Counter(static_cast<double>(unroutable), benchmark::Counter::kAvgIterations);
}

// AW = 16, 64, 256, in microseconds.
void route_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(16)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);
}

#define ROUTE_CLASSES(BM)                                                                       \
  BENCHMARK_CAPTURE(BM, permutation, birrd::TargetClass::kPermutation, 1)->Apply(route_sizes);  \
  BENCHMARK_CAPTURE(BM, feather_g2, birrd::TargetClass::kFeatherGroups, 2)->Apply(route_sizes); \
  BENCHMARK_CAPTURE(BM, feather_g4, birrd::TargetClass::kFeatherGroups, 4)->Apply(route_sizes); \
  BENCHMARK_CAPTURE(BM, feather_g8, birrd::TargetClass::kFeatherGroups, 8)->Apply(route_sizes); \
  BENCHMARK_CAPTURE(BM, contiguous_equal, birrd::TargetClass::kContiguousEqual, 1)              \
      ->Apply(route_sizes)

ROUTE_CLASSES(BM_RouteConstructive);
ROUTE_CLASSES(BM_RouteVerified);

BENCHMARK_CAPTURE(BM_RouteSat, benes_permutation, birrd::Wiring::kBenes,
                  birrd::TargetClass::kPermutation, 1)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RouteSat, feather_permutation, birrd::Wiring::kFeather,
                  birrd::TargetClass::kPermutation, 1)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RouteSat, feather_g4, birrd::Wiring::kFeather,
                  birrd::TargetClass::kFeatherGroups, 4)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RouteSat, benes_partition, birrd::Wiring::kBenes,
                  birrd::TargetClass::kArbitraryPartition, 1)
    ->Arg(8)
    ->Arg(16)
    ->Unit(benchmark::kMillisecond);

// Stimulus for the simulation benchmarks: fresh random values every cycle, drawn from a
// SplitMix64 generator whose (small) cost is part of the figure, as the random drivers of the
// published design's measurement were. shared/reference/performance-targets.md: replaying a
// few pre-drawn vectors reads about 2x faster than the same model under fresh values.
class Stimulus {
 public:
  explicit Stimulus(std::uint64_t seed) : s_(seed) {}
  std::uint64_t operator()() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t s_;
};

// Draws one BIRRD input cycle, uniform like the published driver's: every lane's data (two
// 32-bit lanes per draw) and the RTL's valid, command and mask words; `valid` gets the valid
// bits as the DUT interface takes them.
void draw_birrd(Stimulus& rng, int aw, int cmd_bits, std::vector<std::uint64_t>& data,
                std::vector<std::uint32_t>& valid_words, birrd::LaneSet& valid,
                std::vector<std::uint32_t>& cmd, std::vector<std::uint32_t>& mask) {
  for (std::size_t p = 0; p < data.size(); p += 2) {
    const std::uint64_t r = rng();
    data[p] = r & 0xffffffffULL;
    data[p + 1] = r >> 32;
  }
  auto fill = [&](std::vector<std::uint32_t>& words, int width) {
    for (auto& w : words) w = static_cast<std::uint32_t>(rng());
    if (width % 32 != 0) words.back() &= (1U << (width % 32)) - 1;
  };
  fill(valid_words, aw);
  fill(cmd, cmd_bits);
  fill(mask, aw);
  for (std::size_t p = 0; p < static_cast<std::size_t>(aw); ++p) {
    valid[p] = ((valid_words[p / 32] >> (p % 32)) & 1) != 0;
  }
}

// Verilated BIRRD, fresh random data, valid bits, commands and mask every cycle, tracing off.
// items/s = cycles/s. lockstep: the C++ cycle model stepped too on the same port words
// (CycleModel::step_packed), every output lane compared.
void BM_SimBirrd(benchmark::State& state, int aw, birrd::Wiring w, bool lockstep) {
  auto dut = sim::make_birrd_dut(aw, 32, w);
  birrd::Topology t(aw, w);
  birrd::CycleModel model(t, 32);
  Stimulus rng(7);
  std::vector<std::uint64_t> data(static_cast<std::size_t>(aw));
  birrd::LaneSet valid;
  const birrd::Config cfg(t);
  std::vector<std::uint32_t> cmd = cfg.pack_cmd(), mask = cfg.pack_mask(), valid_words = mask;
  const int cmd_bits = static_cast<int>(2 * cfg.modes.size());
  std::vector<std::uint64_t> out_data;
  std::vector<std::uint32_t> out_valid;
  dut->set_reset(true);
  dut->clock();
  dut->set_reset(false);
  long mismatches = 0;
  for (auto _ : state) {
    draw_birrd(rng, aw, cmd_bits, data, valid_words, valid, cmd, mask);
    dut->set_inputs(data, valid, cmd, mask);
    dut->clock();
    if (lockstep) {
      model.step_packed(data, valid_words, cmd, mask);
      dut->outputs(out_data, out_valid);
      for (int p = 0; p < aw; ++p) {
        const auto pz = static_cast<std::size_t>(p);
        mismatches += (model.data_out(p) != out_data[pz]) ||
                      (model.valid_out(p) != (((out_valid[pz / 32] >> (pz % 32)) & 1) != 0));
      }
    }
  }
  if (mismatches) state.SkipWithError("RTL and model diverged");
  state.SetItemsProcessed(state.iterations());
}

// Every compiled 32-bit BIRRD (AW = 8 ... 64; 128 and 256 with FEATHER_LONG_CONFIGS), named
// BM_SimBirrd/<wiring>_<rtl|lockstep>/<AW>; the lockstep model runs on the Benes wiring.
void register_birrd_benchmarks() {
  for (const auto& d : sim::birrd_duts()) {
    if (d.data_width != 32) continue;
    const bool benes = d.wiring == birrd::Wiring::kBenes;
    for (bool lockstep : {false, true}) {
      if (lockstep && !benes) continue;
      auto name = fmt::format("BM_SimBirrd/{}_{}/{}", benes ? "benes" : "feather",
                              lockstep ? "lockstep" : "rtl", d.lanes);
      benchmark::RegisterBenchmark(name.c_str(), BM_SimBirrd, d.lanes, d.wiring, lockstep)
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

// Verilated NEST, fresh random streamed operands and stationary loads every cycle, tracing off:
// every column streams a valid operand (reduction length DEPTH) and about half the columns load a
// stationary operand into a random PE and slot. items/s = cycles/s.
void BM_SimNest(benchmark::State& state, int ah, int aw, bool lockstep) {
  auto dut = sim::make_nest_dut(ah, aw);
  const auto& p = dut->params();
  nest::CycleModel model(p);
  Stimulus rng(11);
  nest::NestInputs in(p);
  in.red_len_m1 = static_cast<std::uint32_t>(p.depth - 1);
  const auto rows = static_cast<std::uint64_t>(ah);
  const auto depth = static_cast<std::uint64_t>(p.depth);
  dut->set_reset(true);
  dut->clock();
  dut->set_reset(false);
  long mismatches = 0;
  for (auto _ : state) {
    for (int c = 0; c < aw; ++c) {
      const auto cz = static_cast<std::size_t>(c);
      const std::uint64_t r = rng();
      in.act[cz] = static_cast<std::uint32_t>(r & 0xff);
      in.act_valid[cz] = 1;
      in.ld_valid[cz] = (r >> 8) & 1;
      in.ld_row[cz] = static_cast<std::uint32_t>((r >> 16) % rows);
      in.ld_bank[cz] = 1;
      in.ld_idx[cz] = static_cast<std::uint32_t>((r >> 32) % depth);
      in.ld_data[cz] = static_cast<std::uint32_t>((r >> 24) & 0xff);
    }
    dut->set_inputs(in);
    dut->clock();
    if (lockstep) {
      model.step(in);
      for (int c = 0; c < aw; ++c) mismatches += model.col_data(c) != dut->col_data(c);
    }
  }
  if (mismatches) state.SkipWithError("RTL and model diverged");
  state.SetItemsProcessed(state.iterations());
}

void register_nest_benchmarks() {
  for (const auto& d : sim::nest_duts()) {
    for (bool lockstep : {false, true}) {
      auto name = fmt::format("BM_SimNest/{}x{}/{}", d.params.ah, d.params.aw,
                              lockstep ? "lockstep" : "rtl");
      benchmark::RegisterBenchmark(name.c_str(), BM_SimNest, d.params.ah, d.params.aw, lockstep)
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

// The verilated FEATHER top running a whole layer (a GEMM that keeps the array streaming:
// K = 4*AH*AW, N = AH, M = 8*AH), through the harness (instruction feeder, off-chip memory
// model with latency 2, activity counters), tracing off. items/s = simulated cycles/s. The
// golden model runs once outside the timed loop (it is instruction-level, not lockstep).
void BM_SimTop(benchmark::State& state, const sim::TopDutInfo* info) {
  const auto& p = info->params;
  std::mt19937_64 rng(5);
  top::GemmLayer g;
  g.m = 8 * p.ah;
  g.k = 4 * p.ah * p.aw;
  g.n = p.ah;
  for (int i = 0; i < g.m * g.k; ++i) g.a.push_back(static_cast<std::uint8_t>(rng()));
  for (int i = 0; i < g.k * g.n; ++i) g.b.push_back(static_cast<std::uint8_t>(rng()));
  g.quant.scale.assign(static_cast<std::size_t>(g.n), 1 << 12);
  g.quant.ozp.assign(static_cast<std::size_t>(g.n), 7);
  const auto prog = top::compile_gemm(p, g);
  auto dut = info->make();
  std::uint64_t cycles = 0;
  for (auto _ : state) {
    top::Memory mem = prog.memory;
    const auto res = sim::run_program(*dut, prog.instrs, mem);
    if (res.err != top::Err::kNone || res.timeout) state.SkipWithError("the layer failed");
    cycles += res.cycles;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(cycles));
}

void register_top_benchmarks() {
  for (const auto& d : sim::top_duts()) {
    auto name = fmt::format("BM_SimTop/{}x{}", d.params.ah, d.params.aw);
    benchmark::RegisterBenchmark(name.c_str(), BM_SimTop, &d)->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_birrd_benchmarks();
  register_nest_benchmarks();
  register_top_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
