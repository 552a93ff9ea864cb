// Lockstep cosimulation of verilated NEST (and NEST+BIRRD) against the C++ cycle models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "feather/birrd/router.hpp"
#include "feather/nest/model.hpp"
#include "feather/nest/schedule.hpp"
#include "feather/sim/nest_dut.hpp"

namespace feather::sim {

struct NestCosimOptions {
  std::uint64_t seed = 1;
  std::uint64_t cycles = 3000;
  std::uint64_t reset_at = 0;  // one reset cycle here (0 = never)
  bool check_pes = true;       // compare every PE's acc/out/valid registers every cycle
  std::string trace_path;      // FST waveform (and a .gtkw beside it) if not empty
  std::optional<nest::NestFault> fault;
};

struct NestCosimResult {
  bool ok = true;
  std::uint64_t cycles = 0;
  std::uint64_t sums = 0;        // column outputs compared
  std::uint64_t collisions = 0;  // column collisions seen (and flagged identically)
  std::string mismatch;          // first divergence: cycle, row, column, signal, expected, actual
  double seconds = 0;
  std::string gtkw_path;
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

void write_nest_gtkw(const NestDut& dut, const std::string& fst_path, long marker = -1);

}  // namespace feather::sim
