// `feather birrd-demo`: route a reduction + reordering at AW=16, run it on the RTL and the model
// in lockstep, and measure the simulation speed (the README's first job).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "commands.hpp"
#include "feather/birrd/model.hpp"
#include "feather/birrd/router.hpp"
#include "feather/sim/birrd_cosim.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/gtkw.hpp"
#include "options.hpp"

namespace feather::cli {

namespace {

struct DemoArgs {
  std::string trace;
  std::uint64_t cycles = 100000;
  std::uint64_t seed = 1;
};

int demo(const std::string& trace, std::uint64_t cycles, std::uint64_t seed) {
  const int aw = 16;
  birrd::Topology t(aw, birrd::Wiring::kBenes);
  // K split over columns: four columns reduce into one result (two groups), two columns into
  // one (two groups), four columns pass alone; every result lands on a scattered output port,
  // the layout a next layer might want.
  auto target =
      birrd::parse_target(aw, "13<-0+1+2+3 2<-4+5+6+7 7<-8+9 8<-10+11 0<-12 15<-13 5<-14 11<-15");
  auto r = birrd::route(t, target);
  if (!r.ok()) throw std::runtime_error("demo target did not route: " + r.reason);
  fmt::print("BIRRD demo: {} lanes, {} wiring, {} stages ({} EGG switches)\n", aw,
             birrd::to_string(t.wiring()), t.stages(), t.stages() * t.switches_per_stage());
  fmt::print("target (output port <- input lanes summed):\n  {}\n", target.to_string());
  fmt::print(
      "routed by the {} router in {:.3f} ms; switch settings per stage\n"
      "(= pass, < add onto low port, > add onto high port, x swap):\n{}\n",
      r.method, r.seconds * 1e3, r.config.to_string());

  auto dut = sim::make_birrd_dut(aw, 32, birrd::Wiring::kBenes);
  birrd::CycleModel model(t, 32);
  std::string trace_path = trace;
  if (!trace_path.empty()) {
    std::filesystem::path p(trace_path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    dut->open_trace(trace_path);
    sim::write_birrd_gtkw(*dut, trace_path);
  }
  dut->set_reset(true);
  dut->clock();
  dut->set_reset(false);

  // One wave with small numbers, shown in full.
  std::vector<std::uint64_t> data(aw);
  for (int j = 0; j < aw; ++j)
    data[static_cast<std::size_t>(j)] = static_cast<std::uint64_t>(10 * (j + 1));
  birrd::LaneSet all;
  for (int j = 0; j < aw; ++j) all.set(static_cast<std::size_t>(j));
  birrd::Config idle(t);
  auto cmd = r.config.pack_cmd();
  auto mask = r.config.pack_mask();
  dut->set_inputs(data, all, cmd, mask);
  dut->clock();
  model.step(data, all, r.config);
  for (int k = 1; k < t.stages(); ++k) {
    dut->set_inputs(data, {}, idle.pack_cmd(), idle.pack_mask());
    dut->clock();
    model.step(data, {}, idle);
  }
  fmt::print("one wave, input lane j carries 10*(j+1); after {} cycles:\n", t.stages());
  fmt::print("  port | expected | RTL      | model    | valid\n");
  bool ok = true;
  for (int p = 0; p < aw; ++p) {
    const auto& set = target.out[static_cast<std::size_t>(p)];
    std::uint64_t want = 0;
    for (int j = 0; j < aw; ++j)
      if (set.test(static_cast<std::size_t>(j))) want += data[static_cast<std::size_t>(j)];
    bool result = set.any();
    bool good = dut->valid_out(p) == result && model.valid_out(p) == result &&
                (!result || (dut->data_out(p) == want && model.data_out(p) == want));
    ok = ok && good;
    fmt::print("  {:4} | {:>8} | {:>8} | {:>8} | {}{}\n", p, result ? std::to_string(want) : "-",
               result ? std::to_string(dut->data_out(p)) : "-",
               result ? std::to_string(model.data_out(p)) : "-", dut->valid_out(p) ? 1 : 0,
               good ? "" : "   <-- MISMATCH");
  }
  if (!trace_path.empty()) dut->close_trace();

  // Throughput: a stream of random waves through this and other routed configurations, RTL and
  // model in lockstep, every stage compared every cycle.
  sim::BirrdCosimOptions co;
  co.seed = seed;
  co.cycles = cycles;
  auto dut2 = sim::make_birrd_dut(aw, 32, birrd::Wiring::kBenes);
  auto res = sim::run_birrd_cosim(*dut2, co);
  // RTL alone, no checking, for the raw simulation speed.
  auto dut3 = sim::make_birrd_dut(aw, 32, birrd::Wiring::kBenes);
  std::mt19937_64 rng(seed);
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t c = 0; c < cycles; ++c) {
    for (auto& d : data) d = rng() & 0xffffffffULL;
    dut3->set_inputs(data, all, cmd, mask);
    dut3->clock();
  }
  double raw = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(
      "\nlockstep RTL vs model, random traffic (seed {}): {} cycles, {} routed results "
      "checked, {}\n",
      seed, res.cycles, res.results_checked,
      res.ok ? "no divergence" : "DIVERGENCE: " + res.mismatch);
  fmt::print(
      "simulation speed: {:.0f} cycles/s RTL alone, {:.0f} cycles/s in lockstep with the "
      "model and per-stage checks\n",
      static_cast<double>(cycles) / raw, static_cast<double>(res.cycles) / res.seconds);
  if (!trace_path.empty()) {
    fmt::print("waveform: {}\n  open with: gtkwave {} {}\n", trace_path, trace_path,
               sim::gtkw_path_for(trace_path));
  }
  ok = ok && res.ok;
  fmt::print("{}\n", ok ? "DEMO PASSED" : "DEMO FAILED");
  return ok ? 0 : 1;
}

}  // namespace

Command add_birrd_demo(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  auto* demo_cmd = app.add_subcommand(
      "birrd-demo", "route a reduction+reordering at AW=16 and run it on the RTL");
  demo_cmd->add_option("--trace", a->trace, "FST waveform to write (a .gtkw is written beside it)");
  demo_cmd->add_option("--cycles", a->cycles, "cycles of random traffic for the speed measurement")
      ->check(whole_number(1));
  demo_cmd->add_option("--seed", a->seed, "random seed")->check(whole_number(0));
  return {demo_cmd, [a] { return demo(a->trace, a->cycles, a->seed); }};
}

}  // namespace feather::cli
