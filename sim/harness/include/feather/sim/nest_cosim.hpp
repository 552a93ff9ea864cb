// Lockstep cosimulation of verilated NEST (and NEST+BIRRD) against the C++ cycle models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/birrd/router.hpp"
#include "feather/nest/model.hpp"
#include "feather/nest/schedule.hpp"
#include "feather/sim/coverage.hpp"
#include "feather/sim/debug.hpp"
#include "feather/sim/nest_dut.hpp"

namespace feather::sim {

struct NestCosimOptions {
  std::uint64_t seed = 1;
  std::uint64_t cycles = 3000;
  std::uint64_t reset_at = 0;  // one reset cycle here (0 = never)
  bool check_pes = true;       // compare every PE's acc/out/valid registers every cycle
  std::string trace_path;      // FST waveform (and a .gtkw beside it) if not empty
  std::optional<nest::NestFault> fault;
  // Tracing (with trace_path): only loop cycles trace_start..trace_stop are dumped (the cycles
  // before the loop only when trace_start is 0), SIGUSR1 flips tracing. When tracing is on at
  // the first divergence, the run goes on (unchecked) up to trace_stop.
  std::uint64_t trace_start = 0;
  std::uint64_t trace_stop = kNoCycle;
  // Debug: at this loop cycle stop making progress forever (tests of the runner's timeout).
  std::uint64_t hang_at = kNoCycle;
  Coverage* coverage = nullptr;  // functional coverage counters to add to (docs/debugging.md)
};

struct NestCosimResult {
  bool ok = true;
  std::uint64_t cycles = 0;
  std::uint64_t sums = 0;        // column outputs compared
  std::uint64_t collisions = 0;  // column collisions seen (and flagged identically)
  std::string mismatch;          // first divergence: cycle, row, column, signal, expected, actual
  double seconds = 0;
  std::string gtkw_path;
  std::optional<Divergence> divergence;        // run_nest_cosim: the first divergence, as data
  std::vector<TraceGate::Event> trace_events;  // run_nest_cosim: where tracing switched
};

// Random traffic: phases with random reduction length, zero points (extremes included), PE
// masks, loads into either bank during compute, bank swaps mid-stream, valid gaps.
NestCosimResult run_nest_cosim(NestDut& dut, const NestCosimOptions& opt);

// A schedule (e.g. a GEMM tile) on the RTL in lockstep with the model; `got` receives each
// column's emitted sums in order.
NestCosimResult run_nest_schedule(NestDut& dut, const nest::NestSchedule& s,
                                  std::vector<std::vector<std::uint64_t>>& got,
                                  const std::string& trace_path = "");

// NEST+BIRRD: a GEMM tile whose K is split over the first `columns` columns (a power of two),
// reduced by BIRRD; the sum for output row n lands on output lane port_of_row[n]. Checks the RTL
// against the models every cycle and the landed results against the tile's full result.
struct NestBirrdResult {
  bool ok = true;
  std::uint64_t cycles = 0;
  std::uint64_t results = 0;
  std::string mismatch;
};
NestBirrdResult run_nest_birrd_gemm(NestBirrdDut& dut, const nest::GemmTile& tile,
                                    const std::vector<int>& port_of_row, std::uint64_t seed,
                                    const std::string& trace_path = "");

// The .gtkw layout for a NEST waveform: ports, then one group per column. With a divergence, a
// first group holds the divergent signal and its neighbours (highlighted), the marker is on the
// divergent cycle and the view is zoomed on [zoom_start, zoom_end] (simulation time).
void write_nest_gtkw(const NestDut& dut, const std::string& fst_path, long marker = -1,
                     const Divergence* divergence = nullptr, long zoom_start = -1,
                     long zoom_end = -1);

}  // namespace feather::sim
