// The debugging options shared by `feather birrd-cosim` and `feather nest-cosim`: trace window,
// SIGUSR1 tracing toggle, fault injection, a debug hang and coverage output; and their
// counterparts of `feather run` (the FEATHER top) (docs/user-guide.md, docs/debugging.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/sim/birrd_cosim.hpp"
#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"
#include "feather/sim/layer_run.hpp"
#include "feather/sim/nest_cosim.hpp"

namespace feather::cli {

struct CosimDebugArgs {
  std::uint64_t trace_start = 0;
  std::uint64_t trace_stop = sim::kNoCycle;
  std::optional<std::uint64_t> fault_cycle;  // corrupt the model from this loop cycle on
  int fault_stage = 0, fault_port = 0;       // birrd-cosim: the stage register
  int fault_row = 0, fault_col = 0;          // nest-cosim: the PE accumulator
  std::uint64_t fault_xor = 1;
  std::uint64_t hang_after = sim::kNoCycle;
  std::string coverage;  // JSON file to write
  sim::Coverage counters;
};

// Adds --trace-start, --trace-stop, --fault-*, --hang-after-cycles and --coverage to `cmd`.
void add_cosim_debug_options(CLI::App* cmd, CosimDebugArgs& a, bool nest);

// Checks the options against the configuration and the trace path (CLI::ValidationError), fills
// the harness options and installs the SIGUSR1 handler when tracing.
void apply_cosim_debug(CosimDebugArgs& a, const sim::BirrdDut& dut, const std::string& trace,
                       sim::BirrdCosimOptions& o);
void apply_cosim_debug(CosimDebugArgs& a, const sim::NestDut& dut, const std::string& trace,
                       sim::NestCosimOptions& o);

// Prints where tracing switched, the FEATHER-DIVERGENCE line of a failed run, and writes the
// coverage file.
void report_cosim_debug(const CosimDebugArgs& a, const std::optional<sim::Divergence>& d,
                        const std::vector<sim::TraceGate::Event>& events);

// The end of a cosim command's output: the waveform and its save file (with a trace), then
// "FAIL: <mismatch>" and the command line that reruns the run, or "PASS". Returns the exit code.
int cosim_verdict(const std::string& trace, const std::string& gtkw_path, bool ok,
                  const std::string& mismatch, const std::string& rerun);

// `feather run`: --trace-start, --trace-stop (instead of --trace-cycles) and fault injection
// into the RTL (the fault-injection input of the verilated tops, FAULT = 1).
struct RunDebugArgs {
  std::uint64_t trace_start = 0;
  std::uint64_t trace_stop = sim::kNoCycle;
  std::optional<std::uint64_t> fault_cycle;
  std::uint64_t fault_line_xor = 1;
};
void add_run_debug_options(CLI::App* run, RunDebugArgs& a);
// Checks the options (CLI::ValidationError), fills the run options (a window replaces the
// default --trace-cycles), installs the SIGUSR1 handler when tracing.
void apply_run_debug(const RunDebugArgs& a, const CLI::App* run, sim::RunOptions& o);
// Prints where tracing switched, and for a run that diverged from the golden model its
// FEATHER-DIVERGENCE line and a "FAIL: cycle N: ..." line; the save file of a trace.
void report_run_debug(const sim::LayerReport& rep);

}  // namespace feather::cli
