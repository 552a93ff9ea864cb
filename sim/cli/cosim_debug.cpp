#include "cosim_debug.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "options.hpp"

namespace feather::cli {

void add_cosim_debug_options(CLI::App* cmd, CosimDebugArgs& a, bool nest) {
  cmd->add_option("--trace-start", a.trace_start,
                  "with --trace: first cycle dumped (earlier cycles are not in the waveform)")
      ->check(whole_number(0));
  default_means(cmd->add_option("--trace-stop", a.trace_stop,
                                "with --trace: last cycle dumped; a run that diverges inside "
                                "the window goes on to this cycle"),
                "the last cycle")
      ->check(whole_number(0));
  // The fault's place and bits without --fault-cycle would be ignored: CLI11 refuses them.
  CLI::Option* fault = cmd->add_option("--fault-cycle", a.fault_cycle,
                                       "test: corrupt the model from this cycle on (the run must "
                                       "fail there)")
                           ->check(whole_number(0));
  if (nest) {
    cmd->add_option("--fault-row", a.fault_row, "test: row of the corrupted PE accumulator")
        ->check(whole_number(0))
        ->needs(fault);
    cmd->add_option("--fault-col", a.fault_col, "test: column of the corrupted PE accumulator")
        ->check(whole_number(0))
        ->needs(fault);
  } else {
    cmd->add_option("--fault-stage", a.fault_stage, "test: stage of the corrupted register")
        ->check(whole_number(0))
        ->needs(fault);
    cmd->add_option("--fault-port", a.fault_port, "test: port (lane) of the corrupted register")
        ->check(whole_number(0))
        ->needs(fault);
  }
  cmd->add_option("--fault-xor", a.fault_xor, "test: bits XORed into the corrupted register")
      ->check(whole_number(0))
      ->needs(fault);
  default_means(cmd->add_option("--hang-after-cycles", a.hang_after,
                                "test: stop making progress at this cycle, forever (runner "
                                "timeouts)"),
                "never")
      ->check(whole_number(0));
  cmd->add_option("--coverage", a.coverage, "write the functional coverage counters (JSON)");
}

namespace {

void check_common(CosimDebugArgs& a, const std::string& trace) {
  if (trace.empty() && (a.trace_start != 0 || a.trace_stop != sim::kNoCycle)) {
    throw CLI::ValidationError("--trace-start/--trace-stop", "they need --trace FILE.fst");
  }
  if (a.trace_stop < a.trace_start) {
    throw CLI::ValidationError(
        "--trace-stop", fmt::format("{} is before --trace-start {}", a.trace_stop, a.trace_start));
  }
  if (a.fault_xor == 0) throw CLI::ValidationError("--fault-xor", "must not be 0");
  if (!trace.empty()) {
    const auto dir = std::filesystem::path(trace).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    sim::install_trace_toggle_signal();
  }
}

}  // namespace

void apply_cosim_debug(CosimDebugArgs& a, const sim::BirrdDut& dut, const std::string& trace,
                       sim::BirrdCosimOptions& o) {
  check_common(a, trace);
  if (a.fault_cycle) {
    if (a.fault_stage < 0 || a.fault_stage >= dut.stages()) {
      throw CLI::ValidationError("--fault-stage", fmt::format("expected 0..{}", dut.stages() - 1));
    }
    if (a.fault_port < 0 || a.fault_port >= dut.lanes()) {
      throw CLI::ValidationError("--fault-port", fmt::format("expected 0..{}", dut.lanes() - 1));
    }
    const int dw = dut.data_width();
    if (dw < 64 && (a.fault_xor >> dw) != 0) {
      throw CLI::ValidationError("--fault-xor", fmt::format("wider than DW={}", dw));
    }
    o.fault = birrd::ModelFault{a.fault_stage, a.fault_port, a.fault_xor, *a.fault_cycle};
  }
  o.trace_start = a.trace_start;
  o.trace_stop = a.trace_stop;
  o.hang_at = a.hang_after;
  if (!a.coverage.empty()) o.coverage = &a.counters;
}

void apply_cosim_debug(CosimDebugArgs& a, const sim::NestDut& dut, const std::string& trace,
                       sim::NestCosimOptions& o) {
  check_common(a, trace);
  const auto& p = dut.params();
  if (a.fault_cycle) {
    if (a.fault_row < 0 || a.fault_row >= p.ah) {
      throw CLI::ValidationError("--fault-row", fmt::format("expected 0..{}", p.ah - 1));
    }
    if (a.fault_col < 0 || a.fault_col >= p.aw) {
      throw CLI::ValidationError("--fault-col", fmt::format("expected 0..{}", p.aw - 1));
    }
    if (p.accw < 64 && (a.fault_xor >> p.accw) != 0) {
      throw CLI::ValidationError("--fault-xor", fmt::format("wider than ACCW={}", p.accw));
    }
    o.fault = nest::NestFault{a.fault_row, a.fault_col, a.fault_xor, *a.fault_cycle};
  }
  o.trace_start = a.trace_start;
  o.trace_stop = a.trace_stop;
  o.hang_at = a.hang_after;
  if (!a.coverage.empty()) o.coverage = &a.counters;
}

void report_cosim_debug(const CosimDebugArgs& a, const std::optional<sim::Divergence>& d,
                        const std::vector<sim::TraceGate::Event>& events) {
  for (const auto& e : events) {
    fmt::print("trace   : {} at cycle {} ({})\n", e.on ? "on" : "off", e.cycle,
               e.signal ? "SIGUSR1" : "window");
  }
  if (d) fmt::print("{}\n", sim::divergence_line(*d));
  if (!a.coverage.empty()) {
    const auto dir = std::filesystem::path(a.coverage).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    a.counters.save(a.coverage);
  }
  std::fflush(stdout);
}

int cosim_verdict(const std::string& trace, const std::string& gtkw_path, bool ok,
                  const std::string& mismatch, const std::string& rerun) {
  if (!trace.empty()) fmt::print("waveform: {} (save file {})\n", trace, gtkw_path);
  if (!ok) {
    fmt::print("FAIL: {}\nrerun: {}\n", mismatch, rerun);
    return 1;
  }
  fmt::print("PASS\n");
  return 0;
}

void add_run_debug_options(CLI::App* run, RunDebugArgs& a) {
  run->add_option("--trace-start", a.trace_start,
                  "with --trace: first cycle dumped (replaces --trace-cycles)")
      ->check(whole_number(0));
  default_means(run->add_option("--trace-stop", a.trace_stop,
                                "with --trace: last cycle dumped (replaces --trace-cycles)"),
                "the last cycle")
      ->check(whole_number(0));
  run->add_option("--fault-cycle", a.fault_cycle,
                  "test: from this cycle on, corrupt the line of every output-buffer and "
                  "requantized streaming-buffer write of the RTL (the run must fail)")
      ->check(whole_number(0));
  run->add_option("--fault-line-xor", a.fault_line_xor, "test: bits XORed into those lines")
      ->check(whole_number(0));
}

void apply_run_debug(const RunDebugArgs& a, const CLI::App* run, sim::RunOptions& o) {
  const bool window = run->count("--trace-start") > 0 || run->count("--trace-stop") > 0;
  if (window && o.trace.empty()) {
    throw CLI::ValidationError("--trace-start/--trace-stop", "they need --trace FILE.fst");
  }
  if (window && run->count("--trace-cycles") > 0) {
    throw CLI::ValidationError("--trace-cycles",
                               "give either --trace-cycles or --trace-start/--trace-stop");
  }
  if (a.trace_stop < a.trace_start) {
    throw CLI::ValidationError(
        "--trace-stop", fmt::format("{} is before --trace-start {}", a.trace_stop, a.trace_start));
  }
  if (a.fault_line_xor == 0) throw CLI::ValidationError("--fault-line-xor", "must not be 0");
  if (run->count("--fault-line-xor") > 0 && !a.fault_cycle) {
    throw CLI::ValidationError("--fault-line-xor", "needs --fault-cycle");
  }
  if (window) {
    o.trace_cycles = 0;
    o.trace_start = a.trace_start;
    o.trace_stop = a.trace_stop;
  }
  if (a.fault_cycle) {
    o.fault_from_cycle = *a.fault_cycle;
    o.fault_line_xor = a.fault_line_xor;
  }
  if (!o.trace.empty()) sim::install_trace_toggle_signal();
}

void report_run_debug(const sim::LayerReport& rep) {
  for (const auto& e : rep.run.trace_events) {
    fmt::print("trace   : {} at cycle {} ({})\n", e.on ? "on" : "off", e.cycle,
               e.signal ? "SIGUSR1" : "window");
  }
  if (!rep.gtkw.empty()) {
    fmt::print("gtkw    : {}\n", std::filesystem::absolute(rep.gtkw).string());
  }
  if (rep.divergence) {
    fmt::print("{}\nFAIL: {}\n", sim::divergence_line(*rep.divergence), rep.divergence_text);
  }
  std::fflush(stdout);
}

}  // namespace feather::cli
