// Running instruction streams on the verilated FEATHER top: the off-chip memory model (latency,
// random back-pressure), the instruction feeder, a watchdog, and the checker that compares the
// RTL's buffers, off-chip memory and error status with the golden model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/sim/coverage.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"

namespace feather::sim {

struct RunOptions {
  int latency = 2;             // cycles from a read request to its response (>= 1)
  double backpressure = 0.0;   // probability that req_ready / a response is held back a cycle
  std::uint64_t seed = 1;      // for the back-pressure pattern
  std::uint64_t watchdog = 0;  // cycle limit; 0 = derived from the program (see run_program)
  bool reset = true;           // reset the DUT first (false: continue from its current state)
  // Assert rst_ni for two cycles at this cycle and end the run there (a reset in the middle of
  // a layer); RunResult::reset_applied tells whether it happened.
  std::optional<std::uint64_t> reset_at_cycle;
  std::string trace;               // FST path ("" = no waveform)
  std::uint64_t trace_cycles = 0;  // stop tracing after this many cycles (0 = the whole run)
  // Fault injection: XOR into the BIRRD command / output line from this cycle on.
  std::optional<std::uint64_t> fault_from_cycle;
  std::vector<std::uint32_t> fault_cmd_xor;
  std::uint64_t fault_line_xor = 0;
  // Functional coverage: when set, the run counts its array configuration and every accepted
  // instruction into it (cover_top_array, cover_top_instr; docs/coverage.md).
  Coverage* coverage = nullptr;
};

struct RunResult {
  top::Err err = top::Err::kNone;               // the RTL's error status at the end
  std::uint64_t cycles = 0;                     // from the first instruction to idle
  std::size_t consumed = 0;                     // instructions accepted
  bool timeout = false;                         // the watchdog fired
  bool reset_applied = false;                   // RunOptions::reset_at_cycle was reached
  bool assertion_failed = false;                // an RTL simulation assertion fired (see stderr)
  std::string timeout_state;                    // the state when it fired
  std::uint64_t mem_reads = 0, mem_writes = 0;  // off-chip words
  std::uint64_t instr_stall_cycles = 0;         // an instruction waited (valid && !ready)
  // Per instruction, the cycle it was handed to the top's instruction buffer. Instruction i
  // (i >= 1) is handed in the cycle instruction i-1 is consumed (top::Timing::consume).
  std::vector<std::uint64_t> accepted;
  double seconds = 0.0;  // wall time of the simulation loop
  // Where the cycles go (each cycle counted once, in this order of precedence):
  std::uint64_t beat_cycles = 0;     // a streamed beat entered NEST (the compute phase)
  std::uint64_t mapping_cycles = 0;  // PE loads (ExecuteMapping) not hidden behind streaming
  std::uint64_t memory_cycles = 0;   // Load/Store between off-chip memory and the buffers
  std::uint64_t other_cycles = 0;    // pipeline fill/drain, dispatch, layout/config
};

// Feeds `prog` (one instruction per cycle when ready) to a freshly reset DUT with `mem` as the
// off-chip memory (updated by stores), until every instruction is consumed and the DUT is idle,
// or the DUT reports an error and is idle, or the watchdog fires. The default watchdog is a
// bound computed from the program (steps, loads, memory latency and back-pressure) times 4.
RunResult run_program(TopDut& dut, const std::vector<top::Instr>& prog, top::Memory& mem,
                      const RunOptions& opt = {});

// Upper bound of the cycles a correct design needs for `prog` (used by the watchdog).
std::uint64_t cycle_bound(const top::TopParams& p, const std::vector<top::Instr>& prog,
                          const RunOptions& opt);

// Compares the DUT's buffers (both streaming halves, stationary, output; every line), active
// half and error code with the golden model's. Returns "" when equal, else a report of the first
// mismatches naming buffer, half, bank, line, expected and actual (at most `max_reports`).
std::string compare_state(const TopDut& dut, const top::Golden& g, int max_reports = 8);

}  // namespace feather::sim
