// Running instruction streams on the verilated FEATHER top: the off-chip memory model (latency,
// random back-pressure), the instruction feeder, a watchdog, and the checker that compares the
// RTL's buffers, off-chip memory and error status with the golden model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"

namespace feather::sim {

// One off-chip word a Store of the golden model writes, in program order (run_golden): the
// harness checks the RTL's memory writes against these as they happen.
struct StoreWord {
  std::size_t instr = 0;     // index of the Store in the program
  std::uint32_t target = 0;  // 0 stationary buffer, 1 / 2 streaming buffer active / inactive
  int half = 0;              // the streaming half read (target 1 or 2)
  std::uint64_t line = 0;    // the buffer line read (bank i gives byte i)
  std::uint64_t addr = 0;    // the off-chip word address
  std::vector<std::uint8_t> word;
};

struct GoldenRun {
  top::ErrorInfo info;            // as top::Golden::run
  std::vector<StoreWord> stores;  // every word written to off-chip memory, in order
};
// Golden::run, recording the words the Stores write.
GoldenRun run_golden(top::Golden& g, const std::vector<top::Instr>& prog, top::Memory& mem);

struct RunOptions {
  int latency = 2;             // cycles from a read request to its response (>= 1)
  double backpressure = 0.0;   // probability that req_ready / a response is held back a cycle
                               // (0 <= p <= kMaxBackpressure)
  std::uint64_t seed = 1;      // for the back-pressure pattern
  std::uint64_t watchdog = 0;  // cycle limit; 0 = derived from the program (see run_program)
  bool reset = true;           // reset the DUT first (false: continue from its current state)
  // Assert rst_ni for two cycles at this cycle and end the run there (a reset in the middle of
  // a layer); RunResult::reset_applied tells whether it happened.
  std::optional<std::uint64_t> reset_at_cycle;
  std::string trace;               // FST path ("" = no waveform)
  std::uint64_t trace_cycles = 0;  // stop tracing after this many cycles (0 = the whole run)
  // Trace window in loop cycles (inclusive; docs/debugging.md): cycles before trace_start are
  // not dumped (the reset cycles only when it is 0), the waveform is closed after trace_stop.
  // SIGUSR1 flips tracing in between (install_trace_toggle_signal). trace_cycles = N > 0 is
  // trace_stop = N - 1.
  std::uint64_t trace_start = 0;
  std::uint64_t trace_stop = kNoCycle;
  // When set, every off-chip write of the RTL is compared, as it happens, with the next word
  // of this list (run_golden); the first difference is RunResult::divergence.
  const std::vector<StoreWord>* expect_stores = nullptr;
  // The run records every change of these buffer lines (RunResult::watch_changes): buffer 0
  // streaming (half), 1 stationary, 2 output. run_layer uses it in a second run to find the
  // cycle of the write that put a wrong value into a line.
  struct Watch {
    int buffer = 0, half = 0, bank = 0;
    std::uint64_t line = 0;
  };
  std::vector<Watch> watch;
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
  // The first divergence seen during the run (an off-chip write that differs from
  // RunOptions::expect_stores, or the watchdog), with its description; the run goes on to the
  // end regardless.
  std::optional<Divergence> divergence;
  std::string divergence_text;
  // When the divergence is an off-chip write that differs: its index in expect_stores.
  std::optional<std::size_t> divergent_store;
  std::vector<TraceGate::Event> trace_events;  // where tracing switched on/off
  // RunOptions::watch: the changes, in order.
  struct Change {
    std::size_t watch;    // index into RunOptions::watch
    std::uint64_t cycle;  // the cycle whose rising edge wrote the value
    std::uint32_t value;  // the new value
  };
  std::vector<Change> watch_changes;
};

// Feeds `prog` (one instruction per cycle when ready) to a freshly reset DUT with `mem` as the
// off-chip memory (updated by stores), until every instruction is consumed and the DUT is idle,
// or the DUT reports an error and is idle, or the watchdog fires. The default watchdog is a
// bound computed from the program (steps, loads, memory latency and back-pressure) times 4.
// Throws std::invalid_argument naming the option for a latency below 1 or a back-pressure
// probability outside [0, kMaxBackpressure] (NaN included): never clamped.
RunResult run_program(TopDut& dut, const std::vector<top::Instr>& prog, top::Memory& mem,
                      const RunOptions& opt = {});

// The largest back-pressure probability a run takes: at 1, nothing would ever move.
inline constexpr double kMaxBackpressure = 0.95;

// The checks run_program makes on its options (std::invalid_argument naming the option).
void check_run_options(const RunOptions& opt);

// Upper bound of the cycles a correct design needs for `prog` (used by the watchdog).
std::uint64_t cycle_bound(const top::TopParams& p, const std::vector<top::Instr>& prog,
                          const RunOptions& opt);

// Compares the DUT's buffers (both streaming halves, stationary, output; every line), active
// half and error code with the golden model's. Returns "" when equal, else a report of the first
// mismatches naming buffer, half, bank, line, expected and actual (at most `max_reports`).
std::string compare_state(const TopDut& dut, const top::Golden& g, int max_reports = 8);

// The first difference compare_state finds, as a divergence at loop cycle `cycle` (the last
// simulated cycle of the run): unit "err", "half", "sbuf.half<H>.bank<B>.line<L>",
// "wbuf.bank<B>.line<L>" or "obuf.bank<B>.line<L>", the bank's write port as the signal.
std::optional<Divergence> first_state_divergence(const TopDut& dut, const top::Golden& g,
                                                 std::uint64_t cycle);

// The waveform names of a bank's buffer write port {we_i, waddr_i, wdata_i}; buffer 0
// streaming (`half`: which half's memory), 1 stationary, 2 output.
std::vector<std::string> top_bank_port(const TopDut& dut, int buffer, int bank, int half = 0);

// The simulation time of loop cycle `cycle`'s rising edge in a run_program waveform (two
// reset cycles first, two time units per cycle).
long top_wave_time(std::uint64_t cycle);

// The .gtkw beside a top waveform: a divergence group first (when given: the divergent signal
// and its neighbours, a marker on its cycle, the view zoomed on it), then the ports, the
// engines' state and one collapsed group per bank with its buffers' write ports.
void write_top_gtkw(const TopDut& dut, const std::string& fst_path, const Divergence* d = nullptr,
                    std::uint64_t first_cycle = 0, std::uint64_t last_cycle = 0);

}  // namespace feather::sim
