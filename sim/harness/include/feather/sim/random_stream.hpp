// Random and directed illegal instruction streams for the FEATHER top, and the check that runs
// many of them on one verilated top against the golden model (`feather run --layer
// random-stream`, docs/coverage.md). The cosim tests TopCosim.ErrorsMatchTheGoldenModel and
// TopCosim.RandomInstructionStreamsNeverHangAndAgreeOnErrors use the same generators.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "feather/birrd/topology.hpp"
#include "feather/sim/layer_run.hpp"
#include "feather/sim/top_cosim.hpp"
#include "feather/sim/top_dut.hpp"
#include "feather/top/golden.hpp"
#include "feather/top/isa.hpp"

namespace feather::sim {

// A directed program and the error it must end with.
struct ErrorProgram {
  std::string name;
  top::Err expect = top::Err::kNone;
  std::vector<top::Instr> prog;
};

// A legal base (one mapping, one step reduced into lane 0) and, derived from it, at least one
// program per error code of docs/isa.md (FIELD, LAYOUT_RANGE, STATE, SCONFLICT, WCONFLICT,
// OCONFLICT, OMISSING, MEM_RANGE, QRANGE). The memory they read may be anything.
// Ends with corner_programs(p, base).
std::vector<ErrorProgram> directed_error_programs(const top::TopParams& p);

// Programs derived from the legal base `base` whose outcome depends on one boundary, one field bit
// or one interlock of the top's control logic (docs/mutation.md, "Reading the survivors"): a
// window of height 0; a window origin at the most negative rows, a step base reaching 2^XW
// exactly, a row times width with the top bit of its 2 XW-bit product set (all padding), and
// outputs at m = 2^(XW-1) past the output layout (dropped); a requantizing stream past SD behind
// an output conflict (the older error wins); mappings loading while the stream before them fails
// (the EM engine stops with it). Most are built so that the wrong behaviour raises an error the
// right one does not (a bank conflict of columns that should read padding or drop their
// outputs), which the error-code check sees even on empty buffers.
std::vector<ErrorProgram> corner_programs(const top::TopParams& p,
                                          const std::vector<top::Instr>& base);

// One random instruction stream, legal or not: random opcodes and fields, mostly small values
// and sometimes anything that fits the field; half of the streams start from a legal set-up
// (Config, the three layouts, two Loads) so that the instructions after it reach mappings,
// streams and their run-time checks. 1..14 random instructions.
std::vector<top::Instr> random_instruction_stream(const top::TopParams& p, std::mt19937_64& rng);

// The off-chip memory a random stream reads: words 0..63 random, the rest 0.
top::Memory random_stream_memory(const top::TopParams& p, std::mt19937_64& rng);

// One stream checked on `dut` against `golden`: both are reset first (the DUT by run_program,
// the golden model's registers by Golden::reset; buffers and tables are memories and keep
// their contents in both), run on copies of `memory`. It passes when the RTL does not hang,
// no RTL assertion fires, the RTL's error code equals the golden model's and, for a stream
// without error, every buffer line, the active half and the off-chip memory are equal too.
struct StreamCheck {
  bool ok = false;
  std::string failure;  // what differs, "" when ok
  top::ErrorInfo golden;
  RunResult run;
  std::optional<Divergence> divergence;  // the first difference (cycle within this stream)
};
StreamCheck check_stream(TopDut& dut, top::Golden& golden, const std::vector<top::Instr>& prog,
                         const top::Memory& memory, const RunOptions& opt);

// `feather run --layer random-stream`: on one AH x AW top (one DUT instance, reset before
// every stream), first a fill of the stationary buffer and both streaming halves with random
// data (so that the directed programs, which load nothing, write values that are not 0), then
// every directed_error_programs program, then `streams` random streams from `seed` (every
// fourth a top::random_legal_program, which must end without error), each
// checked by check_stream (a directed program must also end with its expected error). After a
// stream that ended in an error (where the RTL may have written more lines than the golden
// model before stopping) the golden model's buffers are set to the RTL's and both
// requantization tables are cleared in both by a Load. Stops at the first failing stream:
// LayerReport::divergence, ::mismatch (stream number, what differs, its listing), ::program
// (that stream). With RunOptions::trace, the streams before the failing one are replayed on a
// fresh top and only the failing one is traced (the cycles of the divergence and of the trace
// window count from that stream's first cycle). LayerReport::layer counts the runs per error.
LayerReport run_random_streams(const TopDutInfo& info, std::uint64_t seed, int streams,
                               const RunOptions& opt);

}  // namespace feather::sim
