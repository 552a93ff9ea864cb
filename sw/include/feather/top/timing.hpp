// The cycle model of the FEATHER top (rtl/feather_top.sv, docs/isa.md "Cycle costs" and
// docs/mapper.md): predicts, for an instruction stream, the cycle in which every instruction is
// consumed and the cycle in which the top is idle again, from the documented micro-architecture
// (one-entry instruction buffer, barriers, the memory, mapping and stream engines, the output
// pipeline). It is event based (work per instruction, not per cycle), so the mapper can score
// whole networks with it.
//
// With a memory of fixed latency and no back-pressure it is exact for legal programs (the
// mapper's agreement test checks it against the RTL). A bandwidth below one word per cycle
// is modelled as evenly spaced requests (an average, not the RTL's random back-pressure).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "feather/top/isa.hpp"
#include "feather/top/params.hpp"

namespace feather::top {

struct TimingOptions {
  int latency = 2;         // cycles from a read request to its response (>= 1)
  double bandwidth = 1.0;  // off-chip words per cycle, (0, 1]
};

struct Timing {
  // Cycles as the harness counts them (sim::run_program): from the first instruction
  // presented until the top has been idle for two cycles.
  std::uint64_t cycles = 0;
  std::uint64_t beat_cycles = 0;     // streamed beats (sum of T * vn): the compute phase
  std::uint64_t mapping_cycles = 0;  // PE loading (vn * vn per ExecuteMapping), hidden or not
  std::uint64_t memory_cycles = 0;   // cycles the memory engine is busy
  std::uint64_t stall_cycles = 0;    // cycles an instruction waited in the buffer
  std::uint64_t words_read = 0, words_written = 0;  // off-chip words (loads, stores)
  std::uint64_t macs_slots = 0;                     // PE-cycles of streaming: beat_cycles * AH * AW
  std::vector<std::uint64_t> consume;               // per instruction: the cycle it was consumed
  std::string to_string() const;
};

// Throws std::invalid_argument for options out of range or an ExecuteStreaming before any
// ExecuteMapping (the model times legal programs only).
Timing predict(const TopParams& p, const std::vector<Instr>& prog, const TimingOptions& opt = {});

}  // namespace feather::top
