// `feather run`: one layer (preset, shape or network layer) or a stimulus program on the verilated
// FEATHER top, checked bit-exact against the golden model and the reference (docs/user-guide.md).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "cosim_debug.hpp"
#include "feather/map/workload.hpp"
#include "feather/sim/layer_run.hpp"
#include "layer_options.hpp"
#include "network_run_cmd.hpp"
#include "onnx_run_cmd.hpp"
#include "options.hpp"

namespace feather::cli {

namespace {

struct RunArgs {
  LayerArgs layer;
  std::string array = "16x16";
  std::string mapping;
  std::uint64_t seed = 1;
  sim::RunOptions opt;
  RunDebugArgs debug;
  bool listing = false;
  std::string network, layer_name, dataflow, conv;
  std::string onnx_unsupported = "error";
  std::vector<std::string> onnx_tests;  // --onnx-test DIR...
  std::string until, shrink;
  std::string hand_off;
  std::string fault_layer;
  std::optional<std::uint64_t> fault_layout_xor;
  std::string coverage;
  sim::Coverage counters;
};

int run_stimulus(const sim::Stimulus& stim, const std::string& array, std::uint64_t seed,
                 const sim::RunOptions& opt, const std::string& mapping,
                 const std::string& dataflow, const std::string& conv, bool listing) {
  const auto [ah, aw] = parse_array(array);
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
  fmt::print("layer   : {}\narray   : {}x{} FEATHER (seed {})\n", sim::describe(stim), ah, aw,
             seed);
  std::fflush(stdout);
  if (!dataflow.empty()) mopt.dataflow = parse_dataflow(dataflow);
  mopt.direct = parse_conv(conv);
  const auto rep = sim::run_stimulus(stim, ah, aw, seed, opt, mopt);
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
  if (!std::holds_alternative<sim::RandomStreams>(stim)) {
    fmt::print("model   : {} cycles {} ({:+.2f}% vs RTL{})\n", rep.predicted.cycles,
               rep.predicted.exact ? "predicted" : "estimated",
               rep.run.cycles ? 100.0 *
                                    (static_cast<double>(rep.predicted.cycles) -
                                     static_cast<double>(rep.run.cycles)) /
                                    static_cast<double>(rep.run.cycles)
                              : 0.0,
               rep.predicted.exact
                   ? ""
                   : fmt::format("; back-pressure {} modelled as a memory of {:.2f} words per "
                                 "cycle on average, not cycle by cycle",
                                 opt.backpressure, 1.0 - opt.backpressure));
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
  report_run_debug(rep);
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

// Writes the functional coverage counters when --coverage was given.
void save_coverage(const RunArgs& a) {
  if (a.coverage.empty()) return;
  const auto dir = std::filesystem::path(a.coverage).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  a.counters.save(a.coverage);
}

int run(RunArgs& a, const CLI::App* cmd) {
  a.opt.seed = a.seed;
  apply_run_debug(a.debug, cmd, a.opt);
  if (!a.coverage.empty()) a.opt.coverage = &a.counters;
  if (!a.onnx_tests.empty()) {
    if (!a.network.empty()) {
      throw CLI::ValidationError("--onnx-test", "runs ONNX node tests, not a --network");
    }
    return run_onnx_node_tests(a.onnx_tests, a.array, a.opt);
  }
  sim::Stimulus stim;
  const bool whole = !a.network.empty() && a.layer_name.empty();
  if (!whole &&
      (!a.until.empty() || !a.shrink.empty() || !a.hand_off.empty() || !a.fault_layer.empty())) {
    throw CLI::ValidationError("--until",
                               "--until, --shrink, --hand-off and --fault-layer apply to a whole "
                               "network (--network without --layer-name)");
  }
  a.layer.check_applicable(cmd, !a.network.empty());
  if (a.fault_layout_xor && a.fault_layer.empty()) {
    throw CLI::ValidationError("--fault-layout-xor", "needs --fault-layer");
  }
  if (a.fault_layout_xor == std::uint64_t{0}) {
    throw CLI::ValidationError("--fault-layout-xor", "must not be 0");
  }
  if (!a.fault_layer.empty() && !a.fault_layout_xor && !a.opt.fault_from_cycle) {
    throw CLI::ValidationError("--fault-layer", "needs --fault-cycle or --fault-layout-xor");
  }
  if (!a.network.empty()) {
    if (a.layer_name.empty()) {
      if (!a.mapping.empty()) {
        throw CLI::ValidationError("--mapping", "applies to one layer, not to a whole network");
      }
      if (a.layer.per_tensor) {
        throw CLI::ValidationError("--per-tensor",
                                   "a whole network's quantization is per layer (the network "
                                   "file's per_tensor_quant)");
      }
      if (!a.opt.trace.empty()) {
        throw CLI::ValidationError("--trace",
                                   "a whole network is not traced: run one layer "
                                   "(--layer-name) with --trace");
      }
      NetworkRunArgs n;
      n.network = a.network;
      n.onnx_unsupported = a.onnx_unsupported;
      n.array = a.array;
      n.seed = a.seed;
      n.shrink = a.shrink;
      n.opt.until = a.until;
      if (!a.hand_off.empty()) {
        try {
          n.opt.hand_off = sim::parse_hand_off(a.hand_off);
        } catch (const std::invalid_argument& e) {
          throw CLI::ValidationError("--hand-off", e.what());
        }
      }
      n.opt.run = a.opt;             // latency, back-pressure, faults, coverage
      if (!a.fault_layer.empty()) {  // the fault goes into one chained layer's run only
        sim::NetworkFault f;
        f.layer = a.fault_layer;
        if (a.fault_layout_xor) {
          f.kind = sim::NetworkFault::Kind::kLayout;
          f.bits = *a.fault_layout_xor;
        } else {
          f.kind = sim::NetworkFault::Kind::kWrite;
          f.bits = a.opt.fault_line_xor;
          f.cycle = *a.opt.fault_from_cycle;
        }
        n.opt.fault = f;
        n.opt.run.fault_from_cycle.reset();
        n.opt.run.fault_line_xor = 0;
      }
      if (!a.dataflow.empty()) n.opt.map.dataflow = parse_dataflow(a.dataflow);
      n.opt.map.direct = parse_conv(a.conv);
      const int rc = run_whole_network(n);
      save_coverage(a);
      return rc;
    }
    const auto net = resolve_network(a.network, a.onnx_unsupported);
    const map::Layer* l = net.find(a.layer_name);
    if (!l) {
      throw std::invalid_argument(
          fmt::format("network '{}' has no layer named '{}'", net.name, a.layer_name));
    }
    map::Layer layer = *l;
    layer.per_tensor_quant = layer.per_tensor_quant || a.layer.per_tensor;
    stim = layer;
  } else {
    stim = a.layer.resolved();
  }
  const int rc =
      run_stimulus(stim, a.array, a.seed, a.opt, a.mapping, a.dataflow, a.conv, a.listing);
  save_coverage(a);
  return rc;
}

}  // namespace

Command add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  a->opt.trace_cycles = 5000;
  auto* run_cmd = app.add_subcommand("run", "run a layer on the FEATHER top, checked bit-exact");
  add_layer_options(run_cmd, a->layer, true);
  run_cmd->add_option("--array", a->array, "AHxAW of a verilated top (see list-models)");
  run_cmd->add_option("--mapping", a->mapping,
                      "force the mapping GRLOG,GCLOG,VNM1 (layouts follow)");
  run_cmd->add_option("--seed", a->seed, "random operands seed")->check(whole_number(0));
  run_cmd->add_option("--latency", a->opt.latency, "off-chip read latency in cycles")
      ->check(whole_number(1));
  run_cmd
      ->add_option("--backpressure", a->opt.backpressure,
                   "probability of a held request/response (at most 0.95: at 1 nothing moves)")
      ->check(probability(sim::kMaxBackpressure));
  run_cmd->add_option("--trace", a->opt.trace, "FST waveform to write");
  run_cmd->add_option("--trace-cycles", a->opt.trace_cycles, "cycles to trace (0 = all)")
      ->check(whole_number(0));
  add_run_debug_options(run_cmd, a->debug);
  run_cmd->add_flag("--listing", a->listing, "print the compiled instruction stream");
  run_cmd->add_option(
      "--network", a->network,
      "a built-in network, a network file or random:SEED (a seeded random network): the whole "
      "network, or one layer (--layer-name)");
  add_onnx_options(*run_cmd, a->network, a->onnx_unsupported);
  run_cmd->add_option("--onnx-test", a->onnx_tests,
                      "run ONNX node tests (directories with model.onnx and test_data_set_0) of "
                      "ConvInteger, MatMulInteger, QLinearConv or QLinearMatMul on the RTL, "
                      "checked bit for bit against their expected outputs");
  run_cmd->add_option("--layer-name", a->layer_name,
                      "the layer of --network to run (without it: the whole network)");
  run_cmd->add_option("--until", a->until,
                      "whole network: stop after this layer (a prefix of the network)");
  run_cmd->add_option("--hand-off", a->hand_off,
                      "whole network: keep a layer's output on chip for the next layer: auto "
                      "(when the cycle model says it is no slower; the default), always, off");
  run_cmd->add_option("--fault-layer", a->fault_layer,
                      "test, whole network: put the fault (--fault-cycle, counted from the "
                      "layer's program, or --fault-layout-xor) into this layer's run only; it "
                      "must run in an on-chip chain (--hand-off)");
  run_cmd
      ->add_option("--fault-layout-xor", a->fault_layout_xor,
                   "test, with --fault-layer: bits XORed into the base of the layer's output "
                   "layout descriptors (the RTL writes the output elsewhere)")
      ->check(whole_number(0));
  run_cmd->add_option("--shrink", a->shrink,
                      "whole network: SPATIAL,CHANNELS divisors of the input size and the "
                      "channels (a scaled-down network)");
  run_cmd->add_option("--dataflow", a->dataflow, "force wos or ios");
  run_cmd->add_option("--conv", a->conv,
                      "convolution algorithm: auto (the faster), direct (the streaming window) "
                      "or im2col");
  run_cmd->add_option("--coverage", a->coverage,
                      "write the functional coverage counters of the top (JSON)");
  return {run_cmd, [a, run_cmd] { return run(*a, run_cmd); }};
}

}  // namespace feather::cli
