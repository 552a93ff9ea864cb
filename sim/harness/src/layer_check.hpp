// Inside the harness: one instruction stream checked on the verilated top against the golden
// model (layer_run.cpp), shared by the layer runs and the network runs.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "feather/sim/layer_run.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"

namespace feather::sim::detail {

// The directed program of `feather run --layer layouts` and its off-chip memory
// (directed_layouts.cpp): every layout order per buffer with equal and unequal factors, Loads
// to both streaming halves, Stores from every buffer, and the control corners (layouts, Loads,
// Stores and outputs at the buffers' last lines, rounding ties, clamps, the last
// requantization channel). Throws std::logic_error if the golden model rejects a step.
std::pair<std::vector<top::Instr>, top::Memory> directed_layouts(const top::TopParams& p,
                                                                 std::mt19937_64& rng);

// A program that ran on a DUT before the one being checked, without a reset in between (a chain
// of the on-chip hand-off): replayed on a fresh DUT to bring it to the state the checked
// program started from.
struct Replay {
  std::vector<top::Instr> instrs;
  top::Memory memory;
  RunOptions opt;
};

// A divergence on a buffer line (rep.divergence, unit "sbuf.half<H>.bank<B>.line<L>", "wbuf..."
// or "obuf..."): runs the programs `before` and then `rtl_prog` on a fresh DUT (deterministic:
// same options, no waveform) watching that line in every bank (and the other lines of
// [lines.first, lines.second), the Store that read it, up to 4096 line-banks), and moves the
// divergence to the cycle of the earliest write of a value the golden model never has in that
// line-bank while it runs `golden_prog` from `start` (for the output buffer, whose lines also
// hold partial sums within an instruction, only the last write of each counts), or says that a
// write is missing. `final_golden`: the golden model after `golden_prog`.
void locate_wrong_write(const TopDutInfo& info, const std::vector<Replay>& before,
                        const top::Golden& start, const std::vector<top::Instr>& golden_prog,
                        const std::vector<top::Instr>& rtl_prog, const top::Memory& memory,
                        const RunOptions& ro, const top::Golden& final_golden,
                        std::pair<std::uint64_t, std::uint64_t> lines, LayerReport& rep);

// Runs `instrs` on the golden model and on the RTL (opt), compares them (state, memory, the
// off-chip writes as they happen), finds the first divergence and writes the .gtkw of a trace.
// Fills rep.run, rep.predicted, rep.utilization (from rep.macs), rep.golden_ok and the
// divergence; appends the differences to `diff`; returns the RTL's off-chip memory. Throws
// std::runtime_error if the golden model rejects the program.
top::Memory check_on_rtl(const TopDutInfo& info, const std::vector<top::Instr>& instrs,
                         const top::Memory& memory, const RunOptions& opt, LayerReport& rep,
                         std::string& diff);

}  // namespace feather::sim::detail
