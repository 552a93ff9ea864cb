// The cycle model of the FEATHER top (rtl/feather_top.sv, docs/isa.md "Cycle costs" and
// docs/mapper.md): predicts, for an instruction stream, the cycle in which every instruction is
// consumed and the cycle in which the top is idle again, from the documented micro-architecture
// (one-entry instruction buffer, barriers, the memory, mapping and stream engines, the output
// pipeline). It is event based (work per instruction, not per cycle), so the mapper can score
// whole networks with it.
//
// With a memory of fixed latency and no back-pressure it is exact for legal programs (the
// mapper's agreement test checks it against the RTL). A bandwidth below one word per cycle
// is modelled as evenly spaced requests: an estimate (Timing::exact is false), which is how the
// harness's random back-pressure P is predicted, as a memory of 1 - P words per cycle on average
// (within a few per cent of the RTL at P = 0.5, where ignoring it is off by about a third).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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
  // Cycle-exact for a legal program on a memory of fixed latency (bandwidth 1); false when the
  // bandwidth is below one word per cycle (an average, so the figures are an estimate).
  bool exact = true;
  std::string to_string() const;
};

// What a program inherits from the program that ran before it on the same top without a reset:
// the controller's mapping context and the stream engine's context register. The first
// ExecuteMapping takes the context after the inherited one, and in the cycle after the first
// stream is consumed the beat register still names the inherited stream context (one cycle at
// most). A freshly reset top: the defaults.
struct TimelineCarry {
  bool map_valid = false;
  unsigned map_ctx = 0, st_ctx = 0;
};

// The cycle model one instruction at a time: predict() runs it over a program; the scheduler
// (schedule.hpp) asks when an instruction would be consumed before it places it.
class Timeline {
 public:
  // Throws std::invalid_argument for options out of range.
  explicit Timeline(const TopParams& p, const TimingOptions& opt = {},
                    const TimelineCarry& from = {});
  // The cycle `in` would be consumed in if it were the next instruction (nothing changes).
  std::uint64_t ready(const Instr& in) const;
  // The cycles `a` and `b` would be consumed in if they were the next two instructions.
  std::pair<std::uint64_t, std::uint64_t> ready2(const Instr& a, const Instr& b) const;
  // The cycle the last of `seq` would be consumed in if they were the next instructions (0 for
  // none).
  std::uint64_t ready_seq(const std::vector<const Instr*>& seq) const;
  // Appends `in`; returns the cycle it is consumed in. Throws std::invalid_argument for an
  // ExecuteStreaming before any ExecuteMapping or with T = 0 (legal programs only).
  std::uint64_t add(const Instr& in);
  // The timing of the instructions added so far (the top idle after the last).
  Timing finish() const;
  // What the next program inherits (TimelineCarry) after the instructions added so far.
  TimelineCarry carry() const { return {s_.map_valid, s_.map_ctx, s_.st_ctx}; }

 private:
  // Every resource as the first cycle it is free (the file comment of timing.cpp).
  struct State {
    std::uint64_t count = 0;     // instructions added
    std::uint64_t prev = 0;      // consume cycle of the previous instruction (0: none yet)
    std::uint64_t mem_free = 0;  // memory engine
    // The memory engine's latest operation (the only one that can be busy): its target,
    // whether it is a Store, its lines [ls_lo, ls_hi).
    std::uint32_t mem_tgt = 0;
    bool mem_store = false;
    std::uint64_t ls_lo = 0, ls_hi = 0;
    // The lines [first, last] of the current layouts (0 = W, 1 = I, 2 = O).
    bool lay_valid[3] = {false, false, false};
    std::uint64_t lay_first[3] = {0, 0, 0}, lay_last[3] = {0, 0, 0};
    std::uint64_t st_free = 0;           // the stream engine has issued its last beat
    std::uint64_t q_free = 0;            // the latest quant stream has drained
    std::uint64_t em_free = 0;           // ExecuteMapping engine (busy, tail, read register)
    std::uint64_t ctx_done[2] = {0, 0};  // first cycle a context's loads have landed
    std::uint64_t ctx_free[2] = {0, 0};  // first cycle no stream / output entry uses a context
    std::uint64_t vn_of[2] = {1, 1};
    bool map_valid = false;
    unsigned map_ctx = 0;
    bool have_stream = false;
    std::uint64_t last_beat = 0;    // cycle of the last beat of the latest stream
    std::uint64_t cur_vn = 1;       // vn of the latest stream (reset: vnm1 = 0)
    std::uint64_t flight_free = 0;  // no beat and no output entry in flight
    std::uint64_t last_es = 0;      // consume cycle of the latest stream
    // The stream engine's context register, and its value before the latest stream (reset 0).
    unsigned st_ctx = 0, st_ctx_before = 0;
  };
  std::uint64_t step(State& s, Timing& tm, const Instr& in) const;

  TopParams p_;
  TimingOptions opt_;
  State s_;
  Timing tm_;
};

// Throws std::invalid_argument for options out of range or an ExecuteStreaming before any
// ExecuteMapping (the model times legal programs only).
Timing predict(const TopParams& p, const std::vector<Instr>& prog, const TimingOptions& opt = {},
               const TimelineCarry& from = {});

}  // namespace feather::top
