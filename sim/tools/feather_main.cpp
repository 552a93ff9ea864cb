// feather: the project's command line.
//   feather birrd-demo      route a reduction + reordering at AW=16 and run it on the RTL
//   feather route           route a target on a BIRRD topology and print the switch settings
//   feather birrd-cosim     lockstep RTL-vs-model run with random traffic
//   feather nest-cosim      lockstep NEST RTL-vs-model run with random traffic
//   feather run             run a layer (preset or shape) on the FEATHER top, checked bit-exact
//   feather regress         run a regression suite of jobs in parallel, with reports
//   feather list-models     the verilated configurations in this build
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "compare_cmd.hpp"
#include "feather/birrd/model.hpp"
#include "feather/birrd/router.hpp"
#include "feather/map/workload.hpp"
#include "feather/sim/birrd_cosim.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/coverage.hpp"
#include "feather/sim/gtkw.hpp"
#include "feather/sim/layer_run.hpp"
#include "feather/sim/nest_cosim.hpp"
#include "feather/sim/nest_dut.hpp"
#include "feather/sim/top_dut.hpp"
#include "map_cmd.hpp"

#include "cosim_debug.hpp"
#include "regress_cmd.hpp"

namespace {

using namespace feather;

birrd::Wiring wiring_or_throw(const std::string& s) {
  auto w = birrd::parse_wiring(s);
  if (!w) throw CLI::ValidationError("--wiring", "expected 'benes' or 'feather', got '" + s + "'");
  return *w;
}

int cmd_route(int aw, const std::string& wiring, const std::string& target_text,
              double sat_seconds) {
  birrd::Topology t(aw, wiring_or_throw(wiring));
  auto target = birrd::parse_target(aw, target_text);
  birrd::RouterOptions ro;
  ro.sat_seconds = sat_seconds;
  auto r = birrd::route(t, target, ro);
  fmt::print("network : {}\ntarget  : {}\nstatus  : {} ({}, {:.3f} ms)\n", t.name(),
             target.to_string(), birrd::to_string(r.status), r.method, r.seconds * 1e3);
  if (!r.ok()) {
    fmt::print("reason  : {}\n", r.reason);
    return 2;
  }
  fmt::print("legend  : = pass, < add onto low port, > add onto high port, x swap\n{}",
             r.config.to_string());
  return 0;
}

int cmd_demo(const std::string& trace, std::uint64_t cycles, std::uint64_t seed) {
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

int cmd_cosim(int aw, int dw, const std::string& wiring, std::uint64_t seed, std::uint64_t cycles,
              const std::string& trace, cli::CosimDebugArgs& dbg) {
  auto dut = sim::make_birrd_dut(aw, dw, wiring_or_throw(wiring));
  sim::BirrdCosimOptions co;
  co.seed = seed;
  co.cycles = cycles;
  co.trace_path = trace;
  cli::apply_cosim_debug(dbg, *dut, trace, co);
  auto res = sim::run_birrd_cosim(*dut, co);
  cli::report_cosim_debug(dbg, res.divergence, res.trace_events);
  fmt::print(
      "birrd AW={} DW={} wiring={} seed={}: {} cycles, {} results checked, {:.0f} cycles/s\n", aw,
      dw, wiring, seed, res.cycles, res.results_checked,
      static_cast<double>(res.cycles) / res.seconds);
  if (!trace.empty()) fmt::print("waveform: {} (save file {})\n", trace, res.gtkw_path);
  if (!res.ok) {
    fmt::print(
        "FAIL: {}\nrerun: feather birrd-cosim --aw {} --dw {} --wiring {} --seed {} "
        "--cycles {}\n",
        res.mismatch, aw, dw, wiring, seed, cycles);
    return 1;
  }
  fmt::print("PASS\n");
  return 0;
}

int cmd_nest_cosim(int ah, int aw, std::uint64_t seed, std::uint64_t cycles,
                   const std::string& trace, cli::CosimDebugArgs& dbg) {
  auto dut = sim::make_nest_dut(ah, aw);
  sim::NestCosimOptions co;
  co.seed = seed;
  co.cycles = cycles;
  co.trace_path = trace;
  cli::apply_cosim_debug(dbg, *dut, trace, co);
  auto res = sim::run_nest_cosim(*dut, co);
  cli::report_cosim_debug(dbg, res.divergence, res.trace_events);
  fmt::print("nest {}x{} seed={}: {} cycles, {} column sums compared, {:.0f} cycles/s\n", ah, aw,
             seed, res.cycles, res.sums, static_cast<double>(res.cycles) / res.seconds);
  if (!trace.empty()) fmt::print("waveform: {} (save file {})\n", trace, res.gtkw_path);
  if (!res.ok) {
    fmt::print("FAIL: {}\nrerun: feather nest-cosim --ah {} --aw {} --seed {} --cycles {}\n",
               res.mismatch, ah, aw, seed, cycles);
    return 1;
  }
  fmt::print("PASS\n");
  return 0;
}

int cmd_run(const sim::LayerSpec& spec, const std::string& array, std::uint64_t seed,
            const sim::RunOptions& opt, const std::string& mapping, const std::string& dataflow,
            bool listing) {
  const auto [ah, aw] = cli::parse_array(array);
  map::MapOptions mopt;
  if (!mapping.empty()) {
    unsigned gr = 0, gc = 0, vn = 0;
    if (std::sscanf(mapping.c_str(), "%u,%u,%u", &gr, &gc, &vn) != 3) {
      throw CLI::ValidationError("--mapping",
                                 "expected GRLOG,GCLOG,VNM1 such as 2,2,15, got '" + mapping + "'");
    }
    mopt.mapping = top::MappingChoice{gr, gc, vn};
  }
  if (!opt.trace.empty()) {
    const auto dir = std::filesystem::path(opt.trace).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
  }
  fmt::print("layer   : {}\narray   : {}x{} FEATHER (seed {})\n",
             spec.name.empty() ? spec.kind : spec.name, ah, aw, seed);
  std::fflush(stdout);
  if (!dataflow.empty()) mopt.dataflow = cli::parse_dataflow(dataflow);
  const auto rep = sim::run_layer(spec, ah, aw, seed, opt, mopt);
  const double mcps =
      rep.run.seconds > 0 ? static_cast<double>(rep.run.cycles) / rep.run.seconds / 1e3 : 0.0;
  fmt::print("shape   : {}\nmapping : {}\n", rep.layer, rep.mapping);
  if (listing) {
    fmt::print("program : {} instructions\n", rep.program.size());
    for (std::size_t i = 0; i < rep.program.size(); ++i) {
      fmt::print("  {:5}  {}\n", i, top::disassemble(rep.program[i]));
    }
  }
  fmt::print("MACs    : {}\ncycles  : {} (RTL, first instruction to idle)\n", rep.macs,
             rep.run.cycles);
  if (spec.kind != "random-stream") {
    fmt::print("model   : {} cycles predicted ({:+.2f}% vs RTL{})\n", rep.predicted.cycles,
               rep.run.cycles ? 100.0 *
                                    (static_cast<double>(rep.predicted.cycles) -
                                     static_cast<double>(rep.run.cycles)) /
                                    static_cast<double>(rep.run.cycles)
                              : 0.0,
               opt.backpressure > 0 ? "; back-pressure is not modelled exactly" : "");
  }
  fmt::print("PE util : {:.1f}% (MACs / ({}*{}*cycles))\n", 100.0 * rep.utilization, ah, aw);
  const auto pct = [&](std::uint64_t c) {
    return rep.run.cycles ? 100.0 * static_cast<double>(c) / static_cast<double>(rep.run.cycles)
                          : 0.0;
  };
  const double compute_util =
      rep.run.beat_cycles
          ? static_cast<double>(rep.macs) /
                (static_cast<double>(ah) * aw * static_cast<double>(rep.run.beat_cycles))
          : 0.0;
  fmt::print("compute : {} cycles streaming ({:.1f}%), PE utilization in them {:.1f}%\n",
             rep.run.beat_cycles, pct(rep.run.beat_cycles), 100.0 * compute_util);
  fmt::print(
      "the rest: memory load/store {} ({:.1f}%), exposed weight loads {} ({:.1f}%), "
      "fill/drain/dispatch {} ({:.1f}%), bank conflicts 0 (a conflict is an error)\n",
      rep.run.memory_cycles, pct(rep.run.memory_cycles), rep.run.mapping_cycles,
      pct(rep.run.mapping_cycles), rep.run.other_cycles, pct(rep.run.other_cycles));
  fmt::print("memory  : {} words read, {} written (latency {}, back-pressure {:.2f})\n",
             rep.run.mem_reads, rep.run.mem_writes, opt.latency, opt.backpressure);
  fmt::print(
      "speed   : {:.1f} kcycles/s RTL simulation ({:.2f} s), compile {:.2f} s, golden "
      "model {:.2f} s\n",
      mcps, rep.run.seconds, rep.compile_seconds, rep.golden_seconds);
  cli::report_run_debug(rep);
  fmt::print("golden  : {}\noutput  : {}\n",
             rep.golden_ok ? "RTL buffers, status and memory equal the golden model's" : "MISMATCH",
             rep.output_ok ? "bit-exact against the reference" : "MISMATCH");
  if (!opt.trace.empty()) {
    fmt::print("waves   : {}{}\n", std::filesystem::absolute(opt.trace).string(),
               opt.trace_cycles ? fmt::format(" (first {} cycles)", opt.trace_cycles) : "");
  }
  if (!rep.golden_ok || !rep.output_ok) {
    fmt::print("{}", rep.mismatch);
    fmt::print("RUN FAILED\n");
    return 1;
  }
  fmt::print("RUN PASSED\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"feather: FEATHER accelerator RTL, models and tools"};
  app.require_subcommand(1);

  std::string trace;
  std::uint64_t cycles = 100000;
  std::uint64_t seed = 1;
  auto* demo = app.add_subcommand("birrd-demo",
                                  "route a reduction+reordering at AW=16 and run it on the RTL");
  demo->add_option("--trace", trace, "FST waveform to write (a .gtkw is written beside it)");
  demo->add_option("--cycles", cycles, "cycles of random traffic for the speed measurement");
  demo->add_option("--seed", seed, "random seed");

  int aw = 16;
  int dw = 32;
  std::string wiring = "benes";
  std::string target;
  double sat_seconds = 60;
  auto* rt = app.add_subcommand("route", "route a target, print the switch settings");
  rt->add_option("--aw", aw, "lanes (power of two, >= 4)");
  rt->add_option("--wiring", wiring, "benes (default) or feather (published)");
  rt->add_option("--target", target, "e.g. '5<-0+1+2+3 2<-4' (port<-lanes summed)")->required();
  rt->add_option("--sat-seconds", sat_seconds, "time limit of the exact search");

  std::string ctrace;
  std::uint64_t ccycles = 5000;
  auto* co = app.add_subcommand("birrd-cosim", "lockstep RTL vs model with random traffic");
  co->add_option("--aw", aw, "lanes");
  co->add_option("--dw", dw, "data width");
  co->add_option("--wiring", wiring, "benes or feather");
  co->add_option("--seed", seed, "random seed (printed; rerun with it to reproduce)");
  co->add_option("--cycles", ccycles, "cycles");
  co->add_option("--trace", ctrace, "FST waveform to write");
  cli::CosimDebugArgs cdbg;
  cli::add_cosim_debug_options(co, cdbg, false);

  int ah = 4;
  auto* nc = app.add_subcommand("nest-cosim", "lockstep NEST RTL vs model with random traffic");
  nc->add_option("--ah", ah, "rows");
  nc->add_option("--aw", aw, "columns");
  nc->add_option("--seed", seed, "random seed (printed; rerun with it to reproduce)");
  nc->add_option("--cycles", ccycles, "cycles");
  nc->add_option("--trace", ctrace, "FST waveform to write");
  cli::CosimDebugArgs ndbg;
  cli::add_cosim_debug_options(nc, ndbg, true);

  cli::RegressArgs rargs;
  auto* rg = app.add_subcommand("regress", "run a regression suite (parallel jobs, reports)");
  cli::add_regress_options(rg, rargs);

  sim::LayerSpec spec;
  std::string preset;
  std::string array = "16x16";
  std::string mapping;
  sim::RunOptions ropt;
  ropt.trace_cycles = 5000;
  bool listing = false;
  auto* run = app.add_subcommand("run", "run a layer on the FEATHER top, checked bit-exact");
  run->add_option("--preset", preset, "a named layer (see --list-presets)");
  run->add_flag_callback(
      "--list-presets",
      [] {
        for (const auto& n : sim::layer_presets())
          fmt::print("{}: {}\n", n, sim::layer_preset(n).name);
        std::exit(0);
      },
      "list the named layers and exit");
  run->add_option("--layer", spec.kind,
                  "conv or gemm (when no --preset), layouts (a directed coverage program) or "
                  "random-stream (directed error programs and random instruction streams)");
  run->add_option(
      "--streams", spec.streams,
      "random-stream: random instruction streams after the directed ones (default 100)");
  run->add_option("--h", spec.h, "conv: input height");
  run->add_option("--w", spec.w, "conv: input width");
  run->add_option("--c", spec.c, "conv: input channels");
  run->add_option("--co", spec.co, "conv: output channels");
  run->add_option("--kernel", spec.r, "conv: kernel size (square)");
  run->add_option("--stride", spec.stride, "conv: stride");
  run->add_option("--pad", spec.pad, "conv: padding");
  run->add_option("--dilation", spec.dilation, "conv: dilation");
  run->add_option("--groups", spec.groups, "conv: groups (= c for depthwise)");
  run->add_option("--m", spec.m, "gemm: M");
  run->add_option("--k", spec.k, "gemm: K");
  run->add_option("--n", spec.n, "gemm: N");
  run->add_option("--array", array, "AHxAW of a verilated top (see list-models)");
  run->add_option("--mapping", mapping, "force the mapping GRLOG,GCLOG,VNM1 (layouts follow)");
  run->add_option("--seed", seed, "random operands seed");
  run->add_option("--latency", ropt.latency, "off-chip read latency in cycles");
  run->add_option("--backpressure", ropt.backpressure, "probability of a held request/response");
  run->add_option("--trace", ropt.trace, "FST waveform to write");
  run->add_option("--trace-cycles", ropt.trace_cycles, "cycles to trace (0 = all)");
  cli::RunDebugArgs rdbg;
  cli::add_run_debug_options(run, rdbg);
  run->add_flag("--listing", listing, "print the compiled instruction stream");
  std::string run_network, run_layer_name, run_dataflow;
  run->add_option("--network", run_network,
                  "run one layer (--layer-name) of a built-in network or network file");
  run->add_option("--layer-name", run_layer_name, "the layer of --network to run");
  run->add_option("--dataflow", run_dataflow, "force wos or ios");
  run->add_flag("--per-tensor", spec.per_tensor,
                "one requantization scale for the layer (lets the mapper use IO-S)");
  std::string run_coverage;
  sim::Coverage run_counters;
  run->add_option("--coverage", run_coverage,
                  "write the functional coverage counters of the top (JSON)");

  cli::MapArgs margs;
  sim::LayerSpec mspec;
  std::string mpreset;
  auto* mp = app.add_subcommand(
      "map", "map a layer or a whole network, print the per-layer plan and predicted cost");
  cli::add_map_options(mp, margs);
  mp->add_option("--preset", mpreset, "a named layer (see run --list-presets)");
  mp->add_option("--layer", mspec.kind, "conv or gemm");
  mp->add_option("--h", mspec.h, "conv: input height");
  mp->add_option("--w", mspec.w, "conv: input width");
  mp->add_option("--c", mspec.c, "conv: input channels");
  mp->add_option("--co", mspec.co, "conv: output channels");
  mp->add_option("--kernel", mspec.r, "conv: kernel size (square)");
  mp->add_option("--stride", mspec.stride, "conv: stride");
  mp->add_option("--pad", mspec.pad, "conv: padding");
  mp->add_option("--dilation", mspec.dilation, "conv: dilation");
  mp->add_option("--groups", mspec.groups, "conv: groups");
  mp->add_option("--m", mspec.m, "gemm: M");
  mp->add_option("--k", mspec.k, "gemm: K");
  mp->add_option("--n", mspec.n, "gemm: N");

  cli::CompareArgs cargs;
  auto* cmp = app.add_subcommand("compare",
                                 "compare FEATHER with NVDLA-, Eyeriss- and SIGMA-like designs on "
                                 "a network (docs/compare.md)");
  cli::add_compare_options(cmp, cargs);

  auto* ls = app.add_subcommand("list-models", "verilated configurations in this build");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*demo) return cmd_demo(trace, cycles, seed);
    if (*rt) return cmd_route(aw, wiring, target, sat_seconds);
    if (*co) return cmd_cosim(aw, dw, wiring, seed, ccycles, ctrace, cdbg);
    if (*nc) return cmd_nest_cosim(ah, aw, seed, ccycles, ctrace, ndbg);
    if (*rg) return cli::cmd_regress(rargs, rg);
    if (*run) {
      if (!preset.empty()) spec = sim::layer_preset(preset);
      if (!run_network.empty()) {
        if (run_layer_name.empty()) {
          throw CLI::ValidationError("--layer-name", "--network needs --layer-name");
        }
        const auto net = map::find_network(run_network);
        const map::Layer* l = net.find(run_layer_name);
        if (!l) {
          throw std::invalid_argument(
              fmt::format("network '{}' has no layer named '{}'", net.name, run_layer_name));
        }
        const bool pt = spec.per_tensor;
        spec = cli::spec_of(*l);
        spec.per_tensor = spec.per_tensor || pt;
      }
      ropt.seed = seed;
      cli::apply_run_debug(rdbg, run, ropt);
      if (!run_coverage.empty()) ropt.coverage = &run_counters;
      const int rc = cmd_run(spec, array, seed, ropt, mapping, run_dataflow, listing);
      if (!run_coverage.empty()) {
        const auto dir = std::filesystem::path(run_coverage).parent_path();
        if (!dir.empty()) std::filesystem::create_directories(dir);
        run_counters.save(run_coverage);
      }
      return rc;
    }
    if (*mp) {
      if (!mpreset.empty()) mspec = sim::layer_preset(mpreset);
      const bool layer_given = !mpreset.empty() || mp->count("--layer") > 0;
      return cli::cmd_map(margs, layer_given ? &mspec : nullptr);
    }
    if (*cmp) return cli::cmd_compare(cargs);
    if (*ls) {
      for (const auto& d : sim::birrd_duts()) {
        fmt::print("birrd AW={:<4} DW={:<3} wiring={:<8} stages={:<3} ({})\n", d.lanes,
                   d.data_width, birrd::to_string(d.wiring), d.stages, d.prefix);
      }
      for (const auto& d : sim::nest_duts()) {
        fmt::print("nest  {}x{} OW={} ACCW={} DEPTH={} ({})\n", d.params.ah, d.params.aw,
                   d.params.ow, d.params.accw, d.params.depth, d.prefix);
      }
      for (const auto& d : sim::nest_birrd_duts()) {
        fmt::print("nest_birrd {}x{} wiring={} ({})\n", d.params.ah, d.params.aw,
                   birrd::to_string(d.wiring), d.prefix);
      }
      for (const auto& d : sim::top_duts()) {
        fmt::print("feather_top {} ({})\n", d.params.to_string(), d.prefix);
      }
      return 0;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "feather: error: {}\n", e.what());
    return 2;
  }
  return 0;
}
