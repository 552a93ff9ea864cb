// Benchmarks (Google Benchmark). Figures are recorded in docs/performance.md.
//   build/bench/feather_bench --benchmark_filter=Route    router time per target
//   build/bench/feather_bench --benchmark_filter=Sim      simulated cycles per second
#include <benchmark/benchmark.h>
#include <fmt/format.h>

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
  state.counters["unroutable"] = static_cast<double>(unroutable);
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

// Verilated BIRRD, random data/valid/commands every cycle, tracing off. items/s = cycles/s.
void BM_SimBirrd(benchmark::State& state, birrd::Wiring w, bool lockstep) {
  const int aw = static_cast<int>(state.range(0));
  auto dut = sim::make_birrd_dut(aw, 32, w);
  birrd::Topology t(aw, w);
  birrd::CycleModel model(t, 32);
  std::mt19937_64 rng(7);
  constexpr int kVectors = 64;  // pre-drawn stimulus, so the figure is the simulator's
  std::vector<std::vector<std::uint64_t>> data(kVectors);
  std::vector<birrd::Config> cfgs(kVectors, birrd::Config(t));
  std::vector<std::vector<std::uint32_t>> cmd(kVectors), mask(kVectors);
  std::vector<birrd::LaneSet> valid(kVectors);
  for (int k = 0; k < kVectors; ++k) {
    for (int p = 0; p < aw; ++p) {
      data[k].push_back(rng() & 0xffffffffULL);
      valid[k].set(static_cast<std::size_t>(p), (rng() & 7) != 0);
      cfgs[k].mask.set(static_cast<std::size_t>(p), (rng() & 1) != 0);
    }
    for (auto& m : cfgs[k].modes) m = static_cast<birrd::Mode>(rng() & 3);
    cmd[k] = cfgs[k].pack_cmd();
    mask[k] = cfgs[k].pack_mask();
  }
  dut->set_reset(true);
  dut->clock();
  dut->set_reset(false);
  std::size_t k = 0;
  long mismatches = 0;
  for (auto _ : state) {
    dut->set_inputs(data[k], valid[k], cmd[k], mask[k]);
    dut->clock();
    if (lockstep) {
      model.step(data[k], valid[k], cfgs[k]);
      for (int p = 0; p < aw; ++p) {
        mismatches +=
            (model.data_out(p) != dut->data_out(p)) || (model.valid_out(p) != dut->valid_out(p));
      }
    }
    k = (k + 1) % kVectors;
  }
  if (mismatches) state.SkipWithError("RTL and model diverged");
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_SimBirrd, benes_rtl, birrd::Wiring::kBenes, false)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Arg(64)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SimBirrd, benes_lockstep, birrd::Wiring::kBenes, true)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Arg(64)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SimBirrd, feather_rtl, birrd::Wiring::kFeather, false)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMicrosecond);

// Verilated NEST, random loads and streams every cycle (pre-drawn), tracing off. items/s =
// cycles/s. Every compiled shape (4x4, 8x8, 16x16, ...; 32x32 with FEATHER_LONG_CONFIGS).
void BM_SimNest(benchmark::State& state, int ah, int aw, bool lockstep) {
  auto dut = sim::make_nest_dut(ah, aw);
  const auto& p = dut->params();
  nest::CycleModel model(p);
  std::mt19937_64 rng(11);
  constexpr int kVectors = 64;
  std::vector<nest::NestInputs> ins(kVectors, nest::NestInputs(p));
  for (auto& in : ins) {
    in.red_len_m1 = static_cast<std::uint32_t>(p.depth - 1);
    for (int c = 0; c < aw; ++c) {
      const auto cz = static_cast<std::size_t>(c);
      in.act[cz] = static_cast<std::uint32_t>(rng() & 0xff);
      in.act_valid[cz] = 1;
      in.ld_valid[cz] = rng() & 1;
      in.ld_row[cz] = static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(ah));
      in.ld_bank[cz] = 1;
      in.ld_idx[cz] = static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(p.depth));
      in.ld_data[cz] = static_cast<std::uint32_t>(rng() & 0xff);
    }
  }
  dut->set_reset(true);
  dut->clock();
  dut->set_reset(false);
  std::size_t k = 0;
  long mismatches = 0;
  for (auto _ : state) {
    dut->set_inputs(ins[k]);
    dut->clock();
    if (lockstep) {
      model.step(ins[k]);
      for (int c = 0; c < aw; ++c) mismatches += model.col_data(c) != dut->col_data(c);
    }
    k = (k + 1) % kVectors;
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
  register_nest_benchmarks();
  register_top_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
