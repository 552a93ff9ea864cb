// Lockstep cosimulation of a verilated BIRRD against the C++ cycle model: random data, random
// valid gaps, a new configuration every cycle (routed targets and raw random commands), mid-run
// resets. Every stage register and output is compared every cycle; routed waves are also
// checked against the functional expectation (the sum of each target group).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/birrd/model.hpp"
#include "feather/sim/birrd_dut.hpp"
#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"

namespace feather::sim {

struct BirrdCosimOptions {
  std::uint64_t seed = 1;
  std::uint64_t cycles = 2000;
  double valid_density = 0.85;   // probability that a lane's input is valid in a cycle
  double routed_fraction = 0.7;  // cycles carrying a routed target (the rest: random commands)
  int target_pool = 48;          // distinct routed targets drawn per run
  std::uint64_t reset_at = 0;    // assert reset for one cycle at this cycle (0 = never)
  bool check_stages = true;      // compare every stage register, not only the outputs
  std::string trace_path;        // FST waveform (and a .gtkw beside it) if not empty
  std::optional<birrd::ModelFault> fault;  // test-only corruption of the model
  // Tracing (with trace_path): only loop cycles trace_start..trace_stop are dumped, SIGUSR1
  // flips tracing (install_trace_toggle_signal()). When tracing is on at the first divergence,
  // the run goes on (unchecked) up to trace_stop, so the waveform shows what followed.
  std::uint64_t trace_start = 0;
  std::uint64_t trace_stop = kNoCycle;
  // Debug: at this loop cycle stop making progress forever (tests of the runner's timeout).
  std::uint64_t hang_at = kNoCycle;
  Coverage* coverage = nullptr;  // functional coverage counters to add to (docs/debugging.md)
};

struct BirrdCosimResult {
  bool ok = true;
  std::uint64_t cycles = 0;                    // cycles simulated
  std::uint64_t results_checked = 0;           // routed results compared with the functional sum
  std::string mismatch;                        // first divergence: cycle, unit, expected, actual
  double seconds = 0;                          // wall time of the simulation loop
  std::string gtkw_path;                       // written if tracing
  std::optional<Divergence> divergence;        // the first divergence, as data
  std::vector<TraceGate::Event> trace_events;  // where tracing switched on and off
};

BirrdCosimResult run_birrd_cosim(BirrdDut& dut, const BirrdCosimOptions& opt);

// The .gtkw layout for a BIRRD waveform: ports, then one group per stage. With a divergence, a
// first group holds the divergent signal and its neighbours (highlighted), the marker is on the
// divergent cycle and the view is zoomed on [zoom_start, zoom_end] (simulation time).
void write_birrd_gtkw(const BirrdDut& dut, const std::string& fst_path, long marker = -1,
                      const Divergence* divergence = nullptr, long zoom_start = -1,
                      long zoom_end = -1);

}  // namespace feather::sim
